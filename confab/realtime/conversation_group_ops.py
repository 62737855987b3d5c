"""Conversation groups and marks over the gateway (docs/client-protocol.md, "Conversation groups and
marks"): the device user acts on their own folders and marks, with the same domain calls and codes as
the recentcontact REST APIs (`confab.domain.contact_groups`)."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain import contact_groups
from confab.domain.contact_groups import ContactItem, ContactUpdate, MarkItem, contact_changes, conv_of, mark_changes
from confab.errors import ApiError
from confab.realtime.ops import Actor, op


class CreateGroup(msgspec.Struct, kw_only=True):
    GroupName: str
    ContactItem: list[ContactItem] = []


@op("create_conversation_group", CreateGroup)
async def create_conversation_group(actor: Actor, req: CreateGroup) -> dict:
    convs = [conv_of(item, f"ContactItem[{n}]") for n, item in enumerate(req.ContactItem)]
    return await contact_groups.create_group(actor.rt, actor.app, actor.user, req.GroupName, convs)


class UpdateGroup(msgspec.Struct, kw_only=True):
    OldGroupName: str
    UpdateGroupType: Int64 = contact_groups.UPDATE_CONTACTS
    NewGroupName: str | None = None
    ContactUpdateItem: list[ContactUpdate] | None = None


@op("update_conversation_group", UpdateGroup)
async def update_conversation_group(actor: Actor, req: UpdateGroup) -> dict:
    return await contact_groups.update_group(
        actor.rt,
        actor.app,
        actor.user,
        update_group_type=req.UpdateGroupType,
        old_name=req.OldGroupName,
        new_name=req.NewGroupName,
        changes=contact_changes(req.ContactUpdateItem, "ContactUpdateItem"),
    )


class DeleteGroup(msgspec.Struct):
    GroupName: str


@op("delete_conversation_group", DeleteGroup)
async def delete_conversation_group(actor: Actor, req: DeleteGroup) -> dict:
    return await contact_groups.delete_group(actor.rt, actor.app, actor.user, req.GroupName)


class Mark(msgspec.Struct):
    MarkItem: list[MarkItem]


@op("mark_conversations", Mark)
async def mark_conversations(actor: Actor, req: Mark) -> dict:
    if not 1 <= len(req.MarkItem) <= contact_groups.MAX_PER_CALL:
        raise ApiError(51006, f"MarkItem must hold 1-{contact_groups.MAX_PER_CALL} conversation marks")
    results = await contact_groups.mark(actor.rt, actor.app, actor.user, mark_changes(req.MarkItem))
    return {"ResultItem": results}


class Search(msgspec.Struct):
    ContactItem: list[ContactItem]


@op("search_conversation_groups", Search)
async def search_conversation_groups(actor: Actor, req: Search) -> dict:
    if not 1 <= len(req.ContactItem) <= contact_groups.MAX_SEARCH:
        raise ApiError(50002, f"ContactItem must name 1-{contact_groups.MAX_SEARCH} conversations")
    convs = [conv_of(item, f"ContactItem[{n}]") for n, item in enumerate(req.ContactItem)]
    return await contact_groups.search(actor.rt, actor.app, actor.user, convs)


class Page(msgspec.Struct):
    StartIndex: Int64 = 0


@op("conversation_groups", Page)
async def conversation_groups(actor: Actor, req: Page) -> dict:
    return await contact_groups.get_page(actor.rt, actor.app, actor.user, req.StartIndex)
