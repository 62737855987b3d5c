"""Conversation groups and marks (recentcontact create/update/del/search/get_contact_group, mark_contact;
seed 004 lines 9861-11222): the seed samples, every code the pages document that Confab produces, the
limits, paging, the owner's devices (gateway ops and feed entries) and account deletion."""

from __future__ import annotations

import asyncio

import pytest

from confab.client import GatewayError
from confab.domain import contact_groups
from tests.gateway import connect
from tests.support import AppHandle, assert_error

RC = "recentcontact"
CREATE = f"{RC}/create_contact_group"
UPDATE = f"{RC}/update_contact_group"
DELETE = f"{RC}/del_contact_group"
MARK = f"{RC}/mark_contact"
SEARCH = f"{RC}/search_contact_group"
GET = f"{RC}/get_contact_group"
LIST = f"{RC}/get_list"

USERS = ("user0", "user1", "user2", "user15", "user20", "yahaha", "xixi", "teacher4", "alice", "bob")


def as_in_seed(reply: dict) -> dict:
    """The reply as the seed's samples show it (they leave out RequestId)."""
    assert reply.pop("RequestId")
    return reply


def c2c(user: str) -> dict:
    return {"Type": 1, "To_Account": user}


def grp(group_id: str) -> dict:
    return {"Type": 2, "ToGroupId": group_id}


async def create(app: AppHandle, owner: str, name: str, *convs: dict) -> dict:
    return await app.ok(
        CREATE, {"From_Account": owner, "GroupContactItem": [{"GroupName": name, "ContactItem": list(convs)}]}
    )


async def add_to(app: AppHandle, owner: str, name: str, *convs: dict, opt: int = 1) -> dict:
    body = {
        "From_Account": owner,
        "UpdateType": 1,
        "UpdateGroup": {
            "UpdateGroupType": 2,
            "OldGroupName": name,
            "ContactUpdateItem": [{"ContactOptType": opt, "ContactItem": c} for c in convs],
        },
    }
    return await app.ok(UPDATE, body)


async def mark(app: AppHandle, owner: str, conv: dict, **item) -> dict:
    return await app.ok(MARK, {"From_Account": owner, "MarkItem": [{"OptType": 3, "ContactItem": conv, **item}]})


async def fails(app: AppHandle, code: int, api: str, body: dict) -> str:
    reply = await app.call(api, body)
    assert_error(reply, code)
    return reply["ErrorInfo"]


async def make_group(app: AppHandle, owner: str = "alice") -> str:
    created = await app.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "g", "Owner_Account": owner})
    return created["GroupId"]


@pytest.fixture
async def people(app: AppHandle) -> AppHandle:
    await app.import_accounts(*USERS)
    return app


# -- the seed's samples -------------------------------------------------------------------------------


async def test_create_seed_sample(people: AppHandle) -> None:
    body = {
        "From_Account": "user15",
        "GroupContactItem": [{"GroupName": "test0", "ContactItem": [{"Type": 1, "To_Account": "user0"}]}],
    }
    reply = await people.ok(CREATE, body)
    assert as_in_seed(reply) == {
        "GroupResultItem": [
            {
                "GroupItem": {"GroupName": "test0", "GroupId": 1},
                "ResultItem": [{"ContactItem": {"Type": 1, "To_Account": "user0"}, "ResultCode": 0, "ResultInfo": ""}],
            }
        ],
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
        "ErrorDisplay": "",
    }
    # the response sample: the second group of the user, holding user1
    second = await create(people, "user15", "test2", c2c("user1"))
    assert second["GroupResultItem"] == [
        {
            "GroupItem": {"GroupName": "test2", "GroupId": 2},
            "ResultItem": [{"ContactItem": {"Type": 1, "To_Account": "user1"}, "ResultCode": 0, "ResultInfo": ""}],
        }
    ]


