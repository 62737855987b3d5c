"""Sending and importing one-to-one messages: the message a send describes, validated (`compose`), and the
group commit that stores it (`SendBatcher`).

A send is one transaction of a handful of prebuilt statements whatever the recipient count:
account existence (one IN query), the message rows (one INSERT ... ON CONFLICT DO NOTHING RETURNING,
which is also the MsgSeq+MsgRandom+time dedupe), the conversation rows (one upsert), the feed
(see domain.feed). Events and feed entries go out after commit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from confab.domain import accounts, chatbots, feed, hooks
from confab.domain.apps import App
from confab.domain.c2c import bodies, queries
from confab.domain.c2c.model import (
    FEED_MSG,
    FLAG_COUNTED_UNREAD,
    FLAG_EXTENSION,
    FLAG_READ_RECEIPT,
    C2CMessageSent,
    C2CSendFailed,
    hidden_flag,
    make_msg_key,
    message_payload,
    pair,
)
from confab.errors import ApiError
from confab.store import Tx
from confab.webhooks import before

if TYPE_CHECKING:
    from confab.runtime import Runtime

MAX_LIFE_TIME = 7 * 86400  # MsgLifeTime ceiling (90026)
BATCH_MAX_RECIPIENTS = 500  # batchsendmsg (90011)

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
    forbid_callbacks: frozenset[str] = frozenset()  # ForbidCallbackControl: webhooks to skip for it

    @property
    def base_flags(self) -> int:
        return (FLAG_EXTENSION if self.support_extension else 0) | (FLAG_READ_RECEIPT if self.need_receipt else 0)


@dataclass(slots=True)
class Sent:
    msg_time: int
    msg_key: str
    msg_seq: int
    failed: dict[str, int] = field(default_factory=dict)  # recipient -> error code (batch)


SEND_CONTROLS = frozenset({"NoUnread", "NoLastMsg", "WithMuteNotifications", "NoMsgCheck"})
# sendmsg and device sends ask the app first; batchsendmsg and imports trigger no callbacks (seed 1293)
_BEFORE_SEND = before.Site("C2C.CallbackBeforeSendMsg", reject_code=20006, custom=(120001, 130000), drop=True)
CALLBACK_SOURCES = frozenset({"sendmsg", "user"})
FORBID_CONTROLS = frozenset({"ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"})


def compose(
    body: Any,
    *,
    cloud_data: str | None,
    push_info: Any,
    msg_seq: int | None,
    msg_random: int,
    life_time: int | None = None,
    size_code: int = 93000,
    sync_other_machine: int | None = None,
    online_only_flag: int = 0,
    send_controls: Iterable[str] = (),
    forbid_callbacks: Iterable[str] = (),
    support_extension: bool = False,
    need_receipt: bool = False,
) -> Outgoing:
    """The message a send describes, validated: one rule for the REST send APIs and the gateway's send."""
    if sync_other_machine not in (None, 1, 2):
        raise ApiError(90031, "SyncOtherMachine must be 1 or 2")
    controls = set(send_controls)
    forbid = frozenset(forbid_callbacks)
    if not forbid <= FORBID_CONTROLS:
        raise ApiError(90001, f"ForbidCallbackControl: unknown option(s) {sorted(forbid - FORBID_CONTROLS)}")
    if not controls <= SEND_CONTROLS:
        raise ApiError(90001, f"SendMsgControl: unknown option(s) {sorted(controls - SEND_CONTROLS)}")
    return prepare(
        body,
        cloud_data=cloud_data,
        push_info=push_info,
        msg_seq=msg_seq,
        msg_random=msg_random,
        life_time=life_time,
        size_code=size_code,
        sync_other_machine=sync_other_machine,
        # MsgLifeTime 0 or 1: online devices only, not stored, not unread (seed 1288, 7032)
        online_only=online_only_flag == 1 or (life_time is not None and life_time <= 1),
        no_unread="NoUnread" in controls,
        no_last_msg="NoLastMsg" in controls,
        support_extension=support_extension,
        need_receipt=need_receipt,
        forbid_callbacks=forbid,
    )


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
    if source in CALLBACK_SOURCES and "ForbidBeforeSendMsgCallback" not in out.forbid_callbacks:
        verdict = await _BEFORE_SEND.ask(rt, app, _before_body(sender, recipients[0], out, now))
        if verdict is not None:
            if verdict.action == "reject":
                raise ApiError(verdict.code, verdict.info)
            if verdict.action == "drop":  # the sender is told it was sent; nothing is stored or delivered
                return Sent(now, make_msg_key(out.msg_seq, out.msg_random, now), out.msg_seq)
            out = _replaced(out, verdict.reply)
    delivery = Delivery(app, sender, list(dict.fromkeys(recipients)), out, now, source, unread=not out.no_unread)
    job = _Job(delivery, by_admin, sender_missing, recipient_missing, asyncio.get_running_loop().create_future())
    batcher = rt.c2c_sends
    if batcher is None:
        batcher = rt.c2c_sends = SendBatcher(rt)
    await batcher.submit(job)
    if source in CALLBACK_SOURCES:  # custom content to a chatbot: ask the app for its reply (after the write)
        await chatbots.passthrough(rt, app, sender, delivery.targets, out, now)
    return Sent(now, make_msg_key(out.msg_seq, out.msg_random, now), out.msg_seq, job.failed)


