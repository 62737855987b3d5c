"""Sending, importing, modifying, recalling and deleting one-to-one messages.

A send is one transaction of a handful of prebuilt statements whatever the recipient count:
account existence (one IN query), the message rows (one INSERT ... ON CONFLICT DO NOTHING RETURNING,
which is also the MsgSeq+MsgRandom+time dedupe), the conversation rows (one upsert), the feed
(see domain.feed). Events and feed entries go out after commit.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from confab.domain import accounts, feed, hooks
from confab.domain.apps import App
from confab.domain.c2c import bodies
from confab.domain.c2c.model import (
    FEED_MODIFY,
    FEED_MSG,
    FEED_MSG_DELETE,
    FEED_RECALL,
    FLAG_COUNTED_UNREAD,
    FLAG_EXTENSION,
    FLAG_READ_RECEIPT,
    FLAG_RECALLED,
    C2CMessageModified,
    C2CMessageRecalled,
    C2CMessageSent,
    StoredMessage,
    hidden_flag,
    make_msg_key,
    message_payload,
    pair,
    parse_msg_key,
)
from confab.errors import ApiError
from confab.runtime import Runtime
from confab.store import Tx
from confab.store.tables.c2c import c2c_conversations, c2c_messages

MAX_LIFE_TIME = 7 * 86400  # MsgLifeTime ceiling (90026)
BATCH_MAX_RECIPIENTS = 500  # batchsendmsg (90011)

_decode = msgspec.json.decode
_encode = msgspec.json.Encoder().encode


@dataclass(slots=True)
class Outgoing:
    """A validated message about to be stored: what every send path has in common."""

    body_json: bytes
    cloud_data: str | None
    push_info: bytes | None
    msg_seq: int
    msg_random: int
    sync_other_machine: int | None = None  # 1 push to the sender's devices too, 2 not even roaming
    online_only: bool = False
    no_unread: bool = False
    no_last_msg: bool = False
    support_extension: bool = False
    need_receipt: bool = False
    msg_life_time: int | None = None

    @property
    def base_flags(self) -> int:
        return (FLAG_EXTENSION if self.support_extension else 0) | (FLAG_READ_RECEIPT if self.need_receipt else 0)


@dataclass(slots=True)
class Sent:
    msg_time: int
    msg_key: str
    msg_seq: int
    failed: dict[str, int] = field(default_factory=dict)  # recipient -> error code (batch)


def prepare(
    body: Any,
    *,
    cloud_data: str | None,
    push_info: Any,
    msg_seq: int | None,
    msg_random: int,
    life_time: int | None,
    body_code: int = 90002,
    not_array_code: int = 90007,
    size_code: int = 93000,
    seq_code: int = 90004,
    **options: Any,
) -> Outgoing:
    """Validate a body and its companions into the message to store; `options` are Outgoing's
    delivery switches (sync_other_machine, online_only, no_unread, ...)."""
    bodies.validate_body(body, code=body_code, not_array_code=not_array_code)
    body_json = _encode(body)
    if bodies.packet_size(body_json, cloud_data) > bodies.MAX_PACKET_BYTES:
        raise ApiError(size_code, f"MsgBody plus CloudCustomData exceed {bodies.MAX_PACKET_BYTES} bytes")
    if not 0 <= msg_random <= 0xFFFFFFFF:
        raise ApiError(90005, "MsgRandom must be a 32-bit unsigned integer")
    if msg_seq is None:
        msg_seq = secrets.randbits(32)
    elif not 0 <= msg_seq <= 0xFFFFFFFF:
        raise ApiError(seq_code, "MsgSeq must be a 32-bit unsigned integer")
    if life_time is not None and not 0 <= life_time <= MAX_LIFE_TIME:
        raise ApiError(90026, f"MsgLifeTime must be 0..{MAX_LIFE_TIME} seconds (7 days)")
    push_json = None
    if push_info is not None:
        if not isinstance(push_info, dict):
            raise ApiError(body_code, "OfflinePushInfo must be an object")
        push_json = _encode(push_info)
    return Outgoing(
        body_json=body_json,
        cloud_data=cloud_data,
        push_info=push_json,
        msg_seq=msg_seq,
        msg_random=msg_random,
        msg_life_time=life_time,
        **options,
    )


# -- statements -------------------------------------------------------------------------------------


@cache
def _insert_messages(dialect: str) -> Any:
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    return (
        insert(c2c_messages)
        .on_conflict_do_nothing(index_elements=["sdkappid", "user_lo", "user_hi", "msg_time", "msg_seq", "msg_random"])
        .returning(
            c2c_messages.c.sdkappid,
            c2c_messages.c.user_lo,
            c2c_messages.c.user_hi,
            c2c_messages.c.msg_time,
            c2c_messages.c.msg_seq,
            c2c_messages.c.msg_random,
        )
    )


@cache
def _upsert_conversations(dialect: str, *, touch_last: bool) -> Any:
    """Count unread and (unless NoLastMsg) move the conversation to the top of the owner's list."""
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    stmt = insert(c2c_conversations)
    conv = c2c_conversations.c
    new = stmt.excluded
    changes: dict[str, Any] = {"unread": conv.unread + new.unread}
    if touch_last:
        changes["last_time"] = sa.case((new.last_time > conv.last_time, new.last_time), else_=conv.last_time)
        changes["listed"] = sa.true()
    return stmt.on_conflict_do_update(index_elements=["sdkappid", "owner", "peer"], set_=changes)


