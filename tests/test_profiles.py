"""profile/portrait_set and portrait_get against a real server (seed 004 lines 21597-22399)."""

from __future__ import annotations

import pytest

from confab.domain import profiles as profiles_domain
from confab.domain.apps import CustomField
from confab.events import ProfileChanged
from tests.support import AppHandle, ServerHandle, assert_error, assert_ok

SET = "profile/portrait_set"
GET = "profile/portrait_get"
SEED_TAGS = [
    "Tag_Profile_IM_Nick",
    "Tag_Profile_IM_AllowType",
    "Tag_Profile_IM_SelfSignature",
    "Tag_Profile_Custom_Test",
]


@pytest.fixture
async def seeded(app: AppHandle) -> AppHandle:
    """The seed's id1..id3 with the values its portrait_get samples show (id4 does not exist)."""
    app.update(settings=_with_custom(app, "Tag_Profile_Custom_Test"))
    await app.import_accounts("id1", "id2", "id3")
    for n, allow in ((1, "AllowType_Type_NeedConfirm"), (2, "AllowType_Type_DenyAny"), (3, "AllowType_Type_AllowAny")):
        await app.ok(
            SET,
            {
                "From_Account": f"id{n}",
                "ProfileItem": [
                    {"Tag": "Tag_Profile_IM_Nick", "Value": f"NickNameTest{n}"},
                    {"Tag": "Tag_Profile_IM_AllowType", "Value": allow},
                    {"Tag": "Tag_Profile_IM_SelfSignature", "Value": f"I'm Test{n}"},
                    {"Tag": "Tag_Profile_Custom_Test", "Value": f"Custom Data{n}"},
                ],
            },
        )
    return app


def _with_custom(app: AppHandle, tag: str, **decl: object):
    import msgspec

    fields = dict(app.app.settings.custom_profile_fields)
    fields[tag] = CustomField(**decl)  # type: ignore[arg-type]
    return msgspec.structs.replace(app.app.settings, custom_profile_fields=fields)


