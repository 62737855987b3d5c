"""Group custom attributes and group counters against a real server (seed 004 lines 16683-17483,
20390-20894). 10059 ("needs the Premium edition") is never answered: Confab has no editions."""

from __future__ import annotations

from typing import Any

import pytest

from confab.domain.groups import attrs, notices
from tests.support import AppHandle, assert_error, assert_ok
from tests.test_group_mutes import TYPES, domain, make_group

GET = "group_open_attr_http_svc/get_group_attr"
MODIFY = "group_open_http_svc/modify_group_attr"
CLEAR = "group_open_http_svc/clear_group_attr"
SET = "group_open_http_svc/set_group_attr"
DELETE = "group_open_http_svc/delete_group_attr"
GET_COUNTER = "group_open_http_svc/get_group_counter"
UPDATE_COUNTER = "group_open_http_svc/update_group_counter"
DELETE_COUNTER = "group_open_http_svc/delete_group_counter"
ENVELOPE = {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"}


@pytest.fixture
def roomy(app: AppHandle) -> AppHandle:
    """The test app without the per-group write rate (tests that are not about 10049 write in bursts)."""
    app.set(group_attr_writes_per_second=0)
    return app


async def attrs_of(app: AppHandle, group_id: str) -> dict[str, str]:
    reply = await app.ok(GET, {"GroupId": group_id})
    return {a["key"]: a["value"] for a in reply["GroupAttrAry"]}


def items(**values: str) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in values.items()]


# -- attributes ------------------------------------------------------------------------------------


async def test_seed_samples(roomy: AppHandle) -> None:
    app = roomy
    group_id = await make_group(app, "AVChatRoom")
    # modify_group_attr, seed 16901-16913 (its full-width comma made ASCII)
    reply = await app.call(
        MODIFY,
        {
            "GroupId": group_id,
            "GroupAttr": [{"key": "attr_key", "value": "attr_val"}, {"key": "attr_key1", "value": "attr_val1"}],
        },
    )
    assert_ok(reply)
    assert set(reply) == ENVELOPE
    # get_group_attr, seed 16735-16756
    got = await app.ok(GET, {"GroupId": group_id})
    assert got["GroupAttrAry"] == [{"key": "attr_key", "value": "attr_val"}, {"key": "attr_key1", "value": "attr_val1"}]
    # set_group_attr, seed 17232-17244: a reset replaces the whole set
    await app.ok(SET, {"GroupId": group_id, "GroupAttr": items(attr_key="v2", other="o")})
    assert await attrs_of(app, group_id) == {"attr_key": "v2", "other": "o"}
    # delete_group_attr, seed 17387-17399
    await app.ok(MODIFY, {"GroupId": group_id, "GroupAttr": items(attr_key1="x")})
    assert_ok(await app.call(DELETE, {"GroupId": group_id, "GroupAttr": [{"key": "attr_key"}, {"key": "attr_key1"}]}))
    assert await attrs_of(app, group_id) == {"other": "o"}
    # clear_group_attr, seed 17069-17073
    assert_ok(await app.call(CLEAR, {"GroupId": group_id}))
    assert await attrs_of(app, group_id) == {}


async def test_modify_merges_and_overwrites(roomy: AppHandle) -> None:
    group_id = await make_group(roomy, "Public")
    await roomy.ok(MODIFY, {"GroupId": group_id, "GroupAttr": items(a="1", b="2")})
    await roomy.ok(MODIFY, {"GroupId": group_id, "GroupAttr": items(b="3", c="4")})
    assert await attrs_of(roomy, group_id) == {"a": "1", "b": "3", "c": "4"}


@pytest.mark.parametrize("gtype", TYPES)
async def test_attributes_per_type(roomy: AppHandle, gtype: str) -> None:
    """Every type has attributes; only clear_group_attr is not for Community (seed 17017-17030)."""
    app = roomy
    group_id = await make_group(app, gtype)
    assert_ok(await app.call(MODIFY, {"GroupId": group_id, "GroupAttr": items(k="v")}))
    assert_ok(await app.call(SET, {"GroupId": group_id, "GroupAttr": items(k="w", j="x")}))
    assert_ok(await app.call(DELETE, {"GroupId": group_id, "GroupAttr": [{"key": "j"}]}))
    assert await attrs_of(app, group_id) == {"k": "w"}
    reply = await app.call(CLEAR, {"GroupId": group_id})
    if gtype == "Community":
        assert_error(reply, 10007)
        assert await attrs_of(app, group_id) == {"k": "w"}
    else:
        assert_ok(reply)
        assert await attrs_of(app, group_id) == {}


