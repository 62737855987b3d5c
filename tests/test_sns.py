"""sns/*: friends, friend lists and blocklists against a real server (seed 004 lines 22852-26862)."""

from __future__ import annotations

import msgspec
import pytest

from confab.domain import hooks
from confab.domain.apps import CustomField
from confab.domain.feed import FeedEntry
from confab.domain.sns.state import BlocklistAdded, FriendRequested, FriendsAdded
from tests.support import AppHandle, assert_error, assert_ok

ADD = "sns/friend_add"
IMPORT = "sns/friend_import"
UPDATE = "sns/friend_update"
DELETE = "sns/friend_delete"
DELETE_ALL = "sns/friend_delete_all"
CHECK = "sns/friend_check"
GET = "sns/friend_get"
GET_LIST = "sns/friend_get_list"
GROUP_ADD = "sns/group_add"
GROUP_DELETE = "sns/group_delete"
GROUP_GET = "sns/group_get"
BLACK_ADD = "sns/black_list_add"
BLACK_DELETE = "sns/black_list_delete"
BLACK_GET = "sns/black_list_get"
BLACK_CHECK = "sns/black_list_check"
PORTRAIT_SET = "profile/portrait_set"


async def allow(app: AppHandle, user: str, allow_type: str) -> None:
    await app.ok(
        PORTRAIT_SET, {"From_Account": user, "ProfileItem": [{"Tag": "Tag_Profile_IM_AllowType", "Value": allow_type}]}
    )


async def check(app: AppHandle, owner: str, others: list[str], kind: str = "CheckResult_Type_Both") -> dict[str, str]:
    reply = await app.ok(CHECK, {"From_Account": owner, "To_Account": others, "CheckType": kind})
    return {i["To_Account"]: i["Relation"] for i in reply["InfoItem"]}


def with_custom_friend_fields(app: AppHandle, **decls: CustomField) -> None:
    fields = dict(app.app.settings.custom_friend_fields)
    fields.update(decls)
    app.update(settings=msgspec.structs.replace(app.app.settings, custom_friend_fields=fields))


@pytest.fixture
async def people(app: AppHandle) -> AppHandle:
    await app.import_accounts("id", "id1", "id2", "id3", "id4", "id5")
    for user in ("id", "id1", "id2", "id3", "id4", "id5"):
        await allow(app, user, "AllowType_Type_AllowAny")
    return app


