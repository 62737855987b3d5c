"""App attribute names, user attributes and user tags over REST (`all_member_push` im_set_attr_name,
im_get_attr_name, im_get_attr, im_set_attr, im_remove_attr, im_get_tag, im_add_tag, im_remove_tag,
im_remove_all_tags; seed 004 lines 7576-9067). The rules are `confab.domain.user_attrs`."""

from __future__ import annotations

import msgspec

from confab.domain import user_attrs
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import ALL_MEMBER_PUSH

RATE = 100  # "Maximum call frequency: 100 times/second" on every page of this group


def _required(value: object, name: str) -> None:
    if value is None:
        raise ApiError(user_attrs.INVALID, f"{name} is required")


# -- attribute names ---------------------------------------------------------------------------------


class SetAttrName(msgspec.Struct):
    AttrNames: dict[str, str] | None = None


class GetAttrName(msgspec.Struct):
    pass


class AttrNamesReply(msgspec.Struct):
    AttrNames: dict[str, str]


@ALL_MEMBER_PUSH.endpoint("im_set_attr_name", request=SetAttrName, response=NoFields, rate_limit=RATE)
async def im_set_attr_name(call: Call, req: SetAttrName) -> None:
    _required(req.AttrNames, "AttrNames")
    assert req.AttrNames is not None
    await user_attrs.set_attr_names(call.rt, call.app, req.AttrNames)


@ALL_MEMBER_PUSH.endpoint("im_get_attr_name", request=GetAttrName, response=AttrNamesReply, rate_limit=RATE)
async def im_get_attr_name(call: Call, req: GetAttrName) -> AttrNamesReply:
    return AttrNamesReply(AttrNames=await user_attrs.get_attr_names(call.rt, call.app))


# -- user attributes ---------------------------------------------------------------------------------


class Accounts(msgspec.Struct):
    To_Account: list[str] | None = None


class UserAttrValues(msgspec.Struct):
    To_Account: str | None = None
    Attrs: dict[str, str] | None = None


class SetAttr(msgspec.Struct):
    UserAttrs: list[UserAttrValues] | None = None


class UserAttrNames(msgspec.Struct):
    To_Account: str | None = None
    Attrs: list[str] | None = None


class RemoveAttr(msgspec.Struct):
    UserAttrs: list[UserAttrNames] | None = None


class UserAttrsItem(msgspec.Struct):
    To_Account: str
    Attrs: dict[str, str]


class GetAttrReply(msgspec.Struct):
    UserAttrs: list[UserAttrsItem]


def _accounts(req: Accounts) -> list[str]:
    _required(req.To_Account, "To_Account")
    assert req.To_Account is not None
    return req.To_Account


def _items(items: list | None, field: str, values: str) -> list:
    """(To_Account, values) per item, each field present."""
    _required(items, field)
    assert items is not None
    out = []
    for n, item in enumerate(items):
        _required(item.To_Account, f"{field}[{n}].To_Account")
        value = getattr(item, values)
        _required(value, f"{field}[{n}].{values}")
        out.append((item.To_Account, value))
    return out


@ALL_MEMBER_PUSH.endpoint("im_get_attr", request=Accounts, response=GetAttrReply, rate_limit=RATE)
async def im_get_attr(call: Call, req: Accounts) -> GetAttrReply:
    found = await user_attrs.get_attrs(call.rt, call.app, _accounts(req))
    return GetAttrReply(UserAttrs=[UserAttrsItem(To_Account=u, Attrs=attrs) for u, attrs in found])


# A value that is not a string, or Attrs that is not an object, is "invalid attribute" (90033).
@ALL_MEMBER_PUSH.endpoint(
    "im_set_attr", request=SetAttr, response=NoFields, rate_limit=RATE, field_errors={"Attrs": user_attrs.INVALID_ATTR}
)
async def im_set_attr(call: Call, req: SetAttr) -> None:
    await user_attrs.set_attrs(call.rt, call.app, _items(req.UserAttrs, "UserAttrs", "Attrs"))


@ALL_MEMBER_PUSH.endpoint(
    "im_remove_attr",
    request=RemoveAttr,
    response=NoFields,
    rate_limit=RATE,
    field_errors={"Attrs": user_attrs.INVALID_ATTR},
)
async def im_remove_attr(call: Call, req: RemoveAttr) -> None:
    await user_attrs.remove_attrs(call.rt, call.app, _items(req.UserAttrs, "UserAttrs", "Attrs"))


# -- user tags ---------------------------------------------------------------------------------------


class UserTagList(msgspec.Struct):
    To_Account: str | None = None
    Tags: list[str] | None = None


class TagsRequest(msgspec.Struct):
    UserTags: list[UserTagList] | None = None


class UserTagsItem(msgspec.Struct):
    To_Account: str
    Tags: list[str]


class GetTagReply(msgspec.Struct):
    UserTags: list[UserTagsItem]


@ALL_MEMBER_PUSH.endpoint("im_get_tag", request=Accounts, response=GetTagReply, rate_limit=RATE)
async def im_get_tag(call: Call, req: Accounts) -> GetTagReply:
    found = await user_attrs.get_tags(call.rt, call.app, _accounts(req))
    return GetTagReply(UserTags=[UserTagsItem(To_Account=u, Tags=tags) for u, tags in found])


@ALL_MEMBER_PUSH.endpoint("im_add_tag", request=TagsRequest, response=NoFields, rate_limit=RATE)
async def im_add_tag(call: Call, req: TagsRequest) -> None:
    await user_attrs.add_tags(call.rt, call.app, _items(req.UserTags, "UserTags", "Tags"))


@ALL_MEMBER_PUSH.endpoint("im_remove_tag", request=TagsRequest, response=NoFields, rate_limit=RATE)
async def im_remove_tag(call: Call, req: TagsRequest) -> None:
    await user_attrs.remove_tags(call.rt, call.app, _items(req.UserTags, "UserTags", "Tags"))


@ALL_MEMBER_PUSH.endpoint("im_remove_all_tags", request=Accounts, response=NoFields, rate_limit=RATE)
async def im_remove_all_tags(call: Call, req: Accounts) -> None:
    await user_attrs.remove_all_tags(call.rt, call.app, _accounts(req))
