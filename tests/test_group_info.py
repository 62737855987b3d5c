"""Reading groups over REST: get_group_info, get_joined_group_list, get_appid_group_list (seed 004
lines 11223-11453, 12214-13300), and the device viewer's side of listing.group_infos."""

from __future__ import annotations

import json

import pytest

from confab.domain.apps import GroupField
from confab.domain.groups import listing, model, roster
from confab.domain.groups.roster import NewMember
from confab.domain.groups.types import Role
from tests.support import AppHandle, assert_error, assert_ok

CREATE = "group_open_http_svc/create_group"
MODIFY = "group_open_http_svc/modify_group_base_info"
INFO = "group_open_http_svc/get_group_info"
JOINED = "group_open_http_svc/get_joined_group_list"
APP_LIST = "group_open_http_svc/get_appid_group_list"

MEMBER_DATA = [
    {"Key": "MemberDefined1", "Value": "ModifyDefined1"},
    {"Key": "MemberDefined2", "Value": "ModifyDefined2"},
]
GROUP_DATA = [{"Key": "GroupTestData1", "Value": "xxxx"}, {"Key": "GroupTestData2", "Value": "abc\\u0000\\u0001"}]


@pytest.fixture(autouse=True)
def _settings(app: AppHandle) -> None:
    app.set(
        custom_group_fields={"GroupTestData1": GroupField(), "GroupTestData2": GroupField()},
        custom_group_member_fields={"MemberDefined1": GroupField(), "MemberDefined2": GroupField()},
        rate_limits={"group_open_http_svc/get_appid_group_list": 0},
    )


async def seed_group(app: AppHandle, group_id: str = "MyFirstGroup") -> str:
    """The get_group_info sample's group: Public, owner leckie, member peter, custom data on both."""
    await app.import_accounts("leckie", "peter")
    body = {
        "Owner_Account": "leckie",
        "Type": "Public",
        "GroupId": group_id,
        "Name": "MyFirstGroup",
        "Introduction": "TestGroup",
        "Notification": "TestGroup",
        "FaceUrl": "http://this.is.face.url",
        "MaxMemberCount": 50,
        "ApplyJoinOption": "FreeAccess",
        "MuteAllMember": "On",
        "AppDefinedData": GROUP_DATA,
        "MemberList": [{"Member_Account": "peter", "AppMemberDefinedData": MEMBER_DATA}],
    }
    return (await app.ok(CREATE, body))["GroupId"]


async def set_member_data(app: AppHandle, group_id: str, user: str) -> None:
    async def write() -> None:
        rt = app.server.runtime
        async with rt.store.tx() as tx:
            await tx.execute(
                model.group_members.update()
                .where(model.group_members.c.group_id == group_id, model.group_members.c.user_id == user)
                .values(app_data=model.dumps({d["Key"]: d["Value"] for d in MEMBER_DATA}))
            )

    app.server.run(write())


# -- get_group_info ------------------------------------------------------------------------------------


