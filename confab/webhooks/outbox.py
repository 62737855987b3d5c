"""After-callbacks that are never lost: a durable outbox, delivered in order per app.

`record` runs inside every transaction that emitted events, just before its COMMIT (the store's
`before_commit` hook): for each event with a builder (after.py) whose command the app has on, it writes
the body to `webhook_outbox`. The callback is therefore durable exactly when the change is: a crash
after the commit resends it, a rollback never sends it. An app that has no webhook URL costs a dict
lookup per event.

The `Outbox` worker delivers each app's rows in `id` order, one at a time, and deletes them with their
log entries. One process at a time delivers an app (a lease row), which keeps the order across
processes; a process that stops hands its leases back, one that dies loses them after LEASE_MS.

A receiver that cannot be reached (nothing was delivered) is retried with backoff for as long as it
takes, the backlog bounded by the app's `backlog`: beyond it new callbacks are recorded in the log as
"overflow", with their body. A receiver that answered badly or timed out (it may have got it) is
retried only when the app has `retry_after` on (the vendor's console switch, off by default), at most
`retries` times; then the callback is logged "gave_up", with its body.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.store.tables.webhooks import webhook_leases, webhook_outbox
from confab.store.upsert import upsert
from confab.webhooks import after, origin
from confab.webhooks import log as delivery_log
from confab.webhooks.transport import CLOSED_EARLY, Callback

if TYPE_CHECKING:
    from confab.runtime import Runtime
    from confab.store import Tx
    from confab.webhooks.transport import Outcome, Transport

log = logging.getLogger("confab.webhooks")
_encode = msgspec.json.Encoder().encode

BATCH = 100
WINDOW = 32  # callbacks of one app pipelined on one connection
LEASE_MS = 10_000  # renewed with every batch; a process that died loses it after this
POLL_SECONDS = 1.0  # how often rows written by other processes (or left by a crash) are looked for
BACKOFF_MS = (100, 500, 2_000, 5_000, 10_000, 30_000)  # the wait before attempt n+1


def _unanswered(outcome: Outcome) -> bool:
    """Nothing came back: the receiver could not be reached, or the connection ended before this
    callback's answer (with pipelining, those behind a failed one). Retried however long it takes."""
    return outcome.status == 0 and (
        outcome.error.startswith("connect") or outcome.error == f"no answer: {CLOSED_EARLY}"
    )


def _now_ms() -> int:
    return int(time.time() * 1000)


async def record(rt: Runtime, tx: Tx) -> None:
    """Write the outbox rows for this transaction's events (inside it, before COMMIT)."""
    rows: list[dict[str, Any]] = []
    where: origin.Origin | None = None
    for event in tx.events:
        builders = after.AFTER.get(type(event))
        if not builders:
            continue
        app = await rt.apps.get(event.sdkappid)
        if app is None or not app.settings.webhook.url:
            continue
        cfg = app.settings.webhook
        for command, build in builders:
            if not cfg.on(command):
                continue
            bodies = await build(tx, app, event)
            if not bodies:
                continue
            where = where or origin.current.get()
            now = _now_ms()
            for body in bodies:
                rows.append(
                    {
                        "sdkappid": app.sdkappid,
                        "command": command,
                        "body": _encode({"CallbackCommand": command, **body}).decode(),
                        "platform": where.platform,
                        "client_ip": where.client_ip,
                        "created_at": now,
                    }
                )
    if not rows or rt.webhooks is None:
        return
    kept, overflow = rt.webhooks.outbox.admit(rows)
    if kept:
        await tx.execute(webhook_outbox.insert(), kept)
        apps = {row["sdkappid"] for row in kept}
        outbox = rt.webhooks.outbox
        tx.after_commit(lambda: outbox.wake(apps))
    if overflow:
        await delivery_log.write(
            tx,
            [
                delivery_log.entry(r["sdkappid"], r["command"], None, status="overflow", attempts=0, body=r["body"])
                for r in overflow
            ],
        )