async def test_attribute_limits(roomy: AppHandle) -> None:
    app = roomy
    group_id = await make_group(app, "ChatRoom")
    for api in (MODIFY, SET):
        assert_error(await app.call(api, {"GroupId": group_id, "GroupAttr": items(**{"k" * 33: "v"})}), 10045)
        assert_error(await app.call(api, {"GroupId": group_id, "GroupAttr": items(k="v" * 4001)}), 10046)
        many = items(**{f"k{i}": "v" for i in range(17)})
        assert_error(await app.call(api, {"GroupId": group_id, "GroupAttr": many}), 10047)
        big = items(**{f"k{i}": "v" * 4000 for i in range(5)})  # 20,000 bytes of values
        assert_error(await app.call(api, {"GroupId": group_id, "GroupAttr": big}), 10048)
        assert_error(await app.call(api, {"GroupId": group_id}), 10004)
        assert_error(await app.call(api, {"GroupId": group_id, "GroupAttr": [{"key": "k"}]}), 10004)
        assert_error(await app.call(api, {"GroupId": group_id, "GroupAttr": [{"key": "", "value": "v"}]}), 10004)
        assert_error(await app.call(api, {"GroupId": group_id, "GroupAttr": [{"key": 1, "value": "v"}]}), 10004)
    # the totals count what the group would hold after the change
    await app.ok(SET, {"GroupId": group_id, "GroupAttr": items(**{f"k{i}": "v" * 1000 for i in range(10)})})
    assert_error(
        await app.call(MODIFY, {"GroupId": group_id, "GroupAttr": items(**{f"n{i}": "v" for i in range(7)})}), 10047
    )
    assert_error(
        await app.call(MODIFY, {"GroupId": group_id, "GroupAttr": items(**{f"n{i}": "v" * 4000 for i in range(2)})}),
        10048,
    )
    assert_error(await app.call(DELETE, {"GroupId": group_id, "GroupAttr": [{"key": "k" * 33}]}), 10045)
    assert_error(await app.call(DELETE, {"GroupId": group_id, "GroupAttr": [{"key": "k1"}, {"key": "gone"}]}), 10050)
    assert_error(await app.call(DELETE, {"GroupId": group_id}), 10004)
    assert len(await attrs_of(app, group_id)) == 10  # failed calls changed nothing
    for api in (GET, MODIFY, SET, CLEAR, DELETE):
        body: dict[str, Any] = {"GroupAttr": items(k="v")} if api in (MODIFY, SET) else {}
        if api == DELETE:
            body = {"GroupAttr": [{"key": "k"}]}
        assert_error(await app.call(api, {**body, "GroupId": "@TGS#3NOSUCHGROUP"}), 10010)
        assert_error(await app.call(api, {**body, "GroupId": "g" * 200}), 10015)
        assert_error(await app.call(api, body), 10004)


async def test_write_rate_per_group(app: AppHandle) -> None:
    """10049: more writes in a second than the app's group_attr_writes_per_second (5 by default)."""
    app.set(group_attr_writes_per_second=2)
    group_id = await make_group(app, "Public")
    other = await make_group(app, "Public")
    await app.ok(MODIFY, {"GroupId": group_id, "GroupAttr": items(a="1")})
    await app.ok(SET, {"GroupId": group_id, "GroupAttr": items(a="2")})
    for api, body in (
        (MODIFY, {"GroupAttr": items(a="3")}),
        (SET, {"GroupAttr": items(a="3")}),
        (DELETE, {"GroupAttr": [{"key": "a"}]}),
        (CLEAR, {}),
    ):
        assert_error(await app.call(api, {"GroupId": group_id, **body}), 10049)
    assert await attrs_of(app, group_id) == {"a": "2"}  # reads are not writes
    await app.ok(MODIFY, {"GroupId": other, "GroupAttr": items(a="1")})  # per group


