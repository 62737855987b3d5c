"""sns: friends, friend lists and the blocklist (seed 004 lines 22852-26862)."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain import results
from confab.domain.limits import require_user_id
from confab.domain.sns import blocklist, friends, lists
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.replies import BlackListCheckItems, Displayed, InfoItems, ResultItems
from confab.rest.services import SNS


def _me(user: str) -> str:
    return require_user_id(user, "From_Account", 30001)


def _reply(items: list[dict[str, Any]]) -> dict[str, Any]:
    # 30539: the friend request is pending: not a failure
    return results.reply("ResultItem", items, not_failures=frozenset({0, 30539}))


class FriendGetReply(msgspec.Struct):
    UserDataItem: list[dict[str, Any]]
    StandardSequence: int
    CustomSequence: int
    FriendNum: int
    CompleteFlag: int
    NextStartIndex: int
    ErrorDisplay: str = ""


class ListChangeReply(msgspec.Struct, omit_defaults=True):
    CurrentSequence: int
    ResultItem: list[dict[str, Any]] | None = None
    Fail_Account: list[str] | None = None
    ErrorDisplay: str = ""


class ListGetReply(msgspec.Struct):
    ResultItem: list[dict[str, Any]]
    CurrentSequence: int
    ErrorDisplay: str = ""


class BlackListGetReply(msgspec.Struct):
    BlackListItem: list[dict[str, Any]]
    StartIndex: int
    CurruentSequence: int  # sic: the vendor's field name
    ErrorDisplay: str = ""


class AddFriendItem(msgspec.Struct):
    To_Account: str
    Remark: Any = None
    GroupName: Any = None
    AddSource: Any = None
    AddWording: Any = None


class FriendAdd(msgspec.Struct):
    From_Account: str
    AddFriendItem: list[AddFriendItem]
    AddType: str = friends.ADD_BOTH
    ForceAddFlags: Int64 = 0


@SNS.endpoint("friend_add", response=ResultItems, request=FriendAdd)
async def friend_add(call: Call, req: FriendAdd) -> dict:
    if not req.AddFriendItem:
        raise ApiError(30001, "AddFriendItem must hold at least one friend")
    items = [friends.AddItem(i.To_Account, i.Remark, i.GroupName, i.AddSource, i.AddWording) for i in req.AddFriendItem]
    results = await friends.add_friends(
        call.rt, call.app, _me(req.From_Account), items, add_type=req.AddType, force=req.ForceAddFlags == 1
    )
    return _reply(results)


class CustomItem(msgspec.Struct):
    Tag: Any
    Value: Any


class ImportFriendItem(msgspec.Struct):
    To_Account: str
    AddSource: Any = None
    Remark: Any = None
    RemarkTime: Int64 = 0
    GroupName: Any = None
    AddWording: Any = None
    AddTime: Int64 = 0
    CustomItem: list[CustomItem] = []


class FriendImport(msgspec.Struct):
    From_Account: str
    AddFriendItem: list[ImportFriendItem]


@SNS.endpoint("friend_import", response=ResultItems, request=FriendImport)
async def friend_import(call: Call, req: FriendImport) -> dict:
    if not req.AddFriendItem:
        raise ApiError(30001, "AddFriendItem must hold at least one friend")
    items = [
        friends.AddItem(
            i.To_Account,
            i.Remark,
            i.GroupName,
            i.AddSource,
            i.AddWording,
            remark_time=max(0, i.RemarkTime),
            add_time=max(0, i.AddTime),
            custom=[(c.Tag, c.Value) for c in i.CustomItem],
        )
        for i in req.AddFriendItem
    ]
    return _reply(await friends.import_friends(call.rt, call.app, _me(req.From_Account), items))


class SnsItem(msgspec.Struct):
    Tag: Any
    Value: Any


class UpdateItem(msgspec.Struct):
    To_Account: str
    SnsItem: list[SnsItem]


class FriendUpdate(msgspec.Struct):
    From_Account: str
    UpdateItem: list[UpdateItem]


@SNS.endpoint("friend_update", response=ResultItems, request=FriendUpdate)
async def friend_update(call: Call, req: FriendUpdate) -> dict:
    if not req.UpdateItem:
        raise ApiError(30001, "UpdateItem must hold at least one friend")
    updates = [(u.To_Account, [(s.Tag, s.Value) for s in u.SnsItem]) for u in req.UpdateItem]
    return _reply(await friends.update_friends(call.rt, call.app, _me(req.From_Account), updates))


class FriendDelete(msgspec.Struct):
    From_Account: str
    To_Account: list[str]
    DeleteType: str = friends.DELETE_SINGLE


@SNS.endpoint("friend_delete", response=ResultItems, request=FriendDelete)
async def friend_delete(call: Call, req: FriendDelete) -> dict:
    results = await friends.delete_friends(call.rt, call.app, _me(req.From_Account), req.To_Account, req.DeleteType)
    return _reply(results)


class FriendDeleteAll(msgspec.Struct):
    From_Account: str
    DeleteType: str = friends.DELETE_SINGLE


@SNS.endpoint("friend_delete_all", response=Displayed, request=FriendDeleteAll)
async def friend_delete_all(call: Call, req: FriendDeleteAll) -> None:
    await friends.delete_all_friends(call.rt, call.app, _me(req.From_Account), req.DeleteType)


class FriendCheck(msgspec.Struct):
    From_Account: str
    To_Account: list[str]
    CheckType: str


@SNS.endpoint("friend_check", response=InfoItems, request=FriendCheck)
async def friend_check(call: Call, req: FriendCheck) -> dict:
    reply = await friends.check_friends(call.rt, call.app, _me(req.From_Account), req.To_Account, req.CheckType)
    return reply


class FriendGet(msgspec.Struct):
    From_Account: str
    StartIndex: Int64
    StandardSequence: Int64 = 0
    CustomSequence: Int64 = 0


@SNS.endpoint("friend_get", response=FriendGetReply, request=FriendGet)
async def friend_get(call: Call, req: FriendGet) -> dict:
    reply = await friends.get_friends(
        call.rt,
        call.app,
        _me(req.From_Account),
        start_index=req.StartIndex,
        standard_seq=req.StandardSequence,
        custom_seq=req.CustomSequence,
    )
    return reply


class FriendGetList(msgspec.Struct):
    From_Account: str
    To_Account: list[str]
    TagList: list[str]


@SNS.endpoint("friend_get_list", response=InfoItems, request=FriendGetList)
async def friend_get_list(call: Call, req: FriendGetList) -> dict:
    reply = await friends.get_friend_list(call.rt, call.app, _me(req.From_Account), req.To_Account, req.TagList)
    return reply


class GroupAdd(msgspec.Struct):
    From_Account: str
    GroupName: list[str]
    To_Account: list[str] | None = None


@SNS.endpoint("group_add", response=ListChangeReply, request=GroupAdd)
async def group_add(call: Call, req: GroupAdd) -> dict:
    reply = await lists.add_lists(call.rt, call.app, _me(req.From_Account), req.GroupName, req.To_Account)
    return reply


class GroupDelete(msgspec.Struct):
    From_Account: str
    GroupName: list[str]


@SNS.endpoint("group_delete", response=ListChangeReply, request=GroupDelete)
async def group_delete(call: Call, req: GroupDelete) -> dict:
    reply = await lists.delete_lists(call.rt, call.app, _me(req.From_Account), req.GroupName)
    return reply


class GroupGet(msgspec.Struct):
    From_Account: str
    NeedFriend: str | None = None
    GroupName: list[str] | None = None


@SNS.endpoint("group_get", response=ListGetReply, request=GroupGet)
async def group_get(call: Call, req: GroupGet) -> dict:
    if req.NeedFriend not in (None, "", "Need_Friend_Type_Yes"):
        raise ApiError(30001, "NeedFriend must be Need_Friend_Type_Yes or left out")
    reply = await lists.get_lists(
        call.rt,
        call.app,
        _me(req.From_Account),
        need_friend=req.NeedFriend == "Need_Friend_Type_Yes",
        names=req.GroupName,
    )
    return reply


class BlackListChange(msgspec.Struct):
    From_Account: str
    To_Account: list[str]


@SNS.endpoint("black_list_add", response=ResultItems, request=BlackListChange)
async def black_list_add(call: Call, req: BlackListChange) -> dict:
    reply = await blocklist.add(call.rt, call.app, _me(req.From_Account), req.To_Account)
    return reply


@SNS.endpoint("black_list_delete", response=ResultItems, request=BlackListChange)
async def black_list_delete(call: Call, req: BlackListChange) -> dict:
    reply = await blocklist.delete(call.rt, call.app, _me(req.From_Account), req.To_Account)
    return reply


class BlackListGet(msgspec.Struct):
    From_Account: str
    StartIndex: Int64
    MaxLimited: Int64
    LastSequence: Int64 = 0


@SNS.endpoint("black_list_get", response=BlackListGetReply, request=BlackListGet)
async def black_list_get(call: Call, req: BlackListGet) -> dict:
    reply = await blocklist.get(
        call.rt, call.app, _me(req.From_Account), start_index=req.StartIndex, max_limited=req.MaxLimited
    )
    return reply


class BlackListCheck(msgspec.Struct):
    From_Account: str
    To_Account: list[str]
    CheckType: str


@SNS.endpoint("black_list_check", response=BlackListCheckItems, request=BlackListCheck)
async def black_list_check(call: Call, req: BlackListCheck) -> dict:
    reply = await blocklist.check(call.rt, call.app, _me(req.From_Account), req.To_Account, req.CheckType)
    return reply
