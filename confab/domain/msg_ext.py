"""Message extensions of one-to-one messages (seed 004 lines 5943-6407) and of group messages
(group_get_key_values / group_set_key_values, seed 6408-6892).

A message sent with `SupportMessageExtension` carries a set of key-values that the app admin and
the conversation's two members may change. Each write that changes something advances the
message's extension Seq; every key remembers the Seq of its last write. A member writing must pass
the Seq it last saw for that key (0 for a new key), so concurrent writers cannot silently
overwrite each other (23001); the admin is not checked. "Clear all" records a ClearSeq: clients
drop every key at or below it.

One implementation and one pair of tables serve both kinds of message. A one-to-one message's rows
are keyed (from_account, to_account, msg_key); a group message's rows have from_account "" (never a
UserID, so the account purge leaves them alone), to_account the GroupId and msg_key
"<MsgSeq>_<Random>_<MsgTime>" (so a group disbanded and created again under the same custom ID never
inherits the old messages' keys). The tables need no schema change for groups (GroupIds of stored
groups are at most 48 bytes, ruling 8; the column holds 64).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import accounts, feed
from confab.domain.apps import App
from confab.domain.c2c.model import FLAG_EXTENSION
from confab.domain.limits import utf8_len
from confab.errors import ApiError
from confab.events import Event
from confab.store import Tx
from confab.store.tables.groups import group_messages
from confab.store.tables.msg_ext import c2c_msg_ext, c2c_msg_ext_state
from confab.store.upsert import upsert
from confab.windows import WindowCounter

if TYPE_CHECKING:
    from confab.runtime import Runtime

MAX_KEYS_PER_MESSAGE = 300
MAX_ITEMS_PER_WRITE = 20
MAX_KEY_BYTES = 100
MAX_VALUE_BYTES = 1000
MAX_PULL = 200
MAX_WRITES_PER_MINUTE = 200  # per message (23003)

OP_SET, OP_DELETE, OP_CLEAR = 1, 2, 3

FEED_KIND = "c2c.msg_ext"
GROUP_KIND = "group.msg_ext"  # the live notice to a group's connected members (docs/feed/groups.md)
GROUP_CONVERSATION = ""  # from_account of a group message's rows (no UserID is empty)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """The message an extension belongs to, as the one-to-one area stores it."""

    from_account: str
    to_account: str
    msg_key: str
    supports_extension: bool


@dataclass(frozen=True, slots=True)
class ExtItem:
    key: str
    value: str
    seq: int


class MessageExtensionChanged(Event, frozen=True):
    from_account: str
    to_account: str
    msg_key: str
    operate_type: int
    operator: str
    extensions: list[dict[str, Any]]  # [{"Key", "Value", "Seq"}] as written (deleted keys: Value "")
    latest_seq: int
    clear_seq: int


_encode = msgspec.json.Encoder().encode
_budget = WindowCounter(seconds=60, max_keys=65536)  # per process: writes to one message this minute


def _key_where(table: sa.Table) -> Any:
    return sa.and_(
        table.c.sdkappid == sa.bindparam("app"),
        table.c.from_account == sa.bindparam("from_"),
        table.c.to_account == sa.bindparam("to"),
        table.c.msg_key == sa.bindparam("msg_key"),
    )


_STATE = sa.select(c2c_msg_ext_state.c.latest_seq, c2c_msg_ext_state.c.clear_seq).where(_key_where(c2c_msg_ext_state))
_ITEMS = sa.select(c2c_msg_ext.c.ext_key, c2c_msg_ext.c.value, c2c_msg_ext.c.seq).where(_key_where(c2c_msg_ext))
_PULL = (
    sa.select(c2c_msg_ext.c.ext_key, c2c_msg_ext.c.value, c2c_msg_ext.c.seq)
    .where(_key_where(c2c_msg_ext), c2c_msg_ext.c.seq >= sa.bindparam("start"))
    .order_by(c2c_msg_ext.c.seq, c2c_msg_ext.c.ext_key)
    .limit(MAX_PULL + 1)
)
_DELETE_KEYS = c2c_msg_ext.delete().where(
    _key_where(c2c_msg_ext), c2c_msg_ext.c.ext_key.in_(sa.bindparam("keys", expanding=True))
)
_DELETE_ALL = c2c_msg_ext.delete().where(_key_where(c2c_msg_ext))


def _ensure_enabled(app: App) -> None:
    if not app.settings.msg_extension_enabled:
        raise ApiError(10008, "message extensions are not enabled for this app (setting msg_extension_enabled)")


async def _message(conn: Any, app: App, from_account: str | None, to_account: str, msg_key: str) -> MessageRef:
    from confab.domain.c2c import queries  # the one-to-one area owns message storage

    if from_account is None:
        msg = await queries.find_by_party(conn, app.sdkappid, to_account, msg_key)
    else:
        msg = await queries.find(conn, app.sdkappid, from_account, to_account, msg_key)
        if msg is not None and (msg.from_account, msg.to_account) != (from_account, to_account):
            msg = None
    if msg is None or msg.recalled:
        raise ApiError(23004, f"no one-to-one message {msg_key!r} between these accounts")
    return MessageRef(msg.from_account, msg.to_account, msg.msg_key, bool(msg.flags & FLAG_EXTENSION))


def _check_member(ref: MessageRef, operator: str | None) -> None:
    if operator is not None and operator not in (ref.from_account, ref.to_account):
        raise ApiError(10004, "only the conversation's members may use this message's extensions")


async def get_key_values(
    rt: Runtime,
    app: App,
    *,
    from_account: str | None,
    to_account: str,
    msg_key: str,
    start_seq: int = 0,
    operator: str | None = None,
) -> dict[str, Any]:
    """The message's key-values with Seq >= start_seq, by Seq, at most 200 (seed 5943-6150).

    `operator` is the user asking (None: the app admin).
    """
    _ensure_enabled(app)
    async with rt.store.read() as conn:
        ref = await _message(conn, app, from_account, to_account, msg_key)
        _check_member(ref, operator)
        params = {"app": app.sdkappid, "from_": ref.from_account, "to": ref.to_account, "msg_key": ref.msg_key}
        return await _pull(conn, params, start_seq)


async def _pull(conn: Any, params: dict[str, Any], start_seq: int) -> dict[str, Any]:
    """The reply of get_key_values / group_get_key_values for one message's rows."""
    state = (await conn.execute(_STATE, params)).first()
    rows = (await conn.execute(_PULL, {**params, "start": max(0, start_seq)})).all()
    complete = len(rows) <= MAX_PULL
    return {
        "CompleteFlag": 1 if complete else 0,
        "LatestSeq": state[0] if state else 0,
        "ClearSeq": state[1] if state else 0,
        "ExtensionList": [{"Key": r[0], "Value": r[1], "Seq": r[2]} for r in rows[:MAX_PULL]],
    }


