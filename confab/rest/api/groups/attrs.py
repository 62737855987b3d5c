"""Group custom attributes: group_open_attr_http_svc/get_group_attr and group_open_http_svc/
modify_group_attr, clear_group_attr, set_group_attr, delete_group_attr (seed 004 lines 16683-17483),
over `confab.domain.groups.attrs`. Items are lower-case `key`/`value`, as the seed's samples."""

from __future__ import annotations

import msgspec

from confab.domain.groups import attrs
from confab.errors import ApiError
from confab.rest.api.groups.mutes import require_group_id
from confab.rest.call import Call
from confab.rest.services import GROUP, GROUP_ATTR


class AttrItem(msgspec.Struct):
    key: str | None = None
    value: str | None = None


class AttrKey(msgspec.Struct):
    key: str | None = None


class GroupOnly(msgspec.Struct):
    GroupId: str | None = None


class WriteAttrs(msgspec.Struct):
    GroupId: str | None = None
    GroupAttr: list[AttrItem] | None = None


class DeleteAttrs(msgspec.Struct):
    GroupId: str | None = None
    GroupAttr: list[AttrKey] | None = None


class AttrReply(msgspec.Struct):
    key: str
    value: str


class GetAttrReply(msgspec.Struct):
    GroupAttrAry: list[AttrReply]


def _items(req: WriteAttrs) -> dict[str, str]:
    if req.GroupAttr is None:
        raise ApiError(10004, "GroupAttr is required")
    items: dict[str, str] = {}
    for item in req.GroupAttr:
        key = attrs.check_key(item.key)
        if item.value is None:
            raise ApiError(10004, f"GroupAttr: attribute {key!r} needs a value")
        items[key] = item.value
    return items


@GROUP_ATTR.endpoint("get_group_attr", request=GroupOnly, response=GetAttrReply)
async def get_group_attr(call: Call, req: GroupOnly) -> GetAttrReply:
    found = await attrs.get(call.rt, call.app, require_group_id(req.GroupId))
    return GetAttrReply(GroupAttrAry=[AttrReply(k, v) for k, v in found.items()])


@GROUP.endpoint("modify_group_attr", request=WriteAttrs)
async def modify_group_attr(call: Call, req: WriteAttrs) -> None:
    group_id = require_group_id(req.GroupId)
    await attrs.modify(call.rt, call.app, group_id, _items(req), operator=None)


@GROUP.endpoint("set_group_attr", request=WriteAttrs)
async def set_group_attr(call: Call, req: WriteAttrs) -> None:
    group_id = require_group_id(req.GroupId)
    await attrs.set_all(call.rt, call.app, group_id, _items(req), operator=None)


@GROUP.endpoint("clear_group_attr", request=GroupOnly)
async def clear_group_attr(call: Call, req: GroupOnly) -> None:
    await attrs.clear(call.rt, call.app, require_group_id(req.GroupId), operator=None)


@GROUP.endpoint("delete_group_attr", request=DeleteAttrs)
async def delete_group_attr(call: Call, req: DeleteAttrs) -> None:
    group_id = require_group_id(req.GroupId)
    if req.GroupAttr is None:
        raise ApiError(10004, "GroupAttr is required")
    keys = [attrs.check_key(item.key) for item in req.GroupAttr]
    await attrs.delete(call.rt, call.app, group_id, keys, operator=None)