async def test_friend_add_seed_samples(people: AppHandle) -> None:
    tap = people.server.tap()
    try:
        basic = await people.call(
            ADD,
            {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1", "AddSource": "AddSource_Type_XXXXXXXX"}]},
        )
        events = [e for e in tap.drain() if e.sdkappid == people.sdkappid]
    finally:
        people.server.untap(tap)
    assert_ok(basic)
    assert basic["ResultItem"] == [{"To_Account": "id1", "ResultCode": 0, "ResultInfo": ""}]
    assert "Fail_Account" not in basic and basic["ErrorDisplay"] == ""
    assert (await check(people, "id", ["id1"]))["id1"] == "CheckResult_Type_BothWay"  # Add_Type_Both by default
    assert [e.friends for e in events if isinstance(e, FriendsAdded)] == [["id1"]]
    assert sorted(e.user_id for e in events if isinstance(e, FeedEntry) and e.kind == "sns.friend_add") == ["id", "id1"]

    complete = await people.ok(
        ADD,
        {
            "From_Account": "id",
            "AddFriendItem": [
                {
                    "To_Account": "id2",
                    "Remark": "remark1",
                    "GroupName": "Classmates",
                    "AddSource": "AddSource_Type_XXXXXXXX",
                    "AddWording": "I'm Test1",
                }
            ],
            "AddType": "Add_Type_Both",
            "ForceAddFlags": 1,
        },
    )
    assert complete["ResultItem"][0]["ResultCode"] == 0
    single = await people.ok(
        ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id3"}], "AddType": "Add_Type_Single"}
    )
    assert single["ResultItem"][0]["ResultCode"] == 0
    assert await check(people, "id", ["id2", "id3", "id4"]) == {
        "id2": "CheckResult_Type_BothWay",
        "id3": "CheckResult_Type_AWithB",
        "id4": "CheckResult_Type_NoRelation",
    }
    assert await check(people, "id3", ["id"]) == {"id": "CheckResult_Type_BWithA"}


async def test_allow_type_decides_added_pending_or_refused(people: AppHandle) -> None:
    await allow(people, "id4", "AllowType_Type_NeedConfirm")
    await allow(people, "id5", "AllowType_Type_DenyAny")
    tap = people.server.tap()
    try:
        reply = await people.ok(
            ADD,
            {
                "From_Account": "id",
                "AddFriendItem": [
                    {"To_Account": "id1"},
                    {"To_Account": "id4", "AddWording": "hello"},
                    {"To_Account": "id5"},
                ],
            },
        )
        events = [e for e in tap.drain() if e.sdkappid == people.sdkappid]
    finally:
        people.server.untap(tap)
    codes = {r["To_Account"]: r["ResultCode"] for r in reply["ResultItem"]}
    assert codes == {"id1": 0, "id4": 30539, "id5": 30516}
    assert reply["Fail_Account"] == ["id5"]  # a pending request is not a failure
    assert [(e.requester, e.target) for e in events if isinstance(e, FriendRequested)] == [("id", "id4")]
    assert any(isinstance(e, FeedEntry) and e.user_id == "id4" and e.kind == "sns.request" for e in events)
    assert (await check(people, "id", ["id4"]))["id4"] == "CheckResult_Type_NoRelation"
    # id4 answers with a mutual add: the request becomes a friendship both ways
    answer = await people.ok(
        ADD, {"From_Account": "id4", "AddFriendItem": [{"To_Account": "id"}], "AddType": "Add_Type_Single"}
    )
    assert answer["ResultItem"][0]["ResultCode"] == 0
    assert (await check(people, "id", ["id4"]))["id4"] == "CheckResult_Type_BothWay"
    # the admin may force past DenyAny
    forced = await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id5"}], "ForceAddFlags": 1})
    assert forced["ResultItem"][0]["ResultCode"] == 0


async def test_friend_requests_through_the_domain(people: AppHandle) -> None:
    """The gateway's accept/refuse calls."""
    from confab.domain.sns import requests

    await allow(people, "id4", "AllowType_Type_NeedConfirm")
    await allow(people, "id5", "AllowType_Type_NeedConfirm")
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id4"}, {"To_Account": "id5"}]})
    rt = people.server.runtime

    async def run(coro_fn):
        app = await rt.apps.get(people.sdkappid)
        return await coro_fn(app)

    listed = people.server.run(run(lambda app: requests.pending(rt, app, "id4")))
    assert [r["From_Account"] for r in listed["Incoming"]] == ["id"]
    outgoing = people.server.run(run(lambda app: requests.pending(rt, app, "id")))["Outgoing"]
    assert sorted(r["To_Account"] for r in outgoing) == ["id4", "id5"]
    accepted = people.server.run(run(lambda app: requests.accept(rt, app, "id4", "id")))
    assert accepted["ResultCode"] == 0
    people.server.run(run(lambda app: requests.refuse(rt, app, "id5", "id")))
    assert await check(people, "id", ["id4", "id5"]) == {
        "id4": "CheckResult_Type_BothWay",
        "id5": "CheckResult_Type_NoRelation",
    }
    assert people.server.run(run(lambda app: requests.pending(rt, app, "id")))["Outgoing"] == []


async def test_friend_add_error_codes(people: AppHandle) -> None:
    await people.ok(BLACK_ADD, {"From_Account": "id", "To_Account": ["id2"]})
    await people.ok(BLACK_ADD, {"From_Account": "id3", "To_Account": ["id"]})
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}]})
    reply = await people.ok(
        ADD,
        {
            "From_Account": "id",
            "AddFriendItem": [
                {"To_Account": "ghost"},
                {"To_Account": "id"},
                {"To_Account": "id1"},
                {"To_Account": "id2"},
                {"To_Account": "id3"},
                {"To_Account": "id4", "Remark": "r" * 97},
                {"To_Account": "id5", "AddSource": "bad"},
            ],
        },
    )
    codes = {r["To_Account"]: r["ResultCode"] for r in reply["ResultItem"]}
    assert codes == {"ghost": 30003, "id": 30001, "id1": 30001, "id2": 30515, "id3": 30525, "id4": 30001, "id5": 30001}
    await people.ok(
        PORTRAIT_SET,
        {
            "From_Account": "id4",
            "ProfileItem": [{"Tag": "Tag_Profile_IM_AdminForbidType", "Value": "AdminForbid_Type_SendOut"}],
        },
    )
    banned = await people.ok(ADD, {"From_Account": "id4", "AddFriendItem": [{"To_Account": "id5"}]})
    assert banned["ResultItem"][0]["ResultCode"] == 30009
    many = [f"g{n}" for n in range(33)]
    lists_full = await people.ok(
        ADD,
        {"From_Account": "id5", "AddFriendItem": [{"To_Account": f"id{n}", "GroupName": many[n]} for n in range(1, 3)]},
    )
    assert [r["ResultCode"] for r in lists_full["ResultItem"]] == [0, 0]
    await people.ok(GROUP_ADD, {"From_Account": "id5", "GroupName": many[2:33]})
    over = await people.ok(ADD, {"From_Account": "id5", "AddFriendItem": [{"To_Account": "id3", "GroupName": "g0"}]})
    assert over["ResultItem"][0]["ResultCode"] == 30011
    assert_error(await people.call(ADD, {"From_Account": "ghost", "AddFriendItem": [{"To_Account": "id1"}]}), 30003)
    assert_error(await people.call(ADD, {"From_Account": "id", "AddFriendItem": []}), 30001)
    assert_error(
        await people.call(
            ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}], "AddType": "Add_Type_Other"}
        ),
        30001,
    )
    assert_error(await people.call(ADD, b"{"), 30001)
    assert_error(await people.client("id").call(ADD, {"From_Account": "id", "AddFriendItem": []}), 30004)


