"""Concurrent send batches never deadlock on PostgreSQL (SendBatcher runs several batches at once).

A batch locks conversation rows and then account rows (the feed's sequence numbers). A user gets as
many feed entries as the batch has messages for them, so the users of one batch come in groups of
different entry counts; the feed must still lock all of them in one sorted order, or two batches
that share users in different groups wait for each other until PostgreSQL breaks one after
deadlock_timeout (a send slower than a second, a retried batch, at worst an internal error 91000).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import msgspec
import pytest
import sqlalchemy as sa

from tests.support import AppHandle, ServerHandle

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "who locks first"}}]

USERS = 12  # 66 pairs: one per sending task, so tasks share users but never a conversation row
TASKS = 64
SENDS_PER_TASK = 6

_DEADLOCKS = sa.text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
_CLEAR_SNAPSHOT = sa.text("SELECT pg_stat_clear_snapshot()")
_DEADLOCK_TIMEOUT = sa.text("SELECT setting::float / 1000 FROM pg_settings WHERE name = 'deadlock_timeout'")


def _read(server: ServerHandle, statement: Any) -> Any:
    async def read() -> Any:
        async with server.runtime.store.read() as conn:
            await conn.execute(_CLEAR_SNAPSHOT)  # the shared statistics as they are now
            return (await conn.execute(statement)).scalar_one()

    return server.run(read())


class _KeepAlive:
    """One keep-alive HTTP/1.1 connection sending pre-encoded requests. httpx's pool, at 64 concurrent
    requests in the process that also runs the server, spends ten times the server's CPU: the
    batches would come too slowly to overlap."""

    def __init__(self, app: AppHandle) -> None:
        self.app = app
        self.url = urlsplit(app.server.base_url)

    async def __aenter__(self) -> _KeepAlive:
        self.reader, self.writer = await asyncio.open_connection(self.url.hostname, self.url.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.writer.close()

    async def call(self, api: str, body: dict[str, Any]) -> dict[str, Any]:
        content = msgspec.json.encode(body)
        self.writer.write(
            f"POST /v4/{api}?{urlencode(self.app.rest.params())} HTTP/1.1\r\nHost: {self.url.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n".encode()
            + content
        )
        head = (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        assert head[0].startswith(b"HTTP/1.1 200"), head[0]
        length = next(int(line[15:]) for line in head if line[:15].lower() == b"content-length:")
        return msgspec.json.decode(await self.reader.readexactly(length))


@pytest.mark.parametrize("variant", ["uneven_feed_counts", "no_last_msg_mixed", "two_apps"])
async def test_concurrent_sends_do_not_deadlock(variant: str, make_app: Any, server: ServerHandle) -> None:
    """uneven_feed_counts: users get different numbers of feed entries in one batch (the feed's locks);
    no_last_msg_mixed: NoLastMsg and ordinary sends to the same conversations (the conversation upsert);
    two_apps: batches that hold sends of two apps (the apps' order)."""
    if server.backend != "postgresql":
        pytest.skip("SQLite has a single writer: one batch at a time")
    apps = [make_app() for _ in range(2 if variant == "two_apps" else 1)]
    users = [f"dl{n:02d}" for n in range(USERS)]
    for one in apps:
        one.set(rate_limits={"*": 0})
        await one.import_accounts(*users)
    numbers = itertools.count(1)
    replies: list[dict[str, Any]] = []
    slowest = 0.0

    async def converse(n: int, a: str, b: str) -> None:
        # SyncOtherMachine 1: the sender is fed too, so a user in several jobs of one batch gets
        # several entries while others get one.
        nonlocal slowest
        async with _KeepAlive(apps[n % len(apps)]) as http:
            for k in range(SENDS_PER_TASK):
                frm, to = (a, b) if k % 2 == 0 else (b, a)
                body = {"SyncOtherMachine": 1, "From_Account": frm, "MsgRandom": next(numbers), "MsgBody": TEXT}
                if variant == "no_last_msg_mixed" and n % 2:
                    body["SendMsgControl"] = ["NoLastMsg"]
                started = time.perf_counter()
                if k % 3 == 2:
                    replies.append(await http.call("openim/batchsendmsg", {**body, "To_Account": [to]}))
                else:
                    replies.append(await http.call("openim/sendmsg", {**body, "To_Account": to}))
                slowest = max(slowest, time.perf_counter() - started)

    before = _read(server, _DEADLOCKS)
    pairs = list(itertools.islice(itertools.combinations(users, 2), TASKS))
    if variant != "uneven_feed_counts":  # two tasks per pair: they share conversation rows (or users, in two apps)
        pairs = [pair for pair in pairs[: TASKS // 2] for _ in range(2)]
    await asyncio.gather(*(converse(n, a, b) for n, (a, b) in enumerate(pairs)))
    after = _read(server, _DEADLOCKS)
    # A deadlock is found only after a wait of deadlock_timeout, so none happened if every send was
    # quicker. The broken transaction reports it on its way back to idle, before the retried sends are
    # answered; still, give a late report a moment to show.
    if after == before and slowest >= _read(server, _DEADLOCK_TIMEOUT):
        deadline = time.monotonic() + 2
        while after == before and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            after = _read(server, _DEADLOCKS)

    failed = [r for r in replies if (r["ActionStatus"], r["ErrorCode"]) != ("OK", 0)]
    assert (after - before, failed) == (0, []), f"deadlocks, failed sends; slowest send {slowest * 1000:.0f} ms"
    assert len(replies) == TASKS * SENDS_PER_TASK
