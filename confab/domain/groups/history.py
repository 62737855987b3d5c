"""A group's message history (issue 13): pulling pages newest first, recalling, silently recalling one
sender's recent messages, modifying a stored message.

Every read is a range scan of the primary key (sdkappid, group_id, topic_id, msg_seq), descending from
the requested seq, so the newest page costs the same whatever the group's length. Recalled messages
keep their row and their seq (flag `recalled`, MsgBody and CloudCustomData blanked); history returns
them only with WithRecalledMsg 1, as placeholders (IsPlaceMsg 2). Tips (kind "tip") share the stream
and are returned as system messages (IsSystemMsg 1, the tip as pushed in a TIMGroupTipElem element).

A topic of a community (issue 14) is its own stream under the same key (`topic_id`): every function
here takes `topic_id` ("" or None: the group itself) and reads and writes only that topic's rows; a
TopicId naming no topic answers the page's "no such group" code (10010; 20001 on modify).

Who sees what (ruling 9): the REST app admin sees the whole stream; a device user only from their
joining on (`join_seq`) unless the app setting `group_history_before_join` or the type's
`history_before_join` allows earlier messages.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain.apps import App
from confab.domain.c2c import bodies
from confab.domain.groups import model, notices, topics
from confab.domain.groups.model import Group
from confab.domain.groups.types import Role
from confab.errors import ApiError
from confab.events import Event
from confab.store.tables.groups import group_messages

if TYPE_CHECKING:
    from confab.runtime import Runtime

HISTORY_MAX = 20  # ReqMsgNumber (seed 4506-4510)
RECALL_MAX = 10  # MsgSeqList (seed 5204-5206)
SENDER_WINDOW = 1000  # delete_group_msg_by_sender: "among the last 1,000 messages" (seed 4733)
IS_PLACE_RECALLED = 2  # IsPlaceMsg of a recalled message (seed 4633-4637)
TIP_PRIORITY = 1  # MsgPriority of a tip in history (a system message: High)
FEED_RECALL = "group.recall"  # the live notice of a recall (docs/feed/groups.md)
FEED_MODIFY = "group.modify"  # the live notice of a modified message

# per-seq RetCode of group_msg_recall (seed 5295-5303)
RECALL_MISSING = 10030
RECALL_WINDOW = 10031
RECALL_REFUSED = 10032
RECALL_FORBIDDEN = 10007  # a device user recalling someone else's message without the role for it

g = group_messages.c
_encode = msgspec.json.Encoder().encode
_decode_doc = msgspec.json.Decoder(dict[str, Any]).decode


class _Stored(msgspec.Struct):
    """The fields history needs from a stored message's wire form (messages.wire)."""

    MsgBody: msgspec.Raw = msgspec.Raw(b"[]")
    CloudCustomData: str | None = None
    MsgPriority: int = 2


_decode_stored = msgspec.json.Decoder(_Stored).decode


class GroupMessagesRecalled(Event, frozen=True):
    """Messages of a group recalled (group_msg_recall, a device's recall, delete_group_msg_by_sender)."""

    group_id: str
    group_type: str
    operator: str  # a UserID, or "" for the REST app admin
    msg_seqs: list[int]
    silent: bool  # delete_group_msg_by_sender: no live notice (seed 4750-4753)
    topic_id: str = ""


class GroupMessageModified(Event, frozen=True):
    group_id: str
    group_type: str
    msg_seq: int
    message: msgspec.Raw  # the message's new wire form
    topic_id: str = ""


# -- statements (hot path: built once) ---------------------------------------------------------------

_COLUMNS = (g.msg_seq, g.kind, g.sender, g.msg_time, g.random, g.body, g.recalled)
_KEY = (
    g.sdkappid == sa.bindparam("app"),
    g.group_id == sa.bindparam("gid"),
    g.topic_id == sa.bindparam("tid"),
)
# a range scan of the primary key, descending from `top` down to `floor`
_PAGE_ALL = (
    sa.select(*_COLUMNS)
    .where(*_KEY, g.msg_seq <= sa.bindparam("top"), g.msg_seq >= sa.bindparam("floor"))
    .order_by(g.msg_seq.desc())
    .limit(sa.bindparam("limit"))
)
_PAGE_LIVE = (
    sa.select(*_COLUMNS)
    .where(*_KEY, g.msg_seq <= sa.bindparam("top"), g.msg_seq >= sa.bindparam("floor"), g.recalled == 0)
    .order_by(g.msg_seq.desc())
    .limit(sa.bindparam("limit"))
)
_BY_SEQS = sa.select(*_COLUMNS).where(*_KEY, g.msg_seq.in_(sa.bindparam("seqs", expanding=True)))
_BY_SENDER = sa.select(g.msg_seq, g.body).where(
    *_KEY,
    g.msg_seq >= sa.bindparam("floor"),
    g.sender == sa.bindparam("sender"),
    g.kind == "msg",
    g.recalled == 0,
)
_ONE = sa.select(*_COLUMNS).where(*_KEY, g.msg_seq == sa.bindparam("seq"))
_UPDATE_ONE = group_messages.update().where(*_KEY, g.msg_seq == sa.bindparam("seq"))
_SET_RECALLED = _UPDATE_ONE.values(recalled=1, body=sa.bindparam("new_body"))
_SET_BODY = _UPDATE_ONE.values(body=sa.bindparam("new_body"))


