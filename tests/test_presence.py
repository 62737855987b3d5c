"""Presence over REST and the gateway: query_online_status (seed 004 lines 22535-22851) and kick
(22400-22534), against real WebSocket connections."""

from __future__ import annotations

import asyncio
import time

import pytest

from confab import usersig
from confab.client import ChatClient, GatewayError
from confab.realtime import protocol
from tests.gateway import KICK, QUERY, chat, connect, query_until, sig, wait_closed
from tests.support import AppHandle, assert_error, assert_ok

__all__ = ["chat"]


async def test_online_status_seed_samples_and_codes(chat: AppHandle) -> None:
    await chat.import_accounts("id1", "id2", "id3")
    id2 = await connect(chat, "id2", "Web")
    id3 = await connect(chat, "id3", "iOS")
    await id3.request("background")
    try:
        reply = await chat.call(QUERY, {"To_Account": ["id1", "id2", "id3", "id4"]})
        assert_ok(reply)
        assert reply["QueryResult"] == [  # State as the seed's samples, Status as its field table
            {"To_Account": "id1", "State": "Offline", "Status": "Offline"},
            {"To_Account": "id2", "State": "Online", "Status": "Online"},
            {"To_Account": "id3", "State": "PushOnline", "Status": "PushOnline"},
        ]
        assert reply["ErrorList"] == [{"To_Account": "id4", "ErrorCode": 70107}]
        id1_web = await connect(chat, "id1", "Web")
        id1_phone = await connect(chat, "id1", "iOS")
        await id1_phone.close()  # a phone that drops off stays reachable by push
        detail = await query_until(
            chat, ["id1", "id2"], lambda r: len(r[0].get("Detail", [])) == 2 and "PushOnline" in str(r[0])
        )
        first = detail["QueryResult"][0]
        assert first["State"] == "Online"
        assert sorted(first["Detail"], key=lambda d: d["Platform"]) == [
            {"Platform": "Web", "Status": "Online"},
            {"Platform": "iPhone", "Status": "PushOnline"},
        ]
        await id1_web.request("logout")
        after = await query_until(chat, ["id1"], lambda r: r[0]["State"] != "Online")
        assert after["QueryResult"][0]["State"] == "PushOnline"
        assert_error(await chat.call(QUERY, {"To_Account": []}), 90001)
        assert_error(await chat.call(QUERY, b"{"), 90001)
        assert_error(await chat.call(QUERY, {"To_Account": [5]}), 90003)
        assert_error(await chat.call(QUERY, {"To_Account": [f"u{n}" for n in range(501)]}), 90011)
        assert_error(await chat.call(QUERY, {"To_Account": ["nobody"]}), 70107)
        assert_error(await chat.client("id2").call(QUERY, {"To_Account": ["id1"]}), 90009)
    finally:
        await id2.close()
        await id3.close()


async def test_kick_closes_connections_and_invalidates_old_sigs(chat: AppHandle) -> None:
    old_sig = sig(chat, "alice")
    alice = await ChatClient.connect(chat.server.base_url, chat.sdkappid, "alice", old_sig, platform="Web")
    assert_ok(await chat.call(KICK, {"UserID": "alice"}))
    closed = await wait_closed(alice)
    assert closed.code == protocol.CLOSE_KICKED
    with pytest.raises(GatewayError) as refused:
        await ChatClient.connect(chat.server.base_url, chat.sdkappid, "alice", old_sig)
    assert refused.value.code == 70001
    await asyncio.sleep(1.1)
    fresh = await connect(chat, "alice")  # a UserSig issued after the kick works
    await fresh.close()
    assert_error(await chat.call(KICK, {"UserID": "ghost"}), 70107)
    assert_error(await chat.call(KICK, {}), 70402)
    assert_error(await chat.call(KICK, {"UserID": 7}), 60015)
    assert_error(await chat.client("bob").call(KICK, {"UserID": "alice"}), 70403)


async def test_kick_accepts_the_older_identifier_field(chat: AppHandle) -> None:
    old_sig = sig(chat, "alice")
    assert_ok(await chat.call(KICK, {"Identifier": "alice"}))  # DECISIONS 21
    with pytest.raises(GatewayError) as refused:
        await ChatClient.connect(chat.server.base_url, chat.sdkappid, "alice", old_sig)
    assert refused.value.code == 70001
    assert_error(await chat.call(KICK, {"Identifier": "ghost"}), 70107)


async def test_a_kick_outlives_the_account(chat: AppHandle) -> None:
    old_sig = sig(chat, "alice")
    assert_ok(await chat.call(KICK, {"UserID": "alice"}))
    assert_ok(await chat.call("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "alice"}]}))
    await chat.import_accounts("alice")
    with pytest.raises(GatewayError) as refused:
        await ChatClient.connect(chat.server.base_url, chat.sdkappid, "alice", old_sig)
    assert refused.value.code == 70001
    later = usersig.generate(chat.sdkappid, chat.key, "alice", 3600, now=int(time.time()) + 1)
    fresh = await ChatClient.connect(chat.server.base_url, chat.sdkappid, "alice", later)
    await fresh.close()