def _validate_items(operate_type: int, items: list[ExtItem] | None) -> list[ExtItem]:
    if operate_type not in (OP_SET, OP_DELETE, OP_CLEAR):
        raise ApiError(10004, "OperateType must be 1 (set), 2 (delete) or 3 (clear all)")
    if operate_type == OP_CLEAR:
        return []
    if not items:
        raise ApiError(10004, "ExtensionList is required for OperateType 1 and 2")
    if len(items) > MAX_ITEMS_PER_WRITE:
        raise ApiError(10004, f"ExtensionList holds at most {MAX_ITEMS_PER_WRITE} key-values per request")
    seen: set[str] = set()
    for item in items:
        if not item.key or utf8_len(item.key) > MAX_KEY_BYTES:
            raise ApiError(10004, f"Key must be 1-{MAX_KEY_BYTES} bytes")
        if utf8_len(item.value) > MAX_VALUE_BYTES:
            raise ApiError(10004, f"Value of {item.key!r} exceeds {MAX_VALUE_BYTES} bytes")
        if item.key in seen:
            raise ApiError(10004, f"Key {item.key!r} appears twice")
        if item.seq < 0:
            raise ApiError(10004, "Seq must not be negative")
        seen.add(item.key)
    return items


@dataclass(slots=True)
class _Outcome:
    """What one write did: the per-key results, the rows written, the message's Seqs after it, and
    whether it changed anything (only then is it announced)."""

    results: list[dict[str, Any]]
    written: list[ExtItem]
    latest: int
    clear: int
    changed: bool


