"""Group read receipts over the gateway (docs/client-protocol.md, "Group messages"): `group_receipt`, a
member reporting that they have read messages which asked for receipts (sent with IsNeedReadReceipt 1).
The same domain module as get_group_msg_receipt's; the senders hear of it as "group.receipt" feed entries."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain.groups import model, receipts
from confab.realtime.ops import Actor, op


class GroupReceipt(msgspec.Struct):
    GroupId: str
    MsgSeqList: list[Int64]


@op("group_receipt", GroupReceipt)
async def group_receipt(actor: Actor, req: GroupReceipt) -> dict:
    """Per seq, in request order, Code 0 (recorded), 10062 (no receipt to send: no such message, a tip,
    recalled, or it asked for none) or 10007 (one's own message, or one from before joining)."""
    gid = model.require_id(req.GroupId, 10015)
    results = await receipts.send_receipts(actor.rt, actor.app, gid, actor.user, req.MsgSeqList)
    return {"GroupId": gid, "ResultList": results}
