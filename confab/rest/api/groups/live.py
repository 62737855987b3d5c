"""Live groups (AVChatRoom) over REST: robots, live admins, who is in, the online count and list,
member marks (seed 004 lines 17484-18948), over `confab.domain.groups.live`."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import live
from confab.errors import ApiError
from confab.rest.api.groups.mutes import require_group_id
from confab.rest.call import Call
from confab.rest.services import GROUP, LIVE_GROUP


def _command(value: int | None) -> int:
    if value is None:
        raise ApiError(10004, "CommandType is required: 1 to set, 2 to cancel")
    return value


class Accounts(msgspec.Struct):
    GroupId: str | None = None
    Member_Account: list[str] | None = None


@LIVE_GROUP.endpoint("add_robots", request=Accounts)
async def add_robots(call: Call, req: Accounts) -> None:
    await live.set_robots(call.rt, call.app, require_group_id(req.GroupId), req.Member_Account, add=True)


@LIVE_GROUP.endpoint("del_robots", request=Accounts)
async def del_robots(call: Call, req: Accounts) -> None:
    await live.set_robots(call.rt, call.app, require_group_id(req.GroupId), req.Member_Account, add=False)


class ModifyAdmin(msgspec.Struct):
    GroupId: str | None = None
    CommandType: Int64 | None = None
    Admin_Account: list[str] | None = None


@LIVE_GROUP.endpoint("modify_admin", request=ModifyAdmin)
async def modify_admin(call: Call, req: ModifyAdmin) -> None:
    group_id = require_group_id(req.GroupId)
    await live.modify_admins(call.rt, call.app, group_id, _command(req.CommandType), req.Admin_Account)


class GroupRef(msgspec.Struct):
    GroupId: str | None = None


class AdminOut(msgspec.Struct):
    Admin_Account: str
    Avatar: str
    NickName: str


class AdminListReply(msgspec.Struct):
    Admin_List: list[AdminOut]


@LIVE_GROUP.endpoint("get_admin_list", request=GroupRef, response=AdminListReply)
async def get_admin_list(call: Call, req: GroupRef) -> AdminListReply:
    admins = await live.admin_list(call.rt, call.app, require_group_id(req.GroupId))
    return AdminListReply(Admin_List=[AdminOut(**a) for a in admins])


class CheckMembersReply(msgspec.Struct):
    Member_Account: list[str]


@LIVE_GROUP.endpoint("check_members", request=Accounts, response=CheckMembersReply)
async def check_members(call: Call, req: Accounts) -> CheckMembersReply:
    found = await live.check_members(call.rt, call.app, require_group_id(req.GroupId), req.Member_Account)
    return CheckMembersReply(Member_Account=found)


class OnlineNumReply(msgspec.Struct):
    OnlineMemberNum: int


@GROUP.endpoint("get_online_member_num", request=GroupRef, response=OnlineNumReply)
async def get_online_member_num(call: Call, req: GroupRef) -> OnlineNumReply:
    count = await live.online_count(call.rt, call.app, require_group_id(req.GroupId))
    return OnlineNumReply(OnlineMemberNum=count)


class GetMembers(msgspec.Struct):
    GroupId: str | None = None
    Timestamp: Int64 = 0
    Mark: Int64 | None = None


class OnlineMember(msgspec.Struct):
    JoinTime: int
    Member_Account: str
    NickName: str
    Avatar: str


class GetMembersReply(msgspec.Struct):
    MemberList: list[OnlineMember]
    NextTimestamp: int


@LIVE_GROUP.endpoint("get_members", request=GetMembers, response=GetMembersReply)
async def get_members(call: Call, req: GetMembers) -> GetMembersReply:
    page = await live.online_list(call.rt, call.app, require_group_id(req.GroupId), req.Timestamp, req.Mark)
    return GetMembersReply(
        MemberList=[OnlineMember(**m) for m in page["MemberList"]], NextTimestamp=page["NextTimestamp"]
    )


class ModifyMarks(msgspec.Struct):
    GroupId: str | None = None
    CommandType: Int64 | None = None
    MemberList: list[Any] | None = None


class MarkedMember(msgspec.Struct):
    Member_Account: str
    Marks: list[int]


class ModifyMarksReply(msgspec.Struct):
    CommandType: int
    MemberList: list[MarkedMember]


@LIVE_GROUP.endpoint("modify_user_info", request=ModifyMarks, response=ModifyMarksReply)
async def modify_user_info(call: Call, req: ModifyMarks) -> ModifyMarksReply:
    command = _command(req.CommandType)
    done = await live.set_marks(call.rt, call.app, require_group_id(req.GroupId), command, req.MemberList)
    return ModifyMarksReply(CommandType=command, MemberList=[MarkedMember(**m) for m in done])