async def test_device_attribute_rules(roomy: AppHandle) -> None:
    group_id = await make_group(roomy, "Public", ("m1",))
    await roomy.import_accounts("stranger")
    domain(roomy, attrs.modify, group_id, {"k": "v"}, operator="m1")
    assert domain(roomy, attrs.get, group_id, operator="m1") == {"k": "v"}
    with pytest.raises(Exception, match="10007"):
        domain(roomy, attrs.modify, group_id, {"k": "w"}, operator="stranger")
    with pytest.raises(Exception, match="10007"):
        domain(roomy, attrs.get, group_id, operator="stranger")


async def test_attribute_change_is_a_tip_and_an_event(roomy: AppHandle) -> None:
    group_id = await make_group(roomy, "Public", ("m1",))
    tap = roomy.server.tap()
    try:
        await roomy.ok(MODIFY, {"GroupId": group_id, "GroupAttr": items(k="v")})
        events = [e for e in tap.drain() if e.sdkappid == roomy.sdkappid]
    finally:
        roomy.server.untap(tap)
    [changed] = [e for e in events if isinstance(e, notices.AttrsChanged)]
    assert changed.attrs == {"k": "v"}
    [tip] = [e for e in events if isinstance(e, notices.GroupEntry)]
    assert b'"TipType":"AttrsChange"' in bytes(tip.payload)
    assert b'"GroupAttr":[{"key":"k","value":"v"}]' in bytes(tip.payload)


# -- counters --------------------------------------------------------------------------------------


async def counters_of(app: AppHandle, group_id: str, keys: list[str] | None = None) -> dict[str, int]:
    body: dict[str, Any] = {"GroupId": group_id}
    if keys is not None:
        body["GroupCounterKeys"] = keys
    return {c["Key"]: c["Value"] for c in (await app.ok(GET_COUNTER, body))["GroupCounter"]}


async def test_counter_seed_samples(app: AppHandle) -> None:
    group_id = await make_group(app, "AVChatRoom")
    # update_group_counter, seed 20617-20631 and its reply 20683-20697
    reply = await app.ok(
        UPDATE_COUNTER,
        {
            "GroupId": group_id,
            "GroupCounter": [{"Key": "like", "Value": 5}, {"Key": "unlike", "Value": 1}],
            "Mode": "Set",
        },
    )
    assert reply["GroupCounter"] == [{"Key": "like", "Value": 5}, {"Key": "unlike", "Value": 1}]
    # get_group_counter, seed 20443-20449 and its reply 20458-20472
    got = await app.ok(GET_COUNTER, {"GroupId": group_id, "GroupCounterKeys": ["like", "unlike"]})
    assert got["GroupCounter"] == [{"Key": "like", "Value": 5}, {"Key": "unlike", "Value": 1}]
    # delete_group_counter, seed 20818-20824
    reply = await app.call(DELETE_COUNTER, {"GroupId": group_id, "GroupCounterKeys": ["like", "unlike"]})
    assert_ok(reply)
    assert set(reply) == ENVELOPE
    assert await counters_of(app, group_id) == {}


async def test_increase_decrease_start_at_zero(app: AppHandle) -> None:
    group_id = await make_group(app, "Public")
    up = await app.ok(
        UPDATE_COUNTER, {"GroupId": group_id, "GroupCounter": [{"Key": "a", "Value": 3}], "Mode": "Increase"}
    )
    assert up["GroupCounter"] == [{"Key": "a", "Value": 3}]
    down = await app.ok(
        UPDATE_COUNTER,
        {"GroupId": group_id, "GroupCounter": [{"Key": "a", "Value": 5}, {"Key": "b", "Value": 2}], "Mode": "Decrease"},
    )
    assert down["GroupCounter"] == [{"Key": "a", "Value": -2}, {"Key": "b", "Value": -2}]
    await app.ok(UPDATE_COUNTER, {"GroupId": group_id, "GroupCounter": [{"Key": "c", "Value": -(2**63)}]})  # Set
    assert await counters_of(app, group_id) == {"a": -2, "b": -2, "c": -(2**63)}
    assert await counters_of(app, group_id, ["b", "missing"]) == {"b": -2}
    await app.ok(DELETE_COUNTER, {"GroupId": group_id, "GroupCounterKeys": ["a", "missing"]})
    assert await counters_of(app, group_id) == {"b": -2, "c": -(2**63)}
    await app.ok(DELETE_COUNTER, {"GroupId": group_id})  # no keys: all of them
    assert await counters_of(app, group_id) == {}


