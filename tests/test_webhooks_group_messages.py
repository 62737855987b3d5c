"""Webhooks of group messages and topics (issue 15): Group.CallbackBeforeSendMsg (seed 32065-32376),
AfterSendMsg (32377-32585), AfterRecallMsg (33070-33228), SendMsgException (33382-33569),
AfterReadReceipt (34456-34629) and the topic callbacks (33570-34149), each body against its page's
sample, from REST and from devices."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from confab.client import GatewayError
from tests.gateway import connect
from tests.support import AppHandle, assert_error
from tests.webhooks import OK, Receiver, hook

G = "group_open_http_svc/"
M = "million_group_open_http_svc/"
SEND = G + "send_group_msg"
CREATE_GROUP = G + "create_group"
HISTORY = G + "group_msg_get_simple"
RECALL = G + "group_msg_recall"
BY_SENDER = G + "delete_group_msg_by_sender"
FORBID = G + "forbid_send_msg"

BEFORE = "Group.CallbackBeforeSendMsg"
AFTER = "Group.CallbackAfterSendMsg"
EXCEPTION = "Group.CallbackSendMsgException"
RECALLED = "Group.CallbackAfterRecallMsg"
RECEIPT = "Group.CallbackAfterReadReceipt"
BEFORE_TOPIC = "Group.CallbackBeforeCreateTopic"
AFTER_TOPIC = "Group.CallbackAfterCreateTopic"
TOPIC_GONE = "Group.CallbackAfterTopicDestroyed"
TOPIC_INFO = "Group.CallbackAfterTopicInfoChanged"

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "red packet"}}]
CLOUD = "your cloud custom data"


async def make_group(app: AppHandle, gtype: str = "Public", owner: str = "leckie", *members: str, **extra: Any) -> str:
    body: dict[str, Any] = {"Type": gtype, "Name": "g", "Owner_Account": owner, **extra}
    if gtype != "AVChatRoom":
        body["MemberList"] = [{"Member_Account": m} for m in members]
    return str((await app.ok(CREATE_GROUP, body))["GroupId"])


async def history(app: AppHandle, gid: str, **extra: Any) -> list[dict[str, Any]]:
    return list((await app.ok(HISTORY, {"GroupId": gid, "ReqMsgNumber": 20, **extra}))["RspMsgList"])


async def messages(app: AppHandle, gid: str) -> list[dict[str, Any]]:
    """The group's stored messages, newest first, without its tips."""
    return [m for m in await history(app, gid) if not m.get("IsSystemMsg")]


async def settled(receiver: Receiver, command: str, n: int, within: float = 0.3) -> None:
    """After a pause for stragglers, exactly n requests of this command arrived (none more)."""
    await asyncio.sleep(within)
    assert len(receiver.of(command)) == n, receiver.of(command)


