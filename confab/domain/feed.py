"""The per-user feed: what each user's devices must receive, numbered per user.

Domain code that changes something a user must hear about calls `append` inside its write
transaction. Each entry gets the user's next sequence number (1, 2, 3 ...) in the same transaction
as the change, so the feed can never disagree with the data. After commit, one `FeedEntry` event per
entry goes out on the bus; the real-time gateway delivers it to that user's online devices, and a
device that reconnects asks for everything after the last seq it saw (`read_after`).

Entries that must not be stored (`OnlineOnlyFlag` messages) go through `ephemeral`: seq 0, never
in the table, delivered only to devices online right now.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import msgspec
import sqlalchemy as sa

from confab.events import Event
from confab.store import Store, Tx
from confab.store.tables.accounts import accounts, user_feed

log = logging.getLogger("confab.feed")

FEED_RETENTION_SECONDS = 7 * 86400  # the vendor keeps offline messages for 7 days (MsgLifeTime max)

_encode = msgspec.json.Encoder().encode


class FeedEntry(Event, frozen=True):
    """One entry of one user's feed. `payload` is the JSON the device receives."""

    user_id: str
    seq: int  # 0 for ephemeral (online-only) entries
    kind: str  # e.g. "c2c.msg", "c2c.recall", "sns.friend_add"
    payload: msgspec.Raw
    expires_at: int = 0  # Unix time after which catching-up devices no longer get it (0: never)


# Prebuilt (hot path: every message). On PostgreSQL, _LOCK first takes every account row the append
# touches, in user_id order (LockRows runs above the sort): the bumps below come in one statement per
# entry count, and concurrent transactions (SendBatcher runs several batches at once) that locked
# their users group by group, each group in its own order, deadlocked. FOR NO KEY UPDATE is the lock
# the UPDATE takes anyway. Then one UPDATE per distinct increment bumps the users' sequence numbers
# and, through RETURNING, tells which users exist.
_LOCK = (
    sa.select(accounts.c.user_id)
    .where(accounts.c.sdkappid == sa.bindparam("app"), accounts.c.user_id.in_(sa.bindparam("uids", expanding=True)))
    .order_by(accounts.c.user_id)
    .with_for_update(key_share=True)
)
_BUMP = (
    accounts.update()
    .where(accounts.c.sdkappid == sa.bindparam("app"), accounts.c.user_id.in_(sa.bindparam("uids", expanding=True)))
    .values(feed_seq=accounts.c.feed_seq + sa.bindparam("n"))
    .returning(accounts.c.user_id, accounts.c.feed_seq)
)
_INSERT = user_feed.insert()


Item = tuple[str, str, Any] | tuple[str, str, Any, int]  # (user_id, kind, payload[, expires_at])


async def append(tx: Tx, bus: Any, sdkappid: int, entries: Iterable[Item]) -> list[FeedEntry]:
    """Append (user_id, kind, payload[, expires_at]) entries; returns them numbered. Publishes after commit.

    Sequence numbers come from `accounts.feed_seq`, bumped by one statement for all users that get
    the same number of entries (usually all of them), after one statement that locks all the users'
    rows in sorted order (PostgreSQL; SQLite has a single writer). Entries for accounts that do not
    exist are dropped: there is nobody to deliver to.
    """
    items = list(entries)
    if not items:
        return []
    per_user: dict[str, int] = defaultdict(int)
    for user_id, *_ in items:
        per_user[user_id] += 1
    by_count: dict[int, list[str]] = defaultdict(list)
    for user_id, n in per_user.items():
        by_count[n].append(user_id)
    if len(per_user) > 1 and tx.dialect != "sqlite":  # one row needs no lock order
        await tx.execute(_LOCK, {"app": sdkappid, "uids": sorted(per_user)})
    top: dict[str, int] = {}
    for n, users in by_count.items():
        result = await tx.execute(_BUMP, {"app": sdkappid, "uids": sorted(users), "n": n})
        top.update((row[0], row[1]) for row in result)
    next_seq = {user_id: top[user_id] - per_user[user_id] for user_id in top}
    now = int(time.time())
    made: list[FeedEntry] = []
    rows: list[dict[str, Any]] = []
    for user_id, kind, payload, *expiry in items:
        if user_id not in next_seq:
            continue
        expires_at = expiry[0] if expiry else 0
        next_seq[user_id] += 1
        raw = payload if isinstance(payload, bytes) else _encode(payload)
        rows.append(
            {
                "sdkappid": sdkappid,
                "user_id": user_id,
                "seq": next_seq[user_id],
                "kind": kind,
                "payload": raw.decode(),
                "created_at": now,
                "expires_at": expires_at,
            }
        )
        made.append(
            FeedEntry(
                sdkappid=sdkappid,
                at=now,
                user_id=user_id,
                seq=next_seq[user_id],
                kind=kind,
                payload=msgspec.Raw(raw),
                expires_at=expires_at,
            )
        )
    if rows:
        await tx.execute(_INSERT, rows)

    def publish() -> None:
        for entry in made:
            bus.publish(entry)

    tx.after_commit(publish)
    return made


