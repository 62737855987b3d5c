"""Group read receipts (issue 13): get_group_msg_receipt (seed 004 lines 5734-5942),
get_group_msg_receipt_detail (5467-5733) and a device's `group_receipt` (docs/client-protocol.md,
"Group messages").

Which messages have receipts: those a device sent with `IsNeedReadReceipt` 1 (their stored wire form
carries `NeedReadReceipt: 1`, messages.wire), in types whose record has `read_receipts` (not
AVChatRoom, not Community: seed 5478-5486). Any other seq answers 10062 ("the read receipt doesn't
exist").

Receipts are explicit: a member reports reading messages (`group_receipt`), one row per (group, seq,
reader) in `group_receipts`, bounded by the call's MsgSeqList. Marking a group read (`read_group`)
moves the read seq only and writes no receipt (docs/compatibility.md).

Counts, with a fixed number of indexed statements whatever the group's size:
- ReadNum: the receipt rows of the seq (a primary-key range; readers who left since still read it);
- UnreadNum: the members who could read it (current members whose join seq <= the seq, the sender
  excepted) minus those of them with a receipt: one grouped scan of the group's members by join seq
  for every seq of the call, and one grouped count of receipts joined to their readers' memberships.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import feed
from confab.domain.apps import App
from confab.domain.groups import model, notices
from confab.domain.groups.model import Group
from confab.errors import ApiError
from confab.events import Event
from confab.store.tables.groups import group_members, group_messages, group_receipts
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.runtime import Runtime

SEQS_MAX = 100  # MsgSeqList of one call (undocumented; docs/compatibility.md)
DETAIL_COUNT_MAX = 200  # get_group_msg_receipt_detail `Count` (seed 5550-5552)
NO_RECEIPT = 10062  # "The read receipt doesn't exist" (seed 5721, 5895)
NOT_ALLOWED = 10007  # a receipt for one's own message, or one from before joining
FEED_RECEIPT = "group.receipt"  # to the sender's devices (docs/feed/groups.md)
FILTER_READ, FILTER_UNREAD = 0, 1
CURSOR_END = "0"  # the Cursor answered with IsFinish 1 (the seed's sample, 5599); "" starts

r = group_receipts.c
m = group_members.c
g = group_messages.c
_encode = msgspec.json.Encoder().encode


class _Flag(msgspec.Struct):
    NeedReadReceipt: int = 0


_decode_flag = msgspec.json.Decoder(_Flag).decode


class GroupReceiptsRead(Event, frozen=True):
    """A member sent read receipts (for Group.CallbackAfterReadReceipt, seed 34456-34629)."""

    group_id: str
    group_type: str
    reader: str
    receipts: list[dict[str, int]]  # [{"MsgSeq", "ReadNum", "UnreadNum"}] after the receipts


# -- statements (built once) -------------------------------------------------------------------------

_MSGS = sa.select(g.msg_seq, g.kind, g.sender, g.recalled, g.body).where(
    g.sdkappid == sa.bindparam("app"),
    g.group_id == sa.bindparam("gid"),
    g.topic_id == "",
    g.msg_seq.in_(sa.bindparam("seqs", expanding=True)),
)
_JOIN_SEQS = (
    sa.select(m.join_seq, sa.func.count())
    .where(m.sdkappid == sa.bindparam("app"), m.group_id == sa.bindparam("gid"))
    .group_by(m.join_seq)
)
_JOINED = sa.select(m.user_id, m.join_seq).where(
    m.sdkappid == sa.bindparam("app"),
    m.group_id == sa.bindparam("gid"),
    m.user_id.in_(sa.bindparam("users", expanding=True)),
)
_READS = (
    sa.select(r.msg_seq, sa.func.count(), sa.func.count(m.user_id))
    .select_from(
        group_receipts.outerjoin(
            group_members,
            sa.and_(
                m.sdkappid == r.sdkappid,
                m.group_id == r.group_id,
                m.user_id == r.user_id,
                m.join_seq <= r.msg_seq,
            ),
        )
    )
    .where(
        r.sdkappid == sa.bindparam("app"),
        r.group_id == sa.bindparam("gid"),
        r.topic_id == "",
        r.msg_seq.in_(sa.bindparam("seqs", expanding=True)),
    )
    .group_by(r.msg_seq)
)
_MINE = sa.select(r.msg_seq).where(
    r.sdkappid == sa.bindparam("app"),
    r.group_id == sa.bindparam("gid"),
    r.topic_id == "",
    r.user_id == sa.bindparam("uid"),
    r.msg_seq.in_(sa.bindparam("seqs", expanding=True)),
)
_READ_PAGE = (
    sa.select(r.user_id)
    .where(
        r.sdkappid == sa.bindparam("app"),
        r.group_id == sa.bindparam("gid"),
        r.topic_id == "",
        r.msg_seq == sa.bindparam("seq"),
        r.user_id > sa.bindparam("after"),
    )
    .order_by(r.user_id)
    .limit(sa.bindparam("limit"))
)
_UNREAD_PAGE = (
    sa.select(m.user_id)
    .where(
        m.sdkappid == sa.bindparam("app"),
        m.group_id == sa.bindparam("gid"),
        m.user_id > sa.bindparam("after"),
        m.user_id != sa.bindparam("sender"),
        m.join_seq <= sa.bindparam("seq"),
        ~sa.exists().where(
            r.sdkappid == m.sdkappid,
            r.group_id == m.group_id,
            r.topic_id == "",
            r.msg_seq == sa.bindparam("seq"),
            r.user_id == m.user_id,
        ),
    )
    .order_by(m.user_id)
    .limit(sa.bindparam("limit"))
)


# -- reading -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Counts:
    read: int
    unread: int


def _require_type(group: Group) -> None:
    if not group.gtype.read_receipts:
        raise ApiError(10007, f"{group.gtype.name} groups have no read receipts (seed 5478-5486)")


def _require_seqs(seqs: list[int]) -> list[int]:
    if not seqs:
        raise ApiError(10004, "MsgSeqList must name at least one message")
    if len(seqs) > SEQS_MAX:
        raise ApiError(10004, f"MsgSeqList holds at most {SEQS_MAX} seqs")
    for seq in seqs:
        if seq < 1:
            raise ApiError(10004, "MsgSeq values are positive")
    return sorted(set(seqs))


async def _receipted(conn: Any, group: Group, seqs: list[int]) -> dict[int, Any]:
    """The stored messages among `seqs` that asked for receipts: seq -> row (sender, recalled)."""
    rows = await conn.execute(_MSGS, {"app": group.sdkappid, "gid": group.group_id, "seqs": seqs})
    return {row.msg_seq: row for row in rows if row.kind == "msg" and _decode_flag(row.body).NeedReadReceipt}


async def _counts(conn: Any, group: Group, senders: dict[int, str]) -> dict[int, Counts]:
    """ReadNum and UnreadNum of each seq (seq -> its sender): three statements for all of them."""
    if not senders:
        return {}
    key = {"app": group.sdkappid, "gid": group.group_id}
    dist = sorted((row[0], row[1]) for row in await conn.execute(_JOIN_SEQS, key))
    join_seqs = [js for js, _ in dist]
    running: list[int] = []
    total = 0
    for _, n in dist:
        total += n
        running.append(total)
    joined = {
        row.user_id: row.join_seq
        for row in await conn.execute(_JOINED, {**key, "users": sorted(set(senders.values()))})
    }
    reads = {row[0]: (row[1], row[2]) for row in await conn.execute(_READS, {**key, "seqs": sorted(senders)})}
    out: dict[int, Counts] = {}
    for seq, sender in senders.items():
        i = bisect_right(join_seqs, seq)
        eligible = running[i - 1] if i else 0
        sender_join = joined.get(sender)
        if sender_join is not None and sender_join <= seq:
            eligible -= 1
        read, read_by_eligible = reads.get(seq, (0, 0))
        out[seq] = Counts(read=read, unread=max(0, eligible - read_by_eligible))
    return out


async def receipt_counts(rt: Runtime, app: App, group_id: str, seqs: list[int]) -> list[dict[str, int]]:
    """get_group_msg_receipt: per requested seq, in request order, Code 0 with ReadNum and UnreadNum,
    or Code 10062 (no such message, a tip, or a message that asked for no receipt)."""
    unique = _require_seqs(seqs)
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        _require_type(group)
        found = await _receipted(conn, group, unique)
        counts = await _counts(conn, group, {seq: row.sender for seq, row in found.items()})
    items: list[dict[str, int]] = []
    for seq in seqs:
        c = counts.get(seq)
        if c is None:
            items.append({"Code": NO_RECEIPT, "MsgSeq": seq, "ReadNum": 0, "UnreadNum": 0})
        else:
            items.append({"Code": 0, "MsgSeq": seq, "ReadNum": c.read, "UnreadNum": c.unread})
    return items


def _after(cursor: str) -> str | None:
    """The account a Cursor continues after ("" the start); None at the end ("0", answered with
    IsFinish 1). Confab's cursors are the last account returned, hex-encoded (opaque to clients)."""
    if cursor == "":
        return ""
    if cursor == CURSOR_END:
        return None
    try:
        return bytes.fromhex(cursor).decode()
    except ValueError:
        raise ApiError(10004, "Cursor is not one this API returned") from None