_MESSAGE_COLUMNS = [
    c2c_messages.c.id,
    c2c_messages.c.user_lo,
    c2c_messages.c.user_hi,
    c2c_messages.c.from_lo,
    c2c_messages.c.msg_time,
    c2c_messages.c.msg_seq,
    c2c_messages.c.msg_random,
    c2c_messages.c.body,
    c2c_messages.c.cloud_data,
    c2c_messages.c.flags,
]
_FIND = sa.select(*_MESSAGE_COLUMNS).where(
    c2c_messages.c.sdkappid == sa.bindparam("app"),
    c2c_messages.c.user_lo == sa.bindparam("lo"),
    c2c_messages.c.user_hi == sa.bindparam("hi"),
    c2c_messages.c.msg_time == sa.bindparam("t"),
    c2c_messages.c.msg_seq == sa.bindparam("s"),
    c2c_messages.c.msg_random == sa.bindparam("r"),
)
_FIND_BY_ONE_PARTY = sa.select(*_MESSAGE_COLUMNS).where(
    c2c_messages.c.sdkappid == sa.bindparam("app"),
    c2c_messages.c.msg_time == sa.bindparam("t"),
    c2c_messages.c.msg_seq == sa.bindparam("s"),
    c2c_messages.c.msg_random == sa.bindparam("r"),
    sa.or_(c2c_messages.c.user_lo == sa.bindparam("who"), c2c_messages.c.user_hi == sa.bindparam("who")),
)
_READ_TIME = sa.select(c2c_conversations.c.read_time).where(
    c2c_conversations.c.sdkappid == sa.bindparam("app"),
    c2c_conversations.c.owner == sa.bindparam("o_"),
    c2c_conversations.c.peer == sa.bindparam("p_"),
)
_UNCOUNT_UNREAD = (
    c2c_conversations.update()
    .where(
        c2c_conversations.c.sdkappid == sa.bindparam("app"),
        c2c_conversations.c.owner == sa.bindparam("o_"),
        c2c_conversations.c.peer == sa.bindparam("p_"),
    )
    .values(
        unread=sa.case(
            (c2c_conversations.c.unread > sa.bindparam("n"), c2c_conversations.c.unread - sa.bindparam("n")), else_=0
        )
    )
)


# -- sending ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Delivery:
    """One message from one sender to its recipients, ready to store."""

    app: App
    sender: str
    targets: list[str]
    out: Outgoing
    msg_time: int
    source: str
    unread: bool = True
    push: bool = True


@dataclass(slots=True)
class _Job:
    delivery: Delivery
    by_admin: bool
    sender_missing: int
    recipient_missing: int
    future: asyncio.Future
    failed: dict[str, int] = field(default_factory=dict)


