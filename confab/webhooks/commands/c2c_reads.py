"""One-to-one read reports and recalls (seed 30702-30946), from a device or the admin APIs."""

from __future__ import annotations

from typing import Any

from confab.domain.c2c import reads
from confab.domain.c2c.model import C2CMessageRecalled, C2CMessagesRead
from confab.webhooks.after import after


@after("C2C.CallbackAfterMsgReport", C2CMessagesRead)
async def msg_report(tx: Any, app: Any, event: C2CMessagesRead) -> list[dict[str, Any]]:
    """UnreadMsgNum: the reporter's unread across all conversations, after this read (same transaction)."""
    return [
        {
            "Report_Account": event.report_account,
            "Peer_Account": event.peer_account,
            "LastReadTime": event.read_time,
            "UnreadMsgNum": await reads.total_unread(tx, event.sdkappid, event.report_account),
        }
    ]


@after("C2C.CallbackAfterMsgWithDraw", C2CMessageRecalled)
async def msg_withdraw(tx: Any, app: Any, event: C2CMessageRecalled) -> list[dict[str, Any]]:
    """UnreadMsgNum: the recipient's unread across all conversations, the recalled message no longer counted."""
    return [
        {
            "From_Account": event.from_account,
            "To_Account": event.to_account,
            "MsgKey": event.msg_key,
            "UnreadMsgNum": await reads.total_unread(tx, event.sdkappid, event.to_account),
        }
    ]
