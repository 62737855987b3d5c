"""The real-time gateway over real WebSocket connections (issue 6): chat, sync, user operations, limits.
Presence and kick are in test_presence.py."""

from __future__ import annotations

import asyncio
import time

import pytest
import websockets

from confab import usersig
from confab.client import ChatClient, GatewayError
from confab.realtime import protocol
from tests.gateway import chat, connect, login_frame, raw, sig, wait_closed
from tests.support import AppHandle, assert_ok

__all__ = ["chat"]  # the fixture, shared with test_presence.py


async def test_two_users_chat_live_and_other_devices_get_copies(chat: AppHandle) -> None:
    alice_web = await connect(chat, "alice", "Web")
    alice_phone = await connect(chat, "alice", "iOS")
    bob = await connect(chat, "bob", "Android")
    try:
        sent = await alice_web.send_text("bob", "hello bob")
        got = await bob.next_event("c2c.msg")
        assert got.data["MsgKey"] == sent["MsgKey"] and got.data["From_Account"] == "alice"
        assert got.data["MsgBody"][0]["MsgContent"]["Text"] == "hello bob"
        copy = await alice_phone.next_event("c2c.msg")  # the sender's other device (multi-device sync)
        assert copy.data["MsgKey"] == sent["MsgKey"]
        own = await alice_web.next_event("c2c.msg")  # the sending device's feed has it too (dedupe by MsgKey)
        assert own.data["MsgKey"] == sent["MsgKey"]
        reply = await bob.send_text("alice", "hi alice")
        for device in (alice_web, alice_phone):
            assert (await device.next_event("c2c.msg")).data["MsgKey"] == reply["MsgKey"]
        history = await bob.history("alice")
        assert sorted(m["MsgKey"] for m in history["MsgList"]) == sorted([sent["MsgKey"], reply["MsgKey"]])
    finally:
        for client in (alice_web, alice_phone, bob):
            await client.close()


async def test_admin_sendmsg_reaches_the_socket_in_order(chat: AppHandle) -> None:
    chat.set(rate_limits={"*": 0})
    bob = await connect(chat, "bob")
    try:
        keys = []
        for n in range(50):
            reply = await chat.ok(
                "openim/sendmsg",
                {
                    "From_Account": "alice",
                    "To_Account": "bob",
                    "MsgRandom": n,
                    "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": str(n)}}],
                },
            )
            keys.append(reply["MsgKey"])
        got = [(await bob.next_event("c2c.msg")) for _ in keys]
        assert [e.data["MsgKey"] for e in got] == keys
        seqs = [e.feed_seq for e in got]
        assert seqs == list(range(seqs[0], seqs[0] + 50))
    finally:
        await bob.close()


async def test_reconnect_gets_everything_missed_once_in_order(chat: AppHandle) -> None:
    chat.set(rate_limits={"*": 0})
    bob = await connect(chat, "bob")
    alice = await connect(chat, "alice")
    sender = asyncio.ensure_future(_send_many(alice, "bob", 60))
    try:
        seen = [(await bob.next_event("c2c.msg")).data["MsgKey"] for _ in range(10)]
        cursor = bob.cursor
        # the server drops bob mid-stream (another login on the same platform replaces the session)
        intruder = await connect(chat, "bob", "Web")
        closed = await wait_closed(bob)
        assert closed.code == protocol.CLOSE_REPLACED
        await intruder.close()
        keys = await sender
        bob = await connect(chat, "bob", "Web", cursor=cursor)
        rest = []
        while len(seen) + len(rest) < len(keys):
            rest.append((await bob.next_event("c2c.msg")).data["MsgKey"])
        assert seen + rest == keys  # nothing lost, nothing twice, in order
        with pytest.raises(TimeoutError):
            await bob.next_event("c2c.msg", within=0.3)
    finally:
        sender.cancel()
        await alice.close()
        await bob.close()


