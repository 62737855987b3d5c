"""Friend lists ("groups" of friends): group_add, group_delete, group_get (seed 004 lines 25452-26058)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import feed
from confab.domain.apps import App
from confab.domain.results import reply as result_list
from confab.domain.sns import fields
from confab.domain.sns.fields import FieldError
from confab.domain.sns.friends import _require_account
from confab.domain.sns.state import FEED_LISTS, Friend, friends_of, load_states, result, save_states
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.sns import sns_friends
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.runtime import Runtime


def _names(value: Any) -> list[str]:
    try:
        names = fields.list_names(value)
    except FieldError as err:
        raise ApiError(30001, str(err)) from None
    if not names:
        raise ApiError(30001, "GroupName must name at least one friend list")
    return names


async def _all_friends(conn: Any, sdkappid: int, owner: str) -> list[Friend]:
    rows = await conn.execute(
        sa.select(sns_friends).where(sns_friends.c.sdkappid == sdkappid, sns_friends.c.owner == owner)
    )
    return [Friend.from_row(r) for r in rows]


async def _save_friends(tx: Tx, dialect: str, sdkappid: int, changed: list[Friend]) -> None:
    if changed:
        stmt = upsert(dialect, sns_friends, ("sdkappid", "owner", "friend"), ("groups",))
        await tx.execute(stmt, [f.row(sdkappid) for f in changed])


async def add_lists(rt: Runtime, app: App, owner: str, names: Any, members: list[str] | None) -> dict[str, Any]:
    wanted = _names(names)
    async with rt.store.tx() as tx:
        await _require_account(tx, app, owner)
        states = await load_states(tx, app.sdkappid, [owner])
        state = states[owner]
        new = [n for n in wanted if n not in state.lists]
        if len(state.lists) + len(new) > fields.MAX_LISTS:
            raise ApiError(30011, f"a user has at most {fields.MAX_LISTS} friend lists")
        state.lists.extend(new)
        state.list_seq += 1
        reply: dict[str, Any] = {}
        if members is not None:
            mine = await friends_of(tx, app.sdkappid, owner, list(dict.fromkeys(members)))
            results, failed, changed = [], [], []
            for to in members:
                friend = mine.get(to)
                if friend is None:
                    results.append(result(to, 32216, "Err_SNS_GroupAdd_ToTinyId_Not_Friend"))
                    failed.append(to)
                    continue
                friend.groups = list(dict.fromkeys([*friend.groups, *wanted]))
                changed.append(friend)
                results.append(result(to))
            await _save_friends(tx, rt.store.dialect, app.sdkappid, changed)
            if changed:
                state.friend_seq += 1
            reply.update(result_list("ResultItem", results, failed))
        await save_states(tx, rt.store.dialect, app.sdkappid, states)
        await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_LISTS, {"Lists": state.lists})])
        reply["CurrentSequence"] = state.list_seq
    return reply


async def delete_lists(rt: Runtime, app: App, owner: str, names: Any) -> dict[str, Any]:
    wanted = set(_names(names))
    async with rt.store.tx() as tx:
        await _require_account(tx, app, owner)
        states = await load_states(tx, app.sdkappid, [owner])
        state = states[owner]
        missing = wanted - set(state.lists)
        if missing:
            raise ApiError(30001, f"no friend list named {sorted(missing)[0]!r}")
        state.lists = [n for n in state.lists if n not in wanted]
        state.list_seq += 1
        changed = []
        for friend in await _all_friends(tx, app.sdkappid, owner):
            if wanted & set(friend.groups):
                friend.groups = [g for g in friend.groups if g not in wanted]
                changed.append(friend)
        await _save_friends(tx, rt.store.dialect, app.sdkappid, changed)
        if changed:
            state.friend_seq += 1
        await save_states(tx, rt.store.dialect, app.sdkappid, states)
        await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_LISTS, {"Lists": state.lists})])
    return {"CurrentSequence": state.list_seq}


async def get_lists(rt: Runtime, app: App, owner: str, *, need_friend: bool, names: Any = None) -> dict[str, Any]:
    async with rt.store.read() as conn:
        await _require_account(conn, app, owner)
        state = (await load_states(conn, app.sdkappid, [owner]))[owner]
        friends = await _all_friends(conn, app.sdkappid, owner)
    chosen = state.lists
    if names:
        wanted = _names(names)
        missing = [n for n in wanted if n not in state.lists]
        if missing:
            raise ApiError(30001, f"no friend list named {missing[0]!r}")
        chosen = wanted
    members: dict[str, list[str]] = {n: [] for n in chosen}
    for friend in friends:
        for name in friend.groups:
            if name in members:
                members[name].append(friend.friend)
    items = []
    for name in chosen:
        item: dict[str, Any] = {"GroupName": name, "FriendNumber": len(members[name])}
        if need_friend:
            item["To_Account"] = members[name]
        items.append(item)
    return {"ResultItem": items, "CurrentSequence": state.list_seq}
