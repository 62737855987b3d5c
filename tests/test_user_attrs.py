"""App attribute names, user attributes and user tags (`all_member_push`, seed 004 lines 7576-9067)
against a real server: every page's sample request and response, and every documented code."""

from __future__ import annotations

import asyncio

import pytest

from confab.domain import user_attrs
from tests.support import AppHandle, assert_error, assert_ok

SET_NAMES = "all_member_push/im_set_attr_name"
GET_NAMES = "all_member_push/im_get_attr_name"
GET_ATTR = "all_member_push/im_get_attr"
SET_ATTR = "all_member_push/im_set_attr"
REMOVE_ATTR = "all_member_push/im_remove_attr"
GET_TAG = "all_member_push/im_get_tag"
ADD_TAG = "all_member_push/im_add_tag"
REMOVE_TAG = "all_member_push/im_remove_tag"
REMOVE_ALL_TAGS = "all_member_push/im_remove_all_tags"
ALL = (SET_NAMES, GET_NAMES, GET_ATTR, SET_ATTR, REMOVE_ATTR, GET_TAG, ADD_TAG, REMOVE_TAG, REMOVE_ALL_TAGS)


def _payload(reply: dict) -> dict:
    return {k: v for k, v in reply.items() if k not in ("ActionStatus", "ErrorInfo", "ErrorCode", "RequestId")}


async def _attrs(app: AppHandle, *users: str) -> dict[str, dict[str, str]]:
    got = await app.ok(GET_ATTR, {"To_Account": list(users)})
    return {item["To_Account"]: item["Attrs"] for item in got["UserAttrs"]}


async def _tags(app: AppHandle, *users: str) -> dict[str, list[str]]:
    got = await app.ok(GET_TAG, {"To_Account": list(users)})
    return {item["To_Account"]: item["Tags"] for item in got["UserTags"]}


# -- the seed's samples ------------------------------------------------------------------------------


async def test_seed_set_attr_name_then_get_attr_name(app: AppHandle) -> None:
    # im_set_attr_name sample (seed 7634-7646) and its response (7663-7672)
    reply = await app.ok(SET_NAMES, {"AttrNames": {"0": "sex", "1": "city", "2": "country"}})
    assert _payload(reply) == {}
    got = await app.ok(GET_NAMES, {})
    assert _payload(got) == {"AttrNames": {"0": "sex", "1": "city", "2": "country"}}
    # im_get_attr_name sample response (seed 7796-7815): renaming index 2 gives exactly that reply
    await app.ok(SET_NAMES, {"AttrNames": {"2": "Membership level"}})
    got = await app.ok(GET_NAMES, {})
    assert got["ErrorInfo"] == "" and got["ErrorCode"] == 0
    assert _payload(got) == {"AttrNames": {"0": "sex", "1": "city", "2": "Membership level"}}


async def test_get_attr_name_before_any_is_set(app: AppHandle) -> None:
    assert _payload(await app.ok(GET_NAMES, {})) == {"AttrNames": {}}


async def test_seed_get_attr(app: AppHandle) -> None:
    # im_get_attr sample (seed 7936-7951) and response (7958-8008)
    await app.import_accounts("Zhang Xiaohong", "Chen Xiaoming", "abc")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "sex", "1": "city"}})
    await app.ok(
        SET_ATTR,
        {
            "UserAttrs": [
                {"To_Account": "Zhang Xiaohong", "Attrs": {"sex": "Female", "city": "New York"}},
                {"To_Account": "Chen Xiaoming", "Attrs": {"sex": "M", "city": "Shenzhen"}},
            ]
        },
    )
    got = await app.ok(GET_ATTR, {"To_Account": ["Zhang Xiaohong", "Chen Xiaoming", "abc"]})
    assert list(_payload(got)) == ["UserAttrs"]
    # in request order (the sample lists them in another; see docs/compatibility.md)
    assert got["UserAttrs"] == [
        {"To_Account": "Zhang Xiaohong", "Attrs": {"sex": "Female", "city": "New York"}},
        {"To_Account": "Chen Xiaoming", "Attrs": {"sex": "M", "city": "Shenzhen"}},
        {"To_Account": "abc", "Attrs": {}},
    ]