async def receipt_detail(
    rt: Runtime, app: App, group_id: str, seq: int, *, unread: bool, cursor: str, count: int
) -> dict[str, Any]:
    """get_group_msg_receipt_detail: one page of the members who have (not) read message `seq`, in
    account order from `cursor`; 10062 when the message has no receipt."""
    if seq < 1:
        raise ApiError(10004, "MsgSeq must be positive")
    if not 1 <= count <= DETAIL_COUNT_MAX:
        raise ApiError(10004, f"Count is 1 to {DETAIL_COUNT_MAX}")
    after = _after(cursor)
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        _require_type(group)
        found = await _receipted(conn, group, [seq])
        if seq not in found:
            raise ApiError(NO_RECEIPT, f"message {seq} of this group has no read receipt")
        users: list[str] = []
        if after is not None:
            params = {"app": app.sdkappid, "gid": group_id, "seq": seq, "after": after, "limit": count + 1}
            if unread:
                params["sender"] = found[seq].sender
            rows = await conn.execute(_UNREAD_PAGE if unread else _READ_PAGE, params)
            users = [row[0] for row in rows]
    finished = len(users) <= count
    users = users[:count]
    reply: dict[str, Any] = {
        "Cursor": CURSOR_END if finished or not users else users[-1].encode().hex(),
        "IsFinish": int(finished),
        "IsFinished": int(finished),  # the field table's name (seed 5681); the sample's is IsFinish
        "MsgSeq": seq,
    }
    if unread:
        reply["UnreadList"] = [{"Unread_Account": u} for u in users]
    else:
        reply["ReadList"] = [{"Read_Account": u} for u in users]
    return reply


