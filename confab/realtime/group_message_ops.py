"""Group messages over the gateway (docs/client-protocol.md, "Group messages"): the same domain calls as
the REST APIs, with the device's user as the sender, so membership, mutes and MuteAllMember apply."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import messages, model
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


@op("send_group_msg", SendGroupMsg)
async def send_group_msg(actor: Actor, req: SendGroupMsg) -> dict:
    out = messages.compose(
        req.MsgBody,
        random=req.Random,
        priority=req.MsgPriority,
        cloud_data=req.CloudCustomData,
        push_info=req.OfflinePushInfo,
        at_info=req.GroupAtInfo,
        online_only_flag=req.OnlineOnlyFlag,
        send_controls=req.SendMsgControl,
        support_extension=req.SupportMessageExtension,
    )
    gid = model.require_id(req.GroupId, 10015)
    sent = await messages.send(actor.rt, actor.app, gid, actor.user, out, by_admin=False)
    reply: dict[str, Any] = {"MsgTime": sent.msg_time, "MsgSeq": sent.msg_seq, "Random": out.random}
    if sent.drop_reason:
        reply["MsgDropReason"] = sent.drop_reason
    return reply
