"""Conversation groups and marks over REST (`recentcontact` create_contact_group, update_contact_group,
del_contact_group, mark_contact, search_contact_group, get_contact_group; seed 004 lines 9861-11222).
The rules are in `confab.domain.contact_groups`."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain import contact_groups
from confab.domain.contact_groups import ContactItem, ContactUpdate, MarkItem, contact_changes, conv_of, mark_changes
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.services import RECENTCONTACT


class GroupItem(msgspec.Struct):
    GroupName: str
    GroupId: Int64


class ContactResult(msgspec.Struct):
    ContactItem: ContactItem
    ResultCode: Int64
    ResultInfo: str


class ContactData(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A conversation's groups and marks as search_contact_group and get_contact_group list them."""

    Type: Int64
    To_Account: str | None = None
    ToGroupId: str | None = None
    StandardMark: str | None = None
    CustomMark: str | None = None
    ContactGroupId: list[Int64] | None = None
    Timestamp: Int64 = 0


# -- create_contact_group ---------------------------------------------------------------------------


class NewGroup(msgspec.Struct, kw_only=True):
    GroupName: str
    ContactItem: list[ContactItem]


class CreateContactGroup(msgspec.Struct, kw_only=True):
    From_Account: str
    GroupContactItem: list[NewGroup]


class GroupResult(msgspec.Struct):
    GroupItem: GroupItem
    ResultItem: list[ContactResult]


class CreateContactGroupReply(msgspec.Struct):
    GroupResultItem: list[GroupResult]
    ErrorDisplay: str = ""


@RECENTCONTACT.endpoint("create_contact_group", request=CreateContactGroup, response=CreateContactGroupReply)
async def create_contact_group(call: Call, req: CreateContactGroup) -> dict:
    owner = require_user_id(req.From_Account, "From_Account", 50002)
    if len(req.GroupContactItem) != 1:
        raise ApiError(50002, "GroupContactItem must hold exactly one conversation group (one is added at a time)")
    (group,) = req.GroupContactItem
    convs = [conv_of(item, f"GroupContactItem[0].ContactItem[{n}]") for n, item in enumerate(group.ContactItem)]
    result = await contact_groups.create_group(call.rt, call.app, owner, group.GroupName, convs)
    return {"GroupResultItem": [result]}


# -- update_contact_group ---------------------------------------------------------------------------


class UpdateGroup(msgspec.Struct, kw_only=True):
    UpdateGroupType: Int64
    OldGroupName: str
    NewGroupName: str | None = None
    ContactUpdateItem: list[ContactUpdate] | None = None


class UpdateContactGroup(msgspec.Struct, kw_only=True):
    From_Account: str
    UpdateType: Int64
    UpdateGroup: UpdateGroup


class ContactUpdateResult(msgspec.Struct):
    ContactOptType: Int64
    ContactItem: ContactItem
    ResultCode: Int64
    ResultInfo: str


class UpdateGroupResult(msgspec.Struct):
    UpdateGroupType: Int64
    GroupName: str
    GroupId: Int64
    OldGroupName: str
    ContactResultItem: list[ContactUpdateResult]


class UpdateContactGroupReply(msgspec.Struct):
    UpdateType: Int64
    UpdateGroupResult: UpdateGroupResult
    ErrorDisplay: str = ""


@RECENTCONTACT.endpoint("update_contact_group", request=UpdateContactGroup, response=UpdateContactGroupReply)
async def update_contact_group(call: Call, req: UpdateContactGroup) -> dict:
    owner = require_user_id(req.From_Account, "From_Account", 50002)
    if req.UpdateType != 1:
        raise ApiError(50002, "UpdateType must be 1 (update a conversation group)")
    update = req.UpdateGroup
    result = await contact_groups.update_group(
        call.rt,
        call.app,
        owner,
        update_group_type=update.UpdateGroupType,
        old_name=update.OldGroupName,
        new_name=update.NewGroupName,
        changes=contact_changes(update.ContactUpdateItem, "UpdateGroup.ContactUpdateItem"),
    )
    return {"UpdateType": req.UpdateType, "UpdateGroupResult": result}


