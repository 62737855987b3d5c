"""Group members against a real server: add, delete, import, list, modify, roles, change owner
(seed 004 lines 13916-14403, 15077-16682), the user-side rules of the same domain functions, the
account purge, and MemberNum under concurrent changes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from confab.domain.apps import GroupField
from confab.domain.feed import FeedEntry
from confab.domain.groups import lifecycle, members, model, notices, types
from confab.store.tables.groups import group_requests
from tests.support import AppHandle, assert_error, assert_ok

CREATE = "group_open_http_svc/create_group"
ADD = "group_open_http_svc/add_group_member"
DELETE = "group_open_http_svc/delete_group_member"
IMPORT = "group_open_http_svc/import_group_member"
INFO = "group_open_http_svc/get_group_member_info"
MODIFY = "group_open_http_svc/modify_group_member_info"
ROLES = "group_open_http_svc/get_role_in_group"
OWNER = "group_open_http_svc/change_group_owner"
TYPES = ("Private", "Public", "ChatRoom", "AVChatRoom", "Community")
FOREVER = 4294967295


async def make_group(app: AppHandle, gtype: str = "Public", owner: str | None = "owner", **extra: Any) -> str:
    body: dict[str, Any] = {"Type": gtype, "Name": "g", **extra}
    if owner:
        await app.import_accounts(owner)
        body["Owner_Account"] = owner
    return (await app.ok(CREATE, body))["GroupId"]


def run(app: AppHandle, fn: Any) -> Any:
    """Run `fn(rt, live_app)` on the server's loop: the domain functions as the gateway calls them."""

    async def go() -> Any:
        rt = app.server.runtime
        return await fn(rt, await rt.apps.get(app.sdkappid))

    return app.server.run(go())


def group_of(app: AppHandle, gid: str) -> model.Group:
    async def read(rt: Any, _: Any) -> model.Group:
        async with rt.store.read() as conn:
            return await model.get(conn, app.sdkappid, gid)

    return run(app, read)


async def listing(app: AppHandle, gid: str, **body: Any) -> dict[str, Any]:
    return await app.ok(INFO, {"GroupId": gid, **body})


async def member_ids(app: AppHandle, gid: str) -> list[str]:
    return [m["Member_Account"] for m in (await listing(app, gid))["MemberList"]]


def mine(app: AppHandle, events: list[Any]) -> list[Any]:
    return [e for e in events if e.sdkappid == app.sdkappid]


# -- add_group_member ------------------------------------------------------------------------------


async def test_add_seed_samples(app: AppHandle) -> None:
    await app.import_accounts("tommy", "jared")
    gid = await make_group(app)
    reply = await app.call(
        ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "tommy"}, {"Member_Account": "jared"}]}
    )
    assert_ok(reply)
    assert reply["MemberList"] == [{"Member_Account": "tommy", "Result": 1}, {"Member_Account": "jared", "Result": 1}]
    silent = await app.ok(
        ADD, {"GroupId": gid, "Silence": 1, "MemberList": [{"Member_Account": "tommy"}, {"Member_Account": "jared"}]}
    )
    assert [m["Result"] for m in silent["MemberList"]] == [2, 2]
    assert group_of(app, gid).member_num == 3


async def test_add_notices_tip_feed_and_event_and_silence(app: AppHandle) -> None:
    await app.import_accounts("a1", "a2")
    gid = await make_group(app)
    tap = app.server.tap()
    try:
        await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "a1"}]})
        await app.ok(ADD, {"GroupId": gid, "Silence": 1, "MemberList": [{"Member_Account": "a2"}]})
        events = mine(app, tap.drain())
    finally:
        app.server.untap(tap)
    joined = [e for e in events if isinstance(e, notices.MembersJoined)]
    assert [(e.user_ids, e.how) for e in joined] == [(["a1"], "added"), (["a2"], "added")]
    tips = [e for e in events if isinstance(e, notices.GroupEntry)]
    assert len(tips) == 1 and b'"MemberJoin"' in bytes(tips[0].payload) and b'"a1"' in bytes(tips[0].payload)
    assert events.index(joined[0]) < events.index(tips[0])  # the gateway counts a1 in before the tip fans out
    assert tips[0].seq >= 1  # Public groups keep member tips in the group's stream
    feed = [(e.user_id, e.kind) for e in events if isinstance(e, FeedEntry)]
    assert ("a1", "group.joined") in feed and ("a2", "group.joined") in feed