async def set_key_values(
    rt: Runtime,
    app: App,
    *,
    from_account: str | None,
    to_account: str,
    msg_key: str,
    operate_type: int,
    items: list[ExtItem] | None,
    operator: str | None = None,
) -> list[dict[str, Any]]:
    """Set, delete or clear key-values (seed 6151-6407); returns the per-key results.

    `operator` is the member writing (None: the app admin, whose writes skip the Seq check).
    """
    _ensure_enabled(app)
    wanted = _validate_items(operate_type, items)
    now = int(time.time())
    async with rt.store.tx() as tx:
        ref = await _message(tx.conn, app, from_account, to_account, msg_key)
        _check_member(ref, operator)
        if not ref.supports_extension:
            raise ApiError(23002, "the message was not sent with SupportMessageExtension")
        params = {"app": app.sdkappid, "from_": ref.from_account, "to": ref.to_account, "msg_key": ref.msg_key}
        done = await _write(tx, rt, params, operate_type, wanted, by_admin=operator is None)
        if done.changed:
            await _announce(tx, rt, app, ref, operate_type, operator, done.written, done.latest, done.clear, now)
    return done.results


async def _write(
    tx: Tx, rt: Runtime, params: dict[str, Any], operate_type: int, wanted: list[ExtItem], *, by_admin: bool
) -> _Outcome:
    """The write itself, on one message's rows (`params`), inside the caller's transaction."""
    budget_key = (params["app"], params["from_"], params["to"], params["msg_key"])
    if not _budget.take(budget_key, MAX_WRITES_PER_MINUTE):
        raise ApiError(23003, f"more than {MAX_WRITES_PER_MINUTE} extension writes to this message in a minute")
    state = (await tx.execute(_STATE, params)).first()
    latest, clear = (state[0], state[1]) if state else (0, 0)
    stored = {r[0]: ExtItem(r[0], r[1], r[2]) for r in await tx.execute(_ITEMS, params)}

    results: list[dict[str, Any]] = []
    accepted: list[ExtItem] = []
    for item in wanted:
        current = stored.get(item.key)
        current_seq = current.seq if current else 0
        if not by_admin and item.seq != current_seq:
            shown = current or ExtItem(item.key, "", 0)
            results.append({"ErrorCode": 23001, "Extension": _wire(shown)})
        elif operate_type == OP_DELETE and current is None:
            results.append({"ErrorCode": 0, "Extension": _wire(ExtItem(item.key, "", latest))})
        else:
            accepted.append(item)
            results.append({"ErrorCode": 0, "Extension": None})  # filled once the new Seq is known

    if operate_type == OP_SET:
        new_keys = {i.key for i in accepted} - stored.keys()
        if len(stored) + len(new_keys) > MAX_KEYS_PER_MESSAGE:
            raise ApiError(10004, f"a message holds at most {MAX_KEYS_PER_MESSAGE} key-values")

    written: list[ExtItem] = []
    if operate_type == OP_CLEAR:
        if stored or latest:
            clear = latest
            await tx.execute(_DELETE_ALL, params)
            await _save_state(tx, rt, params, latest, clear)
    elif accepted:
        latest += 1
        if operate_type == OP_SET:
            written = [ExtItem(i.key, i.value, latest) for i in accepted]
            stmt = upsert(
                rt.store.dialect,
                c2c_msg_ext,
                ("sdkappid", "from_account", "to_account", "msg_key", "ext_key"),
                ("value", "seq"),
            )
            await tx.execute(stmt, [_row(params, w) for w in written])
        else:
            written = [ExtItem(i.key, "", latest) for i in accepted if i.key in stored]
            await tx.execute(_DELETE_KEYS, {**params, "keys": [i.key for i in accepted]})
        await _save_state(tx, rt, params, latest, clear)
        by_key = {w.key: w for w in written}
        for result, item in zip((r for r in results if r["Extension"] is None), accepted, strict=True):
            result["Extension"] = _wire(by_key.get(item.key, ExtItem(item.key, "", latest)))
    changed = bool(written) or operate_type == OP_CLEAR
    return _Outcome(results, written, latest, clear, changed)


def _wire(item: ExtItem) -> dict[str, Any]:
    return {"Key": item.key, "Value": item.value, "Seq": item.seq}


def _row(params: dict[str, Any], item: ExtItem) -> dict[str, Any]:
    return {
        "sdkappid": params["app"],
        "from_account": params["from_"],
        "to_account": params["to"],
        "msg_key": params["msg_key"],
        "ext_key": item.key,
        "value": item.value,
        "seq": item.seq,
    }


