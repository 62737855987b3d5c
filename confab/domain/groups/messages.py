"""Group messages (issue 13): composing, the checks a sender passes, storing once, live fan-out.

A message is one row in the group's stream (`group_messages`, kind "msg"), numbered by the group's
MsgSeq inside the storing transaction (`UPDATE groups SET next_msg_seq = next_msg_seq + 1 ...
RETURNING`: gap-free and unique under any concurrency, on both databases). It is published once as
a `GroupEntry` ("group.msg"), encoded once; each process's gateway delivers it to the group's members
connected there (realtime/group_index.py). Nothing is written per member: unread counts come from the
group's seq and each member's read seq (a sender's read seq moves to their own message).

A message to a topic of a community (issue 14, `TopicId`) is the same row under the topic's ID,
numbered by the topic's own seq (the topic's row is stamped instead of the group's, so topics do not
contend), published as the community's "group.msg" entry with "TopicId" in it: every connected
member of the community gets it, and the device tells the topic by that field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import accounts
from confab.domain import mutes as global_mutes
from confab.domain.apps import App
from confab.domain.c2c import bodies
from confab.domain.groups import bans, live, model, mutes, notices, topics
from confab.domain.groups.model import Group
from confab.domain.groups.types import LIVE, Role
from confab.errors import ApiError
from confab.events import Event
from confab.store.tables.groups import group_members, group_messages, group_topics, groups
from confab.webhooks import before
from confab.windows import WindowCounter

if TYPE_CHECKING:
    from confab.runtime import Runtime

PRIORITIES = {"High": 1, "Normal": 2, "Low": 3, "Lowest": 4}  # ruling 4: integers in history
PRIORITY_NAMES = {v: k for k, v in PRIORITIES.items()}
SEND_CONTROLS = frozenset({"NoUnread", "NoLastMsg"})
FORBID_CONTROLS = frozenset({"ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"})
DEDUPE_SECONDS = 300  # same Random and content within 5 minutes: the later one is dropped (seed 2207-2212)
DROP_FREQUENCY = "MsgFreqCtrl"  # MsgDropReason of a message over the group's rate (the page's sample reply)
# what Group.CallbackSendMsgException reports for that drop: the page's sample (seed 33494-33496)
FREQUENCY_CODE, FREQUENCY_INFO = 10023, "msg count exceeds limit,please retry later"

# device sends and send_group_msg ask the app first (seed 32100-32104), a topic's messages too (TopicId)
BEFORE_SEND = before.Site("Group.CallbackBeforeSendMsg", reject_code=10016, custom=(10100, 10200), drop=True)
AFTER_SEND = "Group.CallbackAfterSendMsg"
SEND_EXCEPTION = "Group.CallbackSendMsgException"

_encode = msgspec.json.Encoder().encode
log = logging.getLogger("confab.groups")
NO_MESSAGE = msgspec.Raw(b"null")


class GroupMessageSent(Event, frozen=True):
    """A stored (or online-only) group message, for webhooks (Group.CallbackAfterSendMsg)."""

    group_id: str
    group_type: str
    sender: str
    msg_seq: int  # 0 for an online-only message
    random: int
    online_only: bool
    source: str  # "rest" or "user"
    topic_id: str = ""  # "" = the group itself
    operator: str = ""  # who asked: the device user, or the REST app admin (Operator_Account)
    # the message as delivered (messages.wire): only when the app has Group.CallbackAfterSendMsg on,
    # so a send without webhooks does not carry its body twice over the bus (else JSON null)
    message: msgspec.Raw = NO_MESSAGE
    forbid_callbacks: list[str] = []


class GroupSendFailed(Event, frozen=True):
    """A group message that could not be sent (Group.CallbackSendMsgException, seed 33382-33569): muted,
    not a member, no such group or topic, over the group's rate ... Emitted only when the app has that
    command on."""

    group_id: str
    group_type: str  # "" when the group does not exist
    sender: str
    operator: str
    random: int
    online_only: bool
    body: msgspec.Raw
    cloud_data: str | None
    code: int
    info: str
    topic_id: str = ""


@dataclass(slots=True)
class GroupOutgoing:
    """A validated group message about to be stored or delivered."""

    body_json: bytes
    random: int
    priority: int
    cloud_data: str | None = None
    push_json: bytes | None = None
    at_json: bytes | None = None
    online_only: bool = False
    no_unread: bool = False
    no_last_msg: bool = False
    support_extension: bool = False
    forbid_callbacks: frozenset[str] = frozenset()
    need_receipt: bool = False  # IsNeedReadReceipt 1 (gateway sends): members may send read receipts


@dataclass(slots=True)
class GroupSent:
    msg_time: int
    msg_seq: int
    drop_reason: str = ""


def compose(
    body: Any,
    *,
    random: int | None,
    priority: Any = None,
    cloud_data: str | None = None,
    push_info: Any = None,
    at_info: Any = None,
    online_only_flag: int = 0,
    send_controls: list[str] | None = None,
    forbid_callbacks: list[str] | None = None,
    support_extension: int = 0,
    size_code: int = 80002,
    need_receipt: int = 0,
) -> GroupOutgoing:
    """The message a send describes, validated (10004; over 12 KB `size_code`: 80002 for sends, 10020
    for imports, ruling 1)."""
    bodies.validate_body(body, code=10004, not_array_code=10004)
    body_json = _encode(body)
    if bodies.packet_size(body_json, cloud_data) > bodies.MAX_PACKET_BYTES:
        raise ApiError(size_code, f"MsgBody plus CloudCustomData exceed {bodies.MAX_PACKET_BYTES} bytes")
    if random is None:
        random = secrets.randbits(32)
    elif not 0 <= random <= 0xFFFFFFFF:
        raise ApiError(10004, "Random must be a 32-bit unsigned integer")
    if priority is None:
        priority = "Normal"
    if priority not in PRIORITIES:
        raise ApiError(10004, f"MsgPriority must be one of {', '.join(PRIORITIES)}")
    controls = set(send_controls or ())
    if not controls <= SEND_CONTROLS:
        raise ApiError(10004, f"SendMsgControl: unknown option(s) {sorted(controls - SEND_CONTROLS)}")
    forbid = frozenset(forbid_callbacks or ())
    if not forbid <= FORBID_CONTROLS:
        raise ApiError(10004, f"ForbidCallbackControl: unknown option(s) {sorted(forbid - FORBID_CONTROLS)}")
    if online_only_flag not in (0, 1):
        raise ApiError(10004, "OnlineOnlyFlag is 0 or 1")
    if online_only_flag and controls:
        raise ApiError(10004, "SendMsgControl cannot be used with OnlineOnlyFlag 1")
    if support_extension not in (0, 1):
        raise ApiError(10004, "SupportMessageExtension is 0 or 1")
    if need_receipt not in (0, 1):
        raise ApiError(10004, "IsNeedReadReceipt is 0 or 1")
    if push_info is not None and not isinstance(push_info, dict):
        raise ApiError(10004, "OfflinePushInfo must be an object")
    if at_info is not None and not isinstance(at_info, list):
        raise ApiError(10004, "GroupAtInfo must be an array")
    return GroupOutgoing(
        body_json=body_json,
        random=random,
        priority=PRIORITIES[priority],
        cloud_data=cloud_data,
        push_json=_encode(push_info) if push_info is not None else None,
        at_json=_encode(at_info) if at_info is not None else None,
        online_only=online_only_flag == 1,
        no_unread="NoUnread" in controls,
        no_last_msg="NoLastMsg" in controls,
        support_extension=support_extension == 1,
        forbid_callbacks=forbid,
        need_receipt=need_receipt == 1,
    )


# -- per-process guards ------------------------------------------------------------------------------

_rates = WindowCounter(1.0)


class _Recent:
    """Messages seen in the last five minutes by (app, group, Random): the dedupe of seed 2207-2212.
    Per process: a duplicate sent through another process is stored (noted in docs/compatibility.md)."""

    def __init__(self, size: int = 100_000) -> None:
        self._seen: OrderedDict[tuple[int, str, int], tuple[bytes, float, int, int]] = OrderedDict()
        self._size = size

    def get(self, key: tuple[int, str, int], digest: bytes) -> tuple[int, int] | None:
        hit = self._seen.get(key)
        if hit is None or hit[0] != digest or time.monotonic() - hit[1] > DEDUPE_SECONDS:
            return None
        return hit[2], hit[3]

    def put(self, key: tuple[int, str, int], digest: bytes, msg_time: int, msg_seq: int) -> None:
        self._seen[key] = (digest, time.monotonic(), msg_time, msg_seq)
        self._seen.move_to_end(key)
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)


_recent = _Recent()

# -- statements (hot path: built once) ---------------------------------------------------------------

_STAMP = (
    groups.update()
    .where(groups.c.sdkappid == sa.bindparam("app"), groups.c.group_id == sa.bindparam("gid"))
    .values(next_msg_seq=groups.c.next_msg_seq + 1, last_msg_time=sa.bindparam("now"), active=1)
    .returning(groups.c.next_msg_seq)
)
_STAMP_QUIET = (  # NoLastMsg: the conversation's last-message time stays
    groups.update()
    .where(groups.c.sdkappid == sa.bindparam("app"), groups.c.group_id == sa.bindparam("gid"))
    .values(next_msg_seq=groups.c.next_msg_seq + 1, active=1)
    .returning(groups.c.next_msg_seq)
)
_TOPIC_KEY = (
    group_topics.c.sdkappid == sa.bindparam("app"),
    group_topics.c.group_id == sa.bindparam("gid"),
    group_topics.c.topic_id == sa.bindparam("tid"),
)
_STAMP_TOPIC = (
    group_topics.update()
    .where(*_TOPIC_KEY)
    .values(next_msg_seq=group_topics.c.next_msg_seq + 1, last_msg_time=sa.bindparam("now"))
    .returning(group_topics.c.next_msg_seq)
)
_STAMP_TOPIC_QUIET = (
    group_topics.update()
    .where(*_TOPIC_KEY)
    .values(next_msg_seq=group_topics.c.next_msg_seq + 1)
    .returning(group_topics.c.next_msg_seq)
)
_INSERT = group_messages.insert()
_SENDER_READ = (
    group_members.update()
    .where(
        group_members.c.sdkappid == sa.bindparam("app"),
        group_members.c.group_id == sa.bindparam("gid"),
        group_members.c.user_id == sa.bindparam("uid"),
    )
    .values(last_send_time=sa.bindparam("now"), read_seq=sa.bindparam("seq"))
)


def wire(group: Group, sender: str, out: GroupOutgoing, msg_time: int, msg_seq: int, topic_id: str = "") -> bytes:
    """The message as devices receive it and history returns it (MsgBody spliced in, not re-encoded)."""
    doc: dict[str, Any] = {"GroupId": group.group_id}
    if topic_id:
        doc["TopicId"] = topic_id
    doc |= {
        "MsgSeq": msg_seq,
        "MsgTime": msg_time,
        "From_Account": sender,
        "Random": out.random,
        "MsgPriority": out.priority,
        "MsgBody": msgspec.Raw(out.body_json),
    }
    if out.cloud_data is not None:
        doc["CloudCustomData"] = out.cloud_data
    if out.at_json is not None:
        doc["GroupAtInfo"] = msgspec.Raw(out.at_json)
    if out.support_extension:
        doc["SupportMessageExtension"] = 1
    if out.online_only:
        doc["OnlineOnlyFlag"] = 1
    elif out.need_receipt and group.gtype.read_receipts:  # a stored message of a type with receipts
        doc["NeedReadReceipt"] = 1  # groups/receipts.py reads this flag
    return _encode(doc)


async def _check_sender(
    conn: Any, app: App, group: Group, sender: str, *, by_admin: bool, watching: bool
) -> model.Member | None:
    """Who may speak (reference/groups.md §4, seed 2320-2335): a device user must be a member (of a
    live group: watching it, or its owner or a live admin), not muted in the group or globally
    (10017), not banned, and speak while MuteAllMember is on only as owner or admin; a REST send names
    an existing account (or the admin), and mutes still apply."""
    if app.is_admin(sender):
        return None
    now = int(time.time())
    member = await model.member(conn, group, sender)
    role = member.role if member is not None else await model.standing_role(conn, group, sender)
    if by_admin:
        if member is None and not await accounts.existing(conn, app.sdkappid, [sender]):
            raise ApiError(10004, f"From_Account {sender!r} is not an account of this app")
    elif role is None and not watching:
        raise ApiError(10007, "only members of the group may send to it")
    until = member.mute_until if member is not None else await mutes.muted_until(conn, group, sender)
    if until > now:
        raise ApiError(10017, f"{sender} is muted in this group")
    if await global_mutes.group_muted_until(conn, app.sdkappid, sender):
        raise ApiError(10017, f"{sender} is muted for group messages (setnospeaking)")
    if not by_admin:
        if group.mute_all and (role or Role.MEMBER) < Role.ADMIN:
            raise ApiError(10017, "the group is muted: only the owner and admins may speak")
        if group.gtype.ban_role is not None and await bans.is_banned(conn, group, sender):
            raise ApiError(10017, f"{sender} is banned from this group")
    return member


async def _admit(
    conn: Any, rt: Runtime, app: App, group_id: str, sender: str, *, by_admin: bool, topic_id: str | None
) -> tuple[Group, topics.Topic | None, model.Member | None]:
    """The group (and topic) a send names, once the sender may speak there."""
    group = await model.get(conn, app.sdkappid, group_id)
    topic = await topics.require(conn, group, topic_id) if topic_id is not None else None
    watching = group.gtype.live and live.watching(rt, app.sdkappid, group_id, sender)
    member = await _check_sender(conn, app, group, sender, by_admin=by_admin, watching=watching)
    if topic is not None and not app.is_admin(sender):  # a mute in this topic (forbid_send_msg TopicId)
        if await mutes.muted_until(conn, mutes.topic_scope(group, topic.topic_id), sender):
            raise ApiError(10017, f"{sender} is muted in topic {topic.topic_id}")
    if topic is not None and not by_admin and not app.is_admin(sender):
        topics.may_speak(topic, member.role if member is not None else Role.OWNER)
    return group, topic, member


async def send(
    rt: Runtime,
    app: App,
    group_id: str,
    sender: str,
    out: GroupOutgoing,
    *,
    by_admin: bool,
    topic_id: str | None = None,
) -> GroupSent:
    """Store and deliver one group message (send_group_msg; a device's send), to a topic when
    `topic_id` names one (10010 when it names none). A failed check consumes no seq (the transaction
    rolls back); a message over the group's rate is dropped with MsgDropReason; a repeat of the same
    Random and content within five minutes answers the first.

    Webhooks: Group.CallbackBeforeSendMsg is asked first (outside any transaction; the checks are run
    once before it, so the app is asked only about a message that may be sent): it may refuse (10016,
    or the app's 10100-10200 code), drop silently (MsgSeq 0, nothing stored) or replace MsgBody and
    CloudCustomData. A send that fails after naming a group is reported to
    Group.CallbackSendMsgException (a before-callback's refusal is the app's own and is not)."""
    operator = sender if not by_admin or app.is_admin(sender) else notices.who(app, None)
    tid = topic_id or ""
    if "ForbidBeforeSendMsgCallback" not in out.forbid_callbacks and app.settings.webhook.on(BEFORE_SEND.command):
        try:
            async with rt.store.read() as conn:
                group, _, _ = await _admit(conn, rt, app, group_id, sender, by_admin=by_admin, topic_id=topic_id)
        except ApiError as err:
            await _report_failure(rt, app, group_id, sender, operator, out, tid, err)
            raise
        verdict = await BEFORE_SEND.ask(rt, app, _before_body(group, sender, operator, out, tid))
        if verdict is not None:
            if verdict.action == "reject":
                raise ApiError(verdict.code, verdict.info)
            if verdict.action == "drop":  # the sender is told it went; MsgSeq 0, as a message never stored
                return GroupSent(msg_time=int(time.time()), msg_seq=0)
            out = _replaced(out, verdict.reply)
    try:
        return await _send(rt, app, group_id, sender, out, by_admin=by_admin, topic_id=topic_id, operator=operator)
    except ApiError as err:
        await _report_failure(rt, app, group_id, sender, operator, out, tid, err)
        raise


async def _send(
    rt: Runtime,
    app: App,
    group_id: str,
    sender: str,
    out: GroupOutgoing,
    *,
    by_admin: bool,
    topic_id: str | None,
    operator: str,
) -> GroupSent:
    digest = hashlib.blake2b(out.body_json + (out.cloud_data or "").encode(), digest_size=16).digest()
    tid = topic_id or ""
    key = (app.sdkappid, f"{group_id}\n{tid}" if tid else group_id, out.random)
    now = int(time.time())
    async with rt.store.tx() as tx:
        group, topic, member = await _admit(tx, rt, app, group_id, sender, by_admin=by_admin, topic_id=topic_id)
        earlier = _recent.get(key, digest)
        if earlier is not None:
            return GroupSent(msg_time=earlier[0], msg_seq=earlier[1])
        if not _rates.take((app.sdkappid, group_id), app.settings.group_msgs_per_second):
            if app.settings.webhook.on(SEND_EXCEPTION):  # this transaction commits: the report goes with it
                err = ApiError(FREQUENCY_CODE, FREQUENCY_INFO)
                tx.emit(_failed_event(app, group_id, group.gtype.name, sender, operator, out, tid, err, now))
            return GroupSent(msg_time=now, msg_seq=0, drop_reason=DROP_FREQUENCY)
        stores = group.gtype.stores_history and not out.online_only
        seq = 0
        if stores and topic is not None:
            stamp = _STAMP_TOPIC_QUIET if out.no_last_msg else _STAMP_TOPIC
            params = {"app": app.sdkappid, "gid": group_id, "tid": tid, "now": now}
            stamped = (await tx.execute(stamp, params)).scalar_one_or_none()
            if stamped is None:  # destroyed since it was read
                raise ApiError(10010, f"group {group_id!r} has no topic {tid!r}")
            seq = stamped - 1
        elif stores:
            stamp = _STAMP_QUIET if out.no_last_msg else _STAMP
            seq = (await tx.execute(stamp, {"app": app.sdkappid, "gid": group_id, "now": now})).scalar_one() - 1
        payload = wire(group, sender, out, now, seq, tid)
        if stores:
            row = {
                "sdkappid": app.sdkappid,
                "group_id": group_id,
                "topic_id": tid,
                "msg_seq": seq,
                "kind": "msg",
                "sender": sender,
                "msg_time": now,
                "random": out.random,
                "body": payload.decode(),
                "recalled": 0,
            }
            await tx.execute(_INSERT, row)
            if member is not None and topic is not None:  # own messages are never unread
                await topics.move_read(tx, group, tid, sender, seq)
            elif member is not None:  # (the app admin has no member row)
                params = {"app": app.sdkappid, "gid": group_id, "uid": sender, "now": now, "seq": seq}
                await tx.execute(_SENDER_READ, params)
        entry = notices.entry(app.sdkappid, group_id, "group.msg", payload, seq=seq, at=now)
        event = GroupMessageSent(
            sdkappid=app.sdkappid,
            at=now,
            group_id=group_id,
            group_type=group.gtype.name,
            sender=sender,
            msg_seq=seq,
            random=out.random,
            online_only=not stores,
            source="rest" if by_admin else "user",
            topic_id=tid,
            operator=operator,
            message=msgspec.Raw(payload) if app.settings.webhook.on(AFTER_SEND) else NO_MESSAGE,
            forbid_callbacks=sorted(out.forbid_callbacks),
        )
        notices.publish(tx, rt, entry, event)
    _recent.put(key, digest, now, seq)
    return GroupSent(msg_time=now, msg_seq=seq)


# -- webhooks ----------------------------------------------------------------------------------------


def online_only_flag(group_type: str, online_only: bool) -> int:
    """OnlineOnlyFlag of the send callbacks: 1 or 0; always 0 for a live group (seed 32206-32208)."""
    return 0 if group_type == LIVE.name else int(online_only)


def _before_body(group: Group, sender: str, operator: str, out: GroupOutgoing, tid: str) -> dict[str, Any]:
    """The page's sample (seed 32150-32186), with TopicId for a topic's message."""
    body: dict[str, Any] = {
        "GroupId": group.group_id,
        "Type": group.gtype.name,
        "From_Account": sender,
        "Operator_Account": operator,
        "Random": out.random,
        "OnlineOnlyFlag": online_only_flag(group.gtype.name, out.online_only),
        "MsgBody": msgspec.Raw(out.body_json),
    }
    if out.cloud_data is not None:
        body["CloudCustomData"] = out.cloud_data
    if tid:
        body["TopicId"] = tid
    body["EventTime"] = before.event_time()
    return body


def _replaced(out: GroupOutgoing, reply: dict[str, Any]) -> GroupOutgoing:
    """The message with the MsgBody and CloudCustomData the app's before-callback answered, if any
    (seed 32300-32340). A replacement that is no valid body, or over 12 KB, is ignored: the user's
    message stands."""
    body, cloud = reply.get("MsgBody"), reply.get("CloudCustomData")
    changed = out
    if body is not None:
        try:
            bodies.validate_body(body, code=10004, not_array_code=10004)
        except ApiError:
            return out
        changed = dataclasses.replace(changed, body_json=_encode(body))
    if isinstance(cloud, str):
        changed = dataclasses.replace(changed, cloud_data=cloud)
    if bodies.packet_size(changed.body_json, changed.cloud_data) > bodies.MAX_PACKET_BYTES:
        return out
    return changed


def _failed_event(
    app: App,
    group_id: str,
    group_type: str,
    sender: str,
    operator: str,
    out: GroupOutgoing,
    tid: str,
    err: ApiError,
    now: int,
) -> GroupSendFailed:
    return GroupSendFailed(
        sdkappid=app.sdkappid,
        at=now,
        group_id=group_id,
        group_type=group_type,
        sender=sender,
        operator=operator,
        random=out.random,
        online_only=out.online_only,
        body=msgspec.Raw(out.body_json),
        cloud_data=out.cloud_data,
        code=err.code,
        info=err.info,
        topic_id=tid,
    )


async def compose_for_send(
    rt: Runtime,
    app: App,
    group_id: str,
    sender: str,
    operator: str | None,
    body: Any,
    *,
    topic_id: str | None,
    **options: Any,
) -> GroupOutgoing:
    """`compose` for a send (REST or a device). A body refused before it is a message (invalid
    MsgBody, 10004; over 12 KB, 80002) is a Group.CallbackSendMsgException as the other failures are,
    with the body as it was sent."""
    try:
        return compose(body, **options)
    except ApiError as err:
        if app.settings.webhook.on(SEND_EXCEPTION):
            try:
                raw = _encode(body)
            except (TypeError, ValueError, OverflowError):
                raw = b"null"
            refused = GroupOutgoing(body_json=raw, random=options.get("random") or 0, priority=0)
            refused.cloud_data = options.get("cloud_data")
            refused.online_only = options.get("online_only_flag") == 1
            who = notices.who(app, operator)
            await _report_failure(rt, app, group_id, sender, who, refused, topic_id or "", err)
        raise


async def _report_failure(
    rt: Runtime, app: App, group_id: str, sender: str, operator: str, out: GroupOutgoing, tid: str, err: ApiError
) -> None:
    """A failed send, for Group.CallbackSendMsgException: in a transaction of its own (the send's rolled
    back), only when the app has the command on. It never hides the send's own error."""
    if not app.settings.webhook.on(SEND_EXCEPTION):
        return
    try:
        async with rt.store.tx() as tx:
            try:
                group_type = (await model.get(tx, app.sdkappid, group_id)).gtype.name
            except ApiError:  # no such group: the page's "wrong parameters" case
                group_type = ""
            tx.emit(_failed_event(app, group_id, group_type, sender, operator, out, tid, err, int(time.time())))
    except Exception:
        log.exception("could not record Group.CallbackSendMsgException for %s", group_id)
