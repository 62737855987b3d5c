"""Acknowledged means durable: SQLite syncs every commit (by default), commits off the event loop, and
database errors never carry user content."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from confab.config import Settings
from confab.runtime import Runtime
from confab.store import Store
from confab.store.tables.accounts import accounts
from tests.support import AppHandle, ServerHandle

FULL, NORMAL = 2, 1  # what PRAGMA synchronous reports


def _sqlite_only(server: ServerHandle) -> None:
    if server.backend != "sqlite":
        pytest.skip("SQLite only")


async def _writer_synchronous(store: Store) -> int:
    async with store.tx() as tx:
        return (await tx.conn.exec_driver_sql("PRAGMA synchronous")).scalar_one()


def _dbapi(tx: Any) -> Any:
    """The sqlite3 connection under the store's writer."""
    return tx.conn.sync.connection.dbapi_connection


async def test_writer_syncs_every_commit_by_default(server: ServerHandle) -> None:
    _sqlite_only(server)
    assert server.runtime.settings.sqlite_synchronous == "full"
    assert server.run(_writer_synchronous(server.runtime.store)) == FULL


async def test_normal_is_an_operator_setting(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'confab.db'}"
    settings = Settings.load({"CONFAB_DATABASE_URL": url, "CONFAB_SQLITE_SYNCHRONOUS": "Normal"})
    assert settings.sqlite_synchronous == "normal"
    rt = Runtime.create(settings)
    try:
        assert await _writer_synchronous(rt.store) == NORMAL
    finally:
        await rt.store.close()
    store = Store(url)  # callers that name no setting get the durable default
    try:
        assert await _writer_synchronous(store) == FULL
    finally:
        await store.close()


def test_unknown_synchronous_is_refused() -> None:
    with pytest.raises(SystemExit, match="CONFAB_SQLITE_SYNCHRONOUS"):
        Settings.load({"CONFAB_SQLITE_SYNCHRONOUS": "bogus"})
    with pytest.raises(ValueError):
        Store("sqlite+aiosqlite:///unused.db", synchronous="off")


async def test_commit_runs_off_the_event_loop_thread(server: ServerHandle, app: AppHandle) -> None:
    _sqlite_only(server)
    seen: list[tuple[int, str]] = []

    def trace(sql: str) -> None:
        seen.append((threading.get_ident(), sql))

    async def arm(callback: Any) -> None:
        async with server.runtime.store.tx() as tx:
            _dbapi(tx).set_trace_callback(callback)

    server.run(arm(trace))
    try:
        await app.ok("im_open_login_svc/account_import", {"UserID": "durable_x"})
    finally:
        server.run(arm(None))
    loop_thread = server.thread.ident  # type: ignore[union-attr]
    statements = [sql.split()[0].upper() for _, sql in seen]
    assert "INSERT" in statements
    commits = [ident for ident, sql in seen if sql.upper().startswith("COMMIT")]
    assert len(commits) >= 2  # arming's own transaction and the account import
    assert loop_thread not in commits
    inserts = [ident for ident, sql in seen if sql.upper().startswith("INSERT")]
    assert set(inserts) == {loop_thread}  # ordinary statements still run inline on the loop


async def _private_store(tmp_path: Path) -> Store:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'private.db'}")
    async with store.tx() as tx:
        await tx.execute(sa.text("CREATE TABLE t (k INTEGER PRIMARY KEY)"))
    return store


async def test_after_commit_hooks_run_in_commit_order_before_the_next_writer(tmp_path: Path) -> None:
    store = await _private_store(tmp_path)
    steps: list[str] = []

    async def write(n: int) -> None:
        async with store.tx() as tx:
            steps.append(f"begin {n}")
            await tx.execute(sa.text("INSERT INTO t (k) VALUES (:k)"), {"k": n})
            tx.after_commit(lambda: steps.append(f"hook {n}"))

    try:
        await asyncio.gather(*(write(n) for n in range(5)))
    finally:
        await store.close()
    assert steps == [step for n in range(5) for step in (f"begin {n}", f"hook {n}")]


async def test_cancelled_while_committing_the_write_stands_and_its_hooks_run(tmp_path: Path) -> None:
    store = await _private_store(tmp_path)
    loop = asyncio.get_running_loop()
    committing, release = asyncio.Event(), threading.Event()
    hooks: list[str] = []

    def hold_commit(sql: str) -> None:  # runs on the commit thread, just before the COMMIT
        if sql.upper().startswith("COMMIT"):
            loop.call_soon_threadsafe(committing.set)
            release.wait(10)

    async def write() -> None:
        async with store.tx() as tx:
            _dbapi(tx).set_trace_callback(hold_commit)
            await tx.execute(sa.text("INSERT INTO t (k) VALUES (1)"))
            tx.after_commit(lambda: hooks.append("published"))

    try:
        task = asyncio.ensure_future(write())
        await asyncio.wait_for(committing.wait(), 10)
        task.cancel()
        for _ in range(5):  # let the task take the cancellation while the commit is held
            await asyncio.sleep(0)
        assert not task.done() and store._write_lock.locked()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert hooks == ["published"]
        async with store.tx() as tx:  # the writer is free and the row committed
            _dbapi(tx).set_trace_callback(None)
            assert (await tx.execute(sa.text("SELECT count(*) FROM t"))).scalar_one() == 1
    finally:
        release.set()
        await store.close()


async def test_database_errors_carry_no_user_content(server: ServerHandle, app: AppHandle) -> None:
    user_id = f"leak_{secrets.token_hex(6)}"
    row = {"sdkappid": app.sdkappid, "user_id": user_id, "created_at": int(time.time())}

    async def duplicate() -> None:
        async with server.runtime.store.tx() as tx:
            await tx.execute(accounts.insert(), row)
            await tx.execute(accounts.insert(), row)

    with pytest.raises(sa.exc.IntegrityError) as caught:
        server.run(duplicate())
    assert "parameters hidden" in str(caught.value)
    logged = "".join(traceback.format_exception(caught.value))  # what log.exception would write
    assert user_id not in logged
    assert str(app.sdkappid) not in logged
