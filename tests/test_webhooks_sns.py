"""Webhooks of profiles, the relationship chain and one-to-one reads and recalls (seed 28957-30149,
30702-30946): each page's sample body, its triggers (REST and devices, and those that must not fire),
and the friend before-callbacks' per-item verdicts (ruling 12)."""

from __future__ import annotations

import asyncio
import time

import pytest

from confab.client.realtime import GatewayError
from confab.domain.apps import CustomField
from confab.webhooks.config import WebhookSettings
from tests.gateway import connect
from tests.support import AppHandle
from tests.webhooks import OK, Receiver, hook

PREV_ADD = "Sns.CallbackPrevFriendAdd"
PREV_RESPONSE = "Sns.CallbackPrevFriendResponse"
FRIEND_ADD = "Sns.CallbackFriendAdd"
FRIEND_DELETE = "Sns.CallbackFriendDelete"
BLACK_ADD = "Sns.CallbackBlackListAdd"
BLACK_DELETE = "Sns.CallbackBlackListDelete"
PORTRAIT = "Profile.CallbackPortraitSet"
REPORT = "C2C.CallbackAfterMsgReport"
WITHDRAW = "C2C.CallbackAfterMsgWithDraw"

PORTRAIT_SET = "profile/portrait_set"
ALL_ANY = "AllowType_Type_AllowAny"


async def allow_type(app: AppHandle, user: str, value: str) -> None:
    item = {"Tag": "Tag_Profile_IM_AllowType", "Value": value}
    await app.ok(PORTRAIT_SET, {"From_Account": user, "ProfileItem": [item]})


@pytest.fixture
async def people(app: AppHandle) -> AppHandle:
    await app.import_accounts("id", "id1", "id2", "id3")
    for user in ("id", "id1", "id2", "id3"):
        await allow_type(app, user, ALL_ANY)
    return app


async def friends_of(app: AppHandle, owner: str) -> set[str]:
    reply = await app.ok("sns/friend_get", {"From_Account": owner, "StartIndex": 0})
    return {item["To_Account"] for item in reply["UserDataItem"]}


def add_item(to: str) -> dict:
    return {"To_Account": to, "Remark": f"remark{to[-1]}", "GroupName": "group1", "AddSource": "AddSource_Type_Android"}


# -- Sns.CallbackFriendAdd -------------------------------------------------------------------------------


async def test_friend_add_sample_from_rest_force_add(people: AppHandle, receiver: Receiver) -> None:
    hook(people, receiver, FRIEND_ADD, PREV_ADD)
    body = {
        "From_Account": "id",
        "AddFriendItem": [add_item("id1"), add_item("id2"), add_item("id3")],
        "AddType": "Add_Type_Single",
        "ForceAddFlags": 1,
    }
    reply = await people.ok("sns/friend_add", body)
    assert [i["ResultCode"] for i in reply["ResultItem"]] == [0, 0, 0]
    (got,) = await receiver.wait(FRIEND_ADD)
    assert got.body == {
        "CallbackCommand": FRIEND_ADD,
        "PairList": [
            {"From_Account": "id", "To_Account": "id1", "Initiator_Account": "id"},
            {"From_Account": "id", "To_Account": "id2", "Initiator_Account": "id"},
            {"From_Account": "id", "To_Account": "id3", "Initiator_Account": "id"},
        ],
        "ClientCmd": "friend_add",
        "Admin_Account": people.admin,  # the field table: the admin of a backend call (the sample shows "")
        "ForceFlag": 1,
    }
    assert got.query["OptPlatform"] == "RESTAPI"
    await receiver.none(PREV_ADD)  # REST friend_add never asks the app (seed 29145)


async def test_friend_add_both_ways_lists_both_rows_and_import_does_not_fire(
    people: AppHandle, receiver: Receiver
) -> None:
    hook(people, receiver, FRIEND_ADD)
    await people.ok("sns/friend_add", {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}]})
    (got,) = await receiver.wait(FRIEND_ADD)
    assert got.body["PairList"] == [
        {"From_Account": "id", "To_Account": "id1", "Initiator_Account": "id"},
        {"From_Account": "id1", "To_Account": "id", "Initiator_Account": "id"},
    ]
    assert got.body["ForceFlag"] == 0
    imported = {"From_Account": "id2", "AddFriendItem": [{"To_Account": "id3", "AddSource": "AddSource_Type_Web"}]}
    assert (await people.ok("sns/friend_import", imported))["ResultItem"][0]["ResultCode"] == 0
    await asyncio.sleep(0.3)
    assert len(receiver.of(FRIEND_ADD)) == 1


