"""Webhooks, the machinery (issue 15): the request the vendor sends (query string, signing, body), the
before-callback verdicts (allow, reject, custom code, drop, replace), failure policies, and the durable
outbox of after-callbacks — shown on the one-to-one send callbacks (seed 30150-30701)."""

from __future__ import annotations

import asyncio
import time

import msgspec
import pytest

from confab.webhooks import catalog
from confab.webhooks.after import IMPLEMENTED, install
from confab.webhooks.config import WebhookSettings
from confab.webhooks.signing import sign
from tests.support import AppHandle
from tests.webhooks import OK, Receiver, hook

BEFORE = "C2C.CallbackBeforeSendMsg"
AFTER = "C2C.CallbackAfterSendMsg"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "red packet"}}]


async def send(app: AppHandle, **extra) -> dict:
    body = {"From_Account": "jared", "To_Account": "Jonh", "MsgRandom": 2837546, "MsgBody": TEXT, **extra}
    return await app.call("openim/sendmsg", body)


@pytest.fixture
async def pair(app: AppHandle) -> None:
    await app.import_accounts("jared", "Jonh")


def test_signing_matches_the_seed_example() -> None:
    assert sign("xxxxyyyy", 1669872112) == "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"


def test_the_catalog_has_the_seeds_36_commands() -> None:
    install()
    assert len(catalog.COMMANDS) == 36
    assert IMPLEMENTED <= set(catalog.BY_NAME)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        WebhookSettings(url="ftp://x").validate()
    with pytest.raises(ValueError):
        WebhookSettings(url="http://x", commands=["C2C.NoSuchCallback"]).validate()
    with pytest.raises(ValueError):
        WebhookSettings(url="http://x", fail_closed=[AFTER]).validate()


async def test_before_send_sample_body_query_and_signature(app: AppHandle, pair, receiver: Receiver) -> None:
    hook(app, receiver, BEFORE, token="xxxxyyyy")
    reply = await send(app, MsgSeq=48374, CloudCustomData="your cloud custom data")
    assert reply["ActionStatus"] == "OK", reply
    (got,) = await receiver.wait(BEFORE)
    assert got.path == "/callback"
    query = got.query
    assert query["SdkAppid"] == str(app.sdkappid)
    assert query["CallbackCommand"] == BEFORE
    assert query["contenttype"] == "json"
    assert query["OptPlatform"] == "RESTAPI"
    assert query["ClientIP"] == "127.0.0.1"
    assert abs(int(query["RequestTime"]) - time.time()) < 60
    assert query["Sign"] == sign("xxxxyyyy", int(query["RequestTime"]))
    msg_time = got.body["MsgTime"]
    assert got.body == {
        "CallbackCommand": BEFORE,
        "From_Account": "jared",
        "To_Account": "Jonh",
        "MsgSeq": 48374,
        "MsgRandom": 2837546,
        "MsgTime": msg_time,
        "MsgKey": f"48374_2837546_{msg_time}",
        "OnlineOnlyFlag": 0,
        "MsgBody": TEXT,
        "CloudCustomData": "your cloud custom data",
    }
    assert reply["MsgKey"] == got.body["MsgKey"]


async def test_no_token_no_signature_and_commands_off_are_not_called(app: AppHandle, pair, receiver: Receiver) -> None:
    hook(app, receiver, BEFORE)
    await send(app)
    (got,) = await receiver.wait(BEFORE)
    assert "Sign" not in got.query and "RequestTime" not in got.query
    hook(app, receiver, AFTER)  # the before-callback is switched off now
    await send(app, MsgRandom=2)
    await receiver.wait(AFTER)
    assert len(receiver.of(BEFORE)) == 1


