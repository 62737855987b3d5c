"""Group operations over the gateway (docs/client-protocol.md, "Groups"): the same domain calls as the
group REST APIs, with the device's user as the operator, so the role rules of the type apply."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import fields, joining, lifecycle, listing, members, model, mutes, profile, stream, types
from confab.domain.groups.roster import NewMember
from confab.domain.groups.types import Role
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.realtime.ops import Actor, Empty, op

BAD_GROUP_ID = 10015  # "invalid group ID", as the REST pages answer it


def _group_id(value: str) -> str:
    return model.require_id(value, BAD_GROUP_ID)


class InitialMember(msgspec.Struct):
    Member_Account: str
    Role: str | None = None  # "Admin" where the type has admins


class CreateGroup(msgspec.Struct):
    Type: str
    Name: str
    Introduction: str | None = None
    Notification: str | None = None
    FaceUrl: str | None = None
    MaxMemberCount: Int64 | None = None
    MaxMemberNum: Int64 | None = None  # ruling 5: either name
    ApplyJoinOption: str | None = None
    InviteJoinOption: str | None = None
    MemberList: list[InitialMember] = []
    AppDefinedData: list[dict[str, Any]] | None = None
    GroupId: str | None = None  # refused: only the REST admin picks custom IDs


@op("create_group", CreateGroup)
async def create_group(actor: Actor, req: CreateGroup) -> dict:
    """The creator becomes the owner; devices cannot choose the GroupId (REST can)."""
    if req.GroupId is not None:
        raise ApiError(10004, "custom GroupIds are chosen by the app admin (REST create_group), not devices")
    gtype = types.by_name(req.Type)
    texts = {t.name: profile.check_text(t, getattr(req, t.name) or "") for t in profile.TEXT_FIELDS[1:]}
    app_data = fields.parse(actor.app, req.AppDefinedData, member=False, field="AppDefinedData")
    fields.require_writable(actor.app, list(app_data), Role.OWNER, member=False)
    members = [
        NewMember(
            require_user_id(m.Member_Account, "MemberList.Member_Account", 10004),
            Role.MEMBER if m.Role is None else model.role_label(m.Role),
        )
        for m in req.MemberList
    ]
    spec = lifecycle.NewGroup(
        gtype=gtype,
        name=profile.check_name(req.Name),
        owner=actor.user,
        introduction=texts["Introduction"],
        notification=texts["Notification"],
        face_url=texts["FaceUrl"],
        max_members=req.MaxMemberCount if req.MaxMemberCount is not None else req.MaxMemberNum,
        apply_option=req.ApplyJoinOption,
        invite_option=req.InviteJoinOption,
        app_data=app_data,
        members=members,
    )
    group = await lifecycle.create(actor.rt, actor.app, spec, operator=actor.user)
    return {"GroupId": group.group_id, "Type": group.gtype.name}


class GroupRef(msgspec.Struct):
    GroupId: str


@op("destroy_group", GroupRef)
async def destroy_group(actor: Actor, req: GroupRef) -> dict:
    await lifecycle.destroy(actor.rt, actor.app, _group_id(req.GroupId), operator=actor.user)
    return {}


class EditGroup(msgspec.Struct):
    GroupId: str
    Name: str | None = None
    Introduction: str | None = None
    Notification: str | None = None
    FaceUrl: str | None = None
    MaxMemberNum: Int64 | None = None
    MaxMemberCount: Int64 | None = None
    ApplyJoinOption: str | None = None
    InviteJoinOption: str | None = None
    MuteAllMember: str | None = None
    AppDefinedData: list[dict[str, Any]] | None = None  # a Value of "" deletes the key


@op("edit_group", EditGroup)
async def edit_group(actor: Actor, req: EditGroup) -> dict:
    texts: dict[str, str] = {}
    for text in profile.TEXT_FIELDS:
        value = getattr(req, text.name)
        if value is not None:
            texts[text.name] = profile.check_name(value) if text.name == "Name" else profile.check_text(text, value)
    change = lifecycle.InfoChange(
        texts=texts,
        max_members=req.MaxMemberNum if req.MaxMemberNum is not None else req.MaxMemberCount,
        apply_option=req.ApplyJoinOption,
        invite_option=req.InviteJoinOption,
        mute_all=profile.check_mute_all(req.MuteAllMember) if req.MuteAllMember is not None else None,
        app_data=fields.parse(actor.app, req.AppDefinedData, member=False, field="AppDefinedData", allow_delete=True),
    )
    group = await lifecycle.modify_info(actor.rt, actor.app, _group_id(req.GroupId), change, operator=actor.user)
    return {"InfoSeq": group.info_seq}


class ApplyJoin(msgspec.Struct):
    GroupId: str
    ApplyMsg: str = ""  # shown to the owner and admins when the group needs approval


@op("apply_join", ApplyJoin)
async def apply_join(actor: Actor, req: ApplyJoin) -> dict:
    return await joining.apply(actor.rt, actor.app, _group_id(req.GroupId), operator=actor.user, message=req.ApplyMsg)


@op("join_requests", Empty)
async def join_requests(actor: Actor, _: Empty) -> dict:
    return await joining.pending(actor.rt, actor.app, actor.user)


class Answer(msgspec.Struct):
    GroupId: str
    Member_Account: str  # who asked (or was invited)


@op("accept_join", Answer)
async def accept_join(actor: Actor, req: Answer) -> dict:
    user = require_user_id(req.Member_Account, "Member_Account", 10004)
    await joining.answer(actor.rt, actor.app, _group_id(req.GroupId), user, operator=actor.user, accept=True)
    return {}


@op("refuse_join", Answer)
async def refuse_join(actor: Actor, req: Answer) -> dict:
    user = require_user_id(req.Member_Account, "Member_Account", 10004)
    await joining.answer(actor.rt, actor.app, _group_id(req.GroupId), user, operator=actor.user, accept=False)
    return {}


@op("quit", GroupRef)
async def quit_group(actor: Actor, req: GroupRef) -> dict:
    await joining.leave(actor.rt, actor.app, _group_id(req.GroupId), operator=actor.user)
    return {}


class GroupTips(msgspec.Struct):
    GroupId: str
    AfterSeq: Int64 = 0
    Limit: Int64 = 20


@op("group_tips", GroupTips)
async def group_tips(actor: Actor, req: GroupTips) -> dict:
    return await stream.tips_after(
        actor.rt, actor.app, _group_id(req.GroupId), actor.user, after_seq=req.AfterSeq, limit=req.Limit
    )


# -- members (domain: members.py, mutes.py) ------------------------------------------------------------


class Invite(msgspec.Struct):
    GroupId: str
    MemberList: list[str]  # UserIDs (<= 300)


@op("invite", Invite)
async def invite(actor: Actor, req: Invite) -> dict:
    """Per type and InviteJoinOption: Result 1 added, 2 already a member, 3 waiting for approval, 0 failed."""
    results = await members.add(
        actor.rt, actor.app, _group_id(req.GroupId), req.MemberList, operator=actor.user, how="invited"
    )
    return {"MemberList": results}


class Kick(msgspec.Struct):
    GroupId: str
    MemberList: list[str]  # UserIDs (<= 100)
    Reason: str = ""


@op("kick", Kick)
async def kick(actor: Actor, req: Kick) -> dict:
    gone = await members.delete(
        actor.rt, actor.app, _group_id(req.GroupId), req.MemberList, operator=actor.user, reason=req.Reason
    )
    return {"MemberList": gone}


class SetRole(msgspec.Struct):
    GroupId: str
    Member_Account: str
    Role: str  # "Admin" or "Member"


@op("set_role", SetRole)
async def set_role(actor: Actor, req: SetRole) -> dict:
    user = require_user_id(req.Member_Account, "Member_Account", 10004)
    change = members.MemberChange(role=model.role_label(req.Role))
    await members.modify(actor.rt, actor.app, _group_id(req.GroupId), user, change, operator=actor.user)
    return {}


class Mute(msgspec.Struct):
    GroupId: str
    Members_Account: list[str]
    MuteTime: Int64  # seconds; 0 unmutes, 4294967295 for ever


@op("mute", Mute)
async def mute(actor: Actor, req: Mute) -> dict:
    await mutes.mute(
        actor.rt, actor.app, _group_id(req.GroupId), req.Members_Account, req.MuteTime, operator=actor.user
    )
    return {}


class SetMemberInfo(msgspec.Struct):
    GroupId: str
    NameCard: str | None = None
    MsgFlag: str | None = None
    AppMemberDefinedData: list[dict[str, Any]] | None = None  # a Value of "" deletes the key


@op("set_member_info", SetMemberInfo)
async def set_member_info(actor: Actor, req: SetMemberInfo) -> dict:
    """The user's own settings in the group (others' are the admins' business: set_role, mute)."""
    data = fields.parse(
        actor.app, req.AppMemberDefinedData, member=True, field="AppMemberDefinedData", allow_delete=True
    )
    change = members.MemberChange(name_card=req.NameCard, msg_flag=req.MsgFlag, app_data=data)
    await members.modify(actor.rt, actor.app, _group_id(req.GroupId), actor.user, change, operator=actor.user)
    return {}


