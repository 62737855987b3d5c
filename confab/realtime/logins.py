"""Logging a user in on the gateway, and invalidating their UserSigs (kick)."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.realtime import login_invalidations
from confab.store.upsert import upsert
from confab.usersig import UserSigError

_BEFORE = sa.select(login_invalidations.c.before).where(
    login_invalidations.c.sdkappid == sa.bindparam("app"), login_invalidations.c.user_id == sa.bindparam("uid")
)


async def authenticate(rt: Any, sdkappid: int, identifier: str, usersig: str) -> App:
    """The app, when this UserSig logs this user in; else ApiError with the UserSig's 700xx code."""
    app = await rt.apps.get(sdkappid)
    if app is None:
        raise ApiError(60006, f"SDKAppID {sdkappid} does not exist")
    if app.settings.disabled:
        raise ApiError(60016, "the SDKAppID is disabled")
    try:
        verified = app.verify_sig(identifier, usersig)
    except UserSigError as err:
        raise ApiError(err.code, err.info) from None
    async with rt.store.read() as conn:
        if not await accounts.existing(conn, sdkappid, [identifier]):
            raise ApiError(70107, f"{identifier!r} is not an account of this app; import it first")
        row = (await conn.execute(_BEFORE, {"app": sdkappid, "uid": identifier})).first()
    if row is not None and verified.issued_at <= row[0]:
        raise ApiError(70001, "this UserSig was invalidated by a kick; generate a new one")
    return app


async def invalidate(rt: Any, app: App, user_id: str) -> None:
    """Refuse every UserSig of the user issued up to now (kick)."""
    async with rt.store.tx() as tx:
        if not await accounts.existing(tx, app.sdkappid, [user_id]):
            raise ApiError(70107, f"{user_id!r} is not an account of this app")
        stmt = upsert(rt.store.dialect, login_invalidations, ("sdkappid", "user_id"), ("before",))
        await tx.execute(stmt, {"sdkappid": app.sdkappid, "user_id": user_id, "before": int(time.time())})


@accounts.on_delete
async def _purge(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    for part in accounts.chunks(user_ids):
        await tx.execute(
            login_invalidations.delete().where(
                login_invalidations.c.sdkappid == sdkappid, login_invalidations.c.user_id.in_(part)
            )
        )
