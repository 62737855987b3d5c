"""The delivery log behind `confab webhooks log` (and the console later): recent callbacks per app.

After-callbacks are logged by the outbox in the transaction that deletes them. Before-callbacks happen
on a request's path, so their entries are buffered here and written once a second in one statement:
a send never waits for a log write. Each app keeps its newest LOG_KEEP entries.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.store.tables.webhooks import webhook_log

if TYPE_CHECKING:
    from confab.store import Store, Tx
    from confab.webhooks.transport import Outcome

log = logging.getLogger("confab.webhooks")

LOG_KEEP = 1000
FLUSH_SECONDS = 1.0
BUFFER_MAX = 10_000  # before-callback entries waiting for a flush; beyond it the oldest are not logged


def entry(
    sdkappid: int, command: str, outcome: Outcome | None, *, status: str = "", attempts: int = 1, body: str = ""
) -> dict[str, Any]:
    return {
        "sdkappid": sdkappid,
        "command": command,
        "status": status or ("ok" if outcome is not None and outcome.ok else "failed"),
        "http_status": outcome.status if outcome is not None else 0,
        "latency_ms": round(outcome.latency_ms, 3) if outcome is not None else 0.0,
        "attempts": attempts,
        "error": outcome.error if outcome is not None else "",
        "body": body,
        "at": int(time.time() * 1000),
    }


async def write(tx: Tx, rows: list[dict[str, Any]]) -> None:
    if rows:
        await tx.execute(webhook_log.insert(), rows)


async def prune(tx: Tx, sdkappid: int) -> None:
    """Keep the app's newest LOG_KEEP entries."""
    newest = (
        sa.select(webhook_log.c.id)
        .where(webhook_log.c.sdkappid == sdkappid)
        .order_by(webhook_log.c.id.desc())
        .offset(LOG_KEEP)
        .limit(1)
        .scalar_subquery()
    )
    await tx.execute(webhook_log.delete().where(webhook_log.c.sdkappid == sdkappid, webhook_log.c.id <= newest))


class DeliveryLog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[dict[str, Any]] = []
        self._written: dict[int, int] = {}  # per app: entries written since its last prune

    def add(self, sdkappid: int, command: str, outcome: Outcome, *, attempts: int) -> None:
        if len(self._pending) < BUFFER_MAX:
            self._pending.append(entry(sdkappid, command, outcome, attempts=attempts))

    def counted(self, sdkappid: int, n: int) -> bool:
        """Count n entries written for the app; True when it is time to prune its log."""
        total = self._written.get(sdkappid, 0) + n
        if total >= LOG_KEEP // 10:
            self._written[sdkappid] = 0
            return True
        self._written[sdkappid] = total
        return False

    async def flush(self) -> None:
        rows, self._pending = self._pending, []
        if not rows:
            return
        async with self.store.tx() as tx:
            await write(tx, rows)
            apps: dict[int, int] = {}
            for row in rows:
                apps[row["sdkappid"]] = apps.get(row["sdkappid"], 0) + 1
            for sdkappid, n in apps.items():
                if self.counted(sdkappid, n):
                    await prune(tx, sdkappid)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush()
            except Exception:
                log.exception("writing the webhook log failed")


_RECENT = sa.select(webhook_log).order_by(webhook_log.c.id.desc())


async def recent(conn: Any, sdkappid: int, n: int) -> list[dict[str, Any]]:
    rows = await conn.execute(_RECENT.where(webhook_log.c.sdkappid == sdkappid).limit(n))
    return [dict(row._mapping) for row in rows]