async def test_friend_limits_3000_and_pending_1000(app: AppHandle) -> None:
    app.set(rate_limits={"*": 0})
    fans = [f"f{n:04d}" for n in range(3001)]
    await app.import_accounts("star", "late", *fans)
    for start in range(0, 3000, 500):
        items = [{"To_Account": f, "AddSource": "AddSource_Type_Test"} for f in fans[start : start + 500]]
        reply = await app.ok(IMPORT, {"From_Account": "star", "AddFriendItem": items})
        assert "Fail_Account" not in reply
    full = await app.ok(
        IMPORT,
        {"From_Account": "star", "AddFriendItem": [{"To_Account": fans[3000], "AddSource": "AddSource_Type_Test"}]},
    )
    assert full["ResultItem"][0]["ResultCode"] == 30010
    forced = await app.ok(ADD, {"From_Account": "star", "AddFriendItem": [{"To_Account": "late"}], "ForceAddFlags": 1})
    assert forced["ResultItem"][0]["ResultCode"] == 30010
    peer_full = await app.ok(
        ADD, {"From_Account": "late", "AddFriendItem": [{"To_Account": "star"}], "ForceAddFlags": 1}
    )
    assert peer_full["ResultItem"][0]["ResultCode"] == 30014
    # friend_get pages through all 3,000 with no gap and no duplicate
    seen: list[str] = []
    start = 0
    while True:
        page = await app.ok(GET, {"From_Account": "star", "StartIndex": start})
        assert page["FriendNum"] == 3000
        seen.extend(item["To_Account"] for item in page["UserDataItem"])
        if page["CompleteFlag"]:
            assert page["NextStartIndex"] == 0
            break
        start = page["NextStartIndex"]
    assert len(seen) == len(set(seen)) == 3000
    assert set(seen) == set(fans[:3000])
    # 1,000 pending requests at most (default AllowType NeedConfirm)
    for begin in range(0, 1000, 100):
        reply = await app.ok(
            ADD, {"From_Account": fans[3000], "AddFriendItem": [{"To_Account": f} for f in fans[begin : begin + 100]]}
        )
        assert {r["ResultCode"] for r in reply["ResultItem"]} == {30539}
    more = await app.ok(ADD, {"From_Account": fans[3000], "AddFriendItem": [{"To_Account": fans[1000]}]})
    assert more["ResultItem"][0]["ResultCode"] == 30012