async def _send_many(client: ChatClient, to: str, n: int) -> list[str]:
    keys = []
    for i in range(n):
        keys.append((await client.send_text(to, f"m{i}"))["MsgKey"])
    return keys


async def test_online_only_reaches_online_devices_and_is_not_replayed(chat: AppHandle) -> None:
    bob = await connect(chat, "bob")
    alice = await connect(chat, "alice")
    try:
        cursor = bob.cursor
        await alice.request(
            "send",
            To_Account="bob",
            OnlineOnlyFlag=1,
            MsgBody=[{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "typing"}}],
        )
        typing = await bob.next_event("c2c.msg")
        assert typing.feed_seq == 0 and typing.data["OnlineOnlyFlag"] == 1
        await bob.close()
        again = await connect(chat, "bob", cursor=cursor)
        with pytest.raises(TimeoutError):
            await again.next_event("c2c.msg", within=0.3)
        assert (await again.history("alice"))["MsgList"] == []
        await again.close()
    finally:
        await alice.close()


async def test_read_reports_reach_the_sender_and_drive_is_peer_read(chat: AppHandle) -> None:
    alice = await connect(chat, "alice")
    bob = await connect(chat, "bob")
    try:
        sent = await alice.send_text("bob", "read me")
        await bob.next_event("c2c.msg")
        assert (await bob.request("unread"))["AllC2CUnreadMsgNum"] == 1
        assert (await bob.mark_read("alice"))["UnreadMsgNum"] == 0
        report = await alice.next_event("c2c.read")
        assert report.data["Report_Account"] == "bob" and report.data["Peer_Account"] == "alice"
        history = await alice.history("bob")
        assert [(m["MsgKey"], m["IsPeerRead"]) for m in history["MsgList"]] == [(sent["MsgKey"], 1)]
    finally:
        await alice.close()
        await bob.close()


async def test_recall_rules_for_users(chat: AppHandle) -> None:
    alice = await connect(chat, "alice")
    bob = await connect(chat, "bob")
    try:
        sent = await alice.send_text("bob", "oops")
        await bob.next_event("c2c.msg")
        with pytest.raises(GatewayError) as not_mine:
            await bob.request("recall", Peer_Account="alice", MsgKey=sent["MsgKey"])
        assert not_mine.value.code == 20022
        await alice.recall("bob", sent["MsgKey"])
        recalled = await bob.next_event("c2c.recall")
        assert recalled.data["MsgKey"] == sent["MsgKey"] and recalled.data["Operator_Account"] == "alice"
        chat.set(c2c_recall_limit_seconds=0)
        late = await alice.send_text("bob", "too late")
        await asyncio.sleep(1.1)
        with pytest.raises(GatewayError) as too_late:
            await alice.recall("bob", late["MsgKey"])
        assert too_late.value.code == 20016
    finally:
        await alice.close()
        await bob.close()


async def test_user_sends_get_the_checks_admin_sends_skip(chat: AppHandle) -> None:
    alice = await connect(chat, "alice")
    try:
        await chat.ok("sns/black_list_add", {"From_Account": "bob", "To_Account": ["alice"]})
        with pytest.raises(GatewayError) as blocked:
            await alice.send_text("bob", "let me in")
        assert blocked.value.code == 20007
        assert_ok(
            await chat.call(
                "openim/sendmsg",
                {
                    "From_Account": "alice",
                    "To_Account": "bob",
                    "MsgRandom": 1,
                    "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "admin path"}}],
                },
            )
        )
        chat.set(c2c_check_friendship=True)
        with pytest.raises(GatewayError) as strangers:
            await alice.send_text("carol", "hello stranger")
        assert strangers.value.code == 20009
        await chat.ok(
            "sns/friend_add", {"From_Account": "alice", "AddFriendItem": [{"To_Account": "carol"}], "ForceAddFlags": 1}
        )
        await alice.send_text("carol", "hello friend")
        await chat.ok("openconfigsvr/setnospeaking", {"Set_Account": "alice", "C2CmsgNospeakingTime": 60})
        with pytest.raises(GatewayError) as muted:
            await alice.send_text("carol", "muted")
        assert muted.value.code == 20012
    finally:
        await alice.close()


