"""One-to-one message model: MsgKey, the stored flags, the wire form, the events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from confab.events import Event

# c2c_messages.flags
FLAG_RECALLED = 1
FLAG_HIDDEN_LO = 2  # user_lo no longer sees it
FLAG_HIDDEN_HI = 4
FLAG_EXTENSION = 8  # SupportMessageExtension
FLAG_READ_RECEIPT = 16  # IsNeedReadReceipt
FLAG_COUNTED_UNREAD = 32  # counted in the recipient's unread (so a recall can uncount it)

MSG_FLAG_BITS_RECALLED = 8  # MsgFlagBits in history (seed 4331)

UINT32_MAX = 0xFFFFFFFF

FEED_MSG = "c2c.msg"
FEED_RECALL = "c2c.recall"
FEED_MODIFY = "c2c.modify"
FEED_READ = "c2c.read"
FEED_MSG_DELETE = "c2c.msg_delete"
FEED_CONV_DELETE = "c2c.conv_delete"
FEED_CONV_PIN = "c2c.conv_pin"

_encode = msgspec.json.Encoder().encode


def pair(a: str, b: str) -> tuple[str, str]:
    """The conversation's key: its two UserIDs in order."""
    return (a, b) if a <= b else (b, a)


def hidden_flag(owner: str, user_lo: str) -> int:
    return FLAG_HIDDEN_LO if owner == user_lo else FLAG_HIDDEN_HI


def make_msg_key(seq: int, random: int, msg_time: int) -> str:
    return f"{seq}_{random}_{msg_time}"  # DECISIONS 3


def parse_msg_key(msg_key: str) -> tuple[int, int, int] | None:
    """(MsgSeq, MsgRandom, MsgTime) or None when it is not a key Confab minted."""
    parts = msg_key.split("_")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts):
        return None
    seq, random, msg_time = (int(p) for p in parts)
    return seq, random, msg_time


@dataclass(slots=True)
class StoredMessage:
    id: int
    from_account: str
    to_account: str
    msg_time: int
    msg_seq: int
    msg_random: int
    body: str  # JSON
    cloud_data: str | None
    flags: int

    @property
    def msg_key(self) -> str:
        return make_msg_key(self.msg_seq, self.msg_random, self.msg_time)

    @property
    def recalled(self) -> bool:
        return bool(self.flags & FLAG_RECALLED)

    @classmethod
    def from_row(cls, row: Any) -> StoredMessage:
        sender, receiver = (row.user_lo, row.user_hi) if row.from_lo else (row.user_hi, row.user_lo)
        return cls(
            row.id, sender, receiver, row.msg_time, row.msg_seq, row.msg_random, row.body, row.cloud_data, row.flags
        )

    def wire(self, is_peer_read: bool = False) -> dict[str, Any]:
        """The message as admin_getroammsg lists it (seed 3930-3960)."""
        return {
            "From_Account": self.from_account,
            "To_Account": self.to_account,
            "MsgSeq": self.msg_seq,
            "MsgRandom": self.msg_random,
            "MsgTimeStamp": self.msg_time,
            "MsgFlagBits": MSG_FLAG_BITS_RECALLED if self.recalled else 0,
            "IsPeerRead": 1 if is_peer_read else 0,
            "MsgKey": self.msg_key,
            "MsgBody": msgspec.Raw(self.body.encode()),
            "CloudCustomData": self.cloud_data or "",
        }


def message_payload(
    *,
    from_account: str,
    to_account: str,
    msg_seq: int,
    msg_random: int,
    msg_time: int,
    body_json: bytes,
    cloud_data: str | None,
    flags: int,
    online_only: bool,
    life_time: int | None = None,
) -> bytes:
    """The `c2c.msg` feed payload: the history form plus the send options a device needs.

    `MsgLifeTime` (when the sender set one) bounds offline delivery: the feed entry expires at
    MsgTimeStamp + MsgLifeTime, and a device catching up later does not get it (history keeps it).
    """
    doc = {
        "From_Account": from_account,
        "To_Account": to_account,
        "MsgSeq": msg_seq,
        "MsgRandom": msg_random,
        "MsgTimeStamp": msg_time,
        "MsgKey": make_msg_key(msg_seq, msg_random, msg_time),
        "MsgBody": msgspec.Raw(body_json),
        "CloudCustomData": cloud_data or "",
        "SupportMessageExtension": 1 if flags & FLAG_EXTENSION else 0,
        "IsNeedReadReceipt": 1 if flags & FLAG_READ_RECEIPT else 0,
        "OnlineOnlyFlag": 1 if online_only else 0,
    }
    if life_time is not None:
        doc["MsgLifeTime"] = life_time
    return _encode(doc)


class C2CMessageSent(Event, frozen=True):
    """A one-to-one message was stored (or, online-only, delivered)."""

    from_account: str
    to_account: str
    msg_key: str
    msg_time: int
    msg_seq: int
    msg_random: int
    online_only: bool
    source: str  # "sendmsg", "batchsendmsg", "importmsg", "user"
    message: msgspec.Raw  # the feed payload
    forbid_callbacks: list[str] = []  # ForbidCallbackControl of the send: webhooks not to call for it


class C2CSendFailed(Event, frozen=True):
    """A one-to-one send was refused after it reached the store's checks (blocklist, mute ...): the
    webhook C2C.CallbackAfterSendMsg reports it too (seed 30513-30515)."""

    from_account: str
    to_account: str
    msg_seq: int
    msg_random: int
    msg_time: int
    online_only: bool
    source: str
    code: int
    info: str
    body_json: msgspec.Raw
    cloud_data: str = ""
    forbid_callbacks: list[str] = []


class C2CMessageRecalled(Event, frozen=True):
    from_account: str
    to_account: str
    msg_key: str
    operator: str


class C2CMessageModified(Event, frozen=True):
    from_account: str
    to_account: str
    msg_key: str
    message: msgspec.Raw


class C2CMessagesRead(Event, frozen=True):
    report_account: str
    peer_account: str
    read_time: int


class C2CConversationDeleted(Event, frozen=True):
    owner: str
    peer: str
    clear_history: bool