async def test_friend_import_seed_samples_and_custom_fields(people: AppHandle) -> None:
    with_custom_friend_fields(
        people, Tag_SNS_Custom_XXXX=CustomField(), Tag_SNS_Custom_YYYY=CustomField(type="integer")
    )
    reply = await people.call(
        IMPORT,
        {
            "From_Account": "id",
            "AddFriendItem": [
                {"To_Account": "id1", "AddSource": "AddSource_Type_XXXXXXXX"},
                {
                    "To_Account": "id2",
                    "Remark": "remark2",
                    "RemarkTime": 1420000001,
                    "GroupName": ["Friends"],
                    "AddSource": "AddSource_Type_XXXXXXXX",
                    "AddWording": "I'm Test2",
                    "AddTime": 1420000001,
                },
                {
                    "To_Account": "id3",
                    "Remark": "remark3",
                    "RemarkTime": 1420000001,
                    "GroupName": ["Colleagues", "Friends"],
                    "AddSource": "AddSource_Type_XXXXXXXX",
                    "AddWording": "I'm Test3",
                    "AddTime": 1420000001,
                    "CustomItem": [
                        {"Tag": "Tag_SNS_Custom_XXXX", "Value": "Test"},
                        {"Tag": "Tag_SNS_Custom_YYYY", "Value": 0},
                    ],
                },
            ],
        },
    )
    assert_ok(reply)
    assert [r["ResultCode"] for r in reply["ResultItem"]] == [0, 0, 0]
    assert await check(people, "id", ["id1"], "CheckResult_Type_Both") == {"id1": "CheckResult_Type_AWithB"}
    got = await people.ok(GET, {"From_Account": "id", "StartIndex": 0, "StandardSequence": 0, "CustomSequence": 0})
    by = {i["To_Account"]: {v["Tag"]: v["Value"] for v in i["ValueItem"]} for i in got["UserDataItem"]}
    assert by["id3"] == {
        "Tag_SNS_IM_AddSource": "AddSource_Type_XXXXXXXX",
        "Tag_SNS_IM_Remark": "remark3",
        "Tag_SNS_IM_Group": ["Colleagues", "Friends"],
        "Tag_SNS_IM_AddWording": "I'm Test3",
        "Tag_SNS_IM_AddTime": 1420000001,
        "Tag_SNS_Custom_XXXX": "Test",
        "Tag_SNS_Custom_YYYY": 0,
    }
    assert got["FriendNum"] == 3 and got["CompleteFlag"] == 1 and got["NextStartIndex"] == 0
    # same sequences back: nothing to send again
    again = await people.ok(
        GET,
        {
            "From_Account": "id",
            "StartIndex": 0,
            "StandardSequence": got["StandardSequence"],
            "CustomSequence": got["CustomSequence"],
        },
    )
    assert all(i["ValueItem"] == [] for i in again["UserDataItem"])
    bad = await people.ok(
        IMPORT,
        {
            "From_Account": "id",
            "AddFriendItem": [
                {"To_Account": "id4"},
                {
                    "To_Account": "id5",
                    "AddSource": "AddSource_Type_X",
                    "CustomItem": [{"Tag": "Tag_SNS_Custom_Nope", "Value": 1}],
                },
                {"To_Account": "ghost", "AddSource": "AddSource_Type_X"},
            ],
        },
    )
    assert [r["ResultCode"] for r in bad["ResultItem"]] == [30001, 30001, 30003]
    assert bad["Fail_Account"] == ["id4", "id5", "ghost"]


async def test_friend_update_seed_samples(people: AppHandle) -> None:
    with_custom_friend_fields(people, Tag_SNS_Custom_Test=CustomField())
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": f"id{n}"} for n in (1, 2, 3)]})
    before = await people.ok(GET, {"From_Account": "id", "StartIndex": 0})
    reply = await people.ok(
        UPDATE,
        {
            "From_Account": "id",
            "UpdateItem": [
                {"To_Account": "id1", "SnsItem": [{"Tag": "Tag_SNS_IM_Remark", "Value": "remark1"}]},
                {
                    "To_Account": "id2",
                    "SnsItem": [
                        {"Tag": "Tag_SNS_IM_Remark", "Value": "remark2"},
                        {"Tag": "Tag_SNS_IM_Group", "Value": ["group1", "group2"]},
                    ],
                },
                {
                    "To_Account": "id3",
                    "SnsItem": [
                        {"Tag": "Tag_SNS_IM_Remark", "Value": "remark3"},
                        {"Tag": "Tag_SNS_IM_Group", "Value": ["group3"]},
                        {"Tag": "Tag_SNS_Custom_Test", "Value": "test"},
                    ],
                },
                {"To_Account": "id4", "SnsItem": [{"Tag": "Tag_SNS_IM_Remark", "Value": "x"}]},
                {"To_Account": "id1", "SnsItem": [{"Tag": "Tag_SNS_IM_AddSource", "Value": "AddSource_Type_X"}]},
            ],
        },
    )
    assert [r["ResultCode"] for r in reply["ResultItem"]] == [0, 0, 0, 30001, 30001]
    listed = await people.ok(
        GET_LIST,
        {
            "From_Account": "id",
            "To_Account": ["id3"],
            "TagList": ["Tag_SNS_IM_Remark", "Tag_SNS_IM_Group", "Tag_SNS_Custom_Test"],
        },
    )
    values = {v["Tag"]: v["Value"] for v in listed["InfoItem"][0]["SnsProfileItem"]}
    assert values == {"Tag_SNS_IM_Remark": "remark3", "Tag_SNS_IM_Group": ["group3"], "Tag_SNS_Custom_Test": "test"}
    after = await people.ok(GET, {"From_Account": "id", "StartIndex": 0})
    assert after["StandardSequence"] > before["StandardSequence"]
    assert after["CustomSequence"] > before["CustomSequence"]
    lists = await people.ok(GROUP_GET, {"From_Account": "id", "NeedFriend": "Need_Friend_Type_Yes"})
    assert {i["GroupName"]: i["To_Account"] for i in lists["ResultItem"]} == {
        "group1": ["id2"],
        "group2": ["id2"],
        "group3": ["id3"],
    }


