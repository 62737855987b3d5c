"""Communities with topics (issue 14): create_topic, destroy_topic, get_topic, modify_topic (seed 004
lines 19138-20148), import_topic (20149-20389), topic messages through the group message APIs'
`TopicId`, the community summaries of get_joined_group_list, and the gateway's topic operations."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from confab.client import GatewayError
from confab.domain.groups import topics
from tests.gateway import connect
from tests.support import AppHandle, assert_error

CREATE_GROUP = "group_open_http_svc/create_group"
IMPORT_GROUP = "group_open_http_svc/import_group"
DESTROY_GROUP = "group_open_http_svc/destroy_group"
ADD = "group_open_http_svc/add_group_member"
CREATE = "million_group_open_http_svc/create_topic"
DESTROY = "million_group_open_http_svc/destroy_topic"
GET = "million_group_open_http_svc/get_topic"
MODIFY = "million_group_open_http_svc/modify_topic"
IMPORT = "group_open_http_svc/import_topic"
SEND = "group_open_http_svc/send_group_msg"
HISTORY = "group_open_http_svc/group_msg_get_simple"
RECALL = "group_open_http_svc/group_msg_recall"
IMPORT_MSG = "group_open_http_svc/import_group_msg"
MODIFY_MSG = "openim/modify_group_msg"
BY_SENDER = "group_open_http_svc/delete_group_msg_by_sender"
JOINED = "group_open_http_svc/get_joined_group_list"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "red packet"}}]
SAMPLE_GID = "@TGS#_@TGS#cQVLVHIM62CJ"  # the pages' community: replaced by the test's own


async def community(app: AppHandle, owner: str = "leckie", *members: str, topics_on: bool = True) -> str:
    body: dict[str, Any] = {
        "Type": "Community",
        "Name": "c",
        "Owner_Account": owner,
        "MemberList": [{"Member_Account": m} for m in members],
    }
    if topics_on:
        body["SupportTopic"] = 1
    return str((await app.ok(CREATE_GROUP, body))["GroupId"])


def ours(sample: dict[str, Any], gid: str) -> dict[str, Any]:
    """A page's sample request with its community replaced by ours."""
    out: dict[str, Any] = {}
    for key, value in sample.items():
        if isinstance(value, str):
            value = value.replace(SAMPLE_GID, gid)
        elif isinstance(value, list):
            value = [v.replace(SAMPLE_GID, gid) if isinstance(v, str) else v for v in value]
        out[key] = value
    return out


async def new_topic(app: AppHandle, gid: str, name: str = "t", **extra: Any) -> str:
    return str((await app.ok(CREATE, {"GroupId": gid, "TopicName": name, **extra}))["TopicId"])


async def topic_info(app: AppHandle, gid: str, tid: str, **extra: Any) -> dict[str, Any]:
    reply = await app.ok(GET, {"GroupId": gid, "TopicIdList": [tid], **extra})
    [item] = reply["TopicAndSelfInfo"]
    assert item["ErrorCode"] == 0, item
    return item


# -- create_topic (seed 19138-19402) -------------------------------------------------------------------


async def test_create_topic_samples(app: AppHandle) -> None:
    await app.import_accounts("leckie", "1400187352")
    gid = await community(app)
    basic = await app.ok(CREATE, ours({"GroupId": SAMPLE_GID, "TopicName": "TestTopic"}, gid))
    assert basic["TopicId"].startswith(gid + "@TOPIC#_@TOPIC#c")
    assert len(basic["TopicId"].encode()) <= 96
    custom = {"GroupId": SAMPLE_GID, "TopicId": SAMPLE_GID + "@TOPIC#_TestTopic", "TopicName": "TestTopic"}
    assert (await app.ok(CREATE, ours(custom, gid)))["TopicId"] == gid + "@TOPIC#_TestTopic"
    all_in_one = {
        "GroupId": SAMPLE_GID,
        "TopicId": SAMPLE_GID + "@TOPIC#_TestTopic2",
        "TopicName": "TestTopic",
        "From_Account": "1400187352",
        "CustomString": "This is a custom string",
        "FaceUrl": "http://this.is.face.url",
        "Notification": "This is topic Notification",
        "Introduction": "This is topic Introduction",
    }
    tid = (await app.ok(CREATE, ours(all_in_one, gid)))["TopicId"]
    assert tid == gid + "@TOPIC#_TestTopic2"
    info = (await topic_info(app, gid, tid))["TopicInfo"]
    assert info["TopicName"] == "TestTopic" and info["GroupID"] == gid and info["TopicId"] == tid
    assert info["CustomString"] == "This is a custom string" and info["FaceUrl"] == "http://this.is.face.url"
    assert info["Notification"] == "This is topic Notification"
    assert info["Introduction"] == "This is topic Introduction"
    assert info["NextMsgSeq"] == 1 and info["LastMsgTime"] == 0 and info["MuteAllMember"] == "Off"


@pytest.mark.parametrize(
    ("field", "limit"),
    [("TopicName", 30), ("Introduction", 240), ("Notification", 300), ("FaceUrl", 100), ("CustomString", 3000)],
)
async def test_topic_text_limits_are_bytes(app: AppHandle, field: str, limit: int) -> None:
    await app.import_accounts("leckie")
    gid = await community(app)
    body: dict[str, Any] = {"GroupId": gid, "TopicName": "t"}
    body[field] = "话" * (limit // 3) + "x" * (limit % 3)  # exactly `limit` bytes
    tid = str((await app.ok(CREATE, body))["TopicId"])
    body[field] += "x"
    assert_error(await app.call(CREATE, body), 10004)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "TopicId": tid, field: body[field]}), 10004)


