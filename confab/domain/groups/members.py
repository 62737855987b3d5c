"""Group members: adding, removing, importing, listing, editing one member, reading roles, and the
account purge (seed 004 lines 13916-14403, 15077-16682; reference/groups.md §2, §4, §7).

Every change holds the group's lock (`model.lock`) from the first check to the last write, so
MemberNum stays exact; statements are per call, never per member. `operator` None is the REST app
admin (acts as owner, skips role checks); a UserID is a user acting from a device.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.domain.groups import bans, fields, model, mutes, notices, roster
from confab.domain.groups.model import Group, Member, dumps
from confab.domain.groups.roster import NewMember
from confab.domain.groups.types import MSG_FLAGS, ROLE_BY_LABEL, Role
from confab.domain.limits import utf8_len
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.groups import (
    group_bans,
    group_members,
    group_mutes,
    group_receipts,
    group_requests,
    group_topic_reads,
    groups,
)
from confab.webhooks import before

if TYPE_CHECKING:
    from confab.runtime import Runtime

ADD_MAX = 300  # add_group_member (10005; seed 13994, 14123)
DELETE_MAX = 100  # delete_group_member (seed 14268; the page documents no 10005, so 10004)
IMPORT_MAX = 300  # import_group_member (10005; seed 15503, 15624)
ROLES_MAX = 500  # get_role_in_group (seed 15335; no 10005 documented, so 10004)
NAME_CARD_MAX = 50  # bytes (seed 16540, 16614)
LIST_ALL_MAX = 6000  # get_group_member_info without paging (ruling 18)
LIST_OFFSET_MAX = 200  # ... with Offset
LIST_NEXT_MAX = 100  # ... with Next
REPLY_MAX_BYTES = 1 << 20  # a member list over 1 MB answers 10018 (seed 16407)

FAILED, ADDED, ALREADY, PENDING = 0, 1, 2, 3  # add/import per-user Result (seed 14100-14102)

BEFORE_INVITE = before.Site("Group.CallbackBeforeInviteJoinGroup", reject_code=10016, custom=(10100, 10200))

_encode = msgspec.json.Encoder().encode
_gm = group_members


def _who(app: App, operator: str | None) -> str:
    return notices.who(app, operator)


def _unique(user_ids: list[str], field_name: str, most: int, too_many: int) -> list[str]:
    users = list(dict.fromkeys(user_ids))
    if not users:
        raise ApiError(10004, f"{field_name} must name at least one account")
    if len(users) > most:
        raise ApiError(too_many, f"{field_name} holds at most {most} accounts")
    return users


# -- adding ----------------------------------------------------------------------------------------


def _invites_need_approval(group: Group, role: Role | None) -> bool:
    """May this actor bring others in, and must they wait for approval (Result 3)? Owners, admins
    and the app admin add directly wherever the type allows adding; plain members only where the
    type lets members invite and InviteJoinOption is not DisableInvite."""
    if role is None:
        raise ApiError(10007, "only members of the group may invite others")
    if role >= Role.ADMIN:
        return False
    if not group.gtype.member_invite:
        raise ApiError(10007, f"members of {group.gtype.name} groups cannot invite others")
    if group.invite_join_option == "DisableInvite":
        raise ApiError(10007, "this group does not accept invitations (InviteJoinOption DisableInvite)")
    return group.invite_join_option == "NeedPermission"


async def _store_invites(tx: Tx, group: Group, user_ids: list[str], inviter: str, now: int) -> None:
    # one request per user and group: an invitation replaces a waiting application
    for part in accounts.chunks(user_ids):
        await tx.execute(group_requests.delete().where(group.where(group_requests), group_requests.c.user_id.in_(part)))
    rows = [
        {
            "sdkappid": group.sdkappid,
            "group_id": group.group_id,
            "user_id": u,
            "kind": "invite",
            "inviter": inviter,
            "message": "",
            "created_at": now,
        }
        for u in user_ids
    ]
    await tx.execute(group_requests.insert(), rows)


async def add(
    rt: Runtime,
    app: App,
    group_id: str,
    user_ids: list[str],
    *,
    operator: str | None,
    silence: bool = False,
    how: str = "added",
) -> list[dict[str, Any]]:
    """Bring users into the group (add_group_member; a device's invite). Returns
    [{"Member_Account", "Result"}]: 0 failed (banned, or refused by the app's webhook), 1 added,
    2 already a member, 3 waiting for approval. Unknown accounts fail the whole call with 10019, a
    group too full for all of them with 10014 (seed 14128, 14147)."""
    users = _unique(user_ids, "MemberList", ADD_MAX, 10005)
    now = int(time.time())
    who = notices.who(app, operator)
    refused = await _ask_before_invite(rt, app, group_id, users, who)
    async with notices.full_refusals(rt, app, group_id, who), rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        if not group.gtype.rest_add_members:
            raise ApiError(10007, f"members cannot be added to {group.gtype.name} groups: users join them themselves")
        role = await model.role_of(tx, app, group, operator)
        needs_approval = _invites_need_approval(group, role)
        missing = set(users) - await accounts.existing(tx, app.sdkappid, users)
        if missing:
            raise ApiError(10019, f"not accounts of this app: {', '.join(sorted(missing))}")
        present = await roster.member_ids(tx, group, users)
        banned = await bans.banned_among(tx, group, users, now)
        fresh = [u for u in users if u not in present and u not in banned and u not in refused]
        left = roster.room_left(group)
        if not needs_approval and left is not None and len(fresh) > left:
            raise ApiError(10014, f"the group is full: room for {left} more, {len(fresh)} asked")
        results = {u: ALREADY if u in present else FAILED for u in users}
        if fresh and needs_approval:
            await _store_invites(tx, group, fresh, who, now)
            await notices.tell(tx, rt, group, fresh, "group.invited", {"Operator": who})
            results.update((u, PENDING) for u in fresh)
        elif fresh:
            await roster.insert(tx, group, [NewMember(u) for u in fresh])
            # the event first (after-commit work runs in order): the gateway counts the newcomers in
            # before the join tip fans out, so they see it too
            event = notices.MembersJoined(**notices.event_base(group, who), user_ids=fresh, how=how)
            notices.publish(tx, rt, event)
            if not silence and group.active:  # inactive Work groups announce nothing (seed 13996-13998)
                body = {"Members_Account": fresh, "How": how}
                await notices.tip(tx, rt, app, group, "MemberJoin", who, body, member_tip=True)
            await notices.tell(tx, rt, group, fresh, "group.joined", {"Operator": who, "How": how})
            notices.if_full(tx, rt, group, who)
            results.update((u, ADDED) for u in fresh)
    return [{"Member_Account": u, "Result": results[u]} for u in users]


async def _ask_before_invite(rt: Runtime, app: App, group_id: str, users: list[str], who: str) -> set[str]:
    """Group.CallbackBeforeInviteJoinGroup, before anything is written: refuses the whole call (10016
    or the app's code), or returns the members it refuses alone (RefusedMembers_Account: Result 0)."""
    if not app.settings.webhook.on(BEFORE_INVITE.command):
        return set()
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
    if not group.gtype.rest_add_members:
        return set()  # refused anyway (10007): nothing to ask about
    body = {
        "GroupId": group_id,
        "Type": group.gtype.name,
        "Operator_Account": who,
        "DestinationMembers": [{"Member_Account": u} for u in users],
        "EventTime": before.event_time(),
    }
    verdict = await BEFORE_INVITE.ask(rt, app, body)
    if verdict is None:
        return set()
    if verdict.action == "reject":
        raise ApiError(verdict.code, verdict.info)
    named = verdict.reply.get("RefusedMembers_Account")
    return {u for u in named if isinstance(u, str)} if isinstance(named, list) else set()


# -- removing --------------------------------------------------------------------------------------


def _check_kick(group: Group, role: Role | None, targets: list[Member]) -> None:
    """A device user removes others only as the type allows: its kick role or above, and only
    members below their own role (an admin removes plain members; nobody removes the owner)."""
    kick_role = group.gtype.kick_role
    if kick_role is None:
        raise ApiError(10007, f"nobody removes members of {group.gtype.name} groups (mute them instead)")
    if role is None or role < kick_role:
        raise ApiError(10007, f"in {group.gtype.name} groups members are removed by the {kick_role.label}")
    for target in targets:
        if target.role >= role:
            raise ApiError(10007, f"{target.user_id!r} is a {target.role.label}: you may remove only members below you")


async def delete(
    rt: Runtime,
    app: App,
    group_id: str,
    user_ids: list[str],
    *,
    operator: str | None,
    silence: bool = False,
    reason: str = "",
) -> list[str]:
    """Remove members (delete_group_member; a device's kick). Users who are not members succeed
    too (seed 14271); returns those actually removed. The owner removed by the app admin leaves the
    group without an owner."""
    users = _unique(user_ids, "MemberToDel_Account", DELETE_MAX, 10004)
    who = notices.who(app, operator)
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        if not group.gtype.rest_delete_members:
            raise ApiError(10004, f"members of {group.gtype.name} groups cannot be removed (mute them instead)")
        role = await model.role_of(tx, app, group, operator)
        found = await model.members(tx, group, users)
        if role is not Role.APP_ADMIN:
            _check_kick(group, role, list(found.values()))
        gone = await roster.remove(tx, group, list(found))
        if gone:
            if not silence and group.active:  # the tip before the event: those removed see it too
                body = {"Members_Account": gone, "Reason": reason}
                await notices.tip(tx, rt, app, group, "MemberKick", who, body, member_tip=True)
            await notices.tell(tx, rt, group, gone, "group.left", {"Operator": who, "How": "kicked", "Reason": reason})
            event = notices.MembersLeft(**notices.event_base(group, who), user_ids=gone, how="kicked", reason=reason)
            notices.publish(tx, rt, event)
    return gone


# -- importing -------------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportMember:
    user_id: str
    role: Role = Role.MEMBER
    join_time: int = 0  # 0 = now
    unread: int = 0  # UnreadMsgNum


async def import_members(rt: Runtime, app: App, group_id: str, entries: list[ImportMember]) -> list[dict[str, Any]]:
    """import_group_member: members with their JoinTime and unread count, without tips or feed
    entries (seed 15430-15431). Per-user Result 0 for an unknown account or a JoinTime outside
    [the group's creation, now] (seed 15466-15467), 2 for a member already in."""
    unique: dict[str, ImportMember] = {}
    for entry in entries:
        unique.setdefault(entry.user_id, entry)
    if not unique:
        raise ApiError(10004, "MemberList must name at least one member")
    if len(unique) > IMPORT_MAX:
        raise ApiError(10005, f"MemberList holds at most {IMPORT_MAX} members")
    for entry in unique.values():
        if entry.role not in (Role.MEMBER, Role.ADMIN):
            raise ApiError(10004, "Role may only be Admin (or absent)")
        if entry.unread < 0 or entry.join_time < 0:
            raise ApiError(10004, "JoinTime and UnreadMsgNum are not negative")
    now = int(time.time())
    users = list(unique)
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        if not group.gtype.importable:
            raise ApiError(10007, f"members cannot be imported into {group.gtype.name} groups")
        if not group.gtype.has_admins and any(e.role is Role.ADMIN for e in unique.values()):
            raise ApiError(10004, f"{group.gtype.name} groups have no admins")
        known = await accounts.existing(tx, app.sdkappid, users)
        present = await roster.member_ids(tx, group, users)
        results = {u: ALREADY if u in present else FAILED for u in users}
        fresh = [
            e
            for e in unique.values()
            if e.user_id in known
            and e.user_id not in present
            and (e.join_time == 0 or group.created_at <= e.join_time <= now)
        ]
        left = roster.room_left(group)
        if left is not None and len(fresh) > left:
            raise ApiError(10014, f"the group is full: room for {left} more, {len(fresh)} to import")
        last_seq = group.next_msg_seq - 1  # unread beyond the group's messages counts them all
        # the unread messages are after the member's read seq and not before their join seq (listing.unread)
        read = {e.user_id: max(0, last_seq - e.unread) for e in fresh}
        new = [
            NewMember(e.user_id, e.role, join_time=e.join_time, read_seq=read[e.user_id], join_seq=read[e.user_id] + 1)
            for e in fresh
        ]
        await roster.insert(tx, group, new)
        if new:
            who = notices.who(app, None)  # imports are REST only
            added = [m.user_id for m in new]
            event = notices.MembersJoined(**notices.event_base(group, who), user_ids=added, how="imported")
            notices.publish(tx, rt, event)
            results.update((u, ADDED) for u in added)
    return [{"Member_Account": u, "Result": results[u]} for u in users]


# -- listing ---------------------------------------------------------------------------------------

# Keyset pages on the primary key (sdkappid, group_id, user_id), or on the role index
# (sdkappid, group_id, role, user_id) one role at a time: a range scan whatever the group's size.
_PAGE = (
    model.MEMBER_SELECT.where(
        _gm.c.sdkappid == sa.bindparam("app"),
        _gm.c.group_id == sa.bindparam("gid"),
        _gm.c.user_id > sa.bindparam("after"),
    )
    .order_by(_gm.c.user_id)
    .limit(sa.bindparam("n"))
    .offset(sa.bindparam("skip"))
)
_ROLE_PAGE = (
    model.MEMBER_SELECT.where(
        _gm.c.sdkappid == sa.bindparam("app"),
        _gm.c.group_id == sa.bindparam("gid"),
        _gm.c.role == sa.bindparam("role"),
        _gm.c.user_id > sa.bindparam("after"),
    )
    .order_by(_gm.c.user_id)
    .limit(sa.bindparam("n"))
    .offset(sa.bindparam("skip"))
)
_ROLE_COUNT = sa.select(sa.func.count()).where(
    _gm.c.sdkappid == sa.bindparam("app"), _gm.c.group_id == sa.bindparam("gid"), _gm.c.role == sa.bindparam("role")
)

_ALL = "a"  # the cursor's segment when no role filter applies


def _cursor(segment: str, user_id: str) -> str:
    return base64.urlsafe_b64encode(f"{segment}{user_id}".encode()).decode().rstrip("=")


def _read_cursor(text: str, segments: list[str]) -> tuple[int, str]:
    """(index of the segment to resume in, the last UserID returned); "" = from the start."""
    if text == "":
        return 0, ""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(10004, "Next is not a value this server returned") from None
    if len(raw) < 2 or raw[0] not in segments:
        raise ApiError(10004, "Next does not belong to this query (pass the Next of the previous reply)")
    return segments.index(raw[0]), raw[1:]


def _segment(role: Role | None) -> str:
    return _ALL if role is None else str(int(role))


async def _scan(
    conn: Any, group: Group, roles: list[Role | None], start: int, after: str, skip: int, want: int
) -> list[tuple[str, Any]]:
    """Up to `want` rows in (role, user_id) order from segment `start`, after `after` in it and
    `skip` rows further; each tagged with its segment."""
    key = {"app": group.sdkappid, "gid": group.group_id}
    found: list[tuple[str, Any]] = []
    for index in range(start, len(roles)):
        need = want - len(found)
        if need <= 0:
            break
        role = roles[index]
        if skip and role is not None:
            # skipping a whole role costs one indexed count, not its rows
            count = (await conn.execute(_ROLE_COUNT, {**key, "role": int(role)})).scalar_one()
            if count <= skip:
                skip -= count
                after = ""
                continue
        params = {**key, "after": after if index == start else "", "n": need, "skip": skip}
        if role is None:
            rows = await conn.execute(_PAGE, params)
        else:
            rows = await conn.execute(_ROLE_PAGE, {**params, "role": int(role)})
        found += [(_segment(role), r) for r in rows]
        skip = 0
    return found


def _filters(
    member_fields: list[str] | None, roles: list[str] | None
) -> tuple[frozenset[str] | None, list[Role | None]]:
    wanted: frozenset[str] | None = None
    if member_fields:
        if not all(isinstance(f, str) for f in member_fields):
            raise ApiError(10004, "MemberInfoFilter holds field names")
        wanted = frozenset(member_fields) & frozenset(model.MEMBER_FIELDS)
    if not roles:
        return wanted, [None]
    chosen: set[Role] = set()
    for label in roles:
        found = ROLE_BY_LABEL.get(label) if isinstance(label, str) else None
        if found is None:
            raise ApiError(10004, f"MemberRoleFilter values are Owner, Admin, Member; got {label!r}")
        chosen.add(found)
    ordered: list[Role | None] = [r for r in sorted(chosen, reverse=True)]  # owner first
    return wanted, ordered


def _mode_limit(limit: int | None, most: int, mode: str) -> int:
    if limit is None or limit == 0:
        return most
    if not 0 < limit <= most:
        raise ApiError(10004, f"Limit is 1..{most} {mode} (ruling 18)")
    return limit


def _data_keys(
    app: App, viewer_role: Role, data_keys: list[str] | None, member_fields: list[str] | None
) -> tuple[list[str] | None, set[str], set[str]]:
    """Which member data keys to answer: (requested keys or None for all, readable on another's
    row, readable on one's own row). A filter without data keys answers none (seed 15931-15933)."""
    others = fields.readable_keys(app, viewer_role, member=True)
    own = fields.readable_keys(app, viewer_role, member=True, is_self=True)
    if data_keys is not None:
        if not all(isinstance(k, str) for k in data_keys):
            raise ApiError(10004, "AppDefinedDataFilter_GroupMember holds keys")
        fields.require_readable(app, data_keys, viewer_role, member=True, is_self=True)
        return list(dict.fromkeys(data_keys)), others, own
    if member_fields:
        return [], others, own
    return None, others, own


async def list_members(
    rt: Runtime,
    app: App,
    group_id: str,
    *,
    viewer: str | None,
    limit: int | None = None,
    offset: int | None = None,
    next_cursor: str | None = None,
    member_fields: list[str] | None = None,
    roles: list[str] | None = None,
    data_keys: list[str] | None = None,
) -> dict[str, Any]:
    """get_group_member_info: {"MemberNum", "MemberList"[, "Next"]}. Three modes (ruling 18): all
    (Limit <= 6,000), Offset (Limit <= 200), Next (Limit <= 100; the only one for Communities;
    `Next` is "" at the end). AVChatRoom keeps no member profiles: 10007."""
    if offset is not None and offset < 0:
        raise ApiError(10004, "Offset is not negative")
    if offset is not None and next_cursor is not None:
        raise ApiError(10004, "page by Offset or by Next, not both")
    wanted, segments = _filters(member_fields, roles)
    seg_keys = [_segment(r) for r in segments]
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        gtype = group.gtype
        if not gtype.member_profiles:
            raise ApiError(10007, f"{gtype.name} groups keep no member profiles")
        viewer_role = await model.role_of(conn, app, group, viewer)
        if viewer_role is None:
            raise ApiError(10007, "only members of the group may list its members")
        keys, others, own = _data_keys(app, viewer_role, data_keys, member_fields)
        if next_cursor is not None:
            n = _mode_limit(limit, LIST_NEXT_MAX, "with Next")
            start, after = _read_cursor(next_cursor, seg_keys)
            found = await _scan(conn, group, segments, start, after, 0, n + 1)
        elif gtype.members_paged_by_next:
            raise ApiError(10004, f'{gtype.name} groups are listed by Next (pass "Next": "" first)')
        else:
            top = LIST_OFFSET_MAX if offset is not None else LIST_ALL_MAX
            n = _mode_limit(limit, top, "with Offset" if offset is not None else "without paging")
            found = await _scan(conn, group, segments, 0, "", offset or 0, n)
    now = int(time.time())
    listed = []
    for _segment_key, row in found[:n]:
        m = Member.from_row(row)
        entry = model.member_info(m, wanted, now)
        readable = own if m.user_id == viewer else others
        chosen = [k for k in (m.app_data if keys is None else keys) if k in readable]
        if chosen and m.app_data:
            data = model.key_values(m.app_data, chosen)
            if data:
                entry["AppMemberDefinedData"] = data
        listed.append(entry)
    if len(_encode(listed)) > REPLY_MAX_BYTES:
        raise ApiError(10018, "the member list is over 1 MB: ask for fewer members (Limit) or fields")
    reply: dict[str, Any] = {"MemberNum": group.member_num, "MemberList": listed}
    if next_cursor is not None:
        more = len(found) > n
        reply["Next"] = _cursor(found[n - 1][0], found[n - 1][1].user_id) if more else ""
    return reply


# -- one member's settings -------------------------------------------------------------------------


@dataclass(slots=True)
class MemberChange:
    """modify_group_member_info and the device's own settings: only the fields given change."""

    role: Role | None = None  # Admin or Member
    name_card: str | None = None
    msg_flag: str | None = None
    mute_seconds: int | None = None  # 0 unmutes, 4294967295 for ever
    app_data: dict[str, str] = field(default_factory=dict)  # checked by fields.parse; "" deletes a key

    def check(self) -> None:
        if self.role is not None and self.role not in (Role.ADMIN, Role.MEMBER):
            raise ApiError(10004, "Role is Admin or Member (the owner changes by change_group_owner)")
        if self.name_card is not None and utf8_len(self.name_card) > NAME_CARD_MAX:
            raise ApiError(10004, f"NameCard is at most {NAME_CARD_MAX} bytes (UTF-8)")
        if self.msg_flag is not None and self.msg_flag not in MSG_FLAGS:
            raise ApiError(10004, f"MsgFlag is one of {', '.join(MSG_FLAGS)}")
        if self.mute_seconds is not None and not 0 <= self.mute_seconds <= model.FOREVER_SECONDS:
            raise ApiError(10004, f"MuteTime is 0..{model.FOREVER_SECONDS} seconds")


def _check_change(group: Group, role: Role, target: Member, change: MemberChange, *, is_self: bool) -> None:
    """What the actor may change on this member (reference/groups.md §4); the app admin may all."""
    gtype = group.gtype
    if change.role is not None:
        if not gtype.has_admins:
            raise ApiError(10007, f"{gtype.name} groups have no admins")
        if target.role is Role.OWNER:
            raise ApiError(10004, "the owner's role does not change here (change_group_owner)")
        if role < Role.OWNER:
            raise ApiError(10007, "only the owner appoints and revokes admins")
    if change.mute_seconds is not None:
        if gtype.mute_role is None:
            raise ApiError(10007, f"members of {gtype.name} groups cannot be muted")
        if change.mute_seconds and target.role is Role.OWNER:
            raise ApiError(10007, "the group owner cannot be muted")  # as forbid_send_msg
        if role < gtype.mute_role or target.role >= role:
            raise ApiError(10007, "you may mute only members below you, where your role mutes")
    if role is Role.APP_ADMIN:
        return
    if change.msg_flag is not None and not is_self:
        raise ApiError(10007, "MsgFlag is each member's own setting")
    if change.name_card is not None and not is_self and (role < Role.ADMIN or target.role >= role):
        raise ApiError(10007, "you may set the name card only of yourself or of members below you")


async def modify(
    rt: Runtime, app: App, group_id: str, user_id: str, change: MemberChange, *, operator: str | None
) -> None:
    """modify_group_member_info (and a device's own NameCard, MsgFlag, member data; an owner's
    admins; an admin's mutes). AVChatRoom stores no member profiles (10007, seed 16442-16445)."""
    change.check()
    who = notices.who(app, operator)
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        if not group.gtype.member_profiles:
            raise ApiError(10007, f"{group.gtype.name} groups keep no member profiles")
        target = await model.member(tx, group, user_id)
        if target is None:
            raise ApiError(10007, f"{user_id!r} is not a member of the group")
        role = await model.role_of(tx, app, group, operator)
        if role is None:
            raise ApiError(10007, "only members of the group may change its members")
        is_self = operator == user_id
        _check_change(group, role, target, change, is_self=is_self)
        if change.app_data:
            fields.require_writable(app, list(change.app_data), role, member=True, is_self=is_self)
        values: dict[str, Any] = {}
        changed: dict[str, Any] = {}  # vendor names of what changed, for the notices
        if change.name_card is not None and change.name_card != target.name_card:
            values["name_card"] = changed["NameCard"] = change.name_card
        if change.msg_flag is not None and change.msg_flag != target.msg_flag:
            values["msg_flag"] = changed["MsgFlag"] = change.msg_flag
        if change.app_data:
            values["app_data"] = dumps(fields.apply(target.app_data, change.app_data))
            changed["AppMemberDefinedData"] = model.key_values(change.app_data)
        new_role = change.role if change.role is not None and change.role is not target.role else None
        if new_role is not None:
            values["role"] = int(new_role)
        if values:
            await tx.execute(_gm.update().where(group.where(_gm), _gm.c.user_id == user_id).values(**values))
        base = notices.event_base(group, who)
        if new_role is not None:
            label = new_role.label
            tip_type = "SetAdmin" if new_role is Role.ADMIN else "CancelAdmin"
            await notices.tip(tx, rt, app, group, tip_type, who, {"Members_Account": [user_id]})
            await notices.tell(tx, rt, group, [user_id], "group.role", {"Operator": who, "Role": label})
            notices.publish(tx, rt, notices.RolesChanged(**base, user_ids=[user_id], role=label))
        if change.mute_seconds is not None:
            await mutes.mute_rows(tx, group, [user_id], change.mute_seconds)
            await mutes.announce(tx, rt, app, group, [user_id], change.mute_seconds, who)
        if changed:
            public = {k: v for k, v in changed.items() if k != "MsgFlag"}  # MsgFlag is the member's own business
            if public:
                body = {"Member_Account": user_id, "Changes": public}
                await notices.tip(tx, rt, app, group, "MemberInfoChange", who, body)
            info = {"Operator": who, "Changes": changed}
            await notices.tell(tx, rt, group, [user_id], "group.member_info", info)
            notices.publish(tx, rt, notices.MemberInfoChanged(**base, user_id=user_id, changes=changed))


# -- roles -----------------------------------------------------------------------------------------

_ROLES = sa.select(_gm.c.user_id, _gm.c.role).where(
    _gm.c.sdkappid == sa.bindparam("app"),
    _gm.c.group_id == sa.bindparam("gid"),
    _gm.c.user_id.in_(sa.bindparam("uids", expanding=True)),
)


async def roles(rt: Runtime, app: App, group_id: str, user_ids: list[str]) -> list[dict[str, str]]:
    """get_role_in_group: [{"Member_Account", "Role"}], Role Owner/Admin/Member/NotMember, in the
    request's order; not for AVChatRoom (10007, seed 15257-15259)."""
    users = _unique(user_ids, "User_Account", ROLES_MAX, 10004)
    found: dict[str, str] = {}
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        if not group.gtype.member_profiles:
            raise ApiError(10007, f"{group.gtype.name} groups: read roles with get_group_member_info")
        for part in accounts.chunks(users):
            rows = await conn.execute(_ROLES, {"app": app.sdkappid, "gid": group_id, "uids": part})
            found.update((r.user_id, Role(r.role).label) for r in rows)
    return [{"Member_Account": u, "Role": found.get(u, "NotMember")} for u in users]


# -- account deletion ------------------------------------------------------------------------------


async def purge_accounts(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    """Deleted accounts leave every group (MemberNum down, one UPDATE per distinct group, run as one
    executemany); groups they owned become ownerless (docs/compatibility.md); their pending requests
    and invitations go. Groups are locked first, in one order, as every member change locks them."""
    joined: set[str] = set()
    for part in accounts.chunks(user_ids):
        rows = await tx.execute(sa.select(_gm.c.group_id).where(_gm.c.sdkappid == sdkappid, _gm.c.user_id.in_(part)))
        joined.update(r[0] for r in rows)
    if joined:
        ordered = sorted(joined)
        for gpart in accounts.chunks(ordered):
            await tx.execute(
                sa.select(groups.c.group_id)
                .where(groups.c.sdkappid == sdkappid, groups.c.group_id.in_(gpart))
                .order_by(groups.c.group_id)
                .with_for_update()
            )
        counts: Counter[str] = Counter()
        for part in accounts.chunks(user_ids):
            rows = await tx.execute(
                sa.select(_gm.c.group_id, sa.func.count())
                .where(_gm.c.sdkappid == sdkappid, _gm.c.user_id.in_(part))
                .group_by(_gm.c.group_id)
            )
            counts.update({r[0]: r[1] for r in rows})
            await tx.execute(_gm.delete().where(_gm.c.sdkappid == sdkappid, _gm.c.user_id.in_(part)))
        if counts:
            await tx.execute(
                groups.update()
                .where(groups.c.sdkappid == sdkappid, groups.c.group_id == sa.bindparam("gid"))
                .values(member_num=groups.c.member_num - sa.bindparam("n")),
                [{"gid": g, "n": n} for g, n in sorted(counts.items())],
            )
    for part in accounts.chunks(user_ids):
        await tx.execute(
            groups.update().where(groups.c.sdkappid == sdkappid, groups.c.owner.in_(part)).values(owner="")
        )
        await tx.execute(
            group_requests.delete().where(
                group_requests.c.sdkappid == sdkappid,
                sa.or_(group_requests.c.user_id.in_(part), group_requests.c.inviter.in_(part)),
            )
        )
        # a mute, ban, read receipt or topic read position outlives membership, not the account
        for table in (group_mutes, group_bans, group_receipts, group_topic_reads):
            await tx.execute(table.delete().where(table.c.sdkappid == sdkappid, table.c.user_id.in_(part)))
