"""Group messages over the gateway (docs/client-protocol.md, "Group messages"): the same domain calls as
the REST APIs, with the device's user as the sender, so membership, mutes and MuteAllMember apply."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import history, messages, model
from confab.errors import ApiError
from confab.realtime.ops import Actor, op


class SendGroupMsg(msgspec.Struct):
    GroupId: str
    MsgBody: Any
    Random: Int64 | None = None
    MsgPriority: str | None = None
    CloudCustomData: str | None = None
    OfflinePushInfo: Any = None
    GroupAtInfo: Any = None
    OnlineOnlyFlag: Int64 = 0
    SendMsgControl: list[str] | None = None
    SupportMessageExtension: Int64 = 0
    IsNeedReadReceipt: Int64 = 0
    TopicId: str | None = None  # a topic of the community (as send_topic_msg)


@op("send_group_msg", SendGroupMsg)
async def send_group_msg(actor: Actor, req: SendGroupMsg) -> dict:
    gid = model.require_id(req.GroupId, 10015)
    topic = req.TopicId or None
    out = await messages.compose_for_send(
        actor.rt,
        actor.app,
        gid,
        actor.user,
        actor.user,
        req.MsgBody,
        topic_id=topic,
        random=req.Random,
        priority=req.MsgPriority,
        cloud_data=req.CloudCustomData,
        push_info=req.OfflinePushInfo,
        at_info=req.GroupAtInfo,
        online_only_flag=req.OnlineOnlyFlag,
        send_controls=req.SendMsgControl,
        support_extension=req.SupportMessageExtension,
        need_receipt=req.IsNeedReadReceipt,
    )
    sent = await messages.send(actor.rt, actor.app, gid, actor.user, out, by_admin=False, topic_id=topic)
    reply: dict[str, Any] = {"MsgTime": sent.msg_time, "MsgSeq": sent.msg_seq, "Random": out.random}
    if sent.drop_reason:
        reply["MsgDropReason"] = sent.drop_reason
    return reply


class GroupHistory(msgspec.Struct):
    GroupId: str
    ReqMsgNumber: Int64 = 20
    ReqMsgSeq: Int64 | None = None
    WithRecalledMsg: Int64 = 0
    TopicId: str | None = None  # a topic of the community (as topic_history)


@op("group_history", GroupHistory)
async def group_history(actor: Actor, req: GroupHistory) -> dict:
    """The group's history newest first from ReqMsgSeq (absent: the newest), as group_msg_get_simple,
    from the user's joining on unless the type or app lets members see earlier messages (ruling 9)."""
    gid = model.require_id(req.GroupId, 10015)
    if req.WithRecalledMsg not in (0, 1):
        raise ApiError(10004, "WithRecalledMsg is 0 or 1")
    return await history.page(
        actor.rt,
        actor.app,
        gid,
        user=actor.user,
        req_seq=req.ReqMsgSeq,
        number=req.ReqMsgNumber,
        with_recalled=req.WithRecalledMsg == 1,
        topic_id=req.TopicId or None,
    )


class RecallGroupMsg(msgspec.Struct):
    GroupId: str
    MsgSeq: Int64
    TopicId: str | None = None  # a topic of the community (as recall_topic_msg)


@op("recall_group_msg", RecallGroupMsg)
async def recall_group_msg(actor: Actor, req: RecallGroupMsg) -> dict:
    """Recall one message: one's own, or as owner/admin a lower member's, within the app's
    `c2c_recall_limit_seconds` (10031 after); 10030 no such message, 10032 already recalled or a tip."""
    gid = model.require_id(req.GroupId, 10015)
    [(seq, code)] = await history.recall(
        actor.rt, actor.app, gid, [req.MsgSeq], operator=actor.user, topic_id=req.TopicId or None
    )
    if code:
        raise ApiError(code, _RECALL_INFO.get(code, "the message cannot be recalled"))
    return {"GroupId": gid, "MsgSeq": seq}


_RECALL_INFO = {
    history.RECALL_MISSING: "no such message in this group",
    history.RECALL_WINDOW: "the message is too old to recall",
    history.RECALL_REFUSED: "the message cannot be recalled (already recalled, or a system message)",
    history.RECALL_FORBIDDEN: "only the owner or an admin may recall another member's message",
}