@pytest.mark.parametrize(
    "part",
    [
        "",  # nothing after the mark
        "@TOPIC#abc",  # the server's form
        "x@TGS#_y",  # a community prefix inside
        "caf\u00e9",  # not ASCII
        "tab\there",  # not printable
        "x" * 70,  # over 96 bytes whole
    ],
)
async def test_custom_topic_id_rules(app: AppHandle, part: str) -> None:
    await app.import_accounts("leckie")
    gid = await community(app)
    reply = await app.call(CREATE, {"GroupId": gid, "TopicId": f"{gid}@TOPIC#_{part}", "TopicName": "t"})
    assert_error(reply, 10004)


async def test_custom_topic_id_must_be_under_its_community(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await community(app)
    other = await community(app)
    assert_error(await app.call(CREATE, {"GroupId": gid, "TopicId": f"{other}@TOPIC#_a", "TopicName": "t"}), 10004)
    assert_error(await app.call(CREATE, {"GroupId": gid, "TopicId": "plain", "TopicName": "t"}), 10004)
    exact = f"{gid}@TOPIC#_" + "y" * (96 - len(gid) - 8)
    assert (await app.ok(CREATE, {"GroupId": gid, "TopicId": exact, "TopicName": "t"}))["TopicId"] == exact


async def test_create_topic_codes(app: AppHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    await app.import_accounts("leckie")
    gid = await community(app)
    plain = await community(app, topics_on=False)
    public = (await app.ok(CREATE_GROUP, {"Type": "Public", "Name": "p", "Owner_Account": "leckie"}))["GroupId"]
    assert_error(await app.call(CREATE, {"GroupId": public, "TopicName": "t"}), 10007)
    assert_error(await app.call(CREATE, {"GroupId": plain, "TopicName": "t"}), 11000)
    assert_error(await app.call(CREATE, {"GroupId": "@TGS#_nope", "TopicName": "t"}), 10010)
    assert_error(await app.call(CREATE, {"GroupId": "\x01bad", "TopicName": "t"}), 10015)
    assert_error(await app.call(CREATE, {"GroupId": gid}), 10004)
    assert_error(await app.call(CREATE, {"GroupId": gid, "TopicName": ""}), 10004)
    assert_error(await app.call(CREATE, {"GroupId": gid, "TopicName": 5}), 10004)
    assert_error(await app.call(CREATE, {"GroupId": gid, "TopicName": "t", "From_Account": "ghost"}), 10004)
    custom = {"GroupId": gid, "TopicId": f"{gid}@TOPIC#_dup", "TopicName": "t"}
    await app.ok(CREATE, custom)
    assert_error(await app.call(CREATE, custom), 10025)
    monkeypatch.setattr(topics, "TOPICS_MAX", 2)
    await new_topic(app, gid)
    assert_error(await app.call(CREATE, {"GroupId": gid, "TopicName": "t"}), 10037)


# -- destroy_topic (seed 19403-19609) ------------------------------------------------------------------


async def test_destroy_topic_sample_and_codes(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await community(app)
    for name in ("TestTopic", "TestTopic_1"):
        await app.ok(CREATE, {"GroupId": gid, "TopicId": f"{gid}@TOPIC#_{name}", "TopicName": name})
    sample = {
        "GroupId": SAMPLE_GID,
        "TopicIdList": [SAMPLE_GID + "@TOPIC#_TestTopic", SAMPLE_GID + "@TOPIC#_TestTopic_1"],
    }
    reply = await app.ok(DESTROY, ours(sample, gid))
    assert reply["DestroyResultItem"] == [
        {"ErrorCode": 0, "ErrorInfo": "ok", "TopicId": f"{gid}@TOPIC#_TestTopic"},
        {"ErrorCode": 0, "ErrorInfo": "ok", "TopicId": f"{gid}@TOPIC#_TestTopic_1"},
    ]
    again = await app.ok(DESTROY, {"GroupId": gid, "TopicIdList": [f"{gid}@TOPIC#_TestTopic", "elsewhere"]})
    assert [i["ErrorCode"] for i in again["DestroyResultItem"]] == [110003, 110002]
    assert all(i["ErrorInfo"] for i in again["DestroyResultItem"])
    assert_error(await app.call(DESTROY, {"GroupId": gid, "TopicIdList": []}), 10004)
    assert_error(await app.call(DESTROY, {"GroupId": gid}), 10004)
    assert_error(await app.call(DESTROY, {"GroupId": gid, "TopicIdList": ["x"] * 101}), 10004)
    plain = await community(app, topics_on=False)
    assert_error(await app.call(DESTROY, {"GroupId": plain, "TopicIdList": [f"{plain}@TOPIC#_a"]}), 11000)
    public = (await app.ok(CREATE_GROUP, {"Type": "Public", "Name": "p", "Owner_Account": "leckie"}))["GroupId"]
    assert_error(await app.call(DESTROY, {"GroupId": public, "TopicIdList": [f"{public}@TOPIC#_a"]}), 10007)
    assert_error(await app.call(DESTROY, {"GroupId": "\x01", "TopicIdList": ["a"]}), 10015)


async def test_destroying_a_topic_removes_its_history(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await community(app, "leckie", "bob")
    tid = await new_topic(app, gid, TopicId=f"{gid}@TOPIC#_news")
    for i in range(3):
        await app.ok(SEND, {"GroupId": gid, "TopicId": tid, "Random": i, "MsgBody": TEXT})
    bob = await connect(app, "bob")
    try:
        assert (await bob.read_topic(gid, tid))["MsgSeq"] == 3
    finally:
        await bob.close()
    await app.ok(DESTROY, {"GroupId": gid, "TopicIdList": [tid]})
    assert_error(await app.call(HISTORY, {"GroupId": gid, "TopicId": tid, "ReqMsgNumber": 20}), 10010)
    again = await new_topic(app, gid, TopicId=tid)  # the same ID: nothing of the old topic is left
    assert (await app.ok(HISTORY, {"GroupId": gid, "TopicId": again, "ReqMsgNumber": 20}))["RspMsgList"] == []
    item = await topic_info(app, gid, again, From_Account="bob")
    assert item["TopicInfo"]["NextMsgSeq"] == 1 and item["SelfInfo"]["MsgSeq"] == 0


async def test_destroying_the_community_removes_its_topics(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    body = {"Type": "Community", "Name": "c", "Owner_Account": "leckie", "SupportTopic": 1, "GroupId": "@TGS#_mine"}
    gid = (await app.ok(CREATE_GROUP, body))["GroupId"]
    tid = await new_topic(app, gid, TopicId=f"{gid}@TOPIC#_a")
    await app.ok(SEND, {"GroupId": gid, "TopicId": tid, "Random": 1, "MsgBody": TEXT})
    await app.ok(DESTROY_GROUP, {"GroupId": gid})
    assert_error(await app.call(GET, {"GroupId": gid}), 10010)
    await app.ok(CREATE_GROUP, body)
    assert (await app.ok(GET, {"GroupId": gid}))["TopicAndSelfInfo"] == []
    again = await new_topic(app, gid, TopicId=tid)
    assert (await app.ok(HISTORY, {"GroupId": gid, "TopicId": again, "ReqMsgNumber": 20}))["RspMsgList"] == []


# -- get_topic (seed 19610-19929) ----------------------------------------------------------------------


async def test_get_topic_samples(app: AppHandle) -> None:
    await app.import_accounts("leckie", "1400187352")
    gid = await community(app, "leckie", "1400187352")
    first = await new_topic(app, gid, "first")
    tid = await new_topic(
        app,
        gid,
        "TestTopicName",
        FaceUrl="http://this.is.new.face.url",
        Notification="Notification",
        Introduction="Introduction",
        CustomString="This is a customs string.",
    )
    basic = await app.ok(GET, {"GroupId": gid, "From_Account": "1400187352"})
    assert [i["TopicInfo"]["TopicId"] for i in basic["TopicAndSelfInfo"]] == [first, tid]  # oldest first
    listed = await app.ok(GET, {"GroupId": gid, "From_Account": "1400187352", "TopicIdList": [tid]})
    [item] = listed["TopicAndSelfInfo"]
    assert item["ErrorCode"] == 0 and item["ErrorInfo"] == "ok"
    assert item["SelfInfo"] == {"ShutUpTime": 0, "MsgSeq": 0, "MsgFlag": "AcceptAndNotify"}
    info = item["TopicInfo"]
    assert set(info) == {
        "TopicName",
        "GroupID",
        "FaceUrl",
        "TopicId",
        "NextMsgSeq",
        "Notification",
        "Introduction",
        "CreateTime",
        "LastMsgTime",
        "MuteAllMember",
        "CustomString",
    }
    assert info["NextMsgSeq"] == 1 and info["MuteAllMember"] == "Off" and info["CreateTime"] > 0
    filtered = await app.ok(
        GET,
        {
            "GroupId": gid,
            "From_Account": "1400187352",
            "TopicIdList": [tid],
            "ResponseFilter": ["TopicName", "FaceUrl", "Notification", "Introduction"],
        },
    )
    assert filtered["TopicAndSelfInfo"][0]["TopicInfo"] == {
        "TopicName": "TestTopicName",
        "GroupID": gid,
        "FaceUrl": "http://this.is.new.face.url",
        "TopicId": tid,
        "Notification": "Notification",
        "Introduction": "Introduction",
    }


async def test_get_topic_codes(app: AppHandle) -> None:
    await app.import_accounts("leckie", "stranger")
    gid = await community(app)
    tid = await new_topic(app, gid)
    reply = await app.ok(GET, {"GroupId": gid, "TopicIdList": [tid, f"{gid}@TOPIC#_gone"]})
    assert [i["ErrorCode"] for i in reply["TopicAndSelfInfo"]] == [0, 110003]
    assert reply["TopicAndSelfInfo"][1]["TopicInfo"]["TopicId"] == f"{gid}@TOPIC#_gone"
    assert "SelfInfo" not in reply["TopicAndSelfInfo"][0]  # no From_Account: nobody's SelfInfo
    assert_error(await app.call(GET, {"GroupId": gid, "From_Account": "stranger"}), 10007)
    assert_error(await app.call(GET, {"GroupId": gid, "ResponseFilter": ["Nope"]}), 10004)
    assert_error(await app.call(GET, {"GroupId": gid, "TopicIdList": [5]}), 10004)
    assert_error(await app.call(GET, {"GroupId": "@TGS#_missing"}), 10010)
    assert_error(await app.call(GET, {"GroupId": await community(app, topics_on=False)}), 11000)


# -- modify_topic (seed 19930-20148) -------------------------------------------------------------------


async def test_modify_topic_samples_and_codes(app: AppHandle) -> None:
    await app.import_accounts("leckie", "1400187352")
    gid = await community(app)
    tid = await new_topic(app, gid, "old")
    await app.ok(MODIFY, {"GroupId": gid, "TopicId": tid, "TopicName": "TestTopicName", "Notification": "Notification"})
    info = (await topic_info(app, gid, tid))["TopicInfo"]
    assert info["TopicName"] == "TestTopicName" and info["Notification"] == "Notification"
    all_in_one = {
        "GroupId": gid,
        "TopicId": tid,
        "From_Account": "1400187352",
        "TopicName": "TestTopicName",
        "FaceUrl": "http://this.is.new.face.url",
        "Notification": "Notification",
        "Introduction": "Introduction",
        "MuteAllMember": "On",
        "CustomString": "This is a customs string.",
    }
    await app.ok(MODIFY, all_in_one)
    info = (await topic_info(app, gid, tid))["TopicInfo"]
    assert info["MuteAllMember"] == "On" and info["CustomString"] == "This is a customs string."
    assert info["FaceUrl"] == "http://this.is.new.face.url" and info["Introduction"] == "Introduction"
    assert_error(await app.call(MODIFY, {"GroupId": gid, "TopicId": f"{gid}@TOPIC#_gone", "TopicName": "x"}), 10010)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "TopicName": "x"}), 10004)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "TopicId": tid, "MuteAllMember": "Maybe"}), 10004)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "TopicId": tid, "TopicName": ""}), 10004)
    assert_error(
        await app.call(MODIFY, {"GroupId": gid, "TopicId": tid, "From_Account": "ghost", "TopicName": "y"}), 10004
    )
    assert_error(await app.call(MODIFY, {"GroupId": "\x01", "TopicId": tid}), 10015)
    plain = await community(app, topics_on=False)
    assert_error(await app.call(MODIFY, {"GroupId": plain, "TopicId": f"{plain}@TOPIC#_a"}), 11000)