def _before_body(sender: str, receiver: str, out: Outgoing, now: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "From_Account": sender,
        "To_Account": receiver,
        "MsgSeq": out.msg_seq,
        "MsgRandom": out.msg_random,
        "MsgTime": now,
        "MsgKey": make_msg_key(out.msg_seq, out.msg_random, now),
        "OnlineOnlyFlag": 1 if out.online_only else 0,
        "MsgBody": msgspec.Raw(out.body_json),
    }
    if out.cloud_data is not None:
        body["CloudCustomData"] = out.cloud_data
    return body


def _replaced(out: Outgoing, reply: dict[str, Any]) -> Outgoing:
    """The message with the MsgBody and CloudCustomData the app's before-callback answered, if any
    (seed 30430-30470). A replacement that is not a valid body is ignored: the user's message stands."""
    body, cloud = reply.get("MsgBody"), reply.get("CloudCustomData")
    if body is None and not isinstance(cloud, str):
        return out
    changed = dataclasses.replace(out)
    if body is not None:
        try:
            bodies.validate_body(body, code=20006, not_array_code=20006)
        except ApiError:
            return out
        changed.body_json = _encode(body)
    if isinstance(cloud, str):
        changed.cloud_data = cloud
    return changed


class SendBatcher:
    """Group commit for sends: every send waiting when the writer is free goes into one transaction.

    A send is a handful of statements and a commit; with many clients, most of the cost was the
    per-send BEGIN/COMMIT and per-statement overhead. Jobs are validated one by one inside the
    transaction (a refused job fails alone), written with one statement per table, and answered after
    the commit. If the batch's transaction fails as a whole, each job is retried on its own so that one
    bad job cannot fail the others.

    SQLite has one writer, so one batch at a time. PostgreSQL takes a few at once, so lock order
    matters, and every batch takes its locks in one global order: the conversation rows in one
    upsert, sorted by (app, owner, peer) (NoLastMsg rows included), then, app by app in SDKAppID
    order, the account rows its feed entries bump (domain.feed.append: one sorted locking statement
    first). Not ordered: two concurrent batches that hold the same duplicate message (same MsgSeq,
    MsgRandom and second) may wait on each other in the message insert; PostgreSQL breaks that after
    deadlock_timeout and the jobs are retried one by one.
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
                rt = self.rt
                online_only = [job.delivery for job in accepted if job.delivery.out.online_only]
                for d in online_only:  # their events go out with the batch (and reach the webhook outbox)
                    tx.emit(*_online_only_events(d))

                def answer() -> None:
                    for d in online_only:
                        _deliver_online_only(rt, d.app, d.sender, d.targets, d.out, d.msg_time)
                    for job in accepted:
                        if not job.future.done():
                            job.future.set_result(None)

                tx.after_commit(answer)
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
                if d.source in CALLBACK_SOURCES and d.targets:  # the after-send callback reports failures too
                    tx.emit(_failed_event(d, d.targets[0], err))
                continue
            accepted.append(job)
        return accepted


def _deliver_online_only(rt: Runtime, app: App, sender: str, targets: list[str], out: Outgoing, now: int) -> None:
    """OnlineOnlyFlag: straight to the devices online now; never stored, never unread (DECISIONS 2)."""
    entries = []
    for receiver in targets:
        payload = _payload(sender, receiver, out, now, out.base_flags, online_only=True)
        entries.append((receiver, FEED_MSG, payload))
        if out.sync_other_machine == 1 and receiver != sender:
            entries.append((sender, FEED_MSG, payload))
    feed.ephemeral(rt.bus, app.sdkappid, entries)


def _online_only_events(d: Delivery) -> list[C2CMessageSent]:
    return [
        _sent_event(
            d.app,
            d.sender,
            receiver,
            d.out,
            d.msg_time,
            d.source,
            _payload(d.sender, receiver, d.out, d.msg_time, d.out.base_flags, online_only=True),
            online_only=True,
        )
        for receiver in d.targets
    ]


def _failed_event(d: Delivery, receiver: str, err: ApiError) -> C2CSendFailed:
    return C2CSendFailed(
        sdkappid=d.app.sdkappid,
        at=d.msg_time,
        from_account=d.sender,
        to_account=receiver,
        msg_seq=d.out.msg_seq,
        msg_random=d.out.msg_random,
        msg_time=d.msg_time,
        online_only=d.out.online_only,
        source=d.source,
        code=err.code,
        info=err.info,
        body_json=msgspec.Raw(d.out.body_json),
        cloud_data=d.out.cloud_data or "",
        forbid_callbacks=sorted(d.out.forbid_callbacks),
    )


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
        forbid_callbacks=sorted(out.forbid_callbacks),
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
    inserted = await tx.execute(queries.insert_messages(rt.store.dialect), rows[0] if len(rows) == 1 else rows)
    new_keys = {(r.sdkappid, r.user_lo, r.user_hi, r.msg_time, r.msg_seq, r.msg_random) for r in inserted}

    fresh_of: list[list[str]] = []
    conv_rows: dict[tuple[int, str, str], dict[str, Any]] = {}
    entries_by_app: dict[int, list[feed.Item]] = {}
    events: list[C2CMessageSent] = []
    for d, flags_here in zip(deliveries, flags_of, strict=True):
        fresh = []
        for receiver in d.targets:
            key = (d.app.sdkappid, *pair(d.sender, receiver), d.msg_time, d.out.msg_seq, d.out.msg_random)
            if key in new_keys:
                new_keys.discard(key)  # a repeat of the same message later in this batch is a duplicate
                fresh.append(receiver)
        fresh_of.append(fresh)
        # MsgLifeTime bounds offline delivery: a device catching up later does not get it (history does)
        expires_at = d.msg_time + d.out.msg_life_time if d.out.msg_life_time is not None else 0
        touch = not d.out.no_last_msg
        shown_time = d.msg_time if touch else 0  # NoLastMsg: the conversation list does not move
        for receiver in fresh:
            counted = 1 if flags_here[receiver] & FLAG_COUNTED_UNREAD else 0
            _add_conv(conv_rows, d.app.sdkappid, receiver, d.sender, shown_time, counted)
            if d.out.sync_other_machine != 2 and receiver != d.sender:
                _add_conv(conv_rows, d.app.sdkappid, d.sender, receiver, shown_time, 0)
            payload = _payload(d.sender, receiver, d.out, d.msg_time, flags_here[receiver], online_only=False)
            if d.push:
                entries = entries_by_app.setdefault(d.app.sdkappid, [])
                entries.append((receiver, FEED_MSG, payload, expires_at))
                if d.out.sync_other_machine == 1 and receiver != d.sender:
                    entries.append((d.sender, FEED_MSG, payload, expires_at))
            events.append(
                _sent_event(d.app, d.sender, receiver, d.out, d.msg_time, d.source, payload, online_only=False)
            )
    if conv_rows:  # one statement, rows sorted: one lock order for every batch
        ordered = [row for _, row in sorted(conv_rows.items())]
        await tx.execute(queries.upsert_conversations(rt.store.dialect), ordered)
    for sdkappid, entries in sorted(entries_by_app.items()):  # apps in one order too
        await feed.append(tx, rt.bus, sdkappid, entries)
    if events:
        tx.emit(*events)
    return fresh_of


def _add_conv(
    rows: dict[tuple[int, str, str], dict[str, Any]],
    sdkappid: int,
    owner: str,
    peer: str,
    last_time: int,
    unread: int,
) -> None:
    """Sum a batch's changes to one conversation row (an upsert may touch a row only once)."""
    key = (sdkappid, owner, peer)
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
