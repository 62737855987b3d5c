"""Group deliveries other than send_group_msg, over REST (issue 13): import_group_msg (seed 004 lines
3058-3360), send_group_system_notification (2363-2552), send_broadcast_msg (2553-2751) and
set_unread_msg_num (9325-9497)."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import broadcasts, imports, messages, reads, topics
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.api.groups.members import accounts_of, group_id
from confab.rest.api.groups.messages import topic_id
from confab.rest.call import Call
from confab.rest.services import GROUP

# -- import_group_msg ---------------------------------------------------------------------------------


class ImportedMsg(msgspec.Struct):
    From_Account: Any = None
    SendTime: Int64 | None = None
    Random: Int64 | None = None
    MsgBody: Any = None


class ImportGroupMsg(msgspec.Struct):
    GroupId: Any = None
    MsgList: list[ImportedMsg] | None = None
    RecentContactFlag: Int64 = 0
    TopicId: Any = None


class ImportMsgResult(msgspec.Struct):
    MsgSeq: int
    MsgTime: int
    Result: int


class ImportGroupMsgReply(msgspec.Struct):
    ImportMsgResult: list[ImportMsgResult]


@GROUP.endpoint("import_group_msg", request=ImportGroupMsg, response=ImportGroupMsgReply)
async def import_group_msg(call: Call, req: ImportGroupMsg) -> ImportGroupMsgReply:
    gid = group_id(req.GroupId)
    if req.MsgList is None:
        raise ApiError(10004, "MsgList is required")
    topic = topic_id(req.TopicId)
    if req.RecentContactFlag not in (0, 1):
        raise ApiError(10004, "RecentContactFlag is 0 or 1")
    items: list[imports.ImportItem] = []
    for i, m in enumerate(req.MsgList):
        if m.From_Account is None:
            raise ApiError(10004, f"MsgList[{i}].From_Account is required")
        if m.SendTime is None:
            raise ApiError(10004, f"MsgList[{i}].SendTime is required")
        if m.MsgBody is None:
            raise ApiError(10004, f"MsgList[{i}].MsgBody is required")
        sender = require_user_id(m.From_Account, f"MsgList[{i}].From_Account", 10004)
        items.append(imports.ImportItem(sender=sender, send_time=m.SendTime, body=m.MsgBody, random=m.Random))
    results = await imports.import_messages(call.rt, call.app, gid, items, topic_id=topic)
    return ImportGroupMsgReply(ImportMsgResult=[ImportMsgResult(**r) for r in results])


# -- send_group_system_notification ---------------------------------------------------------------------


class SendGroupSystemNotification(msgspec.Struct):
    GroupId: Any = None
    ToMembers_Account: list[Any] | None = None
    Content: Any = None
    TopicId: Any = None


@GROUP.endpoint("send_group_system_notification", request=SendGroupSystemNotification)
async def send_group_system_notification(call: Call, req: SendGroupSystemNotification) -> None:
    gid = group_id(req.GroupId)
    if req.Content is None:
        raise ApiError(10004, "Content is required")
    if not isinstance(req.Content, str):
        raise ApiError(10004, "Content must be a string")
    if req.TopicId is not None:  # ruling (docs/compatibility.md, "Topics")
        if not isinstance(req.TopicId, str) or not req.TopicId.startswith(gid + topics.TOPIC_MARK):
            raise ApiError(10010, f"group {gid!r} has no topic {req.TopicId!r}")
        raise ApiError(10004, "system notifications go to the whole community, not to a topic: leave TopicId out")
    to = accounts_of(req.ToMembers_Account, "ToMembers_Account") if req.ToMembers_Account else None
    await broadcasts.system_notification(call.rt, call.app, gid, req.Content, to)


# -- send_broadcast_msg ---------------------------------------------------------------------------------


class SendBroadcastMsg(msgspec.Struct):
    From_Account: Any = None
    Random: Int64 | None = None
    MsgBody: Any = None
    CloudCustomData: str | None = None


class SendBroadcastMsgReply(msgspec.Struct):
    MsgSeq: int


@GROUP.endpoint("send_broadcast_msg", request=SendBroadcastMsg, response=SendBroadcastMsgReply)
async def send_broadcast_msg(call: Call, req: SendBroadcastMsg) -> SendBroadcastMsgReply:
    if req.MsgBody is None:
        raise ApiError(10004, "MsgBody is required")
    if req.Random is None:
        raise ApiError(10004, "Random is required")
    sender = call.identifier
    if req.From_Account is not None and req.From_Account != "":
        sender = require_user_id(req.From_Account, "From_Account", 10004)
    out = messages.compose(req.MsgBody, random=req.Random, cloud_data=req.CloudCustomData, size_code=10004)
    seq = await broadcasts.broadcast(call.rt, call.app, sender, out)
    return SendBroadcastMsgReply(MsgSeq=seq)


# -- set_unread_msg_num ---------------------------------------------------------------------------------


class SetUnreadMsgNum(msgspec.Struct):
    GroupId: Any = None
    Member_Account: Any = None
    UnreadMsgNum: Int64 | None = None


@GROUP.endpoint("set_unread_msg_num", request=SetUnreadMsgNum)
async def set_unread_msg_num(call: Call, req: SetUnreadMsgNum) -> None:
    gid = group_id(req.GroupId)
    if req.Member_Account is None:
        raise ApiError(10004, "Member_Account is required")
    member = require_user_id(req.Member_Account, "Member_Account", 10004)
    if req.UnreadMsgNum is None:
        raise ApiError(10004, "UnreadMsgNum is required")
    await reads.set_unread(call.rt, call.app, gid, member, req.UnreadMsgNum)