# -- Sns.CallbackPrevFriendAdd ---------------------------------------------------------------------------


async def test_prev_friend_add_sample_and_allow_from_a_device(people: AppHandle, receiver: Receiver) -> None:
    hook(people, receiver, PREV_ADD, FRIEND_ADD)
    device = await connect(people, "id", platform="Android")
    try:
        outcome = await device.request(
            "friend_add",
            To_Account="id1",
            Remark="remark1",
            GroupName="group1",
            AddSource="AddSource_Type_Android",
            AddWording="this is id1!",
        )
    finally:
        await device.close()
    assert outcome["ResultCode"] == 0, outcome
    (asked,) = await receiver.wait(PREV_ADD)
    assert asked.body == {
        "CallbackCommand": PREV_ADD,
        "Requester_Account": "id",
        "From_Account": "id",
        "FriendItem": [
            {
                "To_Account": "id1",
                "Remark": "remark1",
                "GroupName": "group1",
                "AddSource": "AddSource_Type_Android",
                "AddWording": "this is id1!",
            }
        ],
        "AddType": "Add_Type_Both",
        "ForceAddFlags": 0,
        "EventTime": asked.body["EventTime"],
    }
    assert isinstance(asked.body["EventTime"], int) and asked.body["EventTime"] > 10**12
    assert asked.query["OptPlatform"] == "Android" and asked.query["ClientIP"] == "127.0.0.1"
    (added,) = await receiver.wait(FRIEND_ADD)
    assert added.body["ClientCmd"] == "FriendAdd" and added.body["Admin_Account"] == ""
    assert added.query["OptPlatform"] == "Android"
    assert await friends_of(people, "id") == {"id1"}


@pytest.mark.parametrize(
    ("result_code", "info", "expected"),
    [(38001, "no spam", (38001, "no spam")), (1, "", (38000, f"refused by {PREV_ADD}"))],
)
async def test_prev_friend_add_refuses_per_item(
    people: AppHandle, receiver: Receiver, result_code: int, info: str, expected: tuple[int, str]
) -> None:
    hook(people, receiver, PREV_ADD, FRIEND_ADD)
    receiver.answers[PREV_ADD] = {
        **OK,
        "ResultItem": [{"To_Account": "id1", "ResultCode": result_code, "ResultInfo": info}],
    }
    device = await connect(people, "id", platform="iOS")
    try:
        refused = await device.request("friend_add", To_Account="id1")
        # the top-level ErrorCode is ignored by default (seed 29318-29322); the item decides
        receiver.answers[PREV_ADD] = {
            "ActionStatus": "FAIL",
            "ErrorCode": 38005,
            "ErrorInfo": "ignored",
            "ResultItem": [{"To_Account": "id2", "ResultCode": 0, "ResultInfo": ""}],
        }
        allowed = await device.request("friend_add", To_Account="id2")
    finally:
        await device.close()
    assert (refused["ResultCode"], refused["ResultInfo"]) == expected
    assert allowed["ResultCode"] == 0
    assert await friends_of(people, "id") == {"id2"}
    (added,) = await receiver.wait(FRIEND_ADD)
    assert [p["To_Account"] for p in added.body["PairList"]] == ["id2", "id"]


async def test_prev_friend_add_fail_open_and_fail_closed(people: AppHandle, receiver: Receiver) -> None:
    url = receiver.url
    receiver.stop()
    people.set(webhook=WebhookSettings(url=url, commands=[PREV_ADD], timeout=0.3))
    device = await connect(people, "id", platform="Web")
    try:
        assert (await device.request("friend_add", To_Account="id1"))["ResultCode"] == 0
        people.set(webhook=WebhookSettings(url=url, commands=[PREV_ADD], timeout=0.3, fail_closed=[PREV_ADD]))
        closed = await device.request("friend_add", To_Account="id2")
    finally:
        await device.close()
    assert closed["ResultCode"] == 38000 and "webhook failed" in closed["ResultInfo"]
    assert await friends_of(people, "id") == {"id1"}


