"""Conversation groups and conversation marks (recentcontact create_contact_group, update_contact_group,
del_contact_group, mark_contact, search_contact_group, get_contact_group; seed 004 lines 9861-11222).

Per-user state beside the conversation list: a user's named folders of conversations (at most 20,
GroupId 1, 2, 3 ... per user) and each conversation's 64 standard mark bits and custom mark. A
conversation is `(Type, peer)`: 1 and a UserID, 2 and a GroupId. The data covers at most 1,000
conversations per user (51008); a conversation that has neither a mark nor a folder has no row.

Every change is one transaction that first locks the owner's account row (so the 20-folder and
1,000-conversation limits are exact under concurrency), validates, then writes with one statement per
kind of change (executemany) and appends one feed entry for the owner's devices:
`conv.group` (a folder created, changed or deleted) and `conv.mark` (marks changed).
The REST handlers (`confab.rest.api.contact_groups`) and the gateway ops
(`confab.realtime.conversation_group_ops`) call the same functions here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.decoding import Int64
from confab.domain import accounts, feed
from confab.domain.apps import App
from confab.domain.groups import ids as group_ids
from confab.domain.limits import utf8_len, valid_user_id
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.accounts import accounts as accounts_table
from confab.store.tables.contact_groups import contact_entries, contact_group_members, contact_groups
from confab.store.tables.groups import groups as groups_table

if TYPE_CHECKING:
    from confab.runtime import Runtime

C2C = 1
GROUP = 2

MAX_GROUPS = 20  # 51010 (seed 9869)
MAX_NAME_BYTES = 32  # 51011 (seed 9958)
MAX_CONVERSATIONS = 1000  # 51008: conversations carrying data, per user (seed 9869)
MAX_PER_CALL = 100  # 51006: conversations changed by one call (seed 10625)
MAX_SEARCH = 300  # search_contact_group (seed 10849)
MAX_CUSTOM_MARK_BYTES = 256  # seed 10651
MARK_BITS = 64  # standard mark bits 1..64 (seed 10652)
PAGE_SIZE = 100  # get_contact_group: conversations per page

OPT_STANDARD, OPT_CUSTOM, OPT_BOTH = 1, 2, 3  # mark_contact OptType
CONTACT_ADD, CONTACT_REMOVE = 1, 2  # update_contact_group ContactOptType
UPDATE_NAME, UPDATE_CONTACTS = 1, 2  # UpdateGroupType

FEED_GROUP = "conv.group"
FEED_MARK = "conv.mark"

Conv = tuple[int, str]  # (Type, peer)

_SIGN = 1 << 63
_WRAP = 1 << 64

e = contact_entries.c
m = contact_group_members.c
cg = contact_groups.c

# Prebuilt: every write of this module goes through these.
_LOCK_OWNER = (
    sa.select(accounts_table.c.user_id)
    .where(accounts_table.c.sdkappid == sa.bindparam("app"), accounts_table.c.user_id == sa.bindparam("owner"))
    .with_for_update(key_share=True)
)
_GROUPS = (
    sa.select(cg.group_id, cg.name)
    .where(cg.sdkappid == sa.bindparam("app"), cg.owner == sa.bindparam("owner"))
    .order_by(cg.group_id)
)
_ENTRIES_OF = sa.select(e.conv_type, e.peer, e.standard_mark, e.custom_mark, e.updated_at).where(
    e.sdkappid == sa.bindparam("app"),
    e.owner == sa.bindparam("owner"),
    e.peer.in_(sa.bindparam("peers", expanding=True)),
)
_MEMBERS_OF = sa.select(m.conv_type, m.peer, m.group_id).where(
    m.sdkappid == sa.bindparam("app"),
    m.owner == sa.bindparam("owner"),
    m.peer.in_(sa.bindparam("peers", expanding=True)),
)
_COUNT = sa.select(sa.func.count()).where(e.sdkappid == sa.bindparam("app"), e.owner == sa.bindparam("owner"))
_PAGE = (
    sa.select(e.conv_type, e.peer, e.standard_mark, e.custom_mark, e.updated_at)
    .where(e.sdkappid == sa.bindparam("app"), e.owner == sa.bindparam("owner"))
    .order_by(e.conv_type, e.peer)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)
_GROUPS_EXIST = sa.select(groups_table.c.group_id).where(
    groups_table.c.sdkappid == sa.bindparam("app"), groups_table.c.group_id.in_(sa.bindparam("gids", expanding=True))
)

_ENTRY_KEY = sa.and_(
    e.sdkappid == sa.bindparam("k_app"),
    e.owner == sa.bindparam("k_owner"),
    e.peer == sa.bindparam("k_peer"),
    e.conv_type == sa.bindparam("k_type"),
)
_INSERT_ENTRY = contact_entries.insert()
_UPDATE_ENTRY = (
    contact_entries.update()
    .where(_ENTRY_KEY)
    .values(
        standard_mark=sa.bindparam("v_standard"),
        custom_mark=sa.bindparam("v_custom"),
        updated_at=sa.bindparam("v_at"),
    )
)
_DELETE_ENTRY = contact_entries.delete().where(_ENTRY_KEY)
_INSERT_MEMBER = contact_group_members.insert()
_DELETE_MEMBER = contact_group_members.delete().where(
    m.sdkappid == sa.bindparam("k_app"),
    m.owner == sa.bindparam("k_owner"),
    m.peer == sa.bindparam("k_peer"),
    m.conv_type == sa.bindparam("k_type"),
    m.group_id == sa.bindparam("k_gid"),
)
_INSERT_GROUP = contact_groups.insert()
_RENAME_GROUP = (
    contact_groups.update()
    .where(
        cg.sdkappid == sa.bindparam("k_app"), cg.owner == sa.bindparam("k_owner"), cg.group_id == sa.bindparam("k_gid")
    )
    .values(name=sa.bindparam("v_name"))
)
_DELETE_GROUP = contact_groups.delete().where(
    cg.sdkappid == sa.bindparam("app"), cg.owner == sa.bindparam("owner"), cg.group_id == sa.bindparam("gid")
)
_in_group = sa.select(m.peer).where(
    m.sdkappid == e.sdkappid,
    m.owner == e.owner,
    m.peer == e.peer,
    m.conv_type == e.conv_type,
    m.group_id == sa.bindparam("k_gid"),
)
_TOUCH_GROUP = (
    contact_entries.update()
    .where(e.sdkappid == sa.bindparam("k_app"), e.owner == sa.bindparam("k_owner"), _in_group.exists())
    .values(updated_at=sa.bindparam("v_now"))
)
_DELETE_GROUP_MEMBERS = contact_group_members.delete().where(
    m.sdkappid == sa.bindparam("app"), m.owner == sa.bindparam("owner"), m.group_id == sa.bindparam("gid")
)
_any_group = sa.select(m.peer).where(
    m.sdkappid == e.sdkappid, m.owner == e.owner, m.peer == e.peer, m.conv_type == e.conv_type
)
_PRUNE = contact_entries.delete().where(
    e.sdkappid == sa.bindparam("app"),
    e.owner == sa.bindparam("owner"),
    e.standard_mark == 0,
    e.custom_mark == "",
    ~_any_group.exists(),
)


# -- conversations and marks on the wire ------------------------------------------------------------


def conversation(conv_type: object, to_account: object, to_group_id: object, where: str = "ContactItem") -> Conv:
    """The conversation a ContactItem names, or 50002: Type 1 needs To_Account (a UserID), Type 2
    ToGroupId (a group ID); the other field is ignored."""
    if conv_type == C2C:
        if not valid_user_id(to_account):
            raise ApiError(50002, f"{where}: Type 1 (one-to-one) needs To_Account, a UserID of 1-32 bytes")
        return (C2C, str(to_account))
    if conv_type == GROUP:
        if not group_ids.plausible(to_group_id):
            raise ApiError(50002, f"{where}: Type 2 (group) needs ToGroupId, a group ID of 1-128 bytes")
        return (GROUP, str(to_group_id))
    raise ApiError(50002, f"{where}: Type must be 1 (one-to-one) or 2 (group)")


class ContactItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A conversation as the requests name it (the REST APIs' and the gateway ops' shared model)."""

    Type: Int64
    To_Account: str | None = None
    ToGroupId: str | None = None


