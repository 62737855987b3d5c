"""Muting and banning group members against a real server: forbid_send_msg, get_group_muted_account
(and its older name get_group_shutted_uin), ban_group_member, unban_group_member,
get_group_ban_member (seed 004 lines 14404-15076, 18949-19137)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from confab.domain import feed
from confab.domain.groups import bans, live, model, mutes, notices, roster
from confab.domain.groups.roster import NewMember
from tests.support import AppHandle, assert_error, assert_ok

CREATE = "group_open_http_svc/create_group"
FORBID = "group_open_http_svc/forbid_send_msg"
MUTED = "group_open_http_svc/get_group_muted_account"
SHUTTED = "group_open_http_svc/get_group_shutted_uin"
BAN = "group_open_http_svc/ban_group_member"
UNBAN = "group_open_http_svc/unban_group_member"
BANNED = "group_open_http_svc/get_group_ban_member"
FOREVER = 4294967295
TYPES = ("Private", "Public", "ChatRoom", "AVChatRoom", "Community")


async def make_group(app: AppHandle, gtype: str, members: tuple[str, ...] = (), admins: tuple[str, ...] = ()) -> str:
    """A group owned by "owner" with these members (AVChatRoom viewers join its room directly: users
    join live groups themselves)."""
    await app.import_accounts("owner", *members, *admins)
    body: dict[str, Any] = {"Type": gtype, "Name": "g", "Owner_Account": "owner"}
    if gtype != "AVChatRoom":
        body["MemberList"] = [{"Member_Account": m} for m in members] + [
            {"Member_Account": a, "Role": "Admin"} for a in admins
        ]
    group_id = (await app.ok(CREATE, body))["GroupId"]
    if gtype == "AVChatRoom" and members:
        watch(app, group_id, list(members))
    return group_id


def watch(app: AppHandle, group_id: str, users: list[str]) -> None:
    """Live group viewers join its room (membership is presence), as a device's apply_join does."""
    hub = app.server.runtime.hub

    async def run() -> None:
        for user in users:
            hub.live.join(app.sdkappid, group_id, user, grace=20)

    app.server.run(run())


def enter(app: AppHandle, group_id: str, users: list[str]) -> None:
    rt = app.server.runtime

    async def run() -> None:
        async with rt.store.tx() as tx:
            group = await model.lock(tx, app.sdkappid, group_id)
            await roster.insert(tx, group, [NewMember(u) for u in users])

    app.server.run(run())


def leave(app: AppHandle, group_id: str, users: list[str]) -> None:
    rt = app.server.runtime

    async def run() -> None:
        async with rt.store.tx() as tx:
            await roster.remove(tx, await model.lock(tx, app.sdkappid, group_id), users)

    app.server.run(run())


def domain(app: AppHandle, fn: Any, *args: Any, **kw: Any) -> Any:
    """Run a domain function on the server's loop with the live App (the gateway's path)."""
    rt = app.server.runtime

    async def run() -> Any:
        return await fn(rt, await rt.apps.get(app.sdkappid), *args, **kw)

    return app.server.run(run())


def group_check(app: AppHandle, group_id: str, check: Any, user: str) -> Any:
    rt = app.server.runtime

    async def run() -> Any:
        async with rt.store.read() as conn:
            return await check(conn, await model.get(conn, app.sdkappid, group_id), user)

    return app.server.run(run())


def member_num(app: AppHandle, group_id: str) -> int:
    rt = app.server.runtime

    async def run() -> int:
        async with rt.store.read() as conn:
            group = await model.get(conn, app.sdkappid, group_id)
        live.count_members(rt, group)  # a live group's MemberNum is who watches
        return group.member_num

    return app.server.run(run())


def feed_of(app: AppHandle, user: str) -> list[Any]:
    rt = app.server.runtime

    async def run() -> list[Any]:
        async with rt.store.read() as conn:
            return await feed.read_after(conn, app.sdkappid, user, 0)

    return app.server.run(run())


async def muted_list(app: AppHandle, group_id: str) -> dict[str, int]:
    reply = await app.ok(MUTED, {"GroupId": group_id})
    assert reply["GroupId"] == group_id
    return {m["Member_Account"]: m["MutedUntil"] for m in reply["MutedAccountList"]}


