"""Live groups (AVChatRoom, issue 14): membership is presence; robots, live admins, check_members, the
online count and list, member marks (seed 004 lines 17484-18948), and the Offline/Online rule."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from confab.client import ChatClient, GatewayError
from confab.domain.groups import live
from confab.events import Event
from tests.gateway import connect
from tests.support import AppHandle

USERS = ("alice", "bob", "carol", "dave", "teacher2", "teacher10", "student9", "bot1", "bot2", "user1")
AV = "group_open_avchatroom_http_svc"
ONLINE_NUM = "group_open_http_svc/get_online_member_num"


@pytest.fixture
async def room(app: AppHandle) -> AsyncIterator[str]:
    await app.import_accounts(*USERS)
    await app.ok(
        "profile/portrait_set",
        {
            "From_Account": "teacher2",
            "ProfileItem": [
                {"Tag": "Tag_Profile_IM_Nick", "Value": "Teacher t02"},
                {"Tag": "Tag_Profile_IM_Image", "Value": "http://www.example.com/teacher2.jpg"},
            ],
        },
    )
    created = await app.ok(
        "group_open_http_svc/create_group", {"Type": "AVChatRoom", "Name": "live", "Owner_Account": "alice"}
    )
    yield created["GroupId"]


@pytest.fixture
async def watchers(app: AppHandle, room: str) -> AsyncIterator[dict[str, ChatClient]]:
    clients = {user: await connect(app, user) for user in ("alice", "bob", "teacher2")}
    try:
        for client in clients.values():
            assert await client.apply_join(room) == 1
        yield clients
    finally:
        for client in clients.values():
            await client.close()


def as_in_seed(reply: dict) -> dict:
    """The reply as the seed's samples show it (they leave out RequestId)."""
    assert reply.pop("RequestId")
    return reply


async def fails(app: AppHandle, code: int, api: str, body: dict) -> str:
    reply = await app.call(api, body)
    assert reply["ErrorCode"] == code, reply
    assert reply["ActionStatus"] == "FAIL"
    return reply["ErrorInfo"]


async def gateway_fails(code: int, call) -> None:
    with pytest.raises(GatewayError) as caught:
        await call
    assert caught.value.code == code, caught.value


async def online(app: AppHandle, room: str) -> int:
    return (await app.ok(ONLINE_NUM, {"GroupId": room}))["OnlineMemberNum"]


async def until_online(app: AppHandle, room: str, count: int, within: float = 5.0) -> None:
    """The count changes when the server sees a close, a moment after the client does."""
    deadline = time.monotonic() + within
    while (found := await online(app, room)) != count:
        assert time.monotonic() < deadline, f"online count stayed {found}, expected {count}"
        await _tick()


async def _tick() -> None:
    import asyncio

    await asyncio.sleep(0.02)


def _sweep_past_grace(app: AppHandle, seconds: float) -> None:
    """Run the live rooms' sweep as if `seconds` had passed (no waiting for the real timer)."""
    hub = app.server.runtime.hub

    async def sweep() -> None:
        hub.live.sweep(now=time.monotonic() + seconds)

    app.server.run(sweep())


# -- membership is presence ---------------------------------------------------------------------------


async def test_joining_is_presence_and_messages_reach_the_watchers(
    app: AppHandle, room: str, watchers: dict[str, ChatClient]
) -> None:
    alice, bob = watchers["alice"], watchers["bob"]
    assert await online(app, room) == 3
    assert await alice.apply_join(room) == 1  # joining again (a client does after a reconnect) is harmless
    assert await online(app, room) == 3
    sent = await bob.send_group_text(room, "hello live")
    assert sent["MsgSeq"] == 0  # online only: no seq, no history
    got = await alice.next_event("group.msg")
    assert got.data["MsgBody"][0]["MsgContent"]["Text"] == "hello live"
    # a user not watching may not speak, and receives nothing
    carol = await connect(app, "carol")
    try:
        await gateway_fails(10007, carol.send_group_text(room, "let me in"))
        await app.ok(
            "group_open_http_svc/send_group_msg",
            {"GroupId": room, "Random": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "admin"}}]},
        )
        assert (await bob.next_event("group.msg")).data["From_Account"] == "bob"  # his own, on his device too
        assert (await bob.next_event("group.msg")).data["From_Account"] == app.admin
        with pytest.raises(TimeoutError):
            await carol.next_event("group.msg", within=0.3)
    finally:
        await carol.close()
    # no member rows: the REST member APIs of ordinary groups refuse live groups
    await fails(app, 10007, "group_open_http_svc/get_group_member_info", {"GroupId": room})
    await bob.quit_group(room)
    assert await online(app, room) == 2
    await gateway_fails(10007, bob.quit_group(room))  # not in it any more
    await gateway_fails(10007, bob.send_group_text(room, "gone"))