async def test_friend_requests_and_blocklist_over_the_gateway(chat: AppHandle) -> None:
    alice = await connect(chat, "alice")
    bob = await connect(chat, "bob")
    try:
        asked = await alice.request("friend_add", To_Account="bob", AddWording="hi, it's alice")
        assert asked["ResultCode"] == 30539  # bob's AllowType is NeedConfirm by default
        request = await bob.next_event("sns.request")
        assert request.data["From_Account"] == "alice" and request.data["AddWording"] == "hi, it's alice"
        assert [r["From_Account"] for r in (await bob.request("friend_requests"))["Incoming"]] == ["alice"]
        await bob.request("friend_accept", From_Account="alice")
        assert (await alice.next_event("sns.friend_add")).data["Friends"][0]["To_Account"] == "bob"
        assert (await alice.next_event("sns.request_done")).data["Accepted"] == 1
        friends = await alice.request("friends")
        assert [f["To_Account"] for f in friends["UserDataItem"]] == ["bob"]
        await bob.request("black_add", To_Account=["alice"])
        assert (await alice.next_event("sns.friend_delete")).data["To_Account"] == ["bob"]
        assert [i["To_Account"] for i in (await bob.request("blacklist"))["BlackListItem"]] == ["alice"]
        await bob.request("black_delete", To_Account=["alice"])
        await chat.ok(
            "profile/portrait_set",
            {
                "From_Account": "carol",
                "ProfileItem": [{"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_NeedConfirm"}],
            },
        )
        await alice.request("friend_add", To_Account="carol")
        carol = await connect(chat, "carol")
        await carol.request("friend_refuse", From_Account="alice")
        assert (await alice.next_event("sns.request_done")).data["Accepted"] == 0
        await carol.close()
    finally:
        await alice.close()
        await bob.close()


