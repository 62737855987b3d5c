"""sns: friends, friend lists and the blocklist (seed 004 lines 22852-26862)."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.domain.limits import require_user_id
from confab.domain.sns import blocklist, friends, lists
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.registry import endpoint

SERVICE = "sns"
CODES = {"param_error": 30001, "json_error": 30001, "admin_error": 30004, "internal_error": 30006}


def _me(user: str) -> str:
    return require_user_id(user, "From_Account", 30001)


def _reply(results: list[dict[str, Any]], key: str = "ResultItem") -> dict[str, Any]:
    reply: dict[str, Any] = {key: results}
    failed = [r["To_Account"] for r in results if r["ResultCode"] not in (0, 30539)]  # 30539: pending, not failed
    if failed:
        reply["Fail_Account"] = failed
    reply["ErrorDisplay"] = ""
    return reply


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
    ForceAddFlags: int = 0


@endpoint(SERVICE, "friend_add", request=FriendAdd, summary="Add friends", seed="004:22852-23241", **CODES)
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
    RemarkTime: int = 0
    GroupName: Any = None
    AddWording: Any = None
    AddTime: int = 0
    CustomItem: list[CustomItem] = []


class FriendImport(msgspec.Struct):
    From_Account: str
    AddFriendItem: list[ImportFriendItem]


@endpoint(SERVICE, "friend_import", request=FriendImport, summary="Import friends", seed="004:23242-23668", **CODES)
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


@endpoint(SERVICE, "friend_update", request=FriendUpdate, summary="Update friends", seed="004:23669-24118", **CODES)
async def friend_update(call: Call, req: FriendUpdate) -> dict:
    if not req.UpdateItem:
        raise ApiError(30001, "UpdateItem must hold at least one friend")
    updates = [(u.To_Account, [(s.Tag, s.Value) for s in u.SnsItem]) for u in req.UpdateItem]
    return _reply(await friends.update_friends(call.rt, call.app, _me(req.From_Account), updates))


class FriendDelete(msgspec.Struct):
    From_Account: str
    To_Account: list[str]
    DeleteType: str = friends.DELETE_SINGLE


@endpoint(SERVICE, "friend_delete", request=FriendDelete, summary="Delete friends", seed="004:24119-24342", **CODES)
async def friend_delete(call: Call, req: FriendDelete) -> dict:
    results = await friends.delete_friends(call.rt, call.app, _me(req.From_Account), req.To_Account, req.DeleteType)
    return _reply(results)


class FriendDeleteAll(msgspec.Struct):
    From_Account: str
    DeleteType: str = friends.DELETE_SINGLE


@endpoint(
    SERVICE, "friend_delete_all", request=FriendDeleteAll, summary="Delete all friends", seed="004:24343-24499", **CODES
)
async def friend_delete_all(call: Call, req: FriendDeleteAll) -> dict:
    await friends.delete_all_friends(call.rt, call.app, _me(req.From_Account), req.DeleteType)
    return {"ErrorDisplay": ""}


class FriendCheck(msgspec.Struct):
    From_Account: str
    To_Account: list[str]
    CheckType: str


@endpoint(SERVICE, "friend_check", request=FriendCheck, summary="Verify friends", seed="004:24500-24737", **CODES)
async def friend_check(call: Call, req: FriendCheck) -> dict:
    reply = await friends.check_friends(call.rt, call.app, _me(req.From_Account), req.To_Account, req.CheckType)
    reply["ErrorDisplay"] = ""
    return reply


class FriendGet(msgspec.Struct):
    From_Account: str
    StartIndex: int
    StandardSequence: int = 0
    CustomSequence: int = 0


@endpoint(SERVICE, "friend_get", request=FriendGet, summary="Pull friends", seed="004:24738-25024", **CODES)
async def friend_get(call: Call, req: FriendGet) -> dict:
    reply = await friends.get_friends(
        call.rt,
        call.app,
        _me(req.From_Account),
        start_index=req.StartIndex,
        standard_seq=req.StandardSequence,
        custom_seq=req.CustomSequence,
    )
    reply["ErrorDisplay"] = ""
    return reply


class FriendGetList(msgspec.Struct):
    From_Account: str
    To_Account: list[str]
    TagList: list[Any]


@endpoint(
    SERVICE, "friend_get_list", request=FriendGetList, summary="Pull specified friends", seed="004:25025-25451", **CODES
)
async def friend_get_list(call: Call, req: FriendGetList) -> dict:
    reply = await friends.get_friend_list(call.rt, call.app, _me(req.From_Account), req.To_Account, req.TagList)
    reply["ErrorDisplay"] = ""
    return reply


class GroupAdd(msgspec.Struct):
    From_Account: str
    GroupName: list[str]
    To_Account: list[str] | None = None


@endpoint(SERVICE, "group_add", request=GroupAdd, summary="Add friend lists", seed="004:25452-25682", **CODES)
async def group_add(call: Call, req: GroupAdd) -> dict:
    reply = await lists.add_lists(call.rt, call.app, _me(req.From_Account), req.GroupName, req.To_Account)
    reply["ErrorDisplay"] = ""
    return reply


class GroupDelete(msgspec.Struct):
    From_Account: str
    GroupName: list[str]


@endpoint(SERVICE, "group_delete", request=GroupDelete, summary="Delete friend lists", seed="004:25683-25817", **CODES)
async def group_delete(call: Call, req: GroupDelete) -> dict:
    reply = await lists.delete_lists(call.rt, call.app, _me(req.From_Account), req.GroupName)
    reply["ErrorDisplay"] = ""
    return reply


class GroupGet(msgspec.Struct):
    From_Account: str
    NeedFriend: str | None = None
    GroupName: list[str] | None = None


@endpoint(SERVICE, "group_get", request=GroupGet, summary="Pull friend lists", seed="004:25818-26058", **CODES)
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
    reply["ErrorDisplay"] = ""
    return reply


class BlackListChange(msgspec.Struct):
    From_Account: str
    To_Account: list[str]


@endpoint(
    SERVICE, "black_list_add", request=BlackListChange, summary="Blocklist users", seed="004:26059-26269", **CODES
)
async def black_list_add(call: Call, req: BlackListChange) -> dict:
    reply = await blocklist.add(call.rt, call.app, _me(req.From_Account), req.To_Account)
    reply["ErrorDisplay"] = ""
    return reply


@endpoint(
    SERVICE,
    "black_list_delete",
    request=BlackListChange,
    summary="Unblocklist users",
    seed="004:26270-26460",
    **CODES,
)
async def black_list_delete(call: Call, req: BlackListChange) -> dict:
    reply = await blocklist.delete(call.rt, call.app, _me(req.From_Account), req.To_Account)
    reply["ErrorDisplay"] = ""
    return reply


class BlackListGet(msgspec.Struct):
    From_Account: str
    StartIndex: int
    MaxLimited: int
    LastSequence: int = 0


@endpoint(SERVICE, "black_list_get", request=BlackListGet, summary="Pull a blocklist", seed="004:26461-26638", **CODES)
async def black_list_get(call: Call, req: BlackListGet) -> dict:
    reply = await blocklist.get(
        call.rt, call.app, _me(req.From_Account), start_index=req.StartIndex, max_limited=req.MaxLimited
    )
    reply["ErrorDisplay"] = ""
    return reply


class BlackListCheck(msgspec.Struct):
    From_Account: str
    To_Account: list[str]
    CheckType: str


@endpoint(
    SERVICE,
    "black_list_check",
    request=BlackListCheck,
    summary="Verify users on a blocklist",
    seed="004:26639-26862",
    **CODES,
)
async def black_list_check(call: Call, req: BlackListCheck) -> dict:
    reply = await blocklist.check(call.rt, call.app, _me(req.From_Account), req.To_Account, req.CheckType)
    reply["ErrorDisplay"] = ""
    return reply