async def send(
    rt: Runtime,
    app: App,
    sender: str,
    recipients: list[str],
    out: Outgoing,
    *,
    by_admin: bool,
    source: str,
    sender_missing: int = 20003,
    recipient_missing: int = 90012,
) -> Sent:
    """Store and deliver one message to each recipient (sendmsg, batchsendmsg, user sends).

    Recipients that do not exist are reported in `Sent.failed` (code 70107) unless none exists, which
    fails the call with `recipient_missing`. A user send (`by_admin=False`) first passes every check
    registered in `hooks.user_c2c_send_checks` (blocklist, friendship, global mute); the admin REST
    path skips them, as the sendmsg page says.

    Sends waiting at the same moment are written together in one transaction (see SendBatcher).
    """
    now = int(time.time())
    delivery = Delivery(app, sender, list(dict.fromkeys(recipients)), out, now, source, unread=not out.no_unread)
    job = _Job(delivery, by_admin, sender_missing, recipient_missing, asyncio.get_running_loop().create_future())
    batcher = rt.extras.get("c2c_sends")
    if batcher is None:
        batcher = rt.extras["c2c_sends"] = SendBatcher(rt)
    await batcher.submit(job)
    return Sent(now, make_msg_key(out.msg_seq, out.msg_random, now), out.msg_seq, job.failed)


class SendBatcher:
    """Group commit for sends: every send waiting when the writer is free goes into one transaction.

    A send is a handful of statements and a commit; with many clients, most of the cost was the
    per-send BEGIN/COMMIT and per-statement overhead. Jobs are validated one by one inside the
    transaction (a refused job fails alone), written with one statement per table, and answered after
    the commit. If the batch's transaction fails as a whole, each job is retried on its own so that one
    bad job cannot fail the others.

    SQLite has one writer, so one batch at a time. PostgreSQL takes a few at once: every batch
    locks conversation rows and then account rows, each in sorted order, so they cannot deadlock.
    """

    MAX_BATCH = 256
    POSTGRES_WORKERS = 4

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.queue: deque[_Job] = deque()
        self.workers: set[asyncio.Task] = set()  # holds references so running workers are not collected
        self.running = 0
        self.max_workers = 1 if rt.store.is_sqlite else self.POSTGRES_WORKERS

    async def submit(self, job: _Job) -> None:
        self.queue.append(job)
        if self.running < self.max_workers:
            self.running += 1
            worker = asyncio.ensure_future(self._run())
            self.workers.add(worker)
            worker.add_done_callback(self.workers.discard)
        await job.future

    async def _run(self) -> None:
        # `running` drops in the same step as the loop sees an empty queue. Counting finished tasks
        # instead (their done-callbacks run a step later) left a window in which a new job saw a
        # worker that had already stopped, started none, and waited forever.
        try:
            while self.queue:
                batch = [self.queue.popleft() for _ in range(min(len(self.queue), self.MAX_BATCH))]
                await self._write(batch)
        finally:
            self.running -= 1

    async def _write(self, batch: list[_Job]) -> None:
        try:
            async with self.rt.store.tx() as tx:
                accepted = await self._validate(tx, batch)
                stored = [job for job in accepted if not job.delivery.out.online_only]
                await _store(tx, self.rt, [job.delivery for job in stored])
                for job in accepted:
                    if job.delivery.out.online_only:
                        d = job.delivery
                        tx.after_commit(
                            lambda d=d: _deliver_online_only(
                                self.rt, d.app, d.sender, d.targets, d.out, d.msg_time, d.source
                            )
                        )
                tx.after_commit(lambda: [job.future.set_result(None) for job in accepted if not job.future.done()])
        except Exception as err:
            pending = [job for job in batch if not job.future.done()]
            if len(pending) == 1:
                if not pending[0].future.cancelled():
                    pending[0].future.set_exception(err)
            else:
                for job in pending:
                    await self._write([job])

    async def _validate(self, tx: Tx, batch: list[_Job]) -> list[_Job]:
        by_app: dict[int, set[str]] = {}
        for job in batch:
            d = job.delivery
            by_app.setdefault(d.app.sdkappid, set()).update([d.sender, *d.targets])
        present = {app: await accounts.existing(tx, app, users) for app, users in by_app.items()}
        accepted = []
        for job in batch:
            d = job.delivery
            known = present[d.app.sdkappid]
            try:
                if d.sender not in known:
                    raise ApiError(job.sender_missing, f"sender {d.sender!r} is not an account of this app")
                job.failed = {r: 70107 for r in d.targets if r not in known}
                d.targets = [r for r in d.targets if r in known]
                if not d.targets:
                    raise ApiError(job.recipient_missing, "no recipient is an account of this app")
                if not job.by_admin:
                    for receiver in d.targets:
                        for check in hooks.user_c2c_send_checks:
                            refused = await check(tx, d.app, d.sender, receiver)
                            if refused is not None:
                                raise ApiError(*refused)
            except ApiError as err:
                if not job.future.done():  # done: the caller went away (cancelled)
                    job.future.set_exception(err)
                continue
            accepted.append(job)
        return accepted