# -- Sns.CallbackPrevFriendResponse ----------------------------------------------------------------------


async def test_prev_friend_response_sample_accept_and_refuse(people: AppHandle, receiver: Receiver) -> None:
    for user in ("id1", "id2"):
        await allow_type(people, user, "AllowType_Type_NeedConfirm")
    body = {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}, {"To_Account": "id2"}]}
    asked = await people.ok("sns/friend_add", body)
    assert [i["ResultCode"] for i in asked["ResultItem"]] == [30539, 30539]
    hook(people, receiver, PREV_RESPONSE, FRIEND_ADD, PREV_ADD)
    one, two = await connect(people, "id1", platform="Windows"), await connect(people, "id2", platform="Web")
    try:
        accepted = await one.request("friend_accept", From_Account="id", Remark="remark1", GroupName="group1")
        receiver.answers[PREV_RESPONSE] = {
            **OK,
            "ResultItem": [{"To_Account": "id", "ResultCode": 38100, "ResultInfo": "not now"}],
        }
        with pytest.raises(GatewayError) as refusal_refused:
            await two.request("friend_refuse", From_Account="id")
        still = await two.request("friend_requests")  # the refused refusal left the request pending
    finally:
        await one.close()
        await two.close()
    assert accepted["ResultCode"] == 0, accepted
    first, second = await receiver.wait(PREV_RESPONSE, 2)
    assert first.body == {
        "CallbackCommand": PREV_RESPONSE,
        "Requester_Account": "id1",
        "From_Account": "id1",
        "ResponseFriendItem": [
            {
                "To_Account": "id",
                "Remark": "remark1",
                "TagName": "group1",
                "ResponseAction": "Response_Action_AgreeAndAdd",
            }
        ],
        "EventTime": first.body["EventTime"],
    }
    assert first.query["OptPlatform"] == "Windows"
    assert second.body["ResponseFriendItem"] == [
        {"To_Account": "id", "Remark": "", "TagName": "", "ResponseAction": "Response_Action_Reject"}
    ]
    assert (refusal_refused.value.code, refusal_refused.value.info) == (38100, "not now")
    (added,) = await receiver.wait(FRIEND_ADD)
    assert added.body["PairList"] == [  # the request's sender initiated both rows
        {"From_Account": "id1", "To_Account": "id", "Initiator_Account": "id"},
        {"From_Account": "id", "To_Account": "id1", "Initiator_Account": "id"},
    ]
    assert added.body["ClientCmd"] == "FriendResponse"
    await receiver.none(PREV_ADD)  # an answer is not a new request
    assert [r["From_Account"] for r in still["Incoming"]] == ["id"]
    assert await friends_of(people, "id2") == set()


async def test_prev_friend_response_refusal_keeps_the_request(people: AppHandle, receiver: Receiver) -> None:
    await allow_type(people, "id1", "AllowType_Type_NeedConfirm")
    asked = await people.ok("sns/friend_add", {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}]})
    assert asked["ResultItem"][0]["ResultCode"] == 30539
    hook(people, receiver, PREV_RESPONSE, FRIEND_ADD)
    receiver.answers[PREV_RESPONSE] = {
        **OK,
        "ResultItem": [{"To_Account": "id", "ResultCode": 38200, "ResultInfo": "under review"}],
    }
    device = await connect(people, "id1", platform="Android")
    try:
        refused = await device.request("friend_accept", From_Account="id")
        receiver.answers[PREV_RESPONSE] = OK
        accepted = await device.request("friend_accept", From_Account="id")
    finally:
        await device.close()
    assert (refused["ResultCode"], refused["ResultInfo"]) == (38200, "under review")
    assert accepted["ResultCode"] == 0
    assert await friends_of(people, "id1") == {"id"}
    assert len(receiver.of(PREV_RESPONSE)) == 2


# -- Sns.CallbackFriendDelete, blocklists ----------------------------------------------------------------


def pairs(owner: str, *others: str) -> list[dict]:
    return [{"From_Account": owner, "To_Account": other} for other in others]


