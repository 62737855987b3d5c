"""Live groups over the gateway (docs/client-protocol.md, "Live groups"): who is online in a live group
or a Community. Joining and leaving a live group are `apply_join` and `quit`, as for any group."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain.groups import live, model
from confab.realtime.ops import Actor, op


class GroupRef(msgspec.Struct):
    GroupId: str


@op("group_online_count", GroupRef)
async def group_online_count(actor: Actor, req: GroupRef) -> dict:
    gid = model.require_id(req.GroupId, 10015)
    return {"OnlineMemberNum": await live.online_count(actor.rt, actor.app, gid, viewer=actor.user)}


class OnlineMembers(msgspec.Struct):
    GroupId: str
    Timestamp: Int64 = 0
    Mark: Int64 | None = None


@op("group_online_members", OnlineMembers)
async def group_online_members(actor: Actor, req: OnlineMembers) -> dict:
    gid = model.require_id(req.GroupId, 10015)
    return await live.online_list(actor.rt, actor.app, gid, req.Timestamp, req.Mark, viewer=actor.user)