async def test_update_seed_sample(people: AppHandle) -> None:
    await create(people, "user20", "test1")
    body = {
        "From_Account": "user20",
        "UpdateType": 1,
        "UpdateGroup": {
            "UpdateGroupType": 2,
            "OldGroupName": "test1",
            "ContactUpdateItem": [{"ContactOptType": 1, "ContactItem": {"Type": 1, "To_Account": "user1"}}],
        },
    }
    reply = await people.ok(UPDATE, body)
    assert as_in_seed(reply) == {
        "UpdateType": 1,
        "UpdateGroupResult": {
            "UpdateGroupType": 2,
            "GroupName": "test1",
            "GroupId": 1,
            "OldGroupName": "test1",
            "ContactResultItem": [
                {
                    "ContactOptType": 1,
                    "ContactItem": {"Type": 1, "To_Account": "user1"},
                    "ResultCode": 0,
                    "ResultInfo": "",
                }
            ],
        },
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
        "ErrorDisplay": "",
    }
    found = await people.ok(SEARCH, {"From_Account": "user20", "ContactItem": [c2c("user1")]})
    assert found["ContactResultItem"][0]["ContactGroupId"] == [1]


async def test_delete_seed_sample(people: AppHandle) -> None:
    await create(people, "user15", "first")
    await create(people, "user15", "test0", c2c("user0"))
    reply = await people.ok(DELETE, {"From_Account": "user15", "GroupName": ["test0"]})
    assert as_in_seed(reply) == {
        "GroupItem": [{"GroupName": "test0", "GroupId": 2}],
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
        "ErrorDisplay": "",
    }
    page = await people.ok(GET, {"From_Account": "user15", "StartIndex": 0})
    assert page["GroupItem"] == [{"GroupName": "first", "GroupId": 1}]
    assert page["ContactItem"] == []  # user0 had no other data: its row went with the group


async def test_mark_seed_sample(people: AppHandle) -> None:
    body = {
        "From_Account": "user0",
        "MarkItem": [
            {
                "OptType": 3,
                "ContactItem": {"Type": 1, "To_Account": "user1"},
                "SetMark": [1, 2, 3],
                "CustomMark": "abcd",
            }
        ],
    }
    reply = await people.ok(MARK, body)
    assert as_in_seed(reply) == {
        "ResultItem": [
            {"OptType": 3, "ContactItem": {"Type": 1, "To_Account": "user1"}, "ResultCode": 0, "ResultInfo": ""}
        ],
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
        "ErrorDisplay": "",
    }
    found = await people.ok(SEARCH, {"From_Account": "user0", "ContactItem": [c2c("user1")]})
    (item,) = found["ContactResultItem"]
    assert item["StandardMark"] == "111" and item["CustomMark"] == "abcd"
    assert "ContactGroupId" not in item and found["GroupItem"] == []


async def test_search_seed_sample(people: AppHandle) -> None:
    await create(people, "yahaha", "test1x", c2c("xixi"))
    await create(people, "yahaha", "test10", c2c("xixi"))
    await mark(people, "yahaha", c2c("xixi"), SetMark=[2, 3, 4, 5, 6, 7, 8], CustomMark="xxyyyzzzfffffffxxx111111")
    reply = await people.ok(SEARCH, {"From_Account": "yahaha", "ContactItem": [{"Type": 1, "To_Account": "xixi"}]})
    stamp = reply["ContactResultItem"][0]["Timestamp"]
    assert isinstance(stamp, int) and stamp > 1_600_000_000
    assert as_in_seed(reply) == {
        "ContactResultItem": [
            {
                "Type": 1,
                "To_Account": "xixi",
                "StandardMark": "11111110",
                "CustomMark": "xxyyyzzzfffffffxxx111111",
                "ContactGroupId": [1, 2],
                "Timestamp": stamp,
            }
        ],
        "GroupItem": [{"GroupName": "test1x", "GroupId": 1}, {"GroupName": "test10", "GroupId": 2}],
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
        "ErrorDisplay": "",
    }


async def test_get_seed_sample(people: AppHandle) -> None:
    gid = await make_group(people)
    await create(people, "user0", "test1x", c2c("teacher4"))
    await create(people, "user0", "test10", c2c("teacher4"))
    await mark(people, "user0", c2c("teacher4"), SetMark=[1, 4, 5, 6], CustomMark="")
    await mark(people, "user0", grp(gid), SetMark=[1, 4, 5, 6], CustomMark="abcd")
    reply = await people.ok(GET, {"From_Account": "user0", "StartIndex": 0})
    stamps = [item.pop("Timestamp") for item in reply["ContactItem"]]
    assert all(isinstance(s, int) and s > 1_600_000_000 for s in stamps)
    assert as_in_seed(reply) == {
        "ContactItem": [
            {"Type": 1, "To_Account": "teacher4", "StandardMark": "111001", "ContactGroupId": [1, 2]},
            {"Type": 2, "ToGroupId": gid, "StandardMark": "111001", "CustomMark": "abcd"},
        ],
        "GroupItem": [{"GroupName": "test1x", "GroupId": 1}, {"GroupName": "test10", "GroupId": 2}],
        "CompleteFlag": 1,
        "NextStartIndex": 0,
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
        "ErrorDisplay": "",
    }


