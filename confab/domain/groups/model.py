"""Group and member records: reading rows, locking a group for a change, the actor's role, and the
vendor's field names for both (GroupBaseInfoFilter / MemberInfoFilter)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa

from confab.domain.apps import App
from confab.domain.groups import ids
from confab.domain.groups.types import ROLE_BY_LABEL, GroupType, Role, stored
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.groups import group_live_roles, group_members, group_mutes, groups

FOREVER_SECONDS = 0xFFFFFFFF  # MuteTime 4294967295: muted for good (seed 14838-14843)
PERMANENT = 1 << 62  # stored `until` of a permanent mute or ban

_decode_map = msgspec.json.Decoder(dict[str, Any]).decode
_encode = msgspec.json.Encoder().encode


def dumps(value: Any) -> str:
    return _encode(value).decode()


@dataclass(slots=True)
class Group:
    sdkappid: int
    group_id: str
    gtype: GroupType
    name: str
    introduction: str
    notification: str
    face_url: str
    owner: str  # "" = no owner
    created_at: int
    info_seq: int
    last_info_time: int
    last_msg_time: int
    next_msg_seq: int
    member_num: int
    max_member_num: int
    apply_join_option: str
    invite_join_option: str
    mute_all: bool
    support_topic: bool
    active: bool
    app_data: dict[str, str]
    attrs: dict[str, str]
    counters: dict[str, int]

    @classmethod
    def from_row(cls, row: Any) -> Group:
        return cls(
            sdkappid=row.sdkappid,
            group_id=row.group_id,
            gtype=stored(row.type),
            name=row.name,
            introduction=row.introduction,
            notification=row.notification,
            face_url=row.face_url,
            owner=row.owner,
            created_at=row.created_at,
            info_seq=row.info_seq,
            last_info_time=row.last_info_time,
            last_msg_time=row.last_msg_time,
            next_msg_seq=row.next_msg_seq,
            member_num=row.member_num,
            max_member_num=row.max_member_num,
            apply_join_option=row.apply_join_option,
            invite_join_option=row.invite_join_option,
            mute_all=bool(row.mute_all),
            support_topic=bool(row.support_topic),
            active=bool(row.active),
            app_data=_decode_map(row.app_data),
            attrs=_decode_map(row.attrs),
            counters=_decode_map(row.counters),
        )

    @property
    def key(self) -> dict[str, Any]:
        return {"sdkappid": self.sdkappid, "group_id": self.group_id}

    def where(self, table: sa.Table = groups) -> Any:
        """The WHERE clause selecting this group's rows of `table`."""
        return sa.and_(table.c.sdkappid == self.sdkappid, table.c.group_id == self.group_id)


@dataclass(slots=True)
class Member:
    user_id: str
    role: Role
    join_time: int
    join_seq: int
    read_seq: int
    msg_flag: str
    name_card: str
    last_send_time: int
    app_data: dict[str, str]
    mute_until: int = 0  # Unix time, 0 when not muted (PERMANENT for ever)

    @classmethod
    def from_row(cls, row: Any, prefix: str = "") -> Member:
        """From a member row, or from the member half of a joined row whose columns carry `prefix`."""

        def col(name: str) -> Any:
            return getattr(row, prefix + name)

        return cls(
            user_id=col("user_id"),
            role=Role(col("role")),
            join_time=col("join_time"),
            join_seq=col("join_seq"),
            read_seq=col("read_seq"),
            msg_flag=col("msg_flag"),
            name_card=col("name_card"),
            last_send_time=col("last_send_time"),
            app_data=_decode_map(col("app_data")),
            mute_until=getattr(row, prefix + "until", None) or 0,
        )


def _group_select() -> sa.Select:
    return sa.select(groups).where(groups.c.sdkappid == sa.bindparam("app"), groups.c.group_id == sa.bindparam("gid"))


_GET = _group_select()
_LOCK = _group_select().with_for_update()


def require_id(group_id: object, code: int = 10004) -> str:
    if not ids.plausible(group_id):
        raise ApiError(code, "GroupId must be a group ID string of 1-128 bytes")
    return group_id  # type: ignore[return-value]


async def get(conn: Any, sdkappid: int, group_id: str) -> Group:
    """The group, or 10010 ("the group does not exist or has been deleted")."""
    row = (await conn.execute(_GET, {"app": sdkappid, "gid": group_id})).first()
    if row is None:
        raise ApiError(10010, f"group {group_id!r} does not exist or has been disbanded")
    return Group.from_row(row)


async def lock(tx: Tx, sdkappid: int, group_id: str) -> Group:
    """The group, row-locked for the rest of the transaction (PostgreSQL; SQLite has one writer):
    every change to a group's members or profile goes through here, so counts stay exact."""
    row = (await tx.execute(_LOCK, {"app": sdkappid, "gid": group_id})).first()
    if row is None:
        raise ApiError(10010, f"group {group_id!r} does not exist or has been disbanded")
    return Group.from_row(row)


async def get_many(conn: Any, sdkappid: int, group_ids: list[str]) -> dict[str, Group]:
    rows = await conn.execute(sa.select(groups).where(groups.c.sdkappid == sdkappid, groups.c.group_id.in_(group_ids)))
    return {r.group_id: Group.from_row(r) for r in rows}