async def test_seed_set_attr(app: AppHandle) -> None:
    # im_set_attr sample (seed 8142-8177), response (8190-8199)
    await app.import_accounts("xiaojun012", "xiaojun013")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "sex", "1": "city"}})
    reply = await app.ok(
        SET_ATTR,
        {
            "UserAttrs": [
                {"To_Account": "xiaojun012", "Attrs": {"sex": "attr1", "city": "attr2"}},
                {"To_Account": "xiaojun013", "Attrs": {"city": "attr3", "sex": "attr4"}},
            ]
        },
    )
    assert _payload(reply) == {}
    assert await _attrs(app, "xiaojun012", "xiaojun013") == {
        "xiaojun012": {"sex": "attr1", "city": "attr2"},
        "xiaojun013": {"sex": "attr4", "city": "attr3"},
    }


async def test_seed_remove_attr(app: AppHandle) -> None:
    # im_remove_attr sample (seed 8316-8352), response (8365-8376)
    await app.import_accounts("xiaojun012", "xiaojun013")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "sex", "1": "city", "2": "country"}})
    await app.ok(
        SET_ATTR,
        {
            "UserAttrs": [
                {"To_Account": "xiaojun012", "Attrs": {"sex": "f", "city": "x", "country": "cn"}},
                {"To_Account": "xiaojun013", "Attrs": {"sex": "m", "city": "y"}},
            ]
        },
    )
    reply = await app.ok(
        REMOVE_ATTR,
        {
            "UserAttrs": [
                {"To_Account": "xiaojun013", "Attrs": ["sex", "city"]},
                {"To_Account": "xiaojun012", "Attrs": ["sex", "city"]},
            ]
        },
    )
    assert _payload(reply) == {}
    assert await _attrs(app, "xiaojun012", "xiaojun013") == {"xiaojun012": {"country": "cn"}, "xiaojun013": {}}


async def test_seed_get_tag(app: AppHandle) -> None:
    # im_get_tag sample (seed 8492-8502) and response (8509-8538)
    await app.import_accounts("xiaojun012", "xiaojun013")
    await app.ok(
        ADD_TAG,
        {
            "UserTags": [
                {"To_Account": "xiaojun012", "Tags": ["b", "a"]},
                {"To_Account": "xiaojun013", "Tags": ["a", "c"]},
            ]
        },
    )
    got = await app.ok(GET_TAG, {"To_Account": ["xiaojun012", "xiaojun013"]})
    assert _payload(got) == {
        "UserTags": [{"To_Account": "xiaojun012", "Tags": ["a", "b"]}, {"To_Account": "xiaojun013", "Tags": ["a", "c"]}]
    }


async def test_seed_add_tag(app: AppHandle) -> None:
    # im_add_tag sample (seed 8665-8689), response (8699-8708)
    await app.import_accounts("xiaojun012", "xiaojun013")
    body = {
        "UserTags": [{"To_Account": "xiaojun012", "Tags": ["a", "b"]}, {"To_Account": "xiaojun013", "Tags": ["a", "b"]}]
    }
    assert _payload(await app.ok(ADD_TAG, body)) == {}
    assert _payload(await app.ok(ADD_TAG, body)) == {}  # adding a tag held already is no error
    assert await _tags(app, "xiaojun012", "xiaojun013") == {"xiaojun012": ["a", "b"], "xiaojun013": ["a", "b"]}


async def test_seed_remove_tag(app: AppHandle) -> None:
    # im_remove_tag sample (seed 8817-8841), response (8851-8860)
    await app.import_accounts("xiaojun012", "xiaojun013")
    await app.ok(
        ADD_TAG,
        {
            "UserTags": [
                {"To_Account": "xiaojun012", "Tags": ["a", "b", "c"]},
                {"To_Account": "xiaojun013", "Tags": ["a"]},
            ]
        },
    )
    body = {
        "UserTags": [{"To_Account": "xiaojun012", "Tags": ["a", "b"]}, {"To_Account": "xiaojun013", "Tags": ["a", "b"]}]
    }
    assert _payload(await app.ok(REMOVE_TAG, body)) == {}
    assert await _tags(app, "xiaojun012", "xiaojun013") == {"xiaojun012": ["c"], "xiaojun013": []}