# -- forbid_send_msg / get_group_muted_account -------------------------------------------------------


async def test_seed_samples_mute_list_and_unmute(app: AppHandle) -> None:
    group_id = await make_group(app, "Public", ("peter", "leckie", "tommy"))
    # seed 14790-14801, with the group the server minted in place of "@TGS#2C5SZEAEF"
    reply = await app.call(FORBID, {"GroupId": group_id, "Members_Account": ["peter", "leckie"], "MuteTime": 60})
    assert_ok(reply)
    assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"}  # seed 14840-14846
    listed = await muted_list(app, group_id)  # seed 14960-14964: {"GroupId": ...}
    now = int(time.time())
    assert set(listed) == {"peter", "leckie"}
    assert all(now + 55 <= until <= now + 61 for until in listed.values())
    # seed 14803-14815: MuteTime 0 unmutes
    await app.ok(FORBID, {"GroupId": group_id, "Members_Account": ["peter", "leckie"], "MuteTime": 0})
    assert await muted_list(app, group_id) == {}


async def test_forever_is_reported_as_4294967295(app: AppHandle) -> None:
    group_id = await make_group(app, "ChatRoom", ("peter",))
    await app.ok(FORBID, {"GroupId": group_id, "Members_Account": ["peter"], "MuteTime": FOREVER})
    assert await muted_list(app, group_id) == {"peter": FOREVER}


async def test_shut_up_time_alias_and_get_group_shutted_uin(app: AppHandle) -> None:
    """The older names server SDKs still send (DECISIONS 21): ShutUpTime, get_group_shutted_uin."""
    group_id = await make_group(app, "Public", ("peter",))
    await app.ok(FORBID, {"GroupId": group_id, "Members_Account": ["peter"], "ShutUpTime": 120})
    reply = await app.ok(SHUTTED, {"GroupId": group_id})
    assert reply["GroupId"] == group_id
    [entry] = reply["ShuttedUinList"]
    assert entry["Member_Account"] == "peter"
    assert int(time.time()) + 115 <= entry["ShuttedUntil"] <= int(time.time()) + 121
    assert "MutedAccountList" not in reply


@pytest.mark.parametrize("gtype", TYPES)
async def test_mute_per_type(app: AppHandle, gtype: str) -> None:
    """Private (Work) groups do not support muting members (seed 14733-14747); the others do."""
    group_id = await make_group(app, gtype, ("peter",))
    reply = await app.call(FORBID, {"GroupId": group_id, "Members_Account": ["peter"], "MuteTime": 60})
    if gtype == "Private":
        assert_error(reply, 10007)
        assert await muted_list(app, group_id) == {}  # the list itself works for every type
    else:
        assert_ok(reply)
        assert list(await muted_list(app, group_id)) == ["peter"]


async def test_live_viewers_may_be_muted_whether_watching_or_not(app: AppHandle) -> None:
    group_id = await make_group(app, "AVChatRoom")
    await app.import_accounts("away")
    await app.ok(FORBID, {"GroupId": group_id, "Members_Account": ["away"], "MuteTime": 60})
    assert list(await muted_list(app, group_id)) == ["away"]


async def test_a_mute_outlives_leaving_and_rejoining(app: AppHandle) -> None:
    """Seed 14726: muted users who leave and enter the group again remain muted."""
    group_id = await make_group(app, "Public", ("peter",))
    await app.ok(FORBID, {"GroupId": group_id, "Members_Account": ["peter"], "MuteTime": 600})
    leave(app, group_id, ["peter"])
    assert group_check(app, group_id, mutes.muted_until, "peter") > time.time()
    enter(app, group_id, ["peter"])
    assert list(await muted_list(app, group_id)) == ["peter"]
    # and a user no longer in the group can still be unmuted
    leave(app, group_id, ["peter"])
    await app.ok(FORBID, {"GroupId": group_id, "Members_Account": ["peter"], "MuteTime": 0})
    assert group_check(app, group_id, mutes.muted_until, "peter") == 0


