"""State.StateChange (seed 28737-28956) from the gateway's logins, logouts and disconnections, and
Alert.RequestOverLimit (seed 28624-28736) from the REST rate limiter."""

from __future__ import annotations

import asyncio

import pytest

from confab.realtime import protocol
from tests.gateway import KICK, connect, wait_closed
from tests.support import AppHandle
from tests.webhooks import Receiver, hook

STATE = "State.StateChange"
ALERT = "Alert.RequestOverLimit"


def info(got) -> tuple[str, str, str]:
    i = got.body["Info"]
    return i["Action"], i["To_Account"], i["Reason"]


async def test_login_sample_with_kicked_device_and_no_callback_for_the_replaced_one(
    app: AppHandle, receiver: Receiver
) -> None:
    await app.import_accounts("testuser316")
    hook(app, receiver, STATE)
    first = await connect(app, "testuser316", platform="Windows")
    (login,) = await receiver.wait(STATE)
    assert login.body == {
        "CallbackCommand": STATE,
        "EventTime": login.body["EventTime"],
        "Info": {"Action": "Login", "To_Account": "testuser316", "Reason": "Register"},
    }
    assert isinstance(login.body["EventTime"], int) and login.body["EventTime"] > 10**12
    assert login.query["OptPlatform"] == "Windows" and login.query["ClientIP"] == "127.0.0.1"
    second = await connect(app, "testuser316", platform="Windows")  # replaces the first
    try:
        assert (await wait_closed(first)).code == protocol.CLOSE_REPLACED
        _, again = await receiver.wait(STATE, 2)
        assert again.body == {
            "CallbackCommand": STATE,
            "EventTime": again.body["EventTime"],
            "Info": {"Action": "Login", "To_Account": "testuser316", "Reason": "Register"},
            "KickedDevice": [{"Platform": "Windows"}],
        }
        await asyncio.sleep(0.3)
        assert len(receiver.of(STATE)) == 2  # the replaced device: only the new login's KickedDevice
    finally:
        await second.close()
    _, _, gone = await receiver.wait(STATE, 3)
    assert info(gone) == ("Disconnect", "testuser316", "LinkClose")


async def test_logout_disconnect_and_ios_spelling(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("alice")
    hook(app, receiver, STATE)
    phone = await connect(app, "alice", platform="iOS")
    await phone.request("logout")
    await wait_closed(phone)
    login, logout = await receiver.wait(STATE, 2)
    assert info(login) == ("Login", "alice", "Register")
    assert info(logout) == ("Logout", "alice", "Unregister")
    assert login.query["OptPlatform"] == logout.query["OptPlatform"] == "IOS"  # ruling 15
    web = await connect(app, "alice", platform="Web")
    await web.close()  # the socket goes away without a logout
    _, _, _, closed = await receiver.wait(STATE, 4)
    assert info(closed) == ("Disconnect", "alice", "LinkClose")
    assert closed.query["OptPlatform"] == "Web"


async def test_idle_close_is_a_timeout_and_a_kick_a_link_close(
    app: AppHandle, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    await app.import_accounts("alice", "bob")
    hook(app, receiver, STATE)
    monkeypatch.setattr(protocol, "IDLE_TIMEOUT", 1.0)
    idle = await connect(app, "alice", platform="Android", heartbeat=3600)
    assert (await wait_closed(idle)).code == protocol.CLOSE_IDLE
    _, timed_out = await receiver.wait(STATE, 2)
    assert info(timed_out) == ("Disconnect", "alice", "TimeOut")
    monkeypatch.setattr(protocol, "IDLE_TIMEOUT", 90.0)
    bob = await connect(app, "bob", platform="Web")
    await app.ok(KICK, {"UserID": "bob"})
    assert (await wait_closed(bob)).code == protocol.CLOSE_KICKED
    *_, kicked = await receiver.wait(STATE, 4)
    assert info(kicked) == ("Disconnect", "bob", "LinkClose")


async def test_state_change_off_sends_nothing(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("alice")
    hook(app, receiver, "Profile.CallbackPortraitSet")
    device = await connect(app, "alice")
    await device.close()
    await receiver.none(STATE)


# -- Alert.RequestOverLimit ------------------------------------------------------------------------------


async def test_over_limit_alert_once_per_api_per_window(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("jared", "Jonh")
    app.set(rate_limits={"openim/query_online_status": 10, "profile/portrait_get": 10})
    hook(app, receiver, ALERT)
    body = {"To_Account": ["jared"]}
    codes = [(await app.call("openim/query_online_status", body))["ErrorCode"] for _ in range(12)]
    assert codes[:10] == [0] * 10 and codes[10:] == [60007, 60007]
    (got,) = await receiver.wait(ALERT)
    assert got.body == {
        "CallbackCommand": ALERT,
        "ServiceName": "openim",
        "Command": "query_online_status",
        "Request": 9,  # the call that passed 80 % of the limit
        "Limit": 10,
    }
    assert got.query["OptPlatform"] == "RESTAPI"
    await asyncio.sleep(0.3)
    assert len(receiver.of(ALERT)) == 1  # once per API per window, not per call
    await asyncio.sleep(1.0)  # a new window may alert again
    for _ in range(9):
        await app.call("openim/query_online_status", body)
    await receiver.wait(ALERT, 2)
    for _ in range(8):  # another API has its own count; 80 % exactly does not pass it
        await app.call("profile/portrait_get", {"To_Account": ["jared"], "TagList": ["Tag_Profile_IM_Nick"]})
    await asyncio.sleep(0.3)
    assert len(receiver.of(ALERT)) == 2


async def test_over_limit_off_or_unlimited_sends_nothing(app: AppHandle, receiver: Receiver) -> None:
    await app.import_accounts("jared")
    app.set(rate_limits={"*": 0})
    hook(app, receiver, ALERT)
    for _ in range(30):
        await app.ok("openim/query_online_status", {"To_Account": ["jared"]})
    app.set(rate_limits={"openim/query_online_status": 5})
    hook(app, receiver, STATE)
    for _ in range(5):
        await app.ok("openim/query_online_status", {"To_Account": ["jared"]})
    await receiver.none(ALERT)
