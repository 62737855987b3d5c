"""Live groups (AVChatRoom): membership is presence (seed 004 lines 17484-18948, issue 14).

Who is watching lives in memory, per process, in the gateway's `LiveRooms` (realtime/live_rooms.py);
both transports reach it only through these functions, so a directory shared by several processes can
take its place behind the same calls (docs/architecture.md, "Live groups"). What must outlive a
connection is stored (`group_live_roles`): live admins, who need not be watching (at most 5), and
robots, shown in the online list without being connected (mark 500, for three days).

Joining writes nothing: it reads the group and its bans (one read) and announces the newcomer with a
`MembersJoined` event (the gateway's group index then delivers the room's messages to them). The room's
join and quit tips are pushed while it has fewer than TIPS_BELOW watchers: beyond that a tip per
arrival would cost the room more deliveries than its messages (the seed's same threshold, 18519).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts, profiles
from confab.domain.apps import App
from confab.domain.groups import bans, model, notices, types
from confab.domain.groups.model import Group
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.store.tables.groups import group_live_roles
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.realtime.live_rooms import LiveRooms
    from confab.runtime import Runtime

ADMINS_MAX = 5  # live admins per group (seed 17851)
ACCOUNTS_MAX = 500  # accounts per call (modify_user_info's 500, seed 18853; applied to every list here)
ROBOTS_MAX = 100  # robots per group (not documented: they all fit the first page of the online list)
ROBOT_SECONDS = 3 * 86400  # mark 500: "always online ... for a maximum of three days" (seed 18912)
ONLINE_LIST_MAX = 1000  # only the newest 1,000 online members are listed (seed 18517)
PAGE_MAX = 500  # members per get_members page (seed 18571-18577)
MARKS_PER_GROUP = 10  # distinct marks in use in one group (seed 18723)
MARK_MEMBERS_MAX = 1000  # members carrying one mark (seed 18724)
MARK_ROBOT = 500
MARK_HIDDEN = 600
MARK_MIN = 1000  # custom marks are 1000 and up
TIPS_BELOW = 300
SET, CANCEL = 1, 2  # CommandType of modify_admin and modify_user_info
AFTER_JOIN = "Group.CallbackAfterNewMemberJoin"
AFTER_EXIT = "Group.CallbackAfterMemberExit"
STATE_CHANGE = "Group.CallbackOnMemberStateChange"

_roles = group_live_roles
_announcing: set[asyncio.Task] = set()  # room changes on their way through a transaction (held from the GC)
log = logging.getLogger("confab.groups")


class LiveStateChanged(notices.GroupEvent, frozen=True):
    """Watchers went Offline (no connection past the grace) or came back Online (seed 33230-33280);
    the webhooks send Group.CallbackOnMemberStateChange from it."""

    state: str  # "Offline" or "Online"
    user_ids: list[str]


class LiveMarksChanged(notices.GroupEvent, frozen=True):
    """Member marks were set (command 1) or removed (2) on these watchers (modify_user_info)."""

    command: int
    members: list[dict[str, Any]]  # [{"Member_Account", "Marks"}] as the reply lists them


def rooms(rt: Runtime) -> LiveRooms:
    if rt.hub is None:
        raise ApiError(10002, "this process runs no gateway, so it has no live groups")
    return rt.hub.live


def watching(rt: Runtime, sdkappid: int, group_id: str, user: str) -> bool:
    return rt.hub is not None and rt.hub.live.watching(sdkappid, group_id, user)


async def _live_group(conn: Any, app: App, group_id: str, what: str) -> Group:
    group = await model.get(conn, app.sdkappid, group_id)
    if not group.gtype.live:
        raise ApiError(10007, f"{what} is for live groups (AVChatRoom) only, not {group.gtype.name}")
    return group


def _accounts(values: list[str] | None, field: str) -> list[str]:
    users = list(dict.fromkeys(require_user_id(v, field, 10004) for v in values or []))
    if not users:
        raise ApiError(10004, f"{field} must name at least one account")
    if len(users) > ACCOUNTS_MAX:
        raise ApiError(10004, f"{field} holds at most {ACCOUNTS_MAX} accounts")
    return users


# -- joining and leaving (from the gateway) ----------------------------------------------------------


async def join(rt: Runtime, app: App, group_id: str, user: str) -> dict[str, int] | None:
    """The device's user joins the live group (None when the group is not a live one). Joining
    again while watching is harmless: a client rejoins after every reconnect."""
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        if not group.gtype.live:
            return None
        if await bans.is_banned(conn, group, user):
            raise ApiError(10007, "you are banned from this group")
    here = rooms(rt)
    if here.join(app.sdkappid, group_id, user, grace=app.settings.live_offline_seconds):
        events: list[Any] = [notices.MembersJoined(**notices.event_base(group, user), user_ids=[user], how="applied")]
        if here.online_count(app.sdkappid, group_id) < TIPS_BELOW:
            events.append(notices.pushed_tip(group, "MemberJoin", user, {"Members_Account": [user], "How": "applied"}))
        await _announce(rt, app, events, AFTER_JOIN)
    return {"Result": 1}


async def quit(rt: Runtime, app: App, group_id: str, user: str) -> bool:
    """The device's user stops watching (False when the group is not a live one). The owner may:
    leaving a live group is only leaving the room, and the owner stays the owner."""
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
    if not group.gtype.live:
        return False
    here = rooms(rt)
    if not here.leave(app.sdkappid, group_id, [user]):
        raise ApiError(10007, "you are not in this live group")
    events: list[Any] = [notices.MembersLeft(**notices.event_base(group, user), user_ids=[user], how="quit")]
    if here.online_count(app.sdkappid, group_id) < TIPS_BELOW:
        events.insert(
            0, notices.pushed_tip(group, "MemberQuit", user, {"Members_Account": [user]})
        )  # the leaver sees it too
    await _announce(rt, app, events, AFTER_EXIT)
    return True


def on_room_change(rt: Runtime, sdkappid: int, group_id: str, state: str, users: list[str]) -> None:
    """LiveRooms' report of watchers turning Offline, Online again, or dropped after their window."""
    base: dict[str, Any] = {"sdkappid": sdkappid, "at": int(time.time()), "group_id": group_id}
    base["group_type"] = types.LIVE.name
    event: notices.GroupEvent
    if state == "Dropped":
        event, command = notices.MembersLeft(**base, operator="", user_ids=users, how="offline"), AFTER_EXIT
    else:
        event, command = LiveStateChanged(**base, operator="", state=state, user_ids=users), STATE_CHANGE
    app = rt.apps.cached(sdkappid)  # LiveRooms reports synchronously: the app as last read
    if app is None or not app.settings.webhook.on(command):
        rt.bus.publish(event)
        return
    task = asyncio.ensure_future(_announce_later(rt, app, event, command))
    _announcing.add(task)
    task.add_done_callback(_announcing.discard)