async def test_add_errors(app: AppHandle) -> None:
    await app.import_accounts("u1", "u2", "u3")
    gid = await make_group(app, MaxMemberCount=3)
    many = [{"Member_Account": f"x{i}"} for i in range(301)]
    assert_error(await app.call(ADD, {"GroupId": gid, "MemberList": many}), 10005)
    assert_error(
        await app.call(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "u1"}, {"Member_Account": "ghost"}]}),
        10019,
    )
    assert_error(
        await app.call(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": f"u{i}"} for i in (1, 2, 3)]}), 10014
    )
    assert await member_ids(app, gid) == ["owner"]  # the failed calls changed nothing
    assert_error(await app.call(ADD, {"GroupId": "@TGS#2NOSUCHGROUP", "MemberList": [{"Member_Account": "u1"}]}), 10010)
    assert_error(await app.call(ADD, {"GroupId": "x" * 200, "MemberList": [{"Member_Account": "u1"}]}), 10015)
    assert_error(await app.call(ADD, {"MemberList": [{"Member_Account": "u1"}]}), 10004)
    assert_error(await app.call(ADD, {"GroupId": gid}), 10004)
    assert_error(await app.call(ADD, {"GroupId": gid, "MemberList": []}), 10004)
    assert_error(await app.call(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": 5}]}), 10004)
    live = await make_group(app, "AVChatRoom")
    assert_error(await app.call(ADD, {"GroupId": live, "MemberList": [{"Member_Account": "u1"}]}), 10007)
    assert group_of(app, gid).member_num == 1


# -- delete_group_member ---------------------------------------------------------------------------


async def test_delete_seed_samples(app: AppHandle) -> None:
    await app.import_accounts("tommy", "jared")
    gid = await make_group(app)
    add = {"GroupId": gid, "MemberList": [{"Member_Account": "tommy"}, {"Member_Account": "jared"}]}
    for body in (
        {"GroupId": gid, "MemberToDel_Account": ["tommy", "jared"]},
        {"GroupId": gid, "Silence": 1, "MemberToDel_Account": ["tommy", "jared"]},
        {"GroupId": gid, "Reason": "kick reason", "MemberToDel_Account": ["tommy", "jared"]},
    ):
        await app.ok(ADD, add)
        reply = await app.call(DELETE, body)
        assert_ok(reply)
        assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"}
        assert await member_ids(app, gid) == ["owner"]
        assert group_of(app, gid).member_num == 1


async def test_delete_notices_and_silence(app: AppHandle) -> None:
    await app.import_accounts("k1", "k2")
    gid = await make_group(app)
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "k1"}, {"Member_Account": "k2"}]})
    tap = app.server.tap()
    try:
        await app.ok(DELETE, {"GroupId": gid, "Reason": "spam", "MemberToDel_Account": ["k1"]})
        await app.ok(DELETE, {"GroupId": gid, "Silence": 1, "MemberToDel_Account": ["k2"]})
        events = mine(app, tap.drain())
    finally:
        app.server.untap(tap)
    left = [(e.user_ids, e.how, e.reason) for e in events if isinstance(e, notices.MembersLeft)]
    assert left == [(["k1"], "kicked", "spam"), (["k2"], "kicked", "")]
    tips = [e for e in events if isinstance(e, notices.GroupEntry)]
    assert len(tips) == 1 and b'"MemberKick"' in bytes(tips[0].payload) and b'"spam"' in bytes(tips[0].payload)
    feed = {(e.user_id, e.kind) for e in events if isinstance(e, FeedEntry)}
    assert {("k1", "group.left"), ("k2", "group.left")} <= feed


async def test_delete_unknown_users_succeed_and_errors(app: AppHandle) -> None:
    gid = await make_group(app)
    await app.ok(DELETE, {"GroupId": gid, "MemberToDel_Account": ["nobody", "ghost"]})
    assert group_of(app, gid).member_num == 1
    assert_error(await app.call(DELETE, {"GroupId": gid, "MemberToDel_Account": [f"x{i}" for i in range(101)]}), 10004)
    assert_error(await app.call(DELETE, {"GroupId": gid}), 10004)
    assert_error(await app.call(DELETE, {"GroupId": gid, "MemberToDel_Account": ["a"], "Reason": 5}), 10004)
    assert_error(await app.call(DELETE, {"GroupId": "@TGS#2NOSUCHGROUP", "MemberToDel_Account": ["a"]}), 10010)
    assert_error(await app.call(DELETE, {"GroupId": "\u00e9" * 100, "MemberToDel_Account": ["a"]}), 10015)
    live = await make_group(app, "AVChatRoom")
    assert_error(await app.call(DELETE, {"GroupId": live, "MemberToDel_Account": ["owner"]}), 10004)


async def test_deleting_the_owner_leaves_the_group_ownerless(app: AppHandle) -> None:
    await app.import_accounts("m1")
    gid = await make_group(app)
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "m1"}]})
    await app.ok(DELETE, {"GroupId": gid, "MemberToDel_Account": ["owner"]})
    group = group_of(app, gid)
    assert (group.owner, group.member_num) == ("", 1)
    await app.ok(OWNER, {"GroupId": gid, "NewOwner_Account": "m1"})  # the app admin names a new one
    assert group_of(app, gid).owner == "m1"


# -- import_group_member ---------------------------------------------------------------------------


