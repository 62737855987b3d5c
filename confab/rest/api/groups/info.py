"""Reading groups: get_group_info, get_joined_group_list, get_appid_group_list (seed 004 lines
11223-11453, 12214-13300), over `confab.domain.groups.listing`."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import listing
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.api.groups.common import KeyValueOut, MemberOut
from confab.rest.call import Call
from confab.rest.services import GROUP

# -- replies -----------------------------------------------------------------------------------------


class BaseInfoOut(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True, kw_only=True):
    """GroupBaseInfoFilter's fields (reference/groups.md §6)."""

    Type: str | None = None
    Name: str | None = None
    Appid: int | None = None
    Introduction: str | None = None
    Notification: str | None = None
    FaceUrl: str | None = None
    Owner_Account: str | None = None
    CreateTime: int | None = None
    InfoSeq: int | None = None
    LastInfoTime: int | None = None
    LastMsgTime: int | None = None
    NextMsgSeq: int | None = None
    MemberNum: int | None = None
    MaxMemberNum: int | None = None
    ApplyJoinOption: str | None = None
    InviteJoinOption: str | None = None
    MuteAllMember: str | None = None
    SupportTopic: int | None = None


class GroupInfoOut(BaseInfoOut, kw_only=True):
    GroupId: str
    ErrorCode: int = 0  # this group's own result (the top-level one is "meaningless", seed 12975)
    ErrorInfo: str = ""
    AppDefinedData: list[KeyValueOut] | None = None
    MemberList: list[MemberOut] | None = None


class GetGroupInfoReply(msgspec.Struct):
    GroupInfo: list[GroupInfoOut]


class SelfInfoOut(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True):
    Role: str | None = None
    JoinTime: int | None = None
    MsgFlag: str | None = None
    MsgSeq: int | None = None
    UnreadMsgNum: int | None = None
    LastSendMsgTime: int | None = None
    MuteUntil: int | None = None
    NameCard: str | None = None
    GrossTopicReadSeq: int | None = None


class JoinedGroupOut(BaseInfoOut, kw_only=True):
    GroupId: str
    GrossTopicNextMsgSeq: int | None = None
    SelfInfo: SelfInfoOut | None = None


class GetJoinedGroupListReply(msgspec.Struct):
    TotalCount: int
    GroupIdList: list[JoinedGroupOut]


class GroupIdOut(msgspec.Struct, forbid_unknown_fields=True):
    GroupId: str


class GetAppidGroupListReply(msgspec.Struct):
    TotalCount: int
    GroupIdList: list[GroupIdOut]
    Next: int


# -- get_group_info ------------------------------------------------------------------------------------


class GroupInfoFilter(msgspec.Struct):
    GroupBaseInfoFilter: list[str] | None = None
    MemberInfoFilter: list[str] | None = None
    AppDefinedDataFilter_Group: list[str] | None = None
    AppDefinedDataFilter_GroupMember: list[str] | None = None


class GetGroupInfo(msgspec.Struct):
    GroupIdList: list[str] | None = None
    ResponseFilter: GroupInfoFilter | None = None


@GROUP.endpoint("get_group_info", request=GetGroupInfo, response=GetGroupInfoReply)
async def get_group_info(call: Call, req: GetGroupInfo) -> dict[str, Any]:
    if req.GroupIdList is None:
        raise ApiError(10004, "GroupIdList is required")
    filters = listing.response_filters(req.ResponseFilter)
    found = await listing.group_infos(call.rt, call.app, req.GroupIdList, viewer=None, **filters)
    return {"GroupInfo": found}


# -- get_joined_group_list -----------------------------------------------------------------------------


class JoinedFilter(msgspec.Struct):
    GroupBaseInfoFilter: list[str] | None = None
    SelfInfoFilter: list[str] | None = None


class GetJoinedGroupList(msgspec.Struct):
    Member_Account: Any = None
    Limit: Int64 | None = None
    Offset: Int64 = 0
    GroupType: Any = None
    WithHugeGroups: Int64 = 0
    WithNoActiveGroups: Int64 = 0
    SupportTopic: Int64 = 0
    ResponseFilter: JoinedFilter | None = None


def _flag(value: int, name: str) -> bool:
    if value not in (0, 1):
        raise ApiError(10004, f"{name} is 0 or 1")
    return value == 1


@GROUP.endpoint("get_joined_group_list", request=GetJoinedGroupList, response=GetJoinedGroupListReply)
async def get_joined_group_list(call: Call, req: GetJoinedGroupList) -> dict[str, Any]:
    if req.Member_Account is None:
        raise ApiError(10004, "Member_Account is required")
    user = require_user_id(req.Member_Account, "Member_Account", 10004)
    given = req.ResponseFilter
    return await listing.joined(
        call.rt,
        call.app,
        user,
        limit=req.Limit,
        offset=req.Offset,
        group_type=req.GroupType,
        with_inactive=_flag(req.WithNoActiveGroups, "WithNoActiveGroups"),
        with_huge=_flag(req.WithHugeGroups, "WithHugeGroups"),
        base_fields=given.GroupBaseInfoFilter if given else None,
        self_fields=given.SelfInfoFilter if given else None,
        support_topic=_flag(req.SupportTopic, "SupportTopic"),
    )


# -- get_appid_group_list ------------------------------------------------------------------------------


class GetAppidGroupList(msgspec.Struct):
    Limit: Int64 | None = None
    Next: Int64 | None = None
    GroupType: Any = None


@GROUP.endpoint(
    "get_appid_group_list", request=GetAppidGroupList, response=GetAppidGroupListReply, rate_limit=1
)  # "Maximum call frequency: 1 times/second" (seed 11268)
async def get_appid_group_list(call: Call, req: GetAppidGroupList) -> dict[str, Any]:
    return await listing.app_groups(call.rt, call.app, limit=req.Limit, next_cursor=req.Next, group_type=req.GroupType)
