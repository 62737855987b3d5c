"""Read state and unread counts (admin_set_msg_read seed 5315-5466, get_c2c_unread_msg_num 9498-9698).

Each side of a conversation keeps an exact unread counter (bumped by the storing transaction) and a
read time: the peer's messages at or before it are read, which is also what `IsPeerRead` reports.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts, feed
from confab.domain.apps import App
from confab.domain.c2c.model import (
    FEED_READ,
    FLAG_COUNTED_UNREAD,
    FLAG_RECALLED,
    C2CMessagesRead,
    hidden_flag,
    pair,
)
from confab.errors import ApiError
from confab.store.tables.c2c import c2c_conversations, c2c_messages
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.runtime import Runtime

MAX_PEERS = 10  # get_c2c_unread_msg_num Peer_Account (seed 9600)

conv = c2c_conversations.c
m = c2c_messages.c

_LOCK_SIDE = (
    c2c_conversations.update()
    .where(conv.sdkappid == sa.bindparam("app"), conv.owner == sa.bindparam("o_"), conv.peer == sa.bindparam("p_"))
    .values(read_time=sa.case((conv.read_time > sa.bindparam("t"), conv.read_time), else_=sa.bindparam("t")))
    .returning(conv.read_time, conv.cleared_id)
)
_STILL_UNREAD = sa.select(sa.func.count()).where(
    m.sdkappid == sa.bindparam("app"),
    m.user_lo == sa.bindparam("lo"),
    m.user_hi == sa.bindparam("hi"),
    m.msg_time > sa.bindparam("t"),
    m.from_lo == sa.bindparam("from_lo"),
    m.flags.op("&")(FLAG_COUNTED_UNREAD) != 0,
    m.flags.op("&")(FLAG_RECALLED) == 0,
    m.flags.op("&")(sa.bindparam("hidden")) == 0,
    m.id > sa.bindparam("cleared"),
)
_SET_UNREAD = (
    c2c_conversations.update()
    .where(conv.sdkappid == sa.bindparam("app"), conv.owner == sa.bindparam("o_"), conv.peer == sa.bindparam("p_"))
    .values(unread=sa.bindparam("n"))
)
_TOTAL = sa.select(sa.func.coalesce(sa.func.sum(conv.unread), 0)).where(
    conv.sdkappid == sa.bindparam("app"), conv.owner == sa.bindparam("o_")
)
_PER_PEER = sa.select(conv.peer, conv.unread).where(
    conv.sdkappid == sa.bindparam("app"),
    conv.owner == sa.bindparam("o_"),
    conv.peer.in_(sa.bindparam("peers", expanding=True)),
)


async def set_read(rt: Runtime, app: App, reader: str, peer: str, read_time: int | None = None) -> int:
    """Mark the peer's messages up to `read_time` (default now) read for the reader; returns the new
    unread count. Both parties' devices hear of it (the peer's drive IsPeerRead)."""
    now = int(time.time())
    t = now if read_time is None else read_time
    lo, hi = pair(reader, peer)
    async with rt.store.tx() as tx:
        await accounts.require(tx, app.sdkappid, ("Report_Account", reader, 90008), ("Peer_Account", peer, 90003))
        params = {"app": app.sdkappid, "o_": reader, "p_": peer, "t": t}
        # Updating the row first locks it, so a concurrent send's unread +1 lands after our recount.
        side = (await tx.execute(_LOCK_SIDE, params)).first()
        unread: int
        if side is None:
            stmt = upsert(rt.store.dialect, c2c_conversations, ("sdkappid", "owner", "peer"), ())
            await tx.execute(
                stmt,
                {
                    "sdkappid": app.sdkappid,
                    "owner": reader,
                    "peer": peer,
                    "last_time": 0,
                    "unread": 0,
                    "read_time": t,
                    "cleared_id": 0,
                    "listed": False,
                    "pinned_at": 0,
                },
            )
            unread = 0
        else:
            effective, cleared = int(side[0]), int(side[1])
            unread = (
                await tx.execute(
                    _STILL_UNREAD,
                    {
                        "app": app.sdkappid,
                        "lo": lo,
                        "hi": hi,
                        "t": effective,
                        "from_lo": peer == lo,
                        "hidden": hidden_flag(reader, lo),
                        "cleared": cleared,
                    },
                )
            ).scalar_one()
            await tx.execute(_SET_UNREAD, {**params, "n": unread})
            t = effective
        payload = {"Report_Account": reader, "Peer_Account": peer, "MsgReadTime": t, "UnreadMsgNum": unread}
        members = list(dict.fromkeys([reader, peer]))
        await feed.append(tx, rt.bus, app.sdkappid, [(u, FEED_READ, payload) for u in members])
        event = C2CMessagesRead(sdkappid=app.sdkappid, at=now, report_account=reader, peer_account=peer, read_time=t)
        tx.emit(event)
    return unread


async def total_unread(conn: Any, sdkappid: int, owner: str) -> int:
    """The owner's unread one-to-one messages across all conversations."""
    return int((await conn.execute(_TOTAL, {"app": sdkappid, "o_": owner})).scalar_one())


_TOTALS = (
    sa.select(conv.owner, sa.func.sum(conv.unread))
    .where(conv.sdkappid == sa.bindparam("app"), conv.owner.in_(sa.bindparam("owners", expanding=True)))
    .group_by(conv.owner)
)


async def total_unread_many(conn: Any, sdkappid: int, owners: list[str]) -> dict[str, int]:
    """total_unread for many owners: one grouped query per 500 (a batch of sends' callbacks)."""
    found: dict[str, int] = {}
    for part in accounts.chunks(list(dict.fromkeys(owners))):
        rows = await conn.execute(_TOTALS, {"app": sdkappid, "owners": part})
        found.update((str(owner), int(total or 0)) for owner, total in rows)
    return found


async def unread_counts(rt: Runtime, app: App, owner: str, peers: list[str] | None) -> dict[str, Any]:
    """get_c2c_unread_msg_num: the total, or per listed peer (unknown peers in ErrorList, 70107)."""
    if peers is not None and len(peers) > MAX_PEERS:
        raise ApiError(90001, f"Peer_Account holds at most {MAX_PEERS} accounts")
    async with rt.store.read() as conn:
        wanted = [owner, *(peers or [])]
        present = await accounts.existing(conn, app.sdkappid, wanted)
        if owner not in present:
            raise ApiError(90003, f"To_Account {owner!r} is not an account of this app")
        if peers is None:
            total: int = (await conn.execute(_TOTAL, {"app": app.sdkappid, "o_": owner})).scalar_one()
            return {"AllC2CUnreadMsgNum": int(total)}
        peers = list(dict.fromkeys(peers))
        known = [p for p in peers if p in present]
        counts: dict[str, int] = {}
        if known:
            rows = await conn.execute(_PER_PEER, {"app": app.sdkappid, "o_": owner, "peers": known})
            counts = {r.peer: r.unread for r in rows}
    reply: dict[str, Any] = {
        "C2CUnreadMsgNumList": [{"Peer_Account": p, "C2CUnreadMsgNum": counts.get(p, 0)} for p in known]
    }
    missing = [p for p in peers if p not in present]
    if missing:
        reply["ErrorList"] = [{"Peer_Account": p, "ErrorCode": 70107} for p in missing]
    return reply