async def test_friend_get_list_seed_sample(people: AppHandle) -> None:
    settings = msgspec.structs.replace(
        people.app.settings,
        custom_profile_fields={"Tag_Profile_Custom_Test": CustomField()},
        custom_friend_fields={"Tag_SNS_Custom_Test": CustomField()},
    )
    people.update(settings=settings)
    await people.import_accounts("UserID_1", "UserID_2", "UserID_3", "UserID_4")
    await people.ok(
        IMPORT,
        {
            "From_Account": "UserID_1",
            "AddFriendItem": [
                {
                    "To_Account": f"UserID_{n}",
                    "AddSource": "AddSource_Type_X",
                    "Remark": f"remark_{n}",
                    "GroupName": ["group1", "group2"],
                    "CustomItem": [{"Tag": "Tag_SNS_Custom_Test", "Value": f"custom_sns_{n}"}],
                }
                for n in (2, 3)
            ],
        },
    )
    for n in (2, 3):
        await people.ok(
            PORTRAIT_SET,
            {
                "From_Account": f"UserID_{n}",
                "ProfileItem": [
                    {"Tag": "Tag_Profile_IM_Nick", "Value": f"nick_{n}"},
                    {"Tag": "Tag_Profile_Custom_Test", "Value": f"custom_profile_{n}"},
                ],
            },
        )
    tags = [
        "Tag_Profile_Custom_Test",
        "Tag_Profile_IM_Image",
        "Tag_Profile_IM_Nick",
        "Tag_SNS_Custom_Test",
        "Tag_SNS_IM_Remark",
        "Tag_SNS_IM_Group",
    ]
    reply = await people.ok(
        GET_LIST, {"From_Account": "UserID_1", "To_Account": ["UserID_2", "UserID_3", "UserID_4"], "TagList": tags}
    )
    first = {v["Tag"]: v["Value"] for v in reply["InfoItem"][0]["SnsProfileItem"]}
    assert first["Tag_SNS_IM_Remark"] == "remark_2" and first["Tag_SNS_IM_Group"] == ["group1", "group2"]
    assert first["Tag_Profile_IM_Nick"] == "nick_2" and first["Tag_SNS_Custom_Test"] == "custom_sns_2"
    assert first["Tag_Profile_Custom_Test"] == "custom_profile_2"
    assert reply["InfoItem"][2] == {
        "To_Account": "UserID_4",
        "ResultCode": 30001,
        "ResultInfo": "Err_SNS_FriendGetList_Friend_Not_Exist",
    }
    assert reply["Fail_Account"] == ["UserID_4"]
    assert_error(
        await people.call(GET_LIST, {"From_Account": "UserID_1", "To_Account": ["UserID_2"], "TagList": ["Tag_Nope"]}),
        30001,
    )
    assert_error(
        await people.call(
            GET_LIST,
            {"From_Account": "UserID_1", "To_Account": [f"u{n}" for n in range(101)], "TagList": ["Tag_SNS_IM_Remark"]},
        ),
        30001,
    )
    assert_error(
        await people.call(
            GET_LIST, {"From_Account": "ghost", "To_Account": ["UserID_2"], "TagList": ["Tag_SNS_IM_Remark"]}
        ),
        30003,
    )