class ContactUpdate(msgspec.Struct, kw_only=True):
    ContactOptType: Int64
    ContactItem: ContactItem


class MarkItem(msgspec.Struct, kw_only=True):
    OptType: Int64
    ContactItem: ContactItem
    ClearMark: list[Int64] | None = None
    SetMark: list[Int64] | None = None
    CustomMark: str | None = None


def conv_of(item: ContactItem, where: str = "ContactItem") -> Conv:
    return conversation(item.Type, item.To_Account, item.ToGroupId, where)


def contact_changes(items: list[ContactUpdate] | None, where: str) -> list[tuple[int, Conv]]:
    return [
        (item.ContactOptType, conv_of(item.ContactItem, f"{where}[{n}].ContactItem"))
        for n, item in enumerate(items or ())
    ]


def mark_changes(items: list[MarkItem], where: str = "MarkItem") -> list[MarkChange]:
    return [
        MarkChange(
            opt_type=item.OptType,
            conv=conv_of(item.ContactItem, f"{where}[{n}].ContactItem"),
            set_bits=tuple(item.SetMark or ()),
            clear_bits=tuple(item.ClearMark or ()),
            custom=item.CustomMark,
        )
        for n, item in enumerate(items)
    ]


def contact_item(conv: Conv) -> dict[str, Any]:
    kind, peer = conv
    return {"Type": kind, "To_Account": peer} if kind == C2C else {"Type": kind, "ToGroupId": peer}