def sample(got: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The body a page's sample describes, the fields that vary taken from the request itself."""
    assert isinstance(got["EventTime"], int) and got["EventTime"] > 1_600_000_000_000  # ms (ruling 15)
    return {**fields, "EventTime": got["EventTime"]}


# -- Group.CallbackBeforeSendMsg (seed 32065-32376) ---------------------------------------------------


async def test_before_send_sample_body_from_rest(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "jared")
    gid = await make_group(app, "Public", "leckie", "jared")
    hook(app, receiver, BEFORE)
    body = {"GroupId": gid, "From_Account": "jared", "Random": 123456, "MsgBody": TEXT, "CloudCustomData": CLOUD}
    await app.ok(SEND, body)
    (got,) = await receiver.wait(BEFORE)
    assert got.query["OptPlatform"] == "RESTAPI" and got.query["SdkAppid"] == str(app.sdkappid)
    assert got.body == sample(
        got.body,
        CallbackCommand=BEFORE,
        GroupId=gid,
        Type="Public",
        From_Account="jared",
        Operator_Account=app.admin,
        Random=123456,
        OnlineOnlyFlag=0,
        MsgBody=TEXT,
        CloudCustomData=CLOUD,
    )


async def test_before_send_from_a_device_and_online_only(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "jared")
    gid = await make_group(app, "Public", "leckie", "jared")
    hook(app, receiver, BEFORE)
    jared = await connect(app, "jared", platform="Android")
    try:
        await jared.send_group_msg(gid, TEXT, Random=7, OnlineOnlyFlag=1)
    finally:
        await jared.close()
    (got,) = await receiver.wait(BEFORE)
    assert got.query["OptPlatform"] == "Android"
    assert got.body["Operator_Account"] == "jared" and got.body["From_Account"] == "jared"
    assert got.body["OnlineOnlyFlag"] == 1 and "CloudCustomData" not in got.body


async def test_before_send_verdicts(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app, "Public", "leckie", "bob")
    hook(app, receiver, BEFORE, AFTER)
    receiver.answers[BEFORE] = {**OK, "ErrorCode": 1}
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 1, "MsgBody": TEXT}), 10016)
    receiver.answers[BEFORE] = {"ActionStatus": "OK", "ErrorCode": 10150, "ErrorInfo": "level too low"}
    reply = await app.call(SEND, {"GroupId": gid, "Random": 2, "MsgBody": TEXT})
    assert (reply["ErrorCode"], reply["ErrorInfo"]) == (10150, "level too low")
    receiver.answers[BEFORE] = {"ActionStatus": "OK", "ErrorCode": 10201, "ErrorInfo": "out of range"}
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 3, "MsgBody": TEXT}), 10016)
    receiver.answers[BEFORE] = {**OK, "ErrorCode": 2}
    dropped = await app.ok(SEND, {"GroupId": gid, "Random": 4, "MsgBody": TEXT})
    assert dropped["MsgSeq"] == 0 and dropped["MsgTime"] > 0  # told it went
    assert await messages(app, gid) == []
    await receiver.none(AFTER)  # refused and dropped messages were never sent

    replaced = [*TEXT, {"MsgType": "TIMCustomElem", "MsgContent": {"Desc": "CustomElement.MemberLevel", "Data": "LV1"}}]
    receiver.answers[BEFORE] = {**OK, "MsgBody": replaced, "CloudCustomData": CLOUD}
    bob = await connect(app, "bob")
    try:
        sent = await app.ok(SEND, {"GroupId": gid, "Random": 5, "MsgBody": TEXT})
        delivered = (await bob.next_event("group.msg")).data
    finally:
        await bob.close()
    assert delivered["MsgBody"] == replaced and delivered["CloudCustomData"] == CLOUD
    (stored,) = await messages(app, gid)
    assert stored["MsgSeq"] == sent["MsgSeq"] and stored["MsgBody"] == replaced and stored["CloudCustomData"] == CLOUD
    (after,) = await receiver.wait(AFTER)
    assert after.body["MsgBody"] == replaced and after.body["CloudCustomData"] == CLOUD
    assert after.body["MsgSeq"] == sent["MsgSeq"]

    receiver.answers[BEFORE] = {**OK, "MsgBody": "not a body"}  # ignored: the user's message stands
    sent = await app.ok(SEND, {"GroupId": gid, "Random": 6, "MsgBody": TEXT})
    stored = (await messages(app, gid))[0]
    assert stored["MsgSeq"] == sent["MsgSeq"] and stored["MsgBody"] == TEXT


async def test_a_device_sees_the_refusal_code(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app, "Public", "leckie", "bob")
    hook(app, receiver, BEFORE)
    receiver.answers[BEFORE] = {"ActionStatus": "OK", "ErrorCode": 10100, "ErrorInfo": "no links"}
    bob = await connect(app, "bob")
    try:
        with pytest.raises(GatewayError) as refused:
            await bob.send_group_msg(gid, TEXT)
    finally:
        await bob.close()
    assert refused.value.code == 10100 and "no links" in str(refused.value)


