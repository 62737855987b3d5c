"""Global mute (seed 004 lines 26863-27181): an account barred from sending for a while.

The one-to-one mute is enforced on user sends by `c2c_mute_check` (code 20012, installed by domain.areas);
admin `sendmsg` does not check it, as its page says (line 781). `group_muted_until` is for the
group send path (code 10017).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.mutes import account_mutes
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.runtime import Runtime

FOREVER_SECONDS = 0xFFFFFFFF  # "4294967295: the account is permanently muted"
PERMANENT = 1 << 62  # stored end time of a permanent mute

_C2C_UNTIL = sa.select(account_mutes.c.c2c_until).where(
    account_mutes.c.sdkappid == sa.bindparam("app"), account_mutes.c.user_id == sa.bindparam("uid")
)
_BOTH = sa.select(account_mutes.c.c2c_until, account_mutes.c.group_until).where(
    account_mutes.c.sdkappid == sa.bindparam("app"), account_mutes.c.user_id == sa.bindparam("uid")
)


def _until(seconds: int, now: int) -> int:
    if seconds == 0:
        return 0
    if seconds >= FOREVER_SECONDS:
        return PERMANENT
    return now + seconds


def _remaining(until: int, now: int) -> int:
    if until >= PERMANENT:
        return FOREVER_SECONDS
    return max(0, until - now)


async def set_mute(
    rt: Runtime, app: App, user_id: str, *, c2c_seconds: int | None, group_seconds: int | None, invalid: int
) -> None:
    """Mute (or unmute with 0) one account; a period left out keeps its current value.

    `invalid` is the code for an account that does not exist (the page's "Set_Account invalid").
    """
    now = int(time.time())
    async with rt.store.tx() as tx:
        if not await accounts.existing(tx.conn, app.sdkappid, [user_id]):
            raise ApiError(invalid, f"Set_Account {user_id!r} is not an account of this app")
        row = (await tx.execute(_BOTH, {"app": app.sdkappid, "uid": user_id})).first()
        c2c_until, group_until = (row[0], row[1]) if row else (0, 0)
        if c2c_seconds is not None:
            c2c_until = _until(c2c_seconds, now)
        if group_seconds is not None:
            group_until = _until(group_seconds, now)
        stmt = upsert(rt.store.dialect, account_mutes, ("sdkappid", "user_id"), ("c2c_until", "group_until"))
        await tx.execute(
            stmt, {"sdkappid": app.sdkappid, "user_id": user_id, "c2c_until": c2c_until, "group_until": group_until}
        )


async def get_mute(rt: Runtime, app: App, user_id: str, *, invalid: int) -> tuple[int, int]:
    """Seconds of one-to-one and group mute left (4294967295 = permanent, 0 = not muted)."""
    now = int(time.time())
    async with rt.store.read() as conn:
        if not await accounts.existing(conn, app.sdkappid, [user_id]):
            raise ApiError(invalid, f"Get_Account {user_id!r} is not an account of this app")
        row = (await conn.execute(_BOTH, {"app": app.sdkappid, "uid": user_id})).first()
    if row is None:
        return 0, 0
    return _remaining(row[0], now), _remaining(row[1], now)


async def group_muted_until(conn: object, sdkappid: int, user_id: str) -> int:
    """Seconds of group mute left for a sender (0 = may send)."""
    row = (await conn.execute(_BOTH, {"app": sdkappid, "uid": user_id})).first()  # type: ignore[attr-defined]
    return _remaining(row[1], int(time.time())) if row else 0


async def c2c_mute_check(conn: object, app: App, sender: str, receiver: str) -> tuple[int, str] | None:
    row = (await conn.execute(_C2C_UNTIL, {"app": app.sdkappid, "uid": sender})).first()  # type: ignore[attr-defined]
    if row is not None and row[0] > time.time():
        return 20012, f"{sender} is globally muted for one-to-one messages"
    return None


async def purge_accounts(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    for part in accounts.chunks(user_ids):
        await tx.execute(
            account_mutes.delete().where(account_mutes.c.sdkappid == sdkappid, account_mutes.c.user_id.in_(part))
        )