async def test_a_watcher_who_drops_stays_through_the_grace_then_goes_offline_and_comes_back(
    app: AppHandle, room: str, watchers: dict[str, ChatClient]
) -> None:
    seen: list[Event] = []
    rt = app.server.runtime
    subscription = rt.bus.subscribe()

    async def collect() -> None:
        async for event in subscription:
            if isinstance(event, live.LiveStateChanged) and event.group_id == room:
                seen.append(event)

    import asyncio

    watcher_task = asyncio.run_coroutine_threadsafe(collect(), app.server.loop)
    try:
        await watchers["bob"].close()
        # within the grace bob is still in the room (a reconnect would be seamless)
        await until_online(app, room, 3, within=1.0)
        check = await app.ok(f"{AV}/check_members", {"GroupId": room, "Member_Account": ["bob", "carol"]})
        assert check["Member_Account"] == ["bob"]
        _sweep_past_grace(app, live_grace(app) + 1)
        assert await online(app, room) == 2
        check = await app.ok(f"{AV}/check_members", {"GroupId": room, "Member_Account": ["bob"]})
        assert check["Member_Account"] == []
        # back within the rejoin window: Online again without joining, and delivered to
        bob = await connect(app, "bob")
        try:
            await until_online(app, room, 3)
            await watchers["alice"].send_group_text(room, "welcome back")
            assert (await bob.next_event("group.msg")).data["MsgBody"][0]["MsgContent"]["Text"] == "welcome back"
        finally:
            await bob.close()
        deadline = time.monotonic() + 5
        while [e.state for e in seen] != ["Offline", "Online"]:
            assert time.monotonic() < deadline, seen
            await _tick()
        assert all(e.user_ids == ["bob"] for e in seen)
        # gone past the grace and the rejoin window: forgotten; joining again is a fresh join
        await until_online(app, room, 3)
        _sweep_past_grace(app, live_grace(app) + 1)
        _sweep_past_grace(app, live_grace(app) + 10_000)
        assert await online(app, room) == 2
    finally:
        subscription.close()
        watcher_task.cancel()


def live_grace(app: AppHandle) -> float:
    return 20.0  # AppSettings.live_offline_seconds' default (the seed's 20 s)


async def test_a_ban_puts_a_watcher_out_of_the_room(app: AppHandle, room: str, watchers: dict[str, ChatClient]) -> None:
    bob = watchers["bob"]
    await app.ok("group_open_http_svc/ban_group_member", {"GroupId": room, "Members_Account": ["bob"], "Duration": 60})
    await until_online(app, room, 2)
    await gateway_fails(10007, bob.send_group_text(room, "still here?"))
    await gateway_fails(10007, bob.apply_join(room))
    await watchers["alice"].send_group_text(room, "after the ban")
    while True:  # bob's device gets the Ban tip, never the message
        try:
            event = await bob.next_event(within=0.3)
        except TimeoutError:
            break
        assert event.kind != "group.msg", event


async def test_destroying_the_group_empties_its_room(
    app: AppHandle, room: str, watchers: dict[str, ChatClient]
) -> None:
    await app.ok("group_open_http_svc/destroy_group", {"GroupId": room})
    hub = app.server.runtime.hub
    deadline = time.monotonic() + 5
    while hub.live.online_count(app.sdkappid, room):
        assert time.monotonic() < deadline
        await _tick()
    assert hub.live.rooms_of(app.sdkappid, "bob") == set()


# -- get_online_member_num, get_members, check_members ------------------------------------------------