# -- import_topic (seed 20149-20389) -------------------------------------------------------------------


async def test_import_topic_samples_and_codes(app: AppHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    await app.import_accounts("leckie")
    old = {"Type": "Community", "Name": "c", "Owner_Account": "leckie", "SupportTopic": 1, "CreateTime": 1400000000}
    gid = (await app.ok(IMPORT_GROUP, old))["GroupId"]
    tap = app.server.tap()
    try:
        basic = await app.ok(IMPORT, {"GroupId": gid, "TopicName": "test_topic3", "CreateTime": 1448357837})
        assert basic["TopicId"].startswith(gid + "@TOPIC#_@TOPIC#c")
        optional = {
            "Type": "Community",
            "GroupId": gid,
            "TopicName": "test_topic3",
            "Introduction": "This is topic Introduction",
            "Notification": "This is topic Notification",
            "FaceUrl": "http://this.is.face.url",
            "CreateTime": 1448357837,
        }
        tid = (await app.ok(IMPORT, optional))["TopicId"]
        info = (await topic_info(app, gid, tid))["TopicInfo"]
        assert info["CreateTime"] == 1448357837 and info["Introduction"] == "This is topic Introduction"
        events = tap.drain()
    finally:
        app.server.untap(tap)
    created = [e for e in events if isinstance(e, topics.TopicCreated)]
    assert [e.how for e in created] == ["imported", "imported"]  # no tip: imports deliver no notification
    assert not any(getattr(e, "kind", "") == "GroupEntry" and e.group_id == gid for e in events)  # type: ignore[attr-defined]
    custom = {"GroupId": gid, "TopicId": f"{gid}@TOPIC#_x", "TopicName": "t"}
    await app.ok(IMPORT, custom)
    assert_error(await app.call(IMPORT, custom), 10021)
    assert_error(await app.call(IMPORT, {"GroupId": gid, "TopicName": "t", "Type": "Public"}), 10004)
    assert_error(await app.call(IMPORT, {"GroupId": gid, "TopicName": "t", "CreateTime": 1300000000}), 10004)
    assert_error(await app.call(IMPORT, {"GroupId": gid, "TopicName": "t", "CreateTime": 4000000000}), 10004)
    assert_error(await app.call(IMPORT, {"GroupId": gid}), 10004)
    assert_error(await app.call(IMPORT, {"GroupId": "@TGS#_none", "TopicName": "t"}), 10010)
    assert_error(await app.call(IMPORT, {"GroupId": "\x01", "TopicName": "t"}), 10015)
    public = (await app.ok(CREATE_GROUP, {"Type": "Public", "Name": "p", "Owner_Account": "leckie"}))["GroupId"]
    assert_error(await app.call(IMPORT, {"GroupId": public, "TopicName": "t"}), 10007)
    assert_error(await app.call(IMPORT, {"GroupId": await community(app, topics_on=False), "TopicName": "t"}), 11000)
    monkeypatch.setattr(topics, "TOPICS_MAX", 3)
    assert_error(await app.call(IMPORT, {"GroupId": gid, "TopicName": "t"}), 10037)


# -- topic messages ------------------------------------------------------------------------------------


async def test_topic_messages_have_their_own_seq_history_and_recall(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await community(app, "leckie", "bob")
    a = await new_topic(app, gid, "a")
    b = await new_topic(app, gid, "b")
    group_seq = (await app.ok(SEND, {"GroupId": gid, "Random": 1, "MsgBody": TEXT}))["MsgSeq"]
    sent_a = [(await app.ok(SEND, {"GroupId": gid, "TopicId": a, "Random": 10 + i, "MsgBody": TEXT})) for i in range(3)]
    sent_b = await app.ok(SEND, {"GroupId": gid, "TopicId": b, "Random": 20, "From_Account": "bob", "MsgBody": TEXT})
    assert [s["MsgSeq"] for s in sent_a] == [1, 2, 3] and sent_b["MsgSeq"] == 1
    assert (await app.ok(SEND, {"GroupId": gid, "Random": 2, "MsgBody": TEXT}))["MsgSeq"] == group_seq + 1
    page = await app.ok(HISTORY, {"GroupId": gid, "TopicId": a, "ReqMsgNumber": 20})
    assert "TopicId" not in page and [m["MsgSeq"] for m in page["RspMsgList"]] == [3, 2, 1]
    assert page["RspMsgList"][0]["MsgBody"] == TEXT
    info = (await topic_info(app, gid, a))["TopicInfo"]
    assert info["NextMsgSeq"] == 4 and info["LastMsgTime"] >= sent_a[-1]["MsgTime"]
    recalled = await app.ok(RECALL, {"GroupId": gid, "TopicId": a, "MsgSeqList": [{"MsgSeq": 2}, {"MsgSeq": 9}]})
    assert recalled["RecallRetList"] == [{"MsgSeq": 2, "RetCode": 0}, {"MsgSeq": 9, "RetCode": 10030}]
    page = await app.ok(HISTORY, {"GroupId": gid, "TopicId": a, "ReqMsgNumber": 20})
    assert [m["MsgSeq"] for m in page["RspMsgList"]] == [3, 1]
    # the group's own stream and topic b are untouched
    assert [
        m["MsgSeq"] for m in (await app.ok(HISTORY, {"GroupId": gid, "TopicId": b, "ReqMsgNumber": 5}))["RspMsgList"]
    ] == [1]
    own = await app.ok(HISTORY, {"GroupId": gid, "ReqMsgNumber": 20})
    assert all("TopicId" not in m for m in own["RspMsgList"]) and "TopicId" not in own
    await app.ok(BY_SENDER, {"GroupId": gid, "TopicId": b, "Sender_Account": "bob"})
    assert (await app.ok(HISTORY, {"GroupId": gid, "TopicId": b, "ReqMsgNumber": 5}))["RspMsgList"] == []


async def test_topic_message_codes(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await community(app)
    tid = await new_topic(app, gid)
    gone = f"{gid}@TOPIC#_gone"
    assert_error(await app.call(SEND, {"GroupId": gid, "TopicId": gone, "Random": 1, "MsgBody": TEXT}), 10010)
    assert_error(await app.call(SEND, {"GroupId": gid, "TopicId": 7, "Random": 1, "MsgBody": TEXT}), 10004)
    assert_error(await app.call(HISTORY, {"GroupId": gid, "TopicId": gone, "ReqMsgNumber": 5}), 10010)
    assert_error(await app.call(RECALL, {"GroupId": gid, "TopicId": gone, "MsgSeqList": [{"MsgSeq": 1}]}), 10010)
    msg = {"From_Account": "leckie", "SendTime": 1700000000, "Random": 1, "MsgBody": TEXT}
    assert_error(await app.call(IMPORT_MSG, {"GroupId": gid, "TopicId": gone, "MsgList": [msg]}), 10010)
    assert_error(await app.call(MODIFY_MSG, {"GroupId": gid, "TopicId": gone, "MsgSeq": 1, "MsgBody": TEXT}), 20001)
    assert_error(await app.call(MODIFY_MSG, {"GroupId": gid, "TopicId": tid, "MsgSeq": 1, "MsgBody": TEXT}), 20001)
    notify = "group_open_http_svc/send_group_system_notification"
    assert_error(await app.call(notify, {"GroupId": gid, "Content": "x", "TopicId": tid}), 10004)
    assert_error(await app.call(notify, {"GroupId": gid, "Content": "x", "TopicId": "elsewhere"}), 10010)
    public = (await app.ok(CREATE_GROUP, {"Type": "Public", "Name": "p", "Owner_Account": "leckie"}))["GroupId"]
    assert_error(await app.call(SEND, {"GroupId": public, "TopicId": f"{public}@TOPIC#_a", "MsgBody": TEXT}), 10010)


async def test_import_and_modify_topic_messages(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    old = {"Type": "Community", "Name": "c", "Owner_Account": "leckie", "SupportTopic": 1, "CreateTime": 1600000000}
    gid = (await app.ok(IMPORT_GROUP, old))["GroupId"]
    tid = (await app.ok(IMPORT, {"GroupId": gid, "TopicName": "t", "CreateTime": 1600000100}))["TopicId"]
    msgs = [{"From_Account": "leckie", "SendTime": 1620892800 + i, "Random": i, "MsgBody": TEXT} for i in range(1, 4)]
    early = {"From_Account": "bob", "SendTime": 1600000050, "Random": 9, "MsgBody": TEXT}  # before the topic
    reply = await app.ok(IMPORT_MSG, {"GroupId": gid, "TopicId": tid, "MsgList": [early, *msgs]})
    assert [(r["MsgSeq"], r["Result"]) for r in reply["ImportMsgResult"]] == [(0, 10004), (1, 0), (2, 0), (3, 0)]
    await app.ok(MODIFY_MSG, {"GroupId": gid, "TopicId": tid, "MsgSeq": 2, "CloudCustomData": "edited"})
    page = await app.ok(HISTORY, {"GroupId": gid, "TopicId": tid, "ReqMsgNumber": 20})
    assert [m["MsgSeq"] for m in page["RspMsgList"]] == [3, 2, 1]
    assert page["RspMsgList"][1]["CloudCustomData"] == "edited"
    assert page["RspMsgList"][0]["MsgTimeStamp"] == 1620892803
    info = (await topic_info(app, gid, tid))["TopicInfo"]
    assert info["NextMsgSeq"] == 4 and info["LastMsgTime"] == 1620892803
    # imported history from before bob joined is read for him already
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}]})
    assert (await topic_info(app, gid, tid, From_Account="bob"))["SelfInfo"]["MsgSeq"] == 3