def _deliver_online_only(
    rt: Runtime, app: App, sender: str, targets: list[str], out: Outgoing, now: int, source: str
) -> None:
    """OnlineOnlyFlag: straight to the devices online now; never stored, never unread (DECISIONS 2)."""
    entries = []
    events = []
    for receiver in targets:
        payload = _payload(sender, receiver, out, now, out.base_flags, online_only=True)
        entries.append((receiver, FEED_MSG, payload))
        if out.sync_other_machine == 1 and receiver != sender:
            entries.append((sender, FEED_MSG, payload))
        events.append(_sent_event(app, sender, receiver, out, now, source, payload, online_only=True))
    feed.ephemeral(rt.bus, app.sdkappid, entries)
    for event in events:
        rt.bus.publish(event)


def _payload(sender: str, receiver: str, out: Outgoing, now: int, flags: int, *, online_only: bool) -> bytes:
    return message_payload(
        from_account=sender,
        to_account=receiver,
        msg_seq=out.msg_seq,
        msg_random=out.msg_random,
        msg_time=now,
        body_json=out.body_json,
        cloud_data=out.cloud_data,
        flags=flags,
        online_only=online_only,
        life_time=out.msg_life_time,
    )


def _sent_event(
    app: App, sender: str, receiver: str, out: Outgoing, now: int, source: str, payload: bytes, *, online_only: bool
) -> C2CMessageSent:
    return C2CMessageSent(
        sdkappid=app.sdkappid,
        at=now,
        from_account=sender,
        to_account=receiver,
        msg_key=make_msg_key(out.msg_seq, out.msg_random, now),
        msg_time=now,
        msg_seq=out.msg_seq,
        msg_random=out.msg_random,
        online_only=online_only,
        source=source,
        message=msgspec.Raw(payload),
    )


async def _store(tx: Tx, rt: Runtime, deliveries: list[Delivery]) -> list[list[str]]:
    """Insert each message into each of its conversations, update both sides' conversations and feed
    the devices: one statement per table for all the deliveries. Returns, per delivery, the
    recipients whose copy was new (a duplicate MsgSeq+MsgRandom+time is stored once)."""
    if not deliveries:
        return []
    rows: list[dict[str, Any]] = []
    flags_of: list[dict[str, int]] = []
    for d in deliveries:
        body = d.out.body_json.decode()
        push_info = d.out.push_info.decode() if d.out.push_info else None
        flags_here: dict[str, int] = {}
        for receiver in d.targets:
            lo, hi = pair(d.sender, receiver)
            flags = d.out.base_flags
            if d.unread and receiver != d.sender:
                flags |= FLAG_COUNTED_UNREAD
            if d.out.sync_other_machine == 2 and receiver != d.sender:
                flags |= hidden_flag(d.sender, lo)
            flags_here[receiver] = flags
            rows.append(
                {
                    "sdkappid": d.app.sdkappid,
                    "user_lo": lo,
                    "user_hi": hi,
                    "from_lo": d.sender == lo,
                    "msg_time": d.msg_time,
                    "msg_seq": d.out.msg_seq,
                    "msg_random": d.out.msg_random,
                    "body": body,
                    "cloud_data": d.out.cloud_data,
                    "push_info": push_info,
                    "flags": flags,
                }
            )
        flags_of.append(flags_here)
    inserted = await tx.execute(_insert_messages(rt.store.dialect), rows[0] if len(rows) == 1 else rows)
    new_keys = {(r.sdkappid, r.user_lo, r.user_hi, r.msg_time, r.msg_seq, r.msg_random) for r in inserted}

    fresh_of: list[list[str]] = []
    conv_rows: dict[tuple[bool, int, str, str], dict[str, Any]] = {}
    entries_by_app: dict[int, list[tuple[str, str, Any]]] = {}
    events: list[C2CMessageSent] = []
    for d, flags_here in zip(deliveries, flags_of, strict=True):
        fresh = []
        for receiver in d.targets:
            key = (d.app.sdkappid, *pair(d.sender, receiver), d.msg_time, d.out.msg_seq, d.out.msg_random)
            if key in new_keys:
                new_keys.discard(key)  # a repeat of the same message later in this batch is a duplicate
                fresh.append(receiver)
        fresh_of.append(fresh)
        touch = not d.out.no_last_msg
        shown_time = d.msg_time if touch else 0  # NoLastMsg: the conversation list does not move
        for receiver in fresh:
            counted = 1 if flags_here[receiver] & FLAG_COUNTED_UNREAD else 0
            _add_conv(conv_rows, touch, d.app.sdkappid, receiver, d.sender, shown_time, counted)
            if d.out.sync_other_machine != 2 and receiver != d.sender:
                _add_conv(conv_rows, touch, d.app.sdkappid, d.sender, receiver, shown_time, 0)
            payload = _payload(d.sender, receiver, d.out, d.msg_time, flags_here[receiver], online_only=False)
            if d.push:
                entries = entries_by_app.setdefault(d.app.sdkappid, [])
                entries.append((receiver, FEED_MSG, payload))
                if d.out.sync_other_machine == 1 and receiver != d.sender:
                    entries.append((d.sender, FEED_MSG, payload))
            events.append(
                _sent_event(d.app, d.sender, receiver, d.out, d.msg_time, d.source, payload, online_only=False)
            )
    for touch in (True, False):
        ordered = [row for key, row in sorted(conv_rows.items()) if key[0] is touch]  # one lock order
        if ordered:
            await tx.execute(_upsert_conversations(rt.store.dialect, touch_last=touch), ordered)
    for sdkappid, entries in entries_by_app.items():
        await feed.append(tx, rt.bus, sdkappid, entries)
    if events:
        tx.after_commit(lambda: [rt.bus.publish(e) for e in events])
    return fresh_of


