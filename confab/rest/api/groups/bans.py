"""ban_group_member, unban_group_member, get_group_ban_member (AVChatRoom; seed 004 lines 14404-14719,
18949-19137), over `confab.domain.groups.bans`."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain.groups import bans
from confab.errors import ApiError
from confab.rest.api.groups.mutes import require_accounts, require_group_id
from confab.rest.call import Call
from confab.rest.services import GROUP


class BanMembers(msgspec.Struct):
    GroupId: str | None = None
    Members_Account: list[str] | None = None
    Duration: Int64 | None = None
    Description: str = ""


@GROUP.endpoint("ban_group_member", request=BanMembers)
async def ban_group_member(call: Call, req: BanMembers) -> None:
    group_id = require_group_id(req.GroupId)
    users = require_accounts(req.Members_Account)
    if req.Duration is None:
        raise ApiError(10004, "Duration is required")
    await bans.ban(call.rt, call.app, group_id, users, req.Duration, req.Description, operator=None)


class UnbanMembers(msgspec.Struct):
    GroupId: str | None = None
    Members_Account: list[str] | None = None


@GROUP.endpoint("unban_group_member", request=UnbanMembers)
async def unban_group_member(call: Call, req: UnbanMembers) -> None:
    group_id = require_group_id(req.GroupId)
    await bans.unban(call.rt, call.app, group_id, require_accounts(req.Members_Account), operator=None)


class GetBanned(msgspec.Struct):
    GroupId: str | None = None
    Limit: Int64 = bans.LIST_LIMIT_MAX
    Offset: Int64 | None = None


class BannedAccount(msgspec.Struct):
    Member_Account: str
    BannedUntil: int


class GetBannedReply(msgspec.Struct):
    BannedAccountList: list[BannedAccount]
    NextOffset: int


@GROUP.endpoint("get_group_ban_member", request=GetBanned, response=GetBannedReply)
async def get_group_ban_member(call: Call, req: GetBanned) -> GetBannedReply:
    group_id = require_group_id(req.GroupId)
    if req.Offset is None:
        raise ApiError(10004, "Offset is required (0 for the first page, then NextOffset)")
    page, next_offset = await bans.banned(call.rt, call.app, group_id, req.Offset, req.Limit)
    return GetBannedReply(BannedAccountList=[BannedAccount(u, until) for u, until in page], NextOffset=next_offset)