async def _announce_later(rt: Runtime, app: App, event: notices.GroupEvent, command: str) -> None:
    try:
        await _announce(rt, app, [event], command)
    except Exception:
        log.exception("announcing a live room change failed; publishing it without its callback")
        rt.bus.publish(event)


async def _announce(rt: Runtime, app: App, events: list[Any], command: str) -> None:
    """Publish these events; when the app has the after-callback they make switched on, through a
    transaction of their own, as the webhook outbox writes its rows there (live presence itself
    writes nothing, so this costs a transaction only for apps that asked for the callback)."""
    if not app.settings.webhook.on(command):
        rt.bus.publish_all(events)
        return
    async with rt.store.tx() as tx:
        tx.emit(*events)


def count_members(rt: Runtime, group: Group) -> None:
    """A live group's MemberNum is who is watching (it has no member rows)."""
    if group.gtype.live and rt.hub is not None:
        group.member_num = rt.hub.live.online_count(group.sdkappid, group.group_id)


def watched_by(rt: Runtime, sdkappid: int, user: str) -> dict[str, int]:
    """The live groups the user is watching here: {GroupId: JoinTime}."""
    if rt.hub is None:
        return {}
    found = {}
    for group_id in rt.hub.live.rooms_of(sdkappid, user):
        watcher = rt.hub.live.watcher(sdkappid, group_id, user)
        if watcher is not None:
            found[group_id] = watcher.joined_us // 1_000_000
    return found


