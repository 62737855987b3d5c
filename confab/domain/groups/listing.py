"""Reading groups: profiles of up to 50 groups (get_group_info), a user's groups (get_joined_group_list)
and every group of the app (get_appid_group_list). Shared by REST and the gateway.

Filters: `None` means everything the viewer may read (the vendor's "no ResponseFilter"), an empty
sequence means not asked, a list names what is wanted.

Ruling (docs/compatibility.md, seed 12848-12852, 12766/13282): get_group_info lists members, as its
sample does, only within one reply's budget: at most MEMBER_LIST_BUDGET member rows per call, in the
order the groups are asked, and at most 1 MB of reply. A group whose member list does not fit (a
100,000-member community always) answers its own ErrorCode 10018; asking with a ResponseFilter that
leaves out MemberInfoFilter gets its profile, and get_group_member_info pages its members. A call so
never reads more than MEMBER_LIST_BUDGET member rows, whatever the groups' sizes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain.apps import App
from confab.domain.groups import fields, ids, live, model, topics
from confab.domain.groups.model import Group, Member
from confab.domain.groups.types import ALL, BY_NAME, LIST_FILTERS, GroupType, Role
from confab.errors import ApiError
from confab.store.tables.groups import group_members, group_mutes, groups

if TYPE_CHECKING:
    from confab.runtime import Runtime

GROUP_INFO_MAX = 50  # seed 12833
JOINED_LIMIT_MAX = 5000  # seed 12300
APP_LIST_LIMIT_MAX = 10_000  # seed 11281, 11342
MEMBER_LIST_BUDGET = 6000  # member rows one get_group_info call lists (the ordinary ceiling, ruling 5)
REPLY_MAX_BYTES = 1 << 20  # "exceeds the maximum packet length of 1 MB" (10018)

INFO_BASE_FIELDS = (*model.BASE_FIELDS, "Appid", "SupportTopic")
SELF_FIELDS = (*model.MEMBER_FIELDS, "UnreadMsgNum")
# joined lists hide types that keep no member profiles unless asked ("WithHugeGroups", seed 12226-12230)
_HUGE = tuple(t.name for t in ALL if not t.member_profiles)

_encode = msgspec.json.Encoder().encode
Filter = Sequence[str] | None


def _wanted(asked: Filter, everything: Sequence[str]) -> frozenset[str]:
    return frozenset(everything) if asked is None else frozenset(asked)


def _group_type(name: object) -> GroupType | None:
    """A list filter's type (None: all); BChatRoom, which Confab never creates, raises nothing and
    matches nothing (callers check `matches_nothing`)."""
    if name is None or name == "BChatRoom":
        return None
    if not isinstance(name, str) or name not in LIST_FILTERS:
        raise ApiError(10004, f"GroupType must be one of {', '.join(sorted(LIST_FILTERS))}; got {name!r}")
    return BY_NAME[name]


def _matches_nothing(name: object) -> bool:
    return name == "BChatRoom"


# -- get_group_info --------------------------------------------------------------------------------


def _failed(group_id: str, code: int, info: str) -> dict[str, Any]:
    return {"GroupId": group_id, "ErrorCode": code, "ErrorInfo": info}


_VIEWER_ROLES = sa.select(group_members.c.group_id, group_members.c.role).where(
    group_members.c.sdkappid == sa.bindparam("app"),
    group_members.c.user_id == sa.bindparam("user"),
    group_members.c.group_id.in_(sa.bindparam("gids", expanding=True)),
)
_MEMBERS_OF = model.MEMBER_SELECT.where(
    group_members.c.sdkappid == sa.bindparam("app"),
    group_members.c.group_id.in_(sa.bindparam("gids", expanding=True)),
)


def _base(app: App, group: Group, wanted: frozenset[str]) -> dict[str, Any]:
    values = model.base_info(group, wanted)
    if "Appid" in wanted:
        values["Appid"] = app.sdkappid
    return values


def _member_entry(
    app: App, m: Member, wanted: frozenset[str], keys: Filter, role: Role, viewer: str | None, now: int
) -> dict[str, Any]:
    entry = model.member_info(m, wanted, now)
    if keys is None or keys:
        readable = fields.readable_keys(app, role, member=True, is_self=m.user_id == viewer)
        chosen = [k for k in (fields.declared(app, member=True) if keys is None else keys) if k in readable]
        entry["AppMemberDefinedData"] = model.key_values(m.app_data, chosen)
    return entry


async def group_infos(
    rt: Runtime,
    app: App,
    group_ids: Sequence[str],
    *,
    viewer: str | None,
    base_fields: Filter,
    member_fields: Filter,
    group_keys: Filter,
    member_keys: Filter,
) -> list[dict[str, Any]]:
    """One entry per asked ID, in order, each with its own ErrorCode (10015 not a group ID, 10010 no such
    group, 10007 not visible to this viewer or a custom key it may not read, 10018 too big)."""
    if not group_ids:
        raise ApiError(10004, "GroupIdList must name at least one group")
    if len(group_ids) > GROUP_INFO_MAX:
        raise ApiError(10004, f"GroupIdList holds at most {GROUP_INFO_MAX} groups")
    valid = list(dict.fromkeys(g for g in group_ids if ids.plausible(g)))
    base_wanted = _wanted(base_fields, INFO_BASE_FIELDS)
    member_wanted = _wanted(member_fields, model.MEMBER_FIELDS)
    lists_members = bool(member_wanted) or member_keys is None or bool(member_keys)
    viewer_is_admin = viewer is None or app.is_admin(viewer)
    async with rt.store.read() as conn:
        found = await model.get_many(conn, app.sdkappid, valid) if valid else {}
        roles: dict[str, Role] = {}
        if not viewer_is_admin and found:
            rows = await conn.execute(_VIEWER_ROLES, {"app": app.sdkappid, "user": viewer, "gids": list(found)})
            roles = {r.group_id: Role(r.role) for r in rows}
        # who may see what, and whose member list fits the budget, before reading any member row
        plans: dict[str, tuple[Role | None, bool]] = {}
        errors: dict[str, tuple[int, str]] = {}
        budget = MEMBER_LIST_BUDGET
        for gid in valid:  # in the order asked: the budget goes to the first groups
            group = found.get(gid)
            if group is None:
                continue
            role: Role | None = Role.APP_ADMIN if viewer_is_admin else roles.get(gid)
            if role is None and not group.gtype.apply_join:  # a group one cannot ask to join is not looked up
                errors[gid] = (10007, "only members see this group's profile")
                continue
            if group_keys:
                try:
                    fields.require_readable(app, list(group_keys), role, member=False)
                except ApiError as err:
                    errors[gid] = (err.code, err.info)
                    continue
            with_members = lists_members and role is not None and group.gtype.member_profiles
            if with_members:
                if group.member_num > budget:
                    errors[gid] = (
                        10018,
                        f"the member list of {group.member_num} members does not fit one reply (at most "
                        f"{MEMBER_LIST_BUDGET} per call): leave MemberInfoFilter out, use get_group_member_info",
                    )
                    continue
                budget -= group.member_num
            plans[gid] = (role, with_members)
        listed = [gid for gid, (_, with_members) in plans.items() if with_members]
        by_group: dict[str, list[Member]] = {gid: [] for gid in listed}
        if listed:
            for row in await conn.execute(_MEMBERS_OF, {"app": app.sdkappid, "gids": listed}):
                by_group[row.group_id].append(Member.from_row(row))

    now = int(time.time())
    built: dict[str, dict[str, Any]] = {}
    size = 0
    for gid, (role, with_members) in plans.items():
        group = found[gid]
        assert role is not None or not with_members
        live.count_members(rt, group)
        entry: dict[str, Any] = {"GroupId": gid, "ErrorCode": 0, "ErrorInfo": "", **_base(app, group, base_wanted)}
        if group_keys is None or group_keys:
            readable = fields.readable_keys(app, role, member=False)
            chosen = fields.declared(app, member=False) if group_keys is None else group_keys
            entry["AppDefinedData"] = model.key_values(group.app_data, [k for k in chosen if k in readable])
        if with_members and role is not None:
            ordered = sorted(by_group[gid], key=lambda m: (-m.role, m.join_time, m.user_id))
            entry["MemberList"] = [
                _member_entry(app, m, member_wanted, member_keys, role, viewer, now) for m in ordered
            ]
        encoded = len(_encode(entry))
        if size + encoded > REPLY_MAX_BYTES:
            errors[gid] = (
                10018,
                "this group's information does not fit the 1 MB reply: ask for fewer groups or fields",
            )
            continue
        size += encoded
        built[gid] = entry

    out: list[dict[str, Any]] = []
    for gid in group_ids:
        if gid in built:
            out.append(built[gid])
        elif gid in errors:
            out.append(_failed(gid, *errors[gid]))
        elif not ids.plausible(gid):
            out.append(_failed(gid, 10015, "not a valid group ID"))
        else:
            out.append(_failed(gid, 10010, f"group {gid!r} does not exist or has been disbanded"))
    return out


def response_filters(given: Any | None) -> dict[str, Filter]:
    """get_group_info's filters from a request's ResponseFilter (REST or a device): none given means
    everything the viewer may read; with one, only what its lists name (seed 12879)."""
    if given is None:
        return everything()
    return {
        "base_fields": given.GroupBaseInfoFilter or (),
        "member_fields": given.MemberInfoFilter or (),
        "group_keys": given.AppDefinedDataFilter_Group or (),
        "member_keys": given.AppDefinedDataFilter_GroupMember or (),
    }


def everything() -> dict[str, Filter]:
    """The filters of a request without ResponseFilter: all fields the viewer may read."""
    return {"base_fields": None, "member_fields": None, "group_keys": None, "member_keys": None}


# -- get_joined_group_list -------------------------------------------------------------------------

_JOINED_FROM = group_members.join(
    groups, sa.and_(groups.c.sdkappid == group_members.c.sdkappid, groups.c.group_id == group_members.c.group_id)
).outerjoin(
    group_mutes,
    sa.and_(
        group_mutes.c.sdkappid == group_members.c.sdkappid,
        group_mutes.c.group_id == group_members.c.group_id,
        group_mutes.c.user_id == group_members.c.user_id,
    ),
)
_MEMBER_COLUMNS = [c.label(f"m_{c.name}") for c in group_members.c] + [group_mutes.c.until.label("m_until")]


def unread(group: Group, m: Member) -> int:
    """UnreadMsgNum: the group's entries after the member's read seq and after they joined, O(1) per
    member. Stored tips take seqs and count (docs/compatibility.md, "group unread"); a member's own
    messages move their read seq (messages.send), imports set everyone's to the end (imports.py) and
    set_unread_msg_num / import_group_member move it back (and the join seq with it, reads.py)."""
    if not group.gtype.has_unread:
        return 0
    last = group.next_msg_seq - 1
    return max(0, last - max(m.read_seq, m.join_seq - 1))


def _self_info(group: Group, m: Member, wanted: frozenset[str], now: int) -> dict[str, Any]:
    info = model.member_info(m, wanted, now)
    info.pop("Member_Account", None)
    if "UnreadMsgNum" in wanted:
        info["UnreadMsgNum"] = unread(group, m)
    return info


async def joined(
    rt: Runtime,
    app: App,
    user_id: str,
    *,
    limit: int | None,
    offset: int,
    group_type: str | None,
    with_inactive: bool,
    with_huge: bool,
    base_fields: Filter,
    self_fields: Filter,
    support_topic: bool = False,
) -> dict[str, Any]:
    """The reply fields of get_joined_group_list: TotalCount and a page of GroupIdList, each entry with
    the asked base fields and the user's own SelfInfo. Filters here: None = not asked (the vendor's
    basic request answers GroupId alone)."""
    if limit is not None and not 0 <= limit <= JOINED_LIMIT_MAX:
        raise ApiError(10004, f"Limit must be 0..{JOINED_LIMIT_MAX}")
    if offset < 0:
        raise ApiError(10004, "Offset must not be negative")
    gtype = _group_type(group_type)
    if support_topic and (gtype is None or not gtype.supports_topics):
        raise ApiError(10004, "SupportTopic needs GroupType Community")
    if _matches_nothing(group_type):
        return {"TotalCount": 0, "GroupIdList": []}
    where = [group_members.c.sdkappid == app.sdkappid, group_members.c.user_id == user_id]
    if gtype is not None:
        where.append(groups.c.type == gtype.name)
    elif not with_huge:
        where.append(groups.c.type.notin_(_HUGE))
    if not with_inactive:
        where.append(groups.c.active == 1)
    if support_topic:
        where.append(groups.c.support_topic == 1)
    base_wanted = frozenset(base_fields or ())
    self_wanted = frozenset(self_fields or ())
    ids_only = not (base_wanted or self_wanted or support_topic)  # the basic request: GroupId alone
    columns: list[Any] = [group_members.c.group_id] if ids_only else [groups, *_MEMBER_COLUMNS]
    page = sa.select(*columns).select_from(_JOINED_FROM).where(*where).order_by(group_members.c.group_id).offset(offset)
    if limit:
        page = page.limit(limit)
    count = sa.select(sa.func.count()).select_from(_JOINED_FROM).where(*where)
    async with rt.store.read() as conn:
        total = (await conn.execute(count)).scalar_one()
        rows = list(await conn.execute(page))
        sums: dict[str, tuple[int, int]] = {}
        if support_topic and rows:  # one statement for the page's communities (topics.gross)
            sums = await topics.gross(conn, app, user_id, [Group.from_row(row) for row in rows])
    entries: list[dict[str, Any]] = []
    now = int(time.time())
    for row in rows:
        if ids_only:  # records cost ~30 us a row to build; a user in 1,000 groups asks for none
            entries.append({"GroupId": row[0]})
            continue
        group = Group.from_row(row)
        m = Member.from_row(row, prefix="m_")
        entry: dict[str, Any] = {"GroupId": group.group_id, **model.base_info(group, base_wanted)}
        self_info = _self_info(group, m, self_wanted, now) if self_wanted else {}
        if support_topic:  # summed over the community's topics (topics.gross; its own stream is not a topic)
            gross_next, gross_read = sums.get(group.group_id, (1, 0))
            entry.update(Type=group.gtype.name, SupportTopic=1, GrossTopicNextMsgSeq=gross_next)
            self_info["GrossTopicReadSeq"] = gross_read
        if self_info:
            entry["SelfInfo"] = self_info
        entries.append(entry)
    if with_huge or gtype is not None:  # the live groups watched now have no member rows: after the rest
        watched = await _watched(rt, app, user_id, gtype, base_wanted, self_wanted, ids_only, now)
        skip = max(0, offset - total)
        room = None if not limit else max(0, limit - len(entries))
        entries += watched[skip:] if room is None else watched[skip : skip + room]
        total += len(watched)
    reply = {"TotalCount": total, "GroupIdList": entries}
    if len(_encode(reply)) > REPLY_MAX_BYTES:
        raise ApiError(10018, "the reply would exceed 1 MB: page with Limit/Offset or ask for fewer fields")
    return reply


async def _watched(
    rt: Runtime,
    app: App,
    user_id: str,
    gtype: GroupType | None,
    base_wanted: frozenset[str],
    self_wanted: frozenset[str],
    ids_only: bool,
    now: int,
) -> list[dict[str, Any]]:
    """Entries for the live groups the user is watching (domain/groups/live.py), in GroupId order."""
    if gtype is not None and not gtype.live:
        return []
    watching = live.watched_by(rt, app.sdkappid, user_id)
    if not watching:
        return []
    if ids_only:
        return [{"GroupId": gid} for gid in sorted(watching)]
    async with rt.store.read() as conn:
        found = await model.get_many(conn, app.sdkappid, sorted(watching))
        roles = {gid: await model.standing_role(conn, g, user_id) or Role.MEMBER for gid, g in found.items()}
    entries = []
    for gid in sorted(found):
        group = found[gid]
        live.count_members(rt, group)
        entry: dict[str, Any] = {"GroupId": gid, **model.base_info(group, base_wanted)}
        if self_wanted:
            me = Member(gid and user_id, roles[gid], watching[gid], 0, 0, group.gtype.default_msg_flag, "", 0, {})
            entry["SelfInfo"] = _self_info(group, me, self_wanted, now)
        entries.append(entry)
    return entries


# -- get_appid_group_list --------------------------------------------------------------------------


def _app_page(typed: bool) -> sa.Select:
    query = sa.select(groups.c.group_id, groups.c.serial).where(
        groups.c.sdkappid == sa.bindparam("app"), groups.c.serial > sa.bindparam("after")
    )
    if typed:
        query = query.where(groups.c.type == sa.bindparam("type"))
    return query.order_by(groups.c.serial).limit(sa.bindparam("limit"))


def _app_count(typed: bool) -> sa.Select:
    query = sa.select(sa.func.count()).select_from(groups).where(groups.c.sdkappid == sa.bindparam("app"))
    return query.where(groups.c.type == sa.bindparam("type")) if typed else query


_APP_PAGE = {typed: _app_page(typed) for typed in (False, True)}
_APP_COUNT = {typed: _app_count(typed) for typed in (False, True)}


async def app_groups(
    rt: Runtime, app: App, *, limit: int | None, next_cursor: int | None, group_type: str | None
) -> dict:
    """The reply fields of get_appid_group_list: a keyset page on groups.serial (`Next` is the last
    serial returned, 0 once the list is done) and TotalCount of the type asked."""
    limit = limit or APP_LIST_LIMIT_MAX
    if not 0 < limit <= APP_LIST_LIMIT_MAX:
        raise ApiError(10004, f"Limit must be 1..{APP_LIST_LIMIT_MAX}")
    after = next_cursor or 0
    if after < 0:
        raise ApiError(10004, "Next must be 0 or a value an earlier reply returned")
    gtype = _group_type(group_type)
    if _matches_nothing(group_type):
        return {"TotalCount": 0, "GroupIdList": [], "Next": 0}
    typed = gtype is not None
    params: dict[str, Any] = {"app": app.sdkappid, "after": after, "limit": limit + 1}
    if gtype is not None:
        params["type"] = gtype.name
    async with rt.store.read() as conn:
        total: int = (await conn.execute(_APP_COUNT[typed], params)).scalar_one()
        rows = list(await conn.execute(_APP_PAGE[typed], params))
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "TotalCount": total,
        "GroupIdList": [{"GroupId": r.group_id} for r in rows],
        "Next": rows[-1].serial if more else 0,
    }
