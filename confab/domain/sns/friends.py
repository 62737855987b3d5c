"""Friends: add (with friend requests), import, update, delete, check, pull (seed 004 lines 22852-25451).

Every call is one transaction of batched statements, whatever the number of items: the facts it
needs (accounts, profiles, blocklists, existing rows, pending requests, counts) are read with one
IN query each, the items are decided in Python with their own ResultCode, and the writes go out as
one executemany per table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import accounts, feed, profiles
from confab.domain.apps import App
from confab.domain.results import Refused
from confab.domain.results import reply as result_list
from confab.domain.sns import fields, queries
from confab.domain.sns.fields import FieldError
from confab.domain.sns.state import (
    FEED_FRIEND_ADD,
    FEED_FRIEND_DELETE,
    FEED_FRIEND_UPDATE,
    FEED_REQUEST,
    FEED_REQUEST_DONE,
    Friend,
    FriendRequestAnswered,
    FriendRequested,
    FriendsAdded,
    FriendsDeleted,
    FriendsUpdated,
    UserState,
    friend_counts,
    friends_of,
    load_states,
    relations,
    result,
    save_states,
    who_has,
)
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.sns import sns_friends, sns_requests
from confab.store.upsert import upsert
from confab.webhooks import before, origin

if TYPE_CHECKING:
    from confab.runtime import Runtime

ADD_SINGLE, ADD_BOTH = "Add_Type_Single", "Add_Type_Both"
DELETE_SINGLE, DELETE_BOTH = "Delete_Type_Single", "Delete_Type_Both"
CHECK_SINGLE, CHECK_BOTH = "CheckResult_Type_Single", "CheckResult_Type_Both"

_decode = msgspec.json.decode

# A device's friend request asks the app first; REST friend_add never does (seed 29145). The reply
# decides per item (ruling 12); the app's own codes are 38000-39000 (seed 29313-29340).
APP_REFUSED = 38000
PREV_ADD = before.Site("Sns.CallbackPrevFriendAdd", reject_code=APP_REFUSED, per_item=True)


def by_device() -> bool:
    """The call being served came from a device through the gateway, not from the REST API."""
    return origin.current.get().platform != origin.REST.platform


def item_refusals(site: before.Site, verdict: before.Verdict | None, targets: list[str]) -> dict[str, tuple[int, str]]:
    """The items a friend before-callback refused, with the (code, info) each answers: the per-item
    ResultCode decides and the top-level ErrorCode is ignored (seed 29318-29322). A non-zero code
    outside the page's range 38000-39000 still refuses, as 38000; fail-closed refuses every item."""
    if verdict is None:
        return {}
    if verdict.action == "reject":
        return {to: (verdict.code, verdict.info) for to in targets}
    wanted, refused = set(targets), {}
    items = verdict.reply.get("ResultItem")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("To_Account") not in wanted:
            continue
        code = item.get("ResultCode", 0)
        if code == 0 or code is None:
            continue
        if isinstance(code, bool) or not isinstance(code, int) or not APP_REFUSED <= code <= 39000:
            code = APP_REFUSED
        info = item.get("ResultInfo")
        refused[item["To_Account"]] = (code, info if isinstance(info, str) and info else f"refused by {site.command}")
    return refused


def rest_admin(app: App) -> str:
    """The admin a REST change is reported under: the call's own identifier."""
    return origin.rest_admin(app.admins)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _first_group(groups: Any) -> str:
    """GroupName as the callbacks carry it: one name (ruling 6 accepts a list too)."""
    if isinstance(groups, list):
        return _text(groups[0]) if groups else ""
    return _text(groups)


def _prev_add_body(requester: str, items: list[AddItem], add_type: str, force: bool) -> dict[str, Any]:
    return {
        "Requester_Account": requester,
        "From_Account": requester,
        "FriendItem": [
            {
                "To_Account": i.to,
                "Remark": _text(i.remark),
                "GroupName": _first_group(i.groups),
                "AddSource": _text(i.add_source),
                "AddWording": _text(i.add_wording),
            }
            for i in items
        ],
        "AddType": add_type,
        "ForceAddFlags": 1 if force else 0,  # ruling 19
        "EventTime": before.event_time(),
    }


