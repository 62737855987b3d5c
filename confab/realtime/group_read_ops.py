"""Reading a group over the gateway (docs/client-protocol.md, "Group messages"): `read_group` marks the
device user's messages read up to a MsgSeq; the same domain call as set_unread_msg_num's module."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain.groups import model, reads, topics
from confab.realtime.ops import Actor, op


class ReadGroup(msgspec.Struct):
    GroupId: str
    MsgSeq: Int64 = 0  # 0: everything up to the group's latest MsgSeq
    TopicId: str | None = None  # a topic of the community (as read_topic)


@op("read_group", ReadGroup)
async def read_group(actor: Actor, req: ReadGroup) -> dict:
    gid = model.require_id(req.GroupId, 10015)
    if req.TopicId:
        return await topics.mark_read(actor.rt, actor.app, gid, req.TopicId, actor.user, req.MsgSeq)
    return await reads.mark_read(actor.rt, actor.app, gid, actor.user, req.MsgSeq)