def _member_select() -> sa.Select:
    joined = group_members.outerjoin(
        group_mutes,
        sa.and_(
            group_mutes.c.sdkappid == group_members.c.sdkappid,
            group_mutes.c.group_id == group_members.c.group_id,
            group_mutes.c.user_id == group_members.c.user_id,
        ),
    )
    return sa.select(group_members, group_mutes.c.until).select_from(joined)


MEMBER_SELECT = _member_select()


async def members(conn: Any, group: Group, user_ids: list[str]) -> dict[str, Member]:
    """These users' member records (those who are members), mute end included."""
    if not user_ids:
        return {}
    found: dict[str, Member] = {}
    for start in range(0, len(user_ids), 500):
        part = user_ids[start : start + 500]
        rows = await conn.execute(MEMBER_SELECT.where(group.where(group_members), group_members.c.user_id.in_(part)))
        found.update((r.user_id, Member.from_row(r)) for r in rows)
    return found


async def member(conn: Any, group: Group, user_id: str) -> Member | None:
    return (await members(conn, group, [user_id])).get(user_id)


async def role_of(conn: Any, app: App, group: Group, actor: str | None) -> Role | None:
    """The actor's power in the group: APP_ADMIN for the app admin (None = REST), their Role if a
    member, None if neither."""
    if actor is None or app.is_admin(actor):
        return Role.APP_ADMIN
    found = await member(conn, group, actor)
    if found is not None:
        return found.role
    return await standing_role(conn, group, actor)


_LIVE_ADMIN = sa.select(group_live_roles.c.user_id).where(
    group_live_roles.c.sdkappid == sa.bindparam("app"),
    group_live_roles.c.group_id == sa.bindparam("gid"),
    group_live_roles.c.kind == "admin",
    group_live_roles.c.user_id == sa.bindparam("uid"),
)


async def standing_role(conn: Any, group: Group, user: str) -> Role | None:
    """The role of a user without a member row: the owner (of an AVChatRoom: a member only while
    watching, and the owner still), or a live admin (who need not be watching)."""
    if user == group.owner and user:
        return Role.OWNER
    if group.gtype.live:
        params = {"app": group.sdkappid, "gid": group.group_id, "uid": user}
        if (await conn.execute(_LIVE_ADMIN, params)).first() is not None:
            return Role.ADMIN
    return None


def role_label(value: object) -> Role:
    """A Role named in a request (`Admin`, `Member`; `Owner` where the API allows it)."""
    found = ROLE_BY_LABEL.get(value) if isinstance(value, str) else None
    if found is None:
        raise ApiError(10004, f"Role must be Admin or Member, got {value!r}")
    return found


def mute_until_reported(until: int, now: int | None = None) -> int:
    """MuteUntil as the vendor reports it: 0 when not (or no longer) muted, else the end time."""
    now = int(time.time()) if now is None else now
    if until <= now:
        return 0
    return FOREVER_SECONDS if until >= PERMANENT else until


# -- the vendor's field names ----------------------------------------------------------------------

BASE_FIELDS = (
    "Type",
    "Name",
    "Introduction",
    "Notification",
    "FaceUrl",
    "Owner_Account",
    "CreateTime",
    "InfoSeq",
    "LastInfoTime",
    "LastMsgTime",
    "NextMsgSeq",
    "MemberNum",
    "MaxMemberNum",
    "ApplyJoinOption",
    "InviteJoinOption",
    "MuteAllMember",
)
MEMBER_FIELDS = ("Role", "JoinTime", "MsgSeq", "MsgFlag", "LastSendMsgTime", "MuteUntil", "NameCard")


def base_info(group: Group, fields: frozenset[str] | None = None) -> dict[str, Any]:
    """The group's basic information under the vendor's names, all of it or only `fields`."""
    values: dict[str, Any] = {
        "Type": group.gtype.name,
        "Name": group.name,
        "Introduction": group.introduction,
        "Notification": group.notification,
        "FaceUrl": group.face_url,
        "Owner_Account": group.owner,
        "CreateTime": group.created_at,
        "InfoSeq": group.info_seq,
        "LastInfoTime": group.last_info_time,
        "LastMsgTime": group.last_msg_time,
        "NextMsgSeq": group.next_msg_seq,
        "MemberNum": group.member_num,
        "MaxMemberNum": group.max_member_num,
        "ApplyJoinOption": group.apply_join_option,
        "InviteJoinOption": group.invite_join_option,
        "MuteAllMember": "On" if group.mute_all else "Off",
    }
    if group.gtype.supports_topics:
        values["SupportTopic"] = int(group.support_topic)
    if fields is not None:
        values = {k: v for k, v in values.items() if k in fields}
    return values


def member_info(m: Member, fields: frozenset[str] | None = None, now: int | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "Member_Account": m.user_id,
        "Role": m.role.label,
        "JoinTime": m.join_time,
        "MsgSeq": max(m.read_seq, m.join_seq - 1),  # last read: nothing before joining is unread
        "MsgFlag": m.msg_flag,
        "LastSendMsgTime": m.last_send_time,
        "MuteUntil": mute_until_reported(m.mute_until, now),
        "NameCard": m.name_card,
    }
    if fields is not None:
        values = {k: v for k, v in values.items() if k == "Member_Account" or k in fields}
    return values


def key_values(data: dict[str, str], keys: list[str] | None = None) -> list[dict[str, str]]:
    """AppDefinedData as the vendor lists it: [{"Key": k, "Value": v}], in `keys` order when given."""
    if keys is None:
        return [{"Key": k, "Value": v} for k, v in data.items()]
    return [{"Key": k, "Value": data[k]} for k in keys if k in data]