async def test_online_member_num_sample_and_its_errors(
    app: AppHandle, room: str, watchers: dict[str, ChatClient]
) -> None:
    reply = await app.ok(ONLINE_NUM, {"GroupId": room})
    assert as_in_seed(reply) == {"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0, "OnlineMemberNum": 3}
    public = (await app.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "p"}))["GroupId"]
    await fails(app, 10007, ONLINE_NUM, {"GroupId": public})
    await fails(app, 10010, ONLINE_NUM, {"GroupId": "@TGS#aNOSUCHGROUP"})
    await fails(app, 10015, ONLINE_NUM, {"GroupId": "\x01bad"})
    await fails(app, 10004, ONLINE_NUM, {})
    # over the gateway, for those in the room
    assert await watchers["bob"].request("group_online_count", GroupId=room) == {"OnlineMemberNum": 3}
    carol = await connect(app, "carol")
    try:
        await gateway_fails(10007, carol.request("group_online_count", GroupId=room))
    finally:
        await carol.close()


async def test_community_online_count_is_its_connected_members(app: AppHandle) -> None:
    await app.import_accounts("alice", "bob", "carol")
    gid = (
        await app.ok(
            "group_open_http_svc/create_group",
            {"Type": "Community", "Name": "c", "Owner_Account": "alice", "MemberList": [{"Member_Account": "bob"}]},
        )
    )["GroupId"]
    assert await online(app, gid) == 0
    bob = await connect(app, "bob")
    try:
        await until_online(app, gid, 1)
        page = await app.ok(f"{AV}/get_members", {"GroupId": gid, "Timestamp": 0})
        assert [m["Member_Account"] for m in page["MemberList"]] == ["bob"]
        assert abs(page["MemberList"][0]["JoinTime"] - time.time()) < 60
    finally:
        await bob.close()


async def test_get_members_sample(app: AppHandle, room: str, watchers: dict[str, ChatClient]) -> None:
    reply = await app.ok(f"{AV}/get_members", {"GroupId": room, "Timestamp": 0})
    assert reply["NextTimestamp"] == 0
    listed = reply["MemberList"]
    assert [m["Member_Account"] for m in listed] == ["teacher2", "bob", "alice"]  # the newest first
    assert listed[0] == {
        "JoinTime": listed[0]["JoinTime"],
        "Member_Account": "teacher2",
        "NickName": "Teacher t02",
        "Avatar": "http://www.example.com/teacher2.jpg",
    }
    assert abs(listed[0]["JoinTime"] - time.time()) < 60
    # a device in the room reads the same list
    assert (await watchers["bob"].request("group_online_members", GroupId=room))["MemberList"] == listed


async def test_get_members_pages_by_timestamp_and_lists_the_newest_thousand(app: AppHandle, room: str) -> None:
    hub = app.server.runtime.hub
    users = [f"w{i:04d}" for i in range(1200)]

    async def fill() -> None:  # 1,200 watchers without 1,200 sockets: the room's own join
        for user in users:
            hub.live.join(app.sdkappid, room, user, grace=20)

    app.server.run(fill())
    try:
        assert await online(app, room) == 1200
        seen: list[str] = []
        timestamp = 0
        pages = 0
        while True:
            page = await app.ok(f"{AV}/get_members", {"GroupId": room, "Timestamp": timestamp})
            assert len(page["MemberList"]) <= live.PAGE_MAX
            seen += [m["Member_Account"] for m in page["MemberList"]]
            pages += 1
            timestamp = page["NextTimestamp"]
            if timestamp == 0:
                break
        assert pages == 2
        assert seen == users[::-1][: live.ONLINE_LIST_MAX]  # the newest 1,000, once each, newest first
        # check_members still answers beyond the listed 1,000
        check = await app.ok(f"{AV}/check_members", {"GroupId": room, "Member_Account": ["w0000", "nobody1"]})
        assert check["Member_Account"] == ["w0000"]
    finally:

        async def empty() -> None:
            hub.live.leave(app.sdkappid, room, users)

        app.server.run(empty())
    await fails(app, 10004, f"{AV}/get_members", {"GroupId": room, "Timestamp": -1})


async def test_check_members_sample_and_errors(app: AppHandle, room: str, watchers: dict[str, ChatClient]) -> None:
    reply = await app.ok(f"{AV}/check_members", {"GroupId": room, "Member_Account": ["bob", "carol", "alice", "dave"]})
    assert as_in_seed(reply) == {
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
        "Member_Account": ["bob", "alice"],
    }
    await fails(app, 10004, f"{AV}/check_members", {"GroupId": room, "Member_Account": []})
    await fails(app, 10004, f"{AV}/check_members", {"GroupId": room, "Member_Account": [f"u{i}" for i in range(501)]})
    public = (await app.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "p"}))["GroupId"]
    await fails(app, 10007, f"{AV}/check_members", {"GroupId": public, "Member_Account": ["bob"]})
    await fails(app, 10010, f"{AV}/check_members", {"GroupId": "@TGS#aNOSUCH", "Member_Account": ["bob"]})