# -- rules --------------------------------------------------------------------------------------------


async def test_rename_and_remove_and_marks_clear(people: AppHandle) -> None:
    gid = await make_group(people)
    await create(people, "alice", "work", c2c("bob"), grp(gid))
    renamed = await people.ok(
        UPDATE,
        {
            "From_Account": "alice",
            "UpdateType": 1,
            "UpdateGroup": {"UpdateGroupType": 1, "OldGroupName": "work", "NewGroupName": "office"},
        },
    )
    result = renamed["UpdateGroupResult"]
    assert (result["GroupName"], result["OldGroupName"], result["GroupId"]) == ("office", "work", 1)
    assert result["ContactResultItem"] == []
    # removing (opt 2) a member and one that is not in the group: both 0
    removed = await add_to(people, "alice", "office", c2c("bob"), c2c("user1"), opt=2)
    assert [r["ResultCode"] for r in removed["UpdateGroupResult"]["ContactResultItem"]] == [0, 0]
    page = await people.ok(GET, {"From_Account": "alice"})
    assert [i.get("To_Account") or i.get("ToGroupId") for i in page["ContactItem"]] == [gid]
    # standard marks: set then clear; custom: set then "" clears; the row goes when nothing is left
    await mark(people, "alice", c2c("bob"), SetMark=[1, 64], CustomMark="x")
    found = await people.ok(SEARCH, {"From_Account": "alice", "ContactItem": [c2c("bob")]})
    assert found["ContactResultItem"][0]["StandardMark"] == "1" + "0" * 62 + "1"  # bit 64 survives storage
    await people.ok(
        MARK,
        {
            "From_Account": "alice",
            "MarkItem": [
                {"OptType": 1, "ContactItem": c2c("bob"), "ClearMark": [1, 64]},
                {"OptType": 2, "ContactItem": c2c("bob"), "CustomMark": ""},
            ],
        },
    )
    found = await people.ok(SEARCH, {"From_Account": "alice", "ContactItem": [c2c("bob")]})
    assert found["ContactResultItem"] == []
    # OptType 2 leaves the standard bits alone, OptType 1 the custom mark
    await mark(people, "alice", c2c("bob"), SetMark=[2], CustomMark="keep")
    await people.ok(
        MARK,
        {
            "From_Account": "alice",
            "MarkItem": [{"OptType": 2, "ContactItem": c2c("bob"), "CustomMark": "new", "SetMark": [9]}],
        },
    )
    await people.ok(
        MARK,
        {
            "From_Account": "alice",
            "MarkItem": [{"OptType": 1, "ContactItem": c2c("bob"), "SetMark": [3], "CustomMark": "ignored"}],
        },
    )
    found = await people.ok(SEARCH, {"From_Account": "alice", "ContactItem": [c2c("bob")]})
    assert (found["ContactResultItem"][0]["StandardMark"], found["ContactResultItem"][0]["CustomMark"]) == (
        "110",
        "new",
    )


async def test_per_conversation_codes_50001_and_51007(people: AppHandle) -> None:
    gid = await make_group(people)
    reply = await create(people, "alice", "g", c2c("bob"), c2c("ghost"), grp("@TGS#2NOSUCHGROUP"), grp(gid))
    codes = [r["ResultCode"] for r in reply["GroupResultItem"][0]["ResultItem"]]
    assert codes == [0, 50001, 51007, 0]
    assert all(r["ResultInfo"] for r in reply["GroupResultItem"][0]["ResultItem"] if r["ResultCode"])
    upd = await add_to(people, "alice", "g", c2c("ghost"), grp("@TGS#2NOSUCHGROUP"))
    assert [r["ResultCode"] for r in upd["UpdateGroupResult"]["ContactResultItem"]] == [50001, 51007]
    marked = await people.ok(
        MARK,
        {
            "From_Account": "alice",
            "MarkItem": [
                {"OptType": 1, "ContactItem": c2c("ghost"), "SetMark": [1]},
                {"OptType": 1, "ContactItem": grp("@TGS#2NOSUCHGROUP"), "SetMark": [1]},
                {"OptType": 1, "ContactItem": c2c("bob"), "SetMark": [1]},
            ],
        },
    )
    assert [r["ResultCode"] for r in marked["ResultItem"]] == [50001, 51007, 0]
    page = await people.ok(GET, {"From_Account": "alice"})
    assert len(page["ContactItem"]) == 2  # bob and the real group only