async def test_before_send_verdicts(app: AppHandle, pair, receiver: Receiver) -> None:
    hook(app, receiver, BEFORE)
    receiver.answers[BEFORE] = {**OK, "ErrorCode": 1}
    reply = await send(app)
    assert reply["ErrorCode"] == 20006, reply
    receiver.answers[BEFORE] = {"ActionStatus": "OK", "ErrorCode": 120123, "ErrorInfo": "level too low"}
    reply = await send(app, MsgRandom=3)
    assert (reply["ErrorCode"], reply["ErrorInfo"]) == (120123, "level too low")
    receiver.answers[BEFORE] = {**OK, "ErrorCode": 2}
    dropped = await send(app, MsgRandom=4)
    assert dropped["ActionStatus"] == "OK" and dropped["MsgKey"]  # the sender is told it went
    replaced_body = [*TEXT, {"MsgType": "TIMCustomElem", "MsgContent": {"Desc": "MemberLevel", "Data": "LV1"}}]
    receiver.answers[BEFORE] = {**OK, "MsgBody": replaced_body, "CloudCustomData": "your new cloud custom data"}
    assert (await send(app, MsgRandom=5))["ActionStatus"] == "OK"
    history = await app.ok(
        "openim/admin_getroammsg",
        {"Operator_Account": "jared", "Peer_Account": "Jonh", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**31},
    )
    stored = history["MsgList"]
    assert len(stored) == 1  # refused and dropped messages were never stored
    assert stored[0]["MsgBody"] == replaced_body
    assert stored[0]["CloudCustomData"] == "your new cloud custom data"


async def test_forbid_callback_control_and_batchsendmsg_skip_them(app: AppHandle, pair, receiver: Receiver) -> None:
    hook(app, receiver, BEFORE, AFTER)
    receiver.answers[BEFORE] = {**OK, "ErrorCode": 1}
    forbid = {"ForbidCallbackControl": ["ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"]}
    assert (await send(app, **forbid))["ActionStatus"] == "OK"
    batch = {"From_Account": "jared", "To_Account": ["Jonh"], "MsgRandom": 9, "MsgBody": TEXT}
    assert (await app.call("openim/batchsendmsg", batch))["ActionStatus"] == "OK"
    await receiver.none(BEFORE)
    assert receiver.of(AFTER) == []


@pytest.mark.parametrize(
    "answer",
    [(500, b"oops"), (200, b"not json"), "timeout", "refused"],
)
async def test_before_send_failure_is_fail_open_by_default_and_fail_closed_when_set(
    app: AppHandle, pair, receiver: Receiver, answer
) -> None:
    url = receiver.url
    if answer == "refused":
        receiver.stop()
    elif answer == "timeout":
        receiver.delays[BEFORE] = 0.6
    else:
        receiver.answers[BEFORE] = answer
    app.set(webhook=WebhookSettings(url=url, commands=[BEFORE], timeout=0.3))
    assert (await send(app))["ActionStatus"] == "OK"  # fail-open
    app.set(webhook=WebhookSettings(url=url, commands=[BEFORE], timeout=0.3, fail_closed=[BEFORE]))
    reply = await send(app, MsgRandom=77)
    assert reply["ErrorCode"] == 20006, reply
    assert "webhook failed" in reply["ErrorInfo"]


async def test_after_send_sample_body(app: AppHandle, pair, receiver: Receiver) -> None:
    hook(app, receiver, AFTER)
    await send(app, MsgSeq=48374, CloudCustomData="your cloud custom data")
    (got,) = await receiver.wait(AFTER)
    msg_time = got.body["MsgTime"]
    assert got.body == {
        "CallbackCommand": AFTER,
        "From_Account": "jared",
        "To_Account": "Jonh",
        "MsgSeq": 48374,
        "MsgRandom": 2837546,
        "MsgTime": msg_time,
        "MsgKey": f"48374_2837546_{msg_time}",
        "OnlineOnlyFlag": 0,
        "SendMsgResult": 0,
        "ErrorInfo": "send msg succeed",
        "UnreadMsgNum": 1,
        "MsgBody": TEXT,
        "CloudCustomData": "your cloud custom data",
    }
    assert got.query["OptPlatform"] == "RESTAPI"


