"""A user's group conversations in the conversation list (recentcontact get_list / delete, seed 004
lines 9068-9324, 9699-9860; the list itself is `confab.domain.c2c.conversations`).

A group conversation is not stored per message: it is the user's membership (group_members by user,
ix_group_members_user) joined with the group's `last_msg_time` (MsgTime) and `next_msg_seq`. Only a
user's own changes to it are stored, as a row of `c2c_conversations` whose peer is GROUP_PEER + the
group ID (UserIDs are printable, so no account can own that peer; no migration needed):

- `cleared_id`: the group's last MsgSeq when the user deleted the conversation, `read_time`: when;
  `listed` False after a delete. A deleted conversation is hidden until the group has a newer entry
  (a seq past `cleared_id`, or a message later than the deletion: a group disbanded and created again
  under the same ID starts its seqs at 1 again).
- `pinned_at`: pinned (TopFlag 1); pinning lists it again.

Types that keep no history (AVChatRoom) have no conversation (ruling, docs/compatibility.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts, feed
from confab.domain.apps import App
from confab.domain.c2c.model import FEED_CONV_DELETE, FEED_CONV_PIN
from confab.domain.groups import ids, model
from confab.domain.groups.types import ALL, stored
from confab.errors import ApiError
from confab.store.tables.c2c import c2c_conversations
from confab.store.tables.groups import group_members, groups
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.runtime import Runtime

GROUP_PEER = "\x01"  # c2c_conversations.peer of a group conversation: GROUP_PEER + GroupId
NO_CURSOR = 1 << 62  # "from the newest": a bound every MsgTime is under

_WITH_CONVERSATION = tuple(t.name for t in ALL if t.stores_history)

conv = c2c_conversations.c
gm = group_members.c
g = groups.c

_FROM = group_members.join(groups, sa.and_(g.sdkappid == gm.sdkappid, g.group_id == gm.group_id)).outerjoin(
    c2c_conversations,
    sa.and_(conv.sdkappid == gm.sdkappid, conv.owner == gm.user_id, conv.peer == sa.literal(GROUP_PEER) + gm.group_id),
)
_SHOWN = sa.or_(
    conv.listed.is_(None),
    conv.listed == sa.true(),
    g.next_msg_seq - 1 > conv.cleared_id,
    g.last_msg_time > conv.read_time,
)


def _page_statement(pinned: bool | None, empty: bool) -> Any:
    query = (
        sa.select(
            gm.group_id,
            g.last_msg_time,
            g.next_msg_seq,
            g.type,
            gm.read_seq,
            gm.join_seq,
            sa.func.coalesce(conv.pinned_at, 0).label("pinned_at"),
        )
        .select_from(_FROM)
        .where(
            gm.sdkappid == sa.bindparam("app"),
            gm.user_id == sa.bindparam("owner"),
            g.type.in_(_WITH_CONVERSATION),
            g.last_msg_time <= sa.bindparam("before"),
            _SHOWN,
        )
    )
    if pinned is True:
        query = query.where(conv.pinned_at > 0)
    elif pinned is False:
        query = query.where(sa.func.coalesce(conv.pinned_at, 0) == 0)
    if not empty:
        query = query.where(g.last_msg_time > 0)
    return query.order_by(g.last_msg_time.desc(), gm.group_id).limit(sa.bindparam("limit"))


_PAGES = {(p, e): _page_statement(p, e) for p in (None, True, False) for e in (False, True)}


@dataclass(frozen=True, slots=True)
class GroupConversation:
    group_id: str
    last_time: int  # MsgTime: the group's last message
    pinned_at: int
    msg_seq: int  # the group's last MsgSeq
    unread: int

    def item(self, *, pinned: bool) -> dict[str, Any]:
        return {"Type": 2, "GroupId": self.group_id, "MsgTime": self.last_time, "TopFlag": 1 if pinned else 0}


async def page(
    conn: Any, app: int, owner: str, *, pinned: bool | None, empty: bool, before: int, limit: int
) -> list[GroupConversation]:
    """The owner's shown group conversations with MsgTime <= before (0: no bound), newest first
    (ties by GroupId), at most `limit`: one range scan of the owner's memberships."""
    params = {"app": app, "owner": owner, "before": before or NO_CURSOR, "limit": limit}
    out = []
    for row in await conn.execute(_PAGES[(pinned, empty)], params):
        last = row.next_msg_seq - 1
        count = max(0, last - max(row.read_seq, row.join_seq - 1)) if stored(row.type).has_unread else 0
        out.append(GroupConversation(row.group_id, row.last_msg_time, row.pinned_at, last, count))
    return out


