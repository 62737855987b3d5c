"""The conversation list (recentcontact/get_list seed 9068-9324) and deleting a conversation (9699-9860).

Conversations are listed newest first by the time of their last message. A page cursor is
(TimeStamp, StartIndex): the last page ended at conversations of time TimeStamp, of which StartIndex
were already returned (several conversations can share one second). Pinned conversations have their
own cursor (TopTimeStamp, TopStartIndex) and come first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts, feed
from confab.domain.apps import App
from confab.domain.c2c.model import FEED_CONV_DELETE, FEED_CONV_PIN, C2CConversationDeleted, pair
from confab.errors import ApiError
from confab.store.tables.c2c import c2c_conversations, c2c_messages
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.runtime import Runtime

PAGE_SIZE = 100
MAX_CURSOR_INDEX = 1_000_000  # conversations sharing one second: far beyond any real list

ASSIST_PINNED = 1  # bit 0: pinned conversations apart (first, TopFlag 1)
ASSIST_EMPTY = 2  # bit 1: include conversations without a message
ASSIST_PAGE_PINNED = 4  # bit 2: page the pinned ones too (else all of them on the first page)

conv = c2c_conversations.c


@dataclass(frozen=True, slots=True)
class Cursor:
    time: int = 0  # 0: from the newest
    index: int = 0


def _page_query(app: int, owner: str, *, pinned: bool | None, empty: bool, cursor: Cursor, limit: int) -> Any:
    query = sa.select(conv.peer, conv.last_time, conv.pinned_at).where(
        conv.sdkappid == app, conv.owner == owner, conv.listed == sa.true()
    )
    if pinned is True:
        query = query.where(conv.pinned_at > 0)
    elif pinned is False:
        query = query.where(conv.pinned_at == 0)
    if not empty:
        query = query.where(conv.last_time > 0)
    if cursor.time:
        query = query.where(conv.last_time <= cursor.time)
    return query.order_by(conv.last_time.desc(), conv.peer).limit(limit)


async def _page(
    conn: Any, app: int, owner: str, *, pinned: bool | None, empty: bool, cursor: Cursor, size: int
) -> tuple[list[Any], Cursor | None]:
    """One page after the cursor, and the cursor that follows it (None when nothing is left)."""
    rows = (
        await conn.execute(
            _page_query(app, owner, pinned=pinned, empty=empty, cursor=cursor, limit=cursor.index + size + 1)
        )
    ).all()
    if cursor.time:
        skip = 0
        while skip < len(rows) and skip < cursor.index and rows[skip].last_time == cursor.time:
            skip += 1
        rows = rows[skip:]
    page, more = rows[:size], len(rows) > size
    if not page:
        return [], None
    last = page[-1].last_time
    same = sum(1 for r in page if r.last_time == last)
    if cursor.time == last:
        same += cursor.index
    return page, (Cursor(last, same) if more else None)


async def get_list(
    rt: Runtime, app: App, owner: str, *, general: Cursor, top: Cursor, assist_flags: int
) -> dict[str, Any]:
    for name, cursor in (("StartIndex", general), ("TopStartIndex", top)):
        if not 0 <= cursor.index <= MAX_CURSOR_INDEX:
            raise ApiError(50002, f"{name} must be 0..{MAX_CURSOR_INDEX}: pass back the one a page returned")
    async with rt.store.read() as conn:
        if not await accounts.existing(conn, app.sdkappid, [owner]):
            raise ApiError(50001, f"From_Account {owner!r} is not an account of this app")
        empty = bool(assist_flags & ASSIST_EMPTY)
        items: list[dict[str, Any]] = []
        next_top: Cursor | None = None
        if assist_flags & ASSIST_PINNED:
            paged = bool(assist_flags & ASSIST_PAGE_PINNED)
            first_page = top.time == 0 and top.index == 0
            if paged or first_page:
                size = PAGE_SIZE if paged else 1_000_000
                pinned_rows, next_top = await _page(
                    conn, app.sdkappid, owner, pinned=True, empty=empty, cursor=top, size=size
                )
                items.extend(_item(r, pinned=True) for r in pinned_rows)
            general_rows, next_general = await _page(
                conn, app.sdkappid, owner, pinned=False, empty=empty, cursor=general, size=PAGE_SIZE
            )
        else:
            general_rows, next_general = await _page(
                conn, app.sdkappid, owner, pinned=None, empty=empty, cursor=general, size=PAGE_SIZE
            )
        items.extend(_item(r, pinned=r.pinned_at > 0 and bool(assist_flags & ASSIST_PINNED)) for r in general_rows)
    done_general = next_general or Cursor(int(time.time()), 0)
    done_top = next_top or Cursor(int(time.time()), 0)
    return {
        "SessionItem": items,
        "CompleteFlag": 1 if next_general is None and next_top is None else 0,
        "TimeStamp": done_general.time,
        "StartIndex": done_general.index,
        "TopTimeStamp": done_top.time,
        "TopStartIndex": done_top.index,
    }


def _item(row: Any, *, pinned: bool) -> dict[str, Any]:
    return {"Type": 1, "To_Account": row.peer, "MsgTime": row.last_time, "TopFlag": 1 if pinned else 0}


async def delete(rt: Runtime, app: App, owner: str, peer: str, *, clear_history: bool) -> None:
    """Take the conversation off the owner's list (unread goes to 0); ClearRamble also hides every
    message so far from the owner's history. The peer's side is untouched."""
    now = int(time.time())
    lo, hi = pair(owner, peer)
    async with rt.store.tx() as tx:
        await accounts.require(tx, app.sdkappid, ("From_Account", owner, 50001), ("To_Account", peer, 50001))
        changes: dict[str, Any] = {"listed": False, "unread": 0, "pinned_at": 0}
        if clear_history:
            newest = (
                await tx.execute(
                    sa.select(sa.func.max(c2c_messages.c.id)).where(
                        c2c_messages.c.sdkappid == app.sdkappid,
                        c2c_messages.c.user_lo == lo,
                        c2c_messages.c.user_hi == hi,
                    )
                )
            ).scalar()
            changes["cleared_id"] = newest or 0
        await tx.execute(
            c2c_conversations.update()
            .where(conv.sdkappid == app.sdkappid, conv.owner == owner, conv.peer == peer)
            .values(**changes)
        )
        payload = {"Type": 1, "To_Account": peer, "ClearRamble": 1 if clear_history else 0}
        await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_CONV_DELETE, payload)])
        event = C2CConversationDeleted(
            sdkappid=app.sdkappid, at=now, owner=owner, peer=peer, clear_history=clear_history
        )
        tx.after_commit(lambda: rt.bus.publish(event))


async def pin(rt: Runtime, app: App, owner: str, peer: str, *, pinned: bool) -> None:
    """Pin or unpin a conversation in the owner's list (a user operation of the gateway)."""
    now = int(time.time())
    async with rt.store.tx() as tx:
        await accounts.require(tx, app.sdkappid, ("From_Account", owner, 50001), ("To_Account", peer, 50001))
        stmt = upsert(rt.store.dialect, c2c_conversations, ("sdkappid", "owner", "peer"), ("pinned_at",))
        await tx.execute(
            stmt,
            {
                "sdkappid": app.sdkappid,
                "owner": owner,
                "peer": peer,
                "last_time": 0,
                "unread": 0,
                "read_time": 0,
                "cleared_id": 0,
                "listed": True,
                "pinned_at": now if pinned else 0,
            },
        )
        await feed.append(
            tx, rt.bus, app.sdkappid, [(owner, FEED_CONV_PIN, {"Type": 1, "To_Account": peer, "TopFlag": int(pinned)})]
        )
