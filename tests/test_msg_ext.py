"""openim_msg_ext_http_svc get_key_values / set_key_values against a real server (seed 004 5943-6407)."""

from __future__ import annotations

import pytest

from confab.domain import msg_ext
from confab.domain.feed import FeedEntry
from confab.errors import ApiError
from tests.support import AppHandle, assert_error, assert_ok

GET = "openim_msg_ext_http_svc/get_key_values"
SET = "openim_msg_ext_http_svc/set_key_values"


async def send(app: AppHandle, *, support: bool = True, sender: str = "62768", receiver: str = "116400") -> str:
    body = {
        "SyncOtherMachine": 1,
        "From_Account": sender,
        "To_Account": receiver,
        "MsgRandom": 1287657,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
    }
    if support:
        body["SupportMessageExtension"] = 1
    reply = await app.ok("openim/sendmsg", body)
    return reply["MsgKey"]


@pytest.fixture
async def pair(app: AppHandle) -> AppHandle:
    await app.import_accounts("62768", "116400", "stranger")
    return app


def seed_set(msg_key: str) -> dict:
    return {
        "From_Account": "62768",
        "To_Account": "116400",
        "MsgKey": msg_key,
        "OperateType": 1,
        "ExtensionList": [
            {"Key": "k1", "Value": "v1", "Seq": 0},
            {"Key": "k2", "Value": "v2", "Seq": 0},
            {"Key": "k3", "Value": "v3", "Seq": 0},
        ],
    }


async def test_seed_samples_set_then_get(pair: AppHandle) -> None:
    key = await send(pair)
    reply = await pair.call(SET, seed_set(key))
    assert_ok(reply)
    assert reply["ExtensionList"] == [
        {"ErrorCode": 0, "Extension": {"Key": f"k{n}", "Value": f"v{n}", "Seq": 1}} for n in (1, 2, 3)
    ]
    await pair.ok(
        SET,
        {
            "From_Account": "62768",
            "To_Account": "116400",
            "MsgKey": key,
            "OperateType": 1,
            "ExtensionList": [{"Key": "k3", "Value": "v3", "Seq": 1}],
        },
    )
    got = await pair.ok(GET, {"From_Account": "62768", "To_Account": "116400", "MsgKey": key})
    assert got["CompleteFlag"] == 1
    assert got["LatestSeq"] == 2
    assert got["ClearSeq"] == 0
    assert got["ExtensionList"] == [
        {"Key": "k1", "Value": "v1", "Seq": 1},
        {"Key": "k2", "Value": "v2", "Seq": 1},
        {"Key": "k3", "Value": "v3", "Seq": 2},
    ]
    since = await pair.ok(GET, {"From_Account": "62768", "To_Account": "116400", "MsgKey": key, "StartSeq": 2})
    assert since["ExtensionList"] == [{"Key": "k3", "Value": "v3", "Seq": 2}]


async def test_from_account_may_be_left_out(pair: AppHandle) -> None:
    key = await send(pair)
    body = seed_set(key)
    del body["From_Account"]
    await pair.ok(SET, body)
    got = await pair.ok(GET, {"To_Account": "116400", "MsgKey": key})
    assert [e["Key"] for e in got["ExtensionList"]] == ["k1", "k2", "k3"]


async def test_delete_and_clear(pair: AppHandle) -> None:
    key = await send(pair)
    await pair.ok(SET, seed_set(key))
    base = {"From_Account": "62768", "To_Account": "116400", "MsgKey": key}
    deleted = await pair.ok(SET, {**base, "OperateType": 2, "ExtensionList": [{"Key": "k1", "Value": "", "Seq": 1}]})
    assert deleted["ExtensionList"][0]["ErrorCode"] == 0
    got = await pair.ok(GET, base)
    assert [e["Key"] for e in got["ExtensionList"]] == ["k2", "k3"]
    assert got["LatestSeq"] == 2
    await pair.ok(SET, {**base, "OperateType": 3})
    cleared = await pair.ok(GET, base)
    assert cleared["ExtensionList"] == []
    assert cleared["ClearSeq"] == 2
    again = await pair.ok(SET, {**base, "OperateType": 1, "ExtensionList": [{"Key": "k9", "Value": "v", "Seq": 0}]})
    assert again["ExtensionList"][0]["Extension"]["Seq"] == 3


async def test_both_members_hear_of_a_change(pair: AppHandle) -> None:
    key = await send(pair)
    tap = pair.server.tap()
    try:
        await pair.ok(SET, seed_set(key))
        entries = [e for e in tap.drain() if isinstance(e, FeedEntry) and e.kind == msg_ext.FEED_KIND]
    finally:
        pair.server.untap(tap)
    assert sorted(e.user_id for e in entries if e.sdkappid == pair.sdkappid) == ["116400", "62768"]


