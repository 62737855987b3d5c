"""recentcontact/get_list and delete (seed 004 lines 9068-9324, 9699-9860), plus account deletion."""

from __future__ import annotations

import pytest

from tests.support import AppHandle, assert_error, assert_ok

LIST = "recentcontact/get_list"
DELETE = "recentcontact/delete"
IMPORT = "openim/importmsg"
SEND = "openim/sendmsg"
ROAM = "openim/admin_getroammsg"
UNREAD = "openim/get_c2c_unread_msg_num"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]


async def message_at(app: AppHandle, sender: str, receiver: str, ts: int, rnd: int = 1, realtime: bool = False) -> None:
    await app.ok(
        IMPORT,
        {
            "SyncFromOldSystem": 5 if realtime else 2,
            "From_Account": sender,
            "To_Account": receiver,
            "MsgRandom": rnd,
            "MsgTimeStamp": ts,
            "MsgBody": TEXT,
        },
    )


def first_page(owner: str, flags: int = 7) -> dict:
    return {
        "From_Account": owner,
        "TimeStamp": 0,
        "StartIndex": 0,
        "TopTimeStamp": 0,
        "TopStartIndex": 0,
        "AssistFlags": flags,
    }


@pytest.fixture
async def people(app: AppHandle) -> AppHandle:
    await app.import_accounts("id1", "id2", "id4", "id6")
    return app


async def test_seed_sample_list_newest_first_with_pinned_apart(people: AppHandle) -> None:
    await message_at(people, "id2", "id1", 1630997627)
    await message_at(people, "id4", "id1", 1630997630)
    await message_at(people, "id6", "id1", 1630997650)
    # pinning is a user operation (the gateway's); the domain call is the same
    from confab.domain.c2c import conversations

    async def pin() -> None:
        app = await people.server.runtime.apps.get(people.sdkappid)
        await conversations.pin(people.server.runtime, app, "id1", "id2", pinned=True)

    people.server.run(pin())
    reply = await people.call(LIST, first_page("id1"))
    assert_ok(reply)
    assert reply["SessionItem"] == [
        {"Type": 1, "To_Account": "id2", "MsgTime": 1630997627, "TopFlag": 1},
        {"Type": 1, "To_Account": "id6", "MsgTime": 1630997650, "TopFlag": 0},
        {"Type": 1, "To_Account": "id4", "MsgTime": 1630997630, "TopFlag": 0},
    ]
    assert reply["CompleteFlag"] == 1
    for field in ("TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex"):
        assert isinstance(reply[field], int)
    assert reply["ErrorDisplay"] == ""
    # without bit 0 the pinned one is listed by time like any other
    plain = await people.ok(LIST, first_page("id1", flags=0))
    assert [s["To_Account"] for s in plain["SessionItem"]] == ["id6", "id4", "id2"]
    assert all(s["TopFlag"] == 0 for s in plain["SessionItem"])