@pytest.mark.parametrize("n", [20])
async def test_concurrent_topic_sends_get_consecutive_seqs(app: AppHandle, n: int) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await community(app, "leckie", "bob")
    a = await new_topic(app, gid, "a")
    b = await new_topic(app, gid, "b")
    bob = await connect(app, "bob")
    try:
        rest = [app.ok(SEND, {"GroupId": gid, "TopicId": a, "Random": i, "MsgBody": TEXT}) for i in range(n // 2)]
        user = [bob.send_topic_msg(gid, a, TEXT, Random=1000 + i) for i in range(n - n // 2)]
        other = [app.ok(SEND, {"GroupId": gid, "TopicId": b, "Random": 5000 + i, "MsgBody": TEXT}) for i in range(5)]
        replies = await asyncio.gather(*rest, *user, *other)
    finally:
        await bob.close()
    assert sorted(r["MsgSeq"] for r in replies[:n]) == list(range(1, n + 1))
    assert sorted(r["MsgSeq"] for r in replies[n:]) == [1, 2, 3, 4, 5]
    assert (await topic_info(app, gid, a))["TopicInfo"]["NextMsgSeq"] == n + 1


async def test_members_get_topic_messages_and_tips_live(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "carol")
    gid = await community(app, "leckie", "bob", "carol")
    bob = await connect(app, "bob")
    carol = await connect(app, "carol")
    try:
        tid = await new_topic(app, gid, "news")
        tip = (await bob.next_event("group.tip")).data
        assert tip["TipType"] == "TopicCreated" and tip["TopicId"] == tid and tip["TopicInfo"]["TopicName"] == "news"
        sent = await app.ok(SEND, {"GroupId": gid, "TopicId": tid, "Random": 1, "MsgBody": TEXT})
        got = (await bob.next_event("group.msg")).data
        assert got["GroupId"] == gid and got["TopicId"] == tid and got["MsgSeq"] == sent["MsgSeq"] == 1
        mine = await carol.send_topic_text(gid, tid, "hello")
        assert mine["MsgSeq"] == 2 and mine["TopicId"] == tid
        got = (await bob.next_event("group.msg")).data
        assert got["From_Account"] == "carol" and got["TopicId"] == tid and got["MsgSeq"] == 2
        await app.ok(MODIFY, {"GroupId": gid, "TopicId": tid, "Notification": "n"})
        tip = (await bob.next_event("group.tip")).data
        assert tip["TipType"] == "TopicInfoChange" and tip["Changes"] == {"Notification": "n"}
        await app.ok(RECALL, {"GroupId": gid, "TopicId": tid, "MsgSeqList": [{"MsgSeq": 1}]})
        recall = (await bob.next_event("group.recall")).data
        assert recall["TopicId"] == tid and recall["MsgSeqList"] == [1]
        await app.ok(DESTROY, {"GroupId": gid, "TopicIdList": [tid]})
        tip = (await bob.next_event("group.tip")).data
        assert tip["TipType"] == "TopicDeleted" and tip["TopicIdList"] == [tid]
        # an offline device catches up from the community's stored tips
        caught = await carol.request("group_tips", GroupId=gid, AfterSeq=0, Limit=100)
        kinds = [t["TipType"] for t in caught["TipList"]]
        assert kinds[-3:] == ["TopicCreated", "TopicInfoChange", "TopicDeleted"]
    finally:
        await bob.close()
        await carol.close()


async def test_topic_events(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    gid = await community(app)
    tap = app.server.tap()
    try:
        tid = await new_topic(app, gid, "a")
        await app.ok(MODIFY, {"GroupId": gid, "TopicId": tid, "TopicName": "b"})
        await app.ok(DESTROY, {"GroupId": gid, "TopicIdList": [tid]})
        events = [
            e for e in tap.drain() if isinstance(e, topics.TopicCreated | topics.TopicChanged | topics.TopicDestroyed)
        ]
    finally:
        app.server.untap(tap)
    assert [type(e).__name__ for e in events] == ["TopicCreated", "TopicChanged", "TopicDestroyed"]
    created, changed, destroyed = events
    assert isinstance(created, topics.TopicCreated) and created.topic_id == tid and created.how == "created"
    assert created.group_type == "Community" and created.operator == app.admin
    assert isinstance(changed, topics.TopicChanged) and changed.changes == {"TopicName": "b"}
    assert isinstance(destroyed, topics.TopicDestroyed) and destroyed.topic_ids == [tid]


# -- the user side: list, send, history, read ----------------------------------------------------------


async def test_topics_over_the_gateway(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "carol", "stranger")
    gid = await community(app, "leckie", "bob")
    a = await new_topic(app, gid, "a")
    b = await new_topic(app, gid, "b")
    for i in range(3):
        await app.ok(SEND, {"GroupId": gid, "TopicId": a, "Random": i, "MsgBody": TEXT})
    bob = await connect(app, "bob")
    stranger = await connect(app, "stranger")
    try:
        listed = await bob.topics(gid)
        assert [i["TopicInfo"]["TopicId"] for i in listed] == [a, b]
        assert listed[0]["SelfInfo"]["UnreadMsgNum"] == 3 and listed[1]["SelfInfo"]["UnreadMsgNum"] == 0
        page = await bob.topic_history(gid, a, number=2)
        assert [m["MsgSeq"] for m in page["RspMsgList"]] == [3, 2]
        assert (await bob.topic_history(gid, a, seq=1))["RspMsgList"][0]["MsgSeq"] == 1
        read = await bob.read_topic(gid, a, 2)
        assert read["MsgSeq"] == 2 and read["UnreadMsgNum"] == 1
        assert (await bob.read_topic(gid, a, 1))["MsgSeq"] == 2  # only forward
        sent = await bob.send_topic_text(gid, b, "hi")  # own messages are read
        assert (await bob.topics(gid, [b]))[0]["SelfInfo"] == {
            "ShutUpTime": 0,
            "MsgSeq": sent["MsgSeq"],
            "MsgFlag": "AcceptAndNotify",
            "UnreadMsgNum": 0,
        }
        await bob.recall_topic_msg(gid, b, sent["MsgSeq"])
        assert (await bob.topic_history(gid, b))["RspMsgList"] == []
        for call in (
            stranger.topics(gid),
            stranger.send_topic_text(gid, a, "x"),
            stranger.topic_history(gid, a),
            stranger.read_topic(gid, a),
        ):
            with pytest.raises(GatewayError) as err:
                await call
            assert err.value.code == 10007
        with pytest.raises(GatewayError) as err:
            await bob.send_topic_text(gid, f"{gid}@TOPIC#_gone", "x")
        assert err.value.code == 10010
        with pytest.raises(GatewayError) as err:
            await bob.read_topic(gid, f"{gid}@TOPIC#_gone")
        assert err.value.code == 10010
        with pytest.raises(GatewayError) as err:
            await bob.topics(await community(app, "leckie", "bob", topics_on=False))
        assert err.value.code == 11000
        # a muted topic: only the owner and admins speak
        await app.ok(MODIFY, {"GroupId": gid, "TopicId": a, "MuteAllMember": "On"})
        with pytest.raises(GatewayError) as err:
            await bob.send_topic_text(gid, a, "x")
        assert err.value.code == 10017
        await bob.send_topic_text(gid, b, "the other topic is open")
        await app.ok(SEND, {"GroupId": gid, "TopicId": a, "Random": 77, "From_Account": "bob", "MsgBody": TEXT})
    finally:
        await bob.close()
        await stranger.close()


async def test_joined_list_sums_topics(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "late")
    gid = await community(app, "leckie", "bob")
    plain = await community(app, "leckie", "bob", topics_on=False)
    a = await new_topic(app, gid, "a")
    b = await new_topic(app, gid, "b")
    for i in range(2):
        await app.ok(SEND, {"GroupId": gid, "TopicId": a, "Random": i, "MsgBody": TEXT})
    await app.ok(SEND, {"GroupId": gid, "TopicId": b, "Random": 9, "MsgBody": TEXT})
    body = {"Member_Account": "bob", "GroupType": "Community", "SupportTopic": 1}
    reply = await app.ok(JOINED, body)
    assert reply["TotalCount"] == 1
    assert reply["GroupIdList"] == [
        {
            "GroupId": gid,
            "Type": "Community",
            "SupportTopic": 1,
            "GrossTopicNextMsgSeq": 4,
            "SelfInfo": {"GrossTopicReadSeq": 0},
        }
    ]
    assert plain not in [g["GroupId"] for g in reply["GroupIdList"]]
    bob = await connect(app, "bob")
    try:
        await bob.read_topic(gid, a)
    finally:
        await bob.close()
    reply = await app.ok(JOINED, body)
    assert reply["GroupIdList"][0]["SelfInfo"] == {"GrossTopicReadSeq": 2}
    # a member who joins later has nothing unread from before their joining
    await asyncio.sleep(1.1)  # MsgTime and JoinTime are in seconds
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "late"}]})
    late = (await app.ok(JOINED, {**body, "Member_Account": "late"}))["GroupIdList"][0]
    assert late["GrossTopicNextMsgSeq"] == 4 and late["SelfInfo"] == {"GrossTopicReadSeq": 3}
    assert (await topic_info(app, gid, a, From_Account="late"))["SelfInfo"]["MsgSeq"] == 2
    late_dev = await connect(app, "late")
    try:
        assert (await late_dev.topic_history(gid, a))["RspMsgList"] == []  # nothing from before joining
        await app.ok(SEND, {"GroupId": gid, "TopicId": a, "Random": 50, "MsgBody": TEXT})
        assert [m["MsgSeq"] for m in (await late_dev.topic_history(gid, a))["RspMsgList"]] == [3]
        assert (await late_dev.topics(gid, [a]))[0]["SelfInfo"]["UnreadMsgNum"] == 1
    finally:
        await late_dev.close()


async def test_group_ops_take_a_topic_id(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await community(app, "leckie", "bob")
    tid = await new_topic(app, gid)
    bob = await connect(app, "bob")
    try:
        sent = await bob.send_group_msg(gid, TEXT, TopicId=tid)
        assert sent["MsgSeq"] == 1
        page = await bob.request("group_history", GroupId=gid, TopicId=tid)
        assert page["TopicId"] == tid and [m["MsgSeq"] for m in page["RspMsgList"]] == [1]
        await app.ok(SEND, {"GroupId": gid, "TopicId": tid, "Random": 5, "MsgBody": TEXT})
        assert (await bob.request("read_group", GroupId=gid, TopicId=tid))["UnreadMsgNum"] == 0
        assert (await bob.request("recall_group_msg", GroupId=gid, TopicId=tid, MsgSeq=1))["MsgSeq"] == 1
        with pytest.raises(GatewayError) as err:
            await bob.send_group_msg(gid, TEXT, TopicId=f"{gid}@TOPIC#_gone")
        assert err.value.code == 10010
    finally:
        await bob.close()


async def test_deleting_an_account_removes_its_topic_read_positions(app: AppHandle) -> None:
    import sqlalchemy as sa

    from confab.store.tables.groups import group_topic_reads

    await app.import_accounts("leckie", "bob")
    gid = await community(app, "leckie", "bob")
    tid = await new_topic(app, gid)
    await app.ok(SEND, {"GroupId": gid, "TopicId": tid, "Random": 1, "MsgBody": TEXT})
    bob = await connect(app, "bob")
    try:
        await bob.read_topic(gid, tid)
    finally:
        await bob.close()

    async def rows() -> int:
        async with app.server.runtime.store.read() as conn:
            query = sa.select(sa.func.count()).select_from(group_topic_reads)
            return (await conn.execute(query.where(group_topic_reads.c.sdkappid == app.sdkappid))).scalar_one()

    assert app.server.run(rows()) == 1
    await app.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "bob"}]})
    assert app.server.run(rows()) == 0