def standard_mark_text(bits: int) -> str:
    """The 64 standard bits as the pages show them: a binary numeral, bit 1 rightmost ("0": none)."""
    return format(bits, "b")


def _to_db(bits: int) -> int:
    return bits - _WRAP if bits >= _SIGN else bits


def _from_db(value: int) -> int:
    return value + _WRAP if value < 0 else value


def require_name(name: object, field_name: str) -> str:
    if not isinstance(name, str) or not name:
        raise ApiError(50002, f"{field_name} must be a non-empty conversation group name")
    if utf8_len(name) > MAX_NAME_BYTES:
        raise ApiError(51011, f"{field_name} holds more than {MAX_NAME_BYTES} bytes")
    return name


@dataclass(slots=True)
class _State:
    standard: int = 0
    custom: str = ""
    groups: set[int] = field(default_factory=set)
    updated_at: int = 0
    stored: bool = False

    def copy(self) -> _State:
        return _State(self.standard, self.custom, set(self.groups), self.updated_at, self.stored)

    @property
    def empty(self) -> bool:
        return not self.standard and not self.custom and not self.groups


def _wire(conv: Conv, state: _State, *, full: bool) -> dict[str, Any]:
    """A conversation's data as search/get list it (empty fields left out, as the samples show), or
    `full` for the feed (every field)."""
    item = contact_item(conv)
    if full or state.standard:
        item["StandardMark"] = standard_mark_text(state.standard)
    if full or state.custom:
        item["CustomMark"] = state.custom
    if full or state.groups:
        item["ContactGroupId"] = sorted(state.groups)
    item["Timestamp"] = state.updated_at
    return item


def _result(conv: Conv, code: int, info: str, **extra: Any) -> dict[str, Any]:
    return {**extra, "ContactItem": contact_item(conv), "ResultCode": code, "ResultInfo": info}


# -- reading --------------------------------------------------------------------------------------------


async def _groups(conn: Any, sdkappid: int, owner: str) -> dict[int, str]:
    rows = await conn.execute(_GROUPS, {"app": sdkappid, "owner": owner})
    return {r.group_id: r.name for r in rows}


async def _load(conn: Any, sdkappid: int, owner: str, convs: list[Conv]) -> dict[Conv, _State]:
    """The stored data of these conversations (two queries; at most 500 peers each)."""
    wanted = set(convs)
    peers = sorted({peer for _, peer in wanted})
    states: dict[Conv, _State] = {}
    for part in accounts.chunks(peers):
        params = {"app": sdkappid, "owner": owner, "peers": part}
        for r in await conn.execute(_ENTRIES_OF, params):
            key = (int(r.conv_type), r.peer)
            if key in wanted:
                states[key] = _State(_from_db(r.standard_mark), r.custom_mark, set(), r.updated_at, True)
        for r in await conn.execute(_MEMBERS_OF, params):
            key = (int(r.conv_type), r.peer)
            if key in states:
                states[key].groups.add(int(r.group_id))
    return states