def old_group(app: AppHandle, gtype: str = "Public", created_at: int = 1400000000) -> str:
    async def create(rt: Any, live: Any) -> str:
        spec = lifecycle.NewGroup(gtype=types.by_name(gtype), name="old", created_at=created_at)
        return (await lifecycle.create(rt, live, spec, operator=live.admins[0])).group_id

    return run(app, create)


async def test_import_seed_sample(app: AppHandle) -> None:
    await app.import_accounts("tommy", "jared")
    gid = old_group(app)
    tap = app.server.tap()
    try:
        reply = await app.call(
            IMPORT,
            {
                "GroupId": gid,
                "MemberList": [
                    {"Member_Account": "tommy", "Role": "Admin", "JoinTime": 1448357837, "UnreadMsgNum": 5},
                    {"Member_Account": "jared", "JoinTime": 1448357857, "UnreadMsgNum": 2},
                ],
            },
        )
        events = mine(app, tap.drain())
    finally:
        app.server.untap(tap)
    assert_ok(reply)
    assert reply["MemberList"] == [{"Member_Account": "tommy", "Result": 1}, {"Member_Account": "jared", "Result": 1}]
    listed = {m["Member_Account"]: m for m in (await listing(app, gid))["MemberList"]}
    assert (listed["tommy"]["Role"], listed["tommy"]["JoinTime"]) == ("Admin", 1448357837)
    assert (listed["jared"]["Role"], listed["jared"]["JoinTime"]) == ("Member", 1448357857)
    assert listed["tommy"]["MsgSeq"] == 0  # more unread than messages: every message unread
    # no tips, no feed entries (seed 15430); the event is there for the member index
    assert not [e for e in events if isinstance(e, (notices.GroupEntry, FeedEntry))]
    assert [(e.user_ids, e.how) for e in events if isinstance(e, notices.MembersJoined)] == [
        (["tommy", "jared"], "imported")
    ]
    again = await app.ok(IMPORT, {"GroupId": gid, "MemberList": [{"Member_Account": "tommy"}]})
    assert again["MemberList"] == [{"Member_Account": "tommy", "Result": 2}]


async def test_import_unread_sets_msg_seq(app: AppHandle) -> None:
    await app.import_accounts(*[f"t{i}" for i in range(6)])
    gid = old_group(app)
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": f"t{i}"} for i in range(4)]})
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "t4"}]})
    last = group_of(app, gid).next_msg_seq - 1  # two MemberJoin tips were stored
    assert last == 2
    await app.ok(IMPORT, {"GroupId": gid, "MemberList": [{"Member_Account": "t5", "UnreadMsgNum": 1}]})
    listed = {m["Member_Account"]: m for m in (await listing(app, gid))["MemberList"]}
    assert listed["t5"]["MsgSeq"] == last - 1


async def test_import_join_time_rules_and_errors(app: AppHandle) -> None:
    await app.import_accounts("early", "late", "fine")
    gid = old_group(app, created_at=1500000000)
    now = int(time.time())
    reply = await app.ok(
        IMPORT,
        {
            "GroupId": gid,
            "MemberList": [
                {"Member_Account": "early", "JoinTime": 1400000000},
                {"Member_Account": "late", "JoinTime": now + 3600},
                {"Member_Account": "fine", "JoinTime": 1600000000},
                {"Member_Account": "ghost"},
            ],
        },
    )
    assert [m["Result"] for m in reply["MemberList"]] == [0, 0, 1, 0]
    many = [{"Member_Account": f"x{i}"} for i in range(301)]
    assert_error(await app.call(IMPORT, {"GroupId": gid, "MemberList": many}), 10005)
    assert_error(
        await app.call(IMPORT, {"GroupId": gid, "MemberList": [{"Member_Account": "early", "Role": "Owner"}]}), 10004
    )
    assert_error(
        await app.call(IMPORT, {"GroupId": gid, "MemberList": [{"Member_Account": "early", "UnreadMsgNum": -1}]}), 10004
    )
    assert_error(await app.call(IMPORT, {"GroupId": gid}), 10004)
    assert_error(
        await app.call(IMPORT, {"GroupId": "@TGS#2NOSUCHGROUP", "MemberList": [{"Member_Account": "a"}]}), 10010
    )
    assert_error(await app.call(IMPORT, {"GroupId": "x" * 129, "MemberList": [{"Member_Account": "a"}]}), 10015)
    live = await make_group(app, "AVChatRoom")
    assert_error(await app.call(IMPORT, {"GroupId": live, "MemberList": [{"Member_Account": "early"}]}), 10007)
    work = old_group(app, "Private")
    assert_error(
        await app.call(IMPORT, {"GroupId": work, "MemberList": [{"Member_Account": "early", "Role": "Admin"}]}), 10004
    )
    assert group_of(app, gid).member_num == 1


# -- get_group_member_info -------------------------------------------------------------------------


def declare_member_fields(app: AppHandle, *keys: str, **specs: GroupField) -> None:
    app.set(custom_group_member_fields={**{k: GroupField() for k in keys}, **specs})


