"""The WebSocket endpoint `/v4/ws`: login, requests and replies, pushes (docs/client-protocol.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

import msgspec
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from confab import decoding, transport
from confab.domain import presence
from confab.errors import ApiError
from confab.realtime import ops, protocol
from confab.realtime.hub import Hub, Session
from confab.webhooks import origin
from confab.webhooks.origin import Origin

log = logging.getLogger("confab.realtime")

DEMO_PAGE = Path(__file__).parent / "demo" / "index.html"

_request_decoder = msgspec.json.Decoder(protocol.Request)


def _decode_request(raw: str) -> protocol.Request:
    return decoding.decode(_request_decoder, raw)


class _SeqOnly(msgspec.Struct):
    seq: int | None = None


_seq_decoder = msgspec.json.Decoder(_SeqOnly)


def _seq_of(raw: str) -> int | None:
    """The seq of a frame refused as a whole (e.g. U+0000 in its data), so the refusal answers the
    request that sent it instead of leaving the client waiting."""
    try:
        seq = _seq_decoder.decode(raw).seq
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return seq if seq is not None and 0 <= seq < 1 << 63 else None


class Connection:
    """One socket's reader: rate limits, parsing, dispatch. Writing is the session's job."""

    def __init__(self, ws: WebSocket, hub: Hub) -> None:
        self.ws = ws
        self.hub = hub
        self.tokens = float(protocol.FRAME_BURST)
        self.refilled = time.monotonic()
        self.bad_frames = 0

    async def send(self, frame: bytes) -> None:
        await self.ws.send({"type": "websocket.send", "text": frame.decode()})

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code, reason)

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(protocol.FRAME_BURST, self.tokens + (now - self.refilled) * protocol.FRAMES_PER_SECOND)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def run(self) -> None:
        await self.ws.accept()
        session = await self.login()
        if session is None:
            return
        logout = False
        try:
            while not session.closed:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                session.last_seen = time.monotonic()
                text = message.get("text")
                if text is None:
                    data = message.get("bytes") or b""
                    text = data.decode("utf-8", "replace")
                if await self.handle(session, text) == "logout":
                    logout = True
                    break
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            change = _state_change(session, logout)
            self.hub.detach(session, logout=logout)
            if not session.closed:
                session.close(protocol.CLOSE_NORMAL, "bye")
            if session.closing is not None:  # send the close frame before the handler returns
                with contextlib.suppress(Exception):
                    await session.closing
            if session.writer is not None:
                session.writer.cancel()
            if change is not None:
                await presence.state_changed(
                    self.hub.rt, session.app, session.user, session.platform, session.client_ip, change
                )

    async def login(self) -> Session | None:
        try:
            message = await asyncio.wait_for(self.ws.receive(), protocol.LOGIN_TIMEOUT)
        except TimeoutError:
            await self.close(protocol.CLOSE_LOGIN_TIMEOUT, "log in first")
            return None
        if message["type"] == "websocket.disconnect":
            return None
        raw = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
        seq = None
        try:
            request = _decode_request(raw)  # frames over MAX_FRAME_BYTES never get here (transport, 1009)
            seq = request.seq
            if request.op != "login":
                raise ApiError(protocol.CODE_BAD_FRAME, "the first frame must be a login request")
            login = msgspec.convert(request.data, protocol.Login)
            if login.Platform not in protocol.PLATFORMS:
                raise ApiError(protocol.CODE_BAD_DATA, f"Platform must be one of {', '.join(protocol.PLATFORMS)}")
            app, verified = await presence.authenticate(self.hub.rt, login.SDKAppID, login.Identifier, login.UserSig)
            expires_at = verified.expires_at
        except ApiError as err:
            await self.send(protocol.reply(seq, err.code, err.info))
            await self.close(protocol.CLOSE_LOGIN_FAILED, "login failed")
            return None
        except (msgspec.ValidationError, decoding.MalformedJson) as err:
            seq = seq if seq is not None else _seq_of(raw)
            await self.send(protocol.reply(seq, protocol.CODE_BAD_FRAME, f"bad login frame: {err}"))
            await self.close(protocol.CLOSE_LOGIN_FAILED, "login failed")
            return None
        session = Session(app.sdkappid, login.Identifier, login.Platform, self.send, self.close)
        session.expires_at = expires_at
        session.client_ip = self.ws.client.host if self.ws.client else ""
        session.direct = (self.ws.scope.get("extensions") or {}).get(transport.DIRECT_WRITE)
        session.last_seen = time.monotonic()
        self.hub.rt.stats.login(app.sdkappid, login.Identifier)  # LoginTimes, LoginUserNum (getappinfo)
        session.offer(
            protocol.reply(
                seq,
                data={
                    "Identifier": login.Identifier,
                    "Platform": login.Platform,
                    "ServerTime": int(time.time()),
                    "SigExpireAt": expires_at,
                },
            )
        )
        replaced = self.hub.sessions.get((app.sdkappid, login.Identifier), {}).get(login.Platform)
        await self.hub.begin(session, login.Cursor)  # closes `replaced` (same platform), before any await
        session.offer(protocol.reply(None, data={"Synced": session.delivered}))
        kicked = [replaced.platform] if replaced is not None else []
        await presence.state_changed(
            self.hub.rt, app.sdkappid, login.Identifier, login.Platform, session.client_ip, presence.LOGIN, kicked
        )
        return session

    async def handle(self, session: Session, text: str) -> str | None:
        if not self.allow():
            await self.bad(session, None, protocol.CODE_RATE_LIMITED, "too many frames; slow down")
            return None
        try:
            request = _decode_request(text)
        except msgspec.ValidationError as err:
            await self.bad(session, _seq_of(text), protocol.CODE_BAD_FRAME, f"not a request: {err}")
            return None
        except decoding.MalformedJson as err:
            await self.bad(session, None, protocol.CODE_BAD_JSON, f"frame is not valid JSON: {err}")
            return None
        seq = request.seq
        name = request.op
        if name == "ping":
            session.offer(protocol.reply(seq, data={"ServerTime": int(time.time())}))
        elif name == "logout":
            session.offer(protocol.reply(seq))
            await asyncio.sleep(0)
            session.close(protocol.CLOSE_NORMAL, "logged out")
            return "logout"
        elif name in ("background", "foreground"):
            session.background = name == "background"
            session.offer(protocol.reply(seq))
        elif name == "sync":
            cursor = request.data.get("Cursor")
            if not isinstance(cursor, int) or cursor < 0:
                await self.bad(session, seq, protocol.CODE_BAD_DATA, "Cursor must be a feed seq >= 0")
                return None
            session.offer(protocol.reply(seq))
            session.delivered = min(session.delivered, cursor)
            self.hub.resync(session)
        elif name in ops.OPS:
            await self.dispatch(session, seq, name, request.data)
        else:
            await self.bad(session, seq, protocol.CODE_UNKNOWN_OP, f"unknown op {name[:40]!r}")
        return None

    async def dispatch(self, session: Session, seq: int, name: str, data: dict[str, Any]) -> None:
        model, handler = ops.OPS[name]
        try:
            req = msgspec.convert(data, model)
        except msgspec.ValidationError as err:  # a malformed frame like any other: it counts
            await self.bad(session, seq, protocol.CODE_BAD_DATA, f"data: {err}")
            return
        token = origin.current.set(Origin(session.platform, session.client_ip))
        try:
            app = await self.hub.rt.apps.get(session.app)
            result = await handler(ops.Actor(self.hub.rt, app, session.user), req)
            session.offer(protocol.reply(seq, data=result))
        except ApiError as err:
            session.offer(protocol.reply(seq, err.code, err.info))
        except Exception:
            log.exception("gateway op %s failed", name)
            session.offer(protocol.reply(seq, protocol.CODE_INTERNAL, "internal server error"))
        finally:
            origin.current.reset(token)

    async def bad(self, session: Session, seq: int | None, code: int, info: str) -> None:
        self.bad_frames += 1
        if self.bad_frames > protocol.MAX_BAD_FRAMES:
            session.close(protocol.CLOSE_BAD_FRAMES, "too many bad frames")
            return None
        session.offer(protocol.reply(seq, code, info))
        return None


def _state_change(session: Session, logout: bool) -> tuple[str, str] | None:
    """What State.StateChange reports for a session that ended. A device replaced by a new login on
    its platform reports nothing: that login's KickedDevice does (seed 28758-28760)."""
    code = session.close_code if session.closed else 0
    if logout:
        return presence.LOGOUT
    if code == protocol.CLOSE_REPLACED:
        return None
    if code == protocol.CLOSE_IDLE:
        return presence.TIMED_OUT
    return presence.DISCONNECT


def routes(hub: Hub) -> list[BaseRoute]:
    async def websocket(ws: WebSocket) -> None:
        with contextlib.suppress(WebSocketDisconnect):
            await Connection(ws, hub).run()

    async def demo(_: Any) -> HTMLResponse:
        return HTMLResponse(DEMO_PAGE.read_text())

    return [WebSocketRoute("/v4/ws", websocket), Route("/demo", demo)]
