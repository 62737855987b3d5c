"""Group custom attributes (get_group_attr, modify_group_attr, clear_group_attr, set_group_attr,
delete_group_attr; seed 004 lines 16683-17483): a small key-value map per group, the groups row's
`attrs` JSON column, announced to the group as a tip on every change.

Limits (seed 16950-16953, 16999-17008): keys <= 32 bytes (10045), values <= 4,000 bytes (10046),
<= 16 keys (10047), values together <= 16,000 bytes (10048), and at most
`app.settings.group_attr_writes_per_second` (5) writes per second per group (10049), counted in this
process. Which types have attributes is the type's `attributes` / `attributes_clear` (10007).
From a device, any member may read and write them (as the vendor's SDK allows); REST always may.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confab.domain.apps import App
from confab.domain.groups import model, notices
from confab.domain.groups.model import Group, dumps
from confab.domain.limits import utf8_len
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.groups import groups
from confab.windows import WindowCounter

if TYPE_CHECKING:
    from confab.runtime import Runtime

KEY_MAX = 32  # bytes (10045)
VALUE_MAX = 4000  # bytes (10046)
KEYS_MAX = 16  # (10047)
TOTAL_MAX = 16000  # bytes of all values (10048)

# writes per (sdkappid, group_id) in the current second; in-process, like the REST rate limits
_writes = WindowCounter(seconds=1)


def check_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise ApiError(10004, "an attribute key must be a non-empty string")
    if utf8_len(key) > KEY_MAX:
        raise ApiError(10045, f"attribute key {key[:40]!r}… is over {KEY_MAX} bytes")
    return key


def check_items(items: dict[str, str]) -> dict[str, str]:
    """Validate the keys and values a write names (their own limits; the totals are checked on the
    resulting set)."""
    for key, value in items.items():
        check_key(key)
        if not isinstance(value, str):
            raise ApiError(10004, f"the value of attribute {key!r} must be a string")
        if utf8_len(value) > VALUE_MAX:
            raise ApiError(10046, f"the value of attribute {key!r} is over {VALUE_MAX} bytes")
    if len(items) > KEYS_MAX:
        raise ApiError(10047, f"a group holds at most {KEYS_MAX} attributes")
    return items


def _check_totals(attrs: dict[str, str]) -> None:
    if len(attrs) > KEYS_MAX:
        raise ApiError(10047, f"a group holds at most {KEYS_MAX} attributes ({len(attrs)} after this change)")
    total = sum(utf8_len(v) for v in attrs.values())
    if total > TOTAL_MAX:
        raise ApiError(10048, f"attribute values total at most {TOTAL_MAX} bytes ({total} after this change)")


async def _open(conn: object, app: App, group: Group, operator: str | None, *, clearing: bool = False) -> None:
    gtype = group.gtype
    if not gtype.attributes or (clearing and not gtype.attributes_clear):
        raise ApiError(10007, f"{gtype.name} groups do not support this custom attribute operation")
    if await model.role_of(conn, app, group, operator) is None:
        raise ApiError(10007, "only members may use the group's custom attributes")


def as_items(attrs: dict[str, str]) -> list[dict[str, str]]:
    """The vendor's form: [{"key": k, "value": v}] (lower case, as the seed's samples)."""
    return [{"key": k, "value": v} for k, v in attrs.items()]


async def get(rt: Runtime, app: App, group_id: str, *, operator: str | None = None) -> dict[str, str]:
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        await _open(conn, app, group, operator)
    return group.attrs


async def _write(
    tx: Tx,
    rt: Runtime,
    app: App,
    group: Group,
    attrs: dict[str, str],
    operator: str | None,
    option: str,
    items: dict[str, str],
) -> dict[str, str]:
    """Store the group's new attribute set (after the rate check) and announce it. `option` and
    `items` say what the call did ("set", "modify", "clear", "delete") and to which attributes."""
    _check_totals(attrs)
    if not _writes.take((app.sdkappid, group.group_id), app.settings.group_attr_writes_per_second):
        raise ApiError(
            10049, f"at most {app.settings.group_attr_writes_per_second} attribute writes per second per group"
        )
    if attrs == group.attrs:
        return attrs
    await tx.execute(groups.update().where(group.where()).values(attrs=dumps(attrs)))
    group.attrs = attrs
    who = notices.who(app, operator)
    await notices.tip(tx, rt, app, group, "AttrsChange", who, {"GroupAttr": as_items(attrs)})
    event = notices.AttrsChanged(**notices.event_base(group, who), attrs=attrs, option=option, items=items)
    notices.publish(tx, rt, event)
    return attrs


async def modify(rt: Runtime, app: App, group_id: str, attrs: dict[str, str], *, operator: str | None) -> None:
    """Add or overwrite these attributes; the others stay."""
    check_items(attrs)
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        await _open(tx, app, group, operator)
        await _write(tx, rt, app, group, {**group.attrs, **attrs}, operator, "modify", attrs)


async def set_all(rt: Runtime, app: App, group_id: str, attrs: dict[str, str], *, operator: str | None) -> None:
    """Replace the whole attribute set with these (set_group_attr, "reset")."""
    check_items(attrs)
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        await _open(tx, app, group, operator)
        await _write(tx, rt, app, group, dict(attrs), operator, "set", attrs)


async def clear(rt: Runtime, app: App, group_id: str, *, operator: str | None) -> None:
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        await _open(tx, app, group, operator, clearing=True)
        await _write(tx, rt, app, group, {}, operator, "clear", group.attrs)


async def delete(rt: Runtime, app: App, group_id: str, keys: list[str], *, operator: str | None) -> None:
    """Delete these attributes; a key the group does not have fails the call (10050)."""
    for key in keys:
        check_key(key)
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        await _open(tx, app, group, operator)
        missing = [k for k in dict.fromkeys(keys) if k not in group.attrs]
        if missing:
            raise ApiError(10050, f"the group has no attribute {', '.join(repr(k) for k in missing)}")
        gone = {k: group.attrs[k] for k in keys}
        kept = {k: v for k, v in group.attrs.items() if k not in gone}
        await _write(tx, rt, app, group, kept, operator, "delete", gone)