# -- the online list ----------------------------------------------------------------------------------

_STANDING = sa.select(_roles.c.user_id, _roles.c.since).where(
    _roles.c.sdkappid == sa.bindparam("app"),
    _roles.c.group_id == sa.bindparam("gid"),
    _roles.c.kind == sa.bindparam("kind"),
    sa.or_(_roles.c.until == 0, _roles.c.until > sa.bindparam("now")),
)


async def _standing(conn: Any, group: Group, kind: str) -> list[tuple[str, int]]:
    params = {"app": group.sdkappid, "gid": group.group_id, "kind": kind, "now": int(time.time())}
    rows = await conn.execute(_STANDING.order_by(_roles.c.since, _roles.c.user_id), params)
    return [(r.user_id, r.since) for r in rows]


async def _online_group(conn: Any, rt: Runtime, app: App, group_id: str, viewer: str | None) -> Group:
    """The group, once its type has an online list and the viewer (a device user; None for REST) is
    in it: watching a live group, a member of a Community."""
    group = await model.get(conn, app.sdkappid, group_id)
    if not group.gtype.online_list:
        raise ApiError(10007, f"{group.gtype.name} groups have no online member count or list")
    if viewer is not None and not app.is_admin(viewer):
        inside = (
            watching(rt, app.sdkappid, group_id, viewer)
            if group.gtype.live
            else await model.member(conn, group, viewer) is not None
        )
        if not inside:
            raise ApiError(10007, "only members of the group see who is online in it")
    return group


async def online_count(rt: Runtime, app: App, group_id: str, viewer: str | None = None) -> int:
    """get_online_member_num: watchers online plus robots (a live group), or members with a device
    connected (a Community, whose online list the get_members page also documents)."""
    async with rt.store.read() as conn:
        group = await _online_group(conn, rt, app, group_id, viewer)
        robots = await _standing(conn, group, "robot") if group.gtype.live else []
    if rt.hub is None:
        return len(robots)
    if not group.gtype.live:
        return rt.hub.groups.online_count(app.sdkappid, group_id)
    here = rt.hub.live
    extra = sum(1 for user, _ in robots if not here.watching(app.sdkappid, group_id, user))
    return here.online_count(app.sdkappid, group_id) + extra


def _profile_items(found: dict[str, dict[str, Any]], user: str) -> dict[str, str]:
    profile = found.get(user, {})
    return {"NickName": profile.get("Tag_Profile_IM_Nick", ""), "Avatar": profile.get("Tag_Profile_IM_Image", "")}


