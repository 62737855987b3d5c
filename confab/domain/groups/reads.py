"""A member's read position in a group: set_unread_msg_num (seed 004 lines 9325-9497) and a device's
read_group (docs/client-protocol.md, "Group messages").

Nothing is written per message: a member's unread count is the group's last MsgSeq minus the later
of their read seq and the seq before they joined (`listing.unread`), O(1) per member. Stored tips
take seqs and count like messages (ruling in docs/compatibility.md: the vendor's own arithmetic,
"unread beyond the group's messages counts them all", seed 9416-9417, is over seqs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from confab.domain.apps import App
from confab.domain.groups import model
from confab.domain.groups.listing import unread
from confab.errors import ApiError
from confab.store.tables.groups import group_members

if TYPE_CHECKING:
    from confab.runtime import Runtime

_KEY = sa.and_(
    group_members.c.sdkappid == sa.bindparam("app"),
    group_members.c.group_id == sa.bindparam("gid"),
    group_members.c.user_id == sa.bindparam("uid"),
)
_SET = group_members.update().where(_KEY).values(read_seq=sa.bindparam("seq"), join_seq=sa.bindparam("join"))
_FORWARD = (
    group_members.update()
    .where(_KEY, group_members.c.read_seq < sa.bindparam("seq"))
    .values(read_seq=sa.bindparam("seq"))
)


async def set_unread(rt: Runtime, app: App, group_id: str, user_id: str, count: int) -> None:
    """The member's unread count becomes `count` (at most the group's messages, seed 9416-9417): their
    read seq moves to last - count. When that is before they joined, their join seq moves back with it,
    so the messages counted unread are ones they can read. Types without unread counts: no error, no
    change (seed 9360-9361)."""
    if count < 0:
        raise ApiError(10004, "UnreadMsgNum must not be negative")
    async with rt.store.tx() as tx:
        group = await model.get(tx, app.sdkappid, group_id)
        member = await model.member(tx, group, user_id)
        if member is None:
            raise ApiError(10007, f"{user_id!r} is not a member of this group")
        if not group.gtype.has_unread:
            return
        last = group.next_msg_seq - 1
        seq = max(0, last - count)
        params = {
            "app": app.sdkappid,
            "gid": group_id,
            "uid": user_id,
            "seq": seq,
            "join": min(member.join_seq, seq + 1),
        }
        await tx.execute(_SET, params)


async def mark_read(rt: Runtime, app: App, group_id: str, user_id: str, msg_seq: int) -> dict[str, int]:
    """A member has read up to `msg_seq` (0 or past the end: everything). The read seq only moves
    forward. Answers the member's MsgSeq (last read) and UnreadMsgNum after it."""
    if msg_seq < 0:
        raise ApiError(10004, "MsgSeq must not be negative")
    async with rt.store.tx() as tx:
        group = await model.get(tx, app.sdkappid, group_id)
        member = await model.member(tx, group, user_id)
        if member is None:
            raise ApiError(10007, "only members of the group have a read position in it")
        last = group.next_msg_seq - 1
        seq = last if msg_seq == 0 else min(msg_seq, last)
        if group.gtype.stores_history and seq > member.read_seq:
            await tx.execute(_FORWARD, {"app": app.sdkappid, "gid": group_id, "uid": user_id, "seq": seq})
            member.read_seq = seq
    return {"MsgSeq": max(member.read_seq, member.join_seq - 1), "UnreadMsgNum": unread(group, member)}