def ephemeral(bus: Any, sdkappid: int, entries: Iterable[tuple[str, str, Any]]) -> None:
    """Deliver to online devices only; nothing is stored (OnlineOnlyFlag)."""
    now = int(time.time())
    for user_id, kind, payload in entries:
        raw = payload if isinstance(payload, bytes) else _encode(payload)
        bus.publish(FeedEntry(sdkappid=sdkappid, at=now, user_id=user_id, seq=0, kind=kind, payload=msgspec.Raw(raw)))


_READ_AFTER = (
    sa.select(user_feed.c.seq, user_feed.c.kind, user_feed.c.payload, user_feed.c.created_at, user_feed.c.expires_at)
    .where(
        user_feed.c.sdkappid == sa.bindparam("app"),
        user_feed.c.user_id == sa.bindparam("user"),
        user_feed.c.seq > sa.bindparam("after"),
    )
    .order_by(user_feed.c.seq)
    .limit(sa.bindparam("limit"))
)
_LATEST = sa.select(accounts.c.feed_seq).where(
    accounts.c.sdkappid == sa.bindparam("app"), accounts.c.user_id == sa.bindparam("user")
)


async def read_after(conn: Any, sdkappid: int, user_id: str, after_seq: int, limit: int = 500) -> list[FeedEntry]:
    """The user's entries with seq > after_seq, oldest first, at most `limit` (a prebuilt statement:
    every login runs it, and building the SELECT each time was ~8 % of the loop during logins)."""
    rows = await conn.execute(_READ_AFTER, {"app": sdkappid, "user": user_id, "after": after_seq, "limit": limit})
    return [
        FeedEntry(
            sdkappid=sdkappid,
            at=r.created_at,
            user_id=user_id,
            seq=r.seq,
            kind=r.kind,
            payload=msgspec.Raw(r.payload.encode()),
            expires_at=r.expires_at,
        )
        for r in rows
    ]


async def latest_seq(conn: Any, sdkappid: int, user_id: str) -> int:
    row = (await conn.execute(_LATEST, {"app": sdkappid, "user": user_id})).first()
    return row[0] if row else 0


async def purge_users(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    await tx.execute(user_feed.delete().where(user_feed.c.sdkappid == sdkappid, user_feed.c.user_id.in_(user_ids)))


async def prune_forever(store: Store, every: float = 3600) -> None:
    """Drop entries past retention once an hour, for the life of the server (the runtime spawns it)."""
    while True:
        await asyncio.sleep(every)
        try:
            async with store.tx() as tx:
                await prune(tx)
        except Exception:
            log.exception("feed pruning failed")


async def prune(tx: Tx, older_than: int | None = None) -> int:
    """Drop entries past retention (called periodically by the server)."""
    cutoff = older_than if older_than is not None else int(time.time()) - FEED_RETENTION_SECONDS
    result = await tx.execute(user_feed.delete().where(user_feed.c.created_at < cutoff))
    return result.rowcount or 0