@pytest.mark.parametrize("gtype", TYPES)
async def test_counters_per_type(app: AppHandle, gtype: str) -> None:
    """Counters are for every type but Community (seed 20404-20414)."""
    group_id = await make_group(app, gtype)
    replies = [
        await app.call(UPDATE_COUNTER, {"GroupId": group_id, "GroupCounter": [{"Key": "k", "Value": 1}]}),
        await app.call(GET_COUNTER, {"GroupId": group_id}),
        await app.call(DELETE_COUNTER, {"GroupId": group_id}),
    ]
    for reply in replies:
        if gtype == "Community":
            assert_error(reply, 10007)
        else:
            assert_ok(reply)


async def test_counter_errors(app: AppHandle) -> None:
    group_id = await make_group(app, "ChatRoom")
    one = [{"Key": "k", "Value": 1}]
    many = [{"Key": f"k{i}", "Value": 1} for i in range(21)]
    assert_error(await app.call(UPDATE_COUNTER, {"GroupId": group_id, "GroupCounter": many}), 10063)
    await app.ok(UPDATE_COUNTER, {"GroupId": group_id, "GroupCounter": many[:20]})
    assert_error(
        await app.call(UPDATE_COUNTER, {"GroupId": group_id, "GroupCounter": [{"Key": "new", "Value": 1}]}), 10063
    )
    await app.ok(DELETE_COUNTER, {"GroupId": group_id})
    for bad in (
        {"GroupCounter": [{"Key": "k" * 129, "Value": 1}]},
        {"GroupCounter": [{"Key": "", "Value": 1}]},
        {"GroupCounter": [{"Key": "k"}]},
        {"GroupCounter": [{"Key": "k", "Value": "1"}]},
        {"GroupCounter": [{"Key": "k", "Value": 2**63}]},
        {"GroupCounter": []},
        {},
        {"GroupCounter": one, "Mode": "Multiply"},
    ):
        assert_error(await app.call(UPDATE_COUNTER, {"GroupId": group_id, **bad}), 10004)
    await app.ok(UPDATE_COUNTER, {"GroupId": group_id, "GroupCounter": [{"Key": "top", "Value": 2**63 - 1}]})
    overflow = {"GroupId": group_id, "GroupCounter": [{"Key": "top", "Value": 1}], "Mode": "Increase"}
    assert_error(await app.call(UPDATE_COUNTER, overflow), 10004)
    assert_error(await app.call(GET_COUNTER, {"GroupId": group_id, "GroupCounterKeys": ["k" * 129]}), 10004)
    assert_error(await app.call(DELETE_COUNTER, {"GroupId": group_id, "GroupCounterKeys": [""]}), 10004)
    assert await counters_of(app, group_id) == {"top": 2**63 - 1}  # failed calls changed nothing
    for api, body in ((UPDATE_COUNTER, {"GroupCounter": one}), (GET_COUNTER, {}), (DELETE_COUNTER, {})):
        assert_error(await app.call(api, {**body, "GroupId": "@TGS#3NOSUCHGROUP"}), 10010)
        assert_error(await app.call(api, {**body, "GroupId": "g" * 200}), 10015)
        assert_error(await app.call(api, body), 10004)


async def test_counter_change_is_a_tip_and_an_event(app: AppHandle) -> None:
    group_id = await make_group(app, "Public")
    await app.ok(UPDATE_COUNTER, {"GroupId": group_id, "GroupCounter": [{"Key": "x", "Value": 1}]})
    tap = app.server.tap()
    try:
        await app.ok(UPDATE_COUNTER, {"GroupId": group_id, "GroupCounter": [{"Key": "like", "Value": 2}]})
        await app.ok(DELETE_COUNTER, {"GroupId": group_id, "GroupCounterKeys": ["x"]})
        events = [e for e in tap.drain() if e.sdkappid == app.sdkappid]
    finally:
        app.server.untap(tap)
    changes = [(e.counters, e.deleted) for e in events if isinstance(e, notices.CountersChanged)]
    assert changes == [({"like": 2}, []), ({}, ["x"])]
    tips = [bytes(e.payload) for e in events if isinstance(e, notices.GroupEntry)]
    assert len(tips) == 2 and all(b'"TipType":"CountersChange"' in t for t in tips)
