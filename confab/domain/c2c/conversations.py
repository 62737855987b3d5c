"""The conversation list (recentcontact/get_list seed 9068-9324) and deleting a conversation (9699-9860).

The list merges one-to-one conversations (rows of c2c_conversations) with the owner's group
conversations (their memberships, `confab.domain.groups.conversations`).

Conversations are listed newest first by the time of their last message. A page cursor is
(TimeStamp, StartIndex): the last page ended at conversations of time TimeStamp, of which StartIndex
were already returned (several conversations can share one second). Pinned conversations have their
own cursor (TopTimeStamp, TopStartIndex) and come first.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts, feed
from confab.domain.apps import App
from confab.domain.c2c.model import FEED_CONV_DELETE, FEED_CONV_PIN, C2CConversationDeleted, pair
from confab.domain.groups import conversations as group_conversations
from confab.domain.groups.conversations import GROUP_PEER
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


def _page_query(pinned: bool | None, empty: bool, bounded: bool) -> Any:
    query = sa.select(conv.peer, conv.last_time, conv.pinned_at).where(
        conv.sdkappid == sa.bindparam("app"),
        conv.owner == sa.bindparam("owner"),
        conv.listed == sa.true(),
        ~conv.peer.startswith(GROUP_PEER),  # a group conversation's own row (groups.conversations)
    )
    if pinned is True:
        query = query.where(conv.pinned_at > 0)
    elif pinned is False:
        query = query.where(conv.pinned_at == 0)
    if not empty:
        query = query.where(conv.last_time > 0)
    if bounded:
        query = query.where(conv.last_time <= sa.bindparam("before"))
    return query.order_by(conv.last_time.desc(), conv.peer).limit(sa.bindparam("limit"))


_PAGES = {(p, e, b): _page_query(p, e, b) for p in (None, True, False) for e in (False, True) for b in (False, True)}


@dataclass(frozen=True, slots=True)
class _Entry:
    last_time: int
    pinned_at: int
    item: dict[str, Any]  # the SessionItem without TopFlag


async def _page(
    conn: Any, app: int, owner: str, *, pinned: bool | None, empty: bool, cursor: Cursor, size: int, detail: bool
) -> tuple[list[_Entry], Cursor | None]:
    """One page after the cursor, and the cursor that follows it (None when nothing is left).

    One-to-one and group conversations are merged newest first; at one second one-to-one ones come
    first, each kind in its own query's order, so the cursor's count of conversations already returned
    at `cursor.time` means the same on every call. Each query reads at most index + size + 1 rows."""
    limit = cursor.index + size + 1
    params = {"app": app, "owner": owner, "before": cursor.time, "limit": limit}
    c2c_rows = await conn.execute(_PAGES[(pinned, empty, bool(cursor.time))], params)
    c2c = [
        _Entry(r.last_time, r.pinned_at, {"Type": 1, "To_Account": r.peer, "MsgTime": r.last_time}) for r in c2c_rows
    ]
    grouped = [
        _Entry(c.last_time, c.pinned_at, _group_item(c, detail))
        for c in await group_conversations.page(
            conn, app, owner, pinned=pinned, empty=empty, before=cursor.time, limit=limit
        )
    ]
    rows = list(heapq.merge(c2c, grouped, key=lambda e: -e.last_time))  # stable: one-to-one first at a tie
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


def _group_item(c: group_conversations.GroupConversation, detail: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"Type": 2, "GroupId": c.group_id, "MsgTime": c.last_time}
    if detail:  # a device's list (not the REST page): where the group is and what is unread
        item.update(MsgSeq=c.msg_seq, UnreadMsgNum=c.unread)
    return item


async def get_list(
    rt: Runtime, app: App, owner: str, *, general: Cursor, top: Cursor, assist_flags: int, detail: bool = False
) -> dict[str, Any]:
    """The owner's one-to-one and group conversations, one page; `detail` adds a group conversation's
    MsgSeq (the group's last) and UnreadMsgNum (for devices; the REST page shows neither)."""
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
                    conn, app.sdkappid, owner, pinned=True, empty=empty, cursor=top, size=size, detail=detail
                )
                items.extend(_item(r, pinned=True) for r in pinned_rows)
            general_rows, next_general = await _page(
                conn, app.sdkappid, owner, pinned=False, empty=empty, cursor=general, size=PAGE_SIZE, detail=detail
            )
        else:
            general_rows, next_general = await _page(
                conn, app.sdkappid, owner, pinned=None, empty=empty, cursor=general, size=PAGE_SIZE, detail=detail
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


def _item(entry: _Entry, *, pinned: bool) -> dict[str, Any]:
    return {**entry.item, "TopFlag": 1 if pinned else 0}


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
        tx.emit(event)


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
