"""Group lifecycle over REST: create_group, import_group, destroy_group, modify_group_base_info
(seed 004 lines 11454-12213, 13301-13915), and `confab app group-field`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from confab.domain.apps import GroupField
from confab.domain.feed import FeedEntry
from confab.domain.groups.notices import InfoChanged
from tests.support import AppHandle, assert_error, assert_ok

CREATE = "group_open_http_svc/create_group"
IMPORT = "group_open_http_svc/import_group"
DESTROY = "group_open_http_svc/destroy_group"
MODIFY = "group_open_http_svc/modify_group_base_info"
INFO = "group_open_http_svc/get_group_info"
APP_LIST = "group_open_http_svc/get_appid_group_list"

BINARY = "abc\\u0000\\u0001"  # the seed's "binary" sample value: backslashes in the JSON text


def declare(app: AppHandle) -> None:
    app.set(
        custom_group_fields={"GroupTestData1": GroupField(), "GroupTestData2": GroupField()},
        custom_group_member_fields={"MemberDefined1": GroupField(), "MemberDefined2": GroupField()},
        rate_limits={"group_open_http_svc/get_appid_group_list": 0},
    )


async def info(app: AppHandle, group_id: str) -> dict:
    reply = await app.ok(INFO, {"GroupIdList": [group_id]})
    return reply["GroupInfo"][0]


async def group_count(app: AppHandle) -> int:
    return (await app.ok(APP_LIST, {}))["TotalCount"]


# -- create_group: the seed's samples --------------------------------------------------------------


async def test_create_basic_sample(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    reply = await app.ok(CREATE, {"Owner_Account": "leckie", "Type": "Public", "Name": "TestGroup"})
    assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId", "GroupId"}
    assert reply["GroupId"].startswith("@TGS#2")
    got = await info(app, reply["GroupId"])
    assert got["ErrorCode"] == 0 and got["Type"] == "Public" and got["Name"] == "TestGroup"
    assert got["Owner_Account"] == "leckie" and got["MemberNum"] == 1
    assert [(m["Member_Account"], m["Role"]) for m in got["MemberList"]] == [("leckie", "Owner")]
    assert got["ApplyJoinOption"] == "NeedPermission"  # "The default method is NeedPermission"


async def test_create_basic_info_sample(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    body = {
        "Owner_Account": "leckie",
        "Type": "Public",
        "Name": "TestGroup",
        "Introduction": "This is group Introduction",
        "Notification": "This is group Notification",
        "FaceUrl": "http://this.is.face.url",
        "MaxMemberCount": 500,
        "ApplyJoinOption": "FreeAccess",
    }
    got = await info(app, (await app.ok(CREATE, body))["GroupId"])
    for key in ("Introduction", "Notification", "FaceUrl", "ApplyJoinOption"):
        assert got[key] == body[key]
    assert got["MaxMemberNum"] == 500


async def test_create_member_list_sample(app: AppHandle) -> None:
    await app.import_accounts("bob", "peter")
    body = {
        "Name": "TestGroup",
        "Type": "Public",
        "MemberList": [{"Member_Account": "bob", "Role": "Admin"}, {"Member_Account": "peter"}],
    }
    got = await info(app, (await app.ok(CREATE, body))["GroupId"])
    assert got["Owner_Account"] == "" and got["MemberNum"] == 2  # no owner: Owner_Account is optional
    assert {m["Member_Account"]: m["Role"] for m in got["MemberList"]} == {"bob": "Admin", "peter": "Member"}


async def test_create_custom_id_sample(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    body = {"Owner_Account": "leckie", "Type": "Public", "GroupId": "MyFirstGroup", "Name": "TestGroup"}
    reply = await app.ok(CREATE, body)
    assert reply["GroupId"] == "MyFirstGroup"


async def test_create_custom_group_data_sample(app: AppHandle) -> None:
    declare(app)
    sample = {
        "Name": "TestGroup",
        "Type": "Public",
        "AppDefinedData": [
            {"Key": "GroupTestData1", "Value": "xxxxx"},
            {"Key": " GroupTestData2", "Value": BINARY},
        ],
    }
    # the sample's second key has a stray leading space: that key is not declared (keys are [A-Za-z0-9_])
    refused = await app.call(CREATE, sample)
    assert_error(refused, 10004)
    assert "' GroupTestData2'" in refused["ErrorInfo"]
    sample["AppDefinedData"][1]["Key"] = "GroupTestData2"
    got = await info(app, (await app.ok(CREATE, sample))["GroupId"])
    assert got["AppDefinedData"] == [
        {"Key": "GroupTestData1", "Value": "xxxxx"},
        {"Key": "GroupTestData2", "Value": BINARY},
    ]


async def test_create_custom_member_data_sample(app: AppHandle) -> None:
    declare(app)
    await app.import_accounts("leckie", "bob", "peter")
    data = [{"Key": "MemberDefined1", "Value": "MemberData1"}, {"Key": "MemberDefined2", "Value": "MemberData2"}]
    body = {
        "Owner_Account": "leckie",
        "Type": "Public",
        "Name": "TestGroup",
        "MemberList": [
            {"Member_Account": "bob", "AppMemberDefinedData": data},
            {"Member_Account": "peter", "AppMemberDefinedData": data},
        ],
    }
    got = await info(app, (await app.ok(CREATE, body))["GroupId"])
    members = {m["Member_Account"]: m for m in got["MemberList"]}
    assert members["bob"]["AppMemberDefinedData"] == data and members["peter"]["AppMemberDefinedData"] == data
    assert members["leckie"]["AppMemberDefinedData"] == []


async def test_create_topic_community_sample(app: AppHandle) -> None:
    reply = await app.ok(CREATE, {"Type": "Community", "Name": "TestCommunityGroup", "SupportTopic": 1})
    assert reply["GroupId"].startswith("@TGS#_@TGS#c")
    assert reply["HugeGroupFlag"] == 0 and reply["Type"] == "Community"
    assert (await info(app, reply["GroupId"]))["SupportTopic"] == 1


async def test_create_all_in_one_sample(app: AppHandle) -> None:
    declare(app)
    await app.import_accounts("leckie", "bob", "peter")
    member_data = [{"Key": "MemberDefined1", "Value": "MemberData1"}, {"Key": "MemberDefined2", "Value": "MemberData2"}]
    body = {
        "Owner_Account": "leckie",
        "Type": "Public",
        "GroupId": "MyFirstGroup",
        "Name": "TestGroup",
        "Introduction": "This is group Introduction",
        "Notification": "This is group Notification",
        "FaceUrl": "http://this.is.face.url",
        "MaxMemberCount": 500,
        "ApplyJoinOption": "FreeAccess",
        "AppDefinedData": [{"Key": "GroupTestData1", "Value": "xxxxx"}, {"Key": "GroupTestData2", "Value": BINARY}],
        "MemberList": [
            {"Member_Account": "bob", "Role": "Admin", "AppMemberDefinedData": member_data},
            {"Member_Account": "peter", "AppMemberDefinedData": member_data},
        ],
    }
    reply = await app.ok(CREATE, body)
    assert reply["GroupId"] == "MyFirstGroup"
    got = await info(app, "MyFirstGroup")
    assert got["MemberNum"] == 3 and got["MaxMemberNum"] == 500
    assert [m["Member_Account"] for m in got["MemberList"]][:2] == ["leckie", "bob"]  # owner, then admins


async def test_create_accepts_max_member_num_and_new_type_names(app: AppHandle) -> None:
    reply = await app.ok(CREATE, {"Type": "Work", "Name": "w", "MaxMemberNum": 30})  # ruling 5, ruling 7
    got = await info(app, reply["GroupId"])
    assert got["Type"] == "Private" and got["MaxMemberNum"] == 30
    got = await info(app, (await app.ok(CREATE, {"Type": "Meeting", "Name": "m"}))["GroupId"])
    assert got["Type"] == "ChatRoom" and got["MaxMemberNum"] == 6000  # the type's ceiling by default


async def test_create_name_limits_count_bytes(app: AppHandle) -> None:
    assert_ok(await app.call(CREATE, {"Type": "Public", "Name": "群" * 10}))  # 30 bytes
    assert_error(await app.call(CREATE, {"Type": "Public", "Name": "群" * 11}), 10004)
    assert_error(await app.call(CREATE, {"Type": "Public", "Name": "n" * 31}), 10004)
    for field, most in (("Introduction", 240), ("Notification", 300), ("FaceUrl", 100)):
        assert_ok(await app.call(CREATE, {"Type": "Public", "Name": "n", field: "x" * most}))
        assert_error(await app.call(CREATE, {"Type": "Public", "Name": "n", field: "x" * (most + 1)}), 10004)


async def test_create_custom_ids(app: AppHandle) -> None:
    assert_ok(await app.call(CREATE, {"Type": "Public", "Name": "n", "GroupId": "g" * 48}))  # ruling 8
    for bad in ("g" * 49, "@TGS#mine", "naïve", "tab\tbed", ""):
        assert_error(await app.call(CREATE, {"Type": "Public", "Name": "n", "GroupId": bad}), 10004)
    assert_error(await app.call(CREATE, {"Type": "Community", "Name": "n", "GroupId": "plain"}), 10004)
    assert_error(await app.call(CREATE, {"Type": "Community", "Name": "n", "GroupId": "@TGS#_@TGS#cX"}), 10004)
    assert (await app.ok(CREATE, {"Type": "Community", "Name": "n", "GroupId": "@TGS#_mine"}))[
        "GroupId"
    ] == "@TGS#_mine"


async def test_custom_id_taken_10021_by_another_10025_by_you(app: AppHandle) -> None:
    await app.import_accounts("leckie", "other")
    body = {"Owner_Account": "leckie", "Type": "Public", "GroupId": "MyFirstGroup", "Name": "TestGroup"}
    await app.ok(CREATE, body)
    assert_error(await app.call(CREATE, body), 10025)
    assert_error(await app.call(CREATE, dict(body, Owner_Account="other")), 10021)
    assert_error(await app.call(CREATE, {"Type": "Public", "GroupId": "MyFirstGroup", "Name": "n"}), 10021)
    await app.ok(CREATE, {"Type": "Public", "GroupId": "Ownerless", "Name": "n"})
    assert_error(await app.call(CREATE, {"Type": "Public", "GroupId": "Ownerless", "Name": "n"}), 10025)


async def test_create_errors_change_nothing(app: AppHandle) -> None:
    declare(app)
    await app.import_accounts("leckie", *(f"u{i}" for i in range(101)))
    base = {"Type": "Public", "Name": "n"}
    many = [{"Member_Account": f"u{i}"} for i in range(101)]
    assert_error(await app.call(CREATE, dict(base, MemberList=many)), 10005)
    assert_error(await app.call(CREATE, {"Type": "AVChatRoom", "Name": "n", "MemberList": many[:1]}), 10007)
    assert_error(await app.call(CREATE, {"Type": "AVChatRoom", "Name": "n", "InviteJoinOption": "FreeAccess"}), 10007)
    assert_error(await app.call(CREATE, dict(base, MaxMemberCount=2, MemberList=many[:3])), 10038)
    for bad in (
        {"Name": "n"},
        {"Type": "BChatRoom", "Name": "n"},
        {"Type": "Public"},
        {"Type": "Public", "Name": ""},
        dict(base, Owner_Account="ghost"),
        dict(base, MemberList=[{"Member_Account": "ghost"}]),
        dict(base, MemberList=[{"Member_Account": "u1", "Role": "Owner"}]),
        {"Type": "Private", "Name": "n", "MemberList": [{"Member_Account": "u1", "Role": "Admin"}]},
        dict(base, MaxMemberCount=6001),
        dict(base, MaxMemberCount=-1),
        dict(base, SupportTopic=1),
        {"Type": "Community", "Name": "n", "SupportTopic": 2},
        dict(base, ApplyJoinOption="Whenever"),
        dict(base, MuteAllMember="Maybe"),
        dict(base, AppDefinedData=[{"Key": "Undeclared", "Value": "v"}]),
        dict(base, AppDefinedData=[{"Key": "GroupTestData1", "Value": "v" * 513}]),
        dict(base, AppDefinedData=[{"Key": "GroupTestData1", "Value": 5}]),
        dict(base, MemberList=[{"Member_Account": "u1", "AppMemberDefinedData": [{"Key": "Nope", "Value": "v"}]}]),
        dict(
            base,
            MemberList=[
                {"Member_Account": "u1", "AppMemberDefinedData": [{"Key": "MemberDefined1", "Value": "v" * 65}]}
            ],
        ),
    ):
        assert_error(await app.call(CREATE, bad), 10004)
    assert await group_count(app) == 0


async def test_create_tells_the_members_and_import_does_not(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    tap = app.server.tap()
    try:
        await app.ok(CREATE, {"Owner_Account": "leckie", "Type": "Public", "Name": "n"})
        created = [e for e in tap.drain() if isinstance(e, FeedEntry)]
        assert [(e.user_id, e.kind) for e in created] == [("leckie", "group.joined")]
        await app.ok(IMPORT, {"Owner_Account": "leckie", "Type": "Public", "Name": "n"})
        assert [e for e in tap.drain() if isinstance(e, FeedEntry)] == []
    finally:
        app.server.untap(tap)


# -- import_group ------------------------------------------------------------------------------------


async def test_import_basic_sample(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    body = {"Owner_Account": "leckie", "Type": "Public", "Name": "TestGroup", "CreateTime": 1448357837}
    reply = await app.ok(IMPORT, body)
    assert reply["GroupId"].startswith("@TGS#2")
    got = await info(app, reply["GroupId"])
    assert got["CreateTime"] == 1448357837 and got["Owner_Account"] == "leckie"
    assert got["MaxMemberNum"] == 2000  # "The default value is 2,000" (seed 13797)
    assert got["MemberList"][0]["JoinTime"] == 1448357837


async def test_import_topic_sample(app: AppHandle) -> None:
    reply = await app.ok(IMPORT, {"Type": "Community", "Name": "test_import_group", "SupportTopic": 1})
    assert reply["GroupId"].startswith("@TGS#_@TGS#c")
    assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId", "GroupId"}


async def test_import_optional_fields_sample(app: AppHandle) -> None:
    declare(app)
    await app.import_accounts("leckie")
    body = {
        "Owner_Account": "leckie",
        "Type": "Public",
        "GroupId": "MyFirstGroup",
        "Name": "TestGroup",
        "Introduction": "This is group Introduction",
        "Notification": "This is group Notification",
        "FaceUrl": "http://this.is.face.url",
        "MaxMemberCount": 500,
        "ApplyJoinOption": "FreeAccess",
        "CreateTime": 1448357837,
        "AppDefinedData": [{"Key": "GroupTestData1", "Value": "xxxxx"}, {"Key": "GroupTestData2", "Value": BINARY}],
    }
    assert (await app.ok(IMPORT, body))["GroupId"] == "MyFirstGroup"
    got = await info(app, "MyFirstGroup")
    assert got["MaxMemberNum"] == 500 and got["ApplyJoinOption"] == "FreeAccess" and got["CreateTime"] == 1448357837


async def test_import_errors(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    assert_error(await app.call(IMPORT, {"Type": "AVChatRoom", "Name": "n"}), 10007)
    body = {"Owner_Account": "leckie", "Type": "Public", "GroupId": "Taken", "Name": "n"}
    await app.ok(IMPORT, body)
    assert_error(await app.call(IMPORT, body), 10021)  # the page documents 10021 alone
    assert_error(await app.call(IMPORT, {"Type": "Public", "Name": "n", "CreateTime": int(time.time()) + 3600}), 10004)
    assert_error(await app.call(IMPORT, {"Type": "Public", "Name": "n", "CreateTime": -5}), 10004)
    assert_error(await app.call(IMPORT, {"Type": "Public", "Name": "n", "MaxMemberCount": 6001}), 10004)
    assert_error(await app.call(IMPORT, {"Type": "Public", "Name": "n", "CreateTime": "yesterday"}), 10004)
    assert (await app.ok(IMPORT, {"Type": "Community", "Name": "n", "MaxMemberCount": 100_000}))["GroupId"]
    assert await group_count(app) == 2


# -- destroy_group -----------------------------------------------------------------------------------


async def test_destroy_sample_and_the_id_is_free_again(app: AppHandle) -> None:
    await app.import_accounts("leckie")
    await app.ok(CREATE, {"Owner_Account": "leckie", "Type": "Public", "GroupId": "@TGS#2J4SZEAEL"[5:], "Name": "n"})
    gid = (await app.ok(CREATE, {"Owner_Account": "leckie", "Type": "Public", "Name": "n"}))["GroupId"]
    reply = await app.ok(DESTROY, {"GroupId": gid})
    assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"}
    assert (await info(app, gid))["ErrorCode"] == 10010
    joined = await app.ok("group_open_http_svc/get_joined_group_list", {"Member_Account": "leckie"})
    assert joined["TotalCount"] == 1  # the other group only
    await app.ok(DESTROY, {"GroupId": "2J4SZEAEL"})
    await app.ok(CREATE, {"Owner_Account": "leckie", "Type": "Public", "GroupId": "2J4SZEAEL", "Name": "n"})


async def test_destroy_errors(app: AppHandle) -> None:
    assert_error(await app.call(DESTROY, {"GroupId": "@TGS#2NOSUCH"}), 10010)
    assert_error(await app.call(DESTROY, {"GroupId": "x" * 200}), 10015)
    assert_error(await app.call(DESTROY, {"GroupId": "bad\x01id"}), 10015)
    assert_error(await app.call(DESTROY, {}), 10004)
    assert_error(await app.call(DESTROY, {"GroupId": 12}), 10004)


async def test_destroy_announces_the_end(app: AppHandle) -> None:
    gid = (await app.ok(CREATE, {"Type": "Public", "Name": "n"}))["GroupId"]
    tap = app.server.tap()
    try:
        await app.ok(DESTROY, {"GroupId": gid})
        kinds = [type(e).__name__ for e in tap.drain()]
        assert "GroupEntry" in kinds and "GroupDestroyed" in kinds
    finally:
        app.server.untap(tap)


# -- modify_group_base_info --------------------------------------------------------------------------


async def public_group(app: AppHandle, **extra: object) -> str:
    await app.import_accounts("leckie")
    body = {"Owner_Account": "leckie", "Type": "Public", "Name": "TestGroup", **extra}
    return (await app.ok(CREATE, body))["GroupId"]


async def test_modify_basic_sample(app: AppHandle) -> None:
    gid = await public_group(app)
    before = await info(app, gid)
    body = {
        "GroupId": gid,
        "Name": "NewName",
        "Introduction": "NewIntroduction",
        "Notification": "NewNotification",
        "FaceUrl": "http://this.is.new.face.url",
        "MaxMemberNum": 500,
        "ApplyJoinOption": "NeedPermission",
        "MuteAllMember": "On",
    }
    reply = await app.ok(MODIFY, body)
    assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"}
    got = await info(app, gid)
    for key in ("Name", "Introduction", "Notification", "FaceUrl", "MaxMemberNum", "ApplyJoinOption", "MuteAllMember"):
        assert got[key] == body[key]
    assert got["InfoSeq"] == before["InfoSeq"] + 1


async def test_modify_custom_data_samples(app: AppHandle) -> None:
    declare(app)
    gid = await public_group(
        app, AppDefinedData=[{"Key": "GroupTestData1", "Value": "old"}, {"Key": "GroupTestData2", "Value": "two"}]
    )
    await app.ok(MODIFY, {"GroupId": gid, "AppDefinedData": [{"Key": "GroupTestData1", "Value": "NewData"}]})
    got = await info(app, gid)
    assert got["AppDefinedData"] == [
        {"Key": "GroupTestData1", "Value": "NewData"},
        {"Key": "GroupTestData2", "Value": "two"},
    ]
    await app.ok(MODIFY, {"GroupId": gid, "AppDefinedData": [{"Key": "GroupTestData2", "Value": ""}]})
    assert (await info(app, gid))["AppDefinedData"] == [{"Key": "GroupTestData1", "Value": "NewData"}]


async def test_modify_all_in_one_sample(app: AppHandle) -> None:
    declare(app)
    gid = await public_group(app, AppDefinedData=[{"Key": "GroupTestData2", "Value": "two"}])
    body = {
        "GroupId": gid,
        "Name": "NewName",
        "Introduction": "NewIntroduction",
        "Notification": "NewNotification",
        "FaceUrl": "http://this.is.new.face.url",
        "MaxMemberNum": 500,
        "ApplyJoinOption": "NeedPermission",
        "MuteAllMember": "On",
        "AppDefinedData": [{"Key": "GroupTestData1", "Value": "NewData"}, {"Key": "GroupTestData2", "Value": ""}],
    }
    await app.ok(MODIFY, body)
    got = await info(app, gid)
    assert got["Name"] == "NewName" and got["MuteAllMember"] == "On"
    assert got["AppDefinedData"] == [{"Key": "GroupTestData1", "Value": "NewData"}]


async def test_modify_older_names_and_invite_option(app: AppHandle) -> None:
    gid = await public_group(app)
    await app.ok(MODIFY, {"GroupId": gid, "ShutUpAllMember": "On"})  # ruling 21
    assert (await info(app, gid))["MuteAllMember"] == "On"
    await app.ok(MODIFY, {"GroupId": gid, "ShutUpAllMember": "Off", "MaxMemberCount": 300})  # ruling 5
    got = await info(app, gid)
    assert got["MuteAllMember"] == "Off" and got["MaxMemberNum"] == 300
    await app.ok(MODIFY, {"GroupId": gid, "InviteJoinOption": "DisableInvite"})
    assert (await info(app, gid))["InviteJoinOption"] == "DisableInvite"


async def test_modify_from_account_is_the_reported_operator(app: AppHandle) -> None:
    gid = await public_group(app)
    await app.import_accounts("forger")
    tap = app.server.tap()
    try:
        await app.ok(MODIFY, {"GroupId": gid, "Name": "n2", "From_Account": "forger"})
        changed = [e for e in tap.drain() if isinstance(e, InfoChanged)]
        assert [(e.operator, e.changes) for e in changed] == [("forger", {"Name": "n2"})]
    finally:
        app.server.untap(tap)
    assert_error(await app.call(MODIFY, {"GroupId": gid, "Name": "n3", "From_Account": "ghost"}), 10004)
    assert (await info(app, gid))["Name"] == "n2"


async def test_modify_live_group_ignores_max_member_num(app: AppHandle) -> None:
    gid = (await app.ok(CREATE, {"Type": "AVChatRoom", "Name": "live"}))["GroupId"]
    await app.ok(MODIFY, {"GroupId": gid, "MaxMemberNum": 10, "Name": "on air"})
    got = await info(app, gid)
    assert got["MaxMemberNum"] == 0 and got["Name"] == "on air"


async def test_modify_errors_change_nothing(app: AppHandle) -> None:
    declare(app)
    await app.import_accounts("u1", "u2")
    gid = await public_group(app, MemberList=[{"Member_Account": "u1"}, {"Member_Account": "u2"}])
    community = (await app.ok(CREATE, {"Type": "Community", "Name": "c"}))["GroupId"]
    live = (await app.ok(CREATE, {"Type": "AVChatRoom", "Name": "l"}))["GroupId"]
    assert_error(await app.call(MODIFY, {"GroupId": "@TGS#2NOSUCH", "Name": "x"}), 10010)
    assert_error(await app.call(MODIFY, {"GroupId": "z" * 129, "Name": "x"}), 10015)
    assert_error(await app.call(MODIFY, {"Name": "x"}), 10004)
    for bad in (
        {"Name": "n" * 31},
        {"Name": ""},
        {"Introduction": "i" * 241},
        {"MuteAllMember": "Yes"},
        {"ShutUpAllMember": "Yes"},
        {"ApplyJoinOption": "Sometimes"},
        {"InviteJoinOption": "Sometimes"},
        {"MaxMemberNum": 6001},
        {"MaxMemberNum": 2},  # below the 3 members
        {"AppDefinedData": [{"Key": "Undeclared", "Value": "v"}]},
        {"AppDefinedData": [{"Key": "GroupTestData1", "Value": "v" * 513}]},
    ):
        assert_error(await app.call(MODIFY, {"GroupId": gid, **bad}), 10004)
        if "Name" not in bad:  # a valid change beside a bad one is not made either
            assert_error(await app.call(MODIFY, {"GroupId": gid, "Name": "Changed", **bad}), 10004)
    assert_error(await app.call(MODIFY, {"GroupId": community, "ApplyJoinOption": "FreeAccess"}), 10007)
    assert_error(await app.call(MODIFY, {"GroupId": live, "InviteJoinOption": "FreeAccess"}), 10007)
    assert_error(await app.call(MODIFY, {"GroupId": community, "EnablePermission": 1}), 10007)
    got = await info(app, gid)
    assert got["Name"] == "TestGroup" and got["InfoSeq"] == 1 and got["MaxMemberNum"] == 6000


# -- confab app group-field ---------------------------------------------------------------------------


def run_cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFAB_")}
    env.update(CONFAB_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", CONFAB_CONFIG="")
    return subprocess.run([sys.executable, "-m", "confab", *args], env=env, capture_output=True, text=True, timeout=60)


def test_cli_group_field(tmp_path: Path) -> None:
    assert run_cli(["app", "create", "--sdkappid", "1400000001"], tmp_path).returncode == 0
    declared = run_cli(["app", "group-field", "1400000001", "Level", "--max-len", "16", "--read", "member"], tmp_path)
    assert declared.returncode == 0, declared.stderr
    settings = json.loads(declared.stdout)["Settings"]
    assert settings["custom_group_fields"]["Level"] == {"max_len": 16, "read": "member", "write": "admin"}
    member = run_cli(["app", "group-field", "1400000001", "Nick", "--member", "--write", "self"], tmp_path)
    fields = json.loads(member.stdout)["Settings"]["custom_group_member_fields"]
    assert fields["Nick"] == {"max_len": 0, "read": "anyone", "write": "self"}
    too_long = run_cli(["app", "group-field", "1400000001", "Nick", "--member", "--max-len", "65"], tmp_path)
    assert too_long.returncode == 2 and "64" in too_long.stderr
    bad_key = run_cli(["app", "group-field", "1400000001", "no-dash"], tmp_path)
    assert bad_key.returncode == 2 and "A-Z a-z 0-9 _" in bad_key.stderr
    bad_level = run_cli(["app", "group-field", "1400000001", "K", "--read", "boss"], tmp_path)
    assert bad_level.returncode == 2
    for i in range(9):
        assert run_cli(["app", "group-field", "1400000001", f"K{i}"], tmp_path).returncode == 0
    eleventh = run_cli(["app", "group-field", "1400000001", "K10"], tmp_path)
    assert eleventh.returncode == 2 and "at most 10" in eleventh.stderr
    removed = run_cli(["app", "group-field", "1400000001", "Level", "--remove"], tmp_path)
    assert "Level" not in json.loads(removed.stdout)["Settings"]["custom_group_fields"]


@pytest.fixture(autouse=True)
def _no_listing_rate_limit(request: pytest.FixtureRequest) -> None:
    """get_appid_group_list allows 1 call/s (seed 11268); these tests count groups more often."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.set(rate_limits={"group_open_http_svc/get_appid_group_list": 0})
