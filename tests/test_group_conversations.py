"""Group conversations (Type 2) in recentcontact/get_list and recentcontact/delete (seed 004 lines
9068-9324, 9699-9860): merged with one-to-one conversations, hidden after a delete until a newer
message, pinned apart."""

from __future__ import annotations

from typing import Any

import pytest

from confab.domain.groups import conversations
from confab.store.tables.groups import groups
from tests.support import AppHandle, assert_error, assert_ok

LIST = "recentcontact/get_list"
DELETE = "recentcontact/delete"
IMPORT = "openim/importmsg"
G = "group_open_http_svc/"
CREATE = G + "create_group"
SEND = G + "send_group_msg"
MEMBER_INFO = G + "get_group_member_info"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]


def first_page(owner: str, flags: int = 7) -> dict:
    return {
        "From_Account": owner,
        "TimeStamp": 0,
        "StartIndex": 0,
        "TopTimeStamp": 0,
        "TopStartIndex": 0,
        "AssistFlags": flags,
    }


async def c2c_at(app: AppHandle, sender: str, receiver: str, ts: int) -> None:
    body = {"SyncFromOldSystem": 2, "From_Account": sender, "To_Account": receiver, "MsgRandom": 1}
    await app.ok(IMPORT, {**body, "MsgTimeStamp": ts, "MsgBody": TEXT})


async def group(app: AppHandle, gid: str | None, owner: str, *members: str, gtype: str = "Public") -> str:
    body: dict[str, Any] = {"Type": gtype, "Name": "g", "Owner_Account": owner}
    if members:
        body["MemberList"] = [{"Member_Account": m} for m in members]
    if gid is not None:
        body["GroupId"] = gid
    return str((await app.ok(CREATE, body))["GroupId"])


async def send(app: AppHandle, gid: str, sender: str | None = None, rnd: int = 1) -> dict:
    body: dict[str, Any] = {"GroupId": gid, "Random": rnd, "MsgBody": TEXT}
    if sender:
        body["From_Account"] = sender
    return await app.ok(SEND, body)


def set_msg_time(app: AppHandle, times: dict[str, int]) -> None:
    """Give groups a chosen MsgTime (sends are stamped now; the seed's samples are from 2021)."""
    rt = app.server.runtime

    async def update() -> None:
        async with rt.store.tx() as tx:
            for gid, ts in times.items():
                await tx.execute(
                    groups.update()
                    .where(groups.c.sdkappid == app.sdkappid, groups.c.group_id == gid)
                    .values(last_msg_time=ts)
                )

    app.server.run(update())


def pin(app: AppHandle, owner: str, gid: str, pinned: bool = True) -> None:
    async def go() -> None:
        rt = app.server.runtime
        await conversations.pin(rt, await rt.apps.get(app.sdkappid), owner, gid, pinned=pinned)

    app.server.run(go())


def pin_c2c(app: AppHandle, owner: str, peer: str) -> None:
    from confab.domain.c2c import conversations as c2c

    async def go() -> None:
        rt = app.server.runtime
        await c2c.pin(rt, await rt.apps.get(app.sdkappid), owner, peer, pinned=True)

    app.server.run(go())


@pytest.fixture
async def people(app: AppHandle) -> AppHandle:
    await app.import_accounts("id1", "id2", "id4", "other")
    return app


async def test_seed_sample_groups_and_one_to_one_merged(people: AppHandle) -> None:
    await c2c_at(people, "id2", "id1", 1630997627)
    await c2c_at(people, "id4", "id1", 1630997630)
    for gid in ("id3", "id5"):
        await group(people, gid, "other", "id1")
        await send(people, gid, "other")
    set_msg_time(people, {"id3": 1630997628, "id5": 1630997650})
    pin_c2c(people, "id1", "id2")
    pin(people, "id1", "id3")
    reply = await people.call(LIST, first_page("id1"))
    assert_ok(reply)
    # the seed's items; listed newest first within pinned and general (as for one-to-one ones)
    assert reply["SessionItem"] == [
        {"Type": 2, "GroupId": "id3", "MsgTime": 1630997628, "TopFlag": 1},
        {"Type": 1, "To_Account": "id2", "MsgTime": 1630997627, "TopFlag": 1},
        {"Type": 2, "GroupId": "id5", "MsgTime": 1630997650, "TopFlag": 0},
        {"Type": 1, "To_Account": "id4", "MsgTime": 1630997630, "TopFlag": 0},
    ]
    assert reply["CompleteFlag"] == 1 and reply["ErrorDisplay"] == ""
    plain = await people.ok(LIST, first_page("id1", flags=0))
    assert [s.get("GroupId") or s["To_Account"] for s in plain["SessionItem"]] == ["id5", "id4", "id3", "id2"]
    assert all(s["TopFlag"] == 0 for s in plain["SessionItem"])
    # unpinning puts it back among the general ones
    pin(people, "id1", "id3", pinned=False)
    again = await people.ok(LIST, first_page("id1"))
    assert [(s.get("GroupId") or s["To_Account"], s["TopFlag"]) for s in again["SessionItem"]] == [
        ("id2", 1),
        ("id5", 0),
        ("id4", 0),
        ("id3", 0),
    ]


