"""Roaming history of a one-to-one conversation, seen from one party (admin_getroammsg, seed 3855-4388).

Pages run from MaxTime backwards: each page holds the newest messages at or before the cursor,
listed oldest first; `LastMsgTime`/`LastMsgKey` name the oldest one, and the next request passes
them back (MaxTime = LastMsgTime, LastMsgKey) to continue below it. One indexed range scan per page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.domain.c2c.model import FLAG_RECALLED, StoredMessage, hidden_flag, pair, parse_msg_key
from confab.errors import ApiError
from confab.store.tables.c2c import c2c_conversations, c2c_messages

if TYPE_CHECKING:
    from confab.runtime import Runtime

PAGE_BYTES = 13 * 1024  # "the upper size limit (currently 13 KB) of the response" (seed 3899)
MAX_PAGE = 1000  # rows read per page at most, whatever MaxCnt asks

_encode = msgspec.json.Encoder().encode
m = c2c_messages.c

_BASE = sa.select(
    m.id, m.user_lo, m.user_hi, m.from_lo, m.msg_time, m.msg_seq, m.msg_random, m.body, m.cloud_data, m.flags
).where(
    m.sdkappid == sa.bindparam("app"),
    m.user_lo == sa.bindparam("lo"),
    m.user_hi == sa.bindparam("hi"),
    m.msg_time >= sa.bindparam("min_time"),
    m.msg_time <= sa.bindparam("max_time"),
    m.flags.op("&")(sa.bindparam("hidden")) == 0,
    m.id > sa.bindparam("cleared"),
)
_ORDER = (m.msg_time.desc(), m.msg_seq.desc(), m.msg_random.desc())
_PAGE = _BASE.order_by(*_ORDER).limit(sa.bindparam("n"))
_PAGE_BELOW = (
    _BASE.where(
        sa.tuple_(m.msg_time, m.msg_seq, m.msg_random)
        < sa.tuple_(sa.bindparam("ct"), sa.bindparam("cs"), sa.bindparam("cr"))
    )
    .order_by(*_ORDER)
    .limit(sa.bindparam("n"))
)
_SIDES = sa.select(c2c_conversations.c.owner, c2c_conversations.c.read_time, c2c_conversations.c.cleared_id).where(
    c2c_conversations.c.sdkappid == sa.bindparam("app"),
    c2c_conversations.c.owner.in_(sa.bindparam("users", expanding=True)),
    c2c_conversations.c.peer.in_(sa.bindparam("users", expanding=True)),
)


async def roam(
    rt: Runtime,
    app: App,
    owner: str,
    peer: str,
    *,
    max_cnt: int,
    min_time: int,
    max_time: int,
    last_msg_key: str | None = None,
    check_accounts: bool = True,
) -> dict[str, Any]:
    if max_cnt <= 0:
        raise ApiError(90001, "MaxCnt must be a positive number")
    cursor = None
    if last_msg_key:
        cursor = parse_msg_key(last_msg_key)
        if cursor is None:
            raise ApiError(90001, f"LastMsgKey {last_msg_key!r} is not a MsgKey this server issued")
    lo, hi = pair(owner, peer)
    want = min(max_cnt, MAX_PAGE)
    async with rt.store.read() as conn:
        if check_accounts:
            await accounts.require(
                conn, app.sdkappid, ("Operator_Account", owner, 90008), ("Peer_Account", peer, 90003)
            )
        sides = {r.owner: r for r in await conn.execute(_SIDES, {"app": app.sdkappid, "users": [owner, peer]})}
        mine = sides.get(owner)
        params = {
            "app": app.sdkappid,
            "lo": lo,
            "hi": hi,
            "min_time": min_time,
            "max_time": max_time,
            "hidden": hidden_flag(owner, lo),
            "cleared": mine.cleared_id if mine else 0,
            "n": want + 1,
        }
        if cursor is None:
            rows = (await conn.execute(_PAGE, params)).all()
        else:
            seq, random, msg_time = cursor
            rows = (await conn.execute(_PAGE_BELOW, {**params, "ct": msg_time, "cs": seq, "cr": random})).all()

    read_time = {user: (sides[user].read_time if user in sides else 0) for user in (owner, peer)}
    complete = len(rows) <= want
    picked: list[dict[str, Any]] = []
    size = 0
    for row in rows[:want]:  # newest first
        msg = StoredMessage.from_row(row)
        item = msg.wire(is_peer_read=msg.msg_time <= read_time[msg.to_account] and not msg.flags & FLAG_RECALLED)
        item_size = len(msg.body) + len(msg.cloud_data or "") + 200
        if picked and size + item_size > PAGE_BYTES:
            complete = False
            break
        size += item_size
        picked.append(item)
    picked.reverse()
    oldest = picked[0] if picked else None
    return {
        "Complete": 1 if complete else 0,
        "MsgCnt": len(picked),
        "LastMsgTime": oldest["MsgTimeStamp"] if oldest else 0,
        "LastMsgKey": oldest["MsgKey"] if oldest else "",
        "MsgList": picked,
    }