# -- robots and live admins ------------------------------------------------------------------------------


async def test_robots_are_in_the_online_list_without_connecting(app: AppHandle, room: str) -> None:
    sample = {"GroupId": room, "Member_Account": ["bot1", "bot2"]}
    assert as_in_seed(await app.ok(f"{AV}/add_robots", sample)) == {
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
    }
    assert await online(app, room) == 2
    page = await app.ok(f"{AV}/get_members", {"GroupId": room, "Timestamp": 0})
    assert [m["Member_Account"] for m in page["MemberList"]] == ["bot1", "bot2"]
    robots_only = await app.ok(f"{AV}/get_members", {"GroupId": room, "Timestamp": 0, "Mark": 500})
    assert [m["Member_Account"] for m in robots_only["MemberList"]] == ["bot1", "bot2"]
    check = await app.ok(f"{AV}/check_members", {"GroupId": room, "Member_Account": ["bot2", "carol"]})
    assert check["Member_Account"] == ["bot2"]
    assert as_in_seed(await app.ok(f"{AV}/del_robots", sample)) == {
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
    }
    assert await online(app, room) == 0
    await fails(app, 10004, f"{AV}/add_robots", {"GroupId": room, "Member_Account": ["nobody-here"]})
    await fails(app, 10004, f"{AV}/add_robots", {"GroupId": room})
    await fails(app, 10010, f"{AV}/add_robots", {"GroupId": "@TGS#aNOSUCH", "Member_Account": ["bot1"]})
    await fails(app, 10015, f"{AV}/del_robots", {"GroupId": "\x02", "Member_Account": ["bot1"]})
    public = (await app.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "p"}))["GroupId"]
    await fails(app, 10007, f"{AV}/add_robots", {"GroupId": public, "Member_Account": ["bot1"]})
    await fails(app, 10007, f"{AV}/del_robots", {"GroupId": public, "Member_Account": ["bot1"]})


async def test_live_admins_need_not_watch_and_survive_leaving(app: AppHandle, room: str) -> None:
    sample = {"GroupId": room, "CommandType": 1, "Admin_Account": ["user1"]}
    assert as_in_seed(await app.ok(f"{AV}/modify_admin", sample)) == {
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
    }
    await app.ok(f"{AV}/modify_admin", {"GroupId": room, "CommandType": 1, "Admin_Account": ["teacher2"]})
    reply = await app.ok(f"{AV}/get_admin_list", {"GroupId": room})
    assert sorted(reply["Admin_List"], key=lambda a: a["Admin_Account"] != "user1") == [
        {"Admin_Account": "user1", "Avatar": "", "NickName": ""},
        {"Admin_Account": "teacher2", "Avatar": "http://www.example.com/teacher2.jpg", "NickName": "Teacher t02"},
    ]
    # a live admin speaks while the group is muted; a plain watcher does not
    await app.ok("group_open_http_svc/modify_group_base_info", {"GroupId": room, "MuteAllMember": "On"})
    user1, bob = await connect(app, "user1"), await connect(app, "bob")
    try:
        await user1.apply_join(room)
        await bob.apply_join(room)
        await user1.send_group_text(room, "admins speak")
        await gateway_fails(10017, bob.send_group_text(room, "me too"))
        await user1.quit_group(room)
        await user1.apply_join(room)
        await user1.send_group_text(room, "still an admin")
    finally:
        await user1.close()
        await bob.close()
    await app.ok(f"{AV}/modify_admin", {"GroupId": room, "CommandType": 2, "Admin_Account": ["user1"]})
    reply = await app.ok(f"{AV}/get_admin_list", {"GroupId": room})
    assert [a["Admin_Account"] for a in reply["Admin_List"]] == ["teacher2"]
    # at most five
    more = ["alice", "bob", "carol", "dave"]
    await app.ok(f"{AV}/modify_admin", {"GroupId": room, "CommandType": 1, "Admin_Account": more})
    info = await fails(
        app, 10004, f"{AV}/modify_admin", {"GroupId": room, "CommandType": 1, "Admin_Account": ["user1"]}
    )
    assert "at most 5" in info
    await fails(app, 10004, f"{AV}/modify_admin", {"GroupId": room, "CommandType": 3, "Admin_Account": ["user1"]})
    await fails(app, 10004, f"{AV}/modify_admin", {"GroupId": room, "Admin_Account": ["user1"]})
    public = (await app.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "p"}))["GroupId"]
    await fails(app, 10007, f"{AV}/modify_admin", {"GroupId": public, "CommandType": 1, "Admin_Account": ["bob"]})
    await fails(app, 10007, f"{AV}/get_admin_list", {"GroupId": public})
    await fails(app, 10010, f"{AV}/get_admin_list", {"GroupId": "@TGS#aNOSUCH"})


