"""Login state: im_open_login_svc/kick (seed 004 lines 22400-22534) and openim/query_online_status
(22535-22851), answered from the real-time gateway's live connections."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.domain import accounts
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.realtime import logins
from confab.rest.call import Call
from confab.rest.registry import endpoint

MAX_QUERY = 500


class Kick(msgspec.Struct):
    UserID: str


@endpoint(
    "im_open_login_svc",
    "kick",
    request=Kick,
    summary="Invalidate an account's login state",
    seed="004:22400-22534",
    param_error=70402,
    admin_error=70403,
    internal_error=70500,
    json_error=70402,
)
async def kick(call: Call, req: Kick) -> None:
    require_user_id(req.UserID, "UserID", 70402)
    await logins.invalidate(call.rt, call.app, req.UserID)
    call.rt.extras["hub"].kick(call.app.sdkappid, req.UserID)


class QueryOnlineStatus(msgspec.Struct):
    To_Account: list[str]
    IsNeedDetail: int = 0


@endpoint(
    "openim",
    "query_online_status",
    request=QueryOnlineStatus,
    summary="Query account online status",
    seed="004:22535-22851",
    param_error=90001,
    json_error=90001,
    admin_error=90009,
    internal_error=91000,
    field_errors={"To_Account": 90003},
)
async def query_online_status(call: Call, req: QueryOnlineStatus) -> dict:
    if not req.To_Account:
        raise ApiError(90001, "To_Account must name at least one account")
    if len(req.To_Account) > MAX_QUERY:
        raise ApiError(90011, f"To_Account holds at most {MAX_QUERY} accounts")
    hub = call.rt.extras["hub"]
    async with call.rt.store.read() as conn:
        present = await accounts.existing(conn, call.app.sdkappid, req.To_Account)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for user in dict.fromkeys(req.To_Account):
        if user not in present:
            errors.append({"To_Account": user, "ErrorCode": 70107})
            continue
        state, detail = hub.presence(call.app.sdkappid, user)
        item: dict[str, Any] = {"To_Account": user, "State": state}
        if req.IsNeedDetail == 1:
            item["Detail"] = detail
        results.append(item)
    if not results:
        raise ApiError(70107, "none of the accounts exists", ErrorList=errors)
    reply: dict[str, Any] = {"QueryResult": results}
    if errors:
        reply["ErrorList"] = errors
    return reply