# -- del_contact_group ------------------------------------------------------------------------------


class DelContactGroup(msgspec.Struct, kw_only=True):
    From_Account: str
    GroupName: list[str]


class DelContactGroupReply(msgspec.Struct):
    GroupItem: list[GroupItem]
    ErrorDisplay: str = ""


@RECENTCONTACT.endpoint("del_contact_group", request=DelContactGroup, response=DelContactGroupReply)
async def del_contact_group(call: Call, req: DelContactGroup) -> dict:
    owner = require_user_id(req.From_Account, "From_Account", 50002)
    if len(req.GroupName) != 1:
        raise ApiError(50002, "GroupName must name exactly one conversation group (one is deleted at a time)")
    deleted = await contact_groups.delete_group(call.rt, call.app, owner, req.GroupName[0])
    return {"GroupItem": [deleted]}


# -- mark_contact -----------------------------------------------------------------------------------


class MarkContact(msgspec.Struct, kw_only=True):
    From_Account: str
    MarkItem: list[MarkItem]


class MarkResult(msgspec.Struct):
    OptType: Int64
    ContactItem: ContactItem
    ResultCode: Int64
    ResultInfo: str


class MarkContactReply(msgspec.Struct):
    ResultItem: list[MarkResult]
    ErrorDisplay: str = ""


@RECENTCONTACT.endpoint("mark_contact", request=MarkContact, response=MarkContactReply)
async def mark_contact(call: Call, req: MarkContact) -> dict:
    owner = require_user_id(req.From_Account, "From_Account", 50002)
    if not 1 <= len(req.MarkItem) <= contact_groups.MAX_PER_CALL:
        raise ApiError(51006, f"MarkItem must hold 1-{contact_groups.MAX_PER_CALL} conversation marks")
    results = await contact_groups.mark(call.rt, call.app, owner, mark_changes(req.MarkItem))
    return {"ResultItem": results}


# -- search_contact_group, get_contact_group --------------------------------------------------------


class SearchContactGroup(msgspec.Struct, kw_only=True):
    From_Account: str
    ContactItem: list[ContactItem] | None = None


class SearchContactGroupReply(msgspec.Struct):
    ContactResultItem: list[ContactData]
    GroupItem: list[GroupItem]
    ErrorDisplay: str = ""


@RECENTCONTACT.endpoint("search_contact_group", request=SearchContactGroup, response=SearchContactGroupReply)
async def search_contact_group(call: Call, req: SearchContactGroup) -> dict:
    owner = require_user_id(req.From_Account, "From_Account", 50002)
    items = req.ContactItem or []
    if not 1 <= len(items) <= contact_groups.MAX_SEARCH:
        raise ApiError(50002, f"ContactItem must name 1-{contact_groups.MAX_SEARCH} conversations")
    convs = [conv_of(item, f"ContactItem[{n}]") for n, item in enumerate(items)]
    return await contact_groups.search(call.rt, call.app, owner, convs)


class GetContactGroup(msgspec.Struct, kw_only=True):
    From_Account: str
    StartIndex: Int64 = 0


class GetContactGroupReply(msgspec.Struct):
    ContactItem: list[ContactData]
    GroupItem: list[GroupItem]
    CompleteFlag: Int64
    NextStartIndex: Int64
    ErrorDisplay: str = ""


@RECENTCONTACT.endpoint("get_contact_group", request=GetContactGroup, response=GetContactGroupReply)
async def get_contact_group(call: Call, req: GetContactGroup) -> dict:
    owner = require_user_id(req.From_Account, "From_Account", 50002)
    return await contact_groups.get_page(call.rt, call.app, owner, req.StartIndex)