async def test_group_info_basic_sample(app: AppHandle) -> None:
    gid = await seed_group(app)
    await set_member_data(app, gid, "leckie")
    reply = await app.ok(INFO, {"GroupIdList": [gid, "@TGS#1CXTZEAET"]})
    assert_ok(reply)
    first, missing = reply["GroupInfo"]
    assert missing == {"GroupId": "@TGS#1CXTZEAET", "ErrorCode": 10010, "ErrorInfo": missing["ErrorInfo"]}
    assert first["GroupId"] == gid and first["ErrorCode"] == 0 and first["ErrorInfo"] == ""
    expected = {
        "Type": "Public",
        "Name": "MyFirstGroup",
        "Appid": app.sdkappid,
        "Introduction": "TestGroup",
        "Notification": "TestGroup",
        "FaceUrl": "http://this.is.face.url",
        "Owner_Account": "leckie",
        "MemberNum": 2,
        "MaxMemberNum": 50,
        "ApplyJoinOption": "FreeAccess",
        "MuteAllMember": "On",
        "NextMsgSeq": first["NextMsgSeq"],
        "AppDefinedData": GROUP_DATA,
    }
    assert {k: first[k] for k in expected} == expected
    for key in ("CreateTime", "LastInfoTime", "LastMsgTime", "InfoSeq"):
        assert isinstance(first[key], int)
    owner, peter = first["MemberList"]
    assert owner["Member_Account"] == "leckie" and owner["Role"] == "Owner"
    assert peter == {
        "Member_Account": "peter",
        "Role": "Member",
        "JoinTime": peter["JoinTime"],
        "MsgSeq": 0,
        "MsgFlag": "AcceptAndNotify",
        "LastSendMsgTime": 0,
        "MuteUntil": 0,
        "NameCard": "",
        "AppMemberDefinedData": MEMBER_DATA,
    }
    assert owner["AppMemberDefinedData"] == MEMBER_DATA


async def test_group_info_filter_sample(app: AppHandle) -> None:
    gid = await seed_group(app)
    body = {
        "GroupIdList": [gid, "@TGS#1CXTZEAET"],
        "ResponseFilter": {
            "GroupBaseInfoFilter": ["Type", "Name", "Introduction", "Notification"],
            "MemberInfoFilter": ["Account", "Role"],
            "AppDefinedDataFilter_Group": ["GroupTestData1", "GroupTestData2"],
            "AppDefinedDataFilter_GroupMember": ["MemberDefined2", "MemberDefined1"],
        },
    }
    first = (await app.ok(INFO, body))["GroupInfo"][0]
    assert first == {
        "GroupId": gid,
        "ErrorCode": 0,
        "ErrorInfo": "",
        "Type": "Public",
        "Name": "MyFirstGroup",
        "Introduction": "TestGroup",
        "Notification": "TestGroup",
        "AppDefinedData": GROUP_DATA,
        "MemberList": [
            {"Member_Account": "leckie", "Role": "Owner", "AppMemberDefinedData": []},
            {"Member_Account": "peter", "Role": "Member", "AppMemberDefinedData": MEMBER_DATA[::-1]},
        ],
    }


async def test_group_info_a_filter_leaves_out_what_it_does_not_name(app: AppHandle) -> None:
    gid = await seed_group(app)
    body = {"GroupIdList": [gid], "ResponseFilter": {"GroupBaseInfoFilter": ["MemberNum", "Nonsense"]}}
    assert (await app.ok(INFO, body))["GroupInfo"] == [
        {"GroupId": gid, "ErrorCode": 0, "ErrorInfo": "", "MemberNum": 2}
    ]
    body = {"GroupIdList": [gid], "ResponseFilter": {"AppDefinedDataFilter_GroupMember": ["MemberDefined1"]}}
    members = (await app.ok(INFO, body))["GroupInfo"][0]["MemberList"]
    assert members[1] == {"Member_Account": "peter", "AppMemberDefinedData": MEMBER_DATA[:1]}


async def test_group_info_per_group_codes_and_limits(app: AppHandle) -> None:
    gid = await seed_group(app)
    reply = await app.ok(INFO, {"GroupIdList": ["bad\x01id", "y" * 200, gid, "@TGS#2NONE"]})
    assert [g["ErrorCode"] for g in reply["GroupInfo"]] == [10015, 10015, 0, 10010]
    assert_error(await app.call(INFO, {"GroupIdList": [f"g{i}" for i in range(51)]}), 10004)
    assert_ok(await app.call(INFO, {"GroupIdList": [f"g{i}" for i in range(50)]}))
    assert_error(await app.call(INFO, {"GroupIdList": []}), 10004)
    assert_error(await app.call(INFO, {}), 10004)
    assert_error(await app.call(INFO, {"GroupIdList": [5]}), 10004)
    assert_error(await app.call(INFO, {"GroupIdList": [gid], "ResponseFilter": {"MemberInfoFilter": "Role"}}), 10004)
    assert_error(await app.client("leckie").call(INFO, {"GroupIdList": [gid]}), 10007)  # app admins only


