"""create_group, import_group, destroy_group, modify_group_base_info (seed 004 lines 11454-12213,
13301-13915)."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import fields, ids, lifecycle, profile, types
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.api.groups.common import KeyValue, MemberEntry, key_values, new_member
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import GROUP


def group_id_of(value: object) -> str:
    """The request's GroupId: 10004 when missing, 10015 when it cannot be a group ID."""
    if not isinstance(value, str) or not value:
        raise ApiError(10004, "GroupId is required (a string)")
    if not ids.plausible(value):
        raise ApiError(10015, "GroupId is not a valid group ID")
    return value


class GroupProfile(msgspec.Struct):
    """What create_group and import_group share."""

    Type: Any = None
    Name: Any = None
    Owner_Account: Any = None
    GroupId: Any = None
    Introduction: Any = None
    Notification: Any = None
    FaceUrl: Any = None
    MaxMemberCount: Int64 | None = None
    MaxMemberNum: Int64 | None = None  # ruling 5: either name
    ApplyJoinOption: Any = None
    InviteJoinOption: Any = None
    MuteAllMember: Any = None
    AppDefinedData: list[KeyValue] | None = None
    SupportTopic: Int64 = 0


class CreateGroup(GroupProfile):
    MemberList: list[MemberEntry] | None = None


class ImportGroup(GroupProfile):
    CreateTime: Int64 | None = None


class CreateGroupReply(msgspec.Struct, omit_defaults=True):
    GroupId: str
    Type: str | None = None  # communities (the seed's topic sample)
    HugeGroupFlag: int | None = None


class ImportGroupReply(msgspec.Struct):
    GroupId: str


def _texts(req: GroupProfile) -> dict[str, str]:
    return {
        t.name: profile.check_text(t, getattr(req, t.name))
        for t in profile.TEXT_FIELDS[1:]
        if getattr(req, t.name) is not None
    }


def new_group(call: Call, req: GroupProfile, members: list[MemberEntry] | None = None) -> lifecycle.NewGroup:
    """Every field checked, in the order a caller would fix them, before anything is written."""
    gtype = types.by_name(req.Type)
    name = profile.check_name(req.Name)
    texts = _texts(req)
    if req.SupportTopic not in (0, 1):
        raise ApiError(10004, "SupportTopic is 0 or 1")
    if len(members or []) > lifecycle.CREATE_MEMBERS_MAX:  # before checking each of them
        raise ApiError(10005, f"MemberList holds at most {lifecycle.CREATE_MEMBERS_MAX} members")
    return lifecycle.NewGroup(
        gtype=gtype,
        name=name,
        group_id=req.GroupId,
        owner=require_user_id(req.Owner_Account, "Owner_Account", 10004) if req.Owner_Account is not None else "",
        introduction=texts.get("Introduction", ""),
        notification=texts.get("Notification", ""),
        face_url=texts.get("FaceUrl", ""),
        max_members=req.MaxMemberCount if req.MaxMemberCount is not None else req.MaxMemberNum,
        apply_option=req.ApplyJoinOption,
        invite_option=req.InviteJoinOption,
        mute_all=profile.check_mute_all(req.MuteAllMember) if req.MuteAllMember is not None else False,
        support_topic=req.SupportTopic == 1,
        app_data=fields.parse(call.app, key_values(req.AppDefinedData), member=False, field="AppDefinedData"),
        members=[new_member(call.app, m) for m in members or []],
    )


@GROUP.endpoint("create_group", request=CreateGroup, response=CreateGroupReply)
async def create_group(call: Call, req: CreateGroup) -> CreateGroupReply:
    group = await lifecycle.create(call.rt, call.app, new_group(call, req, req.MemberList), operator=call.identifier)
    if group.gtype.supports_topics:
        return CreateGroupReply(GroupId=group.group_id, Type=group.gtype.name, HugeGroupFlag=0)
    return CreateGroupReply(GroupId=group.group_id)


@GROUP.endpoint("import_group", request=ImportGroup, response=ImportGroupReply)
async def import_group(call: Call, req: ImportGroup) -> ImportGroupReply:
    spec = new_group(call, req)
    if req.CreateTime is not None:
        if not 0 < req.CreateTime <= int(time.time()):
            raise ApiError(10004, "CreateTime is a Unix time in seconds, not in the future")
        spec.created_at = req.CreateTime
    group = await lifecycle.create(call.rt, call.app, spec, operator=call.identifier, how="imported")
    return ImportGroupReply(GroupId=group.group_id)


class DestroyGroup(msgspec.Struct):
    GroupId: Any = None


@GROUP.endpoint("destroy_group", request=DestroyGroup, response=NoFields)
async def destroy_group(call: Call, req: DestroyGroup) -> None:
    await lifecycle.destroy(call.rt, call.app, group_id_of(req.GroupId), operator=None)


class ModifyGroupBaseInfo(msgspec.Struct):
    GroupId: Any = None
    Name: Any = None
    Introduction: Any = None
    Notification: Any = None
    FaceUrl: Any = None
    MaxMemberNum: Int64 | None = None
    MaxMemberCount: Int64 | None = None  # ruling 5
    ApplyJoinOption: Any = None
    InviteJoinOption: Any = None
    MuteAllMember: Any = None  # ShutUpAllMember, the older name, is an alias (ruling 21)
    AppDefinedData: list[KeyValue] | None = None
    From_Account: Any = None
    EnablePermission: Int64 | None = None
    DefaultPermission: Int64 | None = None


def info_change(call: Call, req: ModifyGroupBaseInfo) -> lifecycle.InfoChange:
    texts: dict[str, str] = {}
    for text in profile.TEXT_FIELDS:
        value = getattr(req, text.name)
        if value is not None:
            texts[text.name] = profile.check_name(value) if text.name == "Name" else profile.check_text(text, value)
    if req.EnablePermission is not None or req.DefaultPermission is not None:
        # permission groups belong to topic communities, which come with issue 14
        raise ApiError(10007, "EnablePermission/DefaultPermission need a community with topics and permission groups")
    return lifecycle.InfoChange(
        texts=texts,
        max_members=req.MaxMemberNum if req.MaxMemberNum is not None else req.MaxMemberCount,
        apply_option=req.ApplyJoinOption,
        invite_option=req.InviteJoinOption,
        mute_all=profile.check_mute_all(req.MuteAllMember) if req.MuteAllMember is not None else None,
        app_data=fields.parse(
            call.app, key_values(req.AppDefinedData), member=False, field="AppDefinedData", allow_delete=True
        ),
    )


@GROUP.endpoint(
    "modify_group_base_info",
    request=ModifyGroupBaseInfo,
    response=NoFields,
    aliases={"ShutUpAllMember": "MuteAllMember"},
)
async def modify_group_base_info(call: Call, req: ModifyGroupBaseInfo) -> None:
    group_id = group_id_of(req.GroupId)
    change = info_change(call, req)
    shown_as = require_user_id(req.From_Account, "From_Account", 10004) if req.From_Account is not None else None
    await lifecycle.modify_info(call.rt, call.app, group_id, change, operator=None, shown_as=shown_as)
