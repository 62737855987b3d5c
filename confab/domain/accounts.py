"""Accounts: import, delete, check (seed 004 lines 20895-21596).

Every area that keeps rows per account purges them in the deleting transaction (`delete_hooks`, installed
in one place: `confab.domain.areas`), so a deletion never leaves relationships or conversations behind.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import feed
from confab.domain.apps import App
from confab.domain.limits import PROFILE_VALUE_MAX_BYTES, utf8_len, valid_user_id
from confab.errors import ApiError
from confab.events import AccountsDeleted, AccountsImported
from confab.store import Tx
from confab.store.tables.accounts import accounts

if TYPE_CHECKING:
    from confab.runtime import Runtime

# (tx, sdkappid, user_ids) -> None, run inside the deleting transaction; installed by domain.areas
DeleteHook = Callable[[Tx, int, list[str]], Awaitable[None]]
delete_hooks: list[DeleteHook] = []


def chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    """IN-lists in slices: SQLite caps bound parameters per statement."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Hot-path statements are built once: building one costs ~100 us, executing a prebuilt one ~45 us.
_EXISTING = sa.select(accounts.c.user_id).where(
    accounts.c.sdkappid == sa.bindparam("app"), accounts.c.user_id.in_(sa.bindparam("ids", expanding=True))
)


_PROFILE_OF = sa.select(accounts.c.profile).where(
    accounts.c.sdkappid == sa.bindparam("app"), accounts.c.user_id == sa.bindparam("uid")
)
_WRITE_PROFILE = (
    accounts.update()
    .where(accounts.c.sdkappid == sa.bindparam("app"), accounts.c.user_id == sa.bindparam("uid"))
    .values(profile=sa.bindparam("new_profile"), profile_updated_at=sa.bindparam("now"))
)


async def merge_profile(tx: Tx, sdkappid: int, user_id: str, changes: dict[str, Any], now: int) -> bool:
    """Merge profile changes into a stored account; False when the account does not exist."""
    row = (await tx.execute(_PROFILE_OF, {"app": sdkappid, "uid": user_id})).first()
    if row is None:
        return False
    if changes:
        profile = msgspec.json.decode(row.profile)
        profile.update(changes)
        params = {"app": sdkappid, "uid": user_id, "new_profile": msgspec.json.encode(profile).decode(), "now": now}
        await tx.execute(_WRITE_PROFILE, params)
    return True


async def existing(conn: object, sdkappid: int, user_ids: Iterable[str]) -> set[str]:
    """Which of these UserIDs are imported, in one query per 500 IDs."""
    wanted = list(dict.fromkeys(user_ids))
    found: set[str] = set()
    for part in chunks(wanted):
        rows = await conn.execute(_EXISTING, {"app": sdkappid, "ids": part})  # type: ignore[attr-defined]
        found.update(r[0] for r in rows)
    return found


async def require(conn: object, sdkappid: int, *checks: tuple[str, str, int]) -> None:
    """Each check is (field name, UserID, error code): refuse with the first missing account's code,
    naming the field; one query for all of them."""
    present = await existing(conn, sdkappid, [user_id for _, user_id, _ in checks])
    for field, user_id, code in checks:
        if user_id not in present:
            raise ApiError(code, f"{field} {user_id!r} is not an account of this app")


async def _check_quota(tx: Tx, app: App, new_ids: list[str]) -> None:
    limit = app.settings.max_accounts
    if not limit or not new_ids:
        return
    count: int = (
        await tx.execute(sa.select(sa.func.count()).select_from(accounts).where(accounts.c.sdkappid == app.sdkappid))
    ).scalar_one()
    if count + len(new_ids) > limit:
        raise ApiError(70398, f"the app may hold at most {limit} accounts")


async def import_account(rt: Runtime, app: App, user_id: str, nick: str | None, face_url: str | None) -> None:
    if not valid_user_id(user_id):
        raise ApiError(70402, "UserID must be a non-empty string of at most 32 bytes")
    profile: dict[str, str] = {}
    for tag, value in (("Tag_Profile_IM_Nick", nick), ("Tag_Profile_IM_Image", face_url)):
        if value is not None:
            if utf8_len(value) > PROFILE_VALUE_MAX_BYTES:
                raise ApiError(40601, f"{'Nick' if 'Nick' in tag else 'FaceUrl'} is longer than 500 bytes")
            profile[tag] = value
    now = int(time.time())
    async with rt.store.tx() as tx:
        # Importing again keeps the one account and refreshes the nickname / photo given.
        if not await merge_profile(tx, app.sdkappid, user_id, profile, now):
            await _check_quota(tx, app, [user_id])
            await tx.execute(
                accounts.insert().values(
                    sdkappid=app.sdkappid,
                    user_id=user_id,
                    created_at=now,
                    profile=msgspec.json.encode(profile).decode(),
                    profile_updated_at=now if profile else 0,
                )
            )
            tx.emit(AccountsImported(sdkappid=app.sdkappid, at=now, user_ids=[user_id]))


async def import_accounts(rt: Runtime, app: App, user_ids: list[str]) -> list[str]:
    """Import many; returns the UserIDs that failed (invalid ones). All-or-nothing on the quota."""
    failed = [u for u in user_ids if not valid_user_id(u)]
    wanted = list(dict.fromkeys(u for u in user_ids if valid_user_id(u)))
    now = int(time.time())
    async with rt.store.tx() as tx:
        have = await existing(tx, app.sdkappid, wanted)
        new_ids = [u for u in wanted if u not in have]
        await _check_quota(tx, app, new_ids)
        if new_ids:
            await tx.execute(
                accounts.insert(),
                [{"sdkappid": app.sdkappid, "user_id": u, "created_at": now, "profile": "{}"} for u in new_ids],
            )
            tx.emit(AccountsImported(sdkappid=app.sdkappid, at=now, user_ids=new_ids))
    return failed


async def delete_accounts(rt: Runtime, app: App, user_ids: list[str]) -> dict[str, int]:
    """Delete accounts with everything that belongs to them; returns UserID -> result code."""
    results: dict[str, int] = {}
    now = int(time.time())
    async with rt.store.tx() as tx:
        have = await existing(tx, app.sdkappid, user_ids)
        doomed = []
        for user_id in dict.fromkeys(user_ids):
            if user_id not in have:
                results[user_id] = 70107
            elif app.is_admin(user_id):
                results[user_id] = 70402  # an app admin is removed from the app's admins, not deleted here
            else:
                results[user_id] = 0
                doomed.append(user_id)
        if doomed:
            for hook in delete_hooks:
                await hook(tx, app.sdkappid, doomed)
            await feed.purge_users(tx, app.sdkappid, doomed)
            for part in chunks(doomed):
                await tx.execute(
                    accounts.delete().where(accounts.c.sdkappid == app.sdkappid, accounts.c.user_id.in_(part))
                )
            tx.emit(AccountsDeleted(sdkappid=app.sdkappid, at=now, user_ids=doomed))
    return results


async def check_accounts(rt: Runtime, app: App, user_ids: list[str]) -> set[str]:
    async with rt.store.read() as conn:
        return await existing(conn, app.sdkappid, user_ids)