async def test_every_other_operation(chat: AppHandle) -> None:
    alice = await connect(chat, "alice")
    try:
        await alice.request("set_profile", ProfileItem=[{"Tag": "Tag_Profile_IM_Nick", "Value": "Alice"}])
        profile = await alice.request("get_profile", To_Account=["alice", "ghost"], TagList=["Tag_Profile_IM_Nick"])
        assert profile["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "Alice"}]
        assert profile["UserProfileItem"][1]["ResultCode"] == 40003
        with pytest.raises(GatewayError) as admin_only:
            await alice.request(
                "set_profile", ProfileItem=[{"Tag": "Tag_Profile_IM_AdminForbidType", "Value": "AdminForbid_Type_None"}]
            )
        assert admin_only.value.code == 40008
        one = await alice.send_text("bob", "one")
        await alice.send_text("carol", "two")
        convs = await alice.conversations()
        assert {s["To_Account"] for s in convs["SessionItem"]} == {"bob", "carol"}
        await alice.request("pin_conversation", Peer_Account="carol")
        pinned = await alice.conversations()
        assert pinned["SessionItem"][0] == {
            "Type": 1,
            "To_Account": "carol",
            "MsgTime": pinned["SessionItem"][0]["MsgTime"],
            "TopFlag": 1,
        }
        deleted = await alice.request("delete_messages", Peer_Account="bob", MsgKeyList=[one["MsgKey"]])
        assert deleted["MsgKeyList"] == [one["MsgKey"]]
        assert (await alice.history("bob"))["MsgList"] == []
        await alice.request("delete_conversation", Peer_Account="carol", ClearRamble=1)
        assert [s["To_Account"] for s in (await alice.conversations())["SessionItem"]] == ["bob"]
        with pytest.raises(GatewayError) as bad:
            await alice.request("send", To_Account="bob", MsgBody="not an array")
        assert bad.value.code == 90007
        with pytest.raises(GatewayError) as wrong_type:
            await alice.request("history", Peer_Account=5)
        assert wrong_type.value.code == protocol.CODE_BAD_DATA
        with pytest.raises(GatewayError) as unknown:
            await alice.request("teleport")
        assert unknown.value.code == protocol.CODE_UNKNOWN_OP
    finally:
        await alice.close()


async def test_login_failures(chat: AppHandle) -> None:
    expired = usersig.generate(chat.sdkappid, chat.key, "alice", 1, now=int(time.time()) - 100)
    cases = [
        ({"SDKAppID": chat.sdkappid, "Identifier": "alice", "UserSig": expired}, 70001),
        ({"SDKAppID": chat.sdkappid, "Identifier": "alice", "UserSig": sig(chat, "bob")}, 70013),
        ({"SDKAppID": chat.sdkappid, "Identifier": "alice", "UserSig": "garbage"}, 70003),
        ({"SDKAppID": chat.sdkappid, "Identifier": "ghost", "UserSig": sig(chat, "ghost")}, 70107),
        ({"SDKAppID": 1, "Identifier": "alice", "UserSig": sig(chat, "alice")}, 60006),
        (
            {"SDKAppID": chat.sdkappid, "Identifier": "alice", "UserSig": sig(chat, "alice"), "Platform": "Fridge"},
            protocol.CODE_BAD_DATA,
        ),
    ]
    for data, code in cases:
        with pytest.raises(GatewayError) as failed:
            await ChatClient.connect(
                chat.server.base_url,
                data["SDKAppID"],
                data["Identifier"],
                data["UserSig"],
                platform=data.get("Platform", "Web"),
            )
        assert failed.value.code == code, data
    ws = await raw(chat)
    await ws.send("not json at all")
    import json

    assert json.loads(await ws.recv())["code"] == protocol.CODE_BAD_FRAME
    await ws.wait_closed()
    assert ws.close_code == protocol.CLOSE_LOGIN_FAILED


async def test_a_sig_that_expires_ends_the_session(chat: AppHandle) -> None:
    short = usersig.generate(chat.sdkappid, chat.key, "alice", 2)
    alice = await ChatClient.connect(chat.server.base_url, chat.sdkappid, "alice", short)
    closed = await wait_closed(alice, within=6)
    assert closed.code == protocol.CLOSE_SIG_EXPIRED


async def test_idle_connections_are_closed(chat: AppHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protocol, "IDLE_TIMEOUT", 1.0)
    alice = await connect(chat, "alice", heartbeat=3600)
    closed = await wait_closed(alice, within=5)
    assert closed.code == protocol.CLOSE_IDLE


async def test_a_flood_of_malformed_frames_does_not_take_the_server_down(chat: AppHandle) -> None:
    ws = await raw(chat)
    await ws.send(await login_frame(chat, "alice"))
    await ws.recv()
    # (a frame over the size limit is the transport's: closed with 1009, see test_transport.py)
    garbage = [
        "{",
        "[]",
        '{"seq": "x"}',
        '{"seq": 1}',
        "\x00" * 100,
        '{"seq": 2, "op": "send", "data": {"To_Account": 5}}',
    ]
    try:
        for n in range(2000):
            await ws.send(garbage[n % len(garbage)])
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    assert ws.close_code == protocol.CLOSE_BAD_FRAMES
    bob = await connect(chat, "bob")  # everyone else is fine
    alice = await connect(chat, "alice")
    await alice.send_text("bob", "still here")
    assert (await bob.next_event("c2c.msg")).data["MsgBody"][0]["MsgContent"]["Text"] == "still here"
    await alice.close()
    await bob.close()


async def test_deleting_an_account_closes_its_connections(chat: AppHandle) -> None:
    carol = await connect(chat, "carol")
    await chat.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "carol"}]})
    closed = await wait_closed(carol)
    assert closed.code == protocol.CLOSE_KICKED