class GroupMembers(msgspec.Struct):
    GroupId: str
    Limit: Int64 | None = None
    Offset: Int64 | None = None
    Next: str | None = None  # "" for the first page (the only way for communities)
    MemberInfoFilter: list[str] | None = None
    MemberRoleFilter: list[str] | None = None
    AppDefinedDataFilter_GroupMember: list[str] | None = None


@op("group_members", GroupMembers)
async def group_members(actor: Actor, req: GroupMembers) -> dict:
    return await members.list_members(
        actor.rt,
        actor.app,
        _group_id(req.GroupId),
        viewer=actor.user,
        limit=req.Limit,
        offset=req.Offset,
        next_cursor=req.Next,
        member_fields=req.MemberInfoFilter,
        roles=req.MemberRoleFilter,
        data_keys=req.AppDefinedDataFilter_GroupMember,
    )


# -- reading groups (domain: listing.py) --------------------------------------------------------------


class InfoFilter(msgspec.Struct):
    GroupBaseInfoFilter: list[str] | None = None
    MemberInfoFilter: list[str] | None = None
    AppDefinedDataFilter_Group: list[str] | None = None
    AppDefinedDataFilter_GroupMember: list[str] | None = None


class GroupInfo(msgspec.Struct):
    GroupIdList: list[str]
    ResponseFilter: InfoFilter | None = None


