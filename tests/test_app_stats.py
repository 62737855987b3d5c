"""Operations data: openconfigsvr/getappinfo (seed 004 lines 27182-27477). The page's two samples, every
RequestField, each computed field read after doing what it counts, and the page's codes."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
import sqlalchemy as sa

from confab.domain import app_stats
from confab.domain.app_stats import AppStats
from confab.webhooks.config import WebhookSettings
from tests.gateway import connect
from tests.support import AppHandle, assert_error, assert_ok
from tests.webhooks import Receiver

INFO = "openconfigsvr/getappinfo"
SEND = "openim/sendmsg"
IMPORT_MSG = "openim/importmsg"
GROUP = "group_open_http_svc"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]

# the keys of the page's first sample, in its order (seed 27268-27338)
SAMPLE_KEYS = [
    "APNSMsgNum",
    "ActiveUserNum",
    "AppId",
    "AppName",
    "C2CAPNSMsgNum",
    "C2CDownMsgNum",
    "C2CSendMsgUserNum",
    "C2CUpMsgNum",
    "CallBackReq",
    "CallBackRsp",
    "ChainDecrease",
    "ChainIncrease",
    "Company",
    "Date",
    "DownMsgNum",
    "GroupAPNSMsgNum",
    "GroupAllGroupNum",
    "GroupDestroyGroupNum",
    "GroupDownMsgNum",
    "GroupJoinGroupTimes",
    "GroupNewGroupNum",
    "GroupQuitGroupTimes",
    "GroupSendMsgGroupNum",
    "GroupSendMsgUserNum",
    "GroupUpMsgNum",
    "LoginTimes",
    "LoginUserNum",
    "MaxOnlineNum",
    "RegistUserNumOneDay",
    "RegistUserNumTotal",
    "SendMsgUserNum",
    "UpMsgNum",
]


def today() -> str:
    return time.strftime("%Y%m%d", time.gmtime())


async def info(app: AppHandle, *fields: str) -> list[dict[str, str]]:
    reply = await app.ok(INFO, {"RequestField": list(fields)} if fields else {})
    assert_ok(reply)
    return reply["Result"]


async def today_of(app: AppHandle, *fields: str) -> dict[str, str]:
    result = await info(app, *fields)
    assert result[0]["Date"] == today()
    return result[0]


def flush(app: AppHandle) -> None:
    rt = app.server.runtime
    app.server.run(rt.stats.flush(rt, totals_now=True))


async def send(app: AppHandle, sender: str, receiver: str, n: int = 1) -> None:
    for i in range(n):
        body = {"From_Account": sender, "To_Account": receiver, "MsgRandom": 1000 + i, "MsgBody": TEXT}
        await app.ok(SEND, body)


async def public_group(app: AppHandle, owner: str, *members: str) -> str:
    body = {
        "Type": "Public",
        "Name": "g",
        "Owner_Account": owner,
        "MemberList": [{"Member_Account": m} for m in members],
    }
    return str((await app.ok(f"{GROUP}/create_group", body))["GroupId"])


# -- the page's samples ------------------------------------------------------------------------------


async def test_sample_basic_format_every_field_as_a_string(app: AppHandle) -> None:
    app.set(name="Real-Time Communication Scenario Developer edition")
    reply = await app.ok(INFO, {})
    assert_ok(reply)
    result = reply["Result"]
    assert len(result) == 1  # a new app: only the day it was created (back 30 days at most)
    day = result[0]
    assert list(day) == SAMPLE_KEYS  # the sample's fields, in its (sorted) order
    assert all(isinstance(v, str) for v in day.values())
    assert day["Date"] == today()
    assert day["AppId"] == str(app.sdkappid)
    assert day["AppName"] == "Real-Time Communication Scenario Developer edition"
    assert day["Company"] == ""  # not known to Confab (docs/compatibility.md)
    assert day["APNSMsgNum"] == day["C2CAPNSMsgNum"] == day["GroupAPNSMsgNum"] == "0"  # Confab sends no APNs push
    assert day["UpMsgNum"] == "0" and day["RegistUserNumTotal"] == "1"  # the app admin's account
    # RequestField absent or empty: every field
    assert list((await app.ok(INFO, {"RequestField": []}))["Result"][0]) == SAMPLE_KEYS


async def test_sample_specifying_fields_chain_increase_and_decrease(app: AppHandle) -> None:
    await app.import_accounts("id", "id1", "id2", "id3")
    for user in ("id1", "id2", "id3"):
        item = {"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_AllowAny"}
        await app.ok("profile/portrait_set", {"From_Account": user, "ProfileItem": [item]})
    add = "sns/friend_add"
    await app.ok(add, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}], "AddType": "Add_Type_Both"})
    await app.ok(add, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id2"}], "AddType": "Add_Type_Single"})
    await app.ok(add, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id3"}], "AddType": "Add_Type_Both"})
    body = {"From_Account": "id", "To_Account": ["id1"], "DeleteType": "Delete_Type_Both"}
    await app.ok("sns/friend_delete", body)
    reply = await app.ok(INFO, {"RequestField": ["ChainIncrease", "ChainDecrease"]})
    assert_ok(reply)
    # each (owner, friend) relationship row: a both-way friendship is two
    assert reply["Result"] == [{"ChainDecrease": "2", "ChainIncrease": "5", "Date": today()}]


async def test_every_request_field_alone(app: AppHandle) -> None:
    for name in app_stats.FIELDS:
        day = (await info(app, name))[0]
        assert set(day) == {name, "Date"}, name
    both = (await info(app, "Date", "UpMsgNum", "UpMsgNum"))[0]  # Date itself, and a name twice
    assert list(both) == ["Date", "UpMsgNum"]


# -- each field after doing what it counts -----------------------------------------------------------


async def test_one_to_one_messages(app: AppHandle) -> None:
    await app.import_accounts("alice", "bob", "carol")
    await send(app, "alice", "bob", 3)
    await send(app, "bob", "alice", 1)
    # imported history is not traffic (ruling)
    body = {"SyncFromOldSystem": 2, "From_Account": "carol", "To_Account": "bob", "MsgRandom": 1, "MsgBody": TEXT}
    await app.ok(IMPORT_MSG, {**body, "MsgTimeStamp": int(time.time()) - 60})
    day = await today_of(app)
    assert day["C2CUpMsgNum"] == "4" and day["UpMsgNum"] == "4"
    assert day["C2CDownMsgNum"] == "4" and day["DownMsgNum"] == "4"
    assert day["C2CSendMsgUserNum"] == "2" and day["SendMsgUserNum"] == "2"
    assert day["GroupUpMsgNum"] == "0" and day["GroupSendMsgUserNum"] == "0"
    assert day["ActiveUserNum"] == "2"
    # counted once a day, whatever the number of flushes
    flush(app)
    await send(app, "alice", "bob", 2)
    flush(app)
    day = await today_of(app, "C2CUpMsgNum", "C2CSendMsgUserNum")
    assert day["C2CUpMsgNum"] == "6" and day["C2CSendMsgUserNum"] == "2"


async def test_group_messages_and_membership(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "peter", "paul", "alice")
    gid = await public_group(app, "leckie", "bob", "peter")  # 3 members
    send_msg = f"{GROUP}/send_group_msg"
    await app.ok(send_msg, {"GroupId": gid, "Random": 1, "From_Account": "leckie", "MsgBody": TEXT})
    await app.ok(send_msg, {"GroupId": gid, "Random": 2, "From_Account": "bob", "MsgBody": TEXT})
    await app.ok(send_msg, {"GroupId": gid, "Random": 3, "MsgBody": TEXT})  # the app admin: not a member
    await app.ok(f"{GROUP}/add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "paul"}]})
    await app.ok(f"{GROUP}/add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "alice"}]})
    await app.ok(f"{GROUP}/delete_group_member", {"GroupId": gid, "MemberToDel_Account": ["alice"]})
    other = await public_group(app, "paul")
    await app.ok(f"{GROUP}/destroy_group", {"GroupId": other})
    await send(app, "alice", "bob", 1)
    day = await today_of(app)
    assert day["GroupUpMsgNum"] == "3"
    # the sends' recipients by the group's member count at flush (4 members then): 3 + 3 + 4 (the admin)
    assert day["GroupDownMsgNum"] == "10"
    assert day["UpMsgNum"] == "4" and day["DownMsgNum"] == "11"
    assert day["GroupSendMsgUserNum"] == "3"  # leckie, bob and the app admin
    assert day["GroupSendMsgGroupNum"] == "1"
    assert day["SendMsgUserNum"] == "4"  # alice sent one-to-one
    assert day["GroupJoinGroupTimes"] == "2" and day["GroupQuitGroupTimes"] == "1"
    assert day["GroupNewGroupNum"] == "2" and day["GroupDestroyGroupNum"] == "1"
    assert day["GroupAllGroupNum"] == "1"


async def test_registered_users_today_and_in_total(app: AppHandle) -> None:
    await app.import_accounts("u1", "u2", "u3", "u4")
    await app.import_accounts("u1")  # already there: not registered again
    day = await today_of(app, "RegistUserNumOneDay", "RegistUserNumTotal")
    assert day == {"Date": today(), "RegistUserNumOneDay": "4", "RegistUserNumTotal": "5"}  # and the admin
    await app.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "u4"}]})
    day = await today_of(app, "RegistUserNumOneDay", "RegistUserNumTotal")
    assert day == {"Date": today(), "RegistUserNumOneDay": "4", "RegistUserNumTotal": "4"}


async def test_logins_logged_in_users_active_users_and_max_online(app: AppHandle) -> None:
    await app.import_accounts("alice", "bob", "carol")
    alice_web = await connect(app, "alice")
    alice_phone = await connect(app, "alice", platform="Android")
    bob = await connect(app, "bob")
    try:
        day = await today_of(app, "LoginTimes", "LoginUserNum", "MaxOnlineNum", "ActiveUserNum")
        assert day["LoginTimes"] == "3" and day["LoginUserNum"] == "2"
        assert day["MaxOnlineNum"] == "2"  # users, not devices
        assert day["ActiveUserNum"] == "2"
    finally:
        for client in (alice_web, alice_phone, bob):
            await client.close()
    again = await connect(app, "bob")
    await again.close()
    await send(app, "carol", "alice")  # sending makes carol active without logging in
    day = await today_of(app, "LoginTimes", "LoginUserNum", "MaxOnlineNum", "ActiveUserNum")
    assert day["LoginTimes"] == "4" and day["LoginUserNum"] == "2"
    assert day["MaxOnlineNum"] == "2"  # the day's highest sample stays
    assert day["ActiveUserNum"] == "3"


async def test_callback_requests_and_responses(app: AppHandle) -> None:
    receiver = Receiver().start()
    try:
        await app.import_accounts("alice", "bob")
        app.set(webhook=WebhookSettings(url=receiver.url, commands=["C2C.CallbackAfterSendMsg"]))
        await send(app, "alice", "bob", 2)
        await receiver.wait("C2C.CallbackAfterSendMsg", 2)
        deadline = time.monotonic() + 5
        while True:  # the answers are counted once they are read
            day = await today_of(app, "CallBackReq", "CallBackRsp")
            if day["CallBackRsp"] == "2" or time.monotonic() > deadline:
                break
        assert day["CallBackReq"] == "2" and day["CallBackRsp"] == "2"
    finally:
        receiver.stop()
    # a URL nobody answers at: requests made, no answer
    app.set(webhook=WebhookSettings(url=Receiver().url, commands=["C2C.CallbackAfterSendMsg"]))
    await send(app, "bob", "alice", 1)
    deadline = time.monotonic() + 10
    while (day := await today_of(app, "CallBackReq", "CallBackRsp"))["CallBackReq"] == "2":
        assert time.monotonic() < deadline, day
    assert int(day["CallBackReq"]) >= 3 and day["CallBackRsp"] == "2"


# -- several processes, restarts, past days ----------------------------------------------------------


async def test_distinct_users_once_a_day_across_processes(app: AppHandle) -> None:
    await app.import_accounts("alice", "bob")
    rt = app.server.runtime
    # another process (another AppStats on the same store) counts the same user again
    other = AppStats()
    first, second = await connect(app, "alice"), None
    try:
        other.login(app.sdkappid, "alice")
        other.login(app.sdkappid, "bob")
        app.server.run(other.flush(rt))
        second = await connect(app, "alice")
    finally:
        await first.close()
        if second is not None:
            await second.close()
    day = await today_of(app, "LoginTimes", "LoginUserNum")
    assert day["LoginTimes"] == "4" and day["LoginUserNum"] == "2"


async def test_past_days_newest_first_totals_carried_and_pruned(app: AppHandle) -> None:
    rt = app.server.runtime
    now = time.time()
    days = app_stats.last_days(now, 40)
    stats = AppStats()
    await app.import_accounts("u1", "u2")

    async def seed() -> None:
        # as a process that ran on those days would have flushed them
        for back in (1, 3, 35):
            stats.login(app.sdkappid, f"user{back}", at=now - back * 86400)
        stats._pruned_at = time.time()  # not pruning yet
        await stats.flush(rt)
        async with rt.store.tx() as tx:
            row = {"sdkappid": app.sdkappid, "day": days[3], "metric": "RegistUserNumTotal", "value": 7}
            await tx.execute(app_stats._gauge_statement(rt.store.dialect), [row])

    app.server.run(seed())
    old = dataclasses.replace(await_app(app), created_at=int(now) - 60 * 86400)
    result: list[dict[str, Any]] = app.server.run(
        app_stats.app_info(rt, old, ["LoginTimes", "RegistUserNumTotal"], now=now)
    )
    assert [d["Date"] for d in result] == [str(d) for d in days[:30]]  # today first, 30 days
    by_day = {d["Date"]: d for d in result}
    assert by_day[str(days[1])]["LoginTimes"] == "1" and by_day[str(days[3])]["LoginTimes"] == "1"
    assert by_day[str(days[2])]["LoginTimes"] == "0"
    assert str(days[35]) not in by_day
    # today's total is counted now; a past day's as recorded, carried forward to the days after it,
    # and estimated from creation times before the first record (these accounts were made today)
    assert by_day[str(days[0])]["RegistUserNumTotal"] == "3"  # the admin, u1, u2
    assert [by_day[str(days[n])]["RegistUserNumTotal"] for n in (1, 2, 3)] == ["7", "7", "7"]
    assert by_day[str(days[4])]["RegistUserNumTotal"] == "0"

    # the flush prunes what is older than 30 days (once an hour)
    async def old_rows() -> int:
        members, daily = app_stats.app_stats_members, app_stats.app_stats_daily
        async with rt.store.read() as conn:
            total = 0
            for table in (members, daily):
                query = sa.select(sa.func.count()).where(table.c.sdkappid == app.sdkappid, table.c.day == days[35])
                total += int((await conn.execute(query)).scalar_one())
            return total

    async def prune() -> None:
        stats._pruned_at = 0.0
        await stats.flush(rt)

    assert app.server.run(old_rows()) == 2  # LoginTimes and LoginUserNum of that day
    app.server.run(prune())
    assert app.server.run(old_rows()) == 0


def await_app(app: AppHandle) -> Any:
    return app.server.run(app.server.runtime.apps.get(app.sdkappid))


async def test_live_group_joins_quits_and_deliveries(app: AppHandle) -> None:
    await app.import_accounts("alice", "bob", "carol")
    room = (await app.ok(f"{GROUP}/create_group", {"Type": "AVChatRoom", "Name": "live", "Owner_Account": "alice"}))[
        "GroupId"
    ]
    clients = [await connect(app, user) for user in ("alice", "bob", "carol")]
    try:
        for client in clients:
            assert await client.apply_join(room) == 1
        await clients[1].send_group_text(room, "hello live")  # bob: to alice and carol
        await app.ok(f"{GROUP}/send_group_msg", {"GroupId": room, "Random": 1, "MsgBody": TEXT})  # admin: to all 3
        await clients[2].quit_group(room)
        day = await today_of(app, "GroupJoinGroupTimes", "GroupQuitGroupTimes", "GroupUpMsgNum", "GroupDownMsgNum")
        assert day["GroupJoinGroupTimes"] == "3" and day["GroupQuitGroupTimes"] == "1"
        assert day["GroupUpMsgNum"] == "2"
        assert day["GroupDownMsgNum"] == "5"  # the watchers when each was sent, but the sender
    finally:
        for client in clients:
            await client.close()


async def test_a_failed_flush_keeps_its_counts_for_the_next(app: AppHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    await app.import_accounts("zed")
    rt = app.server.runtime
    stats = AppStats()
    stats.login(app.sdkappid, "zed")
    real = app_stats._member_statement

    def broken(dialect: str) -> Any:
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(app_stats, "_member_statement", broken)
    with pytest.raises(sa.exc.OperationalError):
        app.server.run(stats.flush(rt))
    monkeypatch.setattr(app_stats, "_member_statement", real)
    app.server.run(stats.flush(rt))
    app.server.run(stats.flush(rt))  # nothing left: nothing counted twice
    day = await today_of(app, "LoginTimes", "LoginUserNum")
    assert day["LoginTimes"] == "1" and day["LoginUserNum"] == "1"


async def test_one_app_never_sees_another(app: AppHandle, make_app) -> None:
    other = make_app()
    await other.import_accounts("x", "y")
    await send(other, "x", "y", 2)
    day = await today_of(app, "C2CUpMsgNum", "RegistUserNumTotal", "RegistUserNumOneDay")
    assert day == {"C2CUpMsgNum": "0", "Date": today(), "RegistUserNumOneDay": "0", "RegistUserNumTotal": "1"}


# -- the page's codes --------------------------------------------------------------------------------


async def test_json_parsing_error_130001(app: AppHandle) -> None:
    assert_error(await app.call(INFO, b"{not json"), 130001)
    assert_error(await app.call(INFO, b"[1,"), 130001)


@pytest.mark.parametrize(
    "body",
    [
        {"RequestField": ["ChainIncrease", "NoSuchField"]},
        {"RequestField": "ChainIncrease"},
        {"RequestField": [1]},
        {"RequestField": ["UpMsgNum"] * 65},
    ],
)
async def test_bad_request_field_130005(app: AppHandle, body: dict) -> None:
    reply = await app.call(INFO, body)
    assert_error(reply, 130005)
    assert "RequestField" in reply["ErrorInfo"]


async def test_sql_query_error_130011(app: AppHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise sa.exc.OperationalError("SELECT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(app_stats, "_read", broken)
    reply = await app.call(INFO, {})
    assert_error(reply, 130011)
    assert "disk" not in reply["ErrorInfo"]