async def test_forbid_callback_control(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app, "Public", "leckie")
    hook(app, receiver, BEFORE, AFTER)
    receiver.answers[BEFORE] = {**OK, "ErrorCode": 1}
    both = ["ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"]
    await app.ok(SEND, {"GroupId": gid, "Random": 1, "MsgBody": TEXT, "ForbidCallbackControl": both})
    await receiver.none(BEFORE)
    assert receiver.of(AFTER) == []
    receiver.answers[BEFORE] = OK
    await app.ok(SEND, {"GroupId": gid, "Random": 2, "MsgBody": TEXT, "ForbidCallbackControl": both[1:]})
    await receiver.wait(BEFORE)
    await receiver.none(AFTER)
    await app.ok(SEND, {"GroupId": gid, "Random": 3, "MsgBody": TEXT, "ForbidCallbackControl": both[:1]})
    await receiver.wait(AFTER)
    assert len(receiver.of(BEFORE)) == 1


async def test_before_send_fail_closed(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app, "Public", "leckie")
    receiver.delays[BEFORE] = 0.6
    hook(app, receiver, BEFORE, timeout=0.3)
    await app.ok(SEND, {"GroupId": gid, "Random": 1, "MsgBody": TEXT})  # fail-open by default
    hook(app, receiver, BEFORE, timeout=0.3, fail_closed=[BEFORE])
    reply = await app.call(SEND, {"GroupId": gid, "Random": 2, "MsgBody": TEXT})
    assert_error(reply, 10016)
    assert "webhook failed" in reply["ErrorInfo"]


async def test_the_app_is_not_asked_about_a_send_that_cannot_go(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app, "Public", "leckie")
    hook(app, receiver, BEFORE)
    bob = await connect(app, "bob")
    try:
        with pytest.raises(GatewayError) as refused:
            await bob.send_group_msg(gid, TEXT)  # not a member
    finally:
        await bob.close()
    assert refused.value.code == 10007
    assert_error(await app.call(SEND, {"GroupId": "@TGS#2NOPE", "Random": 1, "MsgBody": TEXT}), 10010)
    await receiver.none(BEFORE)


# -- Group.CallbackAfterSendMsg (seed 32377-32585) ----------------------------------------------------


async def test_after_send_sample_body(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "jared")
    gid = await make_group(app, "Public", "leckie", "jared")
    hook(app, receiver, AFTER)
    body = {"GroupId": gid, "From_Account": "jared", "Random": 123456, "MsgBody": TEXT, "CloudCustomData": CLOUD}
    sent = await app.ok(SEND, body)
    (got,) = await receiver.wait(AFTER)
    assert got.query["OptPlatform"] == "RESTAPI"
    assert got.body == sample(
        got.body,
        CallbackCommand=AFTER,
        GroupId=gid,
        Type="Public",
        From_Account="jared",
        Operator_Account=app.admin,
        Random=123456,
        MsgSeq=sent["MsgSeq"],
        MsgTime=sent["MsgTime"],
        OnlineOnlyFlag=0,
        MsgBody=TEXT,
        CloudCustomData=CLOUD,
    )


async def test_after_send_from_devices_online_only_and_live_groups(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "jared")
    gid = await make_group(app, "Public", "leckie", "jared")
    live = await make_group(app, "AVChatRoom", "leckie")
    hook(app, receiver, AFTER)
    jared = await connect(app, "jared", platform="iOS")
    try:
        sent = await jared.send_group_msg(gid, TEXT, Random=9)
        await jared.send_group_msg(gid, TEXT, Random=10, OnlineOnlyFlag=1)
    finally:
        await jared.close()
    await app.ok(SEND, {"GroupId": live, "Random": 11, "MsgBody": TEXT})
    first, online, on_live = await receiver.wait(AFTER, 3)
    assert first.query["OptPlatform"] == "iOS"
    assert first.body["Operator_Account"] == "jared" and first.body["MsgSeq"] == sent["MsgSeq"]
    assert first.body["CloudCustomData"] == "" and first.body["OnlineOnlyFlag"] == 0
    assert online.body["OnlineOnlyFlag"] == 1 and online.body["MsgSeq"] == 0
    # a live group's messages are all online-only; the pages say OnlineOnlyFlag is 0 for them
    assert on_live.body["Type"] == "AVChatRoom" and on_live.body["OnlineOnlyFlag"] == 0
    assert on_live.body["MsgSeq"] == 0 and on_live.body["GroupId"] == live


