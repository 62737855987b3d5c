"""Banning members of a live group (ban_group_member, unban_group_member, get_group_ban_member;
seed 004 lines 14404-14719, 18949-19137).

A ban removes the user from the group and keeps them out (no joining, no messages) until it ends;
it is a `group_bans` row. Which types support bans, and the least role that may ban from a device,
is the type's `ban_role` (AVChatRoom only; others answer 10007).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.domain.groups import live, model, notices, roster
from confab.domain.groups.model import Group
from confab.domain.limits import utf8_len
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.groups import group_bans
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.runtime import Runtime

BAN_ACCOUNTS_MAX = 20  # Members_Account (10005; seed 14512)
DESCRIPTION_MAX = 1000  # bytes (seed 14516)
DURATION_MAX = 0xFFFFFFFF  # "a 32-bit unsigned integer"
LIST_LIMIT_MAX = 100  # get_group_ban_member Limit

_IS_BANNED = sa.select(group_bans.c.until).where(
    group_bans.c.sdkappid == sa.bindparam("app"),
    group_bans.c.group_id == sa.bindparam("gid"),
    group_bans.c.user_id == sa.bindparam("uid"),
)
_PAGE = (
    sa.select(group_bans.c.user_id, group_bans.c.until)
    .where(
        group_bans.c.sdkappid == sa.bindparam("app"),
        group_bans.c.group_id == sa.bindparam("gid"),
        group_bans.c.until > sa.bindparam("now"),
    )
    .order_by(group_bans.c.user_id)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)
_UNBAN = group_bans.delete().where(
    group_bans.c.sdkappid == sa.bindparam("app"),
    group_bans.c.group_id == sa.bindparam("gid"),
    group_bans.c.user_id.in_(sa.bindparam("ids", expanding=True)),
)


def _accounts(user_ids: list[str]) -> list[str]:
    users = list(dict.fromkeys(user_ids))
    if not users:
        raise ApiError(10004, "Members_Account must name at least one account")
    if len(users) > BAN_ACCOUNTS_MAX:
        raise ApiError(10005, f"Members_Account holds at most {BAN_ACCOUNTS_MAX} accounts")
    return users


async def _locked(tx: Tx, app: App, group_id: str, operator: str | None) -> Group:
    """The group, locked, once the type supports bans and the operator may ban."""
    group = await model.lock(tx, app.sdkappid, group_id)
    gtype = group.gtype
    if gtype.ban_role is None:
        raise ApiError(10007, f"{gtype.name} groups do not support banning members (AVChatRoom only)")
    role = await model.role_of(tx, app, group, operator)
    if role is None or role < gtype.ban_role:
        raise ApiError(10007, f"in {gtype.name} groups members are banned by the {gtype.ban_role.label}")
    return group


async def ban(
    rt: Runtime,
    app: App,
    group_id: str,
    user_ids: list[str],
    seconds: int,
    description: str = "",
    *,
    operator: str | None,
) -> None:
    """Ban these users for `seconds`: those in the group leave it, and none may come back until then."""
    users = _accounts(user_ids)
    if not 0 < seconds <= DURATION_MAX:
        raise ApiError(10004, f"Duration is 1 to {DURATION_MAX} seconds")
    if utf8_len(description) > DESCRIPTION_MAX:
        raise ApiError(10004, f"Description is at most {DESCRIPTION_MAX} bytes")
    async with rt.store.tx() as tx:
        group = await _locked(tx, app, group_id, operator)
        missing = set(users) - await accounts.existing(tx.conn, app.sdkappid, users)
        if missing:
            raise ApiError(10004, f"not accounts of this app: {', '.join(sorted(missing))}")
        if group.owner in users:
            raise ApiError(10007, f"the group owner {group.owner!r} cannot be banned")
        if operator in users:
            raise ApiError(10007, "one cannot ban oneself")
        now = int(time.time())
        until = now + seconds
        stmt = upsert(
            tx.dialect, group_bans, ("sdkappid", "group_id", "user_id"), ("banned_at", "until", "description")
        )
        rows = [
            {**group.key, "user_id": u, "banned_at": now, "until": until, "description": description} for u in users
        ]
        await tx.execute(stmt, rows)
        gone = await roster.remove(tx, group, users)
        if group.gtype.live:  # watchers have no rows: those in the room are put out (the hub sees the event)
            gone = [u for u in users if live.watching(rt, app.sdkappid, group.group_id, u)]
        who = notices.who(app, operator)
        body = {"Members_Account": users, "Duration": seconds, "Description": description}
        await notices.tip(tx, rt, app, group, "Ban", who, body)
        await notices.tell(
            tx,
            rt,
            group,
            users,
            "group.banned",
            {"Operator": who, "Duration": seconds, "BannedUntil": until, "Description": description},
        )
        events: list[notices.GroupEvent] = []
        base = notices.event_base(group, who)
        if gone:
            events.append(notices.MembersLeft(**base, user_ids=gone, how="banned", reason=description))
        events.append(notices.MembersBanned(**base, user_ids=users, seconds=seconds, description=description))
        notices.publish(tx, rt, *events)


async def unban(rt: Runtime, app: App, group_id: str, user_ids: list[str], *, operator: str | None) -> None:
    """Lift these users' bans (those not banned are left as they are); they may join again."""
    users = _accounts(user_ids)
    async with rt.store.tx() as tx:
        group = await _locked(tx, app, group_id, operator)
        await tx.execute(_UNBAN, {"app": group.sdkappid, "gid": group.group_id, "ids": users})
        who = notices.who(app, operator)
        await notices.tip(tx, rt, app, group, "Unban", who, {"Members_Account": users})
        await notices.tell(tx, rt, group, users, "group.unbanned", {"Operator": who})
        notices.publish(tx, rt, notices.MembersUnbanned(**notices.event_base(group, who), user_ids=users))