async def seeded_group(app: AppHandle) -> str:
    """bob (owner) and peter with both custom member fields, as the seed's samples show."""
    declare_member_fields(app, "MemberDefined1", "MemberDefined2", "MemberDefined3")
    await app.import_accounts("peter")
    gid = await make_group(app, owner="bob", MemberList=[{"Member_Account": "peter"}])
    for user in ("bob", "peter"):
        data = [
            {"Key": "MemberDefined1", "Value": "ModifyDefined1"},
            {"Key": "MemberDefined2", "Value": "ModifyDefined2"},
        ]
        await app.ok(MODIFY, {"GroupId": gid, "Member_Account": user, "AppMemberDefinedData": data})
    return gid


async def test_member_info_seed_samples(app: AppHandle) -> None:
    gid = await seeded_group(app)
    basic = await app.call(INFO, {"GroupId": gid})
    assert_ok(basic)
    assert basic["MemberNum"] == 2 and "Next" not in basic
    bob, peter = basic["MemberList"]
    assert (bob["Member_Account"], bob["Role"], peter["Role"]) == ("bob", "Owner", "Member")
    assert set(bob) == {*model.MEMBER_FIELDS, "Member_Account", "AppMemberDefinedData"}
    assert bob["AppMemberDefinedData"] == [
        {"Key": "MemberDefined1", "Value": "ModifyDefined1"},
        {"Key": "MemberDefined2", "Value": "ModifyDefined2"},
    ]
    assert (bob["MuteUntil"], bob["MsgFlag"], bob["LastSendMsgTime"]) == (0, "AcceptAndNotify", 0)
    paged = await listing(app, gid, Limit=100, Offset=0)
    assert paged["MemberList"] == basic["MemberList"]
    fields_only = await listing(
        app, gid, MemberInfoFilter=["Role", "JoinTime", "MsgSeq", "MsgFlag", "LastSendMsgTime", "MuteUntil", "NameCard"]
    )
    assert all("AppMemberDefinedData" not in m for m in fields_only["MemberList"])
    assert set(fields_only["MemberList"][0]) == {*model.MEMBER_FIELDS, "Member_Account"}
    roles = await listing(app, gid, MemberRoleFilter=["Owner", "Member"])
    assert [m["Role"] for m in roles["MemberList"]] == ["Owner", "Member"] and roles["MemberNum"] == 2
    owners = await listing(app, gid, MemberRoleFilter=["Owner"])
    assert [m["Member_Account"] for m in owners["MemberList"]] == ["bob"]
    data = await listing(app, gid, AppDefinedDataFilter_GroupMember=["MemberDefined2"])
    assert data["MemberList"][1]["AppMemberDefinedData"] == [{"Key": "MemberDefined2", "Value": "ModifyDefined2"}]
    all_in_one = await listing(
        app,
        gid,
        MemberInfoFilter=["Role", "JoinTime", "MsgSeq", "MsgFlag", "LastSendMsgTime", "MuteUntil", "NameCard"],
        MemberRoleFilter=["Owner", "Member"],
        AppDefinedDataFilter_GroupMember=["MemberDefined2", "MemberDefined1"],
        Limit=100,
        Offset=0,
    )
    assert all_in_one["MemberList"][0]["AppMemberDefinedData"] == [
        {"Key": "MemberDefined2", "Value": "ModifyDefined2"},
        {"Key": "MemberDefined1", "Value": "ModifyDefined1"},
    ]


async def test_member_info_offset_pages(app: AppHandle) -> None:
    users = [f"p{i:03}" for i in range(250)]
    await app.import_accounts(*users)
    gid = await make_group(app)
    await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": u} for u in users]})
    seen: list[str] = []
    for page in range(3):
        reply = await listing(app, gid, Limit=100, Offset=page * 100, MemberInfoFilter=["Role"])
        assert reply["MemberNum"] == 251
        seen += [m["Member_Account"] for m in reply["MemberList"]]
    assert sorted(seen) == sorted([*users, "owner"]) and len(seen) == 251
    assert len((await listing(app, gid, Limit=5))["MemberList"]) == 5  # Limit alone: the first ones
    admins = await listing(app, gid, MemberRoleFilter=["Member"], Limit=10, Offset=245)
    assert [m["Member_Account"] for m in admins["MemberList"]] == users[245:]
    mixed = await listing(app, gid, MemberRoleFilter=["Owner", "Member"], Limit=2, Offset=1)
    assert [m["Member_Account"] for m in mixed["MemberList"]] == users[:2]


