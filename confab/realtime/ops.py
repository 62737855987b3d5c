"""User operations over the gateway: each maps onto the same domain call the REST API makes, with
the user as the actor and the checks the admin REST path skips (blocklist, friendship, global mute,
the recall window, profile write permissions)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from confab.decoding import Int64, require_bounded_ints
from confab.domain import profiles
from confab.domain.apps import App
from confab.domain.c2c import conversations, edits, history, reads, sending
from confab.domain.groups import conversations as group_conversations
from confab.domain.sns import blocklist, friends, requests
from confab.errors import ApiError


@dataclass
class Actor:
    rt: Any
    app: App
    user: str


Op = Callable[[Actor, Any], Awaitable[Any]]
OPS: dict[str, tuple[type[msgspec.Struct], Op]] = {}


def op(name: str, model: type[msgspec.Struct]) -> Callable[[Op], Op]:
    require_bounded_ints(model, f"gateway op {name}")

    def register(fn: Op) -> Op:
        OPS[name] = (model, fn)
        return fn

    return register


class Empty(msgspec.Struct):
    pass


class Send(msgspec.Struct):
    To_Account: str
    MsgBody: Any
    MsgRandom: Int64 | None = None
    MsgSeq: Int64 | None = None
    CloudCustomData: str | None = None
    OfflinePushInfo: Any = None
    OnlineOnlyFlag: Int64 = 0
    SupportMessageExtension: Int64 = 0
    IsNeedReadReceipt: Int64 = 0


@op("send", Send)
async def send(actor: Actor, req: Send) -> dict:
    msg_random = req.MsgRandom if req.MsgRandom is not None else secrets.randbits(32)
    out = sending.compose(
        req.MsgBody,
        cloud_data=req.CloudCustomData,
        push_info=req.OfflinePushInfo,
        msg_seq=req.MsgSeq,
        msg_random=msg_random,
        sync_other_machine=1,  # the sender's other devices get their own copy
        online_only_flag=req.OnlineOnlyFlag,
        support_extension=req.SupportMessageExtension == 1,
        need_receipt=req.IsNeedReadReceipt == 1,
    )
    sent = await sending.send(actor.rt, actor.app, actor.user, [req.To_Account], out, by_admin=False, source="user")
    return {"MsgTime": sent.msg_time, "MsgKey": sent.msg_key, "MsgSeq": sent.msg_seq, "MsgRandom": msg_random}


class History(msgspec.Struct):
    Peer_Account: str
    MaxCnt: Int64 = 20
    MinTime: Int64 = 0
    MaxTime: Int64 = 0xFFFFFFFF
    LastMsgKey: str | None = None


@op("history", History)
async def pull_history(actor: Actor, req: History) -> dict:
    return await history.roam(
        actor.rt,
        actor.app,
        actor.user,
        req.Peer_Account,
        max_cnt=req.MaxCnt,
        min_time=req.MinTime,
        max_time=req.MaxTime,
        last_msg_key=req.LastMsgKey,
    )


class Read(msgspec.Struct):
    Peer_Account: str
    MsgReadTime: Int64 | None = None


@op("read", Read)
async def mark_read(actor: Actor, req: Read) -> dict:
    unread = await reads.set_read(actor.rt, actor.app, actor.user, req.Peer_Account, req.MsgReadTime)
    return {"UnreadMsgNum": unread}


class Unread(msgspec.Struct):
    Peer_Account: list[str] | None = None


@op("unread", Unread)
async def unread(actor: Actor, req: Unread) -> dict:
    return await reads.unread_counts(actor.rt, actor.app, actor.user, req.Peer_Account)


class Recall(msgspec.Struct):
    Peer_Account: str
    MsgKey: str


@op("recall", Recall)
async def recall(actor: Actor, req: Recall) -> dict:
    await edits.recall(actor.rt, actor.app, actor.user, req.Peer_Account, req.MsgKey, operator=actor.user)
    return {}


class DeleteMessages(msgspec.Struct):
    Peer_Account: str
    MsgKeyList: list[str]


@op("delete_messages", DeleteMessages)
async def delete_messages(actor: Actor, req: DeleteMessages) -> dict:
    if not 1 <= len(req.MsgKeyList) <= 100:
        raise ApiError(90001, "MsgKeyList holds 1-100 keys")
    deleted = await edits.delete_for(actor.rt, actor.app, actor.user, req.Peer_Account, req.MsgKeyList)
    return {"MsgKeyList": deleted}


class Conversations(msgspec.Struct):
    TimeStamp: Int64 = 0
    StartIndex: Int64 = 0
    TopTimeStamp: Int64 = 0
    TopStartIndex: Int64 = 0
    AssistFlags: Int64 = 7


@op("conversations", Conversations)
async def list_conversations(actor: Actor, req: Conversations) -> dict:
    return await conversations.get_list(
        actor.rt,
        actor.app,
        actor.user,
        general=conversations.Cursor(req.TimeStamp, req.StartIndex),
        top=conversations.Cursor(req.TopTimeStamp, req.TopStartIndex),
        assist_flags=req.AssistFlags,
    )


class DeleteConversation(msgspec.Struct):
    Peer_Account: str | None = None  # a one-to-one conversation, or
    GroupId: str | None = None  # a group conversation
    ClearRamble: Int64 = 0


def _one_conversation(peer: str | None, group_id: str | None) -> None:
    if (peer is None) == (group_id is None):
        raise ApiError(50002, "name one conversation: Peer_Account or GroupId")


@op("delete_conversation", DeleteConversation)
async def delete_conversation(actor: Actor, req: DeleteConversation) -> dict:
    _one_conversation(req.Peer_Account, req.GroupId)
    clear = req.ClearRamble == 1
    if req.GroupId is not None:
        await group_conversations.delete(actor.rt, actor.app, actor.user, req.GroupId, clear_history=clear)
    else:
        await conversations.delete(actor.rt, actor.app, actor.user, str(req.Peer_Account), clear_history=clear)
    return {}


class Pin(msgspec.Struct):
    Peer_Account: str | None = None
    GroupId: str | None = None
    Pinned: bool = True


@op("pin_conversation", Pin)
async def pin_conversation(actor: Actor, req: Pin) -> dict:
    _one_conversation(req.Peer_Account, req.GroupId)
    if req.GroupId is not None:
        await group_conversations.pin(actor.rt, actor.app, actor.user, req.GroupId, pinned=req.Pinned)
    else:
        await conversations.pin(actor.rt, actor.app, actor.user, str(req.Peer_Account), pinned=req.Pinned)
    return {}


class GetProfile(msgspec.Struct):
    To_Account: list[str]
    TagList: list[str]


@op("get_profile", GetProfile)
async def get_profile(actor: Actor, req: GetProfile) -> dict:
    items, _ = await profiles.get_profiles(actor.rt, actor.app, req.To_Account, req.TagList, by_admin=False)
    return {"UserProfileItem": items}


class ProfileItem(msgspec.Struct):
    Tag: Any
    Value: Any


class SetProfile(msgspec.Struct):
    ProfileItem: list[ProfileItem]


@op("set_profile", SetProfile)
async def set_profile(actor: Actor, req: SetProfile) -> dict:
    items = [(i.Tag, i.Value) for i in req.ProfileItem]
    await profiles.set_profile(actor.rt, actor.app, actor.user, items, by_admin=False)
    return {}


class FriendAdd(msgspec.Struct):
    To_Account: str
    Remark: str | None = None
    GroupName: str | None = None
    AddSource: str | None = None
    AddWording: str | None = None


@op("friend_add", FriendAdd)
async def friend_add(actor: Actor, req: FriendAdd) -> dict:
    item = friends.AddItem(req.To_Account, req.Remark, req.GroupName, req.AddSource, req.AddWording)
    (outcome,) = await friends.add_friends(actor.rt, actor.app, actor.user, [item], add_type=friends.ADD_BOTH)
    return outcome


@op("friend_requests", Empty)
async def friend_requests(actor: Actor, _: Empty) -> dict:
    return await requests.pending(actor.rt, actor.app, actor.user)


class Answer(msgspec.Struct):
    From_Account: str
    Remark: str = ""
    GroupName: str = ""


@op("friend_accept", Answer)
async def friend_accept(actor: Actor, req: Answer) -> dict:
    return await requests.accept(
        actor.rt, actor.app, actor.user, req.From_Account, remark=req.Remark, group=req.GroupName
    )


@op("friend_refuse", Answer)
async def friend_refuse(actor: Actor, req: Answer) -> dict:
    await requests.refuse(actor.rt, actor.app, actor.user, req.From_Account)
    return {}


class FriendDelete(msgspec.Struct):
    To_Account: list[str]
    DeleteType: str = friends.DELETE_BOTH


@op("friend_delete", FriendDelete)
async def friend_delete(actor: Actor, req: FriendDelete) -> dict:
    results = await friends.delete_friends(actor.rt, actor.app, actor.user, req.To_Account, req.DeleteType)
    return {"ResultItem": results}


class FriendGet(msgspec.Struct):
    StartIndex: Int64 = 0
    StandardSequence: Int64 = 0
    CustomSequence: Int64 = 0


@op("friends", FriendGet)
async def friend_get(actor: Actor, req: FriendGet) -> dict:
    return await friends.get_friends(
        actor.rt,
        actor.app,
        actor.user,
        start_index=req.StartIndex,
        standard_seq=req.StandardSequence,
        custom_seq=req.CustomSequence,
    )


class Accounts(msgspec.Struct):
    To_Account: list[str]


@op("black_add", Accounts)
async def black_add(actor: Actor, req: Accounts) -> dict:
    return await blocklist.add(actor.rt, actor.app, actor.user, req.To_Account)


@op("black_delete", Accounts)
async def black_delete(actor: Actor, req: Accounts) -> dict:
    return await blocklist.delete(actor.rt, actor.app, actor.user, req.To_Account)


class BlackGet(msgspec.Struct):
    StartIndex: Int64 = 0
    MaxLimited: Int64 = 100


@op("blacklist", BlackGet)
async def blacklist(actor: Actor, req: BlackGet) -> dict:
    return await blocklist.get(actor.rt, actor.app, actor.user, start_index=req.StartIndex, max_limited=req.MaxLimited)


# group operations live in their own module; importing it registers them (it imports `op` from here)
from confab.realtime import (  # noqa: E402, F401
    conversation_group_ops,
    group_ext_ops,
    group_live_ops,
    group_message_ops,
    group_ops,
    group_read_ops,
    group_receipt_ops,
    group_topic_ops,
)