async def test_friend_delete_single_and_both(people: AppHandle) -> None:
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": f"id{n}"} for n in (1, 2, 3)]})
    one = await people.ok(DELETE, {"From_Account": "id", "To_Account": ["id1"], "DeleteType": "Delete_Type_Single"})
    assert one["ResultItem"] == [{"To_Account": "id1", "ResultCode": 0, "ResultInfo": ""}]
    both = await people.ok(
        DELETE, {"From_Account": "id", "To_Account": ["id2", "id4"], "DeleteType": "Delete_Type_Both"}
    )
    assert [r["ResultCode"] for r in both["ResultItem"]] == [0, 31704]
    assert await check(people, "id", ["id1", "id2", "id3"]) == {
        "id1": "CheckResult_Type_BWithA",
        "id2": "CheckResult_Type_NoRelation",
        "id3": "CheckResult_Type_BothWay",
    }
    assert_error(await people.call(DELETE, {"From_Account": "id", "To_Account": []}), 30001)
    assert_error(await people.call(DELETE, {"From_Account": "id", "To_Account": ["id1"], "DeleteType": "x"}), 30001)
    assert_error(await people.call(DELETE, {"From_Account": "ghost", "To_Account": ["id1"]}), 30003)
    assert_error(await people.call(DELETE, {"From_Account": "id", "To_Account": [f"u{n}" for n in range(1001)]}), 30001)


async def test_friend_delete_all(people: AppHandle) -> None:
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": f"id{n}"} for n in (1, 2)]})
    await people.ok(ADD, {"From_Account": "id3", "AddFriendItem": [{"To_Account": "id4"}]})
    assert_ok(await people.call(DELETE_ALL, {"From_Account": "id"}))
    assert await check(people, "id", ["id1", "id2"]) == {
        "id1": "CheckResult_Type_BWithA",
        "id2": "CheckResult_Type_BWithA",
    }
    await people.ok(DELETE_ALL, {"From_Account": "id3", "DeleteType": "Delete_Type_Both"})
    assert await check(people, "id3", ["id4"]) == {"id4": "CheckResult_Type_NoRelation"}
    assert_error(await people.call(DELETE_ALL, {"From_Account": "ghost"}), 30003)
    assert_error(await people.call(DELETE_ALL, {}), 30001)


async def test_friend_check_seed_sample_and_codes(people: AppHandle) -> None:
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}]})
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id2"}], "AddType": "Add_Type_Single"})
    await people.ok(ADD, {"From_Account": "id3", "AddFriendItem": [{"To_Account": "id"}], "AddType": "Add_Type_Single"})
    reply = await people.ok(
        CHECK,
        {
            "From_Account": "id",
            "To_Account": ["id1", "id2", "id3", "id4", "ghost"],
            "CheckType": "CheckResult_Type_Both",
        },
    )
    assert [(i["To_Account"], i["Relation"], i["ResultCode"]) for i in reply["InfoItem"]] == [
        ("id1", "CheckResult_Type_BothWay", 0),
        ("id2", "CheckResult_Type_AWithB", 0),
        ("id3", "CheckResult_Type_BWithA", 0),
        ("id4", "CheckResult_Type_NoRelation", 0),
        ("ghost", "CheckResult_Type_NoRelation", 30003),
    ]
    assert reply["Fail_Account"] == ["ghost"]
    single = await check(people, "id", ["id3"], "CheckResult_Type_Single")
    assert single == {"id3": "CheckResult_Type_NoRelation"}  # Single looks at the caller's list only
    assert_error(await people.call(CHECK, {"From_Account": "id", "To_Account": ["id1"], "CheckType": "x"}), 30001)
    assert_error(
        await people.call(
            CHECK, {"From_Account": "ghost", "To_Account": ["id1"], "CheckType": "CheckResult_Type_Both"}
        ),
        30003,
    )


