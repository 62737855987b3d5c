"""An async Python client for the real-time gateway (docs/client-protocol.md).

    async with await ChatClient.connect("ws://127.0.0.1:8080", sdkappid, "alice", usersig) as alice:
        await alice.send_text("bob", "hi")
        async for event in alice.events():
            print(event.kind, event.data)

Requests are answered by `request(op, **data)` (raising `GatewayError` on a non-zero code); pushes
arrive on `events()`. `cursor` is the newest feed seq received: pass it to `connect` after a
reconnect to get everything missed, once, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import msgspec
import websockets

_decode = msgspec.json.decode
_encode = msgspec.json.Encoder().encode


class GatewayError(Exception):
    def __init__(self, code: int, info: str) -> None:
        super().__init__(f"{code}: {info}")
        self.code = code
        self.info = info


class Closed(Exception):
    """The server closed the connection; `code` is the close code (docs/client-protocol.md)."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"connection closed ({code}): {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Event:
    kind: str
    feed_seq: int
    data: Any


class ChatClient:
    def __init__(self, ws: Any, heartbeat: float) -> None:
        self.ws = ws
        self.cursor = 0
        self.login_info: dict[str, Any] = {}
        self._seq = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._events: asyncio.Queue[Event | Closed] = asyncio.Queue()
        self._closed: Closed | None = None
        self._heartbeat = heartbeat
        self._reader: asyncio.Task | None = None
        self._pinger: asyncio.Task | None = None

    @classmethod
    async def connect(
        cls,
        url: str,
        sdkappid: int,
        identifier: str,
        usersig: str,
        *,
        platform: str = "Unknown",
        cursor: int | None = None,
        heartbeat: float = 30.0,
    ) -> ChatClient:
        """Open `url` (http(s):// or ws(s):// of the server, or the full /v4/ws address) and log in."""
        ws_url = url.replace("http://", "ws://", 1).replace("https://", "wss://", 1).rstrip("/")
        if not ws_url.endswith("/v4/ws"):
            ws_url += "/v4/ws"
        ws = await websockets.connect(ws_url, max_size=2**22)
        client = cls(ws, heartbeat)
        client._reader = asyncio.ensure_future(client._read())
        data = {"SDKAppID": sdkappid, "Identifier": identifier, "UserSig": usersig, "Platform": platform}
        if cursor is not None:
            data["Cursor"] = cursor
            client.cursor = cursor
        try:
            client.login_info = await client.request("login", **data)
        except BaseException:
            await client.close()
            raise
        client._pinger = asyncio.ensure_future(client._ping())
        return client

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def request(self, op: str, **data: Any) -> Any:
        """Send one request and wait for its reply's data."""
        if self._closed is not None:
            raise self._closed
        seq = next(self._seq)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiting[seq] = future
        await self.ws.send(_encode({"seq": seq, "op": op, "data": data}).decode())
        reply = await future
        if reply["code"] != 0:
            raise GatewayError(reply["code"], reply["info"])
        return reply["data"]

    async def events(self, idle: float | None = None) -> AsyncIterator[Event]:
        """Pushes as they come; ends when the connection closes (then `closed` says why).
        `idle`: give up (TimeoutError) after that many seconds without a push."""
        while True:
            item = await asyncio.wait_for(self._events.get(), idle)
            if isinstance(item, Closed):
                self._events.put_nowait(item)  # later calls end too
                return
            yield item

    async def next_event(self, kind: str | None = None, within: float = 5.0) -> Event:
        """The next push (of `kind`, skipping others) within `within` seconds; raises TimeoutError or Closed."""
        deadline = time.monotonic() + within
        while True:
            item = await asyncio.wait_for(self._events.get(), max(0.001, deadline - time.monotonic()))
            if isinstance(item, Closed):
                self._events.put_nowait(item)
                raise item
            if kind is None or item.kind == kind:
                return item

    @property
    def closed(self) -> Closed | None:
        return self._closed

    async def close(self) -> None:
        for task in (self._pinger, self._reader):
            if task is not None:
                task.cancel()
        with contextlib.suppress(Exception):
            await self.ws.close()

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = _decode(raw)
                if "push" in frame:
                    if frame["feed_seq"]:
                        self.cursor = frame["feed_seq"]
                    self._events.put_nowait(Event(frame["push"], frame["feed_seq"], frame["data"]))
                else:
                    future = self._waiting.pop(frame.get("seq"), None)
                    if future is not None and not future.done():
                        future.set_result(frame)
                    elif frame.get("code"):
                        self._events.put_nowait(Event("error", 0, frame))
        except websockets.ConnectionClosed:
            pass
        finally:
            close = self.ws.close_code if hasattr(self.ws, "close_code") else None
            self._closed = Closed(close, getattr(self.ws, "close_reason", "") or "")
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(self._closed)
            self._waiting.clear()
            self._events.put_nowait(self._closed)

    async def _ping(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(self._heartbeat)
                await self.request("ping")

    # -- conveniences over request() ----------------------------------------------------------------

    async def send_text(self, to: str, text: str, **options: Any) -> dict[str, Any]:
        body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
        return await self.request("send", To_Account=to, MsgBody=body, **options)

    async def history(self, peer: str, **options: Any) -> dict[str, Any]:
        return await self.request("history", Peer_Account=peer, **options)

    async def mark_read(self, peer: str) -> dict[str, Any]:
        return await self.request("read", Peer_Account=peer)

    async def recall(self, peer: str, msg_key: str) -> None:
        await self.request("recall", Peer_Account=peer, MsgKey=msg_key)

    async def conversations(self, **cursor: Any) -> dict[str, Any]:
        return await self.request("conversations", **cursor)

    # -- conversation groups and marks (docs/client-protocol.md, "Conversation groups and marks") ----
    # A conversation is {"Type": 1, "To_Account": user} or {"Type": 2, "ToGroupId": group}.

    async def create_conversation_group(self, name: str, conversations: list[dict[str, Any]]) -> dict[str, Any]:
        """A new conversation group holding these conversations: `GroupItem` {GroupName, GroupId} and a
        `ResultItem` per conversation (ResultCode 0, 50001 no such account, 51007 no such group)."""
        return await self.request("create_conversation_group", GroupName=name, ContactItem=conversations)

    async def rename_conversation_group(self, old_name: str, new_name: str) -> dict[str, Any]:
        return await self.request(
            "update_conversation_group", UpdateGroupType=1, OldGroupName=old_name, NewGroupName=new_name
        )

    async def update_conversation_group(
        self,
        name: str,
        add: list[dict[str, Any]] | None = None,
        remove: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Add conversations to the group and remove others; the reply is update_contact_group's
        `UpdateGroupResult` (a `ContactResultItem` per conversation)."""
        items = [{"ContactOptType": 1, "ContactItem": c} for c in add or ()]
        items += [{"ContactOptType": 2, "ContactItem": c} for c in remove or ()]
        return await self.request(
            "update_conversation_group", UpdateGroupType=2, OldGroupName=name, ContactUpdateItem=items
        )

    async def delete_conversation_group(self, name: str) -> dict[str, Any]:
        return await self.request("delete_conversation_group", GroupName=name)

    async def mark_conversation(
        self,
        conversation: dict[str, Any],
        set_bits: list[int] | None = None,
        clear_bits: list[int] | None = None,
        custom: str | None = None,
    ) -> dict[str, Any]:
        """Set/clear standard mark bits (1-64: 1 favourite, 2 unread, 3 collapsed, 4 hidden) and/or set
        the custom mark; the reply's `ResultItem` has the ResultCode."""
        opt = (1 if set_bits or clear_bits or custom is None else 0) | (2 if custom is not None else 0)
        item: dict[str, Any] = {"OptType": opt, "ContactItem": conversation}
        if set_bits:
            item["SetMark"] = set_bits
        if clear_bits:
            item["ClearMark"] = clear_bits
        if custom is not None:
            item["CustomMark"] = custom
        (result,) = (await self.request("mark_conversations", MarkItem=[item]))["ResultItem"]
        return result

    async def conversation_groups(self, start_index: int = 0) -> dict[str, Any]:
        """One page of this user's conversation groups and marks, as get_contact_group."""
        return await self.request("conversation_groups", StartIndex=start_index)

    async def search_conversation_groups(self, conversations: list[dict[str, Any]]) -> dict[str, Any]:
        return await self.request("search_conversation_groups", ContactItem=conversations)

    # -- group messages (docs/client-protocol.md, "Group messages") ----------------------------------

    async def send_group_msg(self, group_id: str, body: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        """Send to a group; the reply has MsgSeq and MsgTime (and MsgDropReason when it was dropped)."""
        return await self.request("send_group_msg", GroupId=group_id, MsgBody=body, **options)

    async def send_group_text(self, group_id: str, text: str, **options: Any) -> dict[str, Any]:
        body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
        return await self.send_group_msg(group_id, body, **options)

    async def read_group(self, group_id: str, msg_seq: int = 0) -> dict[str, Any]:
        """Mark the group read up to `msg_seq` (0: all); the reply has MsgSeq (last read) and UnreadMsgNum."""
        return await self.request("read_group", GroupId=group_id, MsgSeq=msg_seq)

    async def group_receipt(self, group_id: str, msg_seqs: list[int]) -> list[dict[str, Any]]:
        """Report having read messages that asked for receipts; per seq its Code (0 recorded, 10062 no
        receipt to send, 10007 one's own or from before joining): `[{"MsgSeq", "Code"}]`."""
        return (await self.request("group_receipt", GroupId=group_id, MsgSeqList=msg_seqs))["ResultList"]

    async def group_history(
        self, group_id: str, number: int = 20, seq: int | None = None, with_recalled: bool = False
    ) -> dict[str, Any]:
        """A page of the group's history, newest first from `seq` (None: the newest): `RspMsgList`."""
        data: dict[str, Any] = {"GroupId": group_id, "ReqMsgNumber": number, "WithRecalledMsg": int(with_recalled)}
        if seq is not None:
            data["ReqMsgSeq"] = seq
        return await self.request("group_history", **data)

    async def recall_group_msg(self, group_id: str, msg_seq: int) -> dict[str, Any]:
        """Recall one's own group message (or, as owner/admin, a lower member's)."""
        return await self.request("recall_group_msg", GroupId=group_id, MsgSeq=msg_seq)

    async def get_group_msg_ext(self, group_id: str, msg_seq: int, start_seq: int = 0) -> dict[str, Any]:
        """The key-values of a group message sent with SupportMessageExtension 1 (Seq >= `start_seq`):
        `ExtensionList`, `LatestSeq`, `ClearSeq`, `CompleteFlag`."""
        return await self.request("get_group_msg_ext", GroupId=group_id, MsgSeq=msg_seq, StartSeq=start_seq)

    async def set_group_msg_ext(
        self, group_id: str, msg_seq: int, operate_type: int, extensions: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Set (1), delete (2) or clear (3) a group message's key-values; each item is {Key, Value, Seq}
        with the Seq last seen for that key (0 for a new one). The reply's `ExtensionList` has a per-key
        `ErrorCode` (23001: someone changed the key first; its current value is returned)."""
        data: dict[str, Any] = {"GroupId": group_id, "MsgSeq": msg_seq, "OperateType": operate_type}
        if extensions is not None:
            data["ExtensionList"] = extensions
        return await self.request("set_group_msg_ext", **data)

    # -- topics of a community (docs/client-protocol.md, "Topics") -----------------------------------

    async def topics(self, group_id: str, topic_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """The community's topics (or those named), oldest first: `[{ErrorCode, ErrorInfo, TopicInfo,
        SelfInfo}]`, SelfInfo with this user's MsgSeq (last read) and UnreadMsgNum in the topic."""
        data: dict[str, Any] = {"GroupId": group_id}
        if topic_ids is not None:
            data["TopicIdList"] = topic_ids
        return (await self.request("topics", **data))["TopicAndSelfInfo"]

    async def send_topic_msg(
        self, group_id: str, topic_id: str, body: list[dict[str, Any]], **options: Any
    ) -> dict[str, Any]:
        """Send to a topic; the reply has the topic's MsgSeq and MsgTime (and MsgDropReason when dropped)."""
        return await self.request("send_topic_msg", GroupId=group_id, TopicId=topic_id, MsgBody=body, **options)

    async def send_topic_text(self, group_id: str, topic_id: str, text: str, **options: Any) -> dict[str, Any]:
        body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
        return await self.send_topic_msg(group_id, topic_id, body, **options)

    async def topic_history(
        self, group_id: str, topic_id: str, number: int = 20, seq: int | None = None, with_recalled: bool = False
    ) -> dict[str, Any]:
        """A page of the topic's history, newest first from `seq` (None: the newest): `RspMsgList`."""
        data: dict[str, Any] = {
            "GroupId": group_id,
            "TopicId": topic_id,
            "ReqMsgNumber": number,
            "WithRecalledMsg": int(with_recalled),
        }
        if seq is not None:
            data["ReqMsgSeq"] = seq
        return await self.request("topic_history", **data)

    async def recall_topic_msg(self, group_id: str, topic_id: str, msg_seq: int) -> dict[str, Any]:
        return await self.request("recall_topic_msg", GroupId=group_id, TopicId=topic_id, MsgSeq=msg_seq)

    async def read_topic(self, group_id: str, topic_id: str, msg_seq: int = 0) -> dict[str, Any]:
        """Mark the topic read up to `msg_seq` (0: all); the reply has MsgSeq (last read) and UnreadMsgNum."""
        return await self.request("read_topic", GroupId=group_id, TopicId=topic_id, MsgSeq=msg_seq)

    # -- groups (docs/client-protocol.md, "Groups") ---------------------------------------------------

    async def create_group(self, group_type: str, name: str, **options: Any) -> dict[str, Any]:
        """Create a group owned by this user; `options` as the op's data (MemberList, Introduction ...)."""
        return await self.request("create_group", Type=group_type, Name=name, **options)

    async def destroy_group(self, group_id: str) -> None:
        await self.request("destroy_group", GroupId=group_id)

    async def edit_group(self, group_id: str, **changes: Any) -> dict[str, Any]:
        return await self.request("edit_group", GroupId=group_id, **changes)

    async def apply_join(self, group_id: str, message: str = "") -> int:
        """Ask to join: 1 when in, 3 when an owner or admin must approve."""
        return (await self.request("apply_join", GroupId=group_id, ApplyMsg=message))["Result"]

    async def join_requests(self) -> list[dict[str, Any]]:
        """Requests waiting in the groups this user owns or administers."""
        return (await self.request("join_requests"))["RequestList"]

    async def accept_join(self, group_id: str, user: str) -> None:
        await self.request("accept_join", GroupId=group_id, Member_Account=user)

    async def refuse_join(self, group_id: str, user: str) -> None:
        await self.request("refuse_join", GroupId=group_id, Member_Account=user)

    async def quit_group(self, group_id: str) -> None:
        await self.request("quit", GroupId=group_id)

    async def online_member_num(self, group_id: str) -> int:
        """How many are online in a live group (watchers and robots) or a Community (connected members)."""
        return (await self.request("group_online_count", GroupId=group_id))["OnlineMemberNum"]

    async def online_members(self, group_id: str, timestamp: int = 0, mark: int | None = None) -> dict[str, Any]:
        """A page of the online list, newest first: {"MemberList", "NextTimestamp"} (0 at the end)."""
        options: dict[str, Any] = {"Timestamp": timestamp} | ({"Mark": mark} if mark is not None else {})
        return await self.request("group_online_members", GroupId=group_id, **options)

    async def invite(self, group_id: str, users: list[str]) -> list[dict[str, Any]]:
        """Add users; each item's Result: 0 failed, 1 added, 2 already a member, 3 waiting for approval."""
        return (await self.request("invite", GroupId=group_id, MemberList=users))["MemberList"]

    async def kick(self, group_id: str, users: list[str], reason: str = "") -> None:
        await self.request("kick", GroupId=group_id, MemberList=users, Reason=reason)

    async def set_role(self, group_id: str, user: str, role: str) -> None:
        """`role` "Admin" or "Member" (the owner's call)."""
        await self.request("set_role", GroupId=group_id, Member_Account=user, Role=role)

    async def mute(self, group_id: str, users: list[str], seconds: int) -> None:
        """Mute for `seconds` (0 unmutes, 4294967295 for ever)."""
        await self.request("mute", GroupId=group_id, Members_Account=users, MuteTime=seconds)

    async def set_member_info(self, group_id: str, **changes: Any) -> None:
        """This user's own NameCard, MsgFlag, AppMemberDefinedData in the group."""
        await self.request("set_member_info", GroupId=group_id, **changes)

    async def my_groups(self, **options: Any) -> dict[str, Any]:
        return await self.request("my_groups", **options)

    async def group_info(self, group_ids: list[str], **filters: Any) -> list[dict[str, Any]]:
        return (await self.request("group_info", GroupIdList=group_ids, **filters))["GroupInfo"]

    async def group_members(self, group_id: str, **options: Any) -> dict[str, Any]:
        return await self.request("group_members", GroupId=group_id, **options)

    async def group_tips(self, group_id: str, after_seq: int = 0, limit: int = 20) -> dict[str, Any]:
        return await self.request("group_tips", GroupId=group_id, AfterSeq=after_seq, Limit=limit)

    async def catch_up_group(self, group_id: str, after_seq: int) -> list[dict[str, Any]]:
        """Every stored tip of the group after `after_seq` (the last MsgSeq this device saw), page by page."""
        tips: list[dict[str, Any]] = []
        while True:
            page = await self.group_tips(group_id, after_seq, limit=100)
            tips += page["TipList"]
            if page["Complete"] or not page["TipList"]:
                return tips
            after_seq = page["TipList"][-1]["MsgSeq"]
