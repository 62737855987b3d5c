"""Deliveries that are not ordinary group messages (docs/feed/groups.md):

- send_group_system_notification (seed 004 lines 2363-2552): a `Content` string from the app to a
  group. Not an ordinary message: it takes no MsgSeq, is not in history and is not unread. To the
  whole group it is one live `GroupEntry` ("group.system"), fanned out by each gateway to the members
  connected there (online only: one bus event whatever the group's size). To listed members
  (`ToMembers_Account`, at most 500, seed 2487) it is a feed entry each ("group.system"), so an offline device
  still gets it when it reconnects. AVChatRooms take only the whole-group form (seed 2389-2390).
- send_broadcast_msg (seed 004 lines 2553-2751): one message to every AVChatRoom of the app, online
  only: one read of the app's AVChatRoom IDs (ix_groups_type_serial), then one "group.msg"
  GroupEntry per room, MsgSeq 0 like any AVChatRoom message. The reply's MsgSeq is a broadcast number,
  increasing per process (`BroadcastSeq` in the pushes). 1 call per second per app (10023).
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.domain.groups import messages, model, notices, types
from confab.domain.limits import utf8_len
from confab.errors import ApiError
from confab.events import Event
from confab.store.tables.groups import groups
from confab.windows import WindowCounter

if TYPE_CHECKING:
    from confab.runtime import Runtime

NOTIFY_MAX_MEMBERS = 500  # ToMembers_Account (seed 2487)
CONTENT_MAX_BYTES = 12_288  # ruling 1's 12 KB, for the notification's Content
BROADCASTS_PER_SECOND = 1  # seed 2628

_encode = msgspec.json.Encoder().encode


class SystemNotified(Event, frozen=True):
    group_id: str
    group_type: str
    to: list[str]  # [] = the whole group
    content: str


class Broadcast(Event, frozen=True):
    sender: str
    broadcast_seq: int
    group_ids: list[str]


async def system_notification(rt: Runtime, app: App, group_id: str, content: str, to: list[str] | None) -> None:
    if not content:
        raise ApiError(10004, "Content is required")
    if utf8_len(content) > CONTENT_MAX_BYTES:
        raise ApiError(10004, f"Content is at most {CONTENT_MAX_BYTES} bytes")
    listed = list(dict.fromkeys(to or ()))
    if len(listed) > NOTIFY_MAX_MEMBERS:
        raise ApiError(10004, f"ToMembers_Account holds at most {NOTIFY_MAX_MEMBERS} accounts")
    now = int(time.time())
    async with rt.store.tx() as tx:
        group = await model.get(tx, app.sdkappid, group_id)
        if listed and not group.gtype.member_profiles:
            raise ApiError(10004, f"{group.gtype.name} groups take system notifications to all members only")
        body = {"Content": content, "MsgTime": now}
        event = SystemNotified(
            sdkappid=app.sdkappid, at=now, group_id=group_id, group_type=group.gtype.name, to=[], content=content
        )
        if listed:
            members = await model.members(tx, group, listed)
            recipients = [u for u in listed if u in members]  # non-members are left out
            await notices.tell(tx, rt, group, recipients, "group.system", body)
            notices.publish(tx, rt, msgspec.structs.replace(event, to=recipients))
            return
        payload = {"GroupId": group_id, "Type": group.gtype.name, **body}
        entry = notices.entry(app.sdkappid, group_id, "group.system", payload, at=now)
        notices.publish(tx, rt, entry, event)


# -- broadcasts to every AVChatRoom -------------------------------------------------------------------

_TARGET_TYPES = [t.name for t in types.ALL if t.broadcast_target]
_ROOMS = (
    sa.select(groups.c.group_id)
    .where(groups.c.sdkappid == sa.bindparam("app"), groups.c.type.in_(_TARGET_TYPES))
    .order_by(groups.c.type, groups.c.serial)
)
_rates = WindowCounter(1.0)
_recent = messages._Recent(10_000)
_last_seq = 0


def _next_broadcast_seq() -> int:
    """Increasing per process, and across restarts (it starts from the clock in milliseconds)."""
    global _last_seq
    _last_seq = max(_last_seq + 1, int(time.time() * 1000))
    return _last_seq


async def broadcast(rt: Runtime, app: App, sender: str, out: messages.GroupOutgoing) -> int:
    """Deliver to every AVChatRoom's online members; returns the broadcast's MsgSeq."""
    if not app.settings.group_broadcast:
        raise ApiError(10007, "broadcasts to AVChatRooms are switched off for this app (setting group_broadcast)")
    digest = hashlib.blake2b(out.body_json + (out.cloud_data or "").encode(), digest_size=16).digest()
    key = (app.sdkappid, "", out.random)
    earlier = _recent.get(key, digest)
    if earlier is not None:
        return earlier[1]  # a repeat within five minutes is discarded (seed 2680-2682)
    async with rt.store.read() as conn:
        if not app.is_admin(sender) and not await accounts.existing(conn, app.sdkappid, [sender]):
            raise ApiError(10004, f"From_Account {sender!r} is not an account of this app")
        if not _rates.take(app.sdkappid, BROADCASTS_PER_SECOND):
            raise ApiError(10023, f"at most {BROADCASTS_PER_SECOND} broadcast per second")
        rooms = [r[0] for r in await conn.execute(_ROOMS, {"app": app.sdkappid})]
    now = int(time.time())
    seq = _next_broadcast_seq()
    doc: dict[str, Any] = {
        "GroupId": "",
        "MsgSeq": 0,
        "MsgTime": now,
        "From_Account": sender,
        "Random": out.random,
        "MsgPriority": out.priority,
        "MsgBody": msgspec.Raw(out.body_json),
        "OnlineOnlyFlag": 1,
        "BroadcastSeq": seq,
    }
    if out.cloud_data is not None:
        doc["CloudCustomData"] = out.cloud_data
    tail = _encode(doc)[len(b'{"GroupId":""') :]  # everything after the room's ID, encoded once
    entries: list[Event] = [
        notices.entry(app.sdkappid, room, "group.msg", b'{"GroupId":' + _encode(room) + tail, at=now) for room in rooms
    ]
    entries.append(Broadcast(sdkappid=app.sdkappid, at=now, sender=sender, broadcast_seq=seq, group_ids=rooms))
    rt.bus.publish_all(entries)
    _recent.put(key, digest, now, seq)
    return seq