async def test_muted_until_for_the_send_path(app: AppHandle) -> None:
    group_id = await make_group(app, "Community", ("peter", "quiet"))
    await app.ok(FORBID, {"GroupId": group_id, "Members_Account": ["peter"], "MuteTime": FOREVER})
    assert group_check(app, group_id, mutes.muted_until, "peter") == model.PERMANENT
    assert group_check(app, group_id, mutes.muted_until, "quiet") == 0


async def test_mute_errors(app: AppHandle) -> None:
    group_id = await make_group(app, "Public", ("peter",))
    await app.import_accounts("stranger")
    base = {"GroupId": group_id, "Members_Account": ["peter"], "MuteTime": 60}
    assert_error(await app.call(FORBID, {"GroupId": group_id, "MuteTime": 60}), 10004)
    assert_error(await app.call(FORBID, {"GroupId": group_id, "Members_Account": ["peter"]}), 10004)
    assert_error(await app.call(FORBID, {"GroupId": group_id, "Members_Account": [], "MuteTime": 60}), 10004)
    assert_error(await app.call(FORBID, {**base, "MuteTime": FOREVER + 1}), 10004)
    assert_error(await app.call(FORBID, {**base, "MuteTime": -1}), 10004)
    assert_error(await app.call(FORBID, {**base, "Members_Account": [f"u{i}" for i in range(501)]}), 10004)
    assert_error(await app.call(FORBID, {**base, "Members_Account": ["peter", "nobody"]}), 10004)
    assert_error(await app.call(FORBID, {**base, "Members_Account": ["peter", "stranger"]}), 10004)  # not a member
    assert_error(await app.call(FORBID, {**base, "Members_Account": ["peter", 7]}), 60015)
    assert_error(await app.call(FORBID, {**base, "Members_Account": ["owner"]}), 10007)  # nobody mutes the owner
    assert_error(
        await app.call(FORBID, {"GroupId": "@TGS#2NOSUCHGROUP", "Members_Account": ["peter"], "MuteTime": 1}), 10010
    )
    assert_error(await app.call(FORBID, {**base, "GroupId": "g" * 200}), 10015)
    assert_error(await app.call(FORBID, {**base, "TopicId": f"{group_id}@TOPIC#_x"}), 10007)  # no topics here
    assert_error(await app.call(MUTED, {}), 10004)
    assert_error(await app.call(MUTED, {"GroupId": "@TGS#2NOSUCHGROUP"}), 10010)
    assert_error(await app.call(MUTED, {"GroupId": "g" * 200}), 10015)
    assert await muted_list(app, group_id) == {}  # every failed call changed nothing


async def test_device_mute_rules(app: AppHandle) -> None:
    """Admins mute plain members only; the owner mutes admins too; members mute nobody (reference §4)."""
    group_id = await make_group(app, "Public", ("m1", "m2"), admins=("a1", "a2"))
    domain(app, mutes.mute, group_id, ["m1"], 60, operator="a1")
    with pytest.raises(Exception, match="10007"):
        domain(app, mutes.mute, group_id, ["a2"], 60, operator="a1")
    with pytest.raises(Exception, match="10007"):
        domain(app, mutes.mute, group_id, ["m1"], 60, operator="m2")
    with pytest.raises(Exception, match="10007"):
        domain(app, mutes.mute, group_id, ["owner"], 60, operator="a1")
    domain(app, mutes.mute, group_id, ["a2"], 60, operator="owner")
    assert set(await muted_list(app, group_id)) == {"m1", "a2"}
    live = await make_group(app, "AVChatRoom", ("v1",))
    domain(app, mutes.mute, live, ["v1"], 60, operator="owner")  # the owner, not watching, still owns it
    with pytest.raises(Exception, match="10007"):
        domain(app, mutes.mute, live, ["owner"], 60, operator="v1")


