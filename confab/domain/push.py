"""Push to all users (`all_member_push/im_push`, seed 004 lines 6893-7575).

A push goes to every user of the app, or to those whose attributes (AttrsAnd / AttrsOr) or tags
(TagsAnd / TagsOr) match. The call validates, stores the push once (`pushes`) and answers with its
TaskId; a background task then delivers it to the app's online devices (`push.msg` frames, feed seq 0)
in batches of online users, filtering each batch by the conditions with indexed queries over that batch
(never a scan of all users).

Offline users (MsgLifeTime > 0, at most 7 days): never a row per user per push. Each user has at most
one `push_cursors` row: the id of the newest push with a lifetime they have been given or passed over
(pushes are ordered by id). At login (`catch_up`, called by the hub after the feed catch-up) the user's
cursor and the app's pushes after it are read (few: at most `push_daily_quota` a day, kept a day past
expiry), the user's attributes and tags are read once (two indexed queries) when a push has a
condition, the live matching ones are delivered, and the cursor moves past all of them with a
compare-and-set, so a push reaches a user once however many devices log in at the same moment.

The online fan-out of a push with a lifetime moves the cursors of the online users in a batch, matching
or not, in one statement — only for users whose cursor already stands at the app's previous push with a
lifetime (`prev`). A user whose cursor is behind it is still catching up at login; their catch-up loops
until it finds no push after its cursor, so it delivers this push itself. Either way a push is delivered
once per user: by the fan-out or by the catch-up, never both (the compare-and-set decides).

A push without a lifetime (MsgLifeTime 0) reaches only the devices online while it fans out.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from confab.domain import user_attrs
from confab.domain.apps import App
from confab.domain.c2c import bodies
from confab.domain.limits import utf8_len, valid_user_id
from confab.errors import ApiError
from confab.realtime import protocol
from confab.store import Store
from confab.store.tables.accounts import apps
from confab.store.tables.push import push_cursors, pushes
from confab.store.tables.user_attrs import user_attrs as attrs_table
from confab.store.tables.user_attrs import user_tags

if TYPE_CHECKING:
    from confab.runtime import Runtime

log = logging.getLogger("confab.push")

# the page's codes (seed 7498-7544)
INVALID = 90001
BODY_INVALID = 90002
RANDOM_INVALID = 90005
BODY_NOT_ARRAY = 90007
FORMAT_INVALID = 90010
TAG_TOO_LONG = 90020
TAGS_REPEATED = 90022
TOO_FREQUENT = 90024
LIFETIME_INVALID = 90026
TOO_MANY_TAGS = 90032
INVALID_ATTR = 90033
MIXED_CONDITIONS = 90039
EMPTY_TAG = 90040
NOT_ENABLED = 90045
OVER_QUOTA = 90047

KIND = "push.msg"
MAX_LIFE_TIME = 7 * 86400  # seed 7420-7430
TAGS_MAX = 10  # per TagsOr / TagsAnd (seed 7441, 7448)
TAG_MAX_BYTES = 50
ATTR_VALUE_MAX_BYTES = user_attrs.ATTR_VALUE_MAX_BYTES
FANOUT_BATCH = 500  # online users per cursor statement and condition query
CATCH_UP_PAGE = 1000  # pushes read per login round (a day's quota is 100)
CATCH_UP_ROUNDS = 8
KEEP_AFTER_EXPIRY = 86400  # rows outlive their lifetime by a day: the quota and the interval count them
CONDITION_KEYS = ("AttrsAnd", "AttrsOr", "TagsAnd", "TagsOr")

_encode = msgspec.json.Encoder().encode
_decode_conditions = msgspec.json.Decoder(dict[str, Any])


# -- conditions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conditions:
    """Attributes by index (0..9) -> value; tags as given. Empty everywhere: every user."""

    attrs_and: dict[int, str]
    attrs_or: dict[int, str]
    tags_and: tuple[str, ...]
    tags_or: tuple[str, ...]

    @property
    def everyone(self) -> bool:
        return not (self.attrs_and or self.attrs_or or self.tags_and or self.tags_or)

    def to_json(self) -> str:
        out: dict[str, Any] = {}
        if self.attrs_and:
            out["AttrsAnd"] = {str(i): v for i, v in self.attrs_and.items()}
        if self.attrs_or:
            out["AttrsOr"] = {str(i): v for i, v in self.attrs_or.items()}
        if self.tags_and:
            out["TagsAnd"] = list(self.tags_and)
        if self.tags_or:
            out["TagsOr"] = list(self.tags_or)
        return _encode(out).decode()

    @classmethod
    def from_json(cls, text: str) -> Conditions:
        raw = _decode_conditions.decode(text)
        return cls(
            attrs_and={int(k): v for k, v in raw.get("AttrsAnd", {}).items()},
            attrs_or={int(k): v for k, v in raw.get("AttrsOr", {}).items()},
            tags_and=tuple(raw.get("TagsAnd", ())),
            tags_or=tuple(raw.get("TagsOr", ())),
        )

    def matches(self, attrs: dict[int, str], tags: set[str]) -> bool:
        """One user's own attributes and tags against these conditions (AND and OR parts both hold)."""
        if self.attrs_and and any(attrs.get(i) != v for i, v in self.attrs_and.items()):
            return False
        if self.attrs_or and not any(attrs.get(i) == v for i, v in self.attrs_or.items()):
            return False
        if self.tags_and and not all(t in tags for t in self.tags_and):
            return False
        return not self.tags_or or any(t in tags for t in self.tags_or)


