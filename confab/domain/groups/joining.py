"""The user side of getting into and out of a group: applying to join, the requests owners and admins
answer, quitting (reference/groups.md §2, "Join / invite options"; §4 roles).

Who may apply is the type record's `apply_join`; how is the group's ApplyJoinOption where the type
has one (`apply_option_supported`), else free (communities, live groups). A NeedPermission group
keeps a `group_requests` row (kind "apply") until an owner or admin answers it; invitations waiting
for approval (InviteJoinOption NeedPermission, members.add) are rows of kind "invite", answered the
same way. Codes are the vendor's: 10013 already a member, 10024 request already handled, 10009 the
owner may not quit this type of group, 10014 full, 10007 not allowed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.domain.groups import bans, live, model, notices, roster
from confab.domain.groups.model import Group
from confab.domain.groups.roster import NewMember
from confab.domain.groups.types import Role
from confab.domain.limits import utf8_len
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.groups import group_members, group_requests, groups
from confab.webhooks import before

if TYPE_CHECKING:
    from confab.runtime import Runtime

MESSAGE_MAX = 300  # bytes of an application's message to the approvers
PENDING_MAX = 500  # requests listed per call, newest first

JOINED = 1  # as add_group_member's per-user Result: 1 joined, 3 waiting for approval
PENDING = 3

FEED_JOINED = "group.joined"
FEED_LEFT = "group.left"
FEED_REQUEST = "group.join_request"
FEED_REQUEST_DONE = "group.join_request_done"

BEFORE_APPLY = before.Site("Group.CallbackBeforeApplyJoinGroup", reject_code=10016, custom=(10100, 10200))

m = group_members.c
r = group_requests.c

_APPROVERS = sa.select(m.user_id).where(
    m.sdkappid == sa.bindparam("app"), m.group_id == sa.bindparam("gid"), m.role >= int(Role.ADMIN)
)  # ix_group_members_role: a range scan whatever the group's size
_REQUEST = sa.select(group_requests).where(
    r.sdkappid == sa.bindparam("app"), r.group_id == sa.bindparam("gid"), r.user_id == sa.bindparam("user")
)
_PENDING = (
    sa.select(group_requests, groups.c.type)
    .select_from(
        group_members.join(group_requests, sa.and_(r.sdkappid == m.sdkappid, r.group_id == m.group_id)).join(
            groups, sa.and_(groups.c.sdkappid == m.sdkappid, groups.c.group_id == m.group_id)
        )
    )
    .where(m.sdkappid == sa.bindparam("app"), m.user_id == sa.bindparam("user"), m.role >= int(Role.ADMIN))
    .order_by(r.created_at.desc(), r.group_id, r.user_id)
    .limit(PENDING_MAX)
)


def _request_wire(user: str, kind: str, inviter: str, message: str, at: int) -> dict[str, Any]:
    return {"Member_Account": user, "Kind": kind, "Inviter": inviter, "Message": message, "RequestTime": at}


def _check_message(message: str) -> str:
    if utf8_len(message) > MESSAGE_MAX:
        raise ApiError(10004, f"the message to the approvers is at most {MESSAGE_MAX} bytes")
    return message


def _require_room(group: Group) -> None:
    if roster.room_left(group) == 0:
        raise ApiError(10014, f"the group is full ({group.max_member_num} members)")


async def _approvers(conn: Any, group: Group) -> list[str]:
    rows = await conn.execute(_APPROVERS, {"app": group.sdkappid, "gid": group.group_id})
    return [row[0] for row in rows]


async def _admit(tx: Tx, rt: Runtime, app: App, group: Group, user: str, *, operator: str, how: str) -> None:
    """Make `user` a member and announce it: the event first, so the gateway indexes the newcomer
    before the join tip goes out and their devices get it too."""
    await roster.insert(tx, group, [NewMember(user)])
    notices.publish(tx, rt, notices.MembersJoined(**notices.event_base(group, operator), user_ids=[user], how=how))
    notices.if_full(tx, rt, group, operator)
    await notices.tip(
        tx, rt, app, group, "MemberJoin", operator, {"Members_Account": [user], "How": how}, member_tip=True
    )
    await notices.tell(tx, rt, group, [user], FEED_JOINED, {"Operator": operator, "How": how})


async def apply(rt: Runtime, app: App, group_id: str, *, operator: str, message: str = "") -> dict[str, int]:
    """A user asks to join. Returns {"Result": 1} when they are in, {"Result": 3} when an owner or
    admin must approve first (they get a "group.join_request" feed entry). Joining a live group is
    joining its room (live.py: no row, no approval)."""
    _check_message(message)
    await _ask_before_apply(rt, app, group_id, operator)
    joined_live = await live.join(rt, app, group_id, operator)
    if joined_live is not None:
        return joined_live
    now = int(time.time())
    async with notices.full_refusals(rt, app, group_id, operator), rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        gtype = group.gtype
        if not gtype.apply_join:
            raise ApiError(10007, f"users cannot ask to join {gtype.name} groups; a member invites them")
        if await model.member(tx, group, operator) is not None:
            raise ApiError(10013, "you are already a member of the group")
        if await bans.is_banned(tx, group, operator):
            raise ApiError(10007, "you are banned from this group")
        option = group.apply_join_option if gtype.apply_option_supported else "FreeAccess"
        if option == "DisableApply":
            raise ApiError(10007, "the group does not accept applications")
        _require_room(group)
        if option == "FreeAccess":
            await _admit(tx, rt, app, group, operator, operator=operator, how="applied")
            return {"Result": JOINED}
        # NeedPermission: one pending request per user and group; asking again refreshes it
        await tx.execute(group_requests.delete().where(group.where(group_requests), r.user_id == operator))
        await tx.execute(
            group_requests.insert().values(
                sdkappid=app.sdkappid,
                group_id=group_id,
                user_id=operator,
                kind="apply",
                inviter="",
                message=message,
                created_at=now,
            )
        )
        request = _request_wire(operator, "apply", "", message, now)
        await notices.tell(tx, rt, group, await _approvers(tx, group), FEED_REQUEST, request)
    return {"Result": PENDING}


async def _ask_before_apply(rt: Runtime, app: App, group_id: str, user: str) -> None:
    """Group.CallbackBeforeApplyJoinGroup, before anything is written. An allowed application may
    still need approval."""
    if not app.settings.webhook.on(BEFORE_APPLY.command):
        return
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
    if not group.gtype.apply_join or (group.gtype.live and live.watching(rt, app.sdkappid, group_id, user)):
        return  # refused anyway (10007), or a live watcher back after a reconnect
    body = {"GroupId": group_id, "Type": group.gtype.name, "Requestor_Account": user, "EventTime": before.event_time()}
    verdict = await BEFORE_APPLY.ask(rt, app, body)
    if verdict is not None and verdict.action == "reject":
        raise ApiError(verdict.code, verdict.info)


async def pending(rt: Runtime, app: App, user: str) -> dict[str, list[dict[str, Any]]]:
    """Requests waiting in the groups the user owns or administers, newest first (at most 500)."""
    async with rt.store.read() as conn:
        rows = (await conn.execute(_PENDING, {"app": app.sdkappid, "user": user})).all()
    return {
        "RequestList": [
            {"GroupId": row.group_id, "Type": row.type}
            | _request_wire(row.user_id, row.kind, row.inviter, row.message, row.created_at)
            for row in rows
        ]
    }


async def answer(rt: Runtime, app: App, group_id: str, user: str, *, operator: str | None, accept: bool) -> None:
    """An owner or admin (or the app admin) accepts or refuses `user`'s request (or invitation)."""
    async with notices.full_refusals(rt, app, group_id, notices.who(app, operator)), rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        role = await model.role_of(tx, app, group, operator)
        if role is None or role < Role.ADMIN:
            raise ApiError(10007, "only the group's owner and admins answer join requests")
        row = (await tx.execute(_REQUEST, {"app": app.sdkappid, "gid": group_id, "user": user})).first()
        if row is None:
            raise ApiError(10024, f"no pending request from {user!r}: it has been handled already")
        who = notices.who(app, operator)
        if accept:
            _require_room(group)
            if not await accounts.existing(tx.conn, app.sdkappid, [user]):
                raise ApiError(10019, f"{user!r} is no longer an account of this app")
            how = "approved" if row.kind == "apply" else "invited"
            await _admit(tx, rt, app, group, user, operator=who, how=how)  # clears the request row
        else:
            await tx.execute(group_requests.delete().where(group.where(group_requests), r.user_id == user))
        done = _request_wire(user, row.kind, row.inviter, row.message, row.created_at)
        done |= {"Accepted": int(accept), "Operator": who}
        told = dict.fromkeys([user, *([row.inviter] if row.inviter else []), *await _approvers(tx, group)])
        await notices.tell(tx, rt, group, list(told), FEED_REQUEST_DONE, done)


async def leave(rt: Runtime, app: App, group_id: str, *, operator: str) -> None:
    """A member leaves. The owner may leave only where the type allows it (Work groups: the group is
    then ownerless); elsewhere they hand the group over or disband it first (10009). Leaving a live
    group is leaving its room."""
    if await live.quit(rt, app, group_id, operator):
        return
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        me = await model.member(tx, group, operator)
        if me is None:
            raise ApiError(10007, "you are not a member of the group")
        if me.role is Role.OWNER and not group.gtype.owner_may_quit:
            raise ApiError(10009, f"the owner of a {group.gtype.name} group cannot quit: transfer or disband it")
        await roster.remove(tx, group, [operator])
        if group.active:  # the tip before the event, so the leaver's other devices still see it
            body = {"Members_Account": [operator]}
            await notices.tip(tx, rt, app, group, "MemberQuit", operator, body, member_tip=True)
        notices.publish(
            tx, rt, notices.MembersLeft(**notices.event_base(group, operator), user_ids=[operator], how="quit")
        )
        await notices.tell(tx, rt, group, [operator], FEED_LEFT, {"Operator": operator, "How": "quit"})
