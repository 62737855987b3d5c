"""create_group (seed 004 lines 11454-12065) and, later in this module, the other lifecycle APIs."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import fields, lifecycle, profile, types
from confab.domain.limits import require_user_id
from confab.rest.api.groups.common import KeyValue, MemberEntry, key_values, new_member
from confab.rest.call import Call
from confab.rest.services import GROUP


class CreateGroup(msgspec.Struct):
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
    MemberList: list[MemberEntry] | None = None
    SupportTopic: Int64 = 0


class CreateGroupReply(msgspec.Struct, omit_defaults=True):
    GroupId: str
    Type: str | None = None  # communities (the seed's topic sample)
    HugeGroupFlag: int | None = None


def new_group(call: Call, req: CreateGroup) -> lifecycle.NewGroup:
    gtype = types.by_name(req.Type)
    texts = {
        t.name: profile.check_text(t, getattr(req, t.name))
        for t in profile.TEXT_FIELDS[1:]
        if getattr(req, t.name) is not None
    }
    return lifecycle.NewGroup(
        gtype=gtype,
        name=profile.check_name(req.Name),
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
        members=[new_member(call.app, m) for m in req.MemberList or []],
    )


@GROUP.endpoint("create_group", request=CreateGroup, response=CreateGroupReply)
async def create_group(call: Call, req: CreateGroup) -> CreateGroupReply:
    group = await lifecycle.create(call.rt, call.app, new_group(call, req), operator=call.identifier)
    if group.gtype.supports_topics:
        return CreateGroupReply(GroupId=group.group_id, Type=group.gtype.name, HugeGroupFlag=0)
    return CreateGroupReply(GroupId=group.group_id)
