"""Group messages over REST (issue 13): send_group_msg (seed 004 lines 1731-2362), to a community's
topic with `TopicId` (issue 14)."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import messages
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.api.groups.members import group_id
from confab.rest.call import Call
from confab.rest.services import GROUP


class SendGroupMsg(msgspec.Struct):
    GroupId: Any = None
    MsgBody: Any = None
    Random: Int64 | None = None
    From_Account: Any = None
    MsgPriority: Any = None
    OfflinePushInfo: Any = None
    ForbidCallbackControl: list[str] | None = None
    OnlineOnlyFlag: Int64 = 0
    SendMsgControl: list[str] | None = None
    CloudCustomData: str | None = None
    SupportMessageExtension: Int64 = 0
    GroupAtInfo: Any = None
    To_Account: list[str] | None = None
    TopicId: Any = None


class SendGroupMsgReply(msgspec.Struct, omit_defaults=True):
    MsgTime: int
    MsgSeq: int
    MsgDropReason: str | None = None


def topic_id(value: object, code: int = 10004) -> str | None:
    """TopicId of a group message API: absent or "" the group itself, else a string (`code` otherwise)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ApiError(code, "TopicId must be a string")
    return value


@GROUP.endpoint("send_group_msg", request=SendGroupMsg, response=SendGroupMsgReply)
async def send_group_msg(call: Call, req: SendGroupMsg) -> SendGroupMsgReply:
    gid = group_id(req.GroupId)
    if req.MsgBody is None:
        raise ApiError(10004, "MsgBody is required")
    topic = topic_id(req.TopicId)
    if req.To_Account is not None:
        raise ApiError(10004, "To_Account (messages to some members only) is not supported yet")
    sender = call.identifier
    if req.From_Account is not None and req.From_Account != "":
        sender = require_user_id(req.From_Account, "From_Account", 10004)
    out = await messages.compose_for_send(
        call.rt,
        call.app,
        gid,
        sender,
        None,
        req.MsgBody,
        topic_id=topic,
        random=req.Random,
        priority=req.MsgPriority,
        cloud_data=req.CloudCustomData,
        push_info=req.OfflinePushInfo,
        at_info=req.GroupAtInfo,
        online_only_flag=req.OnlineOnlyFlag,
        send_controls=req.SendMsgControl,
        forbid_callbacks=req.ForbidCallbackControl,
        support_extension=req.SupportMessageExtension,
    )
    sent = await messages.send(call.rt, call.app, gid, sender, out, by_admin=True, topic_id=topic)
    return SendGroupMsgReply(MsgTime=sent.msg_time, MsgSeq=sent.msg_seq, MsgDropReason=sent.drop_reason or None)
