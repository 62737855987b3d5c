"""A group's stored messages against a real server: group_msg_get_simple (seed 004 lines 4389-4726),
group_msg_recall (5087-5314), delete_group_msg_by_sender (4727-4894), openim/modify_group_msg
(3631-3854), and the gateway's group_history / recall_group_msg (the same domain functions)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from confab.client import GatewayError
from confab.domain.groups import history
from confab.store.tables.groups import group_messages, groups
from tests.gateway import connect
from tests.support import AppHandle, assert_error, assert_ok

SEND = "group_open_http_svc/send_group_msg"
CREATE = "group_open_http_svc/create_group"
ADD = "group_open_http_svc/add_group_member"
HISTORY = "group_open_http_svc/group_msg_get_simple"
RECALL = "group_open_http_svc/group_msg_recall"
BY_SENDER = "group_open_http_svc/delete_group_msg_by_sender"
MODIFY = "openim/modify_group_msg"
ADMIN_ROLE = "group_open_http_svc/modify_group_member_info"

# the bodies of the seed's sample reply (4569-4640)
CUSTOM_FACE = [
    {
        "MsgContent": {"Data": "\\b\\u0001\\u0010\\u0006\\u001A\\u0006 MaoTong", "Desc": "MIF", "Ext": ""},
        "MsgType": "TIMCustomElem",
    },
    {"MsgContent": {"Data": "", "Index": 15}, "MsgType": "TIMFaceElem"},
]
CUSTOM_TEXT = [
    {
        "MsgContent": {"Data": "\\b\\u0001\\u0010\\u0006\\u001A\\u000F Watermelon", "Desc": "MIF", "Ext": ""},
        "MsgType": "TIMCustomElem",
    },
    {"MsgContent": {"Text": "Report"}, "MsgType": "TIMTextElem"},
]


def text(value: str) -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": value}}]


async def make_group(app: AppHandle, gtype: str = "Public", owner: str = "leckie", *members: str) -> str:
    body = {"Type": gtype, "Name": "g", "Owner_Account": owner}
    if members:
        body["MemberList"] = [{"Member_Account": m} for m in members]
    return str((await app.ok(CREATE, body))["GroupId"])


async def send(app: AppHandle, gid: str, body: list[dict[str, Any]], random: int, **extra: Any) -> int:
    return int((await app.ok(SEND, {"GroupId": gid, "Random": random, "MsgBody": body, **extra}))["MsgSeq"])


def run(app: AppHandle, fn: Any) -> Any:
    async def go() -> Any:
        return await fn(app.server.runtime)

    return app.server.run(go())


def fill(app: AppHandle, gid: str, senders: list[str], start: int, msg_time: int = 1458721797) -> None:
    """Store messages straight into the group's stream (seqs start, start+1, ...): a long history fast."""

    async def write(rt: Any) -> None:
        rows = [
            {
                "sdkappid": app.sdkappid,
                "group_id": gid,
                "topic_id": "",
                "msg_seq": start + i,
                "kind": "msg",
                "sender": s,
                "msg_time": msg_time,
                "random": i,
                "body": '{"MsgPriority":2,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}',
                "recalled": 0,
            }
            for i, s in enumerate(senders)
        ]
        async with rt.store.tx() as tx:
            await tx.execute(group_messages.insert(), rows)
            await tx.execute(
                groups.update()
                .where(groups.c.sdkappid == app.sdkappid, groups.c.group_id == gid)
                .values(next_msg_seq=start + len(senders))
            )

    run(app, write)


def age(app: AppHandle, gid: str, seq: int, seconds: int) -> None:
    async def write(rt: Any) -> None:
        g = group_messages.c
        async with rt.store.tx() as tx:
            await tx.execute(
                group_messages.update()
                .where(g.sdkappid == app.sdkappid, g.group_id == gid, g.msg_seq == seq)
                .values(msg_time=g.msg_time - seconds)
            )

    run(app, write)


async def pull(app: AppHandle, gid: str, **body: Any) -> dict[str, Any]:
    return await app.ok(HISTORY, {"GroupId": gid, "ReqMsgNumber": 20, **body})


# -- group_msg_get_simple ----------------------------------------------------------------------------


