"""Shared pieces of the relationship area: per-user state (lists, sequences), events, feed kinds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import sqlalchemy as sa

from confab.domain import results
from confab.events import Event
from confab.store import Tx
from confab.store.tables.sns import sns_friends, sns_state
from confab.store.upsert import upsert

FEED_FRIEND_ADD = "sns.friend_add"
FEED_FRIEND_UPDATE = "sns.friend_update"
FEED_FRIEND_DELETE = "sns.friend_delete"
FEED_REQUEST = "sns.request"  # to both: a pending request was made
FEED_REQUEST_DONE = "sns.request_done"  # to both: accepted, refused or withdrawn
FEED_LISTS = "sns.lists"
FEED_BLACK_ADD = "sns.black_add"
FEED_BLACK_DELETE = "sns.black_delete"

_decode = msgspec.json.decode
_encode = msgspec.json.Encoder().encode


class FriendsAdded(Event, frozen=True):
    owner: str
    friends: list[str]  # the owner's new friends
    add_type: str  # "Add_Type_Single" / "Add_Type_Both" / "import"
    force: bool
    # for Sns.CallbackFriendAdd: every new (owner, friend) row, either direction, and who asked first
    pairs: list[tuple[str, str]] = []
    initiator: str = ""
    client_cmd: str = ""  # "friend_add" (REST), "FriendAdd" / "FriendResponse" (devices)
    admin: str = ""  # the app admin of a REST call


class FriendsDeleted(Event, frozen=True):
    owner: str
    friends: list[str]
    delete_type: str
    pairs: list[tuple[str, str]] = []  # every (owner, friend) row removed, either direction


class FriendsUpdated(Event, frozen=True):
    owner: str
    friends: list[str]


class FriendRequested(Event, frozen=True):
    requester: str
    target: str
    add_wording: str
    add_source: str


class FriendRequestAnswered(Event, frozen=True):
    requester: str
    target: str
    accepted: bool


class BlocklistAdded(Event, frozen=True):
    owner: str
    targets: list[str]


class BlocklistDeleted(Event, frozen=True):
    owner: str
    targets: list[str]


@dataclass
class UserState:
    lists: list[str] = field(default_factory=list)
    friend_seq: int = 0
    custom_seq: int = 0
    list_seq: int = 0
    black_seq: int = 0


_STATE = sa.select(
    sns_state.c.owner,
    sns_state.c.lists,
    sns_state.c.friend_seq,
    sns_state.c.custom_seq,
    sns_state.c.list_seq,
    sns_state.c.black_seq,
).where(sns_state.c.sdkappid == sa.bindparam("app"), sns_state.c.owner.in_(sa.bindparam("owners", expanding=True)))


async def load_states(conn: Any, sdkappid: int, owners: Iterable[str]) -> dict[str, UserState]:
    wanted = list(dict.fromkeys(owners))
    rows = await conn.execute(_STATE, {"app": sdkappid, "owners": wanted}) if wanted else []
    found = {r.owner: UserState(_decode(r.lists), r.friend_seq, r.custom_seq, r.list_seq, r.black_seq) for r in rows}
    return {o: found.get(o, UserState()) for o in wanted}


async def save_states(tx: Tx, dialect: str, sdkappid: int, states: dict[str, UserState]) -> None:
    if not states:
        return
    stmt = upsert(
        dialect,
        sns_state,
        ("sdkappid", "owner"),
        ("lists", "friend_seq", "custom_seq", "list_seq", "black_seq"),
    )
    rows = [
        {
            "sdkappid": sdkappid,
            "owner": owner,
            "lists": _encode(s.lists).decode(),
            "friend_seq": s.friend_seq,
            "custom_seq": s.custom_seq,
            "list_seq": s.list_seq,
            "black_seq": s.black_seq,
        }
        for owner, s in sorted(states.items())
    ]
    await tx.execute(stmt, rows)


@dataclass
class Friend:
    """One direction of a friendship as stored."""

    owner: str
    friend: str
    remark: str = ""
    remark_time: int = 0
    groups: list[str] = field(default_factory=list)
    add_source: str = ""
    add_wording: str = ""
    add_time: int = 0
    custom: dict[str, Any] = field(default_factory=dict)

    def row(self, sdkappid: int) -> dict[str, Any]:
        return {
            "sdkappid": sdkappid,
            "owner": self.owner,
            "friend": self.friend,
            "remark": self.remark,
            "remark_time": self.remark_time,
            "groups": _encode(self.groups).decode(),
            "add_source": self.add_source,
            "add_wording": self.add_wording,
            "add_time": self.add_time,
            "custom": _encode(self.custom).decode(),
        }

    @classmethod
    def from_row(cls, r: Any) -> Friend:
        return cls(
            r.owner,
            r.friend,
            r.remark,
            r.remark_time,
            _decode(r.groups),
            r.add_source,
            r.add_wording,
            r.add_time,
            _decode(r.custom),
        )

    def standard_items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = [{"Tag": "Tag_SNS_IM_AddSource", "Value": self.add_source}]
        if self.remark:
            items.append({"Tag": "Tag_SNS_IM_Remark", "Value": self.remark})
        if self.groups:
            items.append({"Tag": "Tag_SNS_IM_Group", "Value": self.groups})
        if self.add_wording:
            items.append({"Tag": "Tag_SNS_IM_AddWording", "Value": self.add_wording})
        items.append({"Tag": "Tag_SNS_IM_AddTime", "Value": self.add_time})
        return items

    def custom_items(self) -> list[dict[str, Any]]:
        return [{"Tag": tag, "Value": value} for tag, value in sorted(self.custom.items())]

    def wire(self) -> dict[str, Any]:
        """The friendship as devices get it in feed entries."""
        return {"To_Account": self.friend, "ValueItem": self.standard_items() + self.custom_items()}


_COLUMNS = [
    sns_friends.c.owner,
    sns_friends.c.friend,
    sns_friends.c.remark,
    sns_friends.c.remark_time,
    sns_friends.c.groups,
    sns_friends.c.add_source,
    sns_friends.c.add_wording,
    sns_friends.c.add_time,
    sns_friends.c.custom,
]
_FRIENDS_OF = sa.select(*_COLUMNS).where(
    sns_friends.c.sdkappid == sa.bindparam("app"),
    sns_friends.c.owner == sa.bindparam("o_"),
    sns_friends.c.friend.in_(sa.bindparam("ids", expanding=True)),
)
_WHO_HAS = sa.select(sns_friends.c.owner).where(
    sns_friends.c.sdkappid == sa.bindparam("app"),
    sns_friends.c.friend == sa.bindparam("f_"),
    sns_friends.c.owner.in_(sa.bindparam("ids", expanding=True)),
)
_COUNT = (
    sa.select(sns_friends.c.owner, sa.func.count())
    .where(sns_friends.c.sdkappid == sa.bindparam("app"), sns_friends.c.owner.in_(sa.bindparam("ids", expanding=True)))
    .group_by(sns_friends.c.owner)
)


async def friends_of(conn: Any, sdkappid: int, owner: str, ids: list[str]) -> dict[str, Friend]:
    """owner's friendship rows for these ids."""
    found: dict[str, Friend] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        for r in await conn.execute(_FRIENDS_OF, {"app": sdkappid, "o_": owner, "ids": part}):
            found[r.friend] = Friend.from_row(r)
    return found