async def test_member_info_next_pages_a_community(app: AppHandle) -> None:
    users = [f"c{i:03}" for i in range(230)]
    await app.import_accounts(*users)
    gid = await make_group(app, "Community")
    for start in range(0, 230, 100):
        part = users[start : start + 100]
        await app.ok(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": u} for u in part]})
    await app.ok(MODIFY, {"GroupId": gid, "Member_Account": "c007", "Role": "Admin"})
    for role_filter, expected in ((None, [*users, "owner"]), (["Owner", "Admin"], ["owner", "c007"])):
        seen: list[str] = []
        cursor = ""
        calls = 0
        while True:
            body: dict[str, Any] = {"Limit": 100, "Next": cursor}
            if role_filter:
                body["MemberRoleFilter"] = role_filter
            reply = await listing(app, gid, **body)
            calls += 1
            assert reply["MemberNum"] == 231
            seen += [m["Member_Account"] for m in reply["MemberList"]]
            cursor = reply["Next"]
            if cursor == "":
                break
        assert sorted(seen) == sorted(expected) and len(seen) == len(expected)
        assert calls == (3 if role_filter is None else 1)
    first = await listing(app, gid, Limit=1, Next="", MemberRoleFilter=["Owner", "Admin"])
    assert [m["Member_Account"] for m in first["MemberList"]] == ["owner"] and first["Next"]
    second = await listing(app, gid, Limit=1, Next=first["Next"], MemberRoleFilter=["Owner", "Admin"])
    assert [m["Member_Account"] for m in second["MemberList"]] == ["c007"]
    assert second["Next"] == ""  # the role index shows nothing after c007 among owners and admins


async def test_member_info_errors(app: AppHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    gid = await seeded_group(app)
    community = await make_group(app, "Community")
    assert_error(await app.call(INFO, {"GroupId": community}), 10004)  # communities page by Next
    assert_error(await app.call(INFO, {"GroupId": community, "Limit": 10, "Offset": 0}), 10004)
    assert_error(await app.call(INFO, {"GroupId": community, "Limit": 101, "Next": ""}), 10004)
    assert_error(await app.call(INFO, {"GroupId": community, "Next": "!!not ours"}), 10004)
    assert_error(await app.call(INFO, {"GroupId": community, "Next": 5}), 10004)
    assert_error(await app.call(INFO, {"GroupId": gid, "Limit": 201, "Offset": 0}), 10004)
    assert_error(await app.call(INFO, {"GroupId": gid, "Limit": 6001}), 10004)
    assert_error(await app.call(INFO, {"GroupId": gid, "Offset": -1}), 10004)
    assert_error(await app.call(INFO, {"GroupId": gid, "MemberRoleFilter": ["Boss"]}), 10004)
    assert_error(await app.call(INFO, {"GroupId": "@TGS#2NOSUCHGROUP"}), 10010)
    assert_error(await app.call(INFO, {"GroupId": "x" * 129}), 10015)
    assert_error(await app.call(INFO, {}), 10004)
    live = await make_group(app, "AVChatRoom")
    assert_error(await app.call(INFO, {"GroupId": live}), 10007)
    monkeypatch.setattr(members, "REPLY_MAX_BYTES", 300)
    assert_error(await app.call(INFO, {"GroupId": gid}), 10018)
    assert len((await listing(app, gid, Limit=1, MemberInfoFilter=["Role"]))["MemberList"]) == 1


async def test_member_data_read_permissions_for_a_device(app: AppHandle) -> None:
    declare_member_fields(app, "Open", Secret=GroupField(read="admin"), Mine=GroupField(read="self"))
    await app.import_accounts("m1", "m2")
    gid = await make_group(app, MemberList=[{"Member_Account": "m1"}, {"Member_Account": "m2"}])
    for user in ("m1", "m2"):
        data = [{"Key": k, "Value": f"{k}-{user}"} for k in ("Open", "Secret", "Mine")]
        await app.ok(MODIFY, {"GroupId": gid, "Member_Account": user, "AppMemberDefinedData": data})

    def as_device(viewer: str, **kw: Any) -> Any:
        return run(app, lambda rt, live: members.list_members(rt, live, gid, viewer=viewer, **kw))

    seen = {m["Member_Account"]: m.get("AppMemberDefinedData", []) for m in as_device("m1")["MemberList"]}
    assert [kv["Key"] for kv in seen["m1"]] == ["Open", "Mine"]
    assert [kv["Key"] for kv in seen["m2"]] == ["Open"]
    with pytest.raises(Exception, match="10007"):
        as_device("m1", data_keys=["Secret"])
    with pytest.raises(Exception, match="10007"):
        as_device("stranger")
    owner_view = {m["Member_Account"]: m.get("AppMemberDefinedData", []) for m in as_device("owner")["MemberList"]}
    assert [kv["Key"] for kv in owner_view["m2"]] == ["Open", "Secret", "Mine"]


# -- modify_group_member_info ----------------------------------------------------------------------


async def test_modify_seed_samples(app: AppHandle) -> None:
    declare_member_fields(app, "MemberDefined1", "MemberDefined3")
    await app.import_accounts("bob")
    gid = await make_group(app, MemberList=[{"Member_Account": "bob"}])

    async def bob() -> dict[str, Any]:
        return next(m for m in (await listing(app, gid))["MemberList"] if m["Member_Account"] == "bob")

    assert_ok(await app.call(MODIFY, {"GroupId": gid, "Member_Account": "bob", "Role": "Admin"}))
    assert (await bob())["Role"] == "Admin"
    await app.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "Role": "Member"})
    assert (await bob())["Role"] == "Member"
    await app.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "MsgFlag": "AcceptNotNotify"})
    assert (await bob())["MsgFlag"] == "AcceptNotNotify"
    await app.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "NameCard": "bob"})
    assert (await bob())["NameCard"] == "bob"
    data = [{"Key": "MemberDefined1", "Value": "ModifyData1"}, {"Key": "MemberDefined3", "Value": "ModifyData3"}]
    await app.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "AppMemberDefinedData": data})
    assert (await bob())["AppMemberDefinedData"] == data
    await app.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "MuteTime": 86400})
    assert 86390 <= (await bob())["MuteUntil"] - time.time() <= 86400
    await app.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "ShutUpTime": 0})  # the older name
    assert (await bob())["MuteUntil"] == 0
    await app.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "ShutUpTime": FOREVER})
    assert (await bob())["MuteUntil"] == FOREVER
    await app.ok(
        MODIFY,
        {"GroupId": gid, "Member_Account": "bob", "AppMemberDefinedData": [{"Key": "MemberDefined1", "Value": ""}]},
    )
    assert (await bob())["AppMemberDefinedData"] == [{"Key": "MemberDefined3", "Value": "ModifyData3"}]