@dataclass
class AddItem:
    to: str
    remark: Any = None
    groups: Any = None
    add_source: Any = None
    add_wording: Any = None
    # friend_import only
    remark_time: int = 0
    add_time: int = 0
    custom: list[tuple[Any, Any]] = field(default_factory=list)


async def _require_account(conn: Any, app: App, user: str) -> None:
    if not await accounts.existing(conn, app.sdkappid, [user]):
        raise ApiError(30003, f"{user!r} is not an account of this app")


def _grow_lists(state: UserState, names: list[str]) -> bool:
    """Add friend-list names to the user's lists; False when that would pass the limit (30011)."""
    new = [n for n in names if n not in state.lists]
    if len(state.lists) + len(new) > fields.MAX_LISTS:
        return False
    if new:
        state.lists.extend(new)
        state.list_seq += 1
    return True


@dataclass
class _AddFacts:
    """What friend_add knows before deciding any item: read once, in one query per fact."""

    requester: str
    add_type: str
    force: bool
    profiles: dict[str, dict[str, Any]]
    i_block: set[str]
    blocks_me: set[str]
    asked_me: set[str]  # targets that have a pending request to the requester
    mine: dict[str, Friend]
    have_me: set[str]
    counts: dict[str, int]
    states: dict[str, UserState]
    pending: int  # the requester's pending requests
    forbidden: bool  # AdminForbid_Type_SendOut

    def both(self, to: str) -> bool:
        """The add makes both directions (Add_Type_Both, or answering the target's own request)."""
        return self.add_type == ADD_BOTH or to in self.asked_me


# The checks that decide an item without changing anything, in the order the vendor applies them.
_ADD_REFUSALS: list[tuple[Callable[[_AddFacts, str], bool], int, str]] = [
    (lambda f, to: to not in f.profiles, 30003, "Err_SNS_FriendAdd_Account_Not_Exist"),
    (lambda f, to: to == f.requester, 30001, "Err_SNS_FriendAdd_Add_Self"),
    (lambda f, to: f.forbidden and not f.force, 30009, "Err_SNS_FriendAdd_Forbidden_By_Admin"),
    (lambda f, to: to in f.i_block, 30515, "Err_SNS_FriendAdd_Target_In_My_BlackList"),
    (lambda f, to: to in f.blocks_me, 30525, "Err_SNS_FriendAdd_I_In_Target_BlackList"),
    (lambda f, to: to in f.mine and (not f.both(to) or to in f.have_me), 30001, "Err_SNS_FriendAdd_Friend_Exist"),
]


