"""Conversations over REST: the conversation list and deleting a conversation (`recentcontact` get_list,
delete; seed 004 lines 9068-9324, 9699-9860), one-to-one (Type 1) and group (Type 2). The rules are in
`confab.domain.c2c.conversations` and `confab.domain.groups.conversations`."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain.c2c import conversations
from confab.domain.groups import conversations as group_conversations
from confab.domain.limits import require_user_id, valid_user_id
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.replies import Displayed
from confab.rest.services import RECENTCONTACT


class GetList(msgspec.Struct, kw_only=True):
    From_Account: str
    TimeStamp: Int64 = 0
    StartIndex: Int64 = 0
    TopTimeStamp: Int64 = 0
    TopStartIndex: Int64 = 0
    AssistFlags: Int64 = 0


class SessionItem(msgspec.Struct, omit_defaults=True):
    Type: Int64
    MsgTime: Int64
    TopFlag: Int64
    To_Account: str | None = None
    GroupId: str | None = None


class GetListReply(msgspec.Struct):
    SessionItem: list[SessionItem]
    CompleteFlag: Int64
    TimeStamp: Int64
    StartIndex: Int64
    TopTimeStamp: Int64
    TopStartIndex: Int64
    ErrorDisplay: str = ""


@RECENTCONTACT.endpoint("get_list", request=GetList, response=GetListReply)
async def get_list(call: Call, req: GetList) -> dict:
    require_user_id(req.From_Account, "From_Account", 50002)
    for name in ("TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex", "AssistFlags"):
        if getattr(req, name) < 0:
            raise ApiError(50002, f"{name} must not be negative")
    reply = await conversations.get_list(
        call.rt,
        call.app,
        req.From_Account,
        general=conversations.Cursor(req.TimeStamp, req.StartIndex),
        top=conversations.Cursor(req.TopTimeStamp, req.TopStartIndex),
        assist_flags=req.AssistFlags,
    )
    return reply


class DeleteConversation(msgspec.Struct, kw_only=True):
    From_Account: str
    Type: Int64
    To_Account: str | None = None
    ToGroupid: str | None = None
    ClearRamble: Int64 = 0


@RECENTCONTACT.endpoint("delete", response=Displayed, request=DeleteConversation)
async def delete(call: Call, req: DeleteConversation) -> None:
    require_user_id(req.From_Account, "From_Account", 50002)
    if req.ClearRamble not in (0, 1):
        raise ApiError(50002, "ClearRamble must be 0 or 1")
    if req.Type == 1:
        if not req.To_Account or not valid_user_id(req.To_Account):
            raise ApiError(50002, "To_Account is required for a one-to-one conversation (Type 1)")
        await conversations.delete(
            call.rt, call.app, req.From_Account, req.To_Account, clear_history=req.ClearRamble == 1
        )
    elif req.Type == 2:
        if not req.ToGroupid:
            raise ApiError(50002, "ToGroupid is required for a group conversation (Type 2)")
        await group_conversations.delete(
            call.rt, call.app, req.From_Account, req.ToGroupid, clear_history=req.ClearRamble == 1
        )
    else:
        raise ApiError(50002, "Type must be 1 (one-to-one) or 2 (group)")