async def _save_state(tx: Tx, rt: Runtime, params: dict[str, Any], latest: int, clear: int) -> None:
    stmt = upsert(
        rt.store.dialect,
        c2c_msg_ext_state,
        ("sdkappid", "from_account", "to_account", "msg_key"),
        ("latest_seq", "clear_seq"),
    )
    await tx.execute(
        stmt,
        {
            "sdkappid": params["app"],
            "from_account": params["from_"],
            "to_account": params["to"],
            "msg_key": params["msg_key"],
            "latest_seq": latest,
            "clear_seq": clear,
        },
    )


async def _announce(
    tx: Tx,
    rt: Runtime,
    app: App,
    ref: MessageRef,
    operate_type: int,
    operator: str | None,
    written: list[ExtItem],
    latest: int,
    clear: int,
    now: int,
) -> None:
    """Both members' devices hear of the change (feed); webhooks get the event."""
    payload = {
        "From_Account": ref.from_account,
        "To_Account": ref.to_account,
        "MsgKey": ref.msg_key,
        "OperateType": operate_type,
        "ExtensionList": [_wire(w) for w in written],
        "LatestSeq": latest,
        "ClearSeq": clear,
    }
    members = dict.fromkeys((ref.from_account, ref.to_account))
    await feed.append(tx, rt.bus, app.sdkappid, [(user, FEED_KIND, payload) for user in members])
    event = MessageExtensionChanged(
        sdkappid=app.sdkappid,
        at=now,
        from_account=ref.from_account,
        to_account=ref.to_account,
        msg_key=ref.msg_key,
        operate_type=operate_type,
        operator=operator or "",
        extensions=payload["ExtensionList"],  # type: ignore[arg-type]
        latest_seq=latest,
        clear_seq=clear,
    )
    tx.emit(event)