async def test_topic_messages_use_the_group_send_callbacks(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "jared")
    gid = await make_group(app, "Community", "leckie", "jared", SupportTopic=1)
    tid = (await app.ok(M + "create_topic", {"GroupId": gid, "TopicName": "TestTopic"}))["TopicId"]
    hook(app, receiver, BEFORE, AFTER)
    body = {"GroupId": gid, "TopicId": tid, "From_Account": "jared", "Random": 123456, "MsgBody": TEXT}
    sent = await app.ok(SEND, {**body, "CloudCustomData": CLOUD})
    (asked,) = await receiver.wait(BEFORE)
    assert asked.body == sample(
        asked.body,
        CallbackCommand=BEFORE,
        GroupId=gid,
        Type="Community",
        From_Account="jared",
        Operator_Account=app.admin,
        Random=123456,
        OnlineOnlyFlag=0,
        MsgBody=TEXT,
        CloudCustomData=CLOUD,
        TopicId=tid,
    )
    (told,) = await receiver.wait(AFTER)
    assert told.body["TopicId"] == tid and told.body["MsgSeq"] == sent["MsgSeq"] == 1
    jared = await connect(app, "jared")
    try:
        await jared.send_topic_text(gid, tid, "hi")
    finally:
        await jared.close()
    _, from_device = await receiver.wait(AFTER, 2)
    assert from_device.body["TopicId"] == tid and from_device.body["Operator_Account"] == "jared"


# -- Group.CallbackSendMsgException (seed 33382-33569) ------------------------------------------------


async def test_send_exception_sample_body_for_a_muted_sender(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "jared")
    gid = await make_group(app, "Public", "leckie", "jared")
    hook(app, receiver, EXCEPTION, AFTER)
    await app.ok(FORBID, {"GroupId": gid, "Members_Account": ["jared"], "MuteTime": 60})
    body = {"GroupId": gid, "From_Account": "jared", "Random": 123456, "MsgBody": TEXT, "CloudCustomData": CLOUD}
    reply = await app.call(SEND, body)
    assert_error(reply, 10017)
    (got,) = await receiver.wait(EXCEPTION)
    assert got.body == sample(
        got.body,
        CallbackCommand=EXCEPTION,
        GroupId=gid,
        Type="Public",
        From_Account="jared",
        Operator_Account=app.admin,
        Random=123456,
        OnlineOnlyFlag=0,
        MsgBody=TEXT,
        CloudCustomData=CLOUD,
        ErrorCode=10017,
        ErrorInfo=reply["ErrorInfo"],
    )
    assert receiver.of(AFTER) == []


async def test_send_exception_triggers(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "bob", "stranger")
    gid = await make_group(app, "Public", "leckie", "bob")
    hook(app, receiver, EXCEPTION, BEFORE)
    stranger = await connect(app, "stranger", platform="Windows")
    try:
        with pytest.raises(GatewayError):
            await stranger.send_group_msg(gid, TEXT, Random=1)
    finally:
        await stranger.close()
    (not_member,) = await receiver.wait(EXCEPTION)
    assert not_member.query["OptPlatform"] == "Windows"
    assert (not_member.body["ErrorCode"], not_member.body["From_Account"]) == (10007, "stranger")
    assert not_member.body["Operator_Account"] == "stranger"

    assert_error(await app.call(SEND, {"GroupId": "@TGS#2NOPE", "Random": 2, "MsgBody": TEXT}), 10010)
    _, no_group = await receiver.wait(EXCEPTION, 2)
    assert no_group.body["ErrorCode"] == 10010 and "Type" not in no_group.body  # there is no group to type

    receiver.answers[BEFORE] = {**OK, "ErrorCode": 1}  # the app's own refusal is no exception
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 3, "MsgBody": TEXT}), 10016)
    receiver.answers[BEFORE] = OK
    await app.ok(SEND, {"GroupId": gid, "Random": 4, "MsgBody": TEXT})  # a sent message is none either
    await receiver.wait(BEFORE, 2)
    await settled(receiver, EXCEPTION, 2)