async def test_modify_notices(app: AppHandle) -> None:
    await app.import_accounts("bob")
    gid = await make_group(app, MemberList=[{"Member_Account": "bob"}])
    tap = app.server.tap()
    try:
        await app.ok(
            MODIFY, {"GroupId": gid, "Member_Account": "bob", "Role": "Admin", "NameCard": "B", "MuteTime": 60}
        )
        events = mine(app, tap.drain())
    finally:
        app.server.untap(tap)
    kinds = {type(e).__name__ for e in events}
    assert {"RolesChanged", "MembersMuted", "MemberInfoChanged"} <= kinds
    tips = {
        bytes(e.payload).split(b'"TipType":"')[1].split(b'"')[0] for e in events if isinstance(e, notices.GroupEntry)
    }
    assert tips == {b"SetAdmin", b"MemberMute", b"MemberInfoChange"}
    feed = {e.kind for e in events if isinstance(e, FeedEntry) and e.user_id == "bob"}
    assert feed == {"group.role", "group.muted", "group.member_info"}


async def test_modify_errors(app: AppHandle) -> None:
    await app.import_accounts("bob", "w1")
    gid = await make_group(app, MemberList=[{"Member_Account": "bob"}])
    bad = [
        {"NameCard": "\u4e00" * 17},  # 51 bytes
        {"Role": "Owner"},
        {"MsgFlag": "Loud"},
        {"MuteTime": -1},
        {"MuteTime": FOREVER + 1},
        {"AppMemberDefinedData": [{"Key": "Undeclared", "Value": "v"}]},
        {"NameCard": 5},
    ]
    for change in bad:
        assert_error(await app.call(MODIFY, {"GroupId": gid, "Member_Account": "bob", **change}), 10004)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "Member_Account": "owner", "Role": "Member"}), 10004)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "Member_Account": "owner", "MuteTime": 60}), 10007)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "NameCard": "x"}), 10004)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "Member_Account": "w1", "NameCard": "x"}), 10007)
    work = await make_group(app, "Private", MemberList=[{"Member_Account": "w1"}])
    assert_error(await app.call(MODIFY, {"GroupId": work, "Member_Account": "w1", "Role": "Admin"}), 10007)
    assert_error(await app.call(MODIFY, {"GroupId": work, "Member_Account": "w1", "MuteTime": 60}), 10007)
    live = await make_group(app, "AVChatRoom")
    assert_error(await app.call(MODIFY, {"GroupId": live, "Member_Account": "owner", "NameCard": "x"}), 10007)
    assert_error(
        await app.call(MODIFY, {"GroupId": "@TGS#2NOSUCHGROUP", "Member_Account": "bob", "NameCard": "x"}), 10010
    )
    assert_error(await app.call(MODIFY, {"GroupId": "x" * 129, "Member_Account": "bob", "NameCard": "x"}), 10015)
    bob = next(m for m in (await listing(app, gid))["MemberList"] if m["Member_Account"] == "bob")
    assert (bob["NameCard"], bob["Role"], bob["MuteUntil"]) == ("", "Member", 0)  # nothing changed


# -- get_role_in_group -----------------------------------------------------------------------------


