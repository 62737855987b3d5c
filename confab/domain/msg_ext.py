"""Message extensions of one-to-one messages (seed 004 lines 5943-6407).

A message sent with `SupportMessageExtension` carries a set of key-values that the app admin and
the conversation's two members may change. Each write that changes something advances the
message's extension Seq; every key remembers the Seq of its last write. A member writing must pass
the Seq it last saw for that key (0 for a new key), so concurrent writers cannot silently
overwrite each other (23001); the admin is not checked. "Clear all" records a ClearSeq: clients
drop every key at or below it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts, feed
from confab.domain.apps import App
from confab.domain.c2c.model import FLAG_EXTENSION
from confab.domain.limits import utf8_len
from confab.errors import ApiError
from confab.events import Event
from confab.store import Tx
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
    by_admin = operator is None
    wanted = _validate_items(operate_type, items)
    now = int(time.time())
    async with rt.store.tx() as tx:
        ref = await _message(tx.conn, app, from_account, to_account, msg_key)
        _check_member(ref, operator)
        if not ref.supports_extension:
            raise ApiError(23002, "the message was not sent with SupportMessageExtension")
        if not _budget.take((app.sdkappid, ref.from_account, ref.to_account, ref.msg_key), MAX_WRITES_PER_MINUTE):
            raise ApiError(23003, f"more than {MAX_WRITES_PER_MINUTE} extension writes to this message in a minute")
        params = {"app": app.sdkappid, "from_": ref.from_account, "to": ref.to_account, "msg_key": ref.msg_key}
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

        if written or operate_type == OP_CLEAR:
            await _announce(tx, rt, app, ref, operate_type, operator, written, latest, clear, now)
    return results


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
    tx.after_commit(lambda: rt.bus.publish(event))


async def purge_accounts(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    for table in (c2c_msg_ext, c2c_msg_ext_state):
        for part in accounts.chunks(user_ids):
            await tx.execute(
                table.delete().where(
                    table.c.sdkappid == sdkappid,
                    sa.or_(table.c.from_account.in_(part), table.c.to_account.in_(part)),
                )
            )