async def test_mute_announces_event_tip_and_feed(app: AppHandle) -> None:
    group_id = await make_group(app, "Public", ("peter", "leckie"))
    tap = app.server.tap()
    try:
        await app.ok(FORBID, {"GroupId": group_id, "Members_Account": ["peter"], "MuteTime": 60})
        events = [e for e in tap.drain() if e.sdkappid == app.sdkappid]
    finally:
        app.server.untap(tap)
    [muted] = [e for e in events if isinstance(e, notices.MembersMuted)]
    assert (muted.group_id, muted.user_ids, muted.seconds, muted.operator) == (group_id, ["peter"], 60, app.admin)
    [tip] = [e for e in events if isinstance(e, notices.GroupEntry)]
    assert b'"TipType":"MemberMute"' in bytes(tip.payload) and tip.seq > 0
    [entry] = [e for e in feed_of(app, "peter") if e.kind == "group.muted"]
    assert b'"MuteTime":60' in bytes(entry.payload)
    assert not [e for e in feed_of(app, "leckie") if e.kind == "group.muted"]


# -- bans -------------------------------------------------------------------------------------------


async def test_seed_samples_ban_list_unban(app: AppHandle) -> None:
    group_id = await make_group(app, "AVChatRoom", ("brennanli3", "brennanli12", "viewer"))
    assert member_num(app, group_id) == 3
    # seed 14484-14491 (its Members_Account lacks two quotes; here it is valid JSON)
    reply = await app.call(
        BAN,
        {
            "GroupId": group_id,
            "Members_Account": ["brennanli3", "brennanli12"],
            "Duration": 3600,
            "Description": "you are banned because of irregularities",
        },
    )
    assert_ok(reply)
    assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"}
    assert member_num(app, group_id) == 1  # the ban removed them from the live group
    assert group_check(app, group_id, bans.is_banned, "brennanli3")
    assert not group_check(app, group_id, bans.is_banned, "viewer")
    # seed 19049-19054
    listed = await app.ok(BANNED, {"GroupId": group_id, "Limit": 20, "Offset": 0})
    now = int(time.time())
    assert [b["Member_Account"] for b in listed["BannedAccountList"]] == ["brennanli12", "brennanli3"]
    assert all(now + 3595 <= b["BannedUntil"] <= now + 3601 for b in listed["BannedAccountList"])
    assert listed["NextOffset"] == 0
    # seed 14634-14638
    assert_ok(await app.call(UNBAN, {"GroupId": group_id, "Members_Account": ["brennanli3", "brennanli12"]}))
    assert not group_check(app, group_id, bans.is_banned, "brennanli3")
    assert (await app.ok(BANNED, {"GroupId": group_id, "Offset": 0}))["BannedAccountList"] == []


@pytest.mark.parametrize("gtype", TYPES)
async def test_bans_per_type(app: AppHandle, gtype: str) -> None:
    """Bans are for AVChatRoom only (seed 14420-14430, 14587-14597, 18968-18978)."""
    group_id = await make_group(app, gtype, ("peter",))
    replies = [
        await app.call(BAN, {"GroupId": group_id, "Members_Account": ["peter"], "Duration": 60}),
        await app.call(BANNED, {"GroupId": group_id, "Offset": 0}),
        await app.call(UNBAN, {"GroupId": group_id, "Members_Account": ["peter"]}),
    ]
    for reply in replies:
        if gtype == "AVChatRoom":
            assert_ok(reply)
        else:
            assert_error(reply, 10007)
    assert member_num(app, group_id) == (0 if gtype == "AVChatRoom" else 2)


async def test_ban_list_pages_by_offset(app: AppHandle) -> None:
    users = [f"b{i}" for i in range(5)]
    group_id = await make_group(app, "AVChatRoom")
    await app.import_accounts(*users)
    await app.ok(BAN, {"GroupId": group_id, "Members_Account": users, "Duration": 60})
    seen: list[str] = []
    offset, offsets = 0, []
    while True:
        page = await app.ok(BANNED, {"GroupId": group_id, "Limit": 2, "Offset": offset})
        seen += [b["Member_Account"] for b in page["BannedAccountList"]]
        offset = page["NextOffset"]
        offsets.append(offset)
        if offset == 0:
            break
    assert seen == users and offsets == [2, 4, 0]


