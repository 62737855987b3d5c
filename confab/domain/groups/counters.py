"""Group counters (get_group_counter, update_group_counter, delete_group_counter; seed 004 lines
20390-20894): named signed 64-bit integers per group, the groups row's `counters` JSON column.

At most 20 keys per group and per call (10063), keys <= 128 bytes; `Increase`/`Decrease` start a
missing key at 0. The vendor reserves the feature for its Premium edition (10059); Confab has no
editions, so 10059 is never answered. Which types have counters is the type's `counters` (10007).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confab.domain.apps import App
from confab.domain.groups import model, notices
from confab.domain.groups.model import Group, dumps
from confab.domain.limits import utf8_len
from confab.errors import ApiError
from confab.store.tables.groups import groups

if TYPE_CHECKING:
    from confab.runtime import Runtime

KEYS_MAX = 20  # (10063; seed 20669-20671)
KEY_MAX = 128  # bytes
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
MODES = ("Set", "Increase", "Decrease")


def check_keys(keys: list[str]) -> list[str]:
    for key in keys:
        if not isinstance(key, str) or not key:
            raise ApiError(10004, "a counter key must be a non-empty string")
        if utf8_len(key) > KEY_MAX:
            raise ApiError(10004, f"a counter key is at most {KEY_MAX} bytes")
    return list(dict.fromkeys(keys))


def _open(group: Group) -> None:
    if not group.gtype.counters:
        raise ApiError(10007, f"{group.gtype.name} groups have no group counters")


def as_items(counters: dict[str, int]) -> list[dict[str, object]]:
    return [{"Key": k, "Value": v} for k, v in counters.items()]


async def get(rt: Runtime, app: App, group_id: str, keys: list[str] | None = None) -> dict[str, int]:
    """The group's counters, or only these keys (those it has), in the order asked."""
    wanted = None if keys is None else check_keys(keys)
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
    _open(group)
    if wanted is None:
        return group.counters
    return {k: group.counters[k] for k in wanted if k in group.counters}


async def update(
    rt: Runtime, app: App, group_id: str, mode: str, items: list[tuple[str, int]], *, operator: str | None = None
) -> dict[str, int]:
    """Set, increase or decrease these counters; returns the keys named and their new values."""
    if mode not in MODES:
        raise ApiError(10004, f"Mode must be one of {', '.join(MODES)}")
    if not items:
        raise ApiError(10004, "GroupCounter must name at least one counter")
    check_keys([k for k, _ in items])
    if len({k for k, _ in items}) > KEYS_MAX:
        raise ApiError(10063, f"at most {KEYS_MAX} group counter keys")
    for key, value in items:
        if not INT64_MIN <= value <= INT64_MAX:
            raise ApiError(10004, f"the value of counter {key!r} must be a signed 64-bit integer")
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        _open(group)
        counters = dict(group.counters)
        changed: dict[str, int] = {}
        for key, value in items:
            if mode == "Set":
                new = value
            else:
                new = counters.get(key, 0) + (value if mode == "Increase" else -value)
            if not INT64_MIN <= new <= INT64_MAX:
                raise ApiError(10004, f"counter {key!r} would leave the signed 64-bit range")
            counters[key] = changed[key] = new
        if len(counters) > KEYS_MAX:
            raise ApiError(10063, f"a group holds at most {KEYS_MAX} counters ({len(counters)} after this change)")
        await tx.execute(groups.update().where(group.where()).values(counters=dumps(counters)))
        who = notices.who(app, operator)
        await notices.tip(tx, rt, app, group, "CountersChange", who, {"GroupCounter": as_items(changed)})
        notices.publish(tx, rt, notices.CountersChanged(**notices.event_base(group, who), counters=changed))
    return changed


async def delete(
    rt: Runtime, app: App, group_id: str, keys: list[str] | None = None, *, operator: str | None = None
) -> None:
    """Delete these counters (keys the group lacks are ignored), or all of them when `keys` is None."""
    wanted = None if keys is None else check_keys(keys)
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        _open(group)
        gone = list(group.counters) if wanted is None else [k for k in wanted if k in group.counters]
        if not gone:
            return
        left = {k: v for k, v in group.counters.items() if k not in set(gone)}
        await tx.execute(groups.update().where(group.where()).values(counters=dumps(left)))
        who = notices.who(app, operator)
        await notices.tip(tx, rt, app, group, "CountersChange", who, {"GroupCounter": [], "Deleted": gone})
        notices.publish(tx, rt, notices.CountersChanged(**notices.event_base(group, who), counters={}, deleted=gone))