async def test_send_exception_for_the_rate_limit_and_a_topic(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app, "Public", "leckie")
    hook(app, receiver, EXCEPTION)
    app.set(group_msgs_per_second=1)
    replies = [await app.ok(SEND, {"GroupId": gid, "Random": r, "MsgBody": TEXT}) for r in range(1, 6)]
    dropped = [r for r in replies if r.get("MsgDropReason")]
    assert dropped
    got = await receiver.wait(EXCEPTION, len(dropped))
    assert {g.body["ErrorCode"] for g in got} == {10023}
    assert got[0].body["ErrorInfo"] == "msg count exceeds limit,please retry later"

    community = await make_group(app, "Community", "leckie", SupportTopic=1)
    assert_error(
        await app.call(SEND, {"GroupId": community, "TopicId": community + "@TOPIC#_gone", "MsgBody": TEXT}), 10010
    )
    (*_, topic) = await receiver.wait(EXCEPTION, len(dropped) + 1)
    assert topic.body["TopicId"] == community + "@TOPIC#_gone" and topic.body["Type"] == "Community"


async def test_send_exception_is_off_by_default(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "jared")
    gid = await make_group(app, "Public", "leckie", "jared")
    hook(app, receiver, AFTER)
    await app.ok(FORBID, {"GroupId": gid, "Members_Account": ["jared"], "MuteTime": 60})
    assert_error(await app.call(SEND, {"GroupId": gid, "From_Account": "jared", "MsgBody": TEXT}), 10017)
    await receiver.none(EXCEPTION)


# -- Group.CallbackAfterRecallMsg (seed 33070-33228) --------------------------------------------------


async def test_after_recall_sample_body_rest_device_and_topic(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app, "Community", "leckie", "bob", SupportTopic=1)
    tid = (await app.ok(M + "create_topic", {"GroupId": gid, "TopicName": "TestTopic"}))["TopicId"]
    hook(app, receiver, RECALLED)
    seq = (await app.ok(SEND, {"GroupId": gid, "TopicId": tid, "Random": 1, "MsgBody": TEXT}))["MsgSeq"]
    await app.ok(RECALL, {"GroupId": gid, "TopicId": tid, "MsgSeqList": [{"MsgSeq": seq}]})
    (got,) = await receiver.wait(RECALLED)
    assert got.query["OptPlatform"] == "RESTAPI"
    assert got.body == sample(
        got.body,
        CallbackCommand=RECALLED,
        Operator_Account=app.admin,
        Type="Community",
        GroupId=gid,
        MsgSeqList=[{"MsgSeq": seq}],
        TopicId=tid,
    )
    bob = await connect(app, "bob", platform="Web")
    try:
        mine = await bob.send_group_msg(gid, TEXT)
        await bob.recall_group_msg(gid, mine["MsgSeq"])
    finally:
        await bob.close()
    _, from_device = await receiver.wait(RECALLED, 2)
    assert from_device.query["OptPlatform"] == "Web"
    assert from_device.body["Operator_Account"] == "bob" and "TopicId" not in from_device.body
    assert from_device.body["MsgSeqList"] == [{"MsgSeq": mine["MsgSeq"]}]
    await app.ok(BY_SENDER, {"GroupId": gid, "Sender_Account": "bob"})  # a deletion, not a recall
    await settled(receiver, RECALLED, 2)


# -- Group.CallbackAfterReadReceipt (seed 34456-34629) ------------------------------------------------


async def test_after_read_receipt_sample_body(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "user0", *[f"u{i}" for i in range(6)])
    gid = await make_group(app, "Public", "leckie", "user0", *[f"u{i}" for i in range(6)])
    hook(app, receiver, RECEIPT)
    leckie = await connect(app, "leckie")
    user0 = await connect(app, "user0", platform="Android")
    try:
        s1 = (await leckie.send_group_msg(gid, TEXT, IsNeedReadReceipt=1))["MsgSeq"]
        s2 = (await leckie.send_group_msg(gid, TEXT, IsNeedReadReceipt=1))["MsgSeq"]
        await user0.group_receipt(gid, [s2, s1])
        await user0.group_receipt(gid, [s1])  # already read: nothing new, no callback
    finally:
        await leckie.close()
        await user0.close()
    (got,) = await receiver.wait(RECEIPT)
    assert got.query["OptPlatform"] == "Android"
    reader = [{"Member_Account": "user0"}]
    assert got.body == sample(
        got.body,
        CallbackCommand=RECEIPT,
        GroupId=gid,
        Type="Public",
        GroupMsgReceiptList=[
            {"MsgSeq": s1, "ReadNum": 1, "UnreadNum": 6, "ReadReceiptMembers": reader},
            {"MsgSeq": s2, "ReadNum": 1, "UnreadNum": 6, "ReadReceiptMembers": reader},
        ],
    )
    await settled(receiver, RECEIPT, 1)