async def banned(
    rt: Runtime, app: App, group_id: str, offset: int = 0, limit: int = LIST_LIMIT_MAX, *, operator: str | None = None
) -> tuple[list[tuple[str, int]], int]:
    """One page of the users still banned and when each ban ends, and the next page's offset
    (0 when this page is the last), as get_group_ban_member pages by `Offset`/`NextOffset`."""
    if not 0 < limit <= LIST_LIMIT_MAX:
        raise ApiError(10004, f"Limit is 1 to {LIST_LIMIT_MAX}")
    if offset < 0:
        raise ApiError(10004, "Offset is 0 or more")
    now = int(time.time())
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        gtype = group.gtype
        if gtype.ban_role is None:
            raise ApiError(10007, f"{gtype.name} groups do not support banning members (AVChatRoom only)")
        role = await model.role_of(conn, app, group, operator)
        if role is None or role < gtype.ban_role:
            raise ApiError(10007, f"in {gtype.name} groups the ban list is read by the {gtype.ban_role.label}")
        params = {"app": group.sdkappid, "gid": group.group_id, "now": now, "limit": limit + 1, "offset": offset}
        rows = (await conn.execute(_PAGE, params)).all()
    page = [(r.user_id, r.until) for r in rows[:limit]]
    return page, (offset + limit if len(rows) > limit else 0)


_BANNED_AMONG = sa.select(group_bans.c.user_id).where(
    group_bans.c.sdkappid == sa.bindparam("app"),
    group_bans.c.group_id == sa.bindparam("gid"),
    group_bans.c.user_id.in_(sa.bindparam("uids", expanding=True)),
    group_bans.c.until > sa.bindparam("now"),
)


async def banned_among(conn: Any, group: Group, user_ids: list[str], now: int) -> set[str]:
    """Which of these users a running ban keeps out (none where the type has no bans)."""
    if group.gtype.ban_role is None:
        return set()
    found: set[str] = set()
    for start in range(0, len(user_ids), roster.CHUNK):
        part = user_ids[start : start + roster.CHUNK]
        rows = await conn.execute(
            _BANNED_AMONG, {"app": group.sdkappid, "gid": group.group_id, "uids": part, "now": now}
        )
        found.update(r[0] for r in rows)
    return found


async def is_banned(conn: Any, group: Group, user_id: str) -> bool:
    """Is the user kept out of the group by a running ban (joining is refused)?"""
    until = (await conn.execute(_IS_BANNED, {"app": group.sdkappid, "gid": group.group_id, "uid": user_id})).scalar()
    return bool(until and until > int(time.time()))
