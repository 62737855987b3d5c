"""Presence and login state: logging a user in with a UserSig, who is online (query_online_status, seed
004 lines 22535-22851) and invalidating a user's logins (kick, 22400-22534).

Presence lives in the gateway's hub (`rt.hub`); both transports ask through these functions, never the
hub directly, so a multi-process presence store can take its place behind the same calls.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.errors import ApiError
from confab.events import Event
from confab.store.tables.realtime import login_invalidations
from confab.store.upsert import upsert
from confab.usersig import UserSigError, VerifiedSig
from confab.webhooks import origin

if TYPE_CHECKING:
    from confab.runtime import Runtime

MAX_QUERY = 500  # To_Account of query_online_status (90011 beyond)

log = logging.getLogger("confab.presence")

STATE_CHANGE = "State.StateChange"
LOGIN, LOGOUT, DISCONNECT = ("Login", "Register"), ("Logout", "Unregister"), ("Disconnect", "LinkClose")
TIMED_OUT = ("Disconnect", "TimeOut")  # the device stopped sending anything, heartbeats included
_KICKED_PLATFORM = {"macOS": "Mac"}  # KickedDevice.Platform spells it so (seed 28922-28923)


class StateChanged(Event, frozen=True):
    """A device logged in, logged out or was disconnected (State.StateChange, seed 28737-28956)."""

    user_id: str
    action: str
    reason: str
    kicked: list[str] = []  # platforms of the devices this login replaced
    event_time: int = 0  # ms


async def state_changed(
    rt: Runtime,
    sdkappid: int,
    user_id: str,
    platform: str,
    client_ip: str,
    change: tuple[str, str],
    kicked: list[str] | None = None,
) -> None:
    """Record the change for the app's webhook (the gateway has no transaction of its own), only when
    the app has State.StateChange on. A failure here is logged: it must not fail the login or close."""
    app = await rt.apps.get(sdkappid)
    if app is None or not app.settings.webhook.on(STATE_CHANGE):
        return
    # IOS, in this command only (ruling 15)
    token = origin.current.set(origin.Origin("IOS" if platform == "iOS" else platform, client_ip))
    try:
        event = StateChanged(
            sdkappid=sdkappid,
            at=int(time.time()),
            user_id=user_id,
            action=change[0],
            reason=change[1],
            kicked=[_KICKED_PLATFORM.get(p, p) for p in kicked or []],
            event_time=int(time.time() * 1000),
        )
        async with rt.store.tx() as tx:
            tx.emit(event)
    except Exception:
        log.exception("recording %s for %s failed", STATE_CHANGE, user_id)
    finally:
        origin.current.reset(token)


_BEFORE = sa.select(login_invalidations.c.before).where(
    login_invalidations.c.sdkappid == sa.bindparam("app"), login_invalidations.c.user_id == sa.bindparam("uid")
)


async def authenticate(rt: Runtime, sdkappid: int, identifier: str, usersig: str) -> tuple[App, VerifiedSig]:
    """The app and the verified sig, when this UserSig logs this user in; else ApiError with the
    UserSig's 700xx code."""
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
    return app, verified


async def invalidate(rt: Runtime, app: App, user_id: str) -> None:
    """Refuse every UserSig of the user issued up to now (kick).

    The record outlives the account on purpose: deleting and re-importing the account must not make
    the kicked sigs good again (a row per kicked UserID, a few bytes each).
    """
    async with rt.store.tx() as tx:
        if not await accounts.existing(tx, app.sdkappid, [user_id]):
            raise ApiError(70107, f"{user_id!r} is not an account of this app")
        stmt = upsert(rt.store.dialect, login_invalidations, ("sdkappid", "user_id"), ("before",))
        await tx.execute(stmt, {"sdkappid": app.sdkappid, "user_id": user_id, "before": int(time.time())})


async def kick(rt: Runtime, app: App, user_id: str) -> None:
    """Refuse the user's UserSigs issued so far and close every device they have connected."""
    await invalidate(rt, app, user_id)
    if rt.hub is not None:
        rt.hub.kick(app.sdkappid, user_id)


async def online_status(rt: Runtime, app: App, users: list[str], *, detail: bool) -> dict[str, Any]:
    """query_online_status: each account's State (and Status, DECISIONS 21), with Detail per device
    when asked; unknown accounts in ErrorList (70107), all unknown: 70107."""
    if not users:
        raise ApiError(90001, "To_Account must name at least one account")
    if len(users) > MAX_QUERY:
        raise ApiError(90011, f"To_Account holds at most {MAX_QUERY} accounts")
    async with rt.store.read() as conn:
        present = await accounts.existing(conn, app.sdkappid, users)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for user in dict.fromkeys(users):
        if user not in present:
            errors.append({"To_Account": user, "ErrorCode": 70107})
            continue
        state, devices = rt.hub.presence(app.sdkappid, user) if rt.hub is not None else ("Offline", [])
        # The seed's samples say State, its field table Status: both (DECISIONS 21).
        item: dict[str, Any] = {"To_Account": user, "State": state, "Status": state}
        if detail:
            item["Detail"] = devices
        results.append(item)
    if not results:
        raise ApiError(70107, "none of the accounts exists", ErrorList=errors)
    reply: dict[str, Any] = {"QueryResult": results}
    if errors:
        reply["ErrorList"] = errors
    return reply