async def test_after_send_reports_a_refused_send_too(app: AppHandle, pair, receiver: Receiver) -> None:
    from confab.client import GatewayError
    from tests.gateway import connect

    hook(app, receiver, AFTER)
    await app.ok("sns/black_list_add", {"From_Account": "Jonh", "To_Account": ["jared"]})
    jared = await connect(app, "jared", platform="Android")
    try:
        with pytest.raises(GatewayError):
            await jared.send_text("Jonh", "blocked")
    finally:
        await jared.close()
    (got,) = await receiver.wait(AFTER)
    assert got.body["SendMsgResult"] == 20007 and got.body["UnreadMsgNum"] == -1
    assert got.query["OptPlatform"] == "Android"


async def test_after_callbacks_keep_their_order_and_are_logged(app: AppHandle, pair, receiver: Receiver) -> None:
    hook(app, receiver, AFTER)
    for i in range(30):
        await send(app, MsgRandom=1000 + i)
    got = await receiver.wait(AFTER, 30)
    assert [r.body["MsgRandom"] for r in got] == [1000 + i for i in range(30)]
    from confab.webhooks import log

    async def recent() -> list[dict]:
        async with app.server.runtime.store.read() as conn:
            return await log.recent(conn, app.sdkappid, 100)

    deadline = time.monotonic() + 5
    while len(rows := app.server.run(recent())) < 30:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert {r["status"] for r in rows} == {"ok"}
    assert rows[0]["command"] == AFTER and rows[0]["latency_ms"] >= 0


async def test_after_callbacks_wait_for_an_unreachable_receiver_in_order(
    app: AppHandle, pair, receiver: Receiver
) -> None:
    hook(app, receiver, AFTER)
    receiver.stop()
    for i in range(5):
        await send(app, MsgRandom=2000 + i)
    await asyncio.sleep(0.3)  # the worker tried and backs off: nothing was delivered, nothing is lost
    back = Receiver(port=receiver.port).start()
    try:
        got = await back.wait(AFTER, 5, within=15)
        assert [r.body["MsgRandom"] for r in got] == [2000 + i for i in range(5)]
        await asyncio.sleep(0.5)  # none twice
        assert len(back.of(AFTER)) == 5
    finally:
        back.stop()


async def test_after_callback_bad_answers_are_not_retried_unless_asked(
    app: AppHandle, pair, receiver: Receiver
) -> None:
    receiver.answers[AFTER] = (500, b"down for maintenance")
    hook(app, receiver, AFTER)
    await send(app, MsgRandom=1)
    await receiver.wait(AFTER)
    await asyncio.sleep(0.5)
    assert len(receiver.of(AFTER)) == 1
    hook(app, receiver, AFTER, retry_after=True, retries=2)
    await send(app, MsgRandom=2)
    await receiver.wait(AFTER, 1 + 3, within=10)  # the first try and two retries
    await asyncio.sleep(1.0)
    assert len(receiver.of(AFTER)) == 4


def test_events_encode_for_the_outbox() -> None:
    # the outbox stores bodies as JSON text; Raw message bodies must survive it unchanged
    body = {"MsgBody": msgspec.Raw(b'[{"MsgType":"TIMTextElem"}]')}
    assert msgspec.json.decode(msgspec.json.encode(body)) == {"MsgBody": [{"MsgType": "TIMTextElem"}]}


async def test_a_kept_alive_connection_the_receiver_dropped_is_replaced(
    app: AppHandle, pair, receiver: Receiver
) -> None:
    """The receiver restarts between two callbacks: the pooled connection to the old one is dead, and
    the next callback must still be delivered (on a fresh connection), not count as a failure."""
    hook(app, receiver, BEFORE, fail_closed=[BEFORE])
    assert (await send(app))["ActionStatus"] == "OK"
    receiver.stop()
    again = Receiver(port=receiver.port).start()
    try:
        reply = await send(app, MsgRandom=99)
        assert reply["ActionStatus"] == "OK", reply
        assert len(again.of(BEFORE)) == 1
    finally:
        again.stop()