FORBID = "group_open_http_svc/forbid_send_msg"
MUTED = "group_open_http_svc/get_group_muted_account"


async def test_muting_a_member_in_one_topic(app: AppHandle) -> None:
    """forbid_send_msg / get_group_muted_account with TopicId (seed 14845-14847, 14986-14988)."""
    await app.import_accounts("leckie", "bob")
    gid = await community(app, "leckie", "bob")
    news, chat = await new_topic(app, gid, "news"), await new_topic(app, gid, "chat", TopicId=f"{gid}@TOPIC#_chat")
    await app.ok(FORBID, {"GroupId": gid, "TopicId": news, "Members_Account": ["bob"], "MuteTime": 600})
    muted = await app.ok(MUTED, {"GroupId": gid, "TopicId": news})
    assert [m["Member_Account"] for m in muted["MutedAccountList"]] == ["bob"]
    assert (await app.ok(MUTED, {"GroupId": gid}))["MutedAccountList"] == []  # not muted in the community
    bob = await connect(app, "bob")
    try:
        with pytest.raises(GatewayError) as caught:
            await bob.send_topic_text(gid, news, "muted here")
        assert caught.value.code == 10017
        await bob.send_topic_text(gid, chat, "fine here")
        await bob.send_group_text(gid, "and in the community")
    finally:
        await bob.close()
    from_bob = {"GroupId": gid, "TopicId": news, "From_Account": "bob", "Random": 9, "MsgBody": TEXT}
    assert_error(await app.call(SEND, from_bob), 10017)  # a REST send from a muted member too
    # codes: no such topic, a group without topics, a community without topics
    assert_error(
        await app.call(
            FORBID, {"GroupId": gid, "TopicId": f"{gid}@TOPIC#_nope", "Members_Account": ["bob"], "MuteTime": 1}
        ),
        10010,
    )
    assert_error(await app.call(MUTED, {"GroupId": gid, "TopicId": f"{gid}@TOPIC#_nope"}), 10010)
    plain = await community(app, "leckie", "bob", topics_on=False)
    assert_error(await app.call(MUTED, {"GroupId": plain, "TopicId": f"{plain}@TOPIC#_x"}), 11000)
    # unmuting; and a destroyed topic takes its mutes with it
    await app.ok(FORBID, {"GroupId": gid, "TopicId": news, "Members_Account": ["bob"], "MuteTime": 0})
    assert (await app.ok(MUTED, {"GroupId": gid, "TopicId": news}))["MutedAccountList"] == []
    await app.ok(FORBID, {"GroupId": gid, "TopicId": chat, "Members_Account": ["bob"], "MuteTime": 600})
    await app.ok(DESTROY, {"GroupId": gid, "TopicIdList": [chat]})
    again = await new_topic(app, gid, "chat again", TopicId=chat)
    assert (await app.ok(MUTED, {"GroupId": gid, "TopicId": again}))["MutedAccountList"] == []


async def test_destroying_the_community_removes_its_topics_mutes(app: AppHandle) -> None:
    import sqlalchemy as sa

    from confab.store.tables.groups import group_mutes

    await app.import_accounts("leckie", "bob")
    gid = await community(app, "leckie", "bob")
    tid = await new_topic(app, gid)
    await app.ok(FORBID, {"GroupId": gid, "TopicId": tid, "Members_Account": ["bob"], "MuteTime": 600})

    async def rows() -> int:
        async with app.server.runtime.store.read() as conn:
            query = sa.select(sa.func.count()).select_from(group_mutes)
            return (await conn.execute(query.where(group_mutes.c.sdkappid == app.sdkappid))).scalar_one()

    assert app.server.run(rows()) == 1
    await app.ok("group_open_http_svc/destroy_group", {"GroupId": gid})
    assert app.server.run(rows()) == 0
