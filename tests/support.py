"""Test support: a real Confab server on a real port, one per database backend.

The server runs in its own thread and event loop (uvicorn, real HTTP and WebSocket); tests talk to
it over the network like any client. `ServerHandle.run` executes a coroutine on the server's loop
for the few things a test must do from the inside (create an app, tap the event bus).
"""

from __future__ import annotations

import asyncio
import os
import queue
import secrets
import socket
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from typing import Any

import msgspec
import uvicorn

from confab import transport
from confab.client.rest import RestClient
from confab.config import Settings
from confab.domain.apps import App, AppSettings
from confab.events import Event
from confab.rest.registry import registry
from confab.server import create_app

PG_ADMIN_URL = os.environ.get("CONFAB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_available() -> bool:
    try:
        asyncio.run(_pg_admin("SELECT 1"))
        return True
    except Exception:
        return False


class TempPostgres:
    """A database of its own for one test session, dropped afterwards."""

    def __init__(self) -> None:
        self.name = f"confab_test_{os.getpid()}_{secrets.token_hex(4)}"

    def __enter__(self) -> str:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{self.name}"'))
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        return f"{base}/{self.name}"

    def __exit__(self, *_: object) -> None:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


class EventTap:
    """Collects every event the server's bus publishes, readable from the test thread."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Event] = queue.Queue()
        self.task: asyncio.Task | None = None

    def get(self, timeout: float = 5.0) -> Event:
        return self.queue.get(timeout=timeout)

    def drain(self, settle: float = 0.3) -> list[Event]:
        """Everything published so far, after waiting `settle` seconds for stragglers."""
        time.sleep(settle)
        found = []
        while True:
            try:
                found.append(self.queue.get_nowait())
            except queue.Empty:
                return found


@dataclass
class ServerHandle:
    settings: Settings
    backend: str
    base_url: str = ""
    loop: asyncio.AbstractEventLoop | None = None
    thread: threading.Thread | None = None
    server: uvicorn.Server | None = None
    app: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    def start(self) -> ServerHandle:
        port = free_port()
        self.settings = replace(self.settings, port=port)
        self.base_url = f"http://127.0.0.1:{port}"
        self.app = create_app(self.settings)
        config = transport.config(self.app, self.settings, log_level="warning", loop="asyncio")
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self.server.serve(),), daemon=True)
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.time() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=30)

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def create_app(self, admins: list[str] | None = None, settings: AppSettings | None = None) -> App:
        return self.run(self.runtime.apps.create(admins=admins or ["administrator"], settings=settings))

    def update_app(self, sdkappid: int, **changes: Any) -> App:
        return self.run(self.runtime.apps.update(sdkappid, **changes))

    def tap(self) -> EventTap:
        """Start collecting bus events (from now on)."""
        tap = EventTap()

        async def subscribe() -> None:
            sub = self.runtime.bus.subscribe()

            async def pump() -> None:
                async for event in sub:
                    tap.queue.put(event)

            tap.task = asyncio.ensure_future(pump())

        self.run(subscribe())
        return tap

    def untap(self, tap: EventTap) -> None:
        if tap.task is not None:
            self.loop.call_soon_threadsafe(tap.task.cancel)  # type: ignore[union-attr]


@dataclass
class AppHandle:
    """A fresh app on the test server with an admin REST client."""

    server: ServerHandle
    app: App
    rest: RestClient

    @property
    def sdkappid(self) -> int:
        return self.app.sdkappid

    @property
    def key(self) -> str:
        return self.app.key

    @property
    def admin(self) -> str:
        return self.app.admins[0]

    def client(self, identifier: str) -> RestClient:
        return RestClient(self.server.base_url, self.sdkappid, self.key, identifier, http=self.rest.http)

    async def call(self, api: str, body: Any = None) -> dict[str, Any]:
        reply = await self.rest.call(api, body)
        check_reply(api, reply)
        return reply

    async def ok(self, api: str, body: Any = None) -> dict[str, Any]:
        reply = await self.rest.ok(api, body)
        check_reply(api, reply)
        return reply

    async def import_accounts(self, *user_ids: str) -> None:
        for start in range(0, len(user_ids), 100):
            reply = await self.ok(
                "im_open_login_svc/multiaccount_import", {"Accounts": list(user_ids[start : start + 100])}
            )
            assert reply["FailAccounts"] == []

    def update(self, **changes: Any) -> None:
        self.app = self.server.update_app(self.sdkappid, **changes)

    def set(self, **settings_changes: Any) -> None:
        """Change app settings by field name, e.g. app.set(max_accounts=3)."""
        import msgspec

        self.update(settings=msgspec.structs.replace(self.app.settings, **settings_changes))


ENVELOPE = ("ActionStatus", "ErrorInfo", "ErrorCode", "RequestId")


def check_reply(api: str, reply: dict[str, Any]) -> None:
    """A successful reply holds exactly what its endpoint declares: every field of the declared reply
    model decodes with its type, and nothing undeclared is there (so a handler cannot drift)."""
    service, _, command = api.partition("/")
    endpoint = registry.get(service, command)  # filled when the server was built (create_app)
    if endpoint is None or endpoint.response is None or reply.get("ActionStatus") == "FAIL":
        return
    payload = {k: v for k, v in reply.items() if k not in ENVELOPE}
    declared = set(endpoint.response.__struct_fields__)
    assert set(payload) <= declared, f"{api} answered undeclared fields {sorted(set(payload) - declared)}"
    msgspec.convert(payload, endpoint.response)


def assert_error(reply: dict[str, Any], code: int) -> None:
    assert reply["ActionStatus"] == "FAIL", reply
    assert reply["ErrorCode"] == code, reply
    assert reply["ErrorInfo"], reply
    assert reply["RequestId"], reply


def assert_ok(reply: dict[str, Any]) -> None:
    assert reply["ActionStatus"] == "OK", reply
    assert reply["ErrorCode"] == 0, reply
    assert reply["ErrorInfo"] == "", reply