# -- member marks ------------------------------------------------------------------------------------------


async def test_marks_sample_set_filter_and_cancel(app: AppHandle, room: str) -> None:
    teacher10, student9 = await connect(app, "teacher10"), await connect(app, "student9")
    try:
        await teacher10.apply_join(room)
        await student9.apply_join(room)
        sample = {
            "GroupId": room,
            "CommandType": 1,
            "MemberList": [
                {"Member_Account": "teacher10", "Marks": [1000]},
                {"Member_Account": "student9", "Marks": [1001]},
            ],
        }
        assert as_in_seed(await app.ok(f"{AV}/modify_user_info", sample)) == {
            "ActionStatus": "OK",
            "ErrorCode": 0,
            "ErrorInfo": "",
            "CommandType": 1,
            "MemberList": [
                {"Member_Account": "teacher10", "Marks": [1000]},
                {"Member_Account": "student9", "Marks": [1001]},
            ],
        }
        marked = await app.ok(f"{AV}/get_members", {"GroupId": room, "Mark": 1000, "Timestamp": 0})
        assert [m["Member_Account"] for m in marked["MemberList"]] == ["teacher10"]
        # 600 hides a member from the list unless asked for by that mark
        await app.ok(
            f"{AV}/modify_user_info",
            {"GroupId": room, "CommandType": 1, "MemberList": [{"Member_Account": "student9", "Marks": [600]}]},
        )
        everyone = await app.ok(f"{AV}/get_members", {"GroupId": room, "Timestamp": 0})
        assert [m["Member_Account"] for m in everyone["MemberList"]] == ["teacher10"]
        hidden = await app.ok(f"{AV}/get_members", {"GroupId": room, "Timestamp": 0, "Mark": 600})
        assert [m["Member_Account"] for m in hidden["MemberList"]] == ["student9"]
        cancel = {**sample, "CommandType": 2}
        assert (await app.ok(f"{AV}/modify_user_info", cancel))["CommandType"] == 2
        marked = await app.ok(f"{AV}/get_members", {"GroupId": room, "Mark": 1000, "Timestamp": 0})
        assert marked["MemberList"] == []
        # only online members carry marks: an offline account is left out, all offline fails
        partly = {
            "GroupId": room,
            "CommandType": 1,
            "MemberList": [
                {"Member_Account": "teacher10", "Marks": [1002]},
                {"Member_Account": "carol", "Marks": [1002]},
            ],
        }
        assert [m["Member_Account"] for m in (await app.ok(f"{AV}/modify_user_info", partly))["MemberList"]] == [
            "teacher10"
        ]
        none_online = {"GroupId": room, "CommandType": 1, "MemberList": [{"Member_Account": "carol", "Marks": [1002]}]}
        await fails(app, 10004, f"{AV}/modify_user_info", none_online)
        # at most ten different marks in a group
        for mark in range(1003, 1011):
            one = [{"Member_Account": "teacher10", "Marks": [mark]}]
            await app.ok(f"{AV}/modify_user_info", {"GroupId": room, "CommandType": 1, "MemberList": one})
        eleventh = [{"Member_Account": "teacher10", "Marks": [1011]}]
        info = await fails(
            app, 10004, f"{AV}/modify_user_info", {"GroupId": room, "CommandType": 1, "MemberList": eleventh}
        )
        assert "10 different marks" in info
        # marks go when the member leaves
        await teacher10.quit_group(room)
        await teacher10.apply_join(room)
        marked = await app.ok(f"{AV}/get_members", {"GroupId": room, "Mark": 1002, "Timestamp": 0})
        assert marked["MemberList"] == []
    finally:
        await teacher10.close()
        await student9.close()