async def test_seed_remove_all_tags(app: AppHandle) -> None:
    # im_remove_all_tags sample (seed 8975-8988), response (8995-9005)
    await app.import_accounts("xiaojun012", "xiaojun013", "keeps")
    await app.ok(
        ADD_TAG,
        {
            "UserTags": [
                {"To_Account": "xiaojun012", "Tags": ["a", "b"]},
                {"To_Account": "xiaojun013", "Tags": ["c"]},
                {"To_Account": "keeps", "Tags": ["a"]},
            ]
        },
    )
    reply = await app.ok(REMOVE_ALL_TAGS, {"To_Account": ["xiaojun012", "xiaojun013"]})
    assert _payload(reply) == {}
    assert await _tags(app, "xiaojun012", "xiaojun013", "keeps") == {
        "xiaojun012": [],
        "xiaojun013": [],
        "keeps": ["a"],
    }


# -- semantics ---------------------------------------------------------------------------------------


async def test_set_attr_name_merges_renames_keep_values_and_swaps(app: AppHandle) -> None:
    await app.import_accounts("u1")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "sex", "1": "city"}})
    await app.ok(SET_ATTR, {"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f", "city": "Paris"}}]})
    await app.ok(SET_NAMES, {"AttrNames": {"1": "town", "9": "tier"}})
    assert (await app.ok(GET_NAMES, {}))["AttrNames"] == {"0": "sex", "1": "town", "9": "tier"}
    assert await _attrs(app, "u1") == {"u1": {"sex": "f", "town": "Paris"}}
    # two names may be exchanged in one call (the final set is unique)
    await app.ok(SET_NAMES, {"AttrNames": {"0": "town", "1": "sex"}})
    assert await _attrs(app, "u1") == {"u1": {"town": "f", "sex": "Paris"}}
    assert_ok(await app.call(SET_NAMES, {"AttrNames": {}}))
    assert list((await app.ok(GET_NAMES, {}))["AttrNames"]) == ["0", "1", "9"]


async def test_set_attr_overwrites_one_attribute_and_leaves_the_others(app: AppHandle) -> None:
    await app.import_accounts("u1", "u2")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "tier", "1": "city"}})
    await app.ok(SET_ATTR, {"UserAttrs": [{"To_Account": "u1", "Attrs": {"tier": "gold", "city": "Beijing"}}]})
    await app.ok(
        SET_ATTR,
        {
            "UserAttrs": [
                {"To_Account": "u1", "Attrs": {"city": "Shanghai"}},
                {"To_Account": "u2", "Attrs": {"tier": "x" * 50}},
                {"To_Account": "u2", "Attrs": {"tier": "platinum"}},  # a later item wins
                {"To_Account": "u2", "Attrs": {}},
            ]
        },
    )
    assert await _attrs(app, "u1", "u2", "u1") == {
        "u1": {"tier": "gold", "city": "Shanghai"},
        "u2": {"tier": "platinum"},
    }
    got = await app.ok(GET_ATTR, {"To_Account": ["u1", "u1", "nobody"]})
    assert [item["To_Account"] for item in got["UserAttrs"]] == ["u1", "nobody"]
    # removing what is not there is no error, nor is an account that does not exist
    await app.ok(
        REMOVE_ATTR, {"UserAttrs": [{"To_Account": "u2", "Attrs": ["city"]}, {"To_Account": "nobody", "Attrs": []}]}
    )
    assert await _attrs(app, "u2") == {"u2": {"tier": "platinum"}}


