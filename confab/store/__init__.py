"""The store: SQLAlchemy Core over SQLite (embedded default) or PostgreSQL.

Two ways in, the same on both databases (`await conn.execute(statement)`):
- `store.read()`: a connection for queries (SQLite WAL lets reads run beside the writer).
- `store.tx()`: a write transaction. On SQLite there is one writer and each transaction starts with
  BEGIN IMMEDIATE; an asyncio lock queues writers. Callbacks registered with `tx.after_commit` run
  once, in order, right after a successful commit and before the next writer gets in: events leave
  in commit order. Events go out with `tx.emit`, which also shows them to the `before_commit` hook
  (the webhook outbox) inside the transaction, so an after-callback is durable exactly when its change is.

SQLite runs inline on the event loop thread (measured: an indexed query costs ~5 us in sqlite3, but
~425 us through aiosqlite's thread hops and ~1.2 ms through SQLAlchemy's aiosqlite adapter). Confab's
queries are short indexed lookups, so blocking the loop for microseconds beats three thread hops.
PostgreSQL uses asyncpg, where the wait is real network I/O.

COMMIT is the exception: it runs on one dedicated thread (`_commit_off_loop`). With WAL and the
default `synchronous=FULL` (CONFAB_SQLITE_SYNCHRONOUS) a COMMIT writes the transaction's pages to the
WAL and fsyncs it, so an acknowledged write survives power loss; every few batches it also runs the
auto-checkpoint. That is disk waiting plus real work. Measured under bench/c2c.py sendmsg load
(bench/README.md, "Durability"): an inline COMMIT cost ~130 us of loop CPU per message; FULL with
the COMMIT inline ran at 864 msg/s, FULL with it on the thread at 1,062 msg/s (NORMAL inline, the old
default: 994). One thread hop (~90 us) per group-committed batch (~20 sends there) costs far less.
The write lock is held until the COMMIT returns, so two threads never use the writer connection at
once, and after-commit hooks still run in commit order before the next writer gets in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import QueuePool

log = logging.getLogger("confab.store")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# PRAGMA synchronous for the SQLite connections. In WAL mode FULL syncs the WAL at every commit: an
# acknowledged write survives power loss and OS crashes. NORMAL syncs only at checkpoints: safe against
# a killed process, but an OS crash can lose the last commits (the database itself stays consistent).
SQLITE_SYNCHRONOUS = ("full", "normal")


class InlineConnection:
    """The async face of a synchronous SQLite connection: statements run inline on the loop thread.

    Offers the subset of AsyncConnection that Confab uses, with the same signatures and results.
    """

    __slots__ = ("sync",)

    def __init__(self, sync: sa.Connection) -> None:
        self.sync = sync

    async def execute(self, statement: Any, parameters: Any = None, **kw: Any) -> sa.CursorResult:
        return self.sync.execute(statement, parameters, **kw)

    async def exec_driver_sql(self, statement: str, parameters: Any = None, **kw: Any) -> sa.CursorResult:
        return self.sync.exec_driver_sql(statement, parameters, **kw)

    async def scalar(self, statement: Any, parameters: Any = None, **kw: Any) -> Any:
        return self.sync.scalar(statement, parameters, **kw)

    async def scalars(self, statement: Any, parameters: Any = None, **kw: Any) -> sa.ScalarResult:
        return self.sync.scalars(statement, parameters, **kw)

    async def run_sync(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return fn(self.sync, *args, **kw)

    async def commit(self) -> None:
        self.sync.commit()

    async def rollback(self) -> None:
        self.sync.rollback()


class Tx:
    """A write transaction: the connection, the events it will publish, and the work to do once it
    has committed."""

    __slots__ = ("_after", "_publish", "conn", "dialect", "events", "memo")

    def __init__(
        self,
        conn: AsyncConnection | InlineConnection,
        dialect: str,
        publish: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self.conn = conn
        self.dialect = dialect  # "sqlite" or "postgresql", as Store.dialect
        self.events: list[Any] = []  # every event emitted, for the before-commit hook (the webhook outbox)
        self.memo: dict[str, Any] = {}  # what that hook's builders read once per transaction, not per event
        self._after: list[Callable[[], Any]] = []
        self._publish = publish

    def after_commit(self, fn: Callable[[], Any]) -> None:
        self._after.append(fn)

    def emit(self, *events: Any) -> None:
        """Publish these events once the transaction has committed (in order with the other after-commit
        work); before the COMMIT the store's `before_commit` hook sees them, inside the transaction."""
        self.events.extend(events)
        publish = self._publish
        if publish is not None:
            batch = list(events)
            self._after.append(lambda: publish(batch))

    async def execute(self, statement: Any, params: Any = None) -> sa.CursorResult:
        return await self.conn.execute(statement, params)