@op("group_info", GroupInfo)
async def group_info(actor: Actor, req: GroupInfo) -> dict:
    """As get_group_info, read with the user's permissions (each group has its own ErrorCode)."""
    filters = listing.response_filters(req.ResponseFilter)
    found = await listing.group_infos(actor.rt, actor.app, req.GroupIdList, viewer=actor.user, **filters)
    return {"GroupInfo": found}


class JoinedFilter(msgspec.Struct):
    GroupBaseInfoFilter: list[str] | None = None
    SelfInfoFilter: list[str] | None = None


class MyGroups(msgspec.Struct):
    Limit: Int64 | None = None
    Offset: Int64 = 0
    GroupType: str | None = None
    WithNoActiveGroups: Int64 = 0  # 1: Work groups not yet activated by a first message too
    WithHugeGroups: Int64 = 0  # 1: AVChatRoom groups too
    ResponseFilter: JoinedFilter | None = None


@op("my_groups", MyGroups)
async def my_groups(actor: Actor, req: MyGroups) -> dict:
    """As get_joined_group_list for the user themselves."""
    given = req.ResponseFilter
    return await listing.joined(
        actor.rt,
        actor.app,
        actor.user,
        limit=req.Limit,
        offset=req.Offset,
        group_type=req.GroupType,
        with_inactive=req.WithNoActiveGroups == 1,
        with_huge=req.WithHugeGroups == 1,
        base_fields=given.GroupBaseInfoFilter if given else None,
        self_fields=given.SelfInfoFilter if given else None,
    )