async def add_friends(
    rt: Runtime,
    app: App,
    requester: str,
    items: list[AddItem],
    *,
    add_type: str = ADD_BOTH,
    force: bool = False,
    answering: bool = False,
) -> list[dict[str, Any]]:
    """friend_add: per item, the target's AllowType decides: added, pending request (30539) or refused.

    A target that has itself asked `requester` to be friends is answered by this add: the two become
    friends both ways and the request is consumed. `force` (ForceAddFlags 1) skips the AllowType.
    `answering`: this add accepts the targets' requests (requests.accept, which asked the app itself).
    """
    if add_type not in (ADD_SINGLE, ADD_BOTH):
        raise ApiError(30001, "AddType must be Add_Type_Single or Add_Type_Both")
    now = int(time.time())
    targets = list(dict.fromkeys(i.to for i in items))
    device = by_device()
    vetoed: dict[str, tuple[int, str]] = {}
    if device and not answering:  # asked before the write transaction, never inside it
        first: dict[str, AddItem] = {}  # each target once, as its first item asks
        for i in items:
            first.setdefault(i.to, i)
        verdict = await PREV_ADD.ask(rt, app, _prev_add_body(requester, list(first.values()), add_type, force))
        vetoed = item_refusals(PREV_ADD, verdict, targets)
    async with rt.store.tx() as tx:
        await _require_account(tx, app, requester)
        profiles_by_id = await queries.profiles_of(tx, app.sdkappid, [requester, *targets])
        facts = _AddFacts(
            requester=requester,
            add_type=add_type,
            force=force,
            profiles=profiles_by_id,
            i_block=await queries.column(tx, queries.BLOCKED_BY_ME, app.sdkappid, requester, targets),
            blocks_me=await queries.column(tx, queries.BLOCKING_ME, app.sdkappid, requester, targets),
            asked_me=await queries.column(tx, queries.REQUESTS_TO_ME, app.sdkappid, requester, targets),
            mine=await friends_of(tx, app.sdkappid, requester, targets),
            have_me=await who_has(tx, app.sdkappid, requester, targets),
            counts=await friend_counts(tx, app.sdkappid, [requester, *targets]),
            states=await load_states(tx, app.sdkappid, [requester]),
            pending=(await tx.execute(queries.MY_PENDING, {"app": app.sdkappid, "me": requester})).scalar_one(),
            forbidden=profiles_by_id.get(requester, {}).get("Tag_Profile_IM_AdminForbidType")
            == "AdminForbid_Type_SendOut",
        )
        plan = _AddPlan(now)
        seen: set[str] = set()
        outcome: list[dict[str, Any]] = []
        for item in items:
            try:
                if item.to in seen:
                    raise Refused(30001, "Err_SNS_FriendAdd_Duplicate_Account")
                seen.add(item.to)
                if item.to in vetoed:
                    raise Refused(*vetoed[item.to])
                code, info = _decide_add(facts, plan, item, app.sdkappid)
            except Refused as refused:
                code, info = refused.code, refused.info
            outcome.append(result(item.to, code, info))

        await _write_new_friends(tx, rt, app, plan.rows, facts.states, now)
        if plan.requests:
            stmt = upsert(
                rt.store.dialect,
                sns_requests,
                ("sdkappid", "requester", "target"),
                ("remark", "group_name", "add_source", "add_wording", "created_at"),
            )
            await tx.execute(stmt, plan.requests)
        added_pairs = {(f.owner, f.friend) for f in plan.rows}
        answered = plan.consumed + [to for (owner, to) in added_pairs if owner == requester and to not in plan.consumed]
        await _drop_requests(tx, app.sdkappid, requester, answered)
        if answering:
            cmd = "FriendResponse"
        else:
            cmd = "FriendAdd" if device else "friend_add"
        how = _How(add_type, force, cmd, "" if device else rest_admin(app), answering)
        await _announce_adds(tx, rt, app, requester, plan.rows, plan.requests, plan.consumed, how, now)
    return outcome


@dataclass(frozen=True, slots=True)
class _How:
    """How an add came about, as Sns.CallbackFriendAdd reports it (seed 29684-29703)."""

    add_type: str
    force: bool
    client_cmd: str
    admin: str  # the app admin of a REST call ("" for devices)
    answering: bool  # the targets asked first: they are the initiators


@dataclass
class _AddPlan:
    """The writes friend_add's items decided on."""

    now: int
    rows: list[Friend] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    consumed: list[str] = field(default_factory=list)  # requesters whose request to us this add answers


