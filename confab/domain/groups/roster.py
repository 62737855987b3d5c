"""The member rows themselves: who is in, inserting and removing members, keeping MemberNum exact.

Every caller holds the group's lock (`model.lock`), so the count check and the count update see the
same rows. Statements are per call, never per member: one lookup, one insert of all new rows, one
delete, one count update.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from confab.domain.groups.model import Group, dumps
from confab.domain.groups.types import UNLIMITED, Role
from confab.store import Tx
from confab.store.tables.groups import group_members, group_requests, groups

CHUNK = 500  # IN-list size (asyncpg allows 32,767 parameters per statement)


@dataclass(slots=True)
class NewMember:
    user_id: str
    role: Role = Role.MEMBER
    join_time: int = 0  # 0 = now
    read_seq: int = 0
    join_seq: int = 0  # 0 = the group's next MsgSeq (an import with unread messages starts earlier)
    name_card: str = ""
    msg_flag: str = ""  # "" = the type's default
    app_data: dict[str, str] = field(default_factory=dict)


async def member_ids(conn: object, group: Group, user_ids: list[str]) -> set[str]:
    """Which of these users are members."""
    found: set[str] = set()
    for start in range(0, len(user_ids), CHUNK):
        part = user_ids[start : start + CHUNK]
        rows = await conn.execute(  # type: ignore[attr-defined]
            sa.select(group_members.c.user_id).where(group.where(group_members), group_members.c.user_id.in_(part))
        )
        found.update(r[0] for r in rows)
    return found


_ANY_REQUEST = (
    sa.select(group_requests.c.user_id)
    .where(group_requests.c.sdkappid == sa.bindparam("sdkappid"), group_requests.c.group_id == sa.bindparam("group_id"))
    .limit(1)
)


async def all_ids(conn: object, group: Group) -> list[str]:
    """Every member's UserID, owner and admins first (a disbanded group's MemberList)."""
    gm = group_members.c
    select = sa.select(gm.user_id).where(group.where(group_members)).order_by(gm.role.desc(), gm.user_id)
    return [r[0] for r in await conn.execute(select)]  # type: ignore[attr-defined]


def room_left(group: Group) -> int | None:
    """How many more members fit (None: no ceiling)."""
    if group.max_member_num == UNLIMITED:
        return None
    return max(0, group.max_member_num - group.member_num)


async def insert(tx: Tx, group: Group, new: list[NewMember]) -> None:
    """Add these (non-member, existing) users and count them in. Clears their pending requests."""
    if not new:
        return
    now = int(time.time())
    rows = [
        {
            "sdkappid": group.sdkappid,
            "group_id": group.group_id,
            "user_id": m.user_id,
            "role": int(m.role),
            "join_time": m.join_time or now,
            "join_seq": m.join_seq or group.next_msg_seq,
            "read_seq": m.read_seq,
            "msg_flag": m.msg_flag or group.gtype.default_msg_flag,
            "name_card": m.name_card,
            "last_send_time": 0,
            "app_data": dumps(m.app_data),
        }
        for m in new
    ]
    await tx.execute(group_members.insert(), rows)
    await _count(tx, group, len(new))
    if (await tx.execute(_ANY_REQUEST, group.key)).first() is None:
        return  # the usual case: one index probe instead of a delete over every newcomer
    users = [m.user_id for m in new]
    for start in range(0, len(users), CHUNK):
        await tx.execute(
            group_requests.delete().where(
                group.where(group_requests), group_requests.c.user_id.in_(users[start : start + CHUNK])
            )
        )


async def remove(tx: Tx, group: Group, user_ids: list[str]) -> list[str]:
    """Remove those of these users who are members; returns them. An owner who leaves leaves the
    group without an owner."""
    gone = sorted(await member_ids(tx, group, user_ids))
    if not gone:
        return []
    for start in range(0, len(gone), CHUNK):
        await tx.execute(
            group_members.delete().where(
                group.where(group_members), group_members.c.user_id.in_(gone[start : start + CHUNK])
            )
        )
    await _count(tx, group, -len(gone))
    if group.owner in gone:
        await tx.execute(groups.update().where(group.where()).values(owner=""))
        group.owner = ""
    return gone


async def _count(tx: Tx, group: Group, delta: int) -> None:
    await tx.execute(groups.update().where(group.where()).values(member_num=groups.c.member_num + delta))
    group.member_num += delta


async def set_role(tx: Tx, group: Group, user_ids: list[str], role: Role) -> None:
    for start in range(0, len(user_ids), CHUNK):
        await tx.execute(
            group_members.update()
            .where(group.where(group_members), group_members.c.user_id.in_(user_ids[start : start + CHUNK]))
            .values(role=int(role))
        )