async def test_group_codes_51009_51010_51011(people: AppHandle) -> None:
    body = {
        "From_Account": "alice",
        "UpdateType": 1,
        "UpdateGroup": {"UpdateGroupType": 1, "OldGroupName": "none", "NewGroupName": "x"},
    }
    await fails(people, 51009, UPDATE, body)
    await fails(people, 51009, DELETE, {"From_Account": "alice", "GroupName": ["none"]})
    long_name = "é" * 17  # 34 bytes
    await fails(
        people,
        51011,
        CREATE,
        {"From_Account": "alice", "GroupContactItem": [{"GroupName": long_name, "ContactItem": []}]},
    )
    await create(people, "alice", "a" * 32)  # 32 bytes is fine
    rename = {
        "From_Account": "alice",
        "UpdateType": 1,
        "UpdateGroup": {"UpdateGroupType": 1, "OldGroupName": "a" * 32, "NewGroupName": long_name},
    }
    await fails(people, 51011, UPDATE, rename)
    for n in range(1, contact_groups.MAX_GROUPS):
        await create(people, "alice", f"g{n}")
    info = await fails(
        people, 51010, CREATE, {"From_Account": "alice", "GroupContactItem": [{"GroupName": "g21", "ContactItem": []}]}
    )
    assert "20" in info
    # deleting one makes room; the next group gets the next free number
    await people.ok(DELETE, {"From_Account": "alice", "GroupName": ["g5"]})
    again = await create(people, "alice", "g21")
    assert again["GroupResultItem"][0]["GroupItem"]["GroupId"] == 21


async def test_code_51006_conversations_per_call(people: AppHandle) -> None:
    await fails(people, 51006, MARK, {"From_Account": "alice", "MarkItem": []})
    many = [{"OptType": 1, "ContactItem": c2c(f"u{n}"), "SetMark": [1]} for n in range(101)]
    await fails(people, 51006, MARK, {"From_Account": "alice", "MarkItem": many})
    convs = [c2c(f"u{n}") for n in range(101)]
    await fails(
        people, 51006, CREATE, {"From_Account": "alice", "GroupContactItem": [{"GroupName": "x", "ContactItem": convs}]}
    )
    await create(people, "alice", "x")
    items = [{"ContactOptType": 1, "ContactItem": c} for c in convs]
    body = {
        "From_Account": "alice",
        "UpdateType": 1,
        "UpdateGroup": {"UpdateGroupType": 2, "OldGroupName": "x", "ContactUpdateItem": items},
    }
    await fails(people, 51006, UPDATE, body)


async def test_code_51008_a_thousand_conversations(people: AppHandle) -> None:
    people.set(rate_limits={"*": 0})
    peers = [f"p{n:04d}" for n in range(1001)]
    await people.import_accounts(*peers)
    for start in range(0, 1000, 100):
        items = [{"OptType": 2, "ContactItem": c2c(p), "CustomMark": "m"} for p in peers[start : start + 100]]
        reply = await people.ok(MARK, {"From_Account": "alice", "MarkItem": items})
        assert {r["ResultCode"] for r in reply["ResultItem"]} == {0}
    await fails(
        people,
        51008,
        MARK,
        {"From_Account": "alice", "MarkItem": [{"OptType": 2, "ContactItem": c2c(peers[1000]), "CustomMark": "m"}]},
    )
    await people.ok(
        CREATE, {"From_Account": "alice", "GroupContactItem": [{"GroupName": "g", "ContactItem": [c2c(peers[0])]}]}
    )
    await fails(
        people,
        51008,
        CREATE,
        {"From_Account": "alice", "GroupContactItem": [{"GroupName": "h", "ContactItem": [c2c(peers[1000])]}]},
    )
    # nothing half-written: group h was not created
    page = await people.ok(GET, {"From_Account": "alice", "StartIndex": 0})
    assert [g["GroupName"] for g in page["GroupItem"]] == ["g"]
    # clearing one makes room for another
    await people.ok(
        MARK,
        {
            "From_Account": "alice",
            "MarkItem": [
                {"OptType": 2, "ContactItem": c2c(peers[5]), "CustomMark": ""},
                {"OptType": 2, "ContactItem": c2c(peers[1000]), "CustomMark": "m"},
            ],
        },
    )
    # and get_contact_group pages through all 1,000, 100 a page
    seen: list[str] = []
    start = 0
    while True:
        page = await people.ok(GET, {"From_Account": "alice", "StartIndex": start})
        seen += [i["To_Account"] for i in page["ContactItem"]]
        if page["CompleteFlag"] == 1:
            assert page["NextStartIndex"] == 0
            break
        assert len(page["ContactItem"]) == 100
        start = page["NextStartIndex"]
    assert len(seen) == 1000 and len(set(seen)) == 1000
    assert peers[5] not in seen and peers[1000] in seen


