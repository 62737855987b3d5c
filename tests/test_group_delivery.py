"""Group deliveries besides send_group_msg (issue 13): import_group_msg (seed 004 lines 3058-3360),
send_group_system_notification (2363-2552), send_broadcast_msg (2553-2751)."""

from __future__ import annotations

import time

import pytest

from tests.gateway import connect
from tests.support import AppHandle, assert_error

G = "group_open_http_svc/"
IMPORT = G + "import_group_msg"
NOTIFY = G + "send_group_system_notification"
BROADCAST = G + "send_broadcast_msg"
HISTORY = G + "group_msg_get_simple"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "red packet"}}]
SEED_IMPORT = {
    "GroupId": "",
    "RecentContactFlag": 1,
    "MsgList": [
        {
            "From_Account": "leckie",
            "SendTime": 1620808101,
            "Random": 8912345,
            "MsgBody": [
                {"MsgType": "TIMTextElem", "MsgContent": {"Text": "red packet"}},
                {"MsgType": "TIMFaceElem", "MsgContent": {"Index": 6, "Data": "abc\\u0000\\u0001"}},
            ],
        },
        {
            "From_Account": "peter",
            "SendTime": 1620892821,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "red packet"}}],
        },
    ],
}


async def imported_group(app: AppHandle, gtype: str = "Public") -> str:
    await app.import_accounts("leckie", "peter", "bob")
    body = {"Type": gtype, "Name": "old", "Owner_Account": "leckie", "CreateTime": 1600000000}
    return str((await app.ok(G + "import_group", body))["GroupId"])


async def stored(app: AppHandle, gid: str) -> list[dict]:
    """The group's stream rows (kind msg), read from the store."""
    import sqlalchemy as sa

    from confab.store.tables.groups import group_messages as gm

    async def read() -> list[dict]:
        async with app.server.runtime.store.read() as conn:
            rows = await conn.execute(
                sa.select(gm.c.msg_seq, gm.c.msg_time, gm.c.sender, gm.c.body, gm.c.kind)
                .where(gm.c.sdkappid == app.sdkappid, gm.c.group_id == gid, gm.c.kind == "msg")
                .order_by(gm.c.msg_seq)
            )
            return [dict(r._mapping) for r in rows]

    return app.server.run(read())


# -- import_group_msg -----------------------------------------------------------------------------------


async def test_import_seed_sample_assigns_seqs_in_order_and_delivers_nothing(app: AppHandle) -> None:
    gid = await imported_group(app)
    await app.ok(G + "add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}]})
    bob = await connect(app, "bob")
    try:
        before = (await app.ok(G + "get_group_info", {"GroupIdList": [gid]}))["GroupInfo"][0]["NextMsgSeq"]
        reply = await app.ok(IMPORT, {**SEED_IMPORT, "GroupId": gid})
        assert reply["ImportMsgResult"] == [
            {"MsgSeq": before, "MsgTime": 1620808101, "Result": 0},
            {"MsgSeq": before + 1, "MsgTime": 1620892821, "Result": 0},
        ]
        with pytest.raises(TimeoutError):
            await bob.next_event("group.msg", within=0.5)  # imports notify nobody (seed 3063)
    finally:
        await bob.close()
    rows = await stored(app, gid)
    assert [(r["msg_seq"], r["msg_time"], r["sender"]) for r in rows] == [
        (before, 1620808101, "leckie"),
        (before + 1, 1620892821, "peter"),
    ]
    import json

    first = json.loads(rows[0]["body"])  # the same wire form as a sent message
    assert first["MsgBody"] == SEED_IMPORT["MsgList"][0]["MsgBody"] and first["Random"] == 8912345
    assert first["GroupId"] == gid and first["MsgSeq"] == before and first["From_Account"] == "leckie"
    info = (await app.ok(G + "get_group_info", {"GroupIdList": [gid]}))["GroupInfo"][0]
    assert info["NextMsgSeq"] == before + 2 and info["LastMsgTime"] == 1620892821
    # after an import every member's unread count is 0 (seed 3137-3138)
    joined = await app.ok(
        G + "get_joined_group_list",
        {"Member_Account": "bob", "ResponseFilter": {"SelfInfoFilter": ["UnreadMsgNum"]}},
    )
    assert joined["GroupIdList"][0]["SelfInfo"]["UnreadMsgNum"] == 0


async def test_import_per_message_results_time_and_size(app: AppHandle) -> None:
    gid = await imported_group(app)
    now = int(time.time())
    big = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 12300}}]
    msgs = [
        {"From_Account": "leckie", "SendTime": 1620000000, "MsgBody": TEXT},
        {"From_Account": "leckie", "SendTime": 1500000000, "MsgBody": TEXT},  # before the group existed
        {"From_Account": "peter", "SendTime": 1610000000, "MsgBody": TEXT},  # out of order: earlier than the first
        {"From_Account": "peter", "SendTime": now + 3600, "MsgBody": TEXT},  # in the future
        {"From_Account": "peter", "SendTime": 1620000001, "MsgBody": big},  # over 12 KB: 10020 (ruling 1)
        {"From_Account": "peter", "SendTime": 1620000002, "MsgBody": TEXT},
    ]
    results = (await app.ok(IMPORT, {"GroupId": gid, "MsgList": msgs}))["ImportMsgResult"]
    assert [r["Result"] for r in results] == [0, 10004, 10004, 10004, 10020, 0]
    assert results[5]["MsgSeq"] == results[0]["MsgSeq"] + 1  # failed ones take no seq
    # later imports may not go before the latest message
    again = await app.ok(
        IMPORT, {"GroupId": gid, "MsgList": [{"From_Account": "bob", "SendTime": 1620000001, "MsgBody": TEXT}]}
    )
    assert again["ImportMsgResult"][0]["Result"] == 10004
    assert len(await stored(app, gid)) == 2