# -- reading -----------------------------------------------------------------------------------------


def _visible_from(app: App, group: Group, join_seq: int) -> int:
    """The first seq a device member may read (ruling 9)."""
    gtype = group.gtype
    if app.settings.group_history_before_join.get(gtype.name, gtype.history_before_join):
        return 1
    return max(1, join_seq)


def _entry(row: Any) -> dict[str, Any]:
    """One message as group_msg_get_simple lists it (seed 4569-4662)."""
    doc: dict[str, Any] = {
        "From_Account": row.sender,
        "IsPlaceMsg": 0,
        "MsgPriority": TIP_PRIORITY,
        "MsgRandom": row.random,
        "MsgSeq": row.msg_seq,
        "MsgTimeStamp": row.msg_time,
    }
    if row.kind == "tip":
        doc["IsSystemMsg"] = 1
        doc["MsgBody"] = [{"MsgType": "TIMGroupTipElem", "MsgContent": msgspec.Raw(row.body.encode())}]
        return doc
    stored = _decode_stored(row.body)
    doc["MsgPriority"] = stored.MsgPriority
    if row.recalled:
        doc["IsPlaceMsg"] = IS_PLACE_RECALLED
        doc["MsgBody"] = []
        return doc
    doc["MsgBody"] = stored.MsgBody
    if stored.CloudCustomData is not None:
        doc["CloudCustomData"] = stored.CloudCustomData
    return doc


async def page(
    rt: Runtime,
    app: App,
    group_id: str,
    *,
    user: str | None,
    req_seq: int | None,
    number: int,
    with_recalled: bool = False,
    topic_id: str | None = None,
) -> dict[str, Any]:
    """group_msg_get_simple and the gateway's `group_history` / `topic_history`: up to `number` messages
    with MsgSeq <= req_seq (absent: the newest), newest first. `user` None is the REST app admin."""
    if not 1 <= number <= HISTORY_MAX:
        raise ApiError(10004, f"ReqMsgNumber must be 1..{HISTORY_MAX}")
    if req_seq is not None and req_seq < 0:
        raise ApiError(10004, "ReqMsgSeq must be >= 0")
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        topic = await topics.require(conn, group, topic_id) if topic_id else None
        next_seq = group.next_msg_seq if topic is None else topic.next_msg_seq
        floor = 1
        if user is not None and not app.is_admin(user):
            me = await model.member(conn, group, user)
            if me is None:
                raise ApiError(10007, "only members read the group's history")
            if topic is None:
                floor = _visible_from(app, group, me.join_seq)
            else:
                floor = await topics.visible_from(conn, app, group, topic, me)
        if not group.gtype.stores_history:
            raise ApiError(10007, f"{group.gtype.name} groups keep no message history")
        top = next_seq - 1 if req_seq is None else min(req_seq, next_seq - 1)
        rows: list[Any] = []
        if top >= floor:
            stmt = _PAGE_ALL if with_recalled else _PAGE_LIVE
            params = {
                "app": app.sdkappid,
                "gid": group_id,
                "tid": topic_id or "",
                "top": top,
                "floor": floor,
                "limit": number,
            }
            rows = list((await conn.execute(stmt, params)).all())
    # IsFinished 1: the reply holds every message asked for (no page is cut short for size in
    # Confab). A page shorter than ReqMsgNumber means the start of the visible history was reached.
    reply: dict[str, Any] = {"GroupId": group_id, "IsFinished": 1, "RspMsgList": [_entry(row) for row in rows]}
    if topic is not None:
        reply["TopicId"] = topic.topic_id
    return reply


# -- recall ------------------------------------------------------------------------------------------