async def test_code_50001_50002_50003(people: AppHandle) -> None:
    for api, body in (
        (CREATE, {"From_Account": "ghost", "GroupContactItem": [{"GroupName": "x", "ContactItem": []}]}),
        (DELETE, {"From_Account": "ghost", "GroupName": ["x"]}),
        (MARK, {"From_Account": "ghost", "MarkItem": [{"OptType": 2, "ContactItem": c2c("bob"), "CustomMark": ""}]}),
        (SEARCH, {"From_Account": "ghost", "ContactItem": [c2c("bob")]}),
        (GET, {"From_Account": "ghost", "StartIndex": 0}),
        (
            UPDATE,
            {"From_Account": "ghost", "UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 2, "OldGroupName": "x"}},
        ),
    ):
        await fails(people, 50001, api, body)
        assert_error(await people.client("alice").call(api, {**body, "From_Account": "alice"}), 50003)
    await create(people, "alice", "x")
    bad = [
        (CREATE, {"From_Account": "alice", "GroupContactItem": []}),
        (CREATE, {"From_Account": "alice", "GroupContactItem": [{"GroupName": "a", "ContactItem": []}] * 2}),
        (CREATE, {"From_Account": "alice", "GroupContactItem": [{"GroupName": "", "ContactItem": []}]}),
        (CREATE, {"From_Account": "alice", "GroupContactItem": [{"GroupName": "x", "ContactItem": []}]}),  # exists
        (
            CREATE,
            {
                "From_Account": "alice",
                "GroupContactItem": [{"GroupName": "y", "ContactItem": [{"Type": 3, "To_Account": "bob"}]}],
            },
        ),
        (CREATE, {"From_Account": "alice", "GroupContactItem": [{"GroupName": "y", "ContactItem": [{"Type": 1}]}]}),
        (
            CREATE,
            {
                "From_Account": "alice",
                "GroupContactItem": [{"GroupName": "y", "ContactItem": [{"Type": 2, "To_Account": "bob"}]}],
            },
        ),
        (CREATE, {"From_Account": "alice", "GroupContactItem": [{"GroupName": "y"}]}),
        (CREATE, {"From_Account": "", "GroupContactItem": [{"GroupName": "y", "ContactItem": []}]}),
        (
            UPDATE,
            {"From_Account": "alice", "UpdateType": 2, "UpdateGroup": {"UpdateGroupType": 2, "OldGroupName": "x"}},
        ),
        (
            UPDATE,
            {"From_Account": "alice", "UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 3, "OldGroupName": "x"}},
        ),
        (
            UPDATE,
            {"From_Account": "alice", "UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 1, "OldGroupName": "x"}},
        ),
        (
            UPDATE,
            {
                "From_Account": "alice",
                "UpdateType": 1,
                "UpdateGroup": {"UpdateGroupType": 2, "OldGroupName": "x", "NewGroupName": "z"},
            },
        ),
        (
            UPDATE,
            {
                "From_Account": "alice",
                "UpdateType": 1,
                "UpdateGroup": {
                    "UpdateGroupType": 2,
                    "OldGroupName": "x",
                    "ContactUpdateItem": [{"ContactOptType": 3, "ContactItem": c2c("bob")}],
                },
            },
        ),
        (DELETE, {"From_Account": "alice", "GroupName": []}),
        (DELETE, {"From_Account": "alice", "GroupName": ["x", "y"]}),
        (DELETE, {"From_Account": "alice", "GroupName": "x"}),
        (MARK, {"From_Account": "alice", "MarkItem": [{"OptType": 4, "ContactItem": c2c("bob")}]}),
        (MARK, {"From_Account": "alice", "MarkItem": [{"OptType": 1, "ContactItem": c2c("bob"), "SetMark": [0]}]}),
        (MARK, {"From_Account": "alice", "MarkItem": [{"OptType": 1, "ContactItem": c2c("bob"), "SetMark": [65]}]}),
        (
            MARK,
            {
                "From_Account": "alice",
                "MarkItem": [{"OptType": 1, "ContactItem": c2c("bob"), "SetMark": [2], "ClearMark": [2]}],
            },
        ),
        (MARK, {"From_Account": "alice", "MarkItem": [{"OptType": 2, "ContactItem": c2c("bob")}]}),
        (
            MARK,
            {"From_Account": "alice", "MarkItem": [{"OptType": 3, "ContactItem": c2c("bob"), "CustomMark": "x" * 257}]},
        ),
        (MARK, {"From_Account": "alice", "MarkItem": [{"OptType": 1, "ContactItem": c2c("bob"), "SetMark": ["1"]}]}),
        (SEARCH, {"From_Account": "alice"}),
        (SEARCH, {"From_Account": "alice", "ContactItem": []}),
        (SEARCH, {"From_Account": "alice", "ContactItem": [c2c(f"u{n}") for n in range(301)]}),
        (GET, {"From_Account": "alice", "StartIndex": -1}),
        (GET, b"{not json"),
    ]
    for api, body in bad:
        reply = await people.call(api, body)
        assert_error(reply, 50002)
    # limits that pass: a 256-byte custom mark, 300 searched conversations
    await mark(people, "alice", c2c("bob"), CustomMark="é" * 128)
    found = await people.ok(
        SEARCH, {"From_Account": "alice", "ContactItem": [c2c(f"u{n}") for n in range(299)] + [c2c("bob")]}
    )
    assert [i["To_Account"] for i in found["ContactResultItem"]] == ["bob"]


async def test_apps_and_owners_are_apart(people: AppHandle, make_app) -> None:
    await create(people, "alice", "mine", c2c("bob"))
    other = make_app()
    await other.import_accounts("alice", "bob")
    assert (await other.ok(GET, {"From_Account": "alice"}))["GroupItem"] == []
    assert (await people.ok(GET, {"From_Account": "bob"}))["GroupItem"] == []
    await create(other, "alice", "mine")  # the same name in another app is another group


async def test_concurrent_creates_respect_twenty(people: AppHandle) -> None:
    people.set(rate_limits={"*": 0})
    replies = await asyncio.gather(
        *(
            people.call(
                CREATE,
                {"From_Account": "alice", "GroupContactItem": [{"GroupName": f"c{n}", "ContactItem": [c2c("bob")]}]},
            )
            for n in range(26)
        )
    )
    codes = sorted(r["ErrorCode"] for r in replies)
    assert codes == [0] * 20 + [51010] * 6
    page = await people.ok(GET, {"From_Account": "alice"})
    assert sorted(g["GroupId"] for g in page["GroupItem"]) == list(range(1, 21))
    assert page["ContactItem"][0]["ContactGroupId"] == list(range(1, 21))


async def test_account_deletion_purges(people: AppHandle) -> None:
    await create(people, "alice", "friends", c2c("bob"), c2c("user1"))
    await mark(people, "alice", c2c("bob"), SetMark=[1], CustomMark="b")
    await create(people, "bob", "bobs", c2c("alice"))
    await people.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "bob"}]})
    page = await people.ok(GET, {"From_Account": "alice"})
    assert [i["To_Account"] for i in page["ContactItem"]] == ["user1"]
    await people.import_accounts("bob")
    fresh = await people.ok(GET, {"From_Account": "bob"})
    assert fresh["GroupItem"] == [] and fresh["ContactItem"] == []