@pytest.mark.parametrize(
    "member_list",
    [
        [{"Member_Account": "bob", "Marks": [999]}],
        [{"Member_Account": "bob", "Marks": []}],
        [{"Member_Account": "bob", "Marks": ["1000"]}],
        [{"Member_Account": "bob"}],
        [],
        [{"Member_Account": f"u{i}", "Marks": [1000]} for i in range(501)],
    ],
)
async def test_marks_bad_input(app: AppHandle, room: str, member_list: list) -> None:
    await fails(app, 10004, f"{AV}/modify_user_info", {"GroupId": room, "CommandType": 1, "MemberList": member_list})


async def test_marks_wrong_group(app: AppHandle, room: str) -> None:
    one = [{"Member_Account": "bob", "Marks": [1000]}]
    await fails(app, 10004, f"{AV}/modify_user_info", {"GroupId": room, "CommandType": 9, "MemberList": one})
    public = (await app.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "p"}))["GroupId"]
    await fails(app, 10007, f"{AV}/modify_user_info", {"GroupId": public, "CommandType": 1, "MemberList": one})
    await fails(app, 10010, f"{AV}/modify_user_info", {"GroupId": "@TGS#aNOSUCH", "CommandType": 1, "MemberList": one})


async def test_mark_500_makes_a_robot(app: AppHandle, room: str) -> None:
    body = {"GroupId": room, "CommandType": 1, "MemberList": [{"Member_Account": "bot1", "Marks": [500]}]}
    reply = await app.ok(f"{AV}/modify_user_info", body)
    assert reply["MemberList"] == [{"Member_Account": "bot1", "Marks": [500]}]
    assert await online(app, room) == 1
    await app.ok(f"{AV}/modify_user_info", {**body, "CommandType": 2})
    assert await online(app, room) == 0


# -- the group's profile and the joined list -----------------------------------------------------------


async def test_member_num_is_who_watches_and_the_joined_list_shows_watched_rooms(
    app: AppHandle, room: str, watchers: dict[str, ChatClient]
) -> None:
    info = await app.ok("group_open_http_svc/get_group_info", {"GroupIdList": [room]})
    assert info["GroupInfo"][0]["MemberNum"] == 3
    body = {"Member_Account": "bob", "WithHugeGroups": 1, "ResponseFilter": {"SelfInfoFilter": ["Role", "JoinTime"]}}
    joined = await app.ok("group_open_http_svc/get_joined_group_list", body)
    assert joined["TotalCount"] == 1
    (entry,) = joined["GroupIdList"]
    assert entry["GroupId"] == room
    assert entry["SelfInfo"]["Role"] == "Member"
    assert abs(entry["SelfInfo"]["JoinTime"] - time.time()) < 60
    # without WithHugeGroups (or GroupType AVChatRoom) live groups stay out, as the page says
    plain = await app.ok("group_open_http_svc/get_joined_group_list", {"Member_Account": "bob"})
    assert plain["TotalCount"] == 0
    typed = await app.ok(
        "group_open_http_svc/get_joined_group_list", {"Member_Account": "alice", "GroupType": "AVChatRoom"}
    )
    assert [g["GroupId"] for g in typed["GroupIdList"]] == [room]
    await watchers["bob"].quit_group(room)
    joined = await app.ok("group_open_http_svc/get_joined_group_list", body)
    assert joined["TotalCount"] == 0


async def test_a_bad_event_does_not_stop_the_gateways_deliveries(
    app: AppHandle, room: str, watchers: dict[str, ChatClient]
) -> None:
    from confab.domain.feed import FeedEntry

    rt = app.server.runtime

    async def publish_broken() -> None:  # a payload the hub cannot frame
        rt.bus.publish(FeedEntry(sdkappid=app.sdkappid, at=0, user_id="bob", seq=0, kind="x", payload=None))

    app.server.run(publish_broken())
    await watchers["alice"].send_group_text(room, "still delivered")
    got = await watchers["bob"].next_event("group.msg")
    assert got.data["MsgBody"][0]["MsgContent"]["Text"] == "still delivered"