async def test_seed_sample_delete_group_conversation_until_a_newer_message(people: AppHandle) -> None:
    gid = await group(people, "id2", "other", "id1")
    await send(people, gid, "other", rnd=1)
    await send(people, gid, "other", rnd=2)
    info = await people.ok(MEMBER_INFO, {"GroupId": gid})
    before = {m["Member_Account"]: m for m in info["MemberList"]}
    assert [s["GroupId"] for s in (await people.ok(LIST, first_page("id1")))["SessionItem"]] == ["id2"]
    reply = await people.call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": "id2", "ClearRamble": 1})
    assert reply == {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "", **_rid(reply)}
    assert (await people.ok(LIST, first_page("id1")))["SessionItem"] == []
    assert (await people.ok(LIST, first_page("other")))["SessionItem"][0]["GroupId"] == "id2"  # only id1's list
    info = await people.ok(MEMBER_INFO, {"GroupId": gid})
    after = {m["Member_Account"]: m for m in info["MemberList"]}
    assert after["id1"]["MsgSeq"] > before["id1"]["MsgSeq"]  # deleting reads it: nothing unread
    sent = await send(people, gid, "other", rnd=3)
    items = (await people.ok(LIST, first_page("id1")))["SessionItem"]
    assert items == [{"Type": 2, "GroupId": "id2", "MsgTime": sent["MsgTime"], "TopFlag": 0}]
    # deleted again without ClearRamble; pinning it lists it again
    await people.ok(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": "id2"})
    assert (await people.ok(LIST, first_page("id1")))["SessionItem"] == []
    pin(people, "id1", gid)
    assert (await people.ok(LIST, first_page("id1")))["SessionItem"][0]["TopFlag"] == 1


def _rid(reply: dict) -> dict:
    return {"RequestId": reply["RequestId"]} if "RequestId" in reply else {}


async def test_paging_merges_groups_and_one_to_one_at_shared_seconds(people: AppHandle) -> None:
    people.set(rate_limits={"*": 0})
    peers = [f"p{n:03d}" for n in range(130)]
    await people.import_accounts(*peers)
    for n, peer in enumerate(peers):
        await c2c_at(people, peer, "id1", 1_700_000_000 + n // 6)
    gids = [f"g{n:03d}" for n in range(90)]
    times: dict[str, int] = {}
    for n, gid in enumerate(gids):
        await group(people, gid, "other", "id1")
        await send(people, gid, "other")
        times[gid] = 1_700_000_000 + n // 4
    set_msg_time(people, times)
    seen: list[tuple[str, int]] = []
    body = first_page("id1", flags=0)
    pages = 0
    while True:
        reply = await people.ok(LIST, body)
        pages += 1
        seen.extend((s.get("GroupId") or s["To_Account"], s["MsgTime"]) for s in reply["SessionItem"])
        if reply["CompleteFlag"] == 1:
            break
        body = {**body, "TimeStamp": reply["TimeStamp"], "StartIndex": reply["StartIndex"]}
    assert pages == 3
    names = [name for name, _ in seen]
    assert len(names) == len(set(names)) == 220
    assert [t for _, t in seen] == sorted((t for _, t in seen), reverse=True)


async def test_groups_without_messages_and_live_rooms(people: AppHandle) -> None:
    quiet = await group(people, None, "other", "id1")
    live = await group(people, None, "id1", gtype="AVChatRoom")
    await send(people, live, "id1")
    assert (await people.ok(LIST, first_page("id1", flags=1)))["SessionItem"] == []
    # bit 1: conversations without a message too (an AVChatRoom keeps none at all)
    items = (await people.ok(LIST, first_page("id1", flags=3)))["SessionItem"]
    assert items == [{"Type": 2, "GroupId": quiet, "MsgTime": 0, "TopFlag": 0}]
    # a member who leaves has no conversation with the group any more
    await people.ok(G + "delete_group_member", {"GroupId": quiet, "MemberToDel_Account": ["id1"]})
    assert (await people.ok(LIST, first_page("id1", flags=3)))["SessionItem"] == []


async def test_a_group_created_again_under_a_deleted_id_shows(people: AppHandle) -> None:
    gid = await group(people, "again", "other", "id1")
    await send(people, gid, "other", rnd=1)
    await send(people, gid, "other", rnd=2)
    await people.ok(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": gid})
    await people.ok(G + "destroy_group", {"GroupId": gid})
    await group(people, "again", "other", "id1")
    await send(people, gid, "other", rnd=3)
    set_msg_time(people, {gid: 2_000_000_000})  # a later second than the deletion
    assert [s["GroupId"] for s in (await people.ok(LIST, first_page("id1")))["SessionItem"]] == [gid]


async def test_group_conversation_error_codes(people: AppHandle) -> None:
    gid = await group(people, None, "other", "id1")
    live = await group(people, None, "id1", gtype="AVChatRoom")
    assert_error(await people.call(DELETE, {"From_Account": "ghost", "Type": 2, "ToGroupid": gid}), 50001)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 2}), 50002)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": ""}), 50002)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": "@TGS#2NOPE"}), 50002)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": "x" * 200}), 50002)
    assert_error(await people.call(DELETE, {"From_Account": "id2", "Type": 2, "ToGroupid": gid}), 50002)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": live}), 50002)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": 5}), 50002)
    assert_error(
        await people.call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": gid, "ClearRamble": 2}), 50002
    )
    assert_error(await people.client("id1").call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": gid}), 50003)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 2, "ToGroupid": "\x01" + gid}), 50002)
    assert_error(await people.call(DELETE, {"From_Account": "id1", "Type": 1, "To_Account": "\x01" + gid}), 50002)
    # a cursor at the 64-bit edge still reads the list
    await send(people, gid, "other")
    edge = await people.ok(LIST, {**first_page("id1"), "TimeStamp": (1 << 63) - 1})
    assert [s["GroupId"] for s in edge["SessionItem"]] == [gid]


async def test_apps_never_see_each_others_group_conversations(people: AppHandle, make_app) -> None:
    gid = await group(people, "shared", "other", "id1")
    await send(people, gid, "other")
    other = make_app()
    await other.import_accounts("id1")
    assert (await other.ok(LIST, first_page("id1")))["SessionItem"] == []


async def test_a_device_list_carries_seq_and_unread(people: AppHandle) -> None:
    gid = await group(people, None, "other", "id1")
    await send(people, gid, "other", rnd=1)
    last = await send(people, gid, "other", rnd=2)

    async def go() -> dict:
        from confab.domain.c2c import conversations as c2c

        rt = people.server.runtime
        app = await rt.apps.get(people.sdkappid)
        top = c2c.Cursor()
        return await c2c.get_list(rt, app, "id1", general=top, top=top, assist_flags=7, detail=True)

    item = people.server.run(go())["SessionItem"][0]
    assert item["MsgSeq"] == last["MsgSeq"] and item["UnreadMsgNum"] >= 2


async def test_a_device_pins_and_deletes_its_group_conversation(people: AppHandle) -> None:
    from tests.gateway import connect

    gid = await group(people, None, "other", "id1")
    await send(people, gid, "other", rnd=1)
    device = await connect(people, "id1")
    try:
        await device.request("pin_conversation", GroupId=gid)
        pinned = await people.ok(LIST, first_page("id1"))
        assert [i.get("GroupId") for i in pinned["SessionItem"] if i.get("TopFlag") == 1] == [gid]
        await device.request("delete_conversation", GroupId=gid)
        listed = await people.ok(LIST, first_page("id1"))
        assert gid not in [i.get("GroupId") for i in listed["SessionItem"]]
    finally:
        await device.close()
