"""The client protocol's frames, limits and close codes (written down in docs/client-protocol.md).

Client -> server, one JSON object per WebSocket text frame:
    {"seq": 7, "op": "send", "data": {...}}        a request; `seq` is the client's number for it
Server -> client:
    {"seq": 7, "code": 0, "info": "", "data": {...}} the one reply to request 7
    {"push": "c2c.msg", "feed_seq": 42, "data": {...}} an event (feed_seq 0: online-only, not stored)
"""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64

PLATFORMS = ("Web", "Android", "iOS", "Windows", "macOS", "iPad", "Unknown")
MOBILE_PLATFORMS = frozenset({"Android", "iOS", "iPad"})
# query_online_status Detail.Platform names (seed 22660-22700)
REPORTED_PLATFORM = {
    "Web": "Web",
    "Android": "Android",
    "iOS": "iPhone",
    "Windows": "PC",
    "macOS": "Mac",
    "iPad": "iPad",
    "Unknown": "Unknown",
}

MAX_FRAME_BYTES = 64 * 1024
LOGIN_TIMEOUT = 10.0  # seconds to send the login frame
IDLE_TIMEOUT = 90.0  # seconds without any frame (clients ping every 30 s)
SWEEP_SECONDS = 1.0  # how often idle and expired sessions are looked for
FRAMES_PER_SECOND = 50  # sustained per connection; bursts up to FRAME_BURST
FRAME_BURST = 100
MAX_BAD_FRAMES = 20  # malformed frames tolerated (each answered) before the connection is closed
OUTBOX_LIMIT = 2000  # queued outgoing frames before a slow client is dropped
SYNC_PAGE = 500

# Close codes (4000-4999 are the application's own)
CLOSE_NORMAL = 1000
CLOSE_BAD_FRAMES = 4000
CLOSE_LOGIN_FAILED = 4001
CLOSE_KICKED = 4002
CLOSE_SIG_EXPIRED = 4003
CLOSE_REPLACED = 4004
CLOSE_IDLE = 4005
CLOSE_LOGIN_TIMEOUT = 4006
CLOSE_SLOW_CONSUMER = 4008
CLOSE_SHUTDOWN = 4009

# Reply codes of the gateway itself (operations answer with their domain's vendor codes)
CODE_BAD_FRAME = 60002  # not a request object / missing seq or op
CODE_BAD_JSON = 60003
CODE_UNKNOWN_OP = 60009
CODE_RATE_LIMITED = 60007
CODE_BAD_DATA = 60015  # data fields of the wrong type
CODE_INTERNAL = 70500


class Request(msgspec.Struct):
    seq: Int64
    op: str
    data: dict[str, Any] = {}


class Login(msgspec.Struct):
    SDKAppID: Int64
    Identifier: str
    UserSig: str
    Platform: str = "Unknown"
    Cursor: Int64 | None = None  # the last feed_seq this device holds; None: start from now


_encode = msgspec.json.Encoder().encode


def reply(seq: int | None, code: int = 0, info: str = "", data: Any = None) -> bytes:
    return _encode({"seq": seq, "code": code, "info": info, "data": data if data is not None else {}})


def push(kind: str, feed_seq: int, payload: bytes) -> bytes:
    """A push frame around an already-encoded payload: built once per event, whatever the device count."""
    return b'{"push":"' + kind.encode() + b'","feed_seq":' + str(feed_seq).encode() + b',"data":' + payload + b"}"
