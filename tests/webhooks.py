"""A real webhook receiver for tests: an HTTP/1.1 keep-alive server on a real port (optionally TLS, with
client certificates) that records every request and answers with scripted verdicts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support import free_port

OK = {"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}

# what the receiver answers: a JSON object, or (HTTP status, raw body), or a function of the request
Answer = dict[str, Any] | tuple[int, bytes] | Callable[["Received"], Any]


@dataclass
class Received:
    command: str
    query: dict[str, str]
    body: dict[str, Any]
    path: str
    at: float
    peer_cert: dict[str, Any] | None = None


@dataclass
class Receiver:
    tls: ssl.SSLContext | None = None
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)  # by CallbackCommand; OK otherwise
    delays: dict[str, float] = field(default_factory=dict)  # seconds to wait before answering, by command
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _open: set[Any] = field(default_factory=set)  # sockets of the connections served

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        host = "localhost" if self.tls else "127.0.0.1"
        return f"{scheme}://{host}:{self.port}/callback"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                with receiver._lock:
                    receiver._open.add(self.connection)
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                cert = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
                request = Received(
                    query.get("CallbackCommand", ""), query, json.loads(raw), parts.path, time.time(), cert
                )
                with receiver._lock:
                    receiver.received.append(request)
                delay = receiver.delays.get(request.command, 0)
                if delay:
                    time.sleep(delay)
                answer: Any = receiver.answers.get(request.command, OK)
                if callable(answer):
                    answer = answer(request)
                if isinstance(answer, tuple):
                    status, payload = answer
                else:
                    status, payload = 200, json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening and drop the kept-alive connections too (as a restarted receiver would)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._open.clear()

    def of(self, command: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.command == command]

    async def wait(self, command: str, n: int = 1, within: float = 5.0) -> list[Received]:
        """The first n requests of this command, once they have arrived."""
        deadline = time.monotonic() + within
        while len(found := self.of(command)) < n:
            assert time.monotonic() < deadline, f"{command}: {len(found)} of {n} arrived"
            await asyncio.sleep(0.01)
        return found[:n]

    async def none(self, command: str, within: float = 0.3) -> None:
        await asyncio.sleep(within)
        assert not self.of(command), self.of(command)


def hook(app: Any, receiver: Receiver, *commands: str, **options: Any) -> None:
    """Point the app's webhooks at this receiver with these commands on (and other settings)."""
    from confab.webhooks.config import WebhookSettings

    app.set(webhook=WebhookSettings(url=receiver.url, commands=list(commands), **options))
