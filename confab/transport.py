"""uvicorn as Confab runs it: the HTTP and WebSocket protocols with the limits a public server needs.

uvicorn's httptools protocol (the fast one, see docs/architecture.md) bounds neither the bytes of a
request's head nor the time its head and body take to arrive, and its WebSocket protocol waits for a
close frame to be written however long a peer that stopped reading takes. Measured against the
unguarded server: 16 sockets sending endless headers held 261 MB; a request that declared 100 body
bytes and sent 10 held its socket forever; a device that stopped reading stayed connected (and Online)
with megabytes queued. The subclasses below add, per connection:

- a request head larger than `max_header_bytes` is answered 431 and the connection closed, as soon as
  the bytes arrive (not after buffering them);
- a head that has not arrived `header_timeout` seconds after its first byte (or after the connection
  opened) is answered 408; so is a body not complete `body_timeout` seconds after its head;
- WebSocket frames and messages over `ws_max_bytes` are refused by the frame parser from the frame's
  header (close 1009), before the payload is read;
- a WebSocket close that cannot be written within `ws_close_grace` seconds (the peer stopped reading,
  so the send buffer never drains) aborts the transport: the ASGI app sees the disconnect at once and
  the device is let go.

Both build on uvicorn internals of the pinned version (pyproject.toml); tests/test_transport.py fails
if those change under us.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from confab.config import Settings
from confab.realtime import protocol


@dataclass(frozen=True, slots=True)
class Limits:
    max_header_bytes: int
    header_timeout: float
    body_timeout: float
    ws_max_bytes: int
    ws_close_grace: float

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        """The settings' limits (defaults and meanings in confab/config.py); frames: the client protocol's."""
        return cls(
            max_header_bytes=settings.max_header_bytes,
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
            ws_max_bytes=protocol.MAX_FRAME_BYTES,
            ws_close_grace=settings.ws_close_grace,
        )


def _plain_response(status: bytes, text: bytes) -> bytes:
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: "
        + str(len(text)).encode()
        + b"\r\nconnection: close\r\n\r\n"
        + text
    )


_TOO_LARGE = _plain_response(b"431 Request Header Fields Too Large", b"request head too large")
_TIMEOUT = _plain_response(b"408 Request Timeout", b"request did not arrive in time")


class GuardedHttp(HttpToolsProtocol):
    """httptools with a bounded request head and deadlines for the head and the body."""

    limits = Limits.of(Settings())  # config() subclasses with the server's own

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._awaiting_head = True
        self._head_bytes = 0
        self._deadline: asyncio.TimerHandle | None = None
        self._refused = False
        self._head_done_here = False  # a head completed while parsing the current chunk

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.header_timeout, self._head_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # answered already: what still comes is dropped, not buffered
        if self._awaiting_head and self._deadline is None:
            self._arm(self.limits.header_timeout, self._head_late)
        head_arriving = self._awaiting_head
        self._head_done_here = False
        super().data_received(data)
        if head_arriving and self._awaiting_head and not self._head_done_here and not self.transport.is_closing():
            # A chunk that began and ended inside a head belongs wholly to it. (A chunk that also holds
            # the end of a body, or a whole request and the start of the next head, is not counted: the
            # rest of a large next head comes in chunks that are.)
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_header_bytes:
                self._refuse(_TOO_LARGE)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._awaiting_head = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._head_done_here = True
        self._arm(self.limits.body_timeout, self._body_late)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._awaiting_head = True
        self._head_bytes = 0
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()
        self._awaiting_head = False
        super().handle_websocket_upgrade()

    def _head_late(self) -> None:
        self._deadline = None
        if self._awaiting_head and (self.cycle is None or self.cycle.response_complete):
            self._refuse(_TIMEOUT)

    def _body_late(self) -> None:
        self._deadline = None
        cycle = self.cycle
        if cycle is None or not cycle.more_body:
            return
        if not cycle.response_started:
            self._refuse(_TIMEOUT)
        elif cycle.response_complete:  # answered without the body; the rest never came
            self.transport.close()

    def _refuse(self, response: bytes) -> None:
        """Answer with `response` and close; an app still reading the request sees a disconnect.

        Closing a socket with unread input makes the kernel reset it, and the peer would lose the
        answer: so half-close, drop whatever still arrives for a moment, then close.
        """
        self._disarm()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        if self.transport.is_closing() or self._refused:
            return
        self._refused = True
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(1.0, self.transport.abort)
        else:
            self.transport.close()


DIRECT_WRITE = "confab.direct_write"  # the ASGI scope extension holding GuardedWebSocket.write_text_frame


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final WebSocket text frame (RFC 6455 5.2): what a server sends, the same bytes for
    every recipient of a message."""
    n = len(payload)
    if n < 126:
        head = bytes((0x81, n))
    elif n < 65536:
        head = b"\x81\x7e" + n.to_bytes(2, "big")
    else:
        head = b"\x81\x7f" + n.to_bytes(8, "big")
    return head + payload


class GuardedWebSocket(WebSocketsSansIOProtocol):
    """websockets (sans-I/O) whose close gives up on a peer that does not read, and which lets the hub
    write a finished frame straight to the socket."""

    limits = Limits.of(Settings())  # config() subclasses with the server's own

    async def run_asgi(self) -> None:
        self.scope.setdefault("extensions", {})[DIRECT_WRITE] = self.write_text_frame  # type: ignore[assignment]
        await super().run_asgi()

    def write_text_frame(self, payload: bytes) -> bool:
        """Write `payload` as a text frame now, if nothing stands in the way (open, not closing, the
        transport below its high-water mark); False sends the caller to the ordinary ASGI send. Measured
        (bench/README.md, "Group fan-out"): the ASGI path decodes, re-encodes and re-frames the same
        message once per recipient, ~45 us of a delivery's CPU; this path ~19 us. Ordering holds: the
        library's own sends write to the transport synchronously too, and the hub uses this only when
        the session has nothing queued."""
        if (
            self.close_sent
            or not self.handshake_complete
            or self.disconnected
            or not self.writable.is_set()
            or self.transport.is_closing()
            or self.conn.state is not State.OPEN
        ):
            return False
        self.transport.write(text_frame(payload))
        return True

    async def send(self, message: Any) -> None:
        closing = message["type"] == "websocket.close" and self.handshake_complete and not self.close_sent
        if closing and not self.writable.is_set() and not self.disconnected:
            try:
                await asyncio.wait_for(self.writable.wait(), self.limits.ws_close_grace)
            except TimeoutError:
                self.transport.abort()  # connection_lost follows: the app's receive() gets the disconnect
                raise ClientDisconnected() from None
        await super().send(message)
        if closing and self.close_timer is not None:
            # uvicorn closes (flushing first) when the peer never answers the close; flushing to a
            # peer that does not read never ends, so abort instead.
            self.close_timer.cancel()
            self.close_timer = self.loop.call_later(self.limits.ws_close_grace, self.transport.abort)


def config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration for `app`: the one place both `confab serve` and the tests build it."""
    limits = Limits.of(settings)
    http = type("ConfabHttp", (GuardedHttp,), {"limits": limits})
    ws = type("ConfabWebSocket", (GuardedWebSocket,), {"limits": limits})
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,  # the query string carries UserSigs: never write it to a log
        "loop": "uvloop",
        "http": http,
        "ws": ws,
        "ws_max_size": limits.ws_max_bytes,
        # Chat frames are small; per-connection zlib state costs ~50 KB per idle socket (measured).
        "ws_per_message_deflate": False,
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)