_READ_ALL = (
    group_members.update()
    .where(
        gm.sdkappid == sa.bindparam("app"),
        gm.group_id == sa.bindparam("gid"),
        gm.user_id == sa.bindparam("uid"),
        gm.read_seq < sa.bindparam("seq"),
    )
    .values(read_seq=sa.bindparam("seq"))
)


def _row(app: int, owner: str, group_id: str, **values: Any) -> dict[str, Any]:
    row = {
        "sdkappid": app,
        "owner": owner,
        "peer": GROUP_PEER + group_id,
        "last_time": 0,
        "unread": 0,
        "read_time": 0,
        "cleared_id": 0,
        "listed": True,
        "pinned_at": 0,
    }
    row.update(values)
    return row


async def _member_group(tx: Any, app: App, owner: str, group_id: str) -> tuple[model.Group, model.Member]:
    await accounts.require(tx, app.sdkappid, ("From_Account", owner, 50001))
    if not ids.plausible(group_id):
        raise ApiError(50002, "ToGroupid is not a group ID")
    try:
        group = await model.get(tx, app.sdkappid, group_id)
    except ApiError:
        raise ApiError(50002, f"ToGroupid {group_id!r}: no such group") from None
    member = await model.member(tx, group, owner)
    if member is None or not group.gtype.stores_history:
        raise ApiError(50002, f"{owner!r} has no conversation with group {group_id!r}: not a member")
    return group, member


async def delete(rt: Runtime, app: App, owner: str, group_id: str, *, clear_history: bool) -> None:
    """Take the group conversation off the owner's list until the group has a newer entry; its unread
    count goes to 0 (the read seq moves to the end). ClearRamble: the group's history is the group's,
    shared by its members; it is not cleared per user (ruling, docs/compatibility.md)."""
    now = int(time.time())
    async with rt.store.tx() as tx:
        group, member = await _member_group(tx, app, owner, group_id)
        last = group.next_msg_seq - 1
        if group.gtype.has_unread and last > member.read_seq:
            await tx.execute(_READ_ALL, {"app": app.sdkappid, "gid": group_id, "uid": owner, "seq": last})
        stmt = upsert(
            rt.store.dialect,
            c2c_conversations,
            ("sdkappid", "owner", "peer"),
            ("listed", "cleared_id", "read_time", "pinned_at"),
        )
        await tx.execute(stmt, _row(app.sdkappid, owner, group_id, listed=False, cleared_id=last, read_time=now))
        payload = {"Type": 2, "GroupId": group_id, "ClearRamble": 1 if clear_history else 0}
        await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_CONV_DELETE, payload)])


async def pin(rt: Runtime, app: App, owner: str, group_id: str, *, pinned: bool) -> None:
    """Pin or unpin a group conversation (pinning lists a deleted one again)."""
    now = int(time.time())
    async with rt.store.tx() as tx:
        await _member_group(tx, app, owner, group_id)
        changed = ("pinned_at", "listed") if pinned else ("pinned_at",)
        stmt = upsert(rt.store.dialect, c2c_conversations, ("sdkappid", "owner", "peer"), changed)
        await tx.execute(stmt, _row(app.sdkappid, owner, group_id, pinned_at=now if pinned else 0))
        payload = {"Type": 2, "GroupId": group_id, "TopFlag": int(pinned)}
        await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_CONV_PIN, payload)])
