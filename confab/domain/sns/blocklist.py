"""Blocklists: add, delete, pull, check (seed 004 lines 26059-26862).

Blocking someone ends the friendship both ways and any pending request between the two; a user on
the recipient's blocklist cannot send the recipient one-to-one messages (checks.py).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts, feed
from confab.domain.apps import App
from confab.domain.results import reply as result_list
from confab.domain.sns import fields, queries
from confab.domain.sns.friends import _drop_requests, _require_account, remove_friendships
from confab.domain.sns.state import (
    FEED_BLACK_ADD,
    FEED_BLACK_DELETE,
    BlocklistAdded,
    BlocklistDeleted,
    friends_of,
    load_states,
    relations,
    result,
    save_states,
    who_has,
)
from confab.errors import ApiError
from confab.store.tables.sns import sns_blocklist

if TYPE_CHECKING:
    from confab.runtime import Runtime

SINGLE, BOTH = "BlackCheckResult_Type_Single", "BlackCheckResult_Type_Both"
b = sns_blocklist.c


def _batch(targets: list[str]) -> list[str]:
    if not targets or len(targets) > fields.MAX_BATCH:
        raise ApiError(30001, f"To_Account must hold 1-{fields.MAX_BATCH} accounts")
    return list(dict.fromkeys(targets))


async def add(rt: Runtime, app: App, owner: str, targets: list[str]) -> dict[str, Any]:
    wanted = _batch(targets)
    now = int(time.time())
    async with rt.store.tx() as tx:
        await _require_account(tx, app, owner)
        present = await accounts.existing(tx, app.sdkappid, wanted)
        already = await queries.column(tx, queries.BLOCKED_BY_ME, app.sdkappid, owner, wanted)
        count: int = (
            await tx.execute(sa.select(sa.func.count()).where(b.sdkappid == app.sdkappid, b.owner == owner))
        ).scalar_one()
        results, failed, added = [], [], []
        for to in targets:
            if to not in present:
                code, info = 30003, "Err_SNS_BlackListAdd_Account_Not_Exist"
            elif to == owner:
                code, info = 30001, "Err_SNS_BlackListAdd_Add_Self"
            elif to in already or to in added:
                code, info = 30001, "Err_SNS_BlackListAdd_Already_Exist"
            elif count >= fields.MAX_BLOCKED:
                code, info = 30013, "Err_SNS_BlackListAdd_Count_Exceed_Threshold"
            else:
                code, info = 0, ""
                count += 1
                added.append(to)
            results.append(result(to, code, info))
            if code:
                failed.append(to)
        if added:
            await tx.execute(
                sns_blocklist.insert(),
                [{"sdkappid": app.sdkappid, "owner": owner, "target": t, "added_at": now} for t in added],
            )
            mine = await friends_of(tx, app.sdkappid, owner, added)
            have_me = await who_has(tx, app.sdkappid, owner, added)
            pairs = {(owner, t) for t in mine} | {(t, owner) for t in have_me}
            await remove_friendships(tx, rt, app, pairs, now)
            await _drop_requests(tx, app.sdkappid, owner, added)
            states = await load_states(tx, app.sdkappid, [owner])
            states[owner].black_seq += 1
            await save_states(tx, rt.store.dialect, app.sdkappid, states)
            items = [{"To_Account": t, "AddBlackTimeStamp": now} for t in added]
            await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_BLACK_ADD, {"BlackListItem": items})])
            event = BlocklistAdded(sdkappid=app.sdkappid, at=now, owner=owner, targets=added)
            tx.emit(event)
    return result_list("ResultItem", results, failed)


async def delete(rt: Runtime, app: App, owner: str, targets: list[str]) -> dict[str, Any]:
    wanted = _batch(targets)
    now = int(time.time())
    async with rt.store.tx() as tx:
        await _require_account(tx, app, owner)
        listed = await queries.column(tx, queries.BLOCKED_BY_ME, app.sdkappid, owner, wanted)
        results, failed = [], []
        for to in targets:
            if to in listed:
                results.append(result(to))
            else:
                results.append(result(to, 30001, "Err_SNS_BlackListDelete_Not_In_BlackList"))
                failed.append(to)
        removed = [t for t in wanted if t in listed]
        if removed:
            await tx.execute(
                sns_blocklist.delete().where(b.sdkappid == app.sdkappid, b.owner == owner, b.target.in_(removed))
            )
            states = await load_states(tx, app.sdkappid, [owner])
            states[owner].black_seq += 1
            await save_states(tx, rt.store.dialect, app.sdkappid, states)
            await feed.append(tx, rt.bus, app.sdkappid, [(owner, FEED_BLACK_DELETE, {"To_Account": removed})])
            event = BlocklistDeleted(sdkappid=app.sdkappid, at=now, owner=owner, targets=removed)
            tx.emit(event)
    return result_list("ResultItem", results, failed)


async def get(rt: Runtime, app: App, owner: str, *, start_index: int, max_limited: int) -> dict[str, Any]:
    """A page of the blocklist, oldest first; StartIndex 0 in the reply means nothing is left."""
    if start_index < 0 or not 1 <= max_limited <= fields.MAX_BLOCKED:
        raise ApiError(30001, f"StartIndex must be >= 0 and MaxLimited 1-{fields.MAX_BLOCKED}")
    async with rt.store.read() as conn:
        await _require_account(conn, app, owner)
        rows = (
            await conn.execute(
                sa.select(b.target, b.added_at)
                .where(b.sdkappid == app.sdkappid, b.owner == owner)
                .order_by(b.added_at, b.target)
                .offset(start_index)
                .limit(max_limited + 1)
            )
        ).all()
        state = (await load_states(conn, app.sdkappid, [owner]))[owner]
    more = len(rows) > max_limited
    page = rows[:max_limited]
    return {
        "BlackListItem": [{"To_Account": t, "AddBlackTimeStamp": at} for t, at in page],
        "StartIndex": start_index + len(page) if more else 0,
        "CurruentSequence": state.black_seq,  # sic: the vendor's field name
    }


async def check(rt: Runtime, app: App, owner: str, targets: list[str], check_type: str) -> dict[str, Any]:
    if check_type not in (SINGLE, BOTH):
        raise ApiError(30001, "CheckType must be BlackCheckResult_Type_Single or BlackCheckResult_Type_Both")
    wanted = _batch(targets)
    async with rt.store.read() as conn:
        await _require_account(conn, app, owner)
        present = await accounts.existing(conn, app.sdkappid, wanted)
        i_block = await queries.column(conn, queries.BLOCKED_BY_ME, app.sdkappid, owner, wanted)
        blocks_me = (
            await queries.column(conn, queries.BLOCKING_ME, app.sdkappid, owner, wanted)
            if check_type == BOTH
            else set()
        )
    return relations(
        targets,
        present,
        i_block,
        blocks_me,
        prefix="BlackCheckResult_Type_",
        none="BlackCheckResult_Type_NO",
        list_key="BlackListCheckItem",
        missing_info="Err_SNS_BlackListCheck_Account_Not_Exist",
    )