async def who_has(conn: Any, sdkappid: int, friend: str, ids: list[str]) -> set[str]:
    """Which of these ids have `friend` in their friend list."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        rows = await conn.execute(_WHO_HAS, {"app": sdkappid, "f_": friend, "ids": ids[start : start + 500]})
        found.update(r[0] for r in rows)
    return found


async def friend_counts(conn: Any, sdkappid: int, ids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(ids, 0)
    for start in range(0, len(ids), 500):
        for owner, n in await conn.execute(_COUNT, {"app": sdkappid, "ids": ids[start : start + 500]}):
            counts[owner] = n
    return counts


def result(to_account: str, code: int = 0, info: str = "") -> dict[str, Any]:
    return results.item("To_Account", to_account, code, info)


def relations(
    targets: list[str],
    present: set[str],
    a_with_b: set[str],
    b_with_a: set[str],
    *,
    prefix: str,
    none: str,
    list_key: str,
    missing_info: str,
) -> dict[str, Any]:
    """friend_check / black_list_check replies: each target's relation, `{prefix}BothWay`, `_AWithB`,
    `_BWithA` or `none`; accounts that do not exist get 30003 and are listed in Fail_Account."""
    items, failed = [], []
    for to in targets:
        if to not in present:
            items.append({"To_Account": to, "Relation": none, "ResultCode": 30003, "ResultInfo": missing_info})
            failed.append(to)
            continue
        a, b = to in a_with_b, to in b_with_a
        relation = f"{prefix}BothWay" if a and b else f"{prefix}AWithB" if a else f"{prefix}BWithA" if b else none
        items.append({"To_Account": to, "Relation": relation, "ResultCode": 0, "ResultInfo": ""})
    return results.reply(list_key, items, failed)