# -- writing -----------------------------------------------------------------------------------------


async def send_receipts(rt: Runtime, app: App, group_id: str, reader: str, seqs: list[int]) -> list[dict[str, int]]:
    """A member has read messages `seqs` (a device's `group_receipt`). Per seq, in request order:
    Code 0 (recorded, or recorded before), 10062 (no receipt: no such message, a tip, recalled, or it
    asked for none), 10007 (one's own message, or one from before joining). Each sender with new
    receipts gets one "group.receipt" feed entry with the new counts."""
    unique = _require_seqs(seqs)
    now = int(time.time())
    codes: dict[int, int] = {}
    async with rt.store.tx() as tx:
        group = await model.get(tx, app.sdkappid, group_id)
        _require_type(group)
        member = await model.member(tx, group, reader)
        if member is None:
            raise ApiError(10007, "only members of the group send read receipts in it")
        found = await _receipted(tx, group, unique)
        key = {"app": app.sdkappid, "gid": group_id}
        mine = {row[0] for row in await tx.execute(_MINE, {**key, "uid": reader, "seqs": unique})}
        new: dict[int, str] = {}
        for seq in unique:
            row = found.get(seq)
            if row is None or row.recalled:
                codes[seq] = NO_RECEIPT
            elif row.sender == reader or seq < member.join_seq:
                codes[seq] = NOT_ALLOWED
            else:
                codes[seq] = 0
                if seq not in mine:
                    new[seq] = row.sender
        if new:
            rows = [
                {
                    "sdkappid": app.sdkappid,
                    "group_id": group_id,
                    "topic_id": "",
                    "msg_seq": s,
                    "user_id": reader,
                    "read_at": now,
                }
                for s in sorted(new)
            ]
            stmt = upsert(
                rt.store.dialect, group_receipts, ("sdkappid", "group_id", "topic_id", "msg_seq", "user_id"), ()
            )
            await tx.execute(stmt, rows)
            counts = await _counts(tx, group, new)
            per_sender: dict[str, list[dict[str, int]]] = {}
            for seq in sorted(new):
                c = counts[seq]
                per_sender.setdefault(new[seq], []).append({"MsgSeq": seq, "ReadNum": c.read, "UnreadNum": c.unread})
            entries = [
                (
                    sender,
                    FEED_RECEIPT,
                    _encode(
                        {"GroupId": group_id, "Type": group.gtype.name, "Reader": reader, "GroupMsgReceiptList": items}
                    ),
                )
                for sender, items in sorted(per_sender.items())
                if not app.is_admin(sender)
            ]
            await feed.append(tx, rt.bus, app.sdkappid, entries)
            event = GroupReceiptsRead(
                sdkappid=app.sdkappid,
                at=now,
                group_id=group_id,
                group_type=group.gtype.name,
                reader=reader,
                receipts=[item for items in per_sender.values() for item in items],
            )
            notices.publish(tx, rt, event)
    return [{"MsgSeq": seq, "Code": codes[seq]} for seq in seqs]