class Store:
    def __init__(self, url: str, *, pool_size: int = 8, synchronous: str = "full") -> None:
        self.url = url
        # set by the runtime: the bus's publish_all (Tx.emit), and the webhook outbox's writer, which
        # runs inside each transaction that emitted events, just before its COMMIT
        self.publish: Callable[[list[Any]], None] | None = None
        self.before_commit: Callable[[Tx], Awaitable[None]] | None = None
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self._write_lock = asyncio.Lock()
        if synchronous.lower() not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}, not {synchronous!r}")
        self.synchronous = synchronous.lower()
        if self.dialect == "sqlite":
            self._sqlite_writer, self._sqlite_reader = self._sqlite_engines(parsed, self.synchronous)
            # COMMIT (the WAL write and its fsync) runs here, off the loop; one thread, as the writer
            # connection is one. Created threadless: the thread starts at the first commit.
            self._commit_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="confab-sqlite-commit")
            # Statements run inline and never interleave, so one long-lived connection each for
            # reading (autocommit) and writing saves a pool checkout per call (~13% of a REST call).
            self._reader_conn: sa.Connection | None = None
            self._writer_conn: sa.Connection | None = None
        elif self.dialect == "postgresql":
            # No pre-ping (a round trip per checkout): a connection the server dropped fails one call
            # and is replaced. Reads run in autocommit: no BEGIN/ROLLBACK round trips around them.
            # force_custom_plan: asyncpg prepares every statement, and after five runs PostgreSQL may
            # switch a prepared statement to a generic plan that ignores the values. For "these 300
            # users of this group" that plan scanned the whole group (measured: 2 ms became 460 ms at
            # 25,000 members, bench/README.md "Groups"); a custom plan costs well under a millisecond.
            engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_recycle=1800,
                hide_parameters=True,
                connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
            )
            event.listen(engine.sync_engine, "handle_error", _drop_postgres_detail)
            self._writer = engine
            self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            raise ValueError(f"unsupported database {self.dialect!r}: use sqlite+aiosqlite or postgresql+asyncpg")

    @staticmethod
    def _sqlite_engines(parsed: Any, synchronous: str) -> tuple[sa.Engine, sa.Engine]:
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        sync_url = parsed.set(drivername="sqlite+pysqlite")

        def make(begin: str | None, pool_size: int, overflow: int) -> sa.Engine:
            engine = sa.create_engine(
                sync_url,
                poolclass=QueuePool,
                pool_size=pool_size,
                max_overflow=overflow,
                connect_args={"check_same_thread": False},  # the writer commits on the commit thread
                hide_parameters=True,  # errors and logs never carry user content (IDs, message text)
            )

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.isolation_level = None  # autocommit reads; writers issue BEGIN themselves
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute(f"PRAGMA synchronous={synchronous.upper()}")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.close()

            if begin is not None:

                @event.listens_for(engine, "begin")
                def _on_begin(conn: Any) -> None:
                    conn.exec_driver_sql(begin)

            return engine

        # One writer (SQLite admits one write transaction at a time). Readers never wait for a
        # pooled connection: checkout must not block the loop thread, so overflow is unbounded.
        return make("BEGIN IMMEDIATE", 1, 0), make(None, 8, -1)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection | InlineConnection]:
        if self.is_sqlite:
            if self._reader_conn is None or self._reader_conn.closed:
                self._reader_conn = self._sqlite_reader.connect()
            yield InlineConnection(self._reader_conn)
        else:
            async with self._reader.connect() as conn:
                yield conn

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        async with self._write_lock if self.is_sqlite else _NO_LOCK:
            async with self._connect_writer() as conn:
                tx = Tx(conn, self.dialect, self.publish)
                cancelled = False
                try:
                    yield tx
                    if tx.events and self.before_commit is not None:
                        await self.before_commit(tx)
                    if isinstance(conn, InlineConnection):
                        cancelled = await self._commit_off_loop(conn.sync)
                    else:
                        await conn.commit()
                except BaseException:
                    try:
                        await conn.rollback()
                    except Exception:  # the connection itself failed: start afresh next time
                        log.exception("rollback failed; reconnecting")
                        self._writer_conn = None
                    raise
                for fn in tx._after:
                    try:
                        result = fn()
                        if asyncio.iscoroutine(result):
                            await result
                    except Exception:  # an after-commit hook must never undo a committed write
                        log.exception("after-commit hook failed")
                if cancelled:  # cancelled while committing: the write stands and its hooks ran
                    raise asyncio.CancelledError

    async def _commit_off_loop(self, sync: sa.Connection) -> bool:
        """COMMIT the SQLite writer on the commit thread; the loop serves other work while the disk syncs.

        The caller holds the write lock until this returns, so nothing else touches the writer
        connection meanwhile. A COMMIT under way cannot be called back: if the task is cancelled, this
        still waits for it and returns True once it has committed (the caller runs the after-commit
        hooks, then re-raises the cancellation); a commit that failed or never ran raises.
        """
        done = asyncio.get_running_loop().run_in_executor(self._commit_thread, sync.commit)
        cancelled = False
        while not done.done():
            try:
                await asyncio.wait((done,))  # unlike awaiting `done`, a cancellation leaves it running
            except asyncio.CancelledError:
                cancelled = True
        if cancelled and (done.cancelled() or done.exception() is not None):
            raise asyncio.CancelledError  # nothing committed: roll back and let the cancellation go on
        done.result()  # the commit's own error, if any
        return cancelled

    @asynccontextmanager
    async def _connect_writer(self) -> AsyncIterator[AsyncConnection | InlineConnection]:
        if self.is_sqlite:
            if self._writer_conn is None or self._writer_conn.closed:
                self._writer_conn = self._sqlite_writer.connect()
            self._writer_conn.begin()
            yield InlineConnection(self._writer_conn)
        else:
            async with self._writer.connect() as conn:
                await conn.begin()
                yield conn

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))

        def run(sync_conn: Any) -> None:
            cfg.attributes["connection"] = sync_conn
            command.upgrade(cfg, "head")

        async with self._write_lock:
            if self.is_sqlite:
                with self._sqlite_reader.connect() as sync:  # not the writer: its BEGIN hook would nest
                    run(sync)
                    sync.commit()
            else:
                async with self._writer.connect() as conn:
                    await conn.run_sync(run)
                    await conn.commit()

    async def close(self) -> None:
        if self.is_sqlite:
            self._commit_thread.shutdown(wait=True)  # first: a commit under way ends before its connection
            for conn in (self._reader_conn, self._writer_conn):
                if conn is not None:
                    conn.close()
            self._sqlite_writer.dispose()
            self._sqlite_reader.dispose()
        else:
            await self._writer.dispose()


class _NoLock:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_: object) -> None:
        return None


_NO_LOCK = _NoLock()


def _drop_postgres_detail(context: sa.engine.ExceptionContext) -> None:
    """Strip PostgreSQL's DETAIL from a driver error before anything formats it.

    hide_parameters keeps the statement's parameters out of the error, but the server's DETAIL quotes
    row values (`Key (sdkappid, user_id)=(1400000001, alice) already exists`), and asyncpg's exception,
    chained under SQLAlchemy's, prints it in every logged traceback. The SQLSTATE, the message and the
    constraint name stay.
    """
    error: BaseException | None = context.original_exception
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "detail", None):
            with contextlib.suppress(AttributeError, TypeError):
                error.detail = None  # type: ignore[attr-defined]
        error = error.__cause__ or error.__context__