def _decide_add(facts: _AddFacts, plan: _AddPlan, item: AddItem, sdkappid: int) -> tuple[int, str]:
    """One item of friend_add: (0, "") added, (30539, ...) a request is pending; Refused otherwise."""
    to = item.to
    try:
        remark = fields.remark(item.remark or "")
        groups = fields.list_names(item.groups)
        source = fields.add_source(item.add_source)
        wording = fields.add_wording(item.add_wording)
    except FieldError as err:
        raise Refused(30001, str(err)) from None
    for refuses, code, info in _ADD_REFUSALS:
        if refuses(facts, to):
            raise Refused(code, info)
    mutual, both = to in facts.asked_me, facts.both(to)
    allow = facts.profiles[to].get("Tag_Profile_IM_AllowType", "AllowType_Type_NeedConfirm")
    if not facts.force and not mutual:
        if allow == "AllowType_Type_DenyAny":
            raise Refused(30516, "Err_SNS_FriendAdd_Target_Deny_Any")
        if allow == "AllowType_Type_NeedConfirm":
            if facts.pending >= fields.MAX_PENDING:
                raise Refused(30012, "Err_SNS_FriendAdd_Too_Many_Pending_Requests")
            facts.pending += 1
            plan.requests.append(
                {
                    "sdkappid": sdkappid,
                    "requester": facts.requester,
                    "target": to,
                    "remark": remark,
                    "group_name": groups[0] if groups else "",
                    "add_source": source,
                    "add_wording": wording,
                    "created_at": plan.now,
                }
            )
            return 30539, "Err_SNS_FriendAdd_Need_Confirm"
    if to not in facts.mine and facts.counts[facts.requester] >= fields.MAX_FRIENDS:
        raise Refused(30010, "Err_SNS_FriendAdd_My_Friend_Num_Exceed_Threshold")
    if both and to not in facts.have_me and facts.counts[to] >= fields.MAX_FRIENDS:
        raise Refused(30014, "Err_SNS_FriendAdd_Peer_Friend_Num_Exceed_Threshold")
    if not _grow_lists(facts.states[facts.requester], groups):
        raise Refused(30011, "Err_SNS_FriendAdd_Group_Num_Exceed_Threshold")
    now = plan.now
    if to not in facts.mine:
        facts.counts[facts.requester] += 1
        plan.rows.append(Friend(facts.requester, to, remark, now if remark else 0, groups, source, wording, now))
    if both and to not in facts.have_me:
        facts.counts[to] += 1
        plan.rows.append(Friend(to, facts.requester, "", 0, [], source, "", now))
    if mutual:
        plan.consumed.append(to)
    return 0, ""


async def _write_new_friends(
    tx: Tx, rt: Runtime, app: App, rows: list[Friend], states: dict[str, UserState], now: int
) -> None:
    owners = sorted({f.owner for f in rows} | set(states))
    all_states = {**await load_states(tx, app.sdkappid, [o for o in owners if o not in states]), **states}
    for f in rows:
        all_states[f.owner].friend_seq += 1
        if f.custom:
            all_states[f.owner].custom_seq += 1
    if rows:
        stmt = upsert(rt.store.dialect, sns_friends, ("sdkappid", "owner", "friend"), ())
        await tx.execute(stmt, [f.row(app.sdkappid) for f in sorted(rows, key=lambda f: (f.owner, f.friend))])
    changed = {o: s for o, s in all_states.items() if o in {f.owner for f in rows} or o in states}
    await save_states(tx, rt.store.dialect, app.sdkappid, changed)


async def _drop_requests(tx: Tx, sdkappid: int, me: str, others: list[str]) -> None:
    """Requests between `me` and these users, either way, are settled."""
    if not others:
        return
    for start in range(0, len(others), 500):
        part = others[start : start + 500]
        await tx.execute(
            sns_requests.delete().where(
                sns_requests.c.sdkappid == sdkappid,
                sa.or_(
                    sa.and_(sns_requests.c.requester == me, sns_requests.c.target.in_(part)),
                    sa.and_(sns_requests.c.target == me, sns_requests.c.requester.in_(part)),
                ),
            )
        )