async def test_tags_are_exact_bytes_and_up_to_one_hundred(app: AppHandle) -> None:
    await app.import_accounts("u1")
    assert_ok(await app.call(ADD_TAG, {"UserTags": [{"To_Account": "u1", "Tags": ["Stock A", "stock a", "股票"]}]}))
    assert await _tags(app, "u1") == {"u1": sorted(["Stock A", "stock a", "股票"])}
    await app.ok(REMOVE_ALL_TAGS, {"To_Account": ["u1"]})
    for start in range(0, 100, 10):
        await app.ok(
            ADD_TAG, {"UserTags": [{"To_Account": "u1", "Tags": [f"t{n:03}" for n in range(start, start + 10)]}]}
        )
    assert len((await _tags(app, "u1"))["u1"]) == 100
    # a tag already held does not count again; a new one is refused (90032) and nothing is written
    assert_ok(await app.call(ADD_TAG, {"UserTags": [{"To_Account": "u1", "Tags": ["t000", "t099"]}]}))
    assert_error(await app.call(ADD_TAG, {"UserTags": [{"To_Account": "u1", "Tags": ["t000", "new"]}]}), 90032)
    assert "new" not in (await _tags(app, "u1"))["u1"]
    await app.ok(REMOVE_TAG, {"UserTags": [{"To_Account": "u1", "Tags": ["t000", "never"]}]})
    await app.ok(ADD_TAG, {"UserTags": [{"To_Account": "u1", "Tags": ["new"]}]})
    tags = (await _tags(app, "u1"))["u1"]
    assert len(tags) == 100 and "new" in tags and "t000" not in tags
    # one request may name the same account twice; the union counts
    await app.import_accounts("u2")
    body = {"UserTags": [{"To_Account": "u2", "Tags": [f"a{n}" for n in range(10)]}] * 11}
    assert_ok(await app.call(ADD_TAG, body))
    body = {
        "UserTags": [
            {"To_Account": "u2", "Tags": [f"b{n}" for n in range(10)]},
            {"To_Account": "u2", "Tags": ["c"] * 10},
        ]
    }
    assert_ok(await app.call(ADD_TAG, body))
    assert len((await _tags(app, "u2"))["u2"]) == 21


async def test_data_is_per_app(app: AppHandle, make_app) -> None:
    other = make_app()
    for handle in (app, other):
        await handle.import_accounts("same")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "sex"}})
    await app.ok(SET_ATTR, {"UserAttrs": [{"To_Account": "same", "Attrs": {"sex": "f"}}]})
    await app.ok(ADD_TAG, {"UserTags": [{"To_Account": "same", "Tags": ["a"]}]})
    assert (await other.ok(GET_NAMES, {}))["AttrNames"] == {}
    assert await _attrs(other, "same") == {"same": {}}
    assert await _tags(other, "same") == {"same": []}
    assert_error(await other.call(SET_ATTR, {"UserAttrs": [{"To_Account": "same", "Attrs": {"sex": "m"}}]}), 90033)


async def test_deleting_an_account_drops_its_attributes_and_tags(app: AppHandle) -> None:
    await app.import_accounts("gone", "stays")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "sex"}})
    await app.ok(
        SET_ATTR,
        {"UserAttrs": [{"To_Account": "gone", "Attrs": {"sex": "f"}}, {"To_Account": "stays", "Attrs": {"sex": "m"}}]},
    )
    await app.ok(ADD_TAG, {"UserTags": [{"To_Account": "gone", "Tags": ["a"]}, {"To_Account": "stays", "Tags": ["a"]}]})
    await app.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "gone"}]})
    await app.import_accounts("gone")
    assert await _attrs(app, "gone", "stays") == {"gone": {}, "stays": {"sex": "m"}}
    assert await _tags(app, "gone", "stays") == {"gone": [], "stays": ["a"]}


async def test_conditions_read_indexes(app: AppHandle) -> None:
    """What push by condition will ask (users whose attribute is V, users with tag T) is an index search."""
    server = app.server
    if server.backend != "sqlite":
        pytest.skip("the plan is checked on SQLite; PostgreSQL's planner picks by statistics")
    await app.import_accounts("u1")
    await app.ok(SET_NAMES, {"AttrNames": {"3": "city"}})
    await app.ok(SET_ATTR, {"UserAttrs": [{"To_Account": "u1", "Attrs": {"city": "Shenzhen"}}]})

    async def plans() -> tuple[str, str, dict[str, int]]:
        async with server.runtime.store.read() as conn:
            attr = await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT user_id FROM user_attrs WHERE sdkappid = ? AND idx = ? AND value = ?"
                " AND user_id > ? ORDER BY user_id LIMIT 1000",
                (app.sdkappid, 3, "Shenzhen", ""),
            )
            tag = await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT user_id FROM user_tags WHERE sdkappid = ? AND tag = ?"
                " AND user_id > ? ORDER BY user_id LIMIT 1000",
                (app.sdkappid, "Stock A", ""),
            )
            own = await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT idx, value FROM user_attrs WHERE sdkappid = ? AND user_id = ?",
                (app.sdkappid, "u1"),
            )
            indexes = await user_attrs.attr_indexes(conn, app.sdkappid)
            own_plan = " ".join(str(r[-1]) for r in own)
            return " ".join(str(r[-1]) for r in attr), " ".join(str(r[-1]) for r in tag), indexes, own_plan

    attr_plan, tag_plan, indexes, own_plan = server.run(plans())
    # a user's own attributes: both equalities bound, not a scan of the app's rows (bench/push.py)
    assert "ix_user_attrs_user" in own_plan and "user_id=?" in own_plan, own_plan
    assert "ix_user_attrs_value" in attr_plan and "TEMP B-TREE" not in attr_plan, attr_plan
    assert "ix_user_tags_tag" in tag_plan and "TEMP B-TREE" not in tag_plan, tag_plan
    assert indexes == {"city": 3}