def _add_conv(
    rows: dict[tuple[bool, int, str, str], dict[str, Any]],
    touch: bool,
    sdkappid: int,
    owner: str,
    peer: str,
    last_time: int,
    unread: int,
) -> None:
    """Sum a batch's changes to one conversation row (an upsert may touch a row only once)."""
    key = (touch, sdkappid, owner, peer)
    row = rows.get(key)
    if row is None:
        rows[key] = _conv_row(sdkappid, owner, peer, last_time, unread)
    else:
        row["unread"] += unread
        row["last_time"] = max(row["last_time"], last_time)
        row["listed"] = row["last_time"] > 0


def _conv_row(sdkappid: int, owner: str, peer: str, last_time: int, unread: int) -> dict[str, Any]:
    return {
        "sdkappid": sdkappid,
        "owner": owner,
        "peer": peer,
        "last_time": last_time,
        "unread": unread,
        "read_time": 0,
        "cleared_id": 0,
        "listed": last_time > 0,
        "pinned_at": 0,
    }


async def import_message(
    rt: Runtime, app: App, sender: str, receiver: str, out: Outgoing, msg_time: int, *, realtime: bool
) -> bool:
    """importmsg: SyncFromOldSystem 5 (realtime: unread, pushed) or 2 (history: read, silent).

    Returns False when the message was a duplicate (same MsgSeq, MsgRandom and time, either direction);
    imported messages are never overwritten.
    """
    async with rt.store.tx() as tx:
        await accounts.require(tx, app.sdkappid, ("From_Account", sender, 90008), ("To_Account", receiver, 90012))
        delivery = Delivery(app, sender, [receiver], out, msg_time, "importmsg", unread=realtime, push=realtime)
        (fresh,) = await _store(tx, rt, [delivery])
    return bool(fresh)


# -- finding ----------------------------------------------------------------------------------------


async def find(conn: Any, sdkappid: int, a: str, b: str, msg_key: str) -> StoredMessage | None:
    """The message with this MsgKey in the conversation of a and b (either direction)."""
    parsed = parse_msg_key(msg_key)
    if parsed is None:
        return None
    seq, random, msg_time = parsed
    lo, hi = pair(a, b)
    row = (
        await conn.execute(_FIND, {"app": sdkappid, "lo": lo, "hi": hi, "t": msg_time, "s": seq, "r": random})
    ).first()
    return StoredMessage.from_row(row) if row else None