async def _announce_adds(
    tx: Tx,
    rt: Runtime,
    app: App,
    requester: str,
    rows: list[Friend],
    requests: list[dict[str, Any]],
    consumed: list[str],
    how: _How,
    now: int,
) -> None:
    entries: list[tuple[str, str, Any]] = []
    by_owner: dict[str, list[Friend]] = {}
    for f in rows:
        by_owner.setdefault(f.owner, []).append(f)
    for owner, friends in by_owner.items():
        entries.append((owner, FEED_FRIEND_ADD, {"Friends": [f.wire() for f in friends]}))
    events: list[Any] = []
    for req in requests:
        payload = {
            "From_Account": req["requester"],
            "To_Account": req["target"],
            "AddWording": req["add_wording"],
            "AddSource": req["add_source"],
            "AddTime": now,
        }
        entries.append((req["target"], FEED_REQUEST, payload))
        entries.append((req["requester"], FEED_REQUEST, payload))
        events.append(
            FriendRequested(
                sdkappid=app.sdkappid,
                at=now,
                requester=req["requester"],
                target=req["target"],
                add_wording=req["add_wording"],
                add_source=req["add_source"],
            )
        )
    for other in consumed:
        payload = {"From_Account": other, "To_Account": requester, "Accepted": 1}
        entries.append((other, FEED_REQUEST_DONE, payload))
        entries.append((requester, FEED_REQUEST_DONE, payload))
        events.append(
            FriendRequestAnswered(sdkappid=app.sdkappid, at=now, requester=other, target=requester, accepted=True)
        )
    mine = [f.friend for f in by_owner.get(requester, [])]
    if rows:
        events.append(
            FriendsAdded(
                sdkappid=app.sdkappid,
                at=now,
                owner=requester,
                friends=mine,
                add_type=how.add_type,
                force=how.force,
                pairs=[(f.owner, f.friend) for f in rows],
                initiator="" if how.answering else requester,
                client_cmd=how.client_cmd,
                admin=how.admin,
            )
        )
    await feed.append(tx, rt.bus, app.sdkappid, entries)
    tx.emit(*events)


async def import_friends(rt: Runtime, app: App, owner: str, items: list[AddItem]) -> list[dict[str, Any]]:
    """friend_import: one-way friends with their fields, AddTime and custom data; no checks of AllowType."""
    now = int(time.time())
    targets = list(dict.fromkeys(i.to for i in items))
    async with rt.store.tx() as tx:
        await _require_account(tx, app, owner)
        present = await accounts.existing(tx, app.sdkappid, targets)
        mine = await friends_of(tx, app.sdkappid, owner, targets)
        count = (await friend_counts(tx, app.sdkappid, [owner]))[owner]
        states = await load_states(tx, app.sdkappid, [owner])
        results: list[dict[str, Any]] = []
        rows: list[Friend] = []
        seen: set[str] = set()
        for item in items:
            to = item.to
            if to in seen or to == owner:
                results.append(result(to, 30001, "Err_SNS_FriendImport_Invalid_Account"))
                continue
            seen.add(to)
            try:
                groups = fields.list_names(item.groups)
                custom = dict(fields.custom_value(app.settings, tag, value) for tag, value in item.custom)
                friend = Friend(
                    owner,
                    to,
                    fields.remark(item.remark or ""),
                    item.remark_time,
                    groups,
                    fields.add_source(item.add_source, required=True),
                    fields.add_wording(item.add_wording),
                    item.add_time or now,
                    custom,
                )
            except FieldError as err:
                results.append(result(to, 30001, str(err)))
                continue
            if to not in present:
                results.append(result(to, 30003, "Err_SNS_FriendImport_Account_Not_Exist"))
                continue
            if to not in mine and count >= fields.MAX_FRIENDS:
                results.append(result(to, 30010, "Err_SNS_FriendImport_My_Friend_Num_Exceed_Threshold"))
                continue
            if not _grow_lists(states[owner], groups):
                results.append(result(to, 30011, "Err_SNS_FriendImport_Group_Num_Exceed_Threshold"))
                continue
            if to not in mine:
                count += 1
            rows.append(friend)
            results.append(result(to))
        if rows:
            columns = ("remark", "remark_time", "groups", "add_source", "add_wording", "add_time", "custom")
            stmt = upsert(rt.store.dialect, sns_friends, ("sdkappid", "owner", "friend"), columns)
            await tx.execute(stmt, [f.row(app.sdkappid) for f in rows])
            states[owner].friend_seq += 1
            if any(f.custom for f in rows):
                states[owner].custom_seq += 1
        await save_states(tx, rt.store.dialect, app.sdkappid, states)
        if rows:
            await feed.append(
                tx, rt.bus, app.sdkappid, [(owner, FEED_FRIEND_ADD, {"Friends": [f.wire() for f in rows]})]
            )
            event = FriendsAdded(
                sdkappid=app.sdkappid,
                at=now,
                owner=owner,
                friends=[f.friend for f in rows],
                add_type="import",
                force=True,
            )
            tx.emit(event)
    return results