async def test_member_writes_are_seq_checked_23001(pair: AppHandle) -> None:
    """The admin is not Seq-checked; a member is (the gateway's path): 23001 with the current value."""
    key = await send(pair)
    await pair.ok(SET, seed_set(key))
    server = pair.server

    async def member_write(seq: int) -> list:
        live = await server.runtime.apps.get(pair.sdkappid)
        return await msg_ext.set_key_values(
            server.runtime,
            live,
            from_account="62768",
            to_account="116400",
            msg_key=key,
            operate_type=1,
            items=[msg_ext.ExtItem("k2", "v1234", seq)],
            operator="116400",
        )

    stale = server.run(member_write(0))
    assert stale == [{"ErrorCode": 23001, "Extension": {"Key": "k2", "Value": "v2", "Seq": 1}}]
    fresh = server.run(member_write(1))
    assert fresh == [{"ErrorCode": 0, "Extension": {"Key": "k2", "Value": "v1234", "Seq": 2}}]

    async def outsider() -> None:
        live = await server.runtime.apps.get(pair.sdkappid)
        await msg_ext.get_key_values(
            server.runtime, live, from_account="62768", to_account="116400", msg_key=key, operator="stranger"
        )

    with pytest.raises(ApiError) as refused:
        server.run(outsider())
    assert refused.value.code == 10004


async def test_message_without_extension_support_23002(pair: AppHandle) -> None:
    key = await send(pair, support=False)
    assert_error(await pair.call(SET, seed_set(key)), 23002)


async def test_unknown_message_23004(pair: AppHandle) -> None:
    assert_error(await pair.call(SET, seed_set("1_2_3")), 23004)
    assert_error(await pair.call(GET, {"From_Account": "62768", "To_Account": "116400", "MsgKey": "1_2_3"}), 23004)
    key = await send(pair)
    assert_error(await pair.call(GET, {"From_Account": "stranger", "To_Account": "116400", "MsgKey": key}), 23004)


async def test_feature_switched_off_10008(pair: AppHandle) -> None:
    key = await send(pair)
    pair.set(msg_extension_enabled=False)
    assert_error(await pair.call(SET, seed_set(key)), 10008)
    assert_error(await pair.call(GET, {"To_Account": "116400", "MsgKey": key}), 10008)


async def test_more_than_200_writes_a_minute_23003(pair: AppHandle) -> None:
    pair.set(rate_limits={"*": 0})
    key = await send(pair)
    body = {**seed_set(key), "ExtensionList": [{"Key": "k", "Value": "v", "Seq": 0}]}
    for _ in range(msg_ext.MAX_WRITES_PER_MINUTE):
        assert_ok(await pair.call(SET, body))
    assert_error(await pair.call(SET, body), 23003)


async def test_parameter_errors_10004(pair: AppHandle) -> None:
    key = await send(pair)
    base = {"From_Account": "62768", "To_Account": "116400", "MsgKey": key}
    one = [{"Key": "k", "Value": "v", "Seq": 0}]
    assert_error(await pair.call(SET, {**base, "OperateType": 4, "ExtensionList": one}), 10004)
    assert_error(await pair.call(SET, {**base, "OperateType": 1}), 10004)
    many = [{"Key": f"k{n}", "Value": "v", "Seq": 0} for n in range(21)]
    assert_error(await pair.call(SET, {**base, "OperateType": 1, "ExtensionList": many}), 10004)
    long_key = [{"Key": "k" * 101, "Value": "v", "Seq": 0}]
    assert_error(await pair.call(SET, {**base, "OperateType": 1, "ExtensionList": long_key}), 10004)
    long_value = [{"Key": "k", "Value": "v" * 1001, "Seq": 0}]
    assert_error(await pair.call(SET, {**base, "OperateType": 1, "ExtensionList": long_value}), 10004)
    assert_error(await pair.call(SET, {"MsgKey": key, "OperateType": 1, "ExtensionList": one}), 10004)
    assert_error(await pair.call(GET, {"To_Account": "116400"}), 10004)
    assert_error(await pair.call(GET, b"{oops"), 10004)
    # nothing was written by the refused calls
    got = await pair.ok(GET, base)
    assert got["ExtensionList"] == [] and got["LatestSeq"] == 0


async def test_at_most_300_keys_per_message(pair: AppHandle) -> None:
    pair.set(rate_limits={"*": 0})
    key = await send(pair)
    base = {"From_Account": "62768", "To_Account": "116400", "MsgKey": key, "OperateType": 1}
    for batch in range(15):
        items = [{"Key": f"k{batch}_{n}", "Value": "v", "Seq": 0} for n in range(20)]
        assert_ok(await pair.call(SET, {**base, "ExtensionList": items}))
    assert_error(await pair.call(SET, {**base, "ExtensionList": [{"Key": "one-more", "Value": "v"}]}), 10004)
    first = await pair.ok(GET, {"From_Account": "62768", "To_Account": "116400", "MsgKey": key})
    assert len(first["ExtensionList"]) == 200 and first["CompleteFlag"] == 0
    rest = await pair.ok(
        GET,
        {
            "From_Account": "62768",
            "To_Account": "116400",
            "MsgKey": key,
            "StartSeq": first["ExtensionList"][-1]["Seq"] + 1,
        },
    )
    assert len(rest["ExtensionList"]) == 100 and rest["CompleteFlag"] == 1