async def online_list(
    rt: Runtime, app: App, group_id: str, timestamp: int, mark: int | None, viewer: str | None = None
) -> dict[str, Any]:
    """get_members: robots first (page one), then the newest online watchers; members marked 600 only
    when `mark` asks for them; at most the newest 1,000, PAGE_MAX per page. `Timestamp` is the cursor
    (0 first; then the reply's `NextTimestamp`, the join time in µs of the last one listed)."""
    if timestamp < 0:
        raise ApiError(10004, "Timestamp is 0 for the first page, then the NextTimestamp of the last reply")
    async with rt.store.read() as conn:
        group = await _online_group(conn, rt, app, group_id, viewer)
        robots = await _standing(conn, group, "robot") if group.gtype.live and timestamp == 0 else []
    if mark is not None and mark != MARK_ROBOT:
        robots = []
    listed: list[tuple[str, int]] = [(u, since) for u, since in robots]
    more = False
    last_us = 0
    if rt.hub is not None and mark != MARK_ROBOT:
        if group.gtype.live:
            candidates = ((u, w.joined_us, w.marks) for u, w in rt.hub.live.newest(app.sdkappid, group_id))
        else:  # a Community's connected members have no join stamp here: rank them by UserID as a cursor
            online = sorted(rt.hub.groups.online(app.sdkappid, group_id))
            candidates = ((u, len(online) - i, set()) for i, u in enumerate(online))
        shown = {u for u, _ in listed}
        position = 0
        for user, joined_us, marks in candidates:
            if (mark is None and MARK_HIDDEN in marks) or (mark is not None and mark not in marks) or user in shown:
                continue
            position += 1
            if position > ONLINE_LIST_MAX:
                break
            if timestamp and joined_us >= timestamp:
                continue
            if len(listed) == PAGE_MAX:
                more = True
                break
            listed.append((user, joined_us // 1_000_000 if group.gtype.live else 0))
            last_us = joined_us
    if listed and not group.gtype.live:  # a Community's members: their JoinTime from their rows
        async with rt.store.read() as conn:
            rows = await model.members(conn, group, [u for u, _ in listed])
        listed = [(u, rows[u].join_time if u in rows else at) for u, at in listed]
    found = await profiles.load_profiles(rt, app, [u for u, _ in listed])
    members = [{"JoinTime": at, "Member_Account": u, **_profile_items(found, u)} for u, at in listed]
    return {"MemberList": members, "NextTimestamp": last_us if more and last_us else 0}


async def check_members(rt: Runtime, app: App, group_id: str, user_ids: list[str] | None) -> list[str]:
    """check_members: which of these users are in the live group (watching, or a robot), in the
    request's order; not limited to the 1,000 the online list shows (seed 18179)."""
    users = _accounts(user_ids, "Member_Account")
    async with rt.store.read() as conn:
        group = await _live_group(conn, app, group_id, "check_members")
        robots = {u for u, _ in await _standing(conn, group, "robot")}
    return [u for u in users if u in robots or watching(rt, app.sdkappid, group_id, u)]


# -- standing roles: live admins and robots -------------------------------------------------------------


async def _write_roles(
    rt: Runtime, app: App, group_id: str, kind: str, users: list[str], *, add: bool, what: str
) -> tuple[Group, list[str]]:
    """Add or remove standing roles; returns the group and the users whose role changed."""
    now = int(time.time())
    until = now + ROBOT_SECONDS if kind == "robot" else 0
    cap = ROBOTS_MAX if kind == "robot" else ADMINS_MAX
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)  # one writer of a group's roles at a time
        if not group.gtype.live:
            raise ApiError(10007, f"{what} is for live groups (AVChatRoom) only, not {group.gtype.name}")
        current = {u for u, _ in await _standing(tx, group, kind)}
        if add:
            missing = set(users) - await accounts.existing(tx.conn, app.sdkappid, users)
            if missing:
                raise ApiError(10004, f"not accounts of this app: {', '.join(sorted(missing))}")
            changed = [u for u in users if u not in current]
            if len(current) + len(changed) > cap:
                raise ApiError(10004, f"a live group has at most {cap} {kind}s ({len(current)} now)")
            stmt = upsert(tx.dialect, _roles, ("sdkappid", "group_id", "kind", "user_id"), ("since", "until"))
            rows = [{**group.key, "kind": kind, "user_id": u, "since": now, "until": until} for u in users]
            await tx.execute(stmt, rows)  # robots added again get three more days
        else:
            changed = [u for u in users if u in current]
            await tx.execute(
                _roles.delete().where(group.where(_roles), _roles.c.kind == kind, _roles.c.user_id.in_(users))
            )
    return group, changed


async def modify_admins(rt: Runtime, app: App, group_id: str, command: int, user_ids: list[str] | None) -> None:
    """modify_admin: CommandType 1 appoints live admins (at most 5 in all), 2 revokes them."""
    if command not in (SET, CANCEL):
        raise ApiError(10004, "CommandType is 1 (set administrators) or 2 (cancel them)")
    users = _accounts(user_ids, "Admin_Account")
    group, changed = await _write_roles(rt, app, group_id, "admin", users, add=command == SET, what="modify_admin")
    if changed:
        operator = notices.who(app, None)
        label, tip_type = ("Admin", "SetAdmin") if command == SET else ("Member", "CancelAdmin")
        base = notices.event_base(group, operator)
        rt.bus.publish_all(
            [
                notices.RolesChanged(**base, user_ids=changed, role=label),
                notices.pushed_tip(group, tip_type, operator, {"Members_Account": changed}),
            ]
        )


async def admin_list(rt: Runtime, app: App, group_id: str) -> list[dict[str, str]]:
    """get_admin_list: [{"Admin_Account", "Avatar", "NickName"}] by appointment time (then UserID)."""
    async with rt.store.read() as conn:
        group = await _live_group(conn, app, group_id, "get_admin_list")
        admins = [u for u, _ in await _standing(conn, group, "admin")]
    found = await profiles.load_profiles(rt, app, admins)
    return [{"Admin_Account": u, **_profile_items(found, u)} for u in admins]


async def set_robots(rt: Runtime, app: App, group_id: str, user_ids: list[str] | None, *, add: bool) -> None:
    """add_robots / del_robots: accounts fixed in the online list whether or not connected (mark 500)."""
    users = _accounts(user_ids, "Member_Account")
    await _write_roles(rt, app, group_id, "robot", users, add=add, what="add_robots" if add else "del_robots")


# -- member marks ---------------------------------------------------------------------------------------


def _marks(value: object) -> list[int]:
    if not isinstance(value, list) or not value:
        raise ApiError(10004, "Marks is a list of at least one mark")
    found = []
    for mark in value:
        if not isinstance(mark, int) or isinstance(mark, bool) or not (mark >= MARK_MIN or mark in (500, 600)):
            raise ApiError(10004, f"a mark is 500, 600 or a number from {MARK_MIN} up, not {mark!r}")
        found.append(mark)
    return list(dict.fromkeys(found))


async def set_marks(
    rt: Runtime, app: App, group_id: str, command: int, items: list[Any] | None
) -> list[dict[str, Any]]:
    """modify_user_info: CommandType 1 sets marks, 2 removes them, on online watchers only (marks go
    when the watcher leaves or goes Offline); mark 500 makes a robot (stored, for three days), which
    need not be online. Returns the members whose marks were set; none online: 10004."""
    if command not in (SET, CANCEL):
        raise ApiError(10004, "CommandType is 1 (set marks) or 2 (remove marks)")
    if not isinstance(items, list) or not items:
        raise ApiError(10004, "MemberList must name at least one member")
    if len(items) > ACCOUNTS_MAX:
        raise ApiError(10004, f"MemberList holds at most {ACCOUNTS_MAX} accounts")
    wanted: dict[str, list[int]] = {}
    for item in items:
        if not isinstance(item, dict):
            raise ApiError(10004, "each MemberList item is {Member_Account, Marks}")
        user = require_user_id(item.get("Member_Account"), "MemberList.Member_Account", 10004)
        wanted.setdefault(user, [])
        wanted[user] = list(dict.fromkeys(wanted[user] + _marks(item.get("Marks"))))
    async with rt.store.read() as conn:
        group = await _live_group(conn, app, group_id, "modify_user_info")
    robots = [u for u, marks in wanted.items() if MARK_ROBOT in marks]
    if robots:
        await set_robots(rt, app, group_id, robots, add=command == SET)
    here = rooms(rt)
    in_use = here.marks_in_use(app.sdkappid, group_id)
    done: list[dict[str, Any]] = []
    for user, marks in wanted.items():
        live_marks = [m for m in marks if m != MARK_ROBOT]
        watcher = here.watcher(app.sdkappid, group_id, user)
        if watcher is None:
            if user in robots:
                done.append({"Member_Account": user, "Marks": marks})
            continue
        if command == SET:
            for mark in live_marks:
                if mark in watcher.marks:
                    continue
                if mark not in in_use and len(in_use) >= MARKS_PER_GROUP:
                    raise ApiError(10004, f"a live group uses at most {MARKS_PER_GROUP} different marks")
                if in_use.get(mark, 0) >= MARK_MEMBERS_MAX:
                    raise ApiError(10004, f"mark {mark} is already set on {MARK_MEMBERS_MAX} members")
                watcher.marks.add(mark)
                in_use[mark] = in_use.get(mark, 0) + 1
        else:
            watcher.marks.difference_update(live_marks)
        done.append({"Member_Account": user, "Marks": marks})
    if not done:
        raise ApiError(10004, "none of these accounts is online in the live group")
    base = notices.event_base(group, notices.who(app, None))
    rt.bus.publish(LiveMarksChanged(**base, command=command, members=done))
    return done