async def test_portrait_set_seed_sample(app: AppHandle) -> None:
    await app.import_accounts("id")
    reply = await app.call(
        SET, {"From_Account": "id", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "MyNickName"}]}
    )
    assert_ok(reply)
    got = await app.ok(GET, {"To_Account": ["id"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert got["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "MyNickName"}]


async def test_portrait_get_seed_one_field_one_user(seeded: AppHandle) -> None:
    reply = await seeded.call(GET, {"To_Account": ["id1"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert reply == {
        "ActionStatus": "OK",
        "ErrorInfo": "",
        "ErrorCode": 0,
        "RequestId": reply["RequestId"],
        "UserProfileItem": [
            {
                "To_Account": "id1",
                "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "NickNameTest1"}],
                "ResultCode": 0,
                "ResultInfo": "",
            }
        ],
        "ErrorDisplay": "",
    }


async def test_portrait_get_seed_many_fields_many_users_with_a_failure(seeded: AppHandle) -> None:
    reply = await seeded.ok(GET, {"To_Account": ["id1", "id2", "id3", "id4"], "TagList": SEED_TAGS})
    items = reply["UserProfileItem"]
    assert [i["To_Account"] for i in items] == ["id1", "id2", "id3", "id4"]
    assert items[1]["ProfileItem"] == [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "NickNameTest2"},
        {"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_DenyAny"},
        {"Tag": "Tag_Profile_IM_SelfSignature", "Value": "I'm Test2"},
        {"Tag": "Tag_Profile_Custom_Test", "Value": "Custom Data2"},
    ]
    assert items[3]["ResultCode"] == 40003 and "ProfileItem" not in items[3]
    assert reply["Fail_Account"] == ["id4"]


async def test_unset_fields_answer_their_defaults(app: AppHandle) -> None:
    await app.import_accounts("blank")
    tags = [
        "Tag_Profile_IM_Nick",
        "Tag_Profile_IM_Gender",
        "Tag_Profile_IM_AllowType",
        "Tag_Profile_IM_BirthDay",
        "Tag_Profile_IM_AdminForbidType",
    ]
    reply = await app.ok(GET, {"To_Account": ["blank"], "TagList": tags})
    assert [i["Value"] for i in reply["UserProfileItem"][0]["ProfileItem"]] == [
        "",
        "Gender_Type_Unknown",
        "AllowType_Type_NeedConfirm",
        0,
        "AdminForbid_Type_None",
    ]


async def test_every_standard_field_round_trips(app: AppHandle) -> None:
    await app.import_accounts("full")
    items = [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "尼克"},
        {"Tag": "Tag_Profile_IM_Gender", "Value": "Gender_Type_Female"},
        {"Tag": "Tag_Profile_IM_BirthDay", "Value": 20190419},
        {"Tag": "Tag_Profile_IM_Location", "Value": "86,44,1,0"},
        {"Tag": "Tag_Profile_IM_SelfSignature", "Value": "hello"},
        {"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_AllowAny"},
        {"Tag": "Tag_Profile_IM_Language", "Value": 2},
        {"Tag": "Tag_Profile_IM_Image", "Value": "https://example.com/a.png"},
        {"Tag": "Tag_Profile_IM_MsgSettings", "Value": 1},
        {"Tag": "Tag_Profile_IM_AdminForbidType", "Value": "AdminForbid_Type_SendOut"},
        {"Tag": "Tag_Profile_IM_Level", "Value": 4294967295},
        {"Tag": "Tag_Profile_IM_Role", "Value": 7},
    ]
    assert_ok(await app.call(SET, {"From_Account": "full", "ProfileItem": items}))
    reply = await app.ok(GET, {"To_Account": ["full"], "TagList": [i["Tag"] for i in items]})
    assert reply["UserProfileItem"][0]["ProfileItem"] == items


async def test_custom_fields_follow_their_declaration(app: AppHandle) -> None:
    app.update(settings=_with_custom(app, "Tag_Profile_Custom_Score", type="integer"))
    app.update(settings=_with_custom(app, "Tag_Profile_Custom_Short", max_len=4))
    await app.import_accounts("c")
    ok_items = [{"Tag": "Tag_Profile_Custom_Score", "Value": 99}, {"Tag": "Tag_Profile_Custom_Short", "Value": "abcd"}]
    assert_ok(await app.call(SET, {"From_Account": "c", "ProfileItem": ok_items}))
    assert_error(
        await app.call(SET, {"From_Account": "c", "ProfileItem": [{"Tag": "Tag_Profile_Custom_Score", "Value": "99"}]}),
        40610,
    )
    assert_error(
        await app.call(
            SET, {"From_Account": "c", "ProfileItem": [{"Tag": "Tag_Profile_Custom_Short", "Value": "abcde"}]}
        ),
        40605,
    )
    assert_error(
        await app.call(
            SET, {"From_Account": "c", "ProfileItem": [{"Tag": "Tag_Profile_Custom_Undeclared", "Value": "x"}]}
        ),
        40009,
    )
    assert_error(await app.call(GET, {"To_Account": ["c"], "TagList": ["Tag_Profile_Custom_Undeclared"]}), 40009)


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"Tag": "Tag_Profile_IM_Nick", "Value": "n" * 501}, 40601),
        ({"Tag": "Tag_Profile_IM_SelfSignature", "Value": "s" * 501}, 40601),
        ({"Tag": "Tag_Profile_IM_Nick", "Value": 5}, 40610),
        ({"Tag": "Tag_Profile_IM_BirthDay", "Value": "20190419"}, 40610),
        ({"Tag": "Tag_Profile_IM_Level", "Value": 1.5}, 40610),
        ({"Tag": "Tag_Profile_IM_Level", "Value": None}, 40610),
        ({"Tag": "Tag_Profile_IM_Gender", "Value": "Gender_Type_Other"}, 40605),
        ({"Tag": "Tag_Profile_IM_AllowType", "Value": "allow"}, 40605),
        ({"Tag": "Tag_Profile_IM_AdminForbidType", "Value": "AdminForbid_Type_All"}, 40605),
        ({"Tag": "Tag_Profile_IM_Level", "Value": 2**32}, 40605),
        ({"Tag": "Tag_Profile_IM_Language", "Value": -1}, 40605),
        ({"Tag": "Tag_Profile_IM_Location", "Value": "x" * 17}, 40605),
        ({"Tag": "Tag_Profile_IM_Unknown", "Value": "x"}, 40009),
    ],
)
async def test_portrait_set_value_errors(app: AppHandle, item: dict, code: int) -> None:
    await app.import_accounts("v")
    good = {"Tag": "Tag_Profile_IM_Nick", "Value": "kept"}
    assert_ok(await app.call(SET, {"From_Account": "v", "ProfileItem": [good]}))
    reply = await app.call(
        SET, {"From_Account": "v", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "new"}, item]}
    )
    assert_error(reply, code)
    assert item["Tag"] in reply["ErrorInfo"]
    # one bad item fails the whole call: the good item in it was not written
    got = await app.ok(GET, {"To_Account": ["v"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert got["UserProfileItem"][0]["ProfileItem"][0]["Value"] == "kept"


async def test_portrait_set_request_errors(app: AppHandle) -> None:
    await app.import_accounts("r")
    assert_error(
        await app.call(SET, {"From_Account": "nobody", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "x"}]}),
        40003,
    )
    assert_error(await app.call(SET, {"From_Account": "r", "ProfileItem": []}), 40001)
    assert_error(await app.call(SET, {"From_Account": "r"}), 40001)
    assert_error(await app.call(SET, {"From_Account": "r", "ProfileItem": [{"Value": "x"}]}), 40001)
    assert_error(await app.call(SET, {"From_Account": 7, "ProfileItem": []}), 60015)


async def test_portrait_get_request_errors(app: AppHandle) -> None:
    await app.import_accounts("g")
    assert_error(await app.call(GET, {"TagList": ["Tag_Profile_IM_Nick"]}), 40002)
    assert_error(await app.call(GET, {"To_Account": [], "TagList": ["Tag_Profile_IM_Nick"]}), 40002)
    assert_error(await app.call(GET, {"To_Account": "g", "TagList": ["Tag_Profile_IM_Nick"]}), 40002)
    assert_error(await app.call(GET, {"To_Account": ["g"], "TagList": []}), 40001)
    assert_error(await app.call(GET, {"To_Account": ["g"]}), 40001)
    assert_error(
        await app.call(GET, {"To_Account": [f"u{i}" for i in range(101)], "TagList": ["Tag_Profile_IM_Nick"]}), 40001
    )
    assert_error(await app.call(GET, {"To_Account": ["g"], "TagList": ["Tag_Nope"]}), 40009)


async def test_profile_change_event(app: AppHandle, server: ServerHandle) -> None:
    await app.import_accounts("ev")
    tap = server.tap()
    try:
        await app.ok(SET, {"From_Account": "ev", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "a"}]})
        await app.call(SET, {"From_Account": "ev", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": 1}]})
        mine = [e for e in tap.drain() if e.sdkappid == app.sdkappid]
    finally:
        server.untap(tap)
    assert len(mine) == 1
    assert isinstance(mine[0], ProfileChanged)
    assert mine[0].items == [{"Tag": "Tag_Profile_IM_Nick", "Value": "a"}]


async def test_internal_fault_is_40006(app: AppHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(profiles_domain, "load_profiles", broken)
    assert_error(await app.call(GET, {"To_Account": [app.admin], "TagList": ["Tag_Profile_IM_Nick"]}), 40006)