async def test_history_seed_samples(app: AppHandle) -> None:
    await app.import_accounts("leckie", "144115197276518801", "144115198339527735")
    gid = await make_group(app, "Public", "leckie", "144115197276518801", "144115198339527735")
    first = await send(app, gid, CUSTOM_TEXT, 235168582, From_Account="144115198339527735", MsgPriority="High")
    second = await send(app, gid, CUSTOM_FACE, 51083293, From_Account="144115197276518801", MsgPriority="High")
    # basic format: the newest ReqMsgNumber messages (seed 4468-4478)
    reply = await app.ok(HISTORY, {"GroupId": gid, "ReqMsgNumber": 2})
    assert reply["GroupId"] == gid and reply["IsFinished"] == 1
    got = reply["RspMsgList"]
    assert [m["MsgSeq"] for m in got] == [second, first]
    assert got[0] == {
        "From_Account": "144115197276518801",
        "IsPlaceMsg": 0,
        "MsgBody": CUSTOM_FACE,
        "MsgPriority": 1,  # ruling 4: integers in history
        "MsgRandom": 51083293,
        "MsgSeq": second,
        "MsgTimeStamp": got[0]["MsgTimeStamp"],
    }
    assert got[1]["MsgBody"] == CUSTOM_TEXT and got[1]["From_Account"] == "144115198339527735"
    assert got[1]["MsgRandom"] == 235168582
    # pulling by seq (seed 4480-4492): MsgSeq <= ReqMsgSeq
    reply = await app.ok(HISTORY, {"GroupId": gid, "ReqMsgSeq": first, "ReqMsgNumber": 2})
    assert [m["MsgSeq"] for m in reply["RspMsgList"]] == [first]


async def test_history_pages_back_to_the_start_and_returns_cloud_data(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app)
    seqs = [await send(app, gid, text(f"m{i}"), i + 1, CloudCustomData=f"c{i}") for i in range(25)]
    page = await pull(app, gid)
    assert [m["MsgSeq"] for m in page["RspMsgList"]] == seqs[::-1][:20]
    assert page["RspMsgList"][0]["CloudCustomData"] == "c24" and page["RspMsgList"][0]["MsgPriority"] == 2
    rest = await pull(app, gid, ReqMsgSeq=page["RspMsgList"][-1]["MsgSeq"] - 1)
    assert [m["MsgSeq"] for m in rest["RspMsgList"]] == seqs[::-1][20:]
    assert (await pull(app, gid, ReqMsgSeq=0))["RspMsgList"] == []
    # a ReqMsgSeq past the newest is the newest
    assert (await pull(app, gid, ReqMsgSeq=10**9, ReqMsgNumber=1))["RspMsgList"][0]["MsgSeq"] == seqs[-1]


async def test_history_returns_tips_as_system_messages(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app)
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}]})
    seq = await send(app, gid, text("hi"), 1)
    got = (await pull(app, gid))["RspMsgList"]
    assert got[0]["MsgSeq"] == seq and "IsSystemMsg" not in got[0]
    tip = got[1]
    assert tip["IsSystemMsg"] == 1 and tip["MsgSeq"] == seq - 1
    assert tip["MsgBody"][0]["MsgType"] == "TIMGroupTipElem"
    assert tip["MsgBody"][0]["MsgContent"]["TipType"] == "MemberJoin"


async def test_history_newest_page_of_a_long_history(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app)
    fill(app, gid, ["leckie"] * 5000, start=1)
    got = (await pull(app, gid))["RspMsgList"]
    assert [m["MsgSeq"] for m in got] == list(range(5000, 4980, -1))
    got = (await pull(app, gid, ReqMsgSeq=3, ReqMsgNumber=5))["RspMsgList"]
    assert [m["MsgSeq"] for m in got] == [3, 2, 1]


async def test_history_errors(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app)
    assert_error(await app.call(HISTORY, {"GroupId": gid}), 10004)
    for number in (0, 21, -1):
        assert_error(await app.call(HISTORY, {"GroupId": gid, "ReqMsgNumber": number}), 10004)
    assert_error(await app.call(HISTORY, {"GroupId": gid, "ReqMsgNumber": 2, "ReqMsgSeq": -1}), 10004)
    assert_error(await app.call(HISTORY, {"GroupId": gid, "ReqMsgNumber": 2, "WithRecalledMsg": 2}), 10004)
    assert_error(await app.call(HISTORY, {"GroupId": gid, "ReqMsgNumber": "2"}), 10004)
    assert_error(await app.call(HISTORY, {"ReqMsgNumber": 2}), 10004)
    assert_error(await app.call(HISTORY, {"GroupId": "", "ReqMsgNumber": 2}), 10015)
    assert_error(await app.call(HISTORY, {"GroupId": "@TGS#2NOPE", "ReqMsgNumber": 2}), 10010)
    assert_error(await app.call(HISTORY, {"GroupId": gid, "ReqMsgNumber": 2, "TopicId": "t"}), 10010)
    live = await make_group(app, "AVChatRoom")
    assert_error(await app.call(HISTORY, {"GroupId": live, "ReqMsgNumber": 2}), 10007)