@dataclass(frozen=True)
class ParsedCondition:
    """A validated Condition with attributes still by name (resolved to indexes inside the write)."""

    attrs_and: dict[str, str]
    attrs_or: dict[str, str]
    tags_and: tuple[str, ...]
    tags_or: tuple[str, ...]

    def resolve(self, index_of: dict[str, int]) -> Conditions:
        def by_index(attrs: dict[str, str]) -> dict[int, str]:
            out: dict[int, str] = {}
            for name, value in attrs.items():
                if name not in index_of:
                    raise ApiError(
                        INVALID_ATTR, f"{name[:60]!r} is not an attribute name of this app (see im_set_attr_name)"
                    )
                out[index_of[name]] = value
            return out

        return Conditions(by_index(self.attrs_and), by_index(self.attrs_or), self.tags_and, self.tags_or)


def _tags(raw: Any, field: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ApiError(INVALID, f"Condition.{field} must be an array of tags")
    if not raw:
        raise ApiError(INVALID, f"Condition.{field} must hold at least one tag (or be left out)")
    if len(raw) > TAGS_MAX:
        raise ApiError(TOO_MANY_TAGS, f"Condition.{field} holds {len(raw)} tags; at most {TAGS_MAX}")
    for n, tag in enumerate(raw):
        if tag is None or tag == "":
            raise ApiError(EMPTY_TAG, f"Condition.{field}[{n}] is empty")
        if not isinstance(tag, str):
            raise ApiError(INVALID, f"Condition.{field}[{n}] must be a string")
        if utf8_len(tag) > TAG_MAX_BYTES:
            raise ApiError(TAG_TOO_LONG, f"Condition.{field}[{n}] is longer than {TAG_MAX_BYTES} bytes")
    return tuple(raw)


def _attrs(raw: Any, field: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ApiError(INVALID_ATTR, f"Condition.{field} must be an object of attribute name -> value")
    if not raw:
        raise ApiError(INVALID, f"Condition.{field} must hold at least one attribute (or be left out)")
    if len(raw) > len(user_attrs.ATTR_INDEXES):
        raise ApiError(INVALID_ATTR, f"Condition.{field} names {len(raw)} attributes; an app has at most 10")
    for name, value in raw.items():
        if not isinstance(value, str):
            raise ApiError(INVALID_ATTR, f"Condition.{field}.{name[:40]}: the value must be a string")
        if utf8_len(value) > ATTR_VALUE_MAX_BYTES:
            raise ApiError(
                INVALID_ATTR, f"Condition.{field}.{name[:40]}: the value is longer than {ATTR_VALUE_MAX_BYTES} bytes"
            )
    return dict(raw)


def parse_condition(raw: Any) -> ParsedCondition:
    """Validate the request's Condition (None: every user)."""
    if raw is None:
        return ParsedCondition({}, {}, (), ())
    if not isinstance(raw, dict):
        raise ApiError(INVALID, "Condition must be an object with AttrsAnd, AttrsOr, TagsAnd or TagsOr")
    unknown = [key for key in raw if key not in CONDITION_KEYS]
    if unknown:
        raise ApiError(INVALID, f"Condition: unknown field {unknown[0][:40]!r} (AttrsAnd, AttrsOr, TagsAnd, TagsOr)")
    has_attrs = "AttrsAnd" in raw or "AttrsOr" in raw
    if has_attrs and ("TagsAnd" in raw or "TagsOr" in raw):
        raise ApiError(MIXED_CONDITIONS, "Condition: attribute and tag conditions cannot be used together")
    tags_and = _tags(raw["TagsAnd"], "TagsAnd") if "TagsAnd" in raw else ()
    tags_or = _tags(raw["TagsOr"], "TagsOr") if "TagsOr" in raw else ()
    every = [*tags_and, *tags_or]
    if len(set(every)) != len(every):
        repeated = next(t for t in every if every.count(t) > 1)
        raise ApiError(TAGS_REPEATED, f"Condition: tag {repeated[:40]!r} appears more than once in TagsAnd/TagsOr")
    return ParsedCondition(
        _attrs(raw["AttrsAnd"], "AttrsAnd") if "AttrsAnd" in raw else {},
        _attrs(raw["AttrsOr"], "AttrsOr") if "AttrsOr" in raw else {},
        tags_and,
        tags_or,
    )


# -- creating a push -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Push:
    id: int
    sdkappid: int
    task_id: str
    life_time: int
    conditions: Conditions
    frame: bytes  # the push.msg frame, built once
    expires_at: int
    prev: int  # the app's previous push with a lifetime (0: none stored)


def _frame(task_id: str, payload: str) -> bytes:
    data = b'{"TaskId":' + _encode(task_id) + b"," + payload.encode()[1:]
    return protocol.push(KIND, 0, data)


_LOCK_APP = sa.select(apps.c.sdkappid).where(apps.c.sdkappid == sa.bindparam("app")).with_for_update(key_share=True)
_RECENT = sa.select(sa.func.count()).where(
    pushes.c.sdkappid == sa.bindparam("app"), pushes.c.created_ms >= sa.bindparam("since")
)
_LAST = sa.select(sa.func.max(pushes.c.created_ms)).where(pushes.c.sdkappid == sa.bindparam("app"))
_PREV = sa.select(sa.func.max(pushes.c.id)).where(pushes.c.sdkappid == sa.bindparam("app"), pushes.c.life_time > 0)
_PRUNE = pushes.delete().where(
    pushes.c.sdkappid == sa.bindparam("app"),
    pushes.c.expires_at < sa.bindparam("before"),
    pushes.c.created_ms < sa.bindparam("before_ms"),
)
_INSERT = pushes.insert().returning(pushes.c.id)
_SET_TASK = pushes.update().where(pushes.c.id == sa.bindparam("pid")).values(task_id=sa.bindparam("tid"))


async def create(
    rt: Runtime,
    app: App,
    *,
    sender: str,
    msg_random: Any,
    body: Any,
    life_time: Any,
    push_info: Any,
    condition: Any,
) -> str:
    """Validate and store a push, start its delivery, and return its TaskId."""
    if not app.settings.all_member_push:
        raise ApiError(NOT_ENABLED, "push to all users is not enabled for this app (setting all_member_push)")
    if not valid_user_id(sender):
        raise ApiError(INVALID, "From_Account must be a UserID of 1-32 bytes")
    if isinstance(msg_random, bool) or not isinstance(msg_random, int) or not 0 <= msg_random <= 0xFFFFFFFF:
        raise ApiError(RANDOM_INVALID, "MsgRandom is required: a 32-bit unsigned integer")
    if body is None:
        raise ApiError(BODY_INVALID, "MsgBody is required: an array of message elements")
    bodies.validate_body(body, code=BODY_INVALID, not_array_code=BODY_NOT_ARRAY)
    body_json = _encode(body)
    if bodies.packet_size(body_json, None) > bodies.MAX_PACKET_BYTES:
        raise ApiError(FORMAT_INVALID, f"MsgBody is larger than {bodies.MAX_PACKET_BYTES} bytes")
    if life_time is None:
        life_time = 0
    if isinstance(life_time, bool) or not isinstance(life_time, int) or not 0 <= life_time <= MAX_LIFE_TIME:
        raise ApiError(LIFETIME_INVALID, f"MsgLifeTime must be 0..{MAX_LIFE_TIME} seconds (7 days)")
    if push_info is not None and not isinstance(push_info, dict):
        raise ApiError(FORMAT_INVALID, "OfflinePushInfo must be an object")
    parsed = parse_condition(condition)

    now_ms = int(time.time() * 1000)
    now = now_ms // 1000
    sdkappid = app.sdkappid
    payload: dict[str, Any] = {
        "From_Account": sender,
        "MsgRandom": msg_random,
        "MsgTime": now,
        "MsgLifeTime": life_time,
        "MsgBody": msgspec.Raw(body_json),
    }
    if push_info is not None:
        payload["OfflinePushInfo"] = push_info
    payload_json = _encode(payload).decode()
    async with rt.store.tx() as tx:
        if tx.dialect != "sqlite":  # pushes of one app one at a time (the interval and the quota)
            await tx.execute(_LOCK_APP, {"app": sdkappid})
        conditions = parsed.resolve(await user_attrs.attr_indexes(tx.conn, sdkappid))
        day_start_ms = now // 86400 * 86400 * 1000
        count: int = (await tx.execute(_RECENT, {"app": sdkappid, "since": day_start_ms})).one()[0]
        last_ms = (await tx.execute(_LAST, {"app": sdkappid})).scalar()
        interval_ms = int(app.settings.push_interval_seconds * 1000)
        if last_ms is not None and now_ms - last_ms <= interval_ms:
            raise ApiError(
                TOO_FREQUENT, f"pushes are too frequent: at most one every {app.settings.push_interval_seconds:g} s"
            )
        quota = app.settings.push_daily_quota
        if quota > 0 and count >= quota:
            raise ApiError(OVER_QUOTA, f"this app has made its {quota} pushes for today (UTC)")
        await tx.execute(
            _PRUNE, {"app": sdkappid, "before": now - KEEP_AFTER_EXPIRY, "before_ms": (now - 86400) * 1000}
        )
        prev = (await tx.execute(_PREV, {"app": sdkappid})).scalar() or 0
        expires_at = now + life_time
        row = {
            "sdkappid": sdkappid,
            "task_id": "",
            "life_time": life_time,
            "conditions": conditions.to_json(),
            "payload": payload_json,
            "created_ms": now_ms,
            "expires_at": expires_at,
        }
        push_id: int = (await tx.execute(_INSERT, row)).scalar_one()
        task_id = f"{sdkappid}_{push_id}_{now}_{msg_random}"
        await tx.execute(_SET_TASK, {"pid": push_id, "tid": task_id})
        push = Push(push_id, sdkappid, task_id, life_time, conditions, _frame(task_id, payload_json), expires_at, prev)

        def started() -> None:
            if life_time > 0:
                _note_latest(rt.store, sdkappid, push_id)
            _spawn(fan_out(rt, push))

        tx.after_commit(started)
    return task_id


_running: set[asyncio.Task] = set()


def _spawn(coro: Any) -> None:
    task = asyncio.ensure_future(coro)
    _running.add(task)
    task.add_done_callback(_running.discard)


# -- online fan-out ----------------------------------------------------------------------------------


def _advance(dialect: str, insert_missing: bool) -> tuple[Any, Any]:
    update = (
        push_cursors.update()
        .where(
            push_cursors.c.sdkappid == sa.bindparam("app"),
            push_cursors.c.user_id.in_(sa.bindparam("uids", expanding=True)),
            push_cursors.c.last_id >= sa.bindparam("prev"),
            push_cursors.c.last_id < sa.bindparam("pid"),
        )
        .values(last_id=sa.bindparam("pid"))
        .returning(push_cursors.c.user_id)
    )
    insert_fn = sqlite.insert if dialect == "sqlite" else postgresql.insert
    insert = insert_fn(push_cursors).on_conflict_do_nothing(index_elements=["sdkappid", "user_id"])
    return update, insert.returning(push_cursors.c.user_id) if insert_missing else None


async def _move_cursors(rt: Runtime, push: Push, users: list[str]) -> list[str]:
    """Cursors of these online users from `push.prev` (or none when no earlier push exists) to this
    push; the users whose cursor moved get the push from the fan-out (the others are catching up)."""
    update, insert = _advance(rt.store.dialect, push.prev == 0)
    moved: set[str] = set()
    async with rt.store.tx() as tx:
        params = {"app": push.sdkappid, "uids": users, "prev": push.prev, "pid": push.id}
        moved.update(r[0] for r in await tx.execute(update, params))
        if insert is not None:
            rows = [{"sdkappid": push.sdkappid, "user_id": u, "last_id": push.id} for u in users if u not in moved]
            if rows:
                # one INSERT ... RETURNING per row batch would be an executemany without RETURNING on
                # some drivers; a single multi-row VALUES keeps it one statement
                result = await tx.execute(insert.values(rows))
                moved.update(r[0] for r in result)
    return [u for u in users if u in moved]


async def matching(conn: Any, sdkappid: int, users: list[str], cond: Conditions) -> list[str]:
    """Those of `users` (a batch of at most FANOUT_BATCH) who match: at most two indexed queries."""
    if cond.everyone or not users:
        return users
    keep = set(users)
    if cond.tags_and or cond.tags_or:
        for tags, need_all in ((cond.tags_and, True), (cond.tags_or, False)):
            if not tags:
                continue
            stmt = (
                sa.select(user_tags.c.user_id)
                .where(
                    user_tags.c.sdkappid == sdkappid,
                    user_tags.c.user_id.in_(sorted(keep)),
                    user_tags.c.tag.in_(tags),
                )
                .group_by(user_tags.c.user_id)
            )
            if need_all:
                stmt = stmt.having(sa.func.count() == len(tags))
            keep = {r[0] for r in await conn.execute(stmt)}
            if not keep:
                return []
    else:
        for attrs, need_all in ((cond.attrs_and, True), (cond.attrs_or, False)):
            if not attrs:
                continue
            pairs = sa.or_(*(sa.and_(attrs_table.c.idx == i, attrs_table.c.value == v) for i, v in attrs.items()))
            stmt = (
                sa.select(attrs_table.c.user_id)
                .where(attrs_table.c.sdkappid == sdkappid, attrs_table.c.user_id.in_(sorted(keep)), pairs)
                .group_by(attrs_table.c.user_id)
            )
            if need_all:
                stmt = stmt.having(sa.func.count() == len(attrs))
            keep = {r[0] for r in await conn.execute(stmt)}
            if not keep:
                return []
    return [u for u in users if u in keep]


def _offer(rt: Runtime, sdkappid: int, users: Iterable[str], frame: bytes) -> int:
    hub = rt.hub
    if hub is None:
        return 0
    sent = 0
    for user in users:
        for session in list(hub.sessions.get((sdkappid, user), {}).values()):
            session.offer(frame)
            sent += 1
    return sent


def online_users(rt: Runtime, sdkappid: int) -> list[str]:
    """The app's users with a device connected to this process."""
    hub = rt.hub
    if hub is None:
        return []
    return [user for app, user in list(hub.sessions) if app == sdkappid]


async def fan_out(rt: Runtime, push: Push) -> int:
    """Deliver to the app's online users in batches; returns the devices reached."""
    sent = 0
    try:
        users = online_users(rt, push.sdkappid)
        for start in range(0, len(users), FANOUT_BATCH):
            batch = users[start : start + FANOUT_BATCH]
            if push.life_time > 0:
                if push.expires_at < time.time():
                    break
                batch = await _move_cursors(rt, push, batch)
            if not push.conditions.everyone and batch:
                async with rt.store.read() as conn:
                    batch = await matching(conn, push.sdkappid, batch, push.conditions)
            sent += _offer(rt, push.sdkappid, batch, push.frame)
            await asyncio.sleep(0)  # let the devices' writers and other work run between batches
    except Exception:
        log.exception("push %s: the online fan-out failed", push.task_id)
    return sent


# -- catching up at login ----------------------------------------------------------------------------

# store -> app -> the newest push id with a lifetime (what a login compares its cursor with, so that an
# app without pushes costs a login nothing)
_latest: weakref.WeakKeyDictionary[Store, dict[int, int]] = weakref.WeakKeyDictionary()


def _note_latest(store: Store, sdkappid: int, push_id: int) -> None:
    known = _latest.setdefault(store, {})
    known[sdkappid] = max(known.get(sdkappid, 0), push_id)


_CURSOR = sa.select(push_cursors.c.last_id).where(
    push_cursors.c.sdkappid == sa.bindparam("app"), push_cursors.c.user_id == sa.bindparam("user")
)
_AFTER = (
    sa.select(pushes.c.id, pushes.c.task_id, pushes.c.conditions, pushes.c.payload, pushes.c.expires_at)
    .where(pushes.c.sdkappid == sa.bindparam("app"), pushes.c.life_time > 0, pushes.c.id > sa.bindparam("after"))
    .order_by(pushes.c.id)
    .limit(CATCH_UP_PAGE)
)
_CAS = (
    push_cursors.update()
    .where(
        push_cursors.c.sdkappid == sa.bindparam("app"),
        push_cursors.c.user_id == sa.bindparam("user"),
        push_cursors.c.last_id == sa.bindparam("seen"),
    )
    .values(last_id=sa.bindparam("new_id"))
)
_OWN_ATTRS = sa.select(attrs_table.c.idx, attrs_table.c.value).where(
    attrs_table.c.sdkappid == sa.bindparam("app"), attrs_table.c.user_id == sa.bindparam("user")
)
_OWN_TAGS = sa.select(user_tags.c.tag).where(
    user_tags.c.sdkappid == sa.bindparam("app"), user_tags.c.user_id == sa.bindparam("user")
)


async def _latest_id(rt: Runtime, sdkappid: int) -> int:
    known = _latest.setdefault(rt.store, {})
    if sdkappid not in known:
        async with rt.store.read() as conn:
            found = (await conn.execute(_PREV, {"app": sdkappid})).scalar() or 0
        known[sdkappid] = max(known.get(sdkappid, 0), found)
    return known[sdkappid]


async def catch_up(rt: Runtime, sdkappid: int, user: str) -> int:
    """Deliver to the user's devices the live pushes meant for them they have not had; returns how many.

    Costs nothing when the app has no push with a lifetime; else a cursor read and a push read per round
    (usually one round and a final empty read), and the user's attributes and tags once if a push has a
    condition.
    """
    if await _latest_id(rt, sdkappid) == 0:
        return 0
    delivered = 0
    own: tuple[dict[int, str], set[str]] | None = None
    insert_fn = sqlite.insert if rt.store.dialect == "sqlite" else postgresql.insert
    insert = insert_fn(push_cursors).on_conflict_do_nothing(index_elements=["sdkappid", "user_id"])
    key = {"app": sdkappid, "user": user}
    for _ in range(CATCH_UP_ROUNDS):
        async with rt.store.read() as conn:
            seen_row = (await conn.execute(_CURSOR, key)).first()
            seen = seen_row[0] if seen_row else 0
            rows = list(await conn.execute(_AFTER, {"app": sdkappid, "after": seen}))
            if not rows:
                return delivered
            now = time.time()
            live = [(r, Conditions.from_json(r.conditions)) for r in rows if r.expires_at >= now]
            if own is None and any(not cond.everyone for _, cond in live):
                attrs = {r.idx: r.value for r in await conn.execute(_OWN_ATTRS, key)}
                tags = {r.tag for r in await conn.execute(_OWN_TAGS, key)}
                own = (attrs, tags)
        newest = rows[-1].id
        async with rt.store.tx() as tx:
            if seen_row is None:
                result = await tx.execute(insert, {"sdkappid": sdkappid, "user_id": user, "last_id": newest})
            else:
                result = await tx.execute(_CAS, {**key, "seen": seen, "new_id": newest})
            won = result.rowcount == 1
        if not won:  # another device of theirs, or the fan-out, moved the cursor first: read again
            continue
        for row, cond in live:
            if cond.everyone or (own is not None and cond.matches(*own)):
                delivered += 1
                _offer(rt, sdkappid, [user], _frame(row.task_id, row.payload))
        if len(rows) < CATCH_UP_PAGE and newest >= await _latest_id(rt, sdkappid):
            return delivered
    return delivered


async def purge_accounts(tx: Any, sdkappid: int, user_ids: list[str]) -> None:
    """A deleted account's push cursor goes with it."""
    for start in range(0, len(user_ids), 500):
        part = user_ids[start : start + 500]
        await tx.execute(
            push_cursors.delete().where(push_cursors.c.sdkappid == sdkappid, push_cursors.c.user_id.in_(part))
        )