async def test_friend_delete_sample_rest_and_device(people: AppHandle, receiver: Receiver) -> None:
    body = {"From_Account": "id", "AddFriendItem": [{"To_Account": t} for t in ("id1", "id2", "id3")]}
    await people.ok("sns/friend_add", {**body, "AddType": "Add_Type_Single"})
    hook(people, receiver, FRIEND_DELETE)
    await people.ok(
        "sns/friend_delete",
        {"From_Account": "id", "To_Account": ["id1", "id2", "id3"], "DeleteType": "Delete_Type_Single"},
    )
    (got,) = await receiver.wait(FRIEND_DELETE)
    assert got.body == {"CallbackCommand": FRIEND_DELETE, "PairList": pairs("id", "id1", "id2", "id3")}
    assert got.query["OptPlatform"] == "RESTAPI"
    await people.ok("sns/friend_add", {"From_Account": "id1", "AddFriendItem": [{"To_Account": "id2"}]})
    device = await connect(people, "id1", platform="macOS")
    try:
        await device.request("friend_delete", To_Account=["id2"])  # Delete_Type_Both: both rows go
    finally:
        await device.close()
    _, both = await receiver.wait(FRIEND_DELETE, 2)
    assert both.body["PairList"] == [*pairs("id1", "id2"), *pairs("id2", "id1")]
    assert both.query["OptPlatform"] == "macOS"


async def test_blocklist_samples_rest_and_device(people: AppHandle, receiver: Receiver) -> None:
    hook(people, receiver, BLACK_ADD, BLACK_DELETE)
    await people.ok("sns/black_list_add", {"From_Account": "id", "To_Account": ["id1", "id2", "id3"]})
    (added,) = await receiver.wait(BLACK_ADD)
    assert added.body == {"CallbackCommand": BLACK_ADD, "PairList": pairs("id", "id1", "id2", "id3")}
    await people.ok("sns/black_list_delete", {"From_Account": "id", "To_Account": ["id1", "id2", "id3"]})
    (deleted,) = await receiver.wait(BLACK_DELETE)
    assert deleted.body == {"CallbackCommand": BLACK_DELETE, "PairList": pairs("id", "id1", "id2", "id3")}
    device = await connect(people, "id2", platform="Android")
    try:
        await device.request("black_add", To_Account=["id3"])
        await device.request("black_delete", To_Account=["id3"])
    finally:
        await device.close()
    _, by_device = await receiver.wait(BLACK_ADD, 2)
    _, undone = await receiver.wait(BLACK_DELETE, 2)
    assert by_device.body["PairList"] == undone.body["PairList"] == pairs("id2", "id3")
    assert by_device.query["OptPlatform"] == "Android"
    # a second add of someone already blocked changes nothing and reports nothing
    await people.ok("sns/black_list_add", {"From_Account": "id", "To_Account": ["id1"]})
    await people.ok("sns/black_list_add", {"From_Account": "id", "To_Account": ["id1"]})
    await receiver.wait(BLACK_ADD, 3)
    await asyncio.sleep(0.3)
    assert len(receiver.of(BLACK_ADD)) == 3


# -- Profile.CallbackPortraitSet -------------------------------------------------------------------------