async def test_group_info_live_group_lists_no_members(app: AppHandle) -> None:
    gid = (await app.ok(CREATE, {"Type": "AVChatRoom", "Name": "live"}))["GroupId"]
    got = (await app.ok(INFO, {"GroupIdList": [gid]}))["GroupInfo"][0]
    assert got["Type"] == "AVChatRoom" and "MemberList" not in got and got["ErrorCode"] == 0


async def test_group_info_member_lists_past_the_budget_answer_10018(app: AppHandle, monkeypatch) -> None:
    """The ruling: at most MEMBER_LIST_BUDGET member rows per call; a group past it gets 10018 and its
    profile stays available through a ResponseFilter without MemberInfoFilter."""
    monkeypatch.setattr(listing, "MEMBER_LIST_BUDGET", 3)
    small = await seed_group(app, "small")  # 2 members
    await app.import_accounts("a", "b")
    big = (
        await app.ok(
            CREATE,
            {"Type": "Public", "Name": "big", "MemberList": [{"Member_Account": u} for u in ("a", "b", "leckie")]},
        )
    )["GroupId"]
    got = (await app.ok(INFO, {"GroupIdList": [small, big]}))["GroupInfo"]
    assert got[0]["ErrorCode"] == 0 and len(got[0]["MemberList"]) == 2
    assert got[1]["ErrorCode"] == 10018 and "get_group_member_info" in got[1]["ErrorInfo"]
    alone = (await app.ok(INFO, {"GroupIdList": [big]}))["GroupInfo"][0]
    assert alone["ErrorCode"] == 0 and len(alone["MemberList"]) == 3
    filtered = await app.ok(INFO, {"GroupIdList": [small, big], "ResponseFilter": {"GroupBaseInfoFilter": ["Name"]}})
    assert [g["Name"] for g in filtered["GroupInfo"]] == ["MyFirstGroup", "big"]
    monkeypatch.setattr(listing, "MEMBER_LIST_BUDGET", 6000)
    first = (await app.ok(INFO, {"GroupIdList": [small]}))["GroupInfo"][0]
    monkeypatch.setattr(listing, "REPLY_MAX_BYTES", len(json.dumps(first, ensure_ascii=False)) + 50)
    sized = (await app.ok(INFO, {"GroupIdList": [small, big]}))["GroupInfo"]
    assert [g["ErrorCode"] for g in sized] == [0, 10018]


async def test_group_info_for_a_device_user(app: AppHandle) -> None:
    """listing.group_infos with a viewer: who sees which group, member list and custom key."""
    app.set(
        custom_group_fields={"Open": GroupField(), "Staff": GroupField(read="admin")},
        custom_group_member_fields={"Mine": GroupField(read="self")},
    )
    await app.import_accounts("owner", "member", "stranger")
    data = [{"Key": "Open", "Value": "o"}, {"Key": "Staff", "Value": "s"}]
    work = (await app.ok(CREATE, {"Type": "Private", "Name": "w", "Owner_Account": "owner", "AppDefinedData": data}))[
        "GroupId"
    ]
    public = (
        await app.ok(
            CREATE,
            {
                "Type": "Public",
                "Name": "p",
                "Owner_Account": "owner",
                "AppDefinedData": data,
                "MemberList": [{"Member_Account": "member", "AppMemberDefinedData": [{"Key": "Mine", "Value": "m"}]}],
            },
        )
    )["GroupId"]
    rt = app.server.runtime

    def view(viewer: str, **filters: object) -> list[dict]:
        async def go() -> list[dict]:
            live = await rt.apps.get(app.sdkappid)
            return await listing.group_infos(
                rt, live, [work, public], viewer=viewer, **(listing.everything() | filters)
            )

        return app.server.run(go())

    stranger_work, stranger_public = view("stranger")
    assert stranger_work["ErrorCode"] == 10007
    assert "MemberList" not in stranger_public and stranger_public["AppDefinedData"] == data[:1]
    _, member_public = view("member")
    assert member_public["AppDefinedData"] == data[:1]
    own = {m["Member_Account"]: m["AppMemberDefinedData"] for m in member_public["MemberList"]}
    assert own == {"owner": [], "member": [{"Key": "Mine", "Value": "m"}]}
    _, owner_public = view("owner")
    assert owner_public["AppDefinedData"] == data
    assert {m["Member_Account"]: m["AppMemberDefinedData"] for m in owner_public["MemberList"]}["member"] == [
        {"Key": "Mine", "Value": "m"}
    ]
    _, asked = view("member", group_keys=["Staff"])
    assert asked["ErrorCode"] == 10007