async def test_device_history_from_joining_per_type_and_setting(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "carol")
    for gtype, before in (("Public", False), ("ChatRoom", True)):
        gid = await make_group(app, gtype)
        early = await send(app, gid, text("before bob"), 1)
        await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}]})
        late = await send(app, gid, text("after bob"), 2)
        bob = await connect(app, "bob")
        carol = await connect(app, "carol")
        try:
            seen = [m["MsgSeq"] for m in (await bob.group_history(gid))["RspMsgList"]]
            assert late in seen and (early in seen) is before
            with pytest.raises(GatewayError) as info:
                await carol.group_history(gid)
            assert info.value.code == 10007
            for bad in (0, 21):
                with pytest.raises(GatewayError) as info:
                    await bob.group_history(gid, number=bad)
                assert info.value.code == 10004
        finally:
            await bob.close()
            await carol.close()
        # the REST admin sees all
        assert early in [m["MsgSeq"] for m in (await pull(app, gid))["RspMsgList"]]
    app.set(group_history_before_join={"Public": True})
    gid = await make_group(app)
    early = await send(app, gid, text("before bob"), 1)
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}]})
    bob = await connect(app, "bob")
    try:
        assert early in [m["MsgSeq"] for m in (await bob.group_history(gid))["RspMsgList"]]
        with pytest.raises(GatewayError) as info:
            await bob.group_history("@TGS#2NOPE")
        assert info.value.code == 10010
    finally:
        await bob.close()


# -- group_msg_recall --------------------------------------------------------------------------------


async def test_recall_seed_sample_and_history_flags(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app, "Public", "leckie", "bob")
    fill(app, gid, ["bob"], start=101)  # the sample's seq 101 exists, 100 does not
    bob = await connect(app, "bob")
    try:
        reply = await app.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": 100}, {"MsgSeq": 101}]})
        assert reply["RecallRetList"] == [{"MsgSeq": 100, "RetCode": 10030}, {"MsgSeq": 101, "RetCode": 0}]
        notice = (await bob.next_event(history.FEED_RECALL)).data
        assert notice["GroupId"] == gid and notice["MsgSeqList"] == [101]
    finally:
        await bob.close()
    # recalled messages keep their seq: hidden by default, a placeholder with WithRecalledMsg 1
    assert (await pull(app, gid))["RspMsgList"] == []
    [placed] = (await pull(app, gid, WithRecalledMsg=1))["RspMsgList"]
    assert placed["MsgSeq"] == 101 and placed["IsPlaceMsg"] == 2 and placed["MsgBody"] == []
    # already recalled: 10032; a new message still gets the next seq
    reply = await app.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": 101}]})
    assert reply["RecallRetList"] == [{"MsgSeq": 101, "RetCode": 10032}]
    assert await send(app, gid, text("next"), 7) == 102