async def find_by_party(conn: Any, sdkappid: int, who: str, msg_key: str) -> StoredMessage | None:
    """The message with this MsgKey in any conversation of `who` (when the other party is unknown)."""
    parsed = parse_msg_key(msg_key)
    if parsed is None:
        return None
    seq, random, msg_time = parsed
    row = (
        await conn.execute(_FIND_BY_ONE_PARTY, {"app": sdkappid, "who": who, "t": msg_time, "s": seq, "r": random})
    ).first()
    return StoredMessage.from_row(row) if row else None


# -- recall -----------------------------------------------------------------------------------------


async def recall(
    rt: Runtime, app: App, from_account: str, to_account: str, msg_key: str, *, operator: str | None = None
) -> None:
    """Recall a message for both parties. `operator` None is the admin (no time limit); a user may
    recall only their own messages, within the app's `c2c_recall_limit_seconds` (20016)."""
    if parse_msg_key(msg_key) is None:
        raise ApiError(90054, f"MsgKey {msg_key!r} is not a valid one-to-one MsgKey")
    now = int(time.time())
    async with rt.store.tx() as tx:
        await accounts.require(
            tx, app.sdkappid, ("From_Account", from_account, 90008), ("To_Account", to_account, 90003)
        )
        msg = await find(tx, app.sdkappid, from_account, to_account, msg_key)
        if msg is None or msg.from_account != from_account:
            raise ApiError(20022, f"no message {msg_key!r} from {from_account} to {to_account}")
        if msg.recalled:
            raise ApiError(20023, "the message has already been recalled")
        if operator is not None:
            if operator != msg.from_account:
                raise ApiError(20022, "users may recall only their own messages")
            if now - msg.msg_time > app.settings.c2c_recall_limit_seconds:
                raise ApiError(20016, f"messages can be recalled within {app.settings.c2c_recall_limit_seconds} s")
        await tx.execute(
            c2c_messages.update()
            .where(c2c_messages.c.id == msg.id)
            .values(flags=msg.flags | FLAG_RECALLED, body="[]", cloud_data=None)
        )
        if msg.flags & FLAG_COUNTED_UNREAD:
            await _uncount_if_unread(tx, app.sdkappid, msg.to_account, msg.from_account, [msg.msg_time])
        payload = {
            "From_Account": msg.from_account,
            "To_Account": msg.to_account,
            "MsgKey": msg_key,
            "MsgTimeStamp": msg.msg_time,
            "Operator_Account": operator or "",
        }
        members = list(dict.fromkeys([msg.from_account, msg.to_account]))
        await feed.append(tx, rt.bus, app.sdkappid, [(m, FEED_RECALL, payload) for m in members])
        event = C2CMessageRecalled(
            sdkappid=app.sdkappid,
            at=now,
            from_account=msg.from_account,
            to_account=msg.to_account,
            msg_key=msg_key,
            operator=operator or "",
        )
        tx.after_commit(lambda: rt.bus.publish(event))


async def _uncount_if_unread(tx: Tx, sdkappid: int, owner: str, peer: str, msg_times: list[int]) -> None:
    """Take messages the owner has not read yet out of the owner's unread count."""
    row = (await tx.execute(_READ_TIME, {"app": sdkappid, "o_": owner, "p_": peer})).first()
    read_time = row[0] if row else 0
    n = sum(1 for t in msg_times if t > read_time)
    if n:
        await tx.execute(_UNCOUNT_UNREAD, {"app": sdkappid, "o_": owner, "p_": peer, "n": n})


# -- modify -----------------------------------------------------------------------------------------


