"""Muting group members (forbid_send_msg, get_group_muted_account; seed 004 lines 14720-15076).

A mute is a `group_mutes` row, kept when the member leaves: "muted users who leave and enter the
group again remain muted" (seed 14726). Who may mute is the type's `mute_role` (None: the type does
not support it, e.g. Work/Private groups); a device user may mute only those below them (an admin
mutes plain members), and nobody mutes the owner.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.domain.groups import model, notices, topics
from confab.domain.groups.model import FOREVER_SECONDS, PERMANENT, Group
from confab.domain.groups.types import Role
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.groups import group_mutes
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.runtime import Runtime

MUTE_ACCOUNTS_MAX = 500  # Members_Account (seed 14838)

_UNTIL = sa.select(group_mutes.c.until).where(
    group_mutes.c.sdkappid == sa.bindparam("app"),
    group_mutes.c.group_id == sa.bindparam("gid"),
    group_mutes.c.user_id == sa.bindparam("uid"),
)
_MUTED = (
    sa.select(group_mutes.c.user_id, group_mutes.c.until)
    .where(
        group_mutes.c.sdkappid == sa.bindparam("app"),
        group_mutes.c.group_id == sa.bindparam("gid"),
        group_mutes.c.until > sa.bindparam("now"),
    )
    .order_by(group_mutes.c.user_id)
)
_UNMUTE = group_mutes.delete().where(
    group_mutes.c.sdkappid == sa.bindparam("app"),
    group_mutes.c.group_id == sa.bindparam("gid"),
    group_mutes.c.user_id.in_(sa.bindparam("ids", expanding=True)),
)


def until_of(seconds: int, now: int) -> int:
    """The stored end of a mute of `seconds` (0 = none, 4294967295 = PERMANENT)."""
    if seconds == 0:
        return 0
    return PERMANENT if seconds >= FOREVER_SECONDS else now + seconds


async def mute_rows(tx: Tx, group: Group, user_ids: list[str], seconds: int) -> None:
    """The row writes: 0 deletes the users' mute rows, otherwise they are muted for `seconds` from now
    (4294967295: for ever). No checks: the caller has validated and holds `model.lock`."""
    if not user_ids:
        return
    if seconds == 0:
        for part in accounts.chunks(user_ids):
            await tx.execute(_UNMUTE, {"app": group.sdkappid, "gid": group.group_id, "ids": part})
        return
    until = until_of(seconds, int(time.time()))
    stmt = upsert(tx.dialect, group_mutes, ("sdkappid", "group_id", "user_id"), ("until",))
    rows = [{"sdkappid": group.sdkappid, "group_id": group.group_id, "user_id": u, "until": until} for u in user_ids]
    await tx.execute(stmt, rows)


def topic_scope(group: Group, topic_id: str) -> Group:
    """The group as a topic's mutes are keyed: their rows carry the topic's ID (it holds the group's)
    in group_mutes' group_id, so the mute code serves both (seed 14845-14847)."""
    return dataclasses.replace(group, group_id=topic_id)


async def mute(
    rt: Runtime,
    app: App,
    group_id: str,
    user_ids: list[str],
    seconds: int,
    *,
    operator: str | None,
    topic_id: str | None = None,
) -> None:
    """Mute these users for `seconds` (0 unmutes, 4294967295 for ever), in the group or in one of its
    topics (`topic_id`: topic-enabled communities). Muting needs each user to be a member where the
    type stores members (an AVChatRoom viewer may be muted whether watching or not); unmuting works
    for anyone, members or not (the mute outlives membership)."""
    users = list(dict.fromkeys(user_ids))
    if not users:
        raise ApiError(10004, "Members_Account must name at least one account")
    if len(users) > MUTE_ACCOUNTS_MAX:
        raise ApiError(10004, f"Members_Account holds at most {MUTE_ACCOUNTS_MAX} accounts")
    if not 0 <= seconds <= FOREVER_SECONDS:
        raise ApiError(10004, f"MuteTime is 0 (unmute) to {FOREVER_SECONDS} (for ever) seconds")
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        gtype = group.gtype
        if gtype.mute_role is None:
            raise ApiError(10007, f"{gtype.name} groups do not support muting members")
        role = await model.role_of(tx, app, group, operator)
        if role is None or role < gtype.mute_role:
            raise ApiError(10007, f"in {gtype.name} groups members are muted by the {gtype.mute_role.label}")
        missing = set(users) - await accounts.existing(tx.conn, app.sdkappid, users)
        if missing:
            raise ApiError(10004, f"not accounts of this app: {', '.join(sorted(missing))}")
        found = await model.members(tx, group, users)
        if seconds:
            if group.owner in users:
                raise ApiError(10007, f"the group owner {group.owner!r} cannot be muted")
            outside = [u for u in users if u not in found] if gtype.member_profiles else []
            if outside:
                raise ApiError(10004, f"not members of the group: {', '.join(sorted(outside))}")
        if role is not Role.APP_ADMIN:
            above = [u for u in users if (found[u].role if u in found else Role.MEMBER) >= role]
            if above:
                raise ApiError(10007, f"a {role.label} may not mute {', '.join(sorted(above))}")
        scope = group
        if topic_id is not None:
            await topics.require(tx, topics.community(group), topic_id)
            scope = topic_scope(group, topic_id)
        await mute_rows(tx, scope, users, seconds)
        await announce(tx, rt, app, group, users, seconds, notices.who(app, operator), topic_id=topic_id)


async def announce(
    tx: Tx,
    rt: Runtime,
    app: App,
    group: Group,
    users: list[str],
    seconds: int,
    who: str,
    *,
    topic_id: str | None = None,
) -> None:
    """The tip, feed entries and event of a mute change (forbid_send_msg, modify_group_member_info, a
    device); a topic's mute names its TopicId."""
    reported = model.mute_until_reported(until_of(seconds, int(time.time())))
    where = {"TopicId": topic_id} if topic_id else {}
    body = {"Members_Account": users, "MuteTime": seconds, **where}
    await notices.tip(tx, rt, app, group, "MemberMute", who, body)
    told = {"Operator": who, "MuteTime": seconds, "MutedUntil": reported, **where}
    await notices.tell(tx, rt, group, users, "group.muted", told)
    base = notices.event_base(group, who)
    notices.publish(tx, rt, notices.MembersMuted(**base, user_ids=users, seconds=seconds, topic_id=topic_id or ""))


async def muted(rt: Runtime, app: App, group_id: str, topic_id: str | None = None) -> list[tuple[str, int]]:
    """Users still muted in the group, or in one of its topics (members or not), and when their mute
    ends (4294967295 = never)."""
    now = int(time.time())
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        if topic_id is not None:
            await topics.require(conn, topics.community(group), topic_id)
            group = topic_scope(group, topic_id)
        rows = await conn.execute(_MUTED, {"app": group.sdkappid, "gid": group.group_id, "now": now})
        return [(r.user_id, model.mute_until_reported(r.until, now)) for r in rows]


async def muted_until(conn: Any, group: Group, user_id: str) -> int:
    """The stored end of the user's mute in this group if it is still running (PERMANENT for ever),
    else 0: the group send path's check (10017)."""
    until = (await conn.execute(_UNTIL, {"app": group.sdkappid, "gid": group.group_id, "uid": user_id})).scalar()
    return until if until and until > int(time.time()) else 0
