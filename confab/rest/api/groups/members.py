"""Group member APIs (seed 004 lines 13916-14403, 15077-16682): add, delete, import, list, modify a
member, roles, change the owner; each one call into `confab.domain.groups.members` (or lifecycle)."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import fields, lifecycle, members, model
from confab.domain.groups.types import Role
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.api.groups.common import KeyValue, MemberOut, key_values
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import GROUP


def group_id(value: object) -> str:
    """GroupId: required (10004); a string that cannot be a group ID is 10015 (seed 14143)."""
    if value is None:
        raise ApiError(10004, "GroupId is required")
    if not isinstance(value, str):
        raise ApiError(10004, "GroupId must be a string")
    return model.require_id(value, 10015)


def accounts_of(values: list[Any] | None, field: str) -> list[str]:
    if values is None:
        raise ApiError(10004, f"{field} is required")
    return [require_user_id(v, field, 10004) for v in values]


class MemberResult(msgspec.Struct):
    Member_Account: str
    Result: int  # 0 failed, 1 done, 2 already a member, 3 waiting for approval


class MemberResults(msgspec.Struct):
    MemberList: list[MemberResult]


# -- add_group_member ------------------------------------------------------------------------------


class AddEntry(msgspec.Struct):
    Member_Account: Any = None


class AddGroupMember(msgspec.Struct):
    GroupId: Any = None
    Silence: Int64 = 0
    MemberList: list[AddEntry] | None = None


@GROUP.endpoint("add_group_member", request=AddGroupMember, response=MemberResults)
async def add_group_member(call: Call, req: AddGroupMember) -> dict[str, Any]:
    gid = group_id(req.GroupId)
    if req.MemberList is None:
        raise ApiError(10004, "MemberList is required")
    users = [require_user_id(m.Member_Account, "MemberList.Member_Account", 10004) for m in req.MemberList]
    results = await members.add(call.rt, call.app, gid, users, operator=call.identifier, silence=req.Silence == 1)
    return {"MemberList": results}


# -- delete_group_member ---------------------------------------------------------------------------


class DeleteGroupMember(msgspec.Struct):
    GroupId: Any = None
    Silence: Int64 = 0
    Reason: Any = None
    MemberToDel_Account: list[Any] | None = None


@GROUP.endpoint("delete_group_member", request=DeleteGroupMember, response=NoFields)
async def delete_group_member(call: Call, req: DeleteGroupMember) -> None:
    gid = group_id(req.GroupId)
    users = accounts_of(req.MemberToDel_Account, "MemberToDel_Account")
    if req.Reason is not None and not isinstance(req.Reason, str):
        raise ApiError(10004, "Reason must be a string")
    await members.delete(
        call.rt, call.app, gid, users, operator=call.identifier, silence=req.Silence == 1, reason=req.Reason or ""
    )


# -- import_group_member ---------------------------------------------------------------------------


class ImportEntry(msgspec.Struct):
    Member_Account: Any = None
    Role: Any = None
    JoinTime: Int64 | None = None
    UnreadMsgNum: Int64 | None = None


class ImportGroupMember(msgspec.Struct):
    GroupId: Any = None
    MemberList: list[ImportEntry] | None = None


def _import_entry(entry: ImportEntry) -> members.ImportMember:
    user = require_user_id(entry.Member_Account, "MemberList.Member_Account", 10004)
    role = Role.MEMBER if entry.Role is None else model.role_label(entry.Role)
    return members.ImportMember(user, role, join_time=entry.JoinTime or 0, unread=entry.UnreadMsgNum or 0)


@GROUP.endpoint("import_group_member", request=ImportGroupMember, response=MemberResults)
async def import_group_member(call: Call, req: ImportGroupMember) -> dict[str, Any]:
    gid = group_id(req.GroupId)
    if req.MemberList is None:
        raise ApiError(10004, "MemberList is required")
    entries = [_import_entry(e) for e in req.MemberList]
    return {"MemberList": await members.import_members(call.rt, call.app, gid, entries)}


# -- get_group_member_info -------------------------------------------------------------------------


class GetGroupMemberInfo(msgspec.Struct):
    GroupId: Any = None
    MemberInfoFilter: list[Any] | None = None
    MemberRoleFilter: list[Any] | None = None
    AppDefinedDataFilter_GroupMember: list[Any] | None = None
    Limit: Int64 | None = None
    Offset: Int64 | None = None
    Next: Any = None


class GetGroupMemberInfoReply(msgspec.Struct, omit_defaults=True):
    MemberNum: int
    MemberList: list[MemberOut]
    Next: str | None = None  # Next mode only (communities)


@GROUP.endpoint("get_group_member_info", request=GetGroupMemberInfo, response=GetGroupMemberInfoReply)
async def get_group_member_info(call: Call, req: GetGroupMemberInfo) -> dict[str, Any]:
    gid = group_id(req.GroupId)
    if req.Next is not None and not isinstance(req.Next, str):
        raise ApiError(10004, 'Next is a string ("" for the first call)')
    return await members.list_members(
        call.rt,
        call.app,
        gid,
        viewer=None,
        limit=req.Limit,
        offset=req.Offset,
        next_cursor=req.Next,
        member_fields=req.MemberInfoFilter,
        roles=req.MemberRoleFilter,
        data_keys=req.AppDefinedDataFilter_GroupMember,
    )


# -- modify_group_member_info ----------------------------------------------------------------------


class ModifyGroupMemberInfo(msgspec.Struct):
    GroupId: Any = None
    Member_Account: Any = None
    Role: Any = None
    MsgFlag: Any = None
    NameCard: Any = None
    AppMemberDefinedData: list[KeyValue] | None = None
    MuteTime: Int64 | None = None


def _text(value: object, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ApiError(10004, f"{name} must be a string")


@GROUP.endpoint(
    "modify_group_member_info",
    request=ModifyGroupMemberInfo,
    response=NoFields,
    aliases={"ShutUpTime": "MuteTime"},  # older server SDKs (ruling 21)
)
async def modify_group_member_info(call: Call, req: ModifyGroupMemberInfo) -> None:
    gid = group_id(req.GroupId)
    user = require_user_id(req.Member_Account, "Member_Account", 10004)
    change = members.MemberChange(
        role=None if req.Role is None else model.role_label(req.Role),
        name_card=_text(req.NameCard, "NameCard"),
        msg_flag=_text(req.MsgFlag, "MsgFlag"),
        mute_seconds=req.MuteTime,
        app_data=fields.parse(
            call.app,
            key_values(req.AppMemberDefinedData),
            member=True,
            field="AppMemberDefinedData",
            allow_delete=True,
        ),
    )
    await members.modify(call.rt, call.app, gid, user, change, operator=call.identifier)


# -- get_role_in_group -----------------------------------------------------------------------------


class GetRoleInGroup(msgspec.Struct):
    GroupId: Any = None
    User_Account: list[Any] | None = None


class UserRole(msgspec.Struct):
    Member_Account: str
    Role: str  # Owner, Admin, Member, NotMember


class GetRoleInGroupReply(msgspec.Struct):
    UserIdList: list[UserRole]


@GROUP.endpoint("get_role_in_group", request=GetRoleInGroup, response=GetRoleInGroupReply)
async def get_role_in_group(call: Call, req: GetRoleInGroup) -> dict[str, Any]:
    gid = group_id(req.GroupId)
    users = accounts_of(req.User_Account, "User_Account")
    return {"UserIdList": await members.roles(call.rt, call.app, gid, users)}


# -- change_group_owner ----------------------------------------------------------------------------


class ChangeGroupOwner(msgspec.Struct):
    GroupId: Any = None
    NewOwner_Account: Any = None


@GROUP.endpoint("change_group_owner", request=ChangeGroupOwner, response=NoFields)
async def change_group_owner(call: Call, req: ChangeGroupOwner) -> None:
    gid = group_id(req.GroupId)
    owner = require_user_id(req.NewOwner_Account, "NewOwner_Account", 10004)
    await lifecycle.change_owner(call.rt, call.app, gid, owner, operator=call.identifier)