# -- errors ------------------------------------------------------------------------------------------


async def test_every_api_refuses_bad_json_and_non_admins(app: AppHandle) -> None:
    await app.import_accounts("someone")
    user = app.client("someone")
    for api in ALL:
        assert_error(await app.call(api, b"{not json"), 90001)
        assert_error(await app.call(api, b"[1, 2]"), 90001)
        assert_error(await user.call(api, {}), 90009)


async def test_set_attr_name_errors(app: AppHandle) -> None:
    await app.ok(SET_NAMES, {"AttrNames": {"0": "sex", "1": "city"}})
    for bad in (
        {},
        {"AttrNames": None},
        {"AttrNames": ["sex"]},
        {"AttrNames": {"0": 5}},
        {"AttrNames": {"10": "x"}},
        {"AttrNames": {"00": "x"}},
        {"AttrNames": {"-1": "x"}},
        {"AttrNames": {"a": "x"}},
        {"AttrNames": {"3": ""}},
        {"AttrNames": {"3": "x" * 51}},
        {"AttrNames": {"3": "名" * 17}},  # 51 bytes
        {"AttrNames": {"3": "city"}},  # the name is index 1's
        {"AttrNames": {"3": "tier", "4": "tier"}},
    ):
        assert_error(await app.call(SET_NAMES, bad), 90001)
    await app.ok(SET_NAMES, {"AttrNames": {"3": "x" * 50}})
    assert (await app.ok(GET_NAMES, {}))["AttrNames"] == {"0": "sex", "1": "city", "3": "x" * 50}


async def test_account_list_errors(app: AppHandle) -> None:
    too_many = [f"u{n}" for n in range(101)]
    for api in (GET_ATTR, GET_TAG, REMOVE_ALL_TAGS):
        assert_error(await app.call(api, {}), 90001)
        assert_error(await app.call(api, {"To_Account": []}), 90001)
        assert_error(await app.call(api, {"To_Account": "u1"}), 90001)
        assert_error(await app.call(api, {"To_Account": [""]}), 90001)
        assert_error(await app.call(api, {"To_Account": ["x" * 33]}), 90001)
        assert_error(await app.call(api, {"To_Account": [5]}), 60015)
        assert_error(await app.call(api, {"To_Account": too_many}), 90018)
        assert_ok(await app.call(api, {"To_Account": too_many[:100]}))
    for api, field, values in (
        (SET_ATTR, "UserAttrs", {}),
        (REMOVE_ATTR, "UserAttrs", []),
        (ADD_TAG, "UserTags", []),
        (REMOVE_TAG, "UserTags", []),
    ):
        key = "Tags" if field == "UserTags" else "Attrs"
        assert_error(await app.call(api, {}), 90001)
        assert_error(await app.call(api, {field: []}), 90001)
        assert_error(await app.call(api, {field: {}}), 90001)
        assert_error(await app.call(api, {field: [{key: values}]}), 90001)  # no To_Account
        assert_error(await app.call(api, {field: [{"To_Account": "u1"}]}), 90001)  # no Attrs / Tags
        assert_error(await app.call(api, {field: [{"To_Account": 7, key: values}]}), 60015)
        assert_error(await app.call(api, {field: [{"To_Account": "x" * 33, key: values}]}), 90001)
        body = {field: [{"To_Account": u, key: values} for u in too_many]}
        assert_error(await app.call(api, body), 90018)