# -- get_joined_group_list -----------------------------------------------------------------------------


async def joined_setup(app: AppHandle) -> dict[str, str]:
    await app.import_accounts("leckie", "owner")
    made = {}
    for gtype in ("Public", "ChatRoom", "Private", "Community"):
        body = {"Type": gtype, "Name": f"{gtype} group", "Owner_Account": "owner"}
        body["MemberList"] = [{"Member_Account": "leckie"}]
        made[gtype] = (await app.ok(CREATE, body))["GroupId"]
    live = (await app.ok(CREATE, {"Type": "AVChatRoom", "Name": "live"}))["GroupId"]

    async def join_live() -> None:  # users join live groups from their devices: write the row directly
        rt = app.server.runtime
        async with rt.store.tx() as tx:
            group = await model.lock(tx, app.sdkappid, live)
            await roster.insert(tx, group, [NewMember("leckie", Role.MEMBER)])

    app.server.run(join_live())
    made["AVChatRoom"] = live
    return made


async def test_joined_basic_and_paged_samples(app: AppHandle) -> None:
    made = await joined_setup(app)
    reply = await app.ok(JOINED, {"Member_Account": "leckie"})
    visible = sorted([made["Public"], made["ChatRoom"], made["Community"]])  # no inactive Work, no live group
    assert reply["TotalCount"] == 3
    assert [g["GroupId"] for g in reply["GroupIdList"]] == visible
    assert all(set(g) == {"GroupId"} for g in reply["GroupIdList"])
    page = await app.ok(JOINED, {"Member_Account": "leckie", "Limit": 10, "Offset": 0})
    assert [g["GroupId"] for g in page["GroupIdList"]] == visible
    first = await app.ok(JOINED, {"Member_Account": "leckie", "Limit": 2, "Offset": 0})
    second = await app.ok(JOINED, {"Member_Account": "leckie", "Limit": 2, "Offset": 2})
    assert [g["GroupId"] for g in first["GroupIdList"] + second["GroupIdList"]] == visible
    assert first["TotalCount"] == second["TotalCount"] == 3  # "Limit or Offset does not affect TotalCount"


async def test_joined_group_type_sample(app: AppHandle) -> None:
    made = await joined_setup(app)
    reply = await app.ok(JOINED, {"Member_Account": "leckie", "GroupType": "Public"})
    assert reply["TotalCount"] == 1 and reply["GroupIdList"] == [{"GroupId": made["Public"]}]
    live = await app.ok(JOINED, {"Member_Account": "leckie", "GroupType": "AVChatRoom"})
    assert live["GroupIdList"] == [{"GroupId": made["AVChatRoom"]}]  # asking for the type is asking for them
    assert (await app.ok(JOINED, {"Member_Account": "leckie", "GroupType": "BChatRoom"}))["TotalCount"] == 0


