"""The store: SQLAlchemy Core over SQLite (embedded default) or PostgreSQL.

Two ways in:
- `store.read()`: a connection for queries (SQLite WAL lets reads run beside the writer).
- `store.tx()`: a write transaction. On SQLite there is one writer connection and each transaction
  starts with BEGIN IMMEDIATE, so writers queue in the pool instead of failing with SQLITE_BUSY.
  Callbacks registered with `tx.after_commit` run once, in order, right after a successful commit
  and before the writer connection is handed to the next transaction: events leave in commit order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

log = logging.getLogger("confab.store")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Tx:
    """A write transaction: the connection plus the work to do once it has committed."""

    __slots__ = ("_after", "conn")

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._after: list[Callable[[], Any]] = []

    def after_commit(self, fn: Callable[[], Any]) -> None:
        self._after.append(fn)

    async def execute(self, statement: Any, params: Any = None) -> sa.CursorResult:
        return await self.conn.execute(statement, params)


class Store:
    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            self._writer, self._reader = self._sqlite_engines(parsed, pool_size)
        elif self.dialect == "postgresql":
            engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
            self._writer = self._reader = engine
        else:
            raise ValueError(f"unsupported database {self.dialect!r}: use sqlite+aiosqlite or postgresql+asyncpg")

    @staticmethod
    def _sqlite_engines(parsed: Any, pool_size: int) -> tuple[AsyncEngine, AsyncEngine]:
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)

        def make(size: int, begin: str | None) -> AsyncEngine:
            engine = create_async_engine(
                parsed, poolclass=AsyncAdaptedQueuePool, pool_size=size, max_overflow=0, pool_timeout=60
            )

            @event.listens_for(engine.sync_engine, "connect")
            def _on_connect(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.close()

            if begin is not None:

                @event.listens_for(engine.sync_engine, "begin")
                def _on_begin(conn: Any) -> None:
                    conn.exec_driver_sql(begin)

            return engine

        # One writer: SQLite admits one write transaction at a time anyway.
        return make(1, "BEGIN IMMEDIATE"), make(pool_size, None)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self._reader.connect() as conn:
            yield conn

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        async with self._writer.connect() as conn:
            tx = Tx(conn)
            await conn.begin()
            try:
                yield tx
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()
            for fn in tx._after:
                try:
                    result = fn()
                    if asyncio.iscoroutine(result):
                        await result
                except Exception:  # an after-commit hook must never undo a committed write
                    log.exception("after-commit hook failed")

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        async with self._writer.connect() as conn:

            def run(sync_conn: Any) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, "head")

            await conn.run_sync(run)
            await conn.commit()

    async def close(self) -> None:
        await self._writer.dispose()
        if self._reader is not self._writer:
            await self._reader.dispose()