async def modify(
    rt: Runtime,
    app: App,
    from_account: str,
    to_account: str,
    msg_key: str,
    *,
    body: Any | None,
    cloud_data: str | None,
) -> None:
    """modify_c2c_msg: overwrite MsgBody and/or CloudCustomData of a stored message."""
    body_json = None
    if body is not None:
        bodies.validate_body(body, code=90002, not_array_code=90007)
        body_json = _encode(body)
    if body_json is None and cloud_data is None:
        raise ApiError(20001, "give MsgBody, CloudCustomData or both")
    now = int(time.time())
    async with rt.store.tx() as tx:
        await accounts.require(
            tx, app.sdkappid, ("From_Account", from_account, 20003), ("To_Account", to_account, 90012)
        )
        msg = await find(tx, app.sdkappid, from_account, to_account, msg_key)
        if msg is None or msg.from_account != from_account:
            raise ApiError(20001, f"no message {msg_key!r} from {from_account} to {to_account}")
        if msg.recalled:
            raise ApiError(20001, "a recalled message cannot be modified")
        new_body = body_json if body_json is not None else msg.body.encode()
        new_cloud = cloud_data if cloud_data is not None else msg.cloud_data
        if bodies.packet_size(new_body, new_cloud) > bodies.MAX_PACKET_BYTES:
            raise ApiError(90010, f"MsgBody plus CloudCustomData exceed {bodies.MAX_PACKET_BYTES} bytes")
        await tx.execute(
            c2c_messages.update()
            .where(c2c_messages.c.id == msg.id)
            .values(body=new_body.decode(), cloud_data=new_cloud)
        )
        msg.body, msg.cloud_data = new_body.decode(), new_cloud
        payload = _encode(msg.wire())
        members = list(dict.fromkeys([msg.from_account, msg.to_account]))
        await feed.append(tx, rt.bus, app.sdkappid, [(m, FEED_MODIFY, payload) for m in members])
        event = C2CMessageModified(
            sdkappid=app.sdkappid,
            at=now,
            from_account=msg.from_account,
            to_account=msg.to_account,
            msg_key=msg_key,
            message=msgspec.Raw(payload),
        )
        tx.after_commit(lambda: rt.bus.publish(event))


# -- delete for oneself -----------------------------------------------------------------------------


async def find_many(conn: Any, sdkappid: int, a: str, b: str, msg_keys: list[str]) -> list[StoredMessage]:
    """The messages with these MsgKeys in the conversation of a and b, in one query."""
    wanted = [k for k in (parse_msg_key(key) for key in dict.fromkeys(msg_keys)) if k is not None]
    if not wanted:
        return []
    lo, hi = pair(a, b)
    m = c2c_messages.c
    rows = await conn.execute(
        sa.select(*_MESSAGE_COLUMNS).where(
            m.sdkappid == sdkappid,
            m.user_lo == lo,
            m.user_hi == hi,
            sa.tuple_(m.msg_time, m.msg_seq, m.msg_random).in_([(t, s, r) for s, r, t in wanted]),
        )
    )
    return [StoredMessage.from_row(row) for row in rows]


async def delete_for(rt: Runtime, app: App, owner: str, peer: str, msg_keys: list[str]) -> list[str]:
    """Hide messages from the owner's history only (the peer keeps them); returns the keys deleted."""
    lo, _ = pair(owner, peer)
    bit = hidden_flag(owner, lo)
    async with rt.store.tx() as tx:
        doomed = [m for m in await find_many(tx, app.sdkappid, owner, peer, msg_keys) if not m.flags & bit]
        if not doomed:
            return []
        await tx.execute(
            c2c_messages.update()
            .where(c2c_messages.c.id.in_([m.id for m in doomed]))
            .values(flags=c2c_messages.c.flags.op("|")(bit))
        )
        unread_times = [
            m.msg_time for m in doomed if m.to_account == owner and m.flags & FLAG_COUNTED_UNREAD and not m.recalled
        ]
        if unread_times:
            await _uncount_if_unread(tx, app.sdkappid, owner, peer, unread_times)
        keys = [m.msg_key for m in doomed]
        await feed.append(
            tx, rt.bus, app.sdkappid, [(owner, FEED_MSG_DELETE, {"Peer_Account": peer, "MsgKeyList": keys})]
        )
    return keys


@accounts.on_delete
async def _purge(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    """A deleted account's conversations go, on both sides, with the messages it was part of."""
    for part in accounts.chunks(user_ids):
        await tx.execute(
            c2c_messages.delete().where(
                c2c_messages.c.sdkappid == sdkappid,
                sa.or_(c2c_messages.c.user_lo.in_(part), c2c_messages.c.user_hi.in_(part)),
            )
        )
        await tx.execute(
            c2c_conversations.delete().where(
                c2c_conversations.c.sdkappid == sdkappid,
                sa.or_(c2c_conversations.c.owner.in_(part), c2c_conversations.c.peer.in_(part)),
            )
        )