async def test_joined_specified_information_sample(app: AppHandle) -> None:
    made = await joined_setup(app)
    body = {
        "Member_Account": "leckie",
        "WithHugeGroups": 1,
        "WithNoActiveGroups": 1,
        "Limit": 10,
        "Offset": 0,
        "ResponseFilter": {
            "GroupBaseInfoFilter": ["Type", "Name", "Introduction", "Notification"],
            "SelfInfoFilter": ["Role", "JoinTime"],
        },
    }
    reply = await app.ok(JOINED, body)
    assert reply["TotalCount"] == 5
    by_id = {g["GroupId"]: g for g in reply["GroupIdList"]}
    work = by_id[made["Private"]]
    assert work == {
        "GroupId": made["Private"],
        "Type": "Private",
        "Name": "Private group",
        "Introduction": "",
        "Notification": "",
        "SelfInfo": {"Role": "Member", "JoinTime": work["SelfInfo"]["JoinTime"]},
    }
    assert by_id[made["ChatRoom"]]["Type"] == "ChatRoom"


async def test_joined_all_in_one_sample(app: AppHandle) -> None:
    made = await joined_setup(app)
    base = [
        "Type",
        "Name",
        "Introduction",
        "Notification",
        "FaceUrl",
        "CreateTime",
        "Owner_Account",
        "LastInfoTime",
        "LastMsgTime",
        "NextMsgSeq",
        "MemberNum",
        "MaxMemberNum",
        "ApplyJoinOption",
        "MuteAllMember",
    ]
    body = {
        "Member_Account": "leckie",
        "WithHugeGroups": 1,
        "WithNoActiveGroups": 1,
        "ResponseFilter": {
            "GroupBaseInfoFilter": base,
            "SelfInfoFilter": ["Role", "JoinTime", "MsgFlag", "MsgSeq", "UnreadMsgNum"],
        },
    }
    reply = await app.ok(JOINED, body)
    work = {g["GroupId"]: g for g in reply["GroupIdList"]}[made["Private"]]
    assert set(work) == {"GroupId", "SelfInfo", *base}
    assert work["ApplyJoinOption"] == "DisableApply" and work["MuteAllMember"] == "Off" and work["MemberNum"] == 2
    assert work["SelfInfo"] | {"JoinTime": 0} == {
        "Role": "Member",
        "JoinTime": 0,
        "MsgFlag": "AcceptAndNotify",
        "MsgSeq": 0,
        "UnreadMsgNum": 0,
    }


async def test_joined_topic_communities_sample(app: AppHandle) -> None:
    await app.import_accounts("107867")
    gid = (
        await app.ok(
            CREATE,
            {"Type": "Community", "Name": "t", "SupportTopic": 1, "MemberList": [{"Member_Account": "107867"}]},
        )
    )["GroupId"]
    await app.ok(CREATE, {"Type": "Community", "Name": "plain", "MemberList": [{"Member_Account": "107867"}]})
    reply = await app.ok(JOINED, {"Member_Account": "107867", "GroupType": "Community", "SupportTopic": 1})
    assert reply["TotalCount"] == 1
    entry = reply["GroupIdList"][0]
    assert entry["GroupId"] == gid and entry["Type"] == "Community" and entry["SupportTopic"] == 1
    assert isinstance(entry["GrossTopicNextMsgSeq"], int) and "GrossTopicReadSeq" in entry["SelfInfo"]
    # the sample omits GroupType: "If this field is specified, GroupType must be Community"
    assert_error(await app.call(JOINED, {"Member_Account": "107867", "SupportTopic": 1}), 10004)