def _blanked(body: str) -> str:
    """A stored wire form with its content removed (MsgBody [] and no CloudCustomData)."""
    doc = _decode_doc(body)
    doc["MsgBody"] = []
    doc.pop("CloudCustomData", None)
    doc["IsPlaceMsg"] = IS_PLACE_RECALLED
    return _encode(doc).decode()


async def recall(
    rt: Runtime, app: App, group_id: str, msg_seqs: list[int], *, operator: str | None, topic_id: str | None = None
) -> list[tuple[int, int]]:
    """group_msg_recall (operator None: the app admin, any stored message, any age) and a device's
    recall (a member: their own messages within `c2c_recall_limit_seconds`, and as owner or admin
    those of members below them, within the same window). Returns (MsgSeq, RetCode) per distinct seq,
    in request order: 0, 10030 no such message, 10032 already recalled or a tip, 10031 too old,
    10007 not allowed. The group's members connected now get one "group.recall" notice."""
    if not msg_seqs:
        raise ApiError(10004, "MsgSeqList must name at least one MsgSeq")
    if len(msg_seqs) > RECALL_MAX:
        raise ApiError(10004, f"MsgSeqList holds at most {RECALL_MAX} entries")
    seqs = list(dict.fromkeys(msg_seqs))
    if any(s < 1 for s in seqs):
        raise ApiError(10004, "MsgSeq must be >= 1")
    now = int(time.time())
    results: dict[int, int] = {}
    done: list[int] = []
    async with rt.store.tx() as tx:
        # the group row lock serializes recalls of a group (PostgreSQL): a message is recalled once
        group = await model.lock(tx, app.sdkappid, group_id)
        tid = (await topics.require(tx, group, topic_id)).topic_id if topic_id else ""
        role = await model.role_of(tx, app, group, operator)
        if role is None:
            raise ApiError(10007, "only members may recall the group's messages")
        rows = {}
        if group.gtype.stores_history:
            params = {"app": app.sdkappid, "gid": group_id, "tid": tid, "seqs": seqs}
            rows = {r.msg_seq: r for r in await tx.execute(_BY_SEQS, params)}
        others: dict[str, model.Member] = {}
        if role < Role.APP_ADMIN:
            senders = [r.sender for r in rows.values() if r.sender != operator and r.kind == "msg"]
            others = await model.members(tx, group, list(dict.fromkeys(senders)))
        updates = []
        for seq in seqs:
            row = rows.get(seq)
            if row is None:
                results[seq] = RECALL_MISSING
            elif row.recalled or row.kind != "msg":
                results[seq] = RECALL_REFUSED
            elif role < Role.APP_ADMIN and not _may_recall(app, group, operator, role, row, others):
                results[seq] = RECALL_FORBIDDEN
            elif role < Role.APP_ADMIN and now - row.msg_time > app.settings.c2c_recall_limit_seconds:
                results[seq] = RECALL_WINDOW
            else:
                results[seq] = 0
                done.append(seq)
                updates.append(
                    {"app": app.sdkappid, "gid": group_id, "tid": tid, "seq": seq, "new_body": _blanked(row.body)}
                )
        if updates:
            await tx.execute(_SET_RECALLED, updates)
            _announce_recall(tx, rt, group, operator, done, now, silent=False, topic_id=tid)
    return [(seq, results[seq]) for seq in seqs]


def _may_recall(
    app: App, group: Group, operator: str | None, role: Role, row: Any, others: dict[str, model.Member]
) -> bool:
    if row.sender == operator:
        return True
    if role < Role.ADMIN or app.is_admin(row.sender):
        return False
    sender = others.get(row.sender)
    sender_role = sender.role if sender is not None else (Role.OWNER if row.sender == group.owner else Role.MEMBER)
    return sender_role < role


def _announce_recall(
    tx: Any,
    rt: Runtime,
    group: Group,
    operator: str | None,
    seqs: list[int],
    now: int,
    *,
    silent: bool,
    topic_id: str = "",
) -> None:
    event = GroupMessagesRecalled(
        sdkappid=group.sdkappid,
        at=now,
        group_id=group.group_id,
        group_type=group.gtype.name,
        operator=operator or "",
        msg_seqs=seqs,
        silent=silent,
        topic_id=topic_id,
    )
    if silent:
        notices.publish(tx, rt, event)
        return
    payload: dict[str, Any] = {"GroupId": group.group_id}
    if topic_id:
        payload["TopicId"] = topic_id
    payload |= {"MsgSeqList": seqs, "Operator_Account": operator or "", "MsgTime": now}
    entry = notices.entry(group.sdkappid, group.group_id, FEED_RECALL, payload, at=now)
    notices.publish(tx, rt, entry, event)