async def _missing(conn: Any, sdkappid: int, convs: list[Conv]) -> dict[Conv, tuple[int, str]]:
    """The conversations whose other side does not exist: 50001 no such account, 51007 no such group."""
    users = sorted({peer for kind, peer in convs if kind == C2C})
    gids = sorted({peer for kind, peer in convs if kind == GROUP})
    present_users = await accounts.existing(conn, sdkappid, users) if users else set()
    present_groups: set[str] = set()
    for part in accounts.chunks(gids):
        present_groups.update(r[0] for r in await conn.execute(_GROUPS_EXIST, {"app": sdkappid, "gids": part}))
    missing: dict[Conv, tuple[int, str]] = {}
    for conv in convs:
        kind, peer = conv
        if kind == C2C and peer not in present_users:
            missing[conv] = (50001, f"To_Account {peer!r} is not an account of this app")
        elif kind == GROUP and peer not in present_groups:
            missing[conv] = (51007, f"group {peer!r} does not exist or has been disbanded")
    return missing


async def _require_owner(conn: Any, sdkappid: int, owner: str) -> None:
    if not await accounts.existing(conn, sdkappid, [owner]):
        raise ApiError(50001, f"From_Account {owner!r} is not an account of this app")


async def search(rt: Runtime, app: App, owner: str, convs: list[Conv]) -> dict[str, Any]:
    """search_contact_group: the data of the named conversations that have any (others are left out),
    and the groups they are in."""
    if not 1 <= len(convs) <= MAX_SEARCH:
        raise ApiError(50002, f"ContactItem must name 1-{MAX_SEARCH} conversations")
    async with rt.store.read() as conn:
        await _require_owner(conn, app.sdkappid, owner)
        states = await _load(conn, app.sdkappid, owner, convs)
        names = await _groups(conn, app.sdkappid, owner) if states else {}
    found = [conv for conv in dict.fromkeys(convs) if conv in states]
    used = sorted({gid for conv in found for gid in states[conv].groups})
    return {
        "ContactResultItem": [_wire(conv, states[conv], full=False) for conv in found],
        "GroupItem": [{"GroupName": names[gid], "GroupId": gid} for gid in used if gid in names],
    }


async def get_page(rt: Runtime, app: App, owner: str, start_index: int) -> dict[str, Any]:
    """get_contact_group: the owner's conversations with data, PAGE_SIZE a page (by Type, then peer),
    and every group of the owner."""
    if start_index < 0:
        raise ApiError(50002, "StartIndex must not be negative")
    async with rt.store.read() as conn:
        await _require_owner(conn, app.sdkappid, owner)
        names = await _groups(conn, app.sdkappid, owner)
        rows = []
        if start_index <= MAX_CONVERSATIONS:
            params = {"app": app.sdkappid, "owner": owner, "limit": PAGE_SIZE + 1, "offset": start_index}
            rows = list(await conn.execute(_PAGE, params))
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        states = {
            (int(r.conv_type), r.peer): _State(_from_db(r.standard_mark), r.custom_mark, set(), r.updated_at, True)
            for r in rows
        }
        if states:
            for part in accounts.chunks(sorted({peer for _, peer in states})):
                for r in await conn.execute(_MEMBERS_OF, {"app": app.sdkappid, "owner": owner, "peers": part}):
                    key = (int(r.conv_type), r.peer)
                    if key in states:
                        states[key].groups.add(int(r.group_id))
    return {
        "ContactItem": [_wire(conv, state, full=False) for conv, state in states.items()],
        "GroupItem": [{"GroupName": name, "GroupId": gid} for gid, name in names.items()],
        "CompleteFlag": 0 if more else 1,
        "NextStartIndex": start_index + len(rows) if more else 0,
    }


# -- writing ----------------------------------------------------------------------------------------


async def _lock_owner(tx: Tx, sdkappid: int, owner: str) -> None:
    """The owner's account row, locked for the transaction (PostgreSQL; SQLite has one writer): every
    change to one user's groups and marks queues here. 50001 when there is no such account."""
    if (await tx.execute(_LOCK_OWNER, {"app": sdkappid, "owner": owner})).first() is None:
        raise ApiError(50001, f"From_Account {owner!r} is not an account of this app")