async def test_joined_errors(app: AppHandle, monkeypatch) -> None:
    await joined_setup(app)
    assert_error(await app.call(JOINED, {}), 10004)
    assert_error(await app.call(JOINED, {"Member_Account": ""}), 10004)
    assert_error(await app.call(JOINED, {"Member_Account": "leckie", "Limit": 5001}), 10004)
    assert_error(await app.call(JOINED, {"Member_Account": "leckie", "Limit": -1}), 10004)
    assert_error(await app.call(JOINED, {"Member_Account": "leckie", "Offset": -1}), 10004)
    assert_error(await app.call(JOINED, {"Member_Account": "leckie", "GroupType": "Secret"}), 10004)
    assert_error(await app.call(JOINED, {"Member_Account": "leckie", "WithHugeGroups": 2}), 10004)
    assert_error(await app.call(JOINED, {"Member_Account": "leckie", "ResponseFilter": {"SelfInfoFilter": 1}}), 10004)
    assert (await app.ok(JOINED, {"Member_Account": "nobody"}))["TotalCount"] == 0
    monkeypatch.setattr(listing, "REPLY_MAX_BYTES", 100)
    assert_error(await app.call(JOINED, {"Member_Account": "leckie"}), 10018)


# -- get_appid_group_list ------------------------------------------------------------------------------


async def make_groups(app: AppHandle, count: int, gtype: str = "Public") -> list[str]:
    return [(await app.ok(CREATE, {"Type": gtype, "Name": f"g{i}"}))["GroupId"] for i in range(count)]


async def test_app_list_basic_sample(app: AppHandle) -> None:
    made = await make_groups(app, 2)
    reply = await app.ok(APP_LIST, {})
    assert reply["TotalCount"] == 2 and reply["Next"] == 0
    assert sorted(g["GroupId"] for g in reply["GroupIdList"]) == sorted(made)


async def test_app_list_pages_with_next(app: AppHandle) -> None:
    made = await make_groups(app, 5)
    seen: list[str] = []
    cursor = 0
    for _ in range(5):
        reply = await app.ok(APP_LIST, {"Limit": 2, "Next": cursor})
        assert reply["TotalCount"] == 5
        seen += [g["GroupId"] for g in reply["GroupIdList"]]
        cursor = reply["Next"]
        if cursor == 0:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 5
    assert (await app.ok(APP_LIST, {"Limit": 1000, "Next": 0}))["Next"] == 0  # the seed's paging sample


async def test_app_list_group_type_samples(app: AppHandle) -> None:
    public = await make_groups(app, 2)
    await make_groups(app, 1, "Private")
    reply = await app.ok(APP_LIST, {"GroupType": "Public"})
    assert reply["TotalCount"] == 2 and sorted(g["GroupId"] for g in reply["GroupIdList"]) == sorted(public)
    assert (await app.ok(APP_LIST, {"Limit": 1000, "Next": 0, "GroupType": "Public"}))["TotalCount"] == 2
    assert (await app.ok(APP_LIST, {"GroupType": "Work"}))["TotalCount"] == 1
    assert (await app.ok(APP_LIST, {"GroupType": "BChatRoom"})) | {"RequestId": ""} == {
        "ActionStatus": "OK",
        "ErrorInfo": "",
        "ErrorCode": 0,
        "RequestId": "",
        "TotalCount": 0,
        "GroupIdList": [],
        "Next": 0,
    }


async def test_app_list_errors(app: AppHandle) -> None:
    assert_error(await app.call(APP_LIST, {"Limit": 10_001}), 10004)
    assert_error(await app.call(APP_LIST, {"Limit": -1}), 10004)
    assert_error(await app.call(APP_LIST, {"Next": -1}), 10004)
    assert_error(await app.call(APP_LIST, {"GroupType": "Nope"}), 10004)
    assert_error(await app.call(APP_LIST, {"GroupType": 3}), 10004)
    assert_error(await app.client("someone").call(APP_LIST, {}), 10007)


async def test_app_list_is_limited_to_one_call_per_second(app: AppHandle) -> None:
    app.set(rate_limits={})
    assert_ok(await app.call(APP_LIST, {}))
    assert_error(await app.call(APP_LIST, {}), 60007)