async def test_recall_tips_and_avchatroom_and_errors(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app)
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}]})
    [tip] = (await pull(app, gid))["RspMsgList"]
    reply = await app.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": tip["MsgSeq"]}]})
    assert reply["RecallRetList"] == [{"MsgSeq": tip["MsgSeq"], "RetCode": 10032}]
    live = await make_group(app, "AVChatRoom")
    reply = await app.ok(RECALL, {"GroupId": live, "MsgSeqList": [{"MsgSeq": 1}]})
    assert reply["RecallRetList"] == [{"MsgSeq": 1, "RetCode": 10030}]
    assert_error(await app.call(RECALL, {"GroupId": gid}), 10004)
    assert_error(await app.call(RECALL, {"GroupId": gid, "MsgSeqList": []}), 10004)
    eleven = [{"MsgSeq": i} for i in range(1, 12)]
    assert_error(await app.call(RECALL, {"GroupId": gid, "MsgSeqList": eleven}), 10004)
    assert_error(await app.call(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": 0}]}), 10004)
    assert_error(await app.call(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": "1"}]}), 10004)
    assert_error(await app.call(RECALL, {"GroupId": gid, "MsgSeqList": [{}]}), 10004)
    assert_error(await app.call(RECALL, {"GroupId": "@TGS#2NOPE", "MsgSeqList": [{"MsgSeq": 1}]}), 10010)
    assert_error(await app.call(RECALL, {"GroupId": "", "MsgSeqList": [{"MsgSeq": 1}]}), 10015)


async def test_device_recall_rules(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "carol", "dave")
    gid = await make_group(app, "Public", "leckie", "bob", "carol")
    await app.ok(ADMIN_ROLE, {"GroupId": gid, "Member_Account": "carol", "Role": "Admin"})
    bob, carol, leckie, dave = [await connect(app, u) for u in ("bob", "carol", "leckie", "dave")]
    try:
        mine = (await bob.send_group_text(gid, "oops"))["MsgSeq"]
        assert await bob.recall_group_msg(gid, mine) == {"GroupId": gid, "MsgSeq": mine}
        notice = (await leckie.next_event(history.FEED_RECALL)).data
        assert notice["MsgSeqList"] == [mine] and notice["Operator_Account"] == "bob"

        async def refused(client: Any, seq: int, code: int) -> None:
            with pytest.raises(GatewayError) as info:
                await client.recall_group_msg(gid, seq)
            assert info.value.code == code

        await refused(bob, mine, 10032)  # already recalled
        await refused(bob, 999, 10030)
        by_carol = (await carol.send_group_text(gid, "admin speaks"))["MsgSeq"]
        by_leckie = (await leckie.send_group_text(gid, "owner speaks"))["MsgSeq"]
        await refused(bob, by_carol, 10007)  # a plain member recalls only their own
        await refused(carol, by_leckie, 10007)  # an admin not the owner's
        await refused(dave, by_carol, 10007)  # not a member
        assert (await leckie.recall_group_msg(gid, by_carol))["MsgSeq"] == by_carol  # the owner an admin's
        by_bob = (await bob.send_group_text(gid, "again"))["MsgSeq"]
        assert (await carol.recall_group_msg(gid, by_bob))["MsgSeq"] == by_bob  # an admin a member's
        # the time window: the app's c2c_recall_limit_seconds (120 s by default)
        old = (await bob.send_group_text(gid, "old"))["MsgSeq"]
        age(app, gid, old, 121)
        await refused(bob, old, 10031)
        app.set(c2c_recall_limit_seconds=600)
        assert (await bob.recall_group_msg(gid, old))["MsgSeq"] == old
    finally:
        for client in (bob, carol, leckie, dave):
            await client.close()
    # the REST admin has no window
    age(app, gid, by_leckie, 10**6)
    reply = await app.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": by_leckie}]})
    assert reply["RecallRetList"] == [{"MsgSeq": by_leckie, "RetCode": 0}]


# -- delete_group_msg_by_sender ----------------------------------------------------------------------


async def test_delete_by_sender_seed_sample(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app, "Public", "bob", "leckie")
    mine = [await send(app, gid, text(f"l{i}"), i, From_Account="leckie") for i in range(3)]
    other = await send(app, gid, text("b"), 9, From_Account="bob")
    bob = await connect(app, "bob")
    try:
        assert_ok(await app.call(BY_SENDER, {"GroupId": gid, "Sender_Account": "leckie"}))
        with pytest.raises(TimeoutError):  # silent: no live notice (seed 4750-4753)
            await bob.next_event(history.FEED_RECALL, within=0.5)
    finally:
        await bob.close()
    assert [m["MsgSeq"] for m in (await pull(app, gid))["RspMsgList"]] == [other]
    placed = (await pull(app, gid, WithRecalledMsg=1))["RspMsgList"]
    assert [m["MsgSeq"] for m in placed] == [other, *mine[::-1]]
    assert all(m["IsPlaceMsg"] == 2 and m["MsgBody"] == [] for m in placed[1:])
    assert await send(app, gid, text("next"), 10) == other + 1


async def test_delete_by_sender_reaches_only_the_last_thousand(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app, "Public", "bob", "leckie")
    fill(app, gid, ["leckie"] * 10 + ["bob"] * 995 + ["leckie"] * 5, start=1)  # seqs 1..1010
    await app.ok(BY_SENDER, {"GroupId": gid, "Sender_Account": "leckie"})

    async def recalled(rt: Any) -> list[int]:
        g = group_messages.c
        async with rt.store.read() as conn:
            rows = await conn.execute(
                sa.select(g.msg_seq).where(g.sdkappid == app.sdkappid, g.group_id == gid, g.recalled == 1)
            )
            return sorted(r.msg_seq for r in rows)

    # next seq 1011: the last 1,000 are 11..1010
    assert run(app, recalled) == list(range(1006, 1011))


async def test_delete_by_sender_errors_and_avchatroom(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app)
    live = await make_group(app, "AVChatRoom")
    assert_ok(await app.call(BY_SENDER, {"GroupId": live, "Sender_Account": "leckie"}))  # no effect, no error
    assert_ok(await app.call(BY_SENDER, {"GroupId": gid, "Sender_Account": "nobody"}))
    assert_error(await app.call(BY_SENDER, {"GroupId": gid}), 10004)
    assert_error(await app.call(BY_SENDER, {"GroupId": gid, "Sender_Account": 7}), 10004)
    assert_error(await app.call(BY_SENDER, {"GroupId": gid, "Sender_Account": ""}), 10004)
    assert_error(await app.call(BY_SENDER, {"Sender_Account": "leckie"}), 10004)
    assert_error(await app.call(BY_SENDER, {"GroupId": "@TGS#2NOPE", "Sender_Account": "leckie"}), 10010)
    assert_error(await app.call(BY_SENDER, {"GroupId": "", "Sender_Account": "leckie"}), 10015)


# -- openim/modify_group_msg -------------------------------------------------------------------------


async def test_modify_seed_samples(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app, "Public", "leckie", "bob")
    seq = await send(app, gid, text("helo"), 1, CloudCustomData="old")
    hello = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello"}}]
    bob = await connect(app, "bob")
    try:
        reply = await app.call(MODIFY, {"GroupId": gid, "MsgSeq": seq, "MsgBody": hello})
        assert reply["ActionStatus"] == "OK" and reply["ErrorCode"] == 0
        pushed = (await bob.next_event(history.FEED_MODIFY)).data
        assert pushed["MsgSeq"] == seq and pushed["MsgBody"] == hello and pushed["CloudCustomData"] == "old"
    finally:
        await bob.close()
    [got] = (await pull(app, gid))["RspMsgList"]
    assert got["MsgBody"] == hello and got["CloudCustomData"] == "old"
    await app.ok(MODIFY, {"GroupId": gid, "MsgSeq": seq, "CloudCustomData": "your cloud custom data"})
    [got] = (await pull(app, gid))["RspMsgList"]
    assert got["MsgBody"] == hello and got["CloudCustomData"] == "your cloud custom data"
    both = text("both")
    await app.ok(MODIFY, {"GroupId": gid, "MsgSeq": seq, "MsgBody": both, "CloudCustomData": "c2"})
    [got] = (await pull(app, gid))["RspMsgList"]
    assert got["MsgBody"] == both and got["CloudCustomData"] == "c2" and got["MsgSeq"] == seq


async def test_modify_errors(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app)
    seq = await send(app, gid, text("x"), 1)
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}]})  # a tip at seq + 1
    assert_error(await app.call(MODIFY, b"{not json"), 90001)
    bad = [{"MsgType": "TIMTextElem"}]
    assert_error(await app.call(MODIFY, {"GroupId": gid, "MsgSeq": seq, "MsgBody": bad}), 90002)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "MsgSeq": seq, "MsgBody": {"MsgType": "x"}}), 90007)
    big = text("x" * 13000)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "MsgSeq": seq, "MsgBody": big}), 90010)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "MsgSeq": seq}), 20001)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "MsgBody": text("y")}), 20001)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "MsgSeq": 99, "MsgBody": text("y")}), 20001)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "MsgSeq": seq + 1, "MsgBody": text("y")}), 20001)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "MsgSeq": "1", "MsgBody": text("y")}), 20001)
    assert_error(await app.call(MODIFY, {"MsgSeq": seq, "MsgBody": text("y")}), 20001)
    assert_error(await app.call(MODIFY, {"GroupId": "@TGS#2NOPE", "MsgSeq": 1, "MsgBody": text("y")}), 20001)
    await app.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]})
    assert_error(await app.call(MODIFY, {"GroupId": gid, "MsgSeq": seq, "MsgBody": text("y")}), 20001)
    live = await make_group(app, "AVChatRoom")
    assert_error(await app.call(MODIFY, {"GroupId": live, "MsgSeq": 1, "MsgBody": text("y")}), 20001)