async def test_ban_errors(app: AppHandle) -> None:
    group_id = await make_group(app, "AVChatRoom", ("peter",))
    base = {"GroupId": group_id, "Members_Account": ["peter"], "Duration": 60}
    many = [f"u{i}" for i in range(21)]
    assert_error(await app.call(BAN, {**base, "Members_Account": many}), 10005)
    assert_error(await app.call(UNBAN, {"GroupId": group_id, "Members_Account": many}), 10005)
    assert_error(await app.call(BAN, {**base, "Description": "é" * 501}), 10004)  # 1,002 bytes
    assert_error(await app.call(BAN, {"GroupId": group_id, "Members_Account": ["peter"]}), 10004)
    assert_error(await app.call(BAN, {**base, "Duration": 0}), 10004)
    assert_error(await app.call(BAN, {**base, "Duration": FOREVER + 1}), 10004)
    assert_error(await app.call(BAN, {**base, "Members_Account": ["peter", "nobody"]}), 10004)
    assert_error(await app.call(BAN, {**base, "Members_Account": []}), 10004)
    assert_error(await app.call(BAN, {**base, "Members_Account": ["owner"]}), 10007)
    assert_error(await app.call(BAN, {**base, "GroupId": "@TGS#aNOSUCHGROUP"}), 10010)
    assert_error(await app.call(BAN, {**base, "GroupId": "g" * 200}), 10015)
    assert_error(await app.call(UNBAN, {"GroupId": group_id}), 10004)
    assert_error(await app.call(BANNED, {"GroupId": group_id}), 10004)  # Offset is required
    assert_error(await app.call(BANNED, {"GroupId": group_id, "Offset": 0, "Limit": 101}), 10004)
    assert_error(await app.call(BANNED, {"GroupId": group_id, "Offset": -1}), 10004)
    assert member_num(app, group_id) == 1  # nothing changed
    assert (await app.ok(BANNED, {"GroupId": group_id, "Offset": 0}))["BannedAccountList"] == []


async def test_ban_announces_leave_ban_and_feed(app: AppHandle) -> None:
    group_id = await make_group(app, "AVChatRoom", ("inside",))
    await app.import_accounts("outside")
    tap = app.server.tap()
    try:
        await app.ok(BAN, {"GroupId": group_id, "Members_Account": ["inside", "outside"], "Duration": 60})
        await app.ok(UNBAN, {"GroupId": group_id, "Members_Account": ["outside"]})
        events = [e for e in tap.drain() if e.sdkappid == app.sdkappid]
    finally:
        app.server.untap(tap)
    [left] = [e for e in events if isinstance(e, notices.MembersLeft)]
    assert (left.user_ids, left.how) == (["inside"], "banned")
    [banned] = [e for e in events if isinstance(e, notices.MembersBanned)]
    assert (banned.user_ids, banned.seconds) == (["inside", "outside"], 60)
    [unbanned] = [e for e in events if isinstance(e, notices.MembersUnbanned)]
    assert unbanned.user_ids == ["outside"]
    kinds = [e.kind for e in feed_of(app, "outside")]
    assert kinds[-2:] == ["group.banned", "group.unbanned"]


async def test_device_ban_rules(app: AppHandle) -> None:
    group_id = await make_group(app, "AVChatRoom", ("v1", "v2"))
    with pytest.raises(Exception, match="10007"):
        domain(app, bans.ban, group_id, ["v2"], 60, operator="v1")
    domain(app, bans.ban, group_id, ["v2"], 60, "", operator="owner")
    page, _ = domain(app, bans.banned, group_id, 0, 10, operator="owner")
    assert [u for u, _ in page] == ["v2"]


def test_older_command_name_is_an_alias_not_a_seed_api() -> None:
    from confab.rest import catalog
    from confab.rest.registry import load_all

    old = catalog.entry("group_open_http_svc", "get_group_shutted_uin")
    assert old.alias_of == "get_group_muted_account" and old.seed == "004:14905-15076"
    assert ("group_open_http_svc", "get_group_shutted_uin") not in {(s, c) for s, c, _, _ in catalog.SEED_ENDPOINTS}
    assert len(catalog.SEED_ENDPOINTS) == 112
    assert load_all().get("group_open_http_svc", "get_group_shutted_uin").alias_of == "get_group_muted_account"
    with pytest.raises(LookupError):
        catalog.entry("group_open_http_svc", "no_such_command")
