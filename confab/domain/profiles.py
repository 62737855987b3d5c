"""Profiles: set and get standard and custom fields (seed 004 lines 21597-22399)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain.accounts import chunks, merge_profile
from confab.domain.apps import App
from confab.domain.limits import PORTRAIT_GET_MAX_ACCOUNTS
from confab.domain.profile_fields import check_readable, check_value, field_spec
from confab.errors import ApiError
from confab.events import ProfileChanged
from confab.store.tables.accounts import accounts

if TYPE_CHECKING:
    from confab.runtime import Runtime

MAX_ITEMS_PER_SET = 50  # every standard field plus custom ones fits; more is a malformed request

_decode_profile = msgspec.json.Decoder(dict[str, Any]).decode


def validate_items(app: App, items: Sequence[tuple[object, object]], *, by_admin: bool) -> dict[str, str | int]:
    """Judge every item before anything is written: one bad item fails the whole call."""
    if not items:
        raise ApiError(40001, "ProfileItem must hold at least one {Tag, Value}")
    if len(items) > MAX_ITEMS_PER_SET:
        raise ApiError(40001, f"ProfileItem holds at most {MAX_ITEMS_PER_SET} items")
    changes: dict[str, str | int] = {}
    for tag, value in items:
        spec = field_spec(tag, app.settings)
        changes[tag] = check_value(tag, value, spec, by_admin=by_admin)  # type: ignore[index, arg-type]
    return changes


async def set_profile(
    rt: Runtime, app: App, user_id: str, items: Sequence[tuple[object, object]], *, by_admin: bool = True
) -> dict[str, str | int]:
    changes = validate_items(app, items, by_admin=by_admin)
    now = int(time.time())
    async with rt.store.tx() as tx:
        if not await merge_profile(tx, app.sdkappid, user_id, changes, now):
            raise ApiError(40003, f"account {user_id!r} does not exist")
        event = ProfileChanged(
            sdkappid=app.sdkappid,
            at=now,
            user_id=user_id,
            items=[{"Tag": t, "Value": v} for t, v in changes.items()],
        )
        tx.emit(event)
    return changes


_LOAD = sa.select(accounts.c.user_id, accounts.c.profile).where(
    accounts.c.sdkappid == sa.bindparam("app"), accounts.c.user_id.in_(sa.bindparam("ids", expanding=True))
)


async def load_profiles(rt: Runtime, app: App, user_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Stored profiles of the users that exist, in one query per 500 users."""
    found: dict[str, dict[str, Any]] = {}
    async with rt.store.read() as conn:
        for part in chunks(list(dict.fromkeys(user_ids))):
            rows = await conn.execute(_LOAD, {"app": app.sdkappid, "ids": part})
            for user_id, profile in rows:
                found[str(user_id)] = _decode_profile(str(profile))
    return found


async def get_profiles(
    rt: Runtime, app: App, users: list[str], tags: list[str], *, by_admin: bool
) -> tuple[list[dict[str, Any]], list[str]]:
    """portrait_get for admins and users alike: per account, the requested fields in request order, or
    40003 for an account that does not exist; and the list of those (Fail_Account)."""
    if not users:
        raise ApiError(40002, "To_Account must name at least one account")
    if len(users) > PORTRAIT_GET_MAX_ACCOUNTS:
        raise ApiError(40001, f"To_Account holds at most {PORTRAIT_GET_MAX_ACCOUNTS} accounts")
    if not tags:
        raise ApiError(40001, "TagList must name at least one profile field")
    specs = resolve_tags(app, tags, by_admin=by_admin)
    stored = await load_profiles(rt, app, users)
    items: list[dict[str, Any]] = []
    failed: list[str] = []
    for user_id in users:
        profile = stored.get(user_id)
        if profile is None:
            failed.append(user_id)
            items.append({"To_Account": user_id, "ResultCode": 40003, "ResultInfo": "Err_Profile_Account_Not_Exist"})
        else:
            items.append(
                {"To_Account": user_id, "ProfileItem": pick(profile, tags, specs), "ResultCode": 0, "ResultInfo": ""}
            )
    return items, failed


def pick(profile: dict[str, Any], tags: list[str], specs: dict[str, Any]) -> list[dict[str, Any]]:
    """The requested tags in request order; a field never set answers with its default."""
    return [{"Tag": tag, "Value": profile.get(tag, specs[tag].default)} for tag in tags]


def resolve_tags(app: App, tags: Sequence[object], *, by_admin: bool = True) -> dict[str, Any]:
    specs: dict[str, Any] = {}
    for tag in tags:
        spec = field_spec(tag, app.settings)
        check_readable(tag, spec, by_admin=by_admin)  # type: ignore[arg-type]
        specs[tag] = spec  # type: ignore[index]
    return specs