async def _save(tx: Tx, sdkappid: int, owner: str, before: dict[Conv, _State], after: dict[Conv, _State]) -> None:
    """Write the difference between `before` and `after` (conversations absent from `before` had no
    row): one executemany per kind of change. The 1,000-conversation limit is checked first."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[dict[str, Any]] = []
    member_adds: list[dict[str, Any]] = []
    member_dels: list[dict[str, Any]] = []
    for conv, new in after.items():
        old = before.get(conv) or _State()
        kind, peer = conv
        key = {"k_app": sdkappid, "k_owner": owner, "k_peer": peer, "k_type": kind}
        if old.stored and new.empty:
            deletes.append(key)
        elif old.stored:
            if (old.standard, old.custom, old.groups) != (new.standard, new.custom, new.groups):
                updates.append(
                    {**key, "v_standard": _to_db(new.standard), "v_custom": new.custom, "v_at": new.updated_at}
                )
        elif not new.empty:
            inserts.append(
                {
                    "sdkappid": sdkappid,
                    "owner": owner,
                    "peer": peer,
                    "conv_type": kind,
                    "standard_mark": _to_db(new.standard),
                    "custom_mark": new.custom,
                    "updated_at": new.updated_at,
                }
            )
        for gid in sorted(new.groups - old.groups):
            member_adds.append({"sdkappid": sdkappid, "owner": owner, "peer": peer, "conv_type": kind, "group_id": gid})
        for gid in sorted(old.groups - new.groups):
            member_dels.append({**key, "k_gid": gid})
    growth = len(inserts) - len(deletes)
    if inserts and growth > 0:
        count = (await tx.execute(_COUNT, {"app": sdkappid, "owner": owner})).scalar() or 0
        if count + growth > MAX_CONVERSATIONS:
            raise ApiError(
                51008, f"the conversation group and mark data would cover more than {MAX_CONVERSATIONS} conversations"
            )
    if member_dels:
        await tx.execute(_DELETE_MEMBER, member_dels)
    if deletes:
        await tx.execute(_DELETE_ENTRY, deletes)
    if updates:
        await tx.execute(_UPDATE_ENTRY, updates)
    if inserts:
        await tx.execute(_INSERT_ENTRY, inserts)
    if member_adds:
        await tx.execute(_INSERT_MEMBER, member_adds)


def _check_batch(convs: list[Any]) -> None:
    if len(convs) > MAX_PER_CALL:
        raise ApiError(51006, f"one call changes at most {MAX_PER_CALL} conversations")


async def create_group(rt: Runtime, app: App, owner: str, name: str, convs: list[Conv]) -> dict[str, Any]:
    """create_contact_group: a new group holding these conversations. Returns {GroupItem, ResultItem}
    (per conversation 0, 50001 no such account, 51007 no such group)."""
    require_name(name, "GroupName")
    _check_batch(convs)
    now = int(time.time())
    async with rt.store.tx() as tx:
        await _lock_owner(tx, app.sdkappid, owner)
        names = await _groups(tx, app.sdkappid, owner)
        if name in names.values():
            raise ApiError(50002, f"the conversation group {name!r} exists already")
        if len(names) >= MAX_GROUPS:
            raise ApiError(51010, f"a user has at most {MAX_GROUPS} conversation groups")
        gid = max(names, default=0) + 1
        unique = list(dict.fromkeys(convs))
        before = await _load(tx, app.sdkappid, owner, unique)
        missing = await _missing(tx, app.sdkappid, [c for c in unique if c not in before])
        after: dict[Conv, _State] = {}
        for conv in unique:
            if conv in missing:
                continue
            state = (before.get(conv) or _State()).copy()
            state.groups.add(gid)
            state.updated_at = now
            after[conv] = state
        await _save(tx, app.sdkappid, owner, before, after)
        await tx.execute(
            _INSERT_GROUP, {"sdkappid": app.sdkappid, "owner": owner, "group_id": gid, "name": name, "created_at": now}
        )
        payload = {
            "Op": "create",
            "GroupId": gid,
            "GroupName": name,
            "Added": [contact_item(c) for c in after],
            "Removed": [],
            "Timestamp": now,
        }
        await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_GROUP, payload)])
    results = [_result(c, *missing[c]) if c in missing else _result(c, 0, "") for c in convs]
    return {"GroupItem": {"GroupName": name, "GroupId": gid}, "ResultItem": results}


async def update_group(
    rt: Runtime,
    app: App,
    owner: str,
    *,
    update_group_type: int,
    old_name: str,
    new_name: str | None,
    changes: list[tuple[int, Conv]],
) -> dict[str, Any]:
    """update_contact_group: rename a group (UpdateGroupType 1) and/or add (ContactOptType 1) and remove
    (2) its conversations, in the order given. Returns the UpdateGroupResult."""
    if update_group_type not in (UPDATE_NAME, UPDATE_CONTACTS):
        raise ApiError(50002, "UpdateGroupType must be 1 (the group name) or 2 (its conversations)")
    require_name(old_name, "OldGroupName")
    if update_group_type == UPDATE_NAME:
        if new_name is None:
            raise ApiError(50002, "NewGroupName is required with UpdateGroupType 1")
        require_name(new_name, "NewGroupName")
    elif new_name:
        raise ApiError(50002, "NewGroupName renames a group: only with UpdateGroupType 1")
    for opt, _ in changes:
        if opt not in (CONTACT_ADD, CONTACT_REMOVE):
            raise ApiError(50002, "ContactOptType must be 1 (add to the group) or 2 (remove from it)")
    _check_batch(changes)
    now = int(time.time())
    async with rt.store.tx() as tx:
        await _lock_owner(tx, app.sdkappid, owner)
        names = await _groups(tx, app.sdkappid, owner)
        by_name = {v: k for k, v in names.items()}
        if old_name not in by_name:
            raise ApiError(51009, f"the conversation group {old_name!r} does not exist")
        gid = by_name[old_name]
        name = old_name
        if update_group_type == UPDATE_NAME and new_name is not None and new_name != old_name:
            if new_name in by_name:
                raise ApiError(50002, f"the conversation group {new_name!r} exists already")
            name = new_name
        unique = list(dict.fromkeys(conv for _, conv in changes))
        before = await _load(tx, app.sdkappid, owner, unique)
        adds = [c for c in dict.fromkeys(conv for opt, conv in changes if opt == CONTACT_ADD) if c not in before]
        missing = await _missing(tx, app.sdkappid, adds)
        after: dict[Conv, _State] = {}
        for opt, conv in changes:
            if opt == CONTACT_ADD and conv in missing:
                continue
            state = after.get(conv) or (before.get(conv) or _State()).copy()
            if opt == CONTACT_ADD:
                state.groups.add(gid)
            else:
                state.groups.discard(gid)
            state.updated_at = now
            after[conv] = state
        await _save(tx, app.sdkappid, owner, before, after)
        if name != old_name:
            await tx.execute(_RENAME_GROUP, {"k_app": app.sdkappid, "k_owner": owner, "k_gid": gid, "v_name": name})
        was = {c: gid in (before.get(c) or _State()).groups for c in after}
        added = [contact_item(c) for c, s in after.items() if gid in s.groups and not was[c]]
        removed = [contact_item(c) for c, s in after.items() if gid not in s.groups and was[c]]
        if name != old_name or added or removed:
            payload = {
                "Op": "update",
                "GroupId": gid,
                "GroupName": name,
                "OldGroupName": old_name,
                "Added": added,
                "Removed": removed,
                "Timestamp": now,
            }
            await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_GROUP, payload)])
    results = []
    for opt, conv in changes:
        code, info = missing[conv] if opt == CONTACT_ADD and conv in missing else (0, "")
        results.append(_result(conv, code, info, ContactOptType=opt))
    return {
        "UpdateGroupType": update_group_type,
        "GroupName": name,
        "GroupId": gid,
        "OldGroupName": old_name,
        "ContactResultItem": results,
    }


async def delete_group(rt: Runtime, app: App, owner: str, name: str) -> dict[str, Any]:
    """del_contact_group: the group goes; its conversations leave it (those left with no data go too)."""
    require_name(name, "GroupName")
    now = int(time.time())
    async with rt.store.tx() as tx:
        await _lock_owner(tx, app.sdkappid, owner)
        names = await _groups(tx, app.sdkappid, owner)
        by_name = {v: k for k, v in names.items()}
        if name not in by_name:
            raise ApiError(51009, f"the conversation group {name!r} does not exist")
        gid = by_name[name]
        params = {"app": app.sdkappid, "owner": owner, "gid": gid}
        await tx.execute(_TOUCH_GROUP, {"k_app": app.sdkappid, "k_owner": owner, "k_gid": gid, "v_now": now})
        await tx.execute(_DELETE_GROUP_MEMBERS, params)
        await tx.execute(_PRUNE, {"app": app.sdkappid, "owner": owner})
        await tx.execute(_DELETE_GROUP, params)
        payload = {"Op": "delete", "GroupId": gid, "GroupName": name, "Added": [], "Removed": [], "Timestamp": now}
        await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_GROUP, payload)])
    return {"GroupName": name, "GroupId": gid}


@dataclass(frozen=True, slots=True)
class MarkChange:
    opt_type: int
    conv: Conv
    set_bits: tuple[int, ...] = ()
    clear_bits: tuple[int, ...] = ()
    custom: str | None = None


def _mask(bits: tuple[int, ...], name: str) -> int:
    mask = 0
    for bit in bits:
        if not 1 <= bit <= MARK_BITS:
            raise ApiError(50002, f"{name} holds bit numbers 1-{MARK_BITS}")
        mask |= 1 << (bit - 1)
    return mask


async def mark(rt: Runtime, app: App, owner: str, changes: list[MarkChange]) -> list[dict[str, Any]]:
    """mark_contact: set and clear standard mark bits (OptType 1), set the custom mark (2), or both (3),
    in the order given. Returns a ResultItem per change."""
    if not 1 <= len(changes) <= MAX_PER_CALL:
        raise ApiError(51006, f"MarkItem must hold 1-{MAX_PER_CALL} conversation marks")
    masks: list[tuple[int, int]] = []
    for change in changes:
        if change.opt_type not in (OPT_STANDARD, OPT_CUSTOM, OPT_BOTH):
            raise ApiError(50002, "OptType must be 1 (standard marks), 2 (custom mark) or 3 (both)")
        set_mask = clear_mask = 0
        if change.opt_type != OPT_CUSTOM:  # OptType 2 leaves the standard bits alone
            set_mask, clear_mask = _mask(change.set_bits, "SetMark"), _mask(change.clear_bits, "ClearMark")
            if set_mask & clear_mask:
                raise ApiError(50002, "a bit may not be in both SetMark and ClearMark")
        if change.opt_type != OPT_STANDARD:
            if change.custom is None:
                raise ApiError(50002, "CustomMark is required with OptType 2 or 3 (an empty string clears it)")
            if utf8_len(change.custom) > MAX_CUSTOM_MARK_BYTES:
                raise ApiError(50002, f"CustomMark holds at most {MAX_CUSTOM_MARK_BYTES} bytes")
        masks.append((set_mask, clear_mask))
    now = int(time.time())
    async with rt.store.tx() as tx:
        await _lock_owner(tx, app.sdkappid, owner)
        unique = list(dict.fromkeys(c.conv for c in changes))
        before = await _load(tx, app.sdkappid, owner, unique)
        missing = await _missing(tx, app.sdkappid, [c for c in unique if c not in before])
        after: dict[Conv, _State] = {}
        for change, (set_mask, clear_mask) in zip(changes, masks, strict=True):
            if change.conv in missing:
                continue
            state = after.get(change.conv) or (before.get(change.conv) or _State()).copy()
            if change.opt_type != OPT_CUSTOM:
                state.standard = (state.standard & ~clear_mask) | set_mask
            if change.opt_type != OPT_STANDARD and change.custom is not None:
                state.custom = change.custom
            state.updated_at = now
            after[change.conv] = state
        await _save(tx, app.sdkappid, owner, before, after)
        changed = [
            _wire(conv, state, full=True)
            for conv, state in after.items()
            if conv not in before or (before[conv].standard, before[conv].custom) != (state.standard, state.custom)
        ]
        if changed:
            await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_MARK, {"ContactItem": changed})])
    results = []
    for change in changes:
        code, info = missing.get(change.conv, (0, ""))
        results.append(_result(change.conv, code, info, OptType=change.opt_type))
    return results


async def purge_accounts(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    """Deleted accounts lose their groups and marks, and their one-to-one conversations leave every
    other user's groups and marks."""
    for part in accounts.chunks(user_ids):
        for table in (contact_group_members, contact_entries):
            await tx.execute(
                table.delete().where(
                    table.c.sdkappid == sdkappid,
                    sa.or_(table.c.owner.in_(part), sa.and_(table.c.conv_type == C2C, table.c.peer.in_(part))),
                )
            )
        await tx.execute(contact_groups.delete().where(cg.sdkappid == sdkappid, cg.owner.in_(part)))