# -- topics (seed 33570-34149) ------------------------------------------------------------------------


async def test_before_create_topic_sample_body_and_verdicts(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app, "Community", "leckie", SupportTopic=1)
    hook(app, receiver, BEFORE_TOPIC)
    await app.ok(M + "create_topic", {"GroupId": gid, "TopicName": "MyFirstTopic", "From_Account": "leckie"})
    (got,) = await receiver.wait(BEFORE_TOPIC)
    assert got.query["OptPlatform"] == "RESTAPI"
    # the sample's fields, and the community's GroupId (the sample has none: which community?)
    assert got.body == {
        "CallbackCommand": BEFORE_TOPIC,
        "GroupId": gid,
        "Operator_Account": "leckie",
        "Type": "Community",
        "Name": "MyFirstTopic",
    }
    receiver.answers[BEFORE_TOPIC] = {**OK, "ErrorCode": 1}
    assert_error(await app.call(M + "create_topic", {"GroupId": gid, "TopicName": "no"}), 10016)
    receiver.answers[BEFORE_TOPIC] = {"ActionStatus": "OK", "ErrorCode": 10199, "ErrorInfo": "name taken"}
    reply = await app.call(M + "create_topic", {"GroupId": gid, "TopicName": "no"})
    assert (reply["ErrorCode"], reply["ErrorInfo"]) == (10199, "name taken")
    topics = (await app.ok(M + "get_topic", {"GroupId": gid}))["TopicAndSelfInfo"]
    assert [t["TopicInfo"]["TopicName"] for t in topics] == ["MyFirstTopic"]  # refused ones were not created
    # the community's own errors come first: the app is not asked about a group that has no topics
    plain = await make_group(app, "Community", "leckie")
    assert_error(await app.call(M + "create_topic", {"GroupId": plain, "TopicName": "x"}), 11000)
    assert len(receiver.of(BEFORE_TOPIC)) == 3


async def test_after_create_topic_sample_body_and_import_triggers_nothing(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "group_root")
    gid = await make_group(app, "Community", "leckie", "group_root", SupportTopic=1)
    hook(app, receiver, BEFORE_TOPIC, AFTER_TOPIC)
    body = {"GroupId": gid, "TopicName": "MyFirstTopic", "From_Account": "group_root"}
    tid = (await app.ok(M + "create_topic", body))["TopicId"]
    (got,) = await receiver.wait(AFTER_TOPIC)
    assert got.body == {
        "CallbackCommand": AFTER_TOPIC,
        "GroupId": gid,
        "TopicId": tid,
        "Operator_Account": "group_root",
        "Owner_Account": "leckie",
        "Type": "Community",
        "Name": "MyFirstTopic",
    }
    await app.ok(G + "import_topic", {"GroupId": gid, "TopicName": "old"})
    await settled(receiver, AFTER_TOPIC, 1)
    assert len(receiver.of(BEFORE_TOPIC)) == 1


async def test_after_topic_destroyed_sample_body(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app, "Community", "leckie", SupportTopic=1)
    a = await app.ok(M + "create_topic", {"GroupId": gid, "TopicName": "a", "TopicId": f"{gid}@TOPIC#_TestTopic"})
    b = await app.ok(M + "create_topic", {"GroupId": gid, "TopicName": "b", "TopicId": f"{gid}@TOPIC#_TestTopic_1"})
    hook(app, receiver, TOPIC_GONE)
    ids = [a["TopicId"], b["TopicId"]]
    await app.ok(M + "destroy_topic", {"GroupId": gid, "TopicIdList": [*ids, f"{gid}@TOPIC#_never"]})
    (got,) = await receiver.wait(TOPIC_GONE)
    assert got.body == {"CallbackCommand": TOPIC_GONE, "GroupId": gid, "Type": "Community", "TopicIdList": ids}
    await app.ok(M + "destroy_topic", {"GroupId": gid, "TopicIdList": ids})  # nothing left to destroy
    await settled(receiver, TOPIC_GONE, 1)


