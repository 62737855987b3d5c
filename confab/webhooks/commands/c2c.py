"""One-to-one message callbacks (seed 30150-30946): the bodies of the after-callbacks, from C2C events."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.domain.c2c import reads
from confab.domain.c2c.model import C2CMessageSent, C2CSendFailed, make_msg_key
from confab.domain.c2c.sending import CALLBACK_SOURCES
from confab.webhooks.after import after

_decode = msgspec.json.decode


async def _unread_totals(tx: Any, sdkappid: int) -> dict[str, int]:
    """Every recipient's total unread in this transaction's sends, read once for the whole batch (a
    query per message was 16 % of a send, bench/webhooks.py): the totals after the batch."""
    key = f"c2c.unread.{sdkappid}"
    if key not in tx.memo:
        owners = [e.to_account for e in tx.events if isinstance(e, C2CMessageSent) and e.sdkappid == sdkappid]
        tx.memo[key] = await reads.total_unread_many(tx, sdkappid, owners)
    totals: dict[str, int] = tx.memo[key]
    return totals


@after("C2C.CallbackAfterSendMsg", C2CMessageSent, C2CSendFailed)
async def after_send(tx: Any, app: Any, event: C2CMessageSent | C2CSendFailed) -> list[dict[str, Any]]:
    """Sent (SendMsgResult 0, the recipient's total unread) or refused (its code, UnreadMsgNum -1);
    sendmsg and device sends only, and not when the send said ForbidAfterSendMsgCallback."""
    if event.source not in CALLBACK_SOURCES or "ForbidAfterSendMsgCallback" in event.forbid_callbacks:
        return []
    body: dict[str, Any] = {
        "From_Account": event.from_account,
        "To_Account": event.to_account,
        "MsgSeq": event.msg_seq,
        "MsgRandom": event.msg_random,
        "MsgTime": event.msg_time,
        "MsgKey": make_msg_key(event.msg_seq, event.msg_random, event.msg_time),
        "OnlineOnlyFlag": 1 if event.online_only else 0,
    }
    if isinstance(event, C2CSendFailed):
        body |= {"SendMsgResult": event.code, "ErrorInfo": event.info, "UnreadMsgNum": -1}
        body |= {"MsgBody": event.body_json, "CloudCustomData": event.cloud_data}
        return [body]
    unread = (await _unread_totals(tx, event.sdkappid)).get(event.to_account, 0)
    body |= {"SendMsgResult": 0, "ErrorInfo": "send msg succeed", "UnreadMsgNum": unread}
    message = _decode(bytes(event.message))
    body |= {
        "MsgBody": msgspec.Raw(msgspec.json.encode(message["MsgBody"])),
        "CloudCustomData": message["CloudCustomData"],
    }
    return [body]