async def update_friends(
    rt: Runtime, app: App, owner: str, updates: list[tuple[str, list[tuple[Any, Any]]]]
) -> list[dict[str, Any]]:
    """friend_update: Remark, Group and custom fields of existing friends (seed 23936-23942)."""
    now = int(time.time())
    targets = list(dict.fromkeys(to for to, _ in updates))
    async with rt.store.tx() as tx:
        await _require_account(tx, app, owner)
        mine = await friends_of(tx, app.sdkappid, owner, targets)
        states = await load_states(tx, app.sdkappid, [owner])
        results: list[dict[str, Any]] = []
        changed: dict[str, Friend] = {}
        custom_changed = False
        for to, items in updates:
            friend = changed.get(to) or mine.get(to)
            if friend is None:
                results.append(result(to, 30001, "Err_SNS_FriendUpdate_Friend_Not_Exist"))
                continue
            if not items:
                results.append(result(to, 30001, "SnsItem must name at least one field"))
                continue
            draft = Friend(**{**friend.__dict__, "groups": list(friend.groups), "custom": dict(friend.custom)})
            try:
                for tag, value in items:
                    if tag == fields.REMARK:
                        draft.remark, draft.remark_time = fields.remark(value), now
                    elif tag == fields.GROUP:
                        draft.groups = fields.list_names(value if isinstance(value, list) else [value])
                    elif isinstance(tag, str) and tag.startswith("Tag_SNS_Custom_"):
                        name, checked = fields.custom_value(app.settings, tag, value)
                        draft.custom[name] = checked
                        custom_changed = True
                    else:
                        raise FieldError(f"{tag!r} cannot be updated: only Remark, Group and custom friend fields")
            except FieldError as err:
                results.append(result(to, 30001, str(err)))
                continue
            if not _grow_lists(states[owner], draft.groups):
                results.append(result(to, 30011, "Err_SNS_FriendUpdate_Group_Num_Exceed_Threshold"))
                continue
            changed[to] = draft
            results.append(result(to))
        if changed:
            stmt = upsert(
                rt.store.dialect,
                sns_friends,
                ("sdkappid", "owner", "friend"),
                ("remark", "remark_time", "groups", "custom"),
            )
            await tx.execute(stmt, [f.row(app.sdkappid) for f in changed.values()])
            states[owner].friend_seq += 1
            if custom_changed:
                states[owner].custom_seq += 1
            await save_states(tx, rt.store.dialect, app.sdkappid, states)
            await feed.append(
                tx,
                rt.bus,
                app.sdkappid,
                [(owner, FEED_FRIEND_UPDATE, {"Friends": [f.wire() for f in changed.values()]})],
            )
            event = FriendsUpdated(sdkappid=app.sdkappid, at=now, owner=owner, friends=list(changed))
            tx.emit(event)
    return results


async def remove_friendships(tx: Tx, rt: Runtime, app: App, pairs: set[tuple[str, str]], now: int) -> None:
    """Delete these (owner, friend) rows, bump the owners' sequences, tell their devices."""
    if not pairs:
        return
    by_owner: dict[str, list[str]] = {}
    for owner, friend in sorted(pairs):
        by_owner.setdefault(owner, []).append(friend)
    for owner, friends in by_owner.items():
        for start in range(0, len(friends), 500):
            await tx.execute(
                sns_friends.delete().where(
                    sns_friends.c.sdkappid == app.sdkappid,
                    sns_friends.c.owner == owner,
                    sns_friends.c.friend.in_(friends[start : start + 500]),
                )
            )
    states = await load_states(tx, app.sdkappid, list(by_owner))
    for owner in by_owner:
        states[owner].friend_seq += 1
    await save_states(tx, rt.store.dialect, app.sdkappid, states)
    await feed.append(
        tx, rt.bus, app.sdkappid, [(o, FEED_FRIEND_DELETE, {"To_Account": fs}) for o, fs in by_owner.items()]
    )