async def test_after_topic_info_changed_sample_body(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie")
    gid = await make_group(app, "Community", "leckie", SupportTopic=1)
    tid = (await app.ok(M + "create_topic", {"GroupId": gid, "TopicName": "t"}))["TopicId"]
    hook(app, receiver, TOPIC_INFO)
    changes = {
        "TopicName": "TestTopic",
        "Introduction": "TestIntroduction",
        "Notification": "NewNotification",
        "FaceUrl": "http://this.is.face.url",
    }
    await app.ok(M + "modify_topic", {"GroupId": gid, "TopicId": tid, "From_Account": "leckie", **changes})
    (got,) = await receiver.wait(TOPIC_INFO)
    # the sample's fields, and the topic's TopicId (the sample has none: which topic?)
    assert got.body == {
        "CallbackCommand": TOPIC_INFO,
        "GroupId": gid,
        "TopicId": tid,
        "Type": "Community",
        "Operator_Account": "leckie",
        "Name": "TestTopic",
        "Introduction": "TestIntroduction",
        "Notification": "NewNotification",
        "FaceUrl": "http://this.is.face.url",
    }
    await app.ok(M + "modify_topic", {"GroupId": gid, "TopicId": tid, "Notification": "again"})
    _, only = await receiver.wait(TOPIC_INFO, 2)
    assert only.body["Notification"] == "again" and "Name" not in only.body
    assert only.body["Operator_Account"] == app.admin
    # other fields do not trigger it (seed 34031-34033)
    await app.ok(M + "modify_topic", {"GroupId": gid, "TopicId": tid, "CustomString": "x", "MuteAllMember": "On"})
    await settled(receiver, TOPIC_INFO, 2)


_GROUP_SWITCHES = {
    BEFORE_TOPIC: "Group.CallbackBeforeCreateGroup",
    AFTER_TOPIC: "Group.CallbackAfterCreateGroup",
    TOPIC_GONE: "Group.CallbackAfterGroupDestroyed",
    TOPIC_INFO: "Group.CallbackAfterGroupInfoChanged",
}


async def test_topic_callbacks_share_the_group_switches(app: AppHandle, receiver: Receiver) -> None:
    """Seed 33580, 33722, 33877, 34017: each topic callback is on with its group callback's switch."""
    await app.import_accounts("leckie")
    gid = await make_group(app, "Community", "leckie", SupportTopic=1)
    hook(app, receiver, *_GROUP_SWITCHES.values())
    tid = (await app.ok(M + "create_topic", {"GroupId": gid, "TopicName": "t"}))["TopicId"]
    await app.ok(M + "modify_topic", {"GroupId": gid, "TopicId": tid, "TopicName": "u"})
    await app.ok(M + "destroy_topic", {"GroupId": gid, "TopicIdList": [tid]})
    for command in _GROUP_SWITCHES:
        await receiver.wait(command)


async def test_send_exception_for_a_body_refused_before_it_is_a_message(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await make_group(app, "Public", "leckie", "bob")
    hook(app, receiver, EXCEPTION)
    bad = [{"MsgType": "TIMNoSuchElem", "MsgContent": {}}]
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 7, "MsgBody": bad}), 10004)
    (got,) = await receiver.wait(EXCEPTION)
    assert (got.body["ErrorCode"], got.body["MsgBody"], got.body["Random"]) == (10004, bad, 7)
    huge = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 13000}}]
    bob = await connect(app, "bob", platform="Android")
    try:
        with pytest.raises(GatewayError) as caught:
            await bob.send_group_msg(gid, huge, Random=8)
        assert caught.value.code == 80002
    finally:
        await bob.close()
    second = (await receiver.wait(EXCEPTION, 2))[1]
    assert (second.body["ErrorCode"], second.body["From_Account"]) == (80002, "bob")
    assert second.query["OptPlatform"] == "Android"