async def recall_by_sender(rt: Runtime, app: App, group_id: str, sender: str, topic_id: str | None = None) -> int:
    """delete_group_msg_by_sender: silently recall `sender`'s messages among the group's last 1,000
    (seed 4733-4753): flagged and blanked, no live notice. One range read of at most 1,000 rows of the
    primary key and one executemany. AVChatRoom keeps nothing: no effect, no error. Returns how many."""
    now = int(time.time())
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        topic = await topics.require(tx, group, topic_id) if topic_id else None
        if not group.gtype.stores_history:
            return 0
        tid = "" if topic is None else topic.topic_id
        next_seq = group.next_msg_seq if topic is None else topic.next_msg_seq
        floor = max(1, next_seq - SENDER_WINDOW)
        params = {"app": app.sdkappid, "gid": group_id, "tid": tid, "floor": floor, "sender": sender}
        rows = (await tx.execute(_BY_SENDER, params)).all()
        if not rows:
            return 0
        updates = [
            {"app": app.sdkappid, "gid": group_id, "tid": tid, "seq": r.msg_seq, "new_body": _blanked(r.body)}
            for r in rows
        ]
        await tx.execute(_SET_RECALLED, updates)
        _announce_recall(tx, rt, group, None, [r.msg_seq for r in rows], now, silent=True, topic_id=tid)
    return len(rows)


# -- modify ------------------------------------------------------------------------------------------


async def modify(
    rt: Runtime,
    app: App,
    group_id: str,
    msg_seq: int,
    *,
    body: Any | None,
    cloud_data: str | None,
    topic_id: str | None = None,
) -> None:
    """openim/modify_group_msg: overwrite MsgBody and/or CloudCustomData of a stored message, with the
    page's codes (seed 3820-3840): 90002/90007 a bad MsgBody, 90010 over 12 KB, 20001 anything else
    wrong (no such group, no such message, a recalled message, a tip, an AVChatRoom)."""
    body_json = None
    if body is not None:
        bodies.validate_body(body, code=90002, not_array_code=90007)
        body_json = _encode(body)
    if body_json is None and cloud_data is None:
        raise ApiError(20001, "give MsgBody, CloudCustomData or both")
    if msg_seq < 1:
        raise ApiError(20001, "MsgSeq must be >= 1")
    now = int(time.time())
    async with rt.store.tx() as tx:
        try:
            group = await model.lock(tx, app.sdkappid, group_id)
        except ApiError as exc:
            raise ApiError(20001, exc.info) from None
        if not group.gtype.stores_history:
            raise ApiError(20001, f"{group.gtype.name} groups keep no messages to modify")
        tid = (await topics.require(tx, group, topic_id, 20001)).topic_id if topic_id else ""
        row = (await tx.execute(_ONE, {"app": app.sdkappid, "gid": group_id, "tid": tid, "seq": msg_seq})).first()
        if row is None or row.kind != "msg":
            raise ApiError(20001, f"group {group_id} has no message {msg_seq}")
        if row.recalled:
            raise ApiError(20001, "a recalled message cannot be modified")
        doc = _decode_doc(row.body)
        new_body = body_json if body_json is not None else _encode(doc.get("MsgBody", []))
        new_cloud = cloud_data if cloud_data is not None else doc.get("CloudCustomData")
        if bodies.packet_size(new_body, new_cloud) > bodies.MAX_PACKET_BYTES:
            raise ApiError(90010, f"MsgBody plus CloudCustomData exceed {bodies.MAX_PACKET_BYTES} bytes")
        doc["MsgBody"] = msgspec.Raw(new_body)
        if new_cloud is not None:
            doc["CloudCustomData"] = new_cloud
        payload = _encode(doc)
        await tx.execute(
            _SET_BODY, {"app": app.sdkappid, "gid": group_id, "tid": tid, "seq": msg_seq, "new_body": payload.decode()}
        )
        entry = notices.entry(app.sdkappid, group_id, FEED_MODIFY, payload, at=now)
        event = GroupMessageModified(
            sdkappid=app.sdkappid,
            at=now,
            group_id=group_id,
            group_type=group.gtype.name,
            msg_seq=msg_seq,
            message=msgspec.Raw(payload),
            topic_id=tid,
        )
        notices.publish(tx, rt, entry, event)
