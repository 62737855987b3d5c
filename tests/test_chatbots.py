"""Chatbots (issue 15): create_robot, delete_robot, get_all_robots (seed 004 lines 27841-28243) and the
passthrough callback Chatbot.OnC2CSignalMessage (34912-35064): each page's sample, every documented code,
the triggers, and each answer of the app."""

from __future__ import annotations

import asyncio

import pytest

from confab.domain import chatbots
from confab.webhooks.config import WebhookSettings
from tests.gateway import connect
from tests.support import AppHandle, assert_error, assert_ok
from tests.webhooks import OK, Receiver, hook

CREATE = "openim_robot_http_svc/create_robot"
DELETE = "openim_robot_http_svc/delete_robot"
ALL = "openim_robot_http_svc/get_all_robots"
SIGNAL = "Chatbot.OnC2CSignalMessage"
BEFORE = "C2C.CallbackBeforeSendMsg"
AFTER = "C2C.CallbackAfterSendMsg"
BOT = "@RBT#chatbot"
DATA = '{\\"msg\\":\\"This is a user-defined passthrough content\\"}'  # the sample's Data, as printed
RSP = '{\\"msg\\":\\"This is the self-definition pass-through content reply\\"}'
CUSTOM = [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": DATA, "Desc": "notification"}}]
TAGS = ("Tag_Profile_IM_Nick", "Tag_Profile_IM_Image", "Tag_Profile_IM_SelfSignature")
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello bot"}}]


async def roam(app: AppHandle, user: str, peer: str) -> list[dict]:
    body = {"Operator_Account": user, "Peer_Account": peer, "MaxCnt": 100, "MinTime": 0, "MaxTime": 2**32 - 1}
    return (await app.ok("openim/admin_getroammsg", body))["MsgList"]


async def send(app: AppHandle, to: str = BOT, body: list | None = None, **extra) -> dict:
    message = {"From_Account": "user01", "To_Account": to, "MsgSeq": 5678, "MsgRandom": 8765, **extra}
    reply = await app.call("openim/sendmsg", {**message, "MsgBody": body or CUSTOM})
    assert_ok(reply)
    return reply


# --- create_robot / get_all_robots / delete_robot: the samples -------------------------------------------------


async def test_create_and_list_samples(app: AppHandle) -> None:
    sample = {
        "UserID": "@RBT#001",
        "Nick": "Jarvis",
        "FaceUrl": "www.example.com/head.jpg",
        "SelfSignature": "hello, world",
    }
    reply = await app.call(CREATE, sample)
    assert {k: reply[k] for k in ("ActionStatus", "ErrorInfo", "ErrorCode")} == OK
    for bot in ("@RBT#002", "@RBT#003"):
        await app.ok(CREATE, {"UserID": bot})
    reply = await app.call(ALL, {})
    assert_ok(reply)
    assert reply["Robot_Account"] == ["@RBT#001", "@RBT#002", "@RBT#003"]
    # nickname, photo and status are the chatbot's profile; it is an account like any other
    profile = await app.ok("profile/portrait_get", {"To_Account": ["@RBT#001"], "TagList": list(TAGS)})
    tags = {item["Tag"]: item["Value"] for item in profile["UserProfileItem"][0]["ProfileItem"]}
    assert tags["Tag_Profile_IM_Nick"] == "Jarvis"
    assert tags["Tag_Profile_IM_Image"] == "www.example.com/head.jpg"
    assert tags["Tag_Profile_IM_SelfSignature"] == "hello, world"
    check = await app.ok("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "@RBT#001"}]})
    assert check["ResultItem"][0]["AccountStatus"] == "Imported"


async def test_create_again_keeps_one_chatbot_and_updates_it(app: AppHandle) -> None:
    await app.ok(CREATE, {"UserID": "@RBT#001", "Nick": "Jarvis"})
    await app.ok(CREATE, {"UserID": "@RBT#001", "Nick": "Friday"})
    assert (await app.ok(ALL, {}))["Robot_Account"] == ["@RBT#001"]
    profile = await app.ok("profile/portrait_get", {"To_Account": ["@RBT#001"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert profile["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "Friday"}]


async def test_an_empty_list_and_an_ordinary_account_is_not_a_chatbot(app: AppHandle) -> None:
    assert (await app.ok(ALL, {}))["Robot_Account"] == []
    await app.import_accounts("@RBT#imported")  # imported, not created as a chatbot
    assert (await app.ok(ALL, {}))["Robot_Account"] == []


async def test_delete_sample_makes_it_invalid_and_keeps_the_account(app: AppHandle) -> None:
    await app.ok(CREATE, {"UserID": "@RBT#001", "Nick": "Jarvis"})
    reply = await app.call(DELETE, {"Robot_Account": "@RBT#001"})
    assert {k: reply[k] for k in ("ActionStatus", "ErrorInfo", "ErrorCode")} == OK
    assert (await app.ok(ALL, {}))["Robot_Account"] == []
    check = await app.ok("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "@RBT#001"}]})
    assert check["ResultItem"][0]["AccountStatus"] == "Imported"  # "The UserID ... will not be deleted"
    await app.ok(DELETE, {"Robot_Account": "@RBT#001"})  # already invalid: nothing to do
    await app.ok(CREATE, {"UserID": "@RBT#001"})  # made valid again, profile kept
    assert (await app.ok(ALL, {}))["Robot_Account"] == ["@RBT#001"]
    profile = await app.ok("profile/portrait_get", {"To_Account": ["@RBT#001"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert profile["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "Jarvis"}]


# --- the documented codes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"Nick": "Jarvis"},
        {"UserID": ""},
        {"UserID": "jarvis"},  # does not start with @RBT#
        {"UserID": "@rbt#jarvis"},
        {"UserID": "@RBT#" + "x" * 28},  # 33 bytes
        {"UserID": "@RBT#001", "Nick": 5},
        {"UserID": "@RBT#001", "SelfSignature": ["hello"]},
    ],
)
async def test_create_invalid_parameters_10004(app: AppHandle, body: dict) -> None:
    assert_error(await app.call(CREATE, body), 10004)


@pytest.mark.parametrize(
    "body", [{}, {"Robot_Account": ""}, {"Robot_Account": "user01"}, {"Robot_Account": "@RBT#" + "x" * 28}]
)
async def test_delete_invalid_parameters_10004(app: AppHandle, body: dict) -> None:
    assert_error(await app.call(DELETE, body), 10004)


async def test_delete_what_is_not_a_chatbot_10004(app: AppHandle) -> None:
    assert_error(await app.call(DELETE, {"Robot_Account": "@RBT#never"}), 10004)
    await app.import_accounts("@RBT#imported")
    reply = await app.call(DELETE, {"Robot_Account": "@RBT#imported"})
    assert_error(reply, 10004)
    assert "not a chatbot" in reply["ErrorInfo"]


async def test_bodies_that_are_not_json_10004(app: AppHandle) -> None:
    for api in (CREATE, DELETE, ALL):
        assert_error(await app.rest.call(api, b"{not json"), 10004)


@pytest.mark.parametrize("field", ["Nick", "FaceUrl", "SelfSignature"])
async def test_profile_values_over_500_bytes_40601(app: AppHandle, field: str) -> None:
    reply = await app.call(CREATE, {"UserID": "@RBT#001", field: "é" * 251})
    assert_error(reply, 40601)
    assert field in reply["ErrorInfo"]
    await app.ok(CREATE, {"UserID": "@RBT#001", field: "x" * 500})


async def test_at_most_20_chatbots_10008(app: AppHandle) -> None:
    for n in range(chatbots.MAX_CHATBOTS):
        await app.ok(CREATE, {"UserID": f"@RBT#{n:03}"})
    reply = await app.call(CREATE, {"UserID": "@RBT#020"})
    assert_error(reply, 10008)
    assert "20" in reply["ErrorInfo"]
    await app.ok(CREATE, {"UserID": "@RBT#005", "Nick": "again"})  # an existing one may still be updated
    await app.ok(DELETE, {"Robot_Account": "@RBT#000"})  # an invalid one frees its place
    await app.ok(CREATE, {"UserID": "@RBT#020"})
    assert_error(await app.call(CREATE, {"UserID": "@RBT#000"}), 10008)
    assert len((await app.ok(ALL, {}))["Robot_Account"]) == 20


async def test_app_admins_only_10008(app: AppHandle) -> None:
    await app.import_accounts("user01")
    user = app.client("user01")
    for api, body in ((CREATE, {"UserID": "@RBT#001"}), (DELETE, {"Robot_Account": "@RBT#001"}), (ALL, {})):
        assert_error(await user.call(api, body), 10008)


async def test_the_apps_account_limit_70398(app: AppHandle) -> None:
    await app.import_accounts("user01", "user02")
    check = {"CheckItem": [{"UserID": u} for u in (app.admin, "user01", "user02")]}
    held = sum(
        r["AccountStatus"] == "Imported" for r in (await app.ok("im_open_login_svc/account_check", check))["ResultItem"]
    )
    app.set(max_accounts=held)
    assert_error(await app.call(CREATE, {"UserID": "@RBT#001"}), 70398)
    app.set(max_accounts=held + 1)
    await app.ok(CREATE, {"UserID": "@RBT#001"})
    await app.ok(CREATE, {"UserID": "@RBT#001", "Nick": "again"})  # an existing account needs no room


async def test_an_internal_fault_10002(app: AppHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    for name, api, body in (
        ("create", CREATE, {"UserID": "@RBT#001"}),
        ("delete", DELETE, {"Robot_Account": "@RBT#001"}),
        ("all_robots", ALL, {}),
    ):
        monkeypatch.setattr(chatbots, name, broken)
        reply = await app.call(api, body)
        assert_error(reply, 10002)
        assert "disk on fire" not in reply["ErrorInfo"]


# --- Chatbot.OnC2CSignalMessage -----------------------------------------------------------------------------------


@pytest.fixture
async def bot(app: AppHandle) -> str:
    await app.import_accounts("user01", "user02")
    await app.ok(CREATE, {"UserID": BOT, "Nick": "Jarvis"})
    return BOT


async def test_passthrough_sample_and_the_reply_reaches_the_sender(
    app: AppHandle, bot: str, receiver: Receiver
) -> None:
    hook(app, receiver, SIGNAL)
    receiver.answers[SIGNAL] = {**OK, "RspData": RSP}
    sent = await send(app)
    (got,) = await receiver.wait(SIGNAL)
    assert got.query["CallbackCommand"] == SIGNAL
    assert got.query["SdkAppid"] == str(app.sdkappid)
    assert got.query["OptPlatform"] == "RESTAPI"
    assert isinstance(got.body["EventTime"], int) and got.body["EventTime"] > 10**12  # ms
    assert got.body == {
        "CallbackCommand": SIGNAL,
        "From_Account": "user01",
        "To_Account": BOT,
        "MsgSeq": 5678,
        "MsgRandom": 8765,
        "MsgKey": sent["MsgKey"],
        "EventTime": got.body["EventTime"],
        "Data": DATA,
    }
    assert sent["MsgKey"] == f"5678_8765_{sent['MsgTime']}"  # ruling 3 (the sample shows another order)
    # the request is stored as any message to an account, and the chatbot answers with RspData
    messages = await roam(app, "user01", BOT)
    assert [(m["From_Account"], m["MsgBody"]) for m in messages] == [
        ("user01", CUSTOM),
        (BOT, [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": RSP}}]),
    ]


async def test_passthrough_from_a_device(app: AppHandle, bot: str, receiver: Receiver) -> None:
    hook(app, receiver, SIGNAL)
    receiver.answers[SIGNAL] = {**OK, "RspData": "pong"}
    async with await connect(app, "user01", platform="Android") as device:
        ack = await device.request(
            "send", To_Account=BOT, MsgBody=[{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "ping"}}], MsgRandom=7
        )
        (got,) = await receiver.wait(SIGNAL)
        assert got.query["OptPlatform"] == "Android"
        assert got.body["Data"] == "ping"
        assert got.body["MsgKey"] == ack["MsgKey"] and got.body["MsgRandom"] == 7
        while True:
            event = await device.next_event("c2c.msg")
            if event.data["From_Account"] == BOT:
                break
        assert event.data["To_Account"] == "user01"
        assert event.data["MsgBody"] == [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "pong"}}]


@pytest.mark.parametrize(
    "answer",
    [
        {"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": "no", "RspData": "ignored"},  # RspData is ignored
        {**OK, "RspData": ""},  # nothing to return
        {**OK},  # no RspData
        (500, b"oops"),  # a failed callback
        (200, b"not json"),
    ],
)
async def test_answers_without_a_reply(app: AppHandle, bot: str, receiver: Receiver, answer) -> None:
    hook(app, receiver, SIGNAL)
    receiver.answers[SIGNAL] = answer
    await send(app)  # the user's message is sent whatever the app answers
    await receiver.wait(SIGNAL)
    assert [m["From_Account"] for m in await roam(app, "user01", BOT)] == ["user01"]


async def test_a_slow_app_does_not_refuse_the_message(app: AppHandle, bot: str, receiver: Receiver) -> None:
    app.set(webhook=WebhookSettings(url=receiver.url, commands=[SIGNAL], timeout=0.2))
    receiver.answers[SIGNAL] = {**OK, "RspData": "late"}
    receiver.delays[SIGNAL] = 0.6
    await send(app)
    assert [m["From_Account"] for m in await roam(app, "user01", BOT)] == ["user01"]


async def test_a_request_callback_cannot_be_fail_closed() -> None:
    with pytest.raises(ValueError):
        WebhookSettings(url="http://x", commands=[SIGNAL], fail_closed=[SIGNAL]).validate()


async def test_what_a_message_to_a_chatbot_triggers(app: AppHandle, bot: str, receiver: Receiver) -> None:
    """Text to a chatbot: the one-to-one callbacks, as for any account, and no passthrough; custom content:
    all three; the chatbot's reply fires no callbacks of its own."""
    hook(app, receiver, SIGNAL, BEFORE, AFTER)
    receiver.answers[SIGNAL] = {**OK, "RspData": "answer"}
    await send(app, body=TEXT)
    (before,) = await receiver.wait(BEFORE)
    (after,) = await receiver.wait(AFTER)
    assert before.body["To_Account"] == BOT and after.body["To_Account"] == BOT
    await receiver.none(SIGNAL)
    await send(app, MsgRandom=2)
    await receiver.wait(SIGNAL)
    await receiver.wait(AFTER, 2)
    await asyncio.sleep(0.5)  # nothing more comes for the reply from the chatbot
    assert len(receiver.of(AFTER)) == 2 and len(receiver.of(BEFORE)) == 2
    commands = [r.command for r in receiver.received]
    assert commands.index(BEFORE, 2) < commands.index(SIGNAL)  # the app allows the message first


async def test_what_does_not_trigger_the_passthrough(app: AppHandle, bot: str, receiver: Receiver) -> None:
    hook(app, receiver, SIGNAL)
    await send(app, to="user02")  # custom content to an ordinary account
    batch = {"From_Account": "user01", "To_Account": [BOT], "MsgRandom": 3, "MsgBody": CUSTOM}
    assert_ok(await app.call("openim/batchsendmsg", batch))  # batchsendmsg fires no callbacks (seed 1293)
    imported = {
        "SyncFromOldSystem": 5,
        "From_Account": "user01",
        "To_Account": BOT,
        "MsgRandom": 4,
        "MsgTimeStamp": 1700000000,
        "MsgBody": CUSTOM,
    }
    assert_ok(await app.call("openim/importmsg", imported))
    await app.ok(DELETE, {"Robot_Account": BOT})
    await send(app, MsgRandom=5)  # an invalid chatbot is an ordinary account now
    await receiver.none(SIGNAL)
    app.set(webhook=WebhookSettings(url=receiver.url, commands=[AFTER]))
    await app.ok(CREATE, {"UserID": BOT})
    await send(app, MsgRandom=6)  # the switch is off
    await receiver.wait(AFTER)
    assert receiver.of(SIGNAL) == []


async def test_the_before_send_callback_decides_first(app: AppHandle, bot: str, receiver: Receiver) -> None:
    hook(app, receiver, SIGNAL, BEFORE)
    receiver.answers[BEFORE] = {**OK, "ErrorCode": 1}
    assert_error(
        await app.call(
            "openim/sendmsg", {"From_Account": "user01", "To_Account": BOT, "MsgRandom": 1, "MsgBody": CUSTOM}
        ),
        20006,
    )
    receiver.answers[BEFORE] = {**OK, "ErrorCode": 2}  # dropped: nothing stored, nothing passed through
    await send(app, MsgRandom=2)
    await receiver.none(SIGNAL)
    replaced = [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "replaced by the app"}}]
    receiver.answers[BEFORE] = {**OK, "MsgBody": replaced}
    await send(app, MsgRandom=3)
    (got,) = await receiver.wait(SIGNAL)
    assert got.body["Data"] == "replaced by the app"
    forbid = {"ForbidCallbackControl": ["ForbidBeforeSendMsgCallback"]}
    receiver.answers[BEFORE] = {**OK, "ErrorCode": 1}
    await send(app, MsgRandom=4, **forbid)  # skipping the before-send callback does not skip the passthrough
    await receiver.wait(SIGNAL, 2)
