"""Posting one callback to the app's URL (seed 28284-28377): the query string the vendor appends, the
signature, the timeout, and what counts as a failure (ruling 10: a timeout, a connection error, a
status other than 200, or a body that is not a JSON object).

One keep-alive connection pool per receiver (scheme, host, port, TLS files) per process. It is a
small HTTP/1.1 client on an asyncio Protocol, with httptools (llhttp, what uvicorn parses requests
with) parsing the answers: bench/webhooks.py measured httpx at 1.0-1.2 ms of CPU per post (2.4 ms with
64 in flight: its pool scans every connection and queued request on each step, encode/httpcore#1035),
which was the bound of both the before-send latency and the outbox's delivery rate; h11 on streams
still cost ~15 % of the loop in the drain. The token never appears in a log line or an
error text; only the signature it makes goes out.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httptools
import msgspec

from confab.webhooks.config import WebhookSettings
from confab.webhooks.signing import sign

_decode = msgspec.json.Decoder(dict[str, Any])

# (sdkappid, answered): callbacks posted and HTTP answers received, read and reset by the operations
# data's flush (domain.app_stats: CallBackReq, CallBackRsp)
CALLBACK_COUNTS: Counter[tuple[int, bool]] = Counter()


@dataclass(frozen=True, slots=True)
class Callback:
    command: str
    body: bytes
    platform: str
    client_ip: str = ""


@dataclass(slots=True)
class Outcome:
    ok: bool  # a 200 with a JSON object: the receiver answered (its ErrorCode is the caller's business)
    status: int  # HTTP status, 0 when there was none
    reply: dict[str, Any]  # the receiver's JSON object ({} unless ok)
    error: str  # why it failed ("" when ok): "timeout", "connect: ...", "status 500", "not JSON"
    latency_ms: float


def callback_url(cfg: WebhookSettings, sdkappid: int, command: str, platform: str, client_ip: str, now: int) -> str:
    params: dict[str, Any] = {
        "SdkAppid": sdkappid,
        "CallbackCommand": command,
        "contenttype": "json",
        "ClientIP": client_ip,
        "OptPlatform": platform,
    }
    if cfg.token:
        params["RequestTime"] = now
        params["Sign"] = sign(cfg.token, now)
    return cfg.url + ("&" if "?" in cfg.url else "?") + urlencode(params)


class _NoAnswer(Exception):
    """The connection ended (or spoke nonsense) after the request went out."""


CLOSED_EARLY = "closed before answering"


class _Conn(asyncio.Protocol):
    """One keep-alive connection; httptools (llhttp, as uvicorn's server side) parses the answers.
    Requests may be pipelined: answers come back in order, each resolving the oldest waiter."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiters: deque[asyncio.Future[tuple[int, bytes]]] = deque()
        self.status = 0
        self.chunks: list[bytes] = []
        self.keep_alive = True
        self.closed = False

    def usable(self) -> bool:
        return not self.closed and self.keep_alive and self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def send(self, requests: list[bytes]) -> list[asyncio.Future[tuple[int, bytes]]]:
        """Write the requests at once; a future per answer, in order."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[tuple[int, bytes]]] = [loop.create_future() for _ in requests]
        self.waiters.extend(futures)
        self.transport.write(b"".join(requests))
        return futures

    def _fail_all(self, first: Exception) -> None:
        err = first
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(err)
            err = _NoAnswer(CLOSED_EARLY)  # the ones behind it were never answered either

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as err:
            self.close()
            self._fail_all(_NoAnswer(f"bad HTTP: {err}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail_all(_NoAnswer(CLOSED_EARLY if not self.status else "closed mid-answer"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.status, self.chunks = 0, []

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result((self.status, b"".join(self.chunks)))
        self.status = 0


Answer = tuple[int, bytes] | BaseException


class _Pool:
    """Keep-alive connections to one receiver, at most MAX_CONNECTIONS at once."""

    MAX_CONNECTIONS = 64

    def __init__(self, host: str, port: int, context: ssl.SSLContext | None) -> None:
        self.host = host
        self.port = port
        self.context = context
        self.host_header = host if port in (80, 443) else f"{host}:{port}"
        self.idle: list[_Conn] = []
        self.slots = asyncio.Semaphore(self.MAX_CONNECTIONS)

    def request(self, target: str, body: bytes) -> bytes:
        return (
            f"POST {target} HTTP/1.1\r\nHost: {self.host_header}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    async def post(self, requests: list[bytes]) -> list[Answer]:
        """An answer per request, in order, on one connection (pipelined when there are several): a
        (status, body), or the error that stopped it (OSError: the receiver cannot be reached;
        _NoAnswer: the connection ended first). A reused connection the receiver had already closed
        is replaced once: it never saw the requests."""
        async with self.slots:
            while self.idle:
                conn = self.idle.pop()
                if not conn.usable():
                    conn.close()
                    continue
                answers = await self._exchange(conn, requests)
                first = answers[0]
                if not (isinstance(first, _NoAnswer) and first.args == (CLOSED_EARLY,)):
                    return answers
            loop = asyncio.get_running_loop()
            try:
                _, conn = await loop.create_connection(
                    _Conn, self.host, self.port, ssl=self.context, server_hostname=self.host if self.context else None
                )
            except (OSError, ssl.SSLError) as err:
                return [err for _ in requests]
            return await self._exchange(conn, requests)

    async def _exchange(self, conn: _Conn, requests: list[bytes]) -> list[Answer]:
        futures = conn.send(requests)
        try:
            answers: list[Answer] = list(await asyncio.gather(*futures, return_exceptions=True))
        except BaseException:  # cancelled (a timeout): the answers still owed would land out of step
            conn.close()
            raise
        if conn.usable() and not any(isinstance(a, BaseException) for a in answers):
            self.idle.append(conn)
        else:
            conn.close()
        return answers

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


class Transport:
    def __init__(self) -> None:
        self._pools: dict[tuple[str, ...], _Pool] = {}

    def _pool(self, cfg: WebhookSettings) -> tuple[_Pool, str]:
        """The pool for the app's receiver and the request target (path and query) for its URL."""
        parts = urlsplit(cfg.url)
        host = parts.hostname or ""
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        key = (host, str(port), str(tls), cfg.client_cert, cfg.client_key, cfg.ca_file)
        pool = self._pools.get(key)
        if pool is None:
            context = None
            if tls:
                context = ssl.create_default_context(cafile=cfg.ca_file or None)
                if cfg.client_cert:
                    context.load_cert_chain(cfg.client_cert, cfg.client_key or None)
            pool = self._pools[key] = _Pool(host, port, context)
        return pool, (parts.path or "/")

    async def post(
        self,
        cfg: WebhookSettings,
        sdkappid: int,
        command: str,
        body: bytes,
        *,
        platform: str,
        client_ip: str = "",
    ) -> Outcome:
        return (await self.post_many(cfg, sdkappid, [Callback(command, body, platform, client_ip)]))[0]

    async def post_many(self, cfg: WebhookSettings, sdkappid: int, callbacks: list[Callback]) -> list[Outcome]:
        """Post these callbacks in order on one connection, pipelined (the outbox's way of keeping
        order without a round trip each); an Outcome each. The timeout is per callback."""
        pool, path = self._pool(cfg)
        now = int(time.time())
        requests = []
        for cb in callbacks:
            target = callback_url(cfg, sdkappid, cb.command, cb.platform, cb.client_ip, now)
            requests.append(pool.request(path + target[target.index("?") :], cb.body))
        started = time.perf_counter()
        CALLBACK_COUNTS[sdkappid, False] += len(callbacks)
        try:
            async with asyncio.timeout(cfg.timeout * len(callbacks)):
                answers = await pool.post(requests)
        except TimeoutError:
            return [Outcome(False, 0, {}, "timeout", _ms(started)) for _ in callbacks]
        latency = _ms(started)
        outcomes = []
        for answer in answers:
            if isinstance(answer, _NoAnswer):
                outcomes.append(Outcome(False, 0, {}, f"no answer: {answer}", latency))
                continue
            if isinstance(answer, BaseException):
                outcomes.append(Outcome(False, 0, {}, f"connect: {type(answer).__name__}", latency))
                continue
            CALLBACK_COUNTS[sdkappid, True] += 1
            status, content = answer
            if status != 200:
                outcomes.append(Outcome(False, status, {}, f"status {status}", latency))
                continue
            try:
                outcomes.append(Outcome(True, 200, _decode.decode(content), "", latency))
            except msgspec.DecodeError:
                outcomes.append(Outcome(False, 200, {}, "not JSON", latency))
        return outcomes

    async def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
