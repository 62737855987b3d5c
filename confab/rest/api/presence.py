"""Presence over REST: im_open_login_svc/kick (seed 004 lines 22400-22534) and openim/query_online_status
(22535-22851). The rules are in `confab.domain.presence`."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain import presence
from confab.domain.limits import require_user_id
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import LOGIN, OPENIM


class Kick(msgspec.Struct):
    UserID: str


@LOGIN.endpoint("kick", response=NoFields, request=Kick, aliases={"Identifier": "UserID"}, json_error=70402)
async def kick(call: Call, req: Kick) -> None:
    await presence.kick(call.rt, call.app, require_user_id(req.UserID, "UserID", 70402))


class OnlineStatusReply(msgspec.Struct, omit_defaults=True):
    QueryResult: list[dict[str, Any]]
    ErrorList: list[dict[str, Any]] | None = None


class QueryOnlineStatus(msgspec.Struct):
    To_Account: list[str]
    IsNeedDetail: Int64 = 0


@OPENIM.endpoint(
    "query_online_status", response=OnlineStatusReply, request=QueryOnlineStatus, field_errors={"To_Account": 90003}
)
async def query_online_status(call: Call, req: QueryOnlineStatus) -> dict:
    return await presence.online_status(call.rt, call.app, req.To_Account, detail=req.IsNeedDetail == 1)