async def test_import_repeated_random_is_discarded(app: AppHandle) -> None:
    gid = await imported_group(app)
    one = {"From_Account": "leckie", "SendTime": 1620000000, "Random": 7, "MsgBody": TEXT}
    two = {**one, "SendTime": 1620000100}
    far = {**one, "SendTime": 1620009999}
    results = (await app.ok(IMPORT, {"GroupId": gid, "MsgList": [one, two, far]}))["ImportMsgResult"]
    assert results[1] == results[0]  # within five minutes: discarded, answered with the first
    assert results[2]["MsgSeq"] == results[0]["MsgSeq"] + 1
    assert len(await stored(app, gid)) == 2


async def test_import_errors(app: AppHandle) -> None:
    gid = await imported_group(app)
    live = (await app.ok(G + "create_group", {"Type": "AVChatRoom", "Name": "live"}))["GroupId"]
    msg = {"From_Account": "leckie", "SendTime": 1620000000, "MsgBody": TEXT}
    assert_error(await app.call(IMPORT, {"GroupId": live, "MsgList": [msg]}), 10007)  # seed 3083-3085
    assert_error(await app.call(IMPORT, {"GroupId": "@TGS#2NOPE", "MsgList": [msg]}), 10010)
    assert_error(await app.call(IMPORT, {"GroupId": "bad\x7fid", "MsgList": [msg]}), 10015)
    assert_error(await app.call(IMPORT, {"GroupId": gid, "MsgList": [msg] * 8}), 10004)  # at most 7
    assert_error(await app.call(IMPORT, {"GroupId": gid, "MsgList": []}), 10004)
    assert_error(await app.call(IMPORT, {"GroupId": gid}), 10004)
    assert_error(await app.call(IMPORT, {"GroupId": gid, "MsgList": [{**msg, "SendTime": None}]}), 10004)
    assert_error(await app.call(IMPORT, {"GroupId": gid, "MsgList": [{**msg, "From_Account": "nobody"}]}), 10004)
    bad_body = [{"MsgType": "TIMTextElem"}]
    assert_error(await app.call(IMPORT, {"GroupId": gid, "MsgList": [msg, {**msg, "MsgBody": bad_body}]}), 10004)
    assert await stored(app, gid) == []  # a refused call writes nothing


# -- send_group_system_notification -----------------------------------------------------------------------


async def test_system_notification_to_all_is_live_and_not_stored(app: AppHandle) -> None:
    await app.import_accounts("leckie", "peter", "bob")
    body = {"Type": "Public", "Name": "g", "Owner_Account": "leckie"}
    body["MemberList"] = [{"Member_Account": "peter"}, {"Member_Account": "bob"}]
    gid = (await app.ok(G + "create_group", body))["GroupId"]
    seq = (await app.ok(G + "get_group_info", {"GroupIdList": [gid]}))["GroupInfo"][0]["NextMsgSeq"]
    peter, bob = await connect(app, "peter"), await connect(app, "bob")
    try:
        await app.ok(NOTIFY, {"GroupId": gid, "Content": "Hello World"})  # the seed's basic sample
        for device in (peter, bob):
            got = (await device.next_event("group.system")).data
            assert got["GroupId"] == gid and got["Content"] == "Hello World" and got["MsgTime"] > 0
        # the seed's second sample: listed members only, as feed entries
        await app.ok(NOTIFY, {"GroupId": gid, "ToMembers_Account": ["peter", "leckie"], "Content": "Hello World"})
        event = await peter.next_event("group.system")
        assert event.feed_seq > 0 and event.data["Content"] == "Hello World"
        with pytest.raises(TimeoutError):
            await bob.next_event("group.system", within=0.5)
    finally:
        await peter.close()
        await bob.close()
    info = (await app.ok(G + "get_group_info", {"GroupIdList": [gid]}))["GroupInfo"][0]
    assert info["NextMsgSeq"] == seq  # not an ordinary message: no seq, no history


