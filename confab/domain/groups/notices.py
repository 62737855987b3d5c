"""What a group change announces, and to whom (docs/feed/groups.md).

Three channels, each written in the change's transaction and published after its commit:
- a typed event (`GroupEvent` subclasses) for the rest of Confab (webhooks, the gateway's member index);
- a group tip: one entry in the group's own stream (`group_messages`, kind "tip"), numbered by the
  group's MsgSeq when the type keeps it (reference/groups.md §2-3), seq 0 (live only) when not; the
  gateway delivers it to the group's connected members. One row whatever the group's size: a group of
  100,000 renamed costs the same statements as a group of 10;
- feed entries to the users a change is *about* (added, removed, their role changed ...): per-user,
  bounded by the call's own account limit (<= 500), so they survive the device being offline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import feed
from confab.domain.apps import App
from confab.domain.groups import model
from confab.domain.groups.model import Group, dumps
from confab.domain.groups.types import UNLIMITED
from confab.errors import ApiError
from confab.events import Event
from confab.store import Tx
from confab.store.tables.groups import group_messages, groups
from confab.webhooks import origin

if TYPE_CHECKING:
    from confab.runtime import Runtime

_encode = msgspec.json.Encoder().encode
log = logging.getLogger("confab.groups")


class GroupEvent(Event, frozen=True):
    group_id: str
    group_type: str
    operator: str  # who made the change: a UserID, or the app admin's identifier for REST calls


class GroupCreated(GroupEvent, frozen=True):
    owner: str
    members: list[str]  # initial members, owner included
    name: str = ""
    app_data: dict[str, str] = {}  # AppDefinedData given at creation (UserDefinedDataList)
    how: str = "created"  # or "imported" (import_group)


class GroupDestroyed(GroupEvent, frozen=True):
    # the disbanded group as it was (Group.CallbackAfterGroupDestroyed); read before its rows go
    owner: str = ""
    name: str = ""
    members: list[str] = []


class MembersJoined(GroupEvent, frozen=True):
    user_ids: list[str]
    how: str  # "added", "imported", "invited", "applied", "approved", "created"


class MembersLeft(GroupEvent, frozen=True):
    user_ids: list[str]
    how: str  # "kicked", "quit", "banned", "account_deleted"
    reason: str = ""


class RolesChanged(GroupEvent, frozen=True):
    user_ids: list[str]
    role: str  # "Admin", "Member"


class OwnerChanged(GroupEvent, frozen=True):
    old_owner: str
    new_owner: str


class InfoChanged(GroupEvent, frozen=True):
    changes: dict[str, Any]  # vendor field name -> new value (AppDefinedData as [{Key, Value}])


class MemberInfoChanged(GroupEvent, frozen=True):
    user_id: str
    changes: dict[str, Any]


class MembersMuted(GroupEvent, frozen=True):
    user_ids: list[str]
    seconds: int  # 0 = unmuted, 4294967295 = for ever
    topic_id: str = ""  # muted in this topic of the community only


class MembersBanned(GroupEvent, frozen=True):
    user_ids: list[str]
    seconds: int
    description: str = ""


class MembersUnbanned(GroupEvent, frozen=True):
    user_ids: list[str]


class AttrsChanged(GroupEvent, frozen=True):
    attrs: dict[str, str]  # the whole set after the change
    option: str = ""  # "set", "modify", "clear" or "delete" (the callback's OptionType)
    items: dict[str, str] = {}  # what the call wrote, or what it removed with the values they had


class GroupFull(GroupEvent, frozen=True):
    """The group became full, or a join was refused because it is (Group.CallbackAfterGroupFull)."""

    refused: bool = False


class CountersChanged(GroupEvent, frozen=True):
    counters: dict[str, int]  # the keys changed and their new values; deleted keys absent
    deleted: list[str] = []


class GroupEntry(Event, frozen=True):
    """One entry of a group's stream, for the group's connected members (the gateway fans it out)."""

    group_id: str
    seq: int  # the entry's MsgSeq; 0 when the type does not keep it (live only)
    kind: str  # e.g. "group.tip"
    payload: msgspec.Raw


def who(app: App, operator: str | None) -> str:
    """The name a change is announced under: the device user, or the app admin for REST calls."""
    return operator or origin.rest_admin(app.admins)


def entry(
    sdkappid: int, group_id: str, kind: str, payload: dict[str, Any] | bytes, *, seq: int = 0, at: int | None = None
) -> GroupEntry:
    """A group stream entry (seq 0: live only), its payload encoded once whatever the audience."""
    raw = payload if isinstance(payload, bytes) else _encode(payload)
    return GroupEntry(
        sdkappid=sdkappid,
        at=int(time.time()) if at is None else at,
        group_id=group_id,
        seq=seq,
        kind=kind,
        payload=msgspec.Raw(raw),
    )


def publish(tx: Tx, rt: Runtime, *events: Event) -> None:
    tx.emit(*events)


GROUP_FULL = "Group.CallbackAfterGroupFull"


def if_full(tx: Tx, rt: Runtime, group: Group, operator: str) -> None:
    """After members came in: the group is full now (no room left)."""
    if group.max_member_num != UNLIMITED and group.member_num >= group.max_member_num:
        publish(tx, rt, GroupFull(**event_base(group, operator)))


@asynccontextmanager
async def full_refusals(rt: Runtime, app: App, group_id: str, operator: str) -> AsyncIterator[None]:
    """Around a join's transaction (outside it): a join refused because the group is full (10014)
    is reported in a transaction of its own, the refused one having rolled back, when the app has
    Group.CallbackAfterGroupFull on."""
    try:
        yield
    except ApiError as err:
        if err.code == 10014 and app.settings.webhook.on(GROUP_FULL):
            try:
                async with rt.store.tx() as tx:
                    group = await model.get(tx, app.sdkappid, group_id)
                    publish(tx, rt, GroupFull(**event_base(group, operator), refused=True))
            except Exception:  # the caller still gets its 10014
                log.exception("recording Group.CallbackAfterGroupFull failed")
        raise


def _stores(app: App, group: Group, member_tip: bool) -> bool:
    gtype = group.gtype
    if not gtype.stores_history:
        return False
    if member_tip:
        return app.settings.group_member_tips_stored.get(gtype.name, gtype.member_tips_stored)
    return True


_NEXT_SEQ = (
    groups.update()
    .where(groups.c.sdkappid == sa.bindparam("app"), groups.c.group_id == sa.bindparam("gid"))
    .values(next_msg_seq=groups.c.next_msg_seq + 1)
    .returning(groups.c.next_msg_seq)
)


async def tip(
    tx: Tx,
    rt: Runtime,
    app: App,
    group: Group,
    tip_type: str,
    operator: str,
    body: dict[str, Any],
    *,
    member_tip: bool = False,
) -> int:
    """Announce a change to the whole group. Returns its MsgSeq (0 when the type keeps no such tip).

    `tip_type` names the change ("MemberJoin", "MemberQuit", "MemberKick", "GroupInfoChange",
    "MemberInfoChange", "OwnerChange", "SetAdmin", "CancelAdmin", "GroupDismissed", "AttrsChange",
    "CountersChange", "MemberMute", "Ban", "Unban"); `body` the details.
    """
    now = int(time.time())
    seq = 0
    payload: dict[str, Any] = {"GroupId": group.group_id, "TipType": tip_type, "Operator": operator, **body}
    if _stores(app, group, member_tip):
        seq = (await tx.execute(_NEXT_SEQ, {"app": group.sdkappid, "gid": group.group_id})).scalar_one() - 1
        group.next_msg_seq = seq + 1
        payload["MsgSeq"] = seq
        payload["MsgTime"] = now
        await tx.execute(
            group_messages.insert().values(
                sdkappid=group.sdkappid,
                group_id=group.group_id,
                topic_id="",
                msg_seq=seq,
                kind="tip",
                sender=operator,
                msg_time=now,
                body=dumps(payload),
            )
        )
        made = entry(group.sdkappid, group.group_id, "group.tip", payload, seq=seq, at=now)
    else:
        made = pushed_tip(group, tip_type, operator, body, now)
    tx.emit(made)
    return seq


def pushed_tip(group: Group, tip_type: str, operator: str, body: dict[str, Any], now: int | None = None) -> GroupEntry:
    """A tip that is pushed only, never stored (MsgSeq 0): the entry to publish (live groups publish it
    without a transaction)."""
    now = int(time.time()) if now is None else now
    payload = {"GroupId": group.group_id, "TipType": tip_type, "Operator": operator, **body, "MsgSeq": 0}
    payload["MsgTime"] = now
    return entry(group.sdkappid, group.group_id, "group.tip", payload, at=now)


async def tell(tx: Tx, rt: Runtime, group: Group, user_ids: list[str], kind: str, body: dict[str, Any]) -> None:
    """Feed entries for the users a change is about (e.g. "group.joined" to those added)."""
    if not user_ids:
        return
    payload = _encode({"GroupId": group.group_id, "Type": group.gtype.name, **body})
    await feed.append(tx, rt.bus, group.sdkappid, [(user, kind, payload) for user in user_ids])


def event_base(group: Group, operator: str) -> dict[str, Any]:
    return {
        "sdkappid": group.sdkappid,
        "at": int(time.time()),
        "group_id": group.group_id,
        "group_type": group.gtype.name,
        "operator": operator,
    }