async def delete_friends(rt: Runtime, app: App, owner: str, targets: list[str], delete_type: str) -> list[dict]:
    """friend_delete: per item 31704 when not a friend; Delete_Type_Both removes the other side too."""
    if delete_type not in (DELETE_SINGLE, DELETE_BOTH):
        raise ApiError(30001, "DeleteType must be Delete_Type_Single or Delete_Type_Both")
    if not targets or len(targets) > fields.MAX_BATCH:
        raise ApiError(30001, f"To_Account must hold 1-{fields.MAX_BATCH} accounts")
    now = int(time.time())
    wanted = list(dict.fromkeys(targets))
    async with rt.store.tx() as tx:
        await _require_account(tx, app, owner)
        mine = await friends_of(tx, app.sdkappid, owner, wanted)
        have_me = await who_has(tx, app.sdkappid, owner, wanted) if delete_type == DELETE_BOTH else set()
        results, pairs = [], set()
        for to in wanted:
            if to not in mine:
                results.append(result(to, 31704, "Err_SNS_FriendDelete_Not_Friend"))
                continue
            pairs.add((owner, to))
            if to in have_me:
                pairs.add((to, owner))
            results.append(result(to))
        await remove_friendships(tx, rt, app, pairs, now)
        gone = [to for o, to in pairs if o == owner]
        if gone:
            event = FriendsDeleted(
                sdkappid=app.sdkappid, at=now, owner=owner, friends=gone, delete_type=delete_type, pairs=sorted(pairs)
            )
            tx.emit(event)
    return results


async def delete_all_friends(rt: Runtime, app: App, owner: str, delete_type: str) -> None:
    if delete_type not in (DELETE_SINGLE, DELETE_BOTH):
        raise ApiError(30001, "DeleteType must be Delete_Type_Single or Delete_Type_Both")
    now = int(time.time())
    async with rt.store.tx() as tx:
        await _require_account(tx, app, owner)
        rows = await tx.execute(
            sa.select(sns_friends.c.friend).where(sns_friends.c.sdkappid == app.sdkappid, sns_friends.c.owner == owner)
        )
        friends = [r[0] for r in rows]
        pairs = {(owner, f) for f in friends}
        if delete_type == DELETE_BOTH:
            pairs |= {(f, owner) for f in await who_has(tx, app.sdkappid, owner, friends)}
        await remove_friendships(tx, rt, app, pairs, now)
        if friends:
            event = FriendsDeleted(
                sdkappid=app.sdkappid,
                at=now,
                owner=owner,
                friends=friends,
                delete_type=delete_type,
                pairs=sorted(pairs),
            )
            tx.emit(event)


async def check_friends(rt: Runtime, app: App, owner: str, targets: list[str], check_type: str) -> dict[str, Any]:
    if check_type not in (CHECK_SINGLE, CHECK_BOTH):
        raise ApiError(30001, "CheckType must be CheckResult_Type_Single or CheckResult_Type_Both")
    if not targets or len(targets) > fields.MAX_BATCH:
        raise ApiError(30001, f"To_Account must hold 1-{fields.MAX_BATCH} accounts")
    wanted = list(dict.fromkeys(targets))
    async with rt.store.read() as conn:
        await _require_account(conn, app, owner)
        present = await accounts.existing(conn, app.sdkappid, wanted)
        mine = set(await friends_of(conn, app.sdkappid, owner, wanted))
        have_me = await who_has(conn, app.sdkappid, owner, wanted) if check_type == CHECK_BOTH else set()
    return relations(
        targets,
        present,
        mine,
        have_me,
        prefix="CheckResult_Type_",
        none="CheckResult_Type_NoRelation",
        list_key="InfoItem",
        missing_info="Err_SNS_FriendCheck_Account_Not_Exist",
    )