async def test_roles_seed_sample_and_errors(app: AppHandle) -> None:
    await app.import_accounts("peter", "wesley")
    gid = await make_group(app, owner="leckie", MemberList=[{"Member_Account": "peter"}])
    reply = await app.call(ROLES, {"GroupId": gid, "User_Account": ["leckie", "peter", "wesley"]})
    assert_ok(reply)
    assert reply["UserIdList"] == [
        {"Member_Account": "leckie", "Role": "Owner"},
        {"Member_Account": "peter", "Role": "Member"},
        {"Member_Account": "wesley", "Role": "NotMember"},
    ]
    assert_error(await app.call(ROLES, {"GroupId": gid, "User_Account": [f"u{i}" for i in range(501)]}), 10004)
    assert_error(await app.call(ROLES, {"GroupId": gid}), 10004)
    assert_error(await app.call(ROLES, {"GroupId": "@TGS#2NOSUCHGROUP", "User_Account": ["a"]}), 10010)
    assert_error(await app.call(ROLES, {"GroupId": "x" * 129, "User_Account": ["a"]}), 10015)
    live = await make_group(app, "AVChatRoom")
    assert_error(await app.call(ROLES, {"GroupId": live, "User_Account": ["owner"]}), 10007)


# -- change_group_owner ----------------------------------------------------------------------------


async def test_change_owner_seed_sample_and_errors(app: AppHandle) -> None:
    await app.import_accounts("peter", "outsider")
    gid = await make_group(app, MemberList=[{"Member_Account": "peter"}])
    assert_ok(await app.call(OWNER, {"GroupId": gid, "NewOwner_Account": "peter"}))
    roles = await app.ok(ROLES, {"GroupId": gid, "User_Account": ["peter", "owner"]})
    assert [r["Role"] for r in roles["UserIdList"]] == ["Owner", "Member"]
    assert_error(await app.call(OWNER, {"GroupId": gid, "NewOwner_Account": "outsider"}), 10007)
    assert_error(await app.call(OWNER, {"GroupId": gid}), 10004)
    assert_error(await app.call(OWNER, {"GroupId": "@TGS#2NOSUCHGROUP", "NewOwner_Account": "peter"}), 10010)
    assert_error(await app.call(OWNER, {"GroupId": "x" * 129, "NewOwner_Account": "peter"}), 10015)
    live = await make_group(app, "AVChatRoom")
    assert_error(await app.call(OWNER, {"GroupId": live, "NewOwner_Account": "owner"}), 10007)


# -- every API over the five types -----------------------------------------------------------------