async def test_paging_250_conversations_with_shared_seconds(people: AppHandle) -> None:
    people.set(rate_limits={"*": 0})
    peers = [f"p{n:03d}" for n in range(250)]
    await people.import_accounts(*peers)
    for n, peer in enumerate(peers):
        await message_at(people, peer, "id1", 1_700_000_000 + n // 7)  # seven conversations per second
    seen: list[str] = []
    body = first_page("id1", flags=0)
    pages = 0
    while True:
        reply = await people.ok(LIST, body)
        pages += 1
        seen.extend(s["To_Account"] for s in reply["SessionItem"])
        if reply["CompleteFlag"] == 1:
            break
        body = {**body, "TimeStamp": reply["TimeStamp"], "StartIndex": reply["StartIndex"]}
    assert pages == 3
    assert len(seen) == len(set(seen)) == 250
    times = {peer: 1_700_000_000 + n // 7 for n, peer in enumerate(peers)}
    assert [times[p] for p in seen] == sorted((times[p] for p in seen), reverse=True)


async def test_delete_conversation_and_clear_ramble(people: AppHandle) -> None:
    await message_at(people, "id2", "id1", 1000, realtime=True)
    await message_at(people, "id4", "id1", 2000, realtime=True)
    assert_ok(await people.call(DELETE, {"From_Account": "id1", "Type": 1, "To_Account": "id2", "ClearRamble": 1}))
    listed = await people.ok(LIST, first_page("id1"))
    assert [s["To_Account"] for s in listed["SessionItem"]] == ["id4"]
    assert (await people.ok(UNREAD, {"To_Account": "id1"}))["AllC2CUnreadMsgNum"] == 1
    roam = {"MaxCnt": 10, "MinTime": 0, "MaxTime": 5000}
    assert (await people.ok(ROAM, {"Operator_Account": "id1", "Peer_Account": "id2", **roam}))["MsgList"] == []
    assert (await people.ok(ROAM, {"Operator_Account": "id2", "Peer_Account": "id1", **roam}))["MsgCnt"] == 1
    # without ClearRamble the history stays; a new message brings the conversation back
    await people.ok(DELETE, {"From_Account": "id1", "Type": 1, "To_Account": "id4"})
    assert (await people.ok(ROAM, {"Operator_Account": "id1", "Peer_Account": "id4", **roam}))["MsgCnt"] == 1
    await message_at(people, "id2", "id1", 3000, rnd=2)
    listed = await people.ok(LIST, first_page("id1"))
    assert [s["To_Account"] for s in listed["SessionItem"]] == ["id2"]


async def test_conversation_error_codes(people: AppHandle) -> None:
    assert_error(await people.call(LIST, first_page("ghost")), 50001)
    assert_error(await people.call(LIST, {"TimeStamp": 0}), 50002)
    assert_error(await people.call(LIST, {**first_page("id1"), "StartIndex": -1}), 50002)
    assert_error(await people.call(LIST, b"{"), 50002)
    assert_error(await people.client("id1").call(LIST, first_page("id1")), 50003)
    assert_error(await people.call(DELETE, {"From_Account": "ghost", "Type": 1, "To_Account": "id2"}), 50001)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 1, "To_Account": "ghost"}), 50001)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 1}), 50002)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 3, "To_Account": "id2"}), 50002)
    assert_error(
        await people.call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": "id2", "ClearRamble": 1}), 50002
    )
    assert_error(
        await people.client("id1").call(DELETE, {"From_Account": "id1", "Type": 1, "To_Account": "id2"}), 50003
    )


async def test_deleting_an_account_removes_its_conversations_on_both_sides(people: AppHandle) -> None:
    await message_at(people, "id2", "id1", 1000, realtime=True)
    await message_at(people, "id1", "id2", 1001)
    await people.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "id2"}]})
    assert (await people.ok(LIST, first_page("id1")))["SessionItem"] == []
    assert (await people.ok(UNREAD, {"To_Account": "id1"}))["AllC2CUnreadMsgNum"] == 0
    await people.import_accounts("id2")
    roam = {"Operator_Account": "id2", "Peer_Account": "id1", "MaxCnt": 10, "MinTime": 0, "MaxTime": 5000}
    assert (await people.ok(ROAM, roam))["MsgList"] == []


async def test_apps_never_see_each_others_messages(people: AppHandle, make_app) -> None:
    other = make_app()
    await other.import_accounts("id1", "id2")
    await message_at(people, "id2", "id1", 1000, realtime=True)
    roam = {"Operator_Account": "id1", "Peer_Account": "id2", "MaxCnt": 10, "MinTime": 0, "MaxTime": 5000}
    assert (await other.ok(ROAM, roam))["MsgList"] == []
    assert (await other.ok(UNREAD, {"To_Account": "id1"}))["AllC2CUnreadMsgNum"] == 0
    assert (await other.ok(LIST, first_page("id1")))["SessionItem"] == []