async def get_friends(
    rt: Runtime, app: App, owner: str, *, start_index: int, standard_seq: int = 0, custom_seq: int = 0
) -> dict[str, Any]:
    """friend_get: every friend with all standard and custom fields, 100 per page by StartIndex."""
    if start_index < 0:
        raise ApiError(30001, "StartIndex must not be negative")
    async with rt.store.read() as conn:
        await _require_account(conn, app, owner)
        total = (await friend_counts(conn, app.sdkappid, [owner]))[owner]
        state = (await load_states(conn, app.sdkappid, [owner]))[owner]
        rows = await conn.execute(
            sa.select(sns_friends)
            .where(sns_friends.c.sdkappid == app.sdkappid, sns_friends.c.owner == owner)
            .order_by(sns_friends.c.friend)
            .offset(start_index)
            .limit(fields.FRIEND_PAGE)
        )
        page = [Friend.from_row(r) for r in rows]
    skip_standard = standard_seq != 0 and standard_seq == state.friend_seq
    skip_custom = custom_seq != 0 and custom_seq == state.custom_seq
    items = []
    for f in page:
        values = ([] if skip_standard else f.standard_items()) + ([] if skip_custom else f.custom_items())
        items.append({"To_Account": f.friend, "ValueItem": values})
    done = start_index + len(page) >= total
    return {
        "UserDataItem": items,
        "StandardSequence": state.friend_seq,
        "CustomSequence": state.custom_seq,
        "FriendNum": total,
        "CompleteFlag": 1 if done else 0,
        "NextStartIndex": 0 if done else start_index + len(page),
    }


_SNS_TAGS = frozenset(fields.STANDARD_TAGS)


async def get_friend_list(rt: Runtime, app: App, owner: str, targets: list[str], tags: list[Any]) -> dict[str, Any]:
    """friend_get_list: chosen friend fields and profile fields of the given friends."""
    if not targets or len(targets) > fields.MAX_GET_LIST:
        raise ApiError(30001, f"To_Account must hold 1-{fields.MAX_GET_LIST} accounts")
    if not tags:
        raise ApiError(30001, "TagList must name at least one field")
    profile_tags: list[str] = []
    for tag in tags:
        if tag in _SNS_TAGS or (isinstance(tag, str) and tag in app.settings.custom_friend_fields):
            continue
        profile_tags.append(tag)
    try:
        specs = profiles.resolve_tags(app, profile_tags) if profile_tags else {}
    except ApiError as err:
        raise ApiError(30001, err.info) from None
    wanted = list(dict.fromkeys(targets))
    async with rt.store.read() as conn:
        await _require_account(conn, app, owner)
        mine = await friends_of(conn, app.sdkappid, owner, wanted)
        stored = await queries.profiles_of(conn, app.sdkappid, [t for t in wanted if t in mine]) if profile_tags else {}
    items, failed = [], []
    for to in targets:
        friend = mine.get(to)
        if friend is None:
            items.append(
                {"To_Account": to, "ResultCode": 30001, "ResultInfo": "Err_SNS_FriendGetList_Friend_Not_Exist"}
            )
            failed.append(to)
            continue
        values: list[dict[str, Any]] = []
        standard = {i["Tag"]: i["Value"] for i in friend.standard_items()}
        profile_values = {i["Tag"]: i["Value"] for i in profiles.pick(stored.get(to, {}), profile_tags, specs)}
        for tag in tags:
            if tag in _SNS_TAGS:
                values.append({"Tag": tag, "Value": standard.get(tag, [] if tag == fields.GROUP else "")})
            elif tag in app.settings.custom_friend_fields:
                declared = app.settings.custom_friend_fields[tag]
                values.append({"Tag": tag, "Value": friend.custom.get(tag, 0 if declared.type == "integer" else "")})
            else:
                values.append({"Tag": tag, "Value": profile_values.get(tag, "")})
        items.append({"To_Account": to, "SnsProfileItem": values, "ResultCode": 0, "ResultInfo": ""})
    return result_list("InfoItem", items, failed)
