"""Group lifecycle and membership webhooks (issue 15; seed 30947-31884, 31885-32064, 32586-33069,
33229-33381, 34150-34455, 34630-34764): each page's sample body, its triggers (REST and device, and
those that trigger nothing), and each before-callback's verdicts."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from confab.client import GatewayError
from confab.domain.apps import GroupField
from tests.gateway import connect
from tests.support import AppHandle, assert_error
from tests.webhooks import OK, Received, Receiver, hook

G = "group_open_http_svc"
BEFORE_CREATE = "Group.CallbackBeforeCreateGroup"
AFTER_CREATE = "Group.CallbackAfterCreateGroup"
BEFORE_APPLY = "Group.CallbackBeforeApplyJoinGroup"
BEFORE_INVITE = "Group.CallbackBeforeInviteJoinGroup"
JOINED = "Group.CallbackAfterNewMemberJoin"
EXITED = "Group.CallbackAfterMemberExit"
FULL = "Group.CallbackAfterGroupFull"
DESTROYED = "Group.CallbackAfterGroupDestroyed"
INFO = "Group.CallbackAfterGroupInfoChanged"
FIELD = "Group.CallbackAfterMemberFieldChanged"
ATTR = "Group.CallbackAfterGroupAttrChanged"
OWNER = "Group.CallbackAfterChangeGroupOwner"
STATE = "Group.CallbackOnMemberStateChange"

USERS = ("leckie", "bob", "peter", "jared", "tommy", "user1", "user2", "123456")


@pytest.fixture
async def people(app: AppHandle) -> None:
    await app.import_accounts(*USERS)


def event_time(got: Received) -> int:
    """EventTime: an integer of milliseconds (ruling 15), of just now."""
    at = got.body["EventTime"]
    assert isinstance(at, int) and abs(at - time.time() * 1000) < 60_000, at
    return at


async def settled(receiver: Receiver, command: str, n: int) -> None:
    """Exactly n requests of this command, and no more coming."""
    await asyncio.sleep(0.3)
    assert len(receiver.of(command)) == n, receiver.of(command)


def accounts(*users: str) -> list[dict[str, str]]:
    return [{"Member_Account": u} for u in users]


async def create(app: AppHandle, gtype: str = "Public", owner: str = "leckie", **extra: Any) -> str:
    body = {"Type": gtype, "Name": "MyFirstGroup", "Owner_Account": owner, **extra}
    return (await app.ok(f"{G}/create_group", body))["GroupId"]


async def add(app: AppHandle, gid: str, *users: str) -> dict[str, Any]:
    return await app.call(f"{G}/add_group_member", {"GroupId": gid, "MemberList": accounts(*users)})


async def fails(code: int, call: Any) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        await call
    assert caught.value.code == code, caught.value
    return caught.value


# -- Group.CallbackBeforeCreateGroup (seed 30947-31147) ---------------------------------------------


async def test_before_create_sample_body(app: AppHandle, people, receiver: Receiver) -> None:
    await create(app)  # one Public group leckie already holds, before the callback is on
    await create(app, "Private")  # of another type: not counted
    hook(app, receiver, BEFORE_CREATE)
    gid = await create(app, MemberList=accounts("bob", "peter"))
    (got,) = await receiver.wait(BEFORE_CREATE)
    assert got.body == {
        "CallbackCommand": BEFORE_CREATE,
        "Operator_Account": app.admin,
        "Owner_Account": "leckie",
        "Type": "Public",
        "Name": "MyFirstGroup",
        "CreateGroupNum": 1,
        "MemberList": accounts("bob", "peter"),
        "EventTime": event_time(got),
    }
    assert got.query["OptPlatform"] == "RESTAPI"
    assert (await app.ok(f"{G}/get_group_info", {"GroupIdList": [gid]}))["GroupInfo"][0]["MemberNum"] == 3


async def test_before_create_verdicts(app: AppHandle, people, receiver: Receiver) -> None:
    hook(app, receiver, BEFORE_CREATE)
    receiver.answers[BEFORE_CREATE] = {**OK, "ErrorCode": 1}
    body = {"Type": "Public", "Name": "refused", "Owner_Account": "leckie"}
    assert_error(await app.call(f"{G}/create_group", body), 10016)
    receiver.answers[BEFORE_CREATE] = {"ActionStatus": "OK", "ErrorCode": 10150, "ErrorInfo": "level too low"}
    reply = await app.call(f"{G}/create_group", body)
    assert (reply["ErrorCode"], reply["ErrorInfo"]) == (10150, "level too low")
    receiver.answers[BEFORE_CREATE] = {"ActionStatus": "OK", "ErrorCode": 10201, "ErrorInfo": "out of range"}
    assert_error(await app.call(f"{G}/create_group", body), 10016)  # outside 10100-10200: the page's code
    listed = await app.ok(f"{G}/get_joined_group_list", {"Member_Account": "leckie"})
    assert listed["TotalCount"] == 0  # nothing was created
    receiver.answers[BEFORE_CREATE] = OK
    await create(app)
    assert len(receiver.of(BEFORE_CREATE)) == 4


async def test_before_create_from_a_device_and_not_for_imports(app: AppHandle, people, receiver: Receiver) -> None:
    hook(app, receiver, BEFORE_CREATE)
    receiver.answers[BEFORE_CREATE] = {**OK, "ErrorCode": 1}
    leckie = await connect(app, "leckie", platform="Android")
    try:
        await fails(10016, leckie.create_group("Public", "mine", MemberList=[{"Member_Account": "bob"}]))
    finally:
        await leckie.close()
    (got,) = await receiver.wait(BEFORE_CREATE)
    assert got.query["OptPlatform"] == "Android"
    assert (got.body["Operator_Account"], got.body["Owner_Account"]) == ("leckie", "leckie")
    assert got.body["MemberList"] == accounts("bob")
    await app.ok(f"{G}/import_group", {"Type": "Public", "Name": "imported", "Owner_Account": "leckie"})
    await settled(receiver, BEFORE_CREATE, 1)


async def test_before_create_fail_closed(app: AppHandle, people, receiver: Receiver) -> None:
    receiver.answers[BEFORE_CREATE] = (500, b"down")
    hook(app, receiver, BEFORE_CREATE)
    await create(app)  # fail-open by default
    hook(app, receiver, BEFORE_CREATE, fail_closed=[BEFORE_CREATE])
    reply = await app.call(f"{G}/create_group", {"Type": "Public", "Name": "x", "Owner_Account": "leckie"})
    assert_error(reply, 10016)
    assert "webhook failed" in reply["ErrorInfo"]


# -- Group.CallbackAfterCreateGroup (seed 31148-31343) ----------------------------------------------


async def test_after_create_sample_body(app: AppHandle, people, receiver: Receiver) -> None:
    app.set(custom_group_fields={"UserDefined1": GroupField(), "UserDefined2": GroupField()})
    hook(app, receiver, AFTER_CREATE)
    data = [{"Key": "UserDefined1", "Value": "hello"}, {"Key": "UserDefined2", "Value": "world"}]
    gid = await create(app, MemberList=accounts("bob", "peter"), AppDefinedData=data)
    (got,) = await receiver.wait(AFTER_CREATE)
    assert got.body == {
        "CallbackCommand": AFTER_CREATE,
        "GroupId": gid,
        "Operator_Account": app.admin,
        "Owner_Account": "leckie",
        "Type": "Public",
        "Name": "MyFirstGroup",
        "MemberList": accounts("bob", "peter"),
        "UserDefinedDataList": data,
        "EventTime": event_time(got),
    }


async def test_after_create_from_a_device_not_refused_nor_imported(app: AppHandle, people, receiver: Receiver) -> None:
    hook(app, receiver, BEFORE_CREATE, AFTER_CREATE)
    receiver.answers[BEFORE_CREATE] = {**OK, "ErrorCode": 1}
    assert_error(await app.call(f"{G}/create_group", {"Type": "Public", "Name": "no", "Owner_Account": "bob"}), 10016)
    await app.ok(f"{G}/import_group", {"Type": "Public", "Name": "imported", "Owner_Account": "leckie"})
    receiver.answers[BEFORE_CREATE] = OK
    peter = await connect(app, "peter", platform="iOS")
    try:
        made = await peter.create_group("Private", "work")
    finally:
        await peter.close()
    (got,) = await receiver.wait(AFTER_CREATE)
    assert got.query["OptPlatform"] == "iOS"
    assert got.body["GroupId"] == made["GroupId"]
    assert (got.body["Type"], got.body["Operator_Account"], got.body["Owner_Account"]) == ("Private", "peter", "peter")
    assert got.body["MemberList"] == [] and "UserDefinedDataList" not in got.body
    await settled(receiver, AFTER_CREATE, 1)


# -- Group.CallbackBeforeApplyJoinGroup (seed 31344-31501) ------------------------------------------


async def test_before_apply_sample_body_and_verdicts(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app)
    hook(app, receiver, BEFORE_APPLY, JOINED)
    jared = await connect(app, "jared", platform="Windows")
    try:
        receiver.answers[BEFORE_APPLY] = {**OK, "ErrorCode": 1}
        await fails(10016, jared.apply_join(gid))
        (got,) = await receiver.wait(BEFORE_APPLY)
        assert got.body == {
            "CallbackCommand": BEFORE_APPLY,
            "GroupId": gid,
            "Type": "Public",
            "Requestor_Account": "jared",
            "EventTime": event_time(got),
        }
        assert got.query["OptPlatform"] == "Windows"
        receiver.answers[BEFORE_APPLY] = {"ActionStatus": "OK", "ErrorCode": 10100, "ErrorInfo": "not verified"}
        error = await fails(10100, jared.apply_join(gid))
        assert "not verified" in str(error)
        await receiver.none(JOINED)
        # allowed: a NeedPermission group still waits for an admin (seed 31488-31490)
        receiver.answers[BEFORE_APPLY] = OK
        assert await jared.apply_join(gid) == 3
        await app.ok(f"{G}/modify_group_base_info", {"GroupId": gid, "ApplyJoinOption": "FreeAccess"})
        assert await jared.apply_join(gid) == 1
    finally:
        await jared.close()
    assert len(receiver.of(BEFORE_APPLY)) == 4
    (joined,) = await receiver.wait(JOINED)
    assert (joined.body["JoinType"], joined.body["Operator_Account"]) == ("Apply", "jared")


# -- Group.CallbackBeforeInviteJoinGroup (seed 31502-31698) -----------------------------------------


async def test_before_invite_sample_body_and_partial_refusal(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app)
    hook(app, receiver, BEFORE_INVITE, JOINED)
    receiver.answers[BEFORE_INVITE] = {**OK, "RefusedMembers_Account": ["jared"]}
    reply = await add(app, gid, "jared", "tommy")
    assert reply["MemberList"] == [{"Member_Account": "jared", "Result": 0}, {"Member_Account": "tommy", "Result": 1}]
    (got,) = await receiver.wait(BEFORE_INVITE)
    assert got.body == {
        "CallbackCommand": BEFORE_INVITE,
        "GroupId": gid,
        "Type": "Public",
        "Operator_Account": app.admin,
        "DestinationMembers": accounts("jared", "tommy"),
        "EventTime": event_time(got),
    }
    (joined,) = await receiver.wait(JOINED)
    assert joined.body["NewMemberList"] == accounts("tommy")  # the refused one did not join


async def test_before_invite_verdicts_and_devices(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app, MemberList=accounts("bob"))
    hook(app, receiver, BEFORE_INVITE)
    receiver.answers[BEFORE_INVITE] = {**OK, "ErrorCode": 1}
    assert_error(await add(app, gid, "jared"), 10016)
    receiver.answers[BEFORE_INVITE] = {"ActionStatus": "OK", "ErrorCode": 10199, "ErrorInfo": "invite quota"}
    reply = await add(app, gid, "jared")
    assert (reply["ErrorCode"], reply["ErrorInfo"]) == (10199, "invite quota")
    receiver.answers[BEFORE_INVITE] = OK
    leckie = await connect(app, "leckie", platform="macOS")
    try:
        assert await leckie.invite(gid, ["jared"]) == [{"Member_Account": "jared", "Result": 1}]
    finally:
        await leckie.close()
    got = await receiver.wait(BEFORE_INVITE, 3)
    assert got[2].query["OptPlatform"] == "macOS"
    assert got[2].body["Operator_Account"] == "leckie"
    members = await app.ok(f"{G}/get_group_member_info", {"GroupId": gid})
    assert sorted(m["Member_Account"] for m in members["MemberList"]) == ["bob", "jared", "leckie"]


# -- Group.CallbackAfterNewMemberJoin (seed 31699-31884) --------------------------------------------


async def test_after_join_sample_body_and_triggers(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app)
    hook(app, receiver, JOINED)
    await add(app, gid, "jared", "tommy")  # REST add: Invited
    (got,) = await receiver.wait(JOINED)
    assert got.body == {
        "CallbackCommand": JOINED,
        "GroupId": gid,
        "Type": "Public",
        "JoinType": "Invited",
        "Operator_Account": app.admin,
        "NewMemberList": accounts("jared", "tommy"),
        "EventTime": event_time(got),
    }
    # an application approved by the owner: Apply, by the approver (the sample's case)
    bob, leckie = await connect(app, "bob"), await connect(app, "leckie", platform="Android")
    try:
        assert await bob.apply_join(gid) == 3
        await settled(receiver, JOINED, 1)  # waiting for approval is not joining
        await leckie.accept_join(gid, "bob")
    finally:
        await bob.close()
        await leckie.close()
    got = (await receiver.wait(JOINED, 2))[1]
    assert (got.body["JoinType"], got.body["Operator_Account"]) == ("Apply", "leckie")
    assert got.body["NewMemberList"] == accounts("bob")
    assert got.query["OptPlatform"] == "Android"
    # import_group_member triggers nothing
    await app.ok(f"{G}/import_group_member", {"GroupId": gid, "MemberList": accounts("peter")})
    await settled(receiver, JOINED, 2)


async def test_after_join_live_group(app: AppHandle, people, receiver: Receiver) -> None:
    room = await create(app, "AVChatRoom")
    hook(app, receiver, JOINED, EXITED)
    jared = await connect(app, "jared")
    try:
        assert await jared.apply_join(room) == 1
        (got,) = await receiver.wait(JOINED)
        assert got.body["Type"] == "AVChatRoom" and got.body["JoinType"] == "Apply"
        assert got.body["NewMemberList"] == accounts("jared")
        await jared.quit_group(room)
        (left,) = await receiver.wait(EXITED)
        assert (left.body["ExitType"], left.body["Operator_Account"]) == ("Quit", "jared")
    finally:
        await jared.close()


# -- Group.CallbackAfterMemberExit (seed 31885-32064) -----------------------------------------------


async def test_after_exit_sample_body_and_triggers(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app, MemberList=accounts("jared", "tommy", "bob", "peter"))
    hook(app, receiver, EXITED)
    await app.ok(f"{G}/delete_group_member", {"GroupId": gid, "MemberToDel_Account": ["jared", "tommy"]})
    (got,) = await receiver.wait(EXITED)
    assert got.body == {
        "CallbackCommand": EXITED,
        "GroupId": gid,
        "Type": "Public",
        "ExitType": "Kicked",
        "Operator_Account": app.admin,
        "ExitMemberList": accounts("jared", "tommy"),
        "EventTime": event_time(got),
    }
    bob, leckie = await connect(app, "bob", platform="Web"), await connect(app, "leckie")
    try:
        await bob.quit_group(gid)
        await leckie.kick(gid, ["peter"])
    finally:
        await bob.close()
        await leckie.close()
    _, quit, kicked = await receiver.wait(EXITED, 3)
    assert (quit.body["ExitType"], quit.body["Operator_Account"], quit.body["ExitMemberList"]) == (
        "Quit",
        "bob",
        accounts("bob"),
    )
    assert quit.query["OptPlatform"] == "Web"
    assert (kicked.body["ExitType"], kicked.body["Operator_Account"]) == ("Kicked", "leckie")


async def test_after_exit_for_a_ban_from_a_live_group(app: AppHandle, people, receiver: Receiver) -> None:
    room = await create(app, "AVChatRoom")
    hook(app, receiver, EXITED)
    jared = await connect(app, "jared")
    try:
        assert await jared.apply_join(room) == 1
        await app.ok(f"{G}/ban_group_member", {"GroupId": room, "Members_Account": ["jared", "tommy"], "Duration": 60})
    finally:
        await jared.close()
    (got,) = await receiver.wait(EXITED)
    assert got.body["ExitType"] == "Kicked" and got.body["Operator_Account"] == app.admin
    assert got.body["ExitMemberList"] == accounts("jared")  # tommy was not in the room
    await settled(receiver, EXITED, 1)


# -- Group.CallbackAfterGroupFull (seed 32586-32725) ------------------------------------------------


async def test_group_full_when_it_fills_and_when_a_join_fails(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app, MaxMemberNum=3, ApplyJoinOption="FreeAccess")
    hook(app, receiver, FULL, JOINED)
    await add(app, gid, "bob")  # 2 of 3: not full
    await receiver.wait(JOINED)
    assert receiver.of(FULL) == []
    await add(app, gid, "peter")  # 3 of 3: full now
    (got,) = await receiver.wait(FULL)
    assert got.body == {"CallbackCommand": FULL, "GroupId": gid, "EventTime": event_time(got)}
    assert_error(await add(app, gid, "jared"), 10014)  # refused because full
    await receiver.wait(FULL, 2)
    jared = await connect(app, "jared", platform="Android")
    try:
        await fails(10014, jared.apply_join(gid))
    finally:
        await jared.close()
    third = (await receiver.wait(FULL, 3))[2]
    assert third.query["OptPlatform"] == "Android"
    await asyncio.sleep(0.3)
    assert len(receiver.of(FULL)) == 3 and len(receiver.of(JOINED)) == 2


# -- Group.CallbackAfterGroupDestroyed (seed 32726-32893) -------------------------------------------


async def test_after_destroy_is_sent_for_rest_and_devices(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app, MemberList=accounts("peter", "bob"))
    mine = await create(app, "Public", owner="bob")
    hook(app, receiver, DESTROYED)
    await app.ok(f"{G}/destroy_group", {"GroupId": gid})
    (got,) = await receiver.wait(DESTROYED)
    assert (got.body["GroupId"], got.body["Type"]) == (gid, "Public")
    event_time(got)
    bob = await connect(app, "bob", platform="iPad")
    try:
        await bob.destroy_group(mine)
    finally:
        await bob.close()
    second = (await receiver.wait(DESTROYED, 2))[1]
    assert second.body["GroupId"] == mine and second.query["OptPlatform"] == "iPad"


async def test_after_destroy_sample_body(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app, MemberList=accounts("peter", "bob"))
    community = await create(app, "Community", MemberList=accounts("peter"))
    hook(app, receiver, DESTROYED)
    await app.ok(f"{G}/destroy_group", {"GroupId": gid})
    (got,) = await receiver.wait(DESTROYED)
    assert got.body == {
        "CallbackCommand": DESTROYED,
        "GroupId": gid,
        "Type": "Public",
        "Owner_Account": "leckie",
        "Name": "MyFirstGroup",
        "MemberList": accounts("leckie", "bob", "peter"),  # the owner first
        "EventTime": event_time(got),
    }
    await app.ok(f"{G}/destroy_group", {"GroupId": community})
    second = (await receiver.wait(DESTROYED, 2))[1]
    assert second.body["Owner_Account"] == "leckie" and "MemberList" not in second.body  # seed 32818


# -- Group.CallbackAfterGroupInfoChanged (seed 32894-33069) -----------------------------------------


async def test_after_info_changed_sample_body_and_triggers(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app)
    hook(app, receiver, INFO)
    await app.ok(f"{G}/modify_group_base_info", {"GroupId": gid, "Notification": "NewNotification"})
    (got,) = await receiver.wait(INFO)
    assert got.body == {
        "CallbackCommand": INFO,
        "GroupId": gid,
        "Type": "Public",
        "Operator_Account": app.admin,
        "Notification": "NewNotification",
        "EventTime": event_time(got),
    }
    # other profile fields do not trigger it (seed 32940-32944)
    await app.ok(f"{G}/modify_group_base_info", {"GroupId": gid, "MaxMemberNum": 100, "ApplyJoinOption": "FreeAccess"})
    leckie = await connect(app, "leckie", platform="Android")
    try:
        await leckie.edit_group(gid, Name="Renamed", FaceUrl="http://example.com/f.png")
    finally:
        await leckie.close()
    second = (await receiver.wait(INFO, 2))[1]
    assert {k: second.body[k] for k in ("Operator_Account", "Name", "FaceUrl")} == {
        "Operator_Account": "leckie",
        "Name": "Renamed",
        "FaceUrl": "http://example.com/f.png",
    }
    assert "Notification" not in second.body and second.query["OptPlatform"] == "Android"
    await settled(receiver, INFO, 2)


# -- Group.CallbackAfterMemberFieldChanged (seed 34150-34297) ---------------------------------------


async def test_after_member_field_changed_sample_body(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app, "Community", MemberList=accounts("123456"))
    hook(app, receiver, FIELD)
    change = {"GroupId": gid, "Member_Account": "123456", "Role": "Admin", "NameCard": "jacky"}
    await app.ok(f"{G}/modify_group_member_info", change)
    (got,) = await receiver.wait(FIELD)
    assert got.body == {  # both changes of the one call in one callback, as the sample
        "CallbackCommand": FIELD,
        "GroupId": gid,
        "Type": "Community",
        "Operator_Account": app.admin,
        "Member_Account": "123456",
        "Role": "Admin",
        "NameCard": "jacky",
        "EventTime": event_time(got),
    }
    await app.ok(f"{G}/modify_group_member_info", {"GroupId": gid, "Member_Account": "123456", "Role": "Member"})
    second = (await receiver.wait(FIELD, 2))[1]
    assert second.body["Role"] == "Member" and "NameCard" not in second.body
    # a member's own name card from a device; MsgFlag alone is no trigger
    me = await connect(app, "123456", platform="Android")
    try:
        await me.set_member_info(gid, MsgFlag="AcceptNotNotify")
        await me.set_member_info(gid, NameCard="jacky2")
    finally:
        await me.close()
    third = (await receiver.wait(FIELD, 3))[2]
    assert (third.body["Operator_Account"], third.body["NameCard"]) == ("123456", "jacky2")
    assert "Role" not in third.body and third.query["OptPlatform"] == "Android"
    await settled(receiver, FIELD, 3)


# -- Group.CallbackAfterGroupAttrChanged (seed 34298-34455) -----------------------------------------


async def test_after_attr_changed_sample_body_and_options(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app)
    hook(app, receiver, ATTR)
    items = [{"key": "key1", "value": "value1"}, {"key": "key2", "value": "values"}]
    await app.ok(f"{G}/set_group_attr", {"GroupId": gid, "GroupAttr": items})
    (got,) = await receiver.wait(ATTR)
    assert got.body == {
        "CallbackCommand": ATTR,
        "GroupId": gid,
        "Type": "Public",
        "Operator_Account": app.admin,
        "OptionType": "set",
        "GroupAttr": items,
        "EventTime": event_time(got),
    }
    await app.ok(f"{G}/modify_group_attr", {"GroupId": gid, "GroupAttr": [{"key": "key2", "value": "v2"}]})
    await app.ok(f"{G}/delete_group_attr", {"GroupId": gid, "GroupAttr": [{"key": "key1"}]})
    await app.ok(f"{G}/clear_group_attr", {"GroupId": gid})
    _, modified, deleted, cleared = await receiver.wait(ATTR, 4)
    assert (modified.body["OptionType"], modified.body["GroupAttr"]) == ("modify", [{"key": "key2", "value": "v2"}])
    assert (deleted.body["OptionType"], deleted.body["GroupAttr"]) == ("delete", [{"key": "key1", "value": "value1"}])
    assert (cleared.body["OptionType"], cleared.body["GroupAttr"]) == ("clear", [{"key": "key2", "value": "v2"}])


# -- Group.CallbackAfterChangeGroupOwner (seed 34630-34764) -----------------------------------------


async def test_after_change_owner_sample_body(app: AppHandle, people, receiver: Receiver) -> None:
    gid = await create(app, owner="user1", MemberList=accounts("user2"))
    hook(app, receiver, OWNER)
    await app.ok(f"{G}/change_group_owner", {"GroupId": gid, "NewOwner_Account": "user2"})
    (got,) = await receiver.wait(OWNER)
    assert got.body == {
        "CallbackCommand": OWNER,
        "GroupId": gid,
        "Type": "Public",
        "Operator_Account": app.admin,
        "OldOwner_Account": "user1",
        "NewOwner_Account": "user2",
        "EventTime": event_time(got),
    }


# -- Group.CallbackOnMemberStateChange (seed 33229-33381) -------------------------------------------


def _sweep(app: AppHandle, seconds: float) -> None:
    hub = app.server.runtime.hub

    async def sweep() -> None:
        hub.live.sweep(now=time.monotonic() + seconds)

    app.server.run(sweep())


async def test_member_state_change_offline_then_online(app: AppHandle, people, receiver: Receiver) -> None:
    room = await create(app, "AVChatRoom")
    hook(app, receiver, STATE, EXITED)
    jared = await connect(app, "jared")
    assert await jared.apply_join(room) == 1
    await jared.close()
    deadline = time.monotonic() + 5
    while not app.server.runtime.hub.live._away:  # the server has seen the close
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    _sweep(app, 21)  # past the 20 s grace (seed 33260)
    (got,) = await receiver.wait(STATE)
    assert got.body == {
        "CallbackCommand": STATE,
        "GroupId": room,
        "EventType": "Offline",
        "MemberList": accounts("jared"),
    }
    back = await connect(app, "jared")
    try:
        second = (await receiver.wait(STATE, 2))[1]
        assert second.body["EventType"] == "Online" and second.body["MemberList"] == accounts("jared")
    finally:
        await back.close()
    await receiver.none(EXITED)  # going offline is not leaving


async def test_a_rest_change_is_made_by_the_calling_admin(make_app, receiver: Receiver) -> None:
    """An app with several admins: the callback names the one whose identifier the REST call carried."""
    app = make_app(admins=["administrator", "ops"])
    await app.import_accounts("peter")
    hook(app, receiver, AFTER_CREATE)
    ops = app.client("ops")
    reply = await ops.call(
        "group_open_http_svc/create_group", {"Type": "Public", "Name": "by ops", "Owner_Account": "peter"}
    )
    assert reply["ActionStatus"] == "OK", reply
    (got,) = await receiver.wait(AFTER_CREATE)
    assert got.body["Operator_Account"] == "ops"