async def purge_accounts(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    """The one-to-one rows of deleted accounts; group messages' rows (from_account "", to_account a
    GroupId that may equal a UserID) stay with their group."""
    for table in (c2c_msg_ext, c2c_msg_ext_state):
        for part in accounts.chunks(user_ids):
            await tx.execute(
                table.delete().where(
                    table.c.sdkappid == sdkappid,
                    sa.or_(
                        table.c.from_account.in_(part),
                        sa.and_(table.c.from_account != GROUP_CONVERSATION, table.c.to_account.in_(part)),
                    ),
                )
            )


# -- group messages (seed 6408-6892) ------------------------------------------------------------------


class GroupMessageExtensionChanged(Event, frozen=True):
    group_id: str
    group_type: str
    msg_seq: int
    operate_type: int
    operator: str  # a UserID, or "" for the REST app admin
    extensions: list[dict[str, Any]]  # [{"Key", "Value", "Seq"}] as written (deleted keys: Value "")
    latest_seq: int
    clear_seq: int


class _GroupStored(msgspec.Struct):
    """The one field needed from a stored group message's wire form (groups.messages.wire)."""

    SupportMessageExtension: int = 0


_decode_group_stored = msgspec.json.Decoder(_GroupStored).decode

_gm = group_messages.c
_GROUP_MESSAGE = sa.select(_gm.kind, _gm.random, _gm.msg_time, _gm.body, _gm.recalled).where(
    _gm.sdkappid == sa.bindparam("app"),
    _gm.group_id == sa.bindparam("gid"),
    _gm.topic_id == "",
    _gm.msg_seq == sa.bindparam("seq"),
)
# a writer holds the message's row until commit (PostgreSQL), so two members' writes to one message
# are checked against each other's Seqs in turn, without locking the group row that sends update
_GROUP_MESSAGE_LOCK = _GROUP_MESSAGE.with_for_update()


@dataclass(frozen=True, slots=True)
class GroupMessageRef:
    group: Any  # groups.model.Group
    msg_seq: int
    msg_key: str  # the rows' msg_key: "<MsgSeq>_<Random>_<MsgTime>"
    supports_extension: bool

    def params(self) -> dict[str, Any]:
        return {
            "app": self.group.sdkappid,
            "from_": GROUP_CONVERSATION,
            "to": self.group.group_id,
            "msg_key": self.msg_key,
        }


async def _group_message(
    conn: Any, app: App, group_id: str, msg_seq: int, operator: str | None, *, lock: bool
) -> GroupMessageRef:
    """The group message (GroupId, MsgSeq) a call names, once the operator may use its extensions:
    10004 a malformed GroupId or MsgSeq; 23004 no such group, message, a tip or a recalled message;
    10007 a type without extensions (AVChatRoom, Community: seed 6429-6439) or a device user who is
    not a member."""
    from confab.domain.groups import model  # the group area owns groups and their stream

    model.require_id(group_id, 10004)
    if msg_seq < 1:
        raise ApiError(10004, "MsgSeq must be >= 1")
    try:
        group = await model.get(conn, app.sdkappid, group_id)
    except ApiError as exc:
        raise ApiError(23004, exc.info) from None
    if not group.gtype.msg_extensions:
        raise ApiError(10007, f"{group.gtype.name} groups do not support message extensions")
    if await model.role_of(conn, app, group, operator) is None:
        raise ApiError(10007, "only the group's members may use its messages' extensions")
    stmt = _GROUP_MESSAGE_LOCK if lock else _GROUP_MESSAGE
    row = (await conn.execute(stmt, {"app": app.sdkappid, "gid": group_id, "seq": msg_seq})).first()
    if row is None or row.kind != "msg" or row.recalled:
        raise ApiError(23004, f"group {group_id} has no message {msg_seq}")
    supports = _decode_group_stored(row.body).SupportMessageExtension == 1
    return GroupMessageRef(group, msg_seq, f"{msg_seq}_{row.random}_{row.msg_time}", supports)


async def group_get_key_values(
    rt: Runtime, app: App, group_id: str, msg_seq: int, *, start_seq: int = 0, operator: str | None = None
) -> dict[str, Any]:
    """group_get_key_values and the gateway's `get_group_msg_ext` (seed 6408-6621): the key-values of
    the group message with Seq >= start_seq, by Seq, at most 200. `operator` None: the app admin."""
    _ensure_enabled(app)
    async with rt.store.read() as conn:
        ref = await _group_message(conn, app, group_id, msg_seq, operator, lock=False)
        return await _pull(conn, ref.params(), start_seq)


async def group_set_key_values(
    rt: Runtime,
    app: App,
    group_id: str,
    msg_seq: int,
    *,
    operate_type: int,
    items: list[ExtItem] | None,
    operator: str | None = None,
) -> list[dict[str, Any]]:
    """group_set_key_values and the gateway's `set_group_msg_ext` (seed 6622-6892): as set_key_values
    (a member's write is Seq-checked, 23001 per key; the admin's is not). The group's connected members
    get one "group.msg_ext" notice when something changed."""
    _ensure_enabled(app)
    wanted = _validate_items(operate_type, items)
    now = int(time.time())
    async with rt.store.tx() as tx:
        ref = await _group_message(tx.conn, app, group_id, msg_seq, operator, lock=True)
        if not ref.supports_extension:
            raise ApiError(23002, "the group message was not sent with SupportMessageExtension")
        done = await _write(tx, rt, ref.params(), operate_type, wanted, by_admin=operator is None)
        if done.changed:
            _announce_group(tx, rt, ref, operate_type, operator, done, now)
    return done.results


def _announce_group(
    tx: Tx, rt: Runtime, ref: GroupMessageRef, operate_type: int, operator: str | None, done: _Outcome, now: int
) -> None:
    """One live notice to the group's connected members (a GroupEntry, never a row per member)."""
    from confab.domain.groups import notices

    group = ref.group
    extensions = [_wire(w) for w in done.written]
    payload = {
        "GroupId": group.group_id,
        "MsgSeq": ref.msg_seq,
        "OperateType": operate_type,
        "Operator_Account": operator or "",
        "ExtensionList": extensions,
        "LatestSeq": done.latest,
        "ClearSeq": done.clear,
    }
    entry = notices.entry(group.sdkappid, group.group_id, GROUP_KIND, payload, at=now)
    event = GroupMessageExtensionChanged(
        sdkappid=group.sdkappid,
        at=now,
        group_id=group.group_id,
        group_type=group.gtype.name,
        msg_seq=ref.msg_seq,
        operate_type=operate_type,
        operator=operator or "",
        extensions=extensions,
        latest_seq=done.latest,
        clear_seq=done.clear,
    )
    notices.publish(tx, rt, entry, event)


_GROUP_PURGE = [
    table.delete().where(
        table.c.sdkappid == sa.bindparam("app"),
        table.c.from_account == GROUP_CONVERSATION,
        table.c.to_account == sa.bindparam("gid"),
    )
    for table in (c2c_msg_ext, c2c_msg_ext_state)
]


async def purge_group(tx: Tx, sdkappid: int, group_id: str) -> None:
    """A disbanded group's extension rows (two statements whatever their number)."""
    for stmt in _GROUP_PURGE:
        await tx.execute(stmt, {"app": sdkappid, "gid": group_id})