async def test_get_list_unchanged(people: AppHandle) -> None:
    """The conversation list's page shows no group or mark fields: its items stay as they were."""
    await people.ok(
        "openim/importmsg",
        {
            "SyncFromOldSystem": 2,
            "From_Account": "bob",
            "To_Account": "alice",
            "MsgRandom": 1,
            "MsgTimeStamp": 1630997627,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
        },
    )
    await create(people, "alice", "g", c2c("bob"))
    await mark(people, "alice", c2c("bob"), SetMark=[1], CustomMark="x")
    listed = await people.ok(
        LIST,
        {
            "From_Account": "alice",
            "TimeStamp": 0,
            "StartIndex": 0,
            "TopTimeStamp": 0,
            "TopStartIndex": 0,
            "AssistFlags": 7,
        },
    )
    assert listed["SessionItem"] == [{"Type": 1, "To_Account": "bob", "MsgTime": 1630997627, "TopFlag": 0}]


# -- the owner's devices --------------------------------------------------------------------------------


async def test_gateway_ops_and_feed(people: AppHandle) -> None:
    gid = await make_group(people)
    phone = await connect(people, "alice", platform="iOS")
    desk = await connect(people, "alice", platform="Windows")
    try:
        created = await phone.create_conversation_group("work", [c2c("bob"), grp(gid), c2c("ghost")])
        assert created["GroupItem"] == {"GroupName": "work", "GroupId": 1}
        assert [r["ResultCode"] for r in created["ResultItem"]] == [0, 0, 50001]
        event = await desk.next_event("conv.group")
        assert event.feed_seq > 0
        assert event.data["Op"] == "create" and event.data["GroupId"] == 1 and event.data["GroupName"] == "work"
        assert event.data["Added"] == [c2c("bob"), grp(gid)]

        await phone.update_conversation_group("work", add=[c2c("user1")], remove=[c2c("bob")])
        event = await desk.next_event("conv.group")
        assert (event.data["Op"], event.data["Added"], event.data["Removed"]) == (
            "update",
            [c2c("user1")],
            [c2c("bob")],
        )
        await phone.rename_conversation_group("work", "office")
        event = await desk.next_event("conv.group")
        assert (event.data["GroupName"], event.data["OldGroupName"]) == ("office", "work")

        result = await phone.mark_conversation(c2c("bob"), set_bits=[1, 2], custom="fav")
        assert result["ResultCode"] == 0
        event = await desk.next_event("conv.mark")
        (item,) = event.data["ContactItem"]
        assert item["To_Account"] == "bob" and item["StandardMark"] == "11" and item["CustomMark"] == "fav"
        assert item["ContactGroupId"] == [] and item["Timestamp"] > 0

        page = await desk.conversation_groups()
        assert page["GroupItem"] == [{"GroupName": "office", "GroupId": 1}]
        found = await desk.search_conversation_groups([c2c("bob"), c2c("user1")])
        assert [i["To_Account"] for i in found["ContactResultItem"]] == ["bob", "user1"]

        # a REST change made by the app admin reaches the user's devices too
        await people.ok(DELETE, {"From_Account": "alice", "GroupName": ["office"]})
        # (the acting device gets its own changes too, in order: create, update, update, then this)
        ops = [(await phone.next_event("conv.group")).data for _ in range(4)]
        assert [(d["Op"], d["GroupId"]) for d in ops] == [("create", 1), ("update", 1), ("update", 1), ("delete", 1)]

        with pytest.raises(GatewayError) as caught:
            await phone.delete_conversation_group("office")
        assert caught.value.code == 51009
        with pytest.raises(GatewayError) as caught:
            await phone.request("mark_conversations", MarkItem=[])
        assert caught.value.code == 51006
        with pytest.raises(GatewayError) as caught:
            await phone.create_conversation_group("x" * 33, [])
        assert caught.value.code == 51011
    finally:
        await phone.close()
        await desk.close()
    # a device that reconnects from an old cursor gets the entries it missed, in order
    late = await connect(people, "alice", cursor=0)
    try:
        kinds = []
        while True:
            try:
                event = await late.next_event(within=1.0)
            except TimeoutError:
                break
            if event.kind.startswith("conv."):
                kinds.append((event.kind, event.data.get("Op")))
        assert kinds == [
            ("conv.group", "create"),
            ("conv.group", "update"),
            ("conv.group", "update"),
            ("conv.mark", None),
            ("conv.group", "delete"),
        ]
    finally:
        await late.close()