async def test_deleting_messages_for_oneself_and_explicit_sync(chat: AppHandle) -> None:
    alice = await connect(chat, "alice")
    bob = await connect(chat, "bob")
    try:
        keys = [(await alice.send_text("bob", f"m{n}"))["MsgKey"] for n in range(3)]
        for _ in keys:
            await bob.next_event("c2c.msg")
        assert (await bob.request("unread"))["AllC2CUnreadMsgNum"] == 3
        deleted = await bob.request("delete_messages", Peer_Account="alice", MsgKeyList=[*keys[:2], "1_2_3", "junk"])
        assert sorted(deleted["MsgKeyList"]) == sorted(keys[:2])
        assert (await bob.next_event("c2c.msg_delete")).data["MsgKeyList"] == deleted["MsgKeyList"]
        assert (await bob.request("unread"))["AllC2CUnreadMsgNum"] == 1  # deleted unread ones leave the count
        assert [m["MsgKey"] for m in (await bob.history("alice"))["MsgList"]] == [keys[2]]
        assert len((await alice.history("bob"))["MsgList"]) == 3  # the other side keeps them
        # `sync` from an older cursor replays what followed it, in order
        replay_from = bob.cursor - 2
        await bob.request("sync", Cursor=replay_from)
        replayed = [await bob.next_event() for _ in range(2)]
        assert [e.feed_seq for e in replayed] == [replay_from + 1, replay_from + 2]
        with pytest.raises(GatewayError) as bad:
            await bob.request("sync", Cursor=-1)
        assert bad.value.code == protocol.CODE_BAD_DATA
    finally:
        await alice.close()
        await bob.close()


async def test_msg_life_time_bounds_offline_delivery(chat: AppHandle) -> None:
    def body(text: str, rnd: int, **extra) -> dict:
        return {
            "From_Account": "alice",
            "To_Account": "bob",
            "MsgRandom": rnd,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}],
            **extra,
        }

    bob = await connect(chat, "bob")
    cursor = bob.cursor
    # MsgLifeTime 1: online devices only, never stored (seed 1288)
    await chat.ok("openim/sendmsg", body("now or never", 1, MsgLifeTime=1))
    live = await bob.next_event("c2c.msg")
    assert live.feed_seq == 0 and live.data["OnlineOnlyFlag"] == 1
    await bob.close()
    await chat.ok("openim/sendmsg", body("short-lived", 2, MsgLifeTime=2))
    kept = await chat.ok("openim/sendmsg", body("kept", 3, MsgLifeTime=3600))
    await asyncio.sleep(3.1)
    bob = await connect(chat, "bob", cursor=cursor)
    try:
        first = await bob.next_event("c2c.msg")
        assert first.data["MsgKey"] == kept["MsgKey"]  # the short-lived one's offline time is over
        with pytest.raises(TimeoutError):
            await bob.next_event("c2c.msg", within=0.3)
        texts = sorted(m["MsgBody"][0]["MsgContent"]["Text"] for m in (await bob.history("alice"))["MsgList"])
        assert texts == ["kept", "short-lived"]  # history keeps both
    finally:
        await bob.close()


async def test_a_cursor_older_than_retention_is_told_about_the_gap(chat: AppHandle) -> None:
    bob = await connect(chat, "bob")
    cursor = bob.cursor
    await bob.close()
    alice = await connect(chat, "alice")
    for n in range(3):
        await alice.send_text("bob", f"old {n}")
    await alice.close()

    async def prune_everything() -> None:
        from confab.domain import feed

        async with chat.server.runtime.store.tx() as tx:
            await feed.prune(tx, older_than=int(time.time()) + 10)

    chat.server.run(prune_everything())
    bob = await connect(chat, "bob", cursor=cursor)
    try:
        gap = await bob.next_event("sync.gap")
        assert gap.data["Cursor"] == cursor and gap.data["OldestAvailable"] == cursor + 4
        assert gap.data["Latest"] == cursor + 3
        assert len((await bob.history("alice"))["MsgList"]) == 3  # history still has the messages
    finally:
        await bob.close()