async def test_portrait_set_sample_rest_and_device(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("id1")
    fields = {**app.app.settings.custom_profile_fields, "Tag_Profile_Custom_Data": CustomField()}
    app.set(custom_profile_fields=fields)
    hook(app, receiver, PORTRAIT)
    items = [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "nick1"},
        {"Tag": "Tag_Profile_IM_Gender", "Value": "Gender_Type_Male"},
        {"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_NeedConfirm"},
        {"Tag": "Tag_Profile_Custom_Data", "Value": "your custom data"},
    ]
    await app.ok(PORTRAIT_SET, {"From_Account": "id1", "ProfileItem": items})
    (got,) = await receiver.wait(PORTRAIT)
    assert got.body == {
        "CallbackCommand": PORTRAIT,
        "Operator_Account": app.admin,
        "From_Account": "id1",
        "EventTime": got.body["EventTime"],
        "ProfileItem": items,
    }
    assert isinstance(got.body["EventTime"], int) and got.body["EventTime"] > 10**12
    assert got.query["OptPlatform"] == "RESTAPI"
    device = await connect(app, "id1", platform="iOS")
    try:
        await device.request("set_profile", ProfileItem=[{"Tag": "Tag_Profile_IM_Nick", "Value": "id1 on iOS"}])
    finally:
        await device.close()
    _, mine = await receiver.wait(PORTRAIT, 2)
    assert mine.body["Operator_Account"] == "id1" and mine.body["From_Account"] == "id1"
    assert mine.body["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "id1 on iOS"}]
    assert mine.query["OptPlatform"] == "iOS"  # IOS is State.StateChange's spelling only (ruling 15)
    refused = await app.call(PORTRAIT_SET, {"From_Account": "id1", "ProfileItem": [{"Tag": "Tag_Nope", "Value": 1}]})
    assert refused["ActionStatus"] == "FAIL"
    await asyncio.sleep(0.3)
    assert len(receiver.of(PORTRAIT)) == 2


# -- C2C.CallbackAfterMsgReport / C2C.CallbackAfterMsgWithDraw -------------------------------------------


def text(value: str) -> list[dict]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": value}}]


async def sendmsg(app: AppHandle, sender: str, to: str, n: int, **extra) -> dict:
    body = {"From_Account": sender, "To_Account": to, "MsgRandom": n, "MsgBody": text(f"m{n}"), **extra}
    return await app.ok("openim/sendmsg", body)


async def test_msg_report_sample_rest_and_device(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("jared", "Jonh", "Kim")
    for n in range(2):
        await sendmsg(app, "Jonh", "jared", n)
    for n in range(7):
        await sendmsg(app, "Kim", "jared", 10 + n)
    hook(app, receiver, REPORT)
    await app.ok("openim/admin_set_msg_read", {"Report_Account": "jared", "Peer_Account": "Jonh"})
    (got,) = await receiver.wait(REPORT)
    assert got.body == {
        "CallbackCommand": REPORT,
        "Report_Account": "jared",
        "Peer_Account": "Jonh",
        "LastReadTime": got.body["LastReadTime"],
        "UnreadMsgNum": 7,  # every unread one-to-one message of jared's, after this read
    }
    assert abs(got.body["LastReadTime"] - time.time()) < 60
    device = await connect(app, "jared", platform="Android")
    try:
        await device.mark_read("Kim")
    finally:
        await device.close()
    _, by_device = await receiver.wait(REPORT, 2)
    assert (by_device.body["Peer_Account"], by_device.body["UnreadMsgNum"]) == ("Kim", 0)
    assert by_device.query["OptPlatform"] == "Android"


async def test_msg_withdraw_sample_rest_and_device(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("jared", "Jonh")
    sent = await sendmsg(app, "jared", "Jonh", 2837546, MsgSeq=48374)
    await sendmsg(app, "jared", "Jonh", 2)
    hook(app, receiver, WITHDRAW)
    await app.ok("openim/admin_msgwithdraw", {"From_Account": "jared", "To_Account": "Jonh", "MsgKey": sent["MsgKey"]})
    (got,) = await receiver.wait(WITHDRAW)
    assert got.body == {
        "CallbackCommand": WITHDRAW,
        "From_Account": "jared",
        "To_Account": "Jonh",
        "MsgKey": sent["MsgKey"],
        "UnreadMsgNum": 1,  # Jonh's unread, the recalled message no longer counted
    }
    assert sent["MsgKey"].startswith("48374_2837546_")
    device = await connect(app, "jared", platform="Web")
    try:
        mine = await device.send_text("Jonh", "oops")
        await device.recall("Jonh", mine["MsgKey"])
    finally:
        await device.close()
    _, by_device = await receiver.wait(WITHDRAW, 2)
    assert by_device.body["MsgKey"] == mine["MsgKey"] and by_device.body["UnreadMsgNum"] == 1
    assert by_device.query["OptPlatform"] == "Web"
    refused = await app.call(
        "openim/admin_msgwithdraw", {"From_Account": "jared", "To_Account": "Jonh", "MsgKey": sent["MsgKey"]}
    )
    assert refused["ErrorCode"] == 20023  # already recalled: no second callback
    await asyncio.sleep(0.3)
    assert len(receiver.of(WITHDRAW)) == 2