@pytest.mark.parametrize("gtype", TYPES)
async def test_each_api_over_each_type(app: AppHandle, gtype: str) -> None:
    record = types.by_name(gtype)
    await app.import_accounts("m1", "m2")
    gid = await make_group(app, gtype)
    add = await app.call(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": "m1"}]})
    if record.rest_add_members:
        assert add["MemberList"] == [{"Member_Account": "m1", "Result": 1}]
    else:
        assert_error(add, 10007)
    imported = await app.call(IMPORT, {"GroupId": gid, "MemberList": [{"Member_Account": "m2"}]})
    if record.importable:
        assert imported["MemberList"] == [{"Member_Account": "m2", "Result": 1}]
    else:
        assert_error(imported, 10007)
    roles = await app.call(ROLES, {"GroupId": gid, "User_Account": ["m1"]})
    listed = await app.call(INFO, {"GroupId": gid, "Next": ""} if record.members_paged_by_next else {"GroupId": gid})
    if record.member_profiles:
        assert roles["UserIdList"] == [{"Member_Account": "m1", "Role": "Member"}]
        assert listed["MemberNum"] == 3 == len(listed["MemberList"])
    else:
        assert_error(roles, 10007)
        assert_error(listed, 10007)
    admin = await app.call(MODIFY, {"GroupId": gid, "Member_Account": "m1", "Role": "Admin"})
    if record.member_profiles and record.has_admins:
        assert_ok(admin)
    else:
        assert_error(admin, 10007)
    mute = await app.call(MODIFY, {"GroupId": gid, "Member_Account": "m1", "MuteTime": 60})
    if record.member_profiles and record.mute_role is not None:
        assert_ok(mute)
    else:
        assert_error(mute, 10007)
    removed = await app.call(DELETE, {"GroupId": gid, "MemberToDel_Account": ["m1"]})
    if record.rest_delete_members:
        assert_ok(removed)
        assert group_of(app, gid).member_num == 2
    else:
        assert_error(removed, 10004)


# -- the user side: the same functions with a UserID as operator ----------------------------------


def device(app: AppHandle, fn: Any) -> Any:
    return run(app, fn)


async def test_device_invites(app: AppHandle) -> None:
    await app.import_accounts("m1", "guest", "guest2")
    work = await make_group(app, "Private", MemberList=[{"Member_Account": "m1"}])
    got = device(app, lambda rt, live: members.add(rt, live, work, ["guest"], operator="m1", how="invited"))
    assert got == [{"Member_Account": "guest", "Result": 1}]
    public = await make_group(app, "Public", MemberList=[{"Member_Account": "m1"}])
    with pytest.raises(Exception, match="10007"):
        device(app, lambda rt, live: members.add(rt, live, public, ["guest"], operator="m1"))
    with pytest.raises(Exception, match="10007"):
        device(app, lambda rt, live: members.add(rt, live, public, ["guest"], operator="guest2"))  # not a member
    assert device(app, lambda rt, live: members.add(rt, live, public, ["guest"], operator="owner"))[0]["Result"] == 1
    community = await make_group(
        app, "Community", InviteJoinOption="NeedPermission", MemberList=[{"Member_Account": "m1"}]
    )
    got = device(app, lambda rt, live: members.add(rt, live, community, ["guest2"], operator="m1"))
    assert got == [{"Member_Account": "guest2", "Result": 3}]

    async def requests(rt: Any, _: Any) -> list[tuple[str, str, str]]:
        async with rt.store.read() as conn:
            rows = await conn.execute(group_requests.select().where(group_requests.c.group_id == community))
            return [(r.user_id, r.kind, r.inviter) for r in rows]

    assert run(app, requests) == [("guest2", "invite", "m1")]
    assert group_of(app, community).member_num == 2
    closed = await make_group(app, "Private", InviteJoinOption="DisableInvite", MemberList=[{"Member_Account": "m1"}])
    with pytest.raises(Exception, match="10007"):
        device(app, lambda rt, live: members.add(rt, live, closed, ["guest"], operator="m1"))


async def test_device_kicks_and_settings(app: AppHandle) -> None:
    await app.import_accounts("adm", "adm2", "m1", "m2")
    entries = [{"Member_Account": u} for u in ("m1", "m2")] + [
        {"Member_Account": u, "Role": "Admin"} for u in ("adm", "adm2")
    ]
    gid = await make_group(app, MemberList=entries)

    def kick(operator: str, *users: str) -> Any:
        return device(app, lambda rt, live: members.delete(rt, live, gid, list(users), operator=operator))

    assert kick("adm", "m1") == ["m1"]
    for operator, target in (("adm", "adm2"), ("adm", "owner"), ("m2", "adm"), ("owner", "owner")):
        with pytest.raises(Exception, match="10007"):
            kick(operator, target)
    assert kick("owner", "adm2") == ["adm2"]

    def change(operator: str, user: str, **kw: Any) -> Any:
        spec = members.MemberChange(**kw)
        return device(app, lambda rt, live: members.modify(rt, live, gid, user, spec, operator=operator))

    change("m2", "m2", name_card="me", msg_flag="Discard")
    change("adm", "m2", name_card="by admin", mute_seconds=60)
    for operator, user, kw in (
        ("m2", "adm", {"name_card": "x"}),
        ("adm", "m2", {"msg_flag": "Discard"}),
        ("adm", "m2", {"role": types.Role.ADMIN}),
        ("adm", "owner", {"mute_seconds": 60}),
        ("m2", "m2", {"mute_seconds": 60}),
    ):
        with pytest.raises(Exception, match="10007"):
            change(operator, user, **kw)
    change("owner", "m2", role=types.Role.ADMIN)
    roles = await app.ok(ROLES, {"GroupId": gid, "User_Account": ["m2"]})
    assert roles["UserIdList"] == [{"Member_Account": "m2", "Role": "Admin"}]


# -- accounts, counts ------------------------------------------------------------------------------


async def test_purge_accounts_leaves_groups_and_owned_groups_ownerless(app: AppHandle) -> None:
    await app.import_accounts("stay", "gone")
    owned = await make_group(app, owner="gone", MemberList=[{"Member_Account": "stay"}])
    joined = [
        await make_group(app, MemberList=[{"Member_Account": "gone"}, {"Member_Account": "stay"}]) for _ in range(3)
    ]
    live = await make_group(app, "AVChatRoom", owner="gone")

    async def purge(rt: Any, _: Any) -> None:
        async with rt.store.tx() as tx:
            await members.purge_accounts(tx, app.sdkappid, ["gone", "never-existed"])

    run(app, purge)
    assert (group_of(app, owned).owner, group_of(app, owned).member_num) == ("", 1)
    assert group_of(app, live).owner == ""
    for gid in joined:
        assert group_of(app, gid).member_num == 2
        assert await member_ids(app, gid) == ["owner", "stay"]


async def test_member_num_exact_under_concurrent_adds_and_deletes(app: AppHandle) -> None:
    users = [f"r{i:02}" for i in range(40)]
    await app.import_accounts(*users)
    gid = await make_group(app)
    calls = []
    for i, user in enumerate(users):
        calls.append(
            app.call(ADD, {"GroupId": gid, "MemberList": [{"Member_Account": u} for u in (user, users[i - 1])]})
        )
        if i % 3 == 0:
            calls.append(app.call(DELETE, {"GroupId": gid, "MemberToDel_Account": [users[i - 2], users[i - 5]]}))
    replies = await asyncio.gather(*calls)
    assert all(r["ActionStatus"] == "OK" for r in replies), [r for r in replies if r["ActionStatus"] != "OK"]
    listed = await listing(app, gid)
    assert listed["MemberNum"] == len(listed["MemberList"]) == group_of(app, gid).member_num