_PENDING_APPS = sa.select(webhook_outbox.c.sdkappid).distinct()
_COUNT = sa.select(webhook_outbox.c.sdkappid, sa.func.count()).group_by(webhook_outbox.c.sdkappid)
_BATCH = (
    sa.select(webhook_outbox)
    .where(webhook_outbox.c.sdkappid == sa.bindparam("app"))
    .order_by(webhook_outbox.c.id)
    .limit(BATCH)
)


class Outbox:
    def __init__(self, rt: Runtime, transport: Transport) -> None:
        self.rt = rt
        self.transport = transport
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._wake = asyncio.Event()
        self._due: set[int] = set()
        self._workers: dict[int, asyncio.Task] = {}
        self._again: set[int] = set()  # apps woken while their worker ran: it must look again before stopping
        self._backlog: dict[int, int] = {}  # rows waiting per app, as this process knows them

    # -- admission (inside a transaction) --------------------------------------------------------------

    def admit(self, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Split rows into those the apps' backlogs have room for and those that overflow."""
        kept: list[dict[str, Any]] = []
        overflow: list[dict[str, Any]] = []
        limits: dict[int, int] = {}
        for row in rows:
            app = row["sdkappid"]
            if app not in limits:
                cached = self.rt.apps.cached(app)
                limits[app] = cached.settings.webhook.backlog if cached is not None else 100_000
            if self._backlog.get(app, 0) >= limits[app]:
                overflow.append(row)
            else:
                self._backlog[app] = self._backlog.get(app, 0) + 1
                kept.append(row)
        return kept, overflow

    def wake(self, apps: set[int]) -> None:
        self._due |= apps
        self._again |= apps & set(self._workers)  # a worker about to stop reads once more
        self._wake.set()

    # -- delivery ------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Start a delivery task per app with rows; look for rows from elsewhere every POLL_SECONDS."""
        await self._refresh_backlog()
        self._due |= set(self._backlog)
        while True:
            with_timeout = asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            try:
                await with_timeout
            except TimeoutError:
                try:
                    await self._refresh_backlog()
                except Exception:
                    log.exception("reading the webhook outbox failed")
                self._due |= {app for app, n in self._backlog.items() if n}
            self._wake.clear()
            due, self._due = self._due, set()
            for app in due:
                task = self._workers.get(app)
                if task is None or task.done():
                    self._workers[app] = asyncio.ensure_future(self._deliver_app(app))

    async def _refresh_backlog(self) -> None:
        async with self.rt.store.read() as conn:
            counts = {int(row[0]): int(row[1]) for row in await conn.execute(_COUNT)}
        self._backlog = counts

    async def _lease(self, sdkappid: int) -> bool:
        """Take (or keep) the app's delivery lease; False when another live process holds it."""
        now = _now_ms()
        async with self.rt.store.tx() as tx:
            row = (await tx.execute(sa.select(webhook_leases).where(webhook_leases.c.sdkappid == sdkappid))).first()
            if row is not None and row.owner != self.owner and row.until > now:
                return False
            stmt = upsert(tx.dialect, webhook_leases, ("sdkappid",), ("owner", "until"))
            await tx.execute(stmt, {"sdkappid": sdkappid, "owner": self.owner, "until": now + LEASE_MS})
        return True

    async def _release(self, sdkappid: int) -> None:
        async with self.rt.store.tx() as tx:
            lease = webhook_leases.c
            await tx.execute(webhook_leases.delete().where(lease.sdkappid == sdkappid, lease.owner == self.owner))

    async def release_all(self) -> None:
        """At shutdown: hand this process's leases back, so a restart delivers at once."""
        async with self.rt.store.tx() as tx:
            await tx.execute(webhook_leases.delete().where(webhook_leases.c.owner == self.owner))

    async def _deliver_app(self, sdkappid: int) -> None:
        try:
            if not await self._lease(sdkappid):
                return
            try:
                while True:
                    self._again.discard(sdkappid)
                    if not await self._deliver_batch(sdkappid) and sdkappid not in self._again:
                        break  # nothing left, and nothing committed since the last read
                    if not await self._lease(sdkappid):
                        return
            finally:
                await self._release(sdkappid)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivering webhooks failed; retrying shortly")
        finally:
            if sdkappid in self._again:  # woken while stopping: run() starts a fresh worker
                asyncio.get_running_loop().call_soon(self.wake, {sdkappid})

    async def _deliver_batch(self, sdkappid: int) -> bool:
        """Deliver the app's oldest rows in order; True when there may be more to do now."""
        async with self.rt.store.read() as conn:
            rows = (await conn.execute(_BATCH, {"app": sdkappid})).all()
        if not rows:
            self._backlog[sdkappid] = 0
            return False
        app = await self.rt.apps.get(sdkappid)
        done: list[int] = []
        logged: list[dict[str, Any]] = []
        retry: tuple[int, int, int] | None = None  # (id, attempts, next_at) of the row to wait for
        wait_ms = 0
        cfg = app.settings.webhook if app is not None else None
        i = 0
        stop = False
        while i < len(rows) and not stop:
            row = rows[i]
            if cfg is None or not cfg.on(row.command):  # switched off since: nobody wants it any more
                done.append(row.id)
                logged.append(delivery_log.entry(sdkappid, row.command, None, status="gave_up", body=row.body))
                i += 1
                continue
            now = _now_ms()
            if row.next_at > now:
                wait_ms = row.next_at - now
                break
            # the next rows that can go now, pipelined on one connection: order holds, and no round trip
            # each. With retry_after one at a time, so that a retried callback is never overtaken.
            window = [row]
            limit = 1 if cfg.retry_after else WINDOW
            while len(window) < limit and i + len(window) < len(rows):
                after = rows[i + len(window)]
                if not cfg.on(after.command) or after.next_at > now:
                    break
                window.append(after)
            callbacks = [Callback(r.command, r.body.encode(), r.platform, r.client_ip) for r in window]
            outcomes = await self.transport.post_many(cfg, sdkappid, callbacks)
            for sent, outcome in zip(window, outcomes, strict=True):
                attempts = sent.attempts + 1
                if outcome.ok:
                    done.append(sent.id)
                    logged.append(delivery_log.entry(sdkappid, sent.command, outcome, attempts=attempts))
                    continue
                if _unanswered(outcome) or (cfg.retry_after and attempts <= cfg.retries):
                    delay = BACKOFF_MS[min(attempts - 1, len(BACKOFF_MS) - 1)]
                    retry = (sent.id, attempts, _now_ms() + delay)
                    wait_ms = delay
                    logged.append(delivery_log.entry(sdkappid, sent.command, outcome, attempts=attempts))
                    stop = True
                    break
                done.append(sent.id)
                status = "gave_up" if cfg.retry_after else "failed"
                gone = delivery_log.entry(
                    sdkappid, sent.command, outcome, status=status, attempts=attempts, body=sent.body
                )
                logged.append(gone)
            i += len(window)
        async with self.rt.store.tx() as tx:
            if done:
                await tx.execute(webhook_outbox.delete().where(webhook_outbox.c.id.in_(done)))
            if retry is not None:
                row_id, attempts, next_at = retry
                await tx.execute(
                    webhook_outbox.update()
                    .where(webhook_outbox.c.id == row_id)
                    .values(attempts=attempts, next_at=next_at)
                )
            await delivery_log.write(tx, logged)
            if self.rt.webhooks is not None and self.rt.webhooks.log.counted(sdkappid, len(logged)):
                await delivery_log.prune(tx, sdkappid)
        self._backlog[sdkappid] = max(0, self._backlog.get(sdkappid, 0) - len(done))
        if wait_ms:
            await asyncio.sleep(wait_ms / 1000)
            return True
        return len(rows) == BATCH or bool(done)