async def test_friend_lists_seed_samples(people: AppHandle) -> None:
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}]})
    basic = await people.ok(GROUP_ADD, {"From_Account": "id", "GroupName": ["group1", "group2", "group3"]})
    assert basic["CurrentSequence"] >= 1 and "ResultItem" not in basic
    complete = await people.ok(
        GROUP_ADD, {"From_Account": "id", "GroupName": ["group4"], "To_Account": ["id1", "id2", "ghost"]}
    )
    assert [(r["To_Account"], r["ResultCode"]) for r in complete["ResultItem"]] == [
        ("id1", 0),
        ("id2", 32216),
        ("ghost", 32216),
    ]
    assert complete["Fail_Account"] == ["id2", "ghost"]
    assert complete["CurrentSequence"] > basic["CurrentSequence"]
    got = await people.ok(GROUP_GET, {"From_Account": "id"})
    assert got["ResultItem"] == [{"GroupName": f"group{n}", "FriendNumber": 1 if n == 4 else 0} for n in (1, 2, 3, 4)]
    named = await people.ok(
        GROUP_GET, {"From_Account": "id", "NeedFriend": "Need_Friend_Type_Yes", "GroupName": ["group4"]}
    )
    assert named["ResultItem"] == [{"GroupName": "group4", "FriendNumber": 1, "To_Account": ["id1"]}]
    deleted = await people.ok(GROUP_DELETE, {"From_Account": "id", "GroupName": ["group4", "group1"]})
    assert deleted["CurrentSequence"] > complete["CurrentSequence"]
    assert [i["GroupName"] for i in (await people.ok(GROUP_GET, {"From_Account": "id"}))["ResultItem"]] == [
        "group2",
        "group3",
    ]
    assert_error(await people.call(GROUP_ADD, {"From_Account": "id", "GroupName": [f"x{n}" for n in range(31)]}), 30011)
    assert_error(await people.call(GROUP_ADD, {"From_Account": "id", "GroupName": ["n" * 31]}), 30001)
    assert_error(await people.call(GROUP_ADD, {"From_Account": "ghost", "GroupName": ["a"]}), 30003)
    assert_error(await people.call(GROUP_DELETE, {"From_Account": "id", "GroupName": ["nope"]}), 30001)
    assert_error(await people.call(GROUP_DELETE, {"From_Account": "ghost", "GroupName": ["a"]}), 30003)
    assert_error(await people.call(GROUP_GET, {"From_Account": "ghost"}), 30003)
    assert_error(await people.call(GROUP_GET, {"From_Account": "id", "NeedFriend": "yes"}), 30001)


async def test_blocklist_seed_samples(people: AppHandle) -> None:
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}]})
    await people.ok(BLACK_ADD, {"From_Account": "id", "To_Account": ["id2"]})
    tap = people.server.tap()
    try:
        reply = await people.ok(BLACK_ADD, {"From_Account": "id", "To_Account": ["id1", "id2", "ghost"]})
        events = [e for e in tap.drain() if e.sdkappid == people.sdkappid]
    finally:
        people.server.untap(tap)
    assert [(r["To_Account"], r["ResultCode"]) for r in reply["ResultItem"]] == [
        ("id1", 0),
        ("id2", 30001),
        ("ghost", 30003),
    ]
    assert reply["Fail_Account"] == ["id2", "ghost"]
    assert [e.targets for e in events if isinstance(e, BlocklistAdded)] == [["id1"]]
    # blocking ended the friendship both ways
    assert (await check(people, "id", ["id1"]))["id1"] == "CheckResult_Type_NoRelation"
    page = await people.ok(BLACK_GET, {"From_Account": "id", "StartIndex": 0, "MaxLimited": 1, "LastSequence": 0})
    assert len(page["BlackListItem"]) == 1 and page["StartIndex"] == 1
    rest = await people.ok(BLACK_GET, {"From_Account": "id", "StartIndex": 1, "MaxLimited": 30, "LastSequence": 0})
    assert rest["StartIndex"] == 0
    assert {i["To_Account"] for i in page["BlackListItem"] + rest["BlackListItem"]} == {"id1", "id2"}
    assert rest["CurruentSequence"] == 2
    await people.ok(BLACK_ADD, {"From_Account": "id3", "To_Account": ["id"]})
    await people.ok(BLACK_ADD, {"From_Account": "id1", "To_Account": ["id"]})
    checked = await people.ok(
        BLACK_CHECK,
        {"From_Account": "id", "To_Account": ["id1", "id2", "id3", "id4"], "CheckType": "BlackCheckResult_Type_Both"},
    )
    assert [i["Relation"] for i in checked["BlackListCheckItem"]] == [
        "BlackCheckResult_Type_BothWay",
        "BlackCheckResult_Type_AWithB",
        "BlackCheckResult_Type_BWithA",
        "BlackCheckResult_Type_NO",
    ]
    removed = await people.ok(BLACK_DELETE, {"From_Account": "id", "To_Account": ["id1", "id4"]})
    assert [r["ResultCode"] for r in removed["ResultItem"]] == [0, 30001]
    assert (await people.ok(BLACK_GET, {"From_Account": "id", "StartIndex": 0, "MaxLimited": 30, "LastSequence": 0}))[
        "CurruentSequence"
    ] == 3


