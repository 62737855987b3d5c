"""Group messages (issue 13): send_group_msg over REST and the gateway, live delivery to connected
members (seed 004 lines 1731-2362)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from confab.client import GatewayError
from tests.gateway import connect
from tests.support import AppHandle, assert_error

SEND = "group_open_http_svc/send_group_msg"
CREATE = "group_open_http_svc/create_group"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "red packet"}}]


async def public_group(app: AppHandle, owner: str, *members: str) -> str:
    body = {
        "Type": "Public",
        "Name": "g",
        "Owner_Account": owner,
        "MemberList": [{"Member_Account": m} for m in members],
    }
    return str((await app.ok(CREATE, body))["GroupId"])


async def test_rest_send_reaches_connected_members_in_seq_order(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "peter")
    gid = await public_group(app, "leckie", "bob", "peter")
    bob = await connect(app, "bob")
    try:
        first = await app.ok(SEND, {"GroupId": gid, "Random": 8912345, "MsgBody": TEXT})
        second = await app.ok(SEND, {"GroupId": gid, "Random": 1, "From_Account": "leckie", "MsgBody": TEXT})
        assert second["MsgSeq"] == first["MsgSeq"] + 1
        got = [(await bob.next_event("group.msg")).data for _ in range(2)]
        assert [m["MsgSeq"] for m in got] == [first["MsgSeq"], second["MsgSeq"]]
        assert got[1]["From_Account"] == "leckie" and got[1]["MsgBody"] == TEXT and got[0]["GroupId"] == gid
        sent = await bob.send_group_msg(gid, TEXT)
        assert sent["MsgSeq"] == second["MsgSeq"] + 1
    finally:
        await bob.close()


async def test_a_failed_send_consumes_no_seq(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await public_group(app, "leckie", "bob")
    first = await app.ok(SEND, {"GroupId": gid, "Random": 1, "MsgBody": TEXT})
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 2, "MsgBody": [{"MsgType": "TIMTextElem"}]}), 10004)
    assert_error(await app.call(SEND, {"GroupId": "@TGS#2NOPE", "Random": 2, "MsgBody": TEXT}), 10010)
    big = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 13000}}]
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 2, "MsgBody": big}), 80002)
    again = await app.ok(SEND, {"GroupId": gid, "Random": 3, "MsgBody": TEXT})
    assert again["MsgSeq"] == first["MsgSeq"] + 1


# -- the page's samples (seed 1731-2362) ---------------------------------------------------------------

HISTORY = "group_open_http_svc/group_msg_get_simple"
FORBID = "group_open_http_svc/forbid_send_msg"
EDIT = "group_open_http_svc/modify_group_base_info"
ADD = "group_open_http_svc/add_group_member"
ROLE = "group_open_http_svc/modify_group_member_info"
NOSPEAKING = "openconfigsvr/setnospeaking"
JOINED = "group_open_http_svc/get_joined_group_list"
INFO = "group_open_http_svc/get_group_info"
SAMPLE_BODY = [
    {"MsgType": "TIMTextElem", "MsgContent": {"Text": "red packet"}},
    {"MsgType": "TIMFaceElem", "MsgContent": {"Index": 6, "Data": "abc\\u0000\\u0001"}},
]
SAMPLES: dict[str, dict[str, Any]] = {
    "basic": {
        "Random": 8912345,
        "MsgBody": SAMPLE_BODY,
        "CloudCustomData": "your cloud custom data",
        "SupportMessageExtension": 0,
        "OfflinePushInfo": {
            "PushFlag": 0,
            "Desc": "Content to push offline",
            "Ext": "Passthrough content",
            "AndroidInfo": {"Sound": "android.mp3"},
            "ApnsInfo": {
                "Sound": "apns.mp3",
                "BadgeMode": 1,
                "Title": "apns title",
                "SubTitle": "apns subtitle",
                "Image": "www.image.com",
            },
        },
    },
    "from_account": {"From_Account": "leckie", "Random": 8912345, "MsgBody": SAMPLE_BODY},
    "no_last_msg": {"Random": 8912345, "SendMsgControl": ["NoLastMsg"], "MsgBody": SAMPLE_BODY},
    "priority": {"Random": 8912345, "MsgPriority": "High", "MsgBody": SAMPLE_BODY},
    "forbid_callback": {
        "Random": 8912345,
        "ForbidCallbackControl": ["ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"],
        "MsgBody": SAMPLE_BODY,
    },
    "at": {
        "Random": 8912345,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "red @all @tommy @brennanli packet"}}],
        "GroupAtInfo": [
            {"GroupAtAllFlag": 1},
            {"GroupAtAllFlag": 0, "GroupAt_Account": "tommy"},
            {"GroupAtAllFlag": 0, "GroupAt_Account": "brennanli"},
        ],
    },
}


async def pull(app: AppHandle, gid: str) -> list[dict[str, Any]]:
    return list((await app.ok(HISTORY, {"GroupId": gid, "ReqMsgNumber": 20}))["RspMsgList"])


def only_messages(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in items if not m.get("IsSystemMsg")]


@pytest.mark.parametrize("sample", sorted(SAMPLES))
async def test_send_seed_samples(app: AppHandle, sample: str) -> None:
    await app.import_accounts("leckie", "bob", "tommy", "brennanli")
    gid = await public_group(app, "leckie", "bob", "tommy", "brennanli")
    bob = await connect(app, "bob")
    try:
        body = {"GroupId": gid, **SAMPLES[sample]}
        reply = await app.ok(SEND, body)
        assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId", "MsgTime", "MsgSeq"}
        pushed = (await bob.next_event("group.msg")).data
        assert pushed["MsgSeq"] == reply["MsgSeq"] and pushed["MsgBody"] == body["MsgBody"]
        assert pushed["From_Account"] == body.get("From_Account", app.admin)
    finally:
        await bob.close()
    [stored] = only_messages(await pull(app, gid))
    assert stored["MsgSeq"] == reply["MsgSeq"] and stored["MsgRandom"] == 8912345
    assert stored["MsgPriority"] == (1 if sample == "priority" else 2)
    if sample == "basic":
        assert stored["CloudCustomData"] == "your cloud custom data"
    if sample == "at":
        assert pushed["GroupAtInfo"] == body["GroupAtInfo"]


async def test_send_to_some_members_sample_is_refused_for_now(app: AppHandle) -> None:
    # seed 1840-1857: To_Account (Premium) is not supported yet: 10004, nothing stored
    await app.import_accounts("leckie", "brennanli2", "brennanli3")
    gid = await public_group(app, "leckie", "brennanli2", "brennanli3")
    body = {
        "GroupId": gid,
        "Random": 2784275388,
        "MsgBody": [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "1cddddddddq1"}}],
        "To_Account": ["brennanli2", "brennanli3"],
    }
    assert_error(await app.call(SEND, body), 10004)
    assert only_messages(await pull(app, gid)) == []


async def test_online_only_is_delivered_not_stored(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await public_group(app, "leckie", "bob")
    bob = await connect(app, "bob")
    try:
        reply = await app.ok(SEND, {"GroupId": gid, "Random": 8912345, "OnlineOnlyFlag": 1, "MsgBody": SAMPLE_BODY})
        assert reply["MsgSeq"] == 0
        pushed = (await bob.next_event("group.msg")).data
        assert pushed["OnlineOnlyFlag"] == 1 and pushed["MsgSeq"] == 0
    finally:
        await bob.close()
    assert only_messages(await pull(app, gid)) == []
    assert_error(
        await app.call(
            SEND, {"GroupId": gid, "Random": 1, "OnlineOnlyFlag": 1, "SendMsgControl": ["NoUnread"], "MsgBody": TEXT}
        ),
        10004,
    )
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 1, "OnlineOnlyFlag": 2, "MsgBody": TEXT}), 10004)


async def test_no_last_msg_keeps_last_msg_time(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await public_group(app, "leckie")

    async def last_msg_time() -> int:
        reply = await app.ok(INFO, {"GroupIdList": [gid]})
        return int(reply["GroupInfo"][0]["LastMsgTime"])

    assert await last_msg_time() == 0
    await app.ok(SEND, {"GroupId": gid, "Random": 1, "SendMsgControl": ["NoLastMsg"], "MsgBody": TEXT})
    assert await last_msg_time() == 0
    await app.ok(SEND, {"GroupId": gid, "Random": 2, "MsgBody": TEXT})
    assert await last_msg_time() > 0


async def test_dedupe_same_random_and_content(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await public_group(app, "leckie")
    body = {"GroupId": gid, "Random": 8912345, "MsgBody": SAMPLE_BODY}
    first = await app.ok(SEND, body)
    again = await app.ok(SEND, body)
    assert again["MsgSeq"] == first["MsgSeq"]
    other = await app.ok(SEND, {**body, "MsgBody": TEXT})  # same Random, other content: a new message
    assert other["MsgSeq"] == first["MsgSeq"] + 1
    assert [m["MsgSeq"] for m in only_messages(await pull(app, gid))] == [other["MsgSeq"], first["MsgSeq"]]


async def test_rate_drop_answers_msg_drop_reason(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await public_group(app, "leckie")
    app.set(group_msgs_per_second=2)
    replies = [await app.ok(SEND, {"GroupId": gid, "Random": i, "MsgBody": TEXT}) for i in range(1, 6)]
    dropped = [r for r in replies if r.get("MsgDropReason")]
    assert dropped and all(r["MsgDropReason"] == "MsgFreqCtrl" and r["MsgSeq"] == 0 for r in dropped)
    kept = [r["MsgSeq"] for r in replies if not r.get("MsgDropReason")]
    assert kept == list(range(kept[0], kept[0] + len(kept)))  # a drop consumes no seq
    assert len(only_messages(await pull(app, gid))) == len(kept)


async def test_send_errors(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "dave")
    gid = await public_group(app, "leckie", "bob")
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 1}), 10004)  # no MsgBody
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 1, "MsgBody": TEXT, "From_Account": "ghost"}), 10004)
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": -1, "MsgBody": TEXT}), 10004)
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 1, "MsgPriority": "high", "MsgBody": TEXT}), 10004)
    assert_error(await app.call(SEND, {"GroupId": "", "Random": 1, "MsgBody": TEXT}), 10015)
    assert_error(await app.call(SEND, {"GroupId": "@TGS#2NOPE", "Random": 1, "MsgBody": TEXT}), 10010)
    big = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 12000}}]
    assert_error(
        await app.call(SEND, {"GroupId": gid, "Random": 1, "MsgBody": big, "CloudCustomData": "y" * 500}), 80002
    )
    dave = await connect(app, "dave")  # not a member
    try:
        with pytest.raises(GatewayError) as info:
            await dave.send_group_text(gid, "let me in")
        assert info.value.code == 10007
        with pytest.raises(GatewayError) as info:
            await dave.send_group_text("@TGS#2NOPE", "x")
        assert info.value.code == 10010
    finally:
        await dave.close()


async def test_mutes_refuse_with_10017(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "carol")
    gid = await public_group(app, "leckie", "bob", "carol")
    await app.ok(ROLE, {"GroupId": gid, "Member_Account": "carol", "Role": "Admin"})
    bob, carol = await connect(app, "bob"), await connect(app, "carol")

    async def refused(client: Any) -> None:
        with pytest.raises(GatewayError) as info:
            await client.send_group_text(gid, "hello")
        assert info.value.code == 10017

    try:
        # a member muted in the group: from the device and through From_Account
        await app.ok(FORBID, {"GroupId": gid, "Members_Account": ["bob"], "MuteTime": 60})
        await refused(bob)
        assert_error(await app.call(SEND, {"GroupId": gid, "Random": 1, "From_Account": "bob", "MsgBody": TEXT}), 10017)
        await app.ok(FORBID, {"GroupId": gid, "Members_Account": ["bob"], "MuteTime": 0})
        await bob.send_group_text(gid, "free again")
        # muted for every group (openconfigsvr/setnospeaking)
        await app.ok(NOSPEAKING, {"Set_Account": "bob", "GroupmsgNospeakingTime": 4294967295})
        await refused(bob)
        assert_error(await app.call(SEND, {"GroupId": gid, "Random": 2, "From_Account": "bob", "MsgBody": TEXT}), 10017)
        await app.ok(NOSPEAKING, {"Set_Account": "bob", "GroupmsgNospeakingTime": 0})
        # MuteAllMember: plain members are silent, admins, the owner and the app admin speak
        await app.ok(EDIT, {"GroupId": gid, "MuteAllMember": "On"})
        await refused(bob)
        await carol.send_group_text(gid, "admin speaks")
        await app.ok(SEND, {"GroupId": gid, "Random": 3, "MsgBody": TEXT})
    finally:
        await bob.close()
        await carol.close()


async def test_a_work_groups_first_message_activates_it(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = str(
        (
            await app.ok(
                CREATE,
                {"Type": "Private", "Name": "w", "Owner_Account": "leckie", "MemberList": [{"Member_Account": "bob"}]},
            )
        )["GroupId"]
    )

    async def bobs_groups() -> list[str]:
        reply = await app.ok(JOINED, {"Member_Account": "bob"})
        return [g["GroupId"] for g in reply["GroupIdList"]]

    assert gid not in await bobs_groups()
    await app.ok(SEND, {"GroupId": gid, "Random": 1, "From_Account": "leckie", "MsgBody": TEXT})
    assert gid in await bobs_groups()


async def test_avchatroom_messages_are_delivered_not_stored(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = str((await app.ok(CREATE, {"Type": "AVChatRoom", "Name": "live", "Owner_Account": "leckie"}))["GroupId"])
    bob = await connect(app, "bob")
    try:
        await bob.request("apply_join", GroupId=gid)
        reply = await app.ok(SEND, {"GroupId": gid, "Random": 1, "MsgBody": TEXT})
        assert reply["MsgSeq"] == 0
        pushed = (await bob.next_event("group.msg")).data
        assert pushed["MsgBody"] == TEXT and pushed["MsgSeq"] == 0
    finally:
        await bob.close()
    assert_error(await app.call(HISTORY, {"GroupId": gid, "ReqMsgNumber": 20}), 10007)


async def test_msg_seq_gap_free_under_concurrency(app: AppHandle) -> None:
    users = [f"u{i}" for i in range(5)]
    await app.import_accounts("leckie", *users)
    gid = await public_group(app, "leckie", *users)
    app.set(group_msgs_per_second=1000)  # above the default 40/s: none of the 50 is dropped
    clients = [await connect(app, u) for u in users]
    try:

        async def rest(i: int) -> int:
            return int((await app.ok(SEND, {"GroupId": gid, "Random": 1000 + i, "MsgBody": TEXT}))["MsgSeq"])

        async def device(i: int) -> int:
            return int((await clients[i % len(clients)].send_group_msg(gid, TEXT, Random=2000 + i))["MsgSeq"])

        seqs = await asyncio.gather(*(rest(i) if i % 2 else device(i) for i in range(50)))
    finally:
        for client in clients:
            await client.close()
    assert len(set(seqs)) == 50
    assert sorted(seqs) == list(range(min(seqs), min(seqs) + 50))
    stored = []
    seq: int | None = None
    while True:
        body: dict[str, Any] = {"GroupId": gid, "ReqMsgNumber": 20}
        if seq is not None:
            body["ReqMsgSeq"] = seq
        page = (await app.ok(HISTORY, body))["RspMsgList"]
        if not page:
            break
        stored += [m["MsgSeq"] for m in only_messages(page)]
        seq = page[-1]["MsgSeq"] - 1
    assert sorted(stored) == sorted(seqs)