async def test_system_notification_errors(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = (await app.ok(G + "create_group", {"Type": "Public", "Name": "g", "Owner_Account": "leckie"}))["GroupId"]
    live = (await app.ok(G + "create_group", {"Type": "AVChatRoom", "Name": "live"}))["GroupId"]
    await app.ok(NOTIFY, {"GroupId": live, "Content": "to all"})  # live groups take the whole-group form
    assert_error(await app.call(NOTIFY, {"GroupId": live, "ToMembers_Account": ["leckie"], "Content": "x"}), 10004)
    assert_error(await app.call(NOTIFY, {"GroupId": gid}), 10004)
    assert_error(await app.call(NOTIFY, {"GroupId": gid, "Content": ""}), 10004)
    assert_error(await app.call(NOTIFY, {"GroupId": gid, "Content": 5}), 10004)
    assert_error(await app.call(NOTIFY, {"GroupId": gid, "Content": "x" * 12289}), 10004)
    many = [f"u{i}" for i in range(501)]
    assert_error(await app.call(NOTIFY, {"GroupId": gid, "ToMembers_Account": many, "Content": "x"}), 10004)
    assert_error(await app.call(NOTIFY, {"GroupId": "@TGS#2NOPE", "Content": "x"}), 10010)
    assert_error(await app.call(NOTIFY, {"GroupId": "bad\x7fid", "Content": "x"}), 10015)
    assert_error(await app.call(NOTIFY, {"GroupId": gid, "Content": "x", "TopicId": "t"}), 10010)
    assert_error(await app.client("leckie").call(NOTIFY, {"GroupId": gid, "Content": "x"}), 10007)  # admins only


# -- send_broadcast_msg -----------------------------------------------------------------------------------

SEED_BROADCAST = {
    "From_Account": "test",
    "Random": 8912345,
    "MsgBody": [
        {"MsgType": "TIMCustomElem", "MsgContent": {"Data": '{ \\"type\\":1, \\"content\\":\\"hello world\\"}'}}
    ],
    "CloudCustomData": "your cloud custom data",
}


async def test_broadcast_reaches_every_live_room_online(app: AppHandle) -> None:
    await app.import_accounts("test", "bob", "carol")
    rooms = [(await app.ok(G + "create_group", {"Type": "AVChatRoom", "Name": f"r{i}"}))["GroupId"] for i in range(2)]
    public = (await app.ok(G + "create_group", {"Type": "Public", "Name": "p", "Owner_Account": "carol"}))["GroupId"]
    bob, carol = await connect(app, "bob"), await connect(app, "carol")
    try:
        assert await bob.apply_join(rooms[0]) == 1
        assert await carol.apply_join(rooms[1]) == 1
        reply = await app.ok(BROADCAST, SEED_BROADCAST)
        assert reply["MsgSeq"] > 0
        got_bob = (await bob.next_event("group.msg")).data
        got_carol = (await carol.next_event("group.msg")).data
        assert got_bob["GroupId"] == rooms[0] and got_carol["GroupId"] == rooms[1]
        for got in (got_bob, got_carol):
            assert got["MsgBody"] == SEED_BROADCAST["MsgBody"] and got["From_Account"] == "test"
            assert got["CloudCustomData"] == "your cloud custom data" and got["MsgSeq"] == 0
            assert got["BroadcastSeq"] == reply["MsgSeq"]
        with pytest.raises(TimeoutError):
            await carol.next_event("group.msg", within=0.5)  # nothing to the Public group
        assert public
    finally:
        await bob.close()
        await carol.close()


async def test_broadcast_errors(app: AppHandle) -> None:
    await app.import_accounts("test")
    assert_error(await app.call(BROADCAST, {"MsgBody": TEXT}), 10004)  # Random is required
    assert_error(await app.call(BROADCAST, {"Random": 1}), 10004)
    assert_error(await app.call(BROADCAST, {"Random": 1, "MsgBody": TEXT, "From_Account": "nobody"}), 10004)
    big = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 12300}}]
    assert_error(await app.call(BROADCAST, {"Random": 1, "MsgBody": big}), 10004)
    first = await app.ok(BROADCAST, {"Random": 1, "MsgBody": TEXT})
    again = await app.ok(BROADCAST, {"Random": 1, "MsgBody": TEXT})  # a repeat is discarded: same answer
    assert again["MsgSeq"] == first["MsgSeq"]
    assert_error(await app.call(BROADCAST, {"Random": 2, "MsgBody": TEXT}), 10023)  # 1 per second (seed 2628)
    app.set(group_broadcast=False)
    assert_error(await app.call(BROADCAST, {"Random": 3, "MsgBody": TEXT}), 10007)
