"""forbid_send_msg, get_group_muted_account and its older name get_group_shutted_uin (seed 004 lines
14720-15076; DECISIONS 21), over `confab.domain.groups.mutes`."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain.groups import model, mutes
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.services import GROUP


def require_group_id(value: object) -> str:
    """GroupId: required (10004); not a plausible group ID -> 10015 ("invalid group ID")."""
    if value is None:
        raise ApiError(10004, "GroupId is required")
    return model.require_id(value, 10015)


def optional_topic(topic_id: object) -> str | None:
    """TopicId of the mute APIs: absent or "" the group itself, else the topic (checked by the domain)."""
    if topic_id is None or topic_id == "":
        return None
    if not isinstance(topic_id, str):
        raise ApiError(10004, "TopicId must be a string")
    return topic_id


def require_accounts(values: list[str] | None, field: str = "Members_Account") -> list[str]:
    if values is None:
        raise ApiError(10004, f"{field} is required")
    return [require_user_id(v, field, 10004) for v in values]


class ForbidSendMsg(msgspec.Struct):
    GroupId: str | None = None
    Members_Account: list[str] | None = None
    MuteTime: Int64 | None = None
    TopicId: str | None = None


@GROUP.endpoint("forbid_send_msg", request=ForbidSendMsg, aliases={"ShutUpTime": "MuteTime"})
async def forbid_send_msg(call: Call, req: ForbidSendMsg) -> None:
    group_id = require_group_id(req.GroupId)
    users = require_accounts(req.Members_Account)
    if req.MuteTime is None:
        raise ApiError(10004, "MuteTime is required")
    topic = optional_topic(req.TopicId)
    await mutes.mute(call.rt, call.app, group_id, users, req.MuteTime, operator=None, topic_id=topic)


class GetMuted(msgspec.Struct):
    GroupId: str | None = None
    TopicId: str | None = None


class MutedAccount(msgspec.Struct):
    Member_Account: str
    MutedUntil: int


class GetMutedReply(msgspec.Struct):
    GroupId: str
    MutedAccountList: list[MutedAccount]


async def _muted(call: Call, req: GetMuted) -> tuple[str, list[tuple[str, int]]]:
    group_id = require_group_id(req.GroupId)
    return group_id, await mutes.muted(call.rt, call.app, group_id, optional_topic(req.TopicId))


@GROUP.endpoint("get_group_muted_account", request=GetMuted, response=GetMutedReply)
async def get_group_muted_account(call: Call, req: GetMuted) -> GetMutedReply:
    group_id, found = await _muted(call, req)
    return GetMutedReply(GroupId=group_id, MutedAccountList=[MutedAccount(u, until) for u, until in found])


class ShuttedUin(msgspec.Struct):
    Member_Account: str
    ShuttedUntil: int


class GetShuttedReply(msgspec.Struct):
    GroupId: str
    ShuttedUinList: list[ShuttedUin]


@GROUP.endpoint("get_group_shutted_uin", request=GetMuted, response=GetShuttedReply)
async def get_group_shutted_uin(call: Call, req: GetMuted) -> GetShuttedReply:
    """The older command name existing server SDKs call, answered with its older field names."""
    group_id, found = await _muted(call, req)
    return GetShuttedReply(GroupId=group_id, ShuttedUinList=[ShuttedUin(u, until) for u, until in found])