async def test_set_attr_errors_write_nothing(app: AppHandle) -> None:
    await app.import_accounts("u1", "u2")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "sex", "1": "city"}})
    for bad in (
        {"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}, {"To_Account": "u2", "Attrs": {"age": "9"}}]},
        {"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}, {"To_Account": "u2", "Attrs": {"city": "x" * 51}}]},
        {"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}, {"To_Account": "u2", "Attrs": {"city": 5}}]},
        {"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}, {"To_Account": "u2", "Attrs": ["city"]}]},
        {"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}, {"To_Account": "u2", "Attrs": {"city": None}}]},
    ):
        assert_error(await app.call(SET_ATTR, bad), 90033)
    # an account that was never imported (refused, naming it; see docs/compatibility.md)
    reply = await app.call(
        SET_ATTR, {"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}, {"To_Account": "ghost", "Attrs": {}}]}
    )
    assert_error(reply, 90001)
    assert "ghost" in reply["ErrorInfo"]
    assert await _attrs(app, "u1", "u2", "ghost") == {"u1": {}, "u2": {}, "ghost": {}}
    assert_ok(await app.call(SET_ATTR, {"UserAttrs": [{"To_Account": "u2", "Attrs": {"city": "名" * 16 + "xx"}}]}))


async def test_remove_attr_errors(app: AppHandle) -> None:
    await app.import_accounts("u1")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "sex"}})
    await app.ok(SET_ATTR, {"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}]})
    for bad in (
        {"UserAttrs": [{"To_Account": "u1", "Attrs": ["sex", "age"]}]},
        {"UserAttrs": [{"To_Account": "u1", "Attrs": [5]}]},
        {"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}]},
        {"UserAttrs": [{"To_Account": "u1", "Attrs": ["sex"] * 11}]},
    ):
        assert_error(await app.call(REMOVE_ATTR, bad), 90033)
    assert await _attrs(app, "u1") == {"u1": {"sex": "f"}}


async def test_tag_errors_write_nothing(app: AppHandle) -> None:
    await app.import_accounts("u1", "u2")
    ok_first = {"To_Account": "u1", "Tags": ["a"]}
    for api in (ADD_TAG, REMOVE_TAG):
        assert_error(await app.call(api, {"UserTags": [ok_first, {"To_Account": "u2", "Tags": ["x" * 51]}]}), 90020)
        assert_error(await app.call(api, {"UserTags": [ok_first, {"To_Account": "u2", "Tags": ["名" * 17]}]}), 90020)
        assert_error(await app.call(api, {"UserTags": [ok_first, {"To_Account": "u2", "Tags": [""]}]}), 90040)
        assert_error(await app.call(api, {"UserTags": [ok_first, {"To_Account": "u2", "Tags": [3]}]}), 90001)
        assert_error(await app.call(api, {"UserTags": [ok_first, {"To_Account": "u2", "Tags": "a"}]}), 90001)
    # at most 10 tags per account in one add (the push page's 90032, seed 7522), 100 in one removal
    eleven = [f"t{n}" for n in range(11)]
    assert_error(await app.call(ADD_TAG, {"UserTags": [ok_first, {"To_Account": "u2", "Tags": eleven}]}), 90032)
    assert_ok(await app.call(REMOVE_TAG, {"UserTags": [{"To_Account": "u2", "Tags": [f"t{n}" for n in range(100)]}]}))
    many = [f"t{n}" for n in range(101)]
    assert_error(await app.call(REMOVE_TAG, {"UserTags": [{"To_Account": "u2", "Tags": many}]}), 90032)
    reply = await app.call(ADD_TAG, {"UserTags": [ok_first, {"To_Account": "ghost", "Tags": ["a"]}]})
    assert_error(reply, 90001)
    assert "ghost" in reply["ErrorInfo"]
    assert await _tags(app, "u1", "u2") == {"u1": [], "u2": []}
    assert_ok(await app.call(ADD_TAG, {"UserTags": [{"To_Account": "u2", "Tags": ["x" * 50, "名" * 16]}]}))


async def test_concurrent_adds_never_pass_one_hundred_tags(app: AppHandle) -> None:
    await app.import_accounts("busy")
    calls = [
        app.call(ADD_TAG, {"UserTags": [{"To_Account": "busy", "Tags": [f"c{n}-{t}" for t in range(10)]}]})
        for n in range(15)
    ]
    replies = await asyncio.gather(*calls)
    assert sorted(r["ErrorCode"] for r in replies) == [0] * 10 + [90032] * 5
    assert len((await _tags(app, "busy"))["busy"]) == 100