async def test_blocklist_error_codes_and_limit(people: AppHandle) -> None:
    people.set(rate_limits={"*": 0})
    many = [f"b{n:04d}" for n in range(1001)]
    await people.import_accounts(*many)
    reply = await people.ok(BLACK_ADD, {"From_Account": "id", "To_Account": many[:1000]})
    assert "Fail_Account" not in reply
    full = await people.ok(BLACK_ADD, {"From_Account": "id", "To_Account": [many[1000], "id"]})
    assert [r["ResultCode"] for r in full["ResultItem"]] == [30013, 30001]
    assert_error(await people.call(BLACK_ADD, {"From_Account": "id", "To_Account": [*many, "x"]}), 30001)
    assert_error(await people.call(BLACK_ADD, {"From_Account": "ghost", "To_Account": ["id1"]}), 30003)
    assert_error(await people.call(BLACK_DELETE, {"From_Account": "ghost", "To_Account": ["id1"]}), 30003)
    assert_error(
        await people.call(BLACK_GET, {"From_Account": "id", "StartIndex": 0, "MaxLimited": 0, "LastSequence": 0}), 30001
    )
    assert_error(
        await people.call(BLACK_GET, {"From_Account": "ghost", "StartIndex": 0, "MaxLimited": 5, "LastSequence": 0}),
        30003,
    )
    assert_error(await people.call(BLACK_CHECK, {"From_Account": "id", "To_Account": ["id1"], "CheckType": "?"}), 30001)
    assert_error(
        await people.call(
            BLACK_CHECK, {"From_Account": "ghost", "To_Account": ["id1"], "CheckType": "BlackCheckResult_Type_Single"}
        ),
        30003,
    )
    assert_error(await people.client("id").call(BLACK_ADD, {"From_Account": "id", "To_Account": ["id1"]}), 30004)


async def test_user_sends_checks_blocklist_20007_and_friendship_20009(people: AppHandle) -> None:
    """The rules the gateway's user sends run; admin sendmsg skips them (seed 781)."""
    server = people.server

    async def checks(sender: str, receiver: str) -> list[int]:
        async with server.runtime.store.read() as conn:
            app = await server.runtime.apps.get(people.sdkappid)
            found = [await check_fn(conn, app, sender, receiver) for check_fn in hooks.user_c2c_send_checks]
        return [code for code, _ in filter(None, found)]

    assert server.run(checks("id1", "id")) == []
    await people.ok(BLACK_ADD, {"From_Account": "id", "To_Account": ["id1"]})
    assert server.run(checks("id1", "id")) == [20007]
    assert server.run(checks("id", "id1")) == []  # A blocking B: A may still message B (seed 26072)
    admin_send = await people.call(
        "openim/sendmsg",
        {
            "From_Account": "id1",
            "To_Account": "id",
            "MsgRandom": 1,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
        },
    )
    assert_ok(admin_send)
    people.set(c2c_check_friendship=True)
    assert server.run(checks("id2", "id3")) == [20009]
    await people.ok(ADD, {"From_Account": "id2", "AddFriendItem": [{"To_Account": "id3"}]})
    assert server.run(checks("id2", "id3")) == []


async def test_deleting_an_account_removes_its_relationships(people: AppHandle) -> None:
    await people.ok(ADD, {"From_Account": "id", "AddFriendItem": [{"To_Account": "id1"}]})
    await people.ok(BLACK_ADD, {"From_Account": "id2", "To_Account": ["id1"]})
    await people.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "id1"}]})
    await people.import_accounts("id1")
    assert (await check(people, "id", ["id1"]))["id1"] == "CheckResult_Type_NoRelation"
    checked = await people.ok(
        BLACK_CHECK, {"From_Account": "id2", "To_Account": ["id1"], "CheckType": "BlackCheckResult_Type_Both"}
    )
    assert checked["BlackListCheckItem"][0]["Relation"] == "BlackCheckResult_Type_NO"
    assert (await people.ok(GET, {"From_Account": "id", "StartIndex": 0}))["FriendNum"] == 0
