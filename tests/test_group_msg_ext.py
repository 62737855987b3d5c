"""Group message extensions: openim_msg_ext_http_svc group_get_key_values (seed 004 6408-6621) and
group_set_key_values (6622-6892), the gateway's get/set_group_msg_ext and the "group.msg_ext" push."""

from __future__ import annotations

import pytest

from confab.client import GatewayError
from confab.domain import msg_ext
from confab.domain.groups import types
from tests.gateway import connect
from tests.support import AppHandle, assert_error, assert_ok

GET = "openim_msg_ext_http_svc/group_get_key_values"
SET = "openim_msg_ext_http_svc/group_set_key_values"
CREATE = "group_open_http_svc/create_group"
SEND = "group_open_http_svc/send_group_msg"
RECALL = "group_open_http_svc/group_msg_recall"
DESTROY = "group_open_http_svc/destroy_group"
ACCOUNT_DELETE = "im_open_login_svc/account_delete"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "vote"}}]


async def make_group(app: AppHandle, gtype: str = "Public", group_id: str | None = None) -> str:
    body: dict = {
        "Type": gtype,
        "Name": "g",
        "Owner_Account": "leckie",
        "MemberList": [{"Member_Account": "bob"}, {"Member_Account": "peter"}],
    }
    if gtype == "AVChatRoom":
        del body["MemberList"]
    if group_id is not None:
        body["GroupId"] = group_id
    return str((await app.ok(CREATE, body))["GroupId"])


async def send(app: AppHandle, gid: str, *, support: bool = True, random: int = 1) -> int:
    body: dict = {"GroupId": gid, "From_Account": "leckie", "Random": random, "MsgBody": TEXT}
    if support:
        body["SupportMessageExtension"] = 1
    return int((await app.ok(SEND, body))["MsgSeq"])


@pytest.fixture
async def group(app: AppHandle) -> tuple[AppHandle, str, int]:
    await app.import_accounts("leckie", "bob", "peter", "stranger")
    gid = await make_group(app)
    return app, gid, await send(app, gid)


async def test_seed_samples(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    # "Configure message extensions for the group message whose MsgSeq is 158" (seed 6724-6740)
    reply = await app.call(
        SET,
        {
            "GroupId": gid,
            "MsgSeq": seq,
            "OperateType": 1,
            "ExtensionList": [
                {"Key": "key1", "Value": "value1", "Seq": 0},
                {"Key": "key2", "Value": "value2", "Seq": 0},
            ],
        },
    )
    assert_ok(reply)
    assert reply["ExtensionList"] == [
        {"ErrorCode": 0, "Extension": {"Key": "key1", "Value": "value1", "Seq": 1}},
        {"ErrorCode": 0, "Extension": {"Key": "key2", "Value": "value2", "Seq": 1}},
    ]
    # build the state of the pull sample (seed 6548-6580): key1, key2 at Seq 1, key3 at Seq 2
    await app.ok(
        SET,
        {
            "GroupId": gid,
            "MsgSeq": seq,
            "OperateType": 1,
            "ExtensionList": [{"Key": "key1", "Value": "1"}, {"Key": "key2", "Value": "2"}],
        },
    )
    await app.ok(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 3})  # clear (seed 6762-6770)
    await app.ok(
        SET,
        {
            "GroupId": gid,
            "MsgSeq": seq,
            "OperateType": 1,
            "ExtensionList": [{"Key": "key1", "Value": "1", "Seq": 0}, {"Key": "key2", "Value": "2", "Seq": 0}],
        },
    )
    await app.ok(
        SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 1, "ExtensionList": [{"Key": "key3", "Value": "3"}]}
    )
    got = await app.call(GET, {"GroupId": gid, "MsgSeq": seq})  # seed 6488-6494
    assert_ok(got)
    assert got["CompleteFlag"] == 1
    assert got["LatestSeq"] == 4 and got["ClearSeq"] == 2
    assert got["ExtensionList"] == [
        {"Key": "key1", "Value": "1", "Seq": 3},
        {"Key": "key2", "Value": "2", "Seq": 3},
        {"Key": "key3", "Value": "3", "Seq": 4},
    ]
    since = await app.ok(GET, {"GroupId": gid, "MsgSeq": seq, "StartSeq": 4})  # seed 6498-6506
    assert since["ExtensionList"] == [{"Key": "key3", "Value": "3", "Seq": 4}]
    # "Delete message extensions" (seed 6744-6758)
    deleted = await app.ok(
        SET,
        {"GroupId": gid, "MsgSeq": seq, "OperateType": 2, "ExtensionList": [{"Key": "key1", "Value": "", "Seq": 1}]},
    )
    assert deleted["ExtensionList"] == [{"ErrorCode": 0, "Extension": {"Key": "key1", "Value": "", "Seq": 5}}]
    after = await app.ok(GET, {"GroupId": gid, "MsgSeq": seq})
    assert [e["Key"] for e in after["ExtensionList"]] == ["key2", "key3"]


async def test_a_fresh_message_reads_empty(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    got = await app.ok(GET, {"GroupId": gid, "MsgSeq": seq})
    assert got["ExtensionList"] == [] and got["LatestSeq"] == 0 and got["ClearSeq"] == 0 and got["CompleteFlag"] == 1


async def test_members_over_the_gateway_are_seq_checked_23001(group: tuple[AppHandle, str, int]) -> None:
    """The seed's reply sample: key1 set, key2 refused with 23001 and its current value (seed 6818-6850)."""
    app, gid, seq = group
    bob = await connect(app, "bob")
    peter = await connect(app, "peter")
    try:
        first = await bob.set_group_msg_ext(gid, seq, 1, [{"Key": "key2", "Value": "value1234", "Seq": 0}])
        assert first["ExtensionList"] == [
            {"ErrorCode": 0, "Extension": {"Key": "key2", "Value": "value1234", "Seq": 1}}
        ]
        await bob.set_group_msg_ext(gid, seq, 1, [{"Key": "key2", "Value": "value1234", "Seq": 1}])
        reply = await peter.set_group_msg_ext(
            gid,
            seq,
            1,
            [{"Key": "key1", "Value": "value1", "Seq": 0}, {"Key": "key2", "Value": "mine", "Seq": 1}],
        )
        assert reply["ExtensionList"] == [
            {"ErrorCode": 0, "Extension": {"Key": "key1", "Value": "value1", "Seq": 3}},
            {"ErrorCode": 23001, "Extension": {"Key": "key2", "Value": "value1234", "Seq": 2}},
        ]
        got = await peter.get_group_msg_ext(gid, seq)
        assert got["LatestSeq"] == 3
        assert got["ExtensionList"] == [
            {"Key": "key2", "Value": "value1234", "Seq": 2},
            {"Key": "key1", "Value": "value1", "Seq": 3},
        ]
        assert (await peter.get_group_msg_ext(gid, seq, start_seq=3))["ExtensionList"] == [
            {"Key": "key1", "Value": "value1", "Seq": 3}
        ]
        # the admin is not Seq-checked (seed 6808-6810)
        forced = await app.ok(
            SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 1, "ExtensionList": [{"Key": "key2", "Value": "x"}]}
        )
        assert forced["ExtensionList"][0] == {"ErrorCode": 0, "Extension": {"Key": "key2", "Value": "x", "Seq": 4}}
    finally:
        await bob.close()
        await peter.close()


async def test_connected_members_hear_of_a_change(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    bob = await connect(app, "bob")
    peter = await connect(app, "peter")
    try:
        await peter.set_group_msg_ext(gid, seq, 1, [{"Key": "like", "Value": "1", "Seq": 0}])
        for client in (bob, peter):
            pushed = (await client.next_event(msg_ext.GROUP_KIND)).data
            assert pushed == {
                "GroupId": gid,
                "MsgSeq": seq,
                "OperateType": 1,
                "Operator_Account": "peter",
                "ExtensionList": [{"Key": "like", "Value": "1", "Seq": 1}],
                "LatestSeq": 1,
                "ClearSeq": 0,
            }
        await app.ok(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 3})
        cleared = (await bob.next_event(msg_ext.GROUP_KIND)).data
        assert cleared["OperateType"] == 3 and cleared["ClearSeq"] == 1 and cleared["Operator_Account"] == ""
        # a write that changes nothing (a stale Seq) announces nothing
        stale = await bob.set_group_msg_ext(gid, seq, 1, [{"Key": "k", "Value": "v", "Seq": 7}])
        assert stale["ExtensionList"][0]["ErrorCode"] == 23001
        with pytest.raises(TimeoutError):
            await bob.next_event(msg_ext.GROUP_KIND, within=0.3)
    finally:
        await bob.close()
        await peter.close()


async def test_outsiders_are_refused_10007(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    stranger = await connect(app, "stranger")
    try:
        for call in (
            stranger.get_group_msg_ext(gid, seq),
            stranger.set_group_msg_ext(gid, seq, 1, [{"Key": "k", "Value": "v", "Seq": 0}]),
        ):
            with pytest.raises(GatewayError) as refused:
                await call
            assert refused.value.code == 10007
    finally:
        await stranger.close()


async def test_message_without_extension_support_23002(group: tuple[AppHandle, str, int]) -> None:
    app, gid, _ = group
    plain = await send(app, gid, support=False, random=2)
    body = {"GroupId": gid, "MsgSeq": plain, "OperateType": 1, "ExtensionList": [{"Key": "k", "Value": "v"}]}
    assert_error(await app.call(SET, body), 23002)
    assert (await app.ok(GET, {"GroupId": gid, "MsgSeq": plain}))["ExtensionList"] == []


async def test_missing_messages_23004(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    one = [{"Key": "k", "Value": "v"}]
    for target in ({"GroupId": gid, "MsgSeq": seq + 100}, {"GroupId": "@TGS#2NOSUCHGROUP", "MsgSeq": seq}):
        assert_error(await app.call(GET, target), 23004)
        assert_error(await app.call(SET, {**target, "OperateType": 1, "ExtensionList": one}), 23004)
    if seq > 1:  # the creation's tips share the stream: a tip has no extensions
        assert_error(await app.call(GET, {"GroupId": gid, "MsgSeq": 1}), 23004)
    await app.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]})
    assert_error(await app.call(GET, {"GroupId": gid, "MsgSeq": seq}), 23004)
    assert_error(await app.call(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 3}), 23004)


async def test_feature_switched_off_10008(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    app.set(msg_extension_enabled=False)
    assert_error(await app.call(GET, {"GroupId": gid, "MsgSeq": seq}), 10008)
    assert_error(await app.call(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 3}), 10008)


async def test_more_than_200_writes_a_minute_23003(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    app.set(rate_limits={"*": 0})
    body = {"GroupId": gid, "MsgSeq": seq, "OperateType": 1, "ExtensionList": [{"Key": "k", "Value": "v"}]}
    for _ in range(msg_ext.MAX_WRITES_PER_MINUTE):
        assert_ok(await app.call(SET, body))
    assert_error(await app.call(SET, body), 23003)


async def test_parameter_errors_10004(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    base = {"GroupId": gid, "MsgSeq": seq}
    one = [{"Key": "k", "Value": "v", "Seq": 0}]
    assert_error(await app.call(SET, {**base, "OperateType": 4, "ExtensionList": one}), 10004)
    assert_error(await app.call(SET, {**base, "OperateType": 1}), 10004)
    assert_error(await app.call(SET, {**base, "OperateType": 2, "ExtensionList": []}), 10004)
    many = [{"Key": f"k{n}", "Value": "v", "Seq": 0} for n in range(21)]
    assert_error(await app.call(SET, {**base, "OperateType": 1, "ExtensionList": many}), 10004)
    long_key = [{"Key": "k" * 101, "Value": "v"}]
    assert_error(await app.call(SET, {**base, "OperateType": 1, "ExtensionList": long_key}), 10004)
    long_value = [{"Key": "k", "Value": "v" * 1001}]
    assert_error(await app.call(SET, {**base, "OperateType": 1, "ExtensionList": long_value}), 10004)
    twice = [{"Key": "k", "Value": "v"}, {"Key": "k", "Value": "w"}]
    assert_error(await app.call(SET, {**base, "OperateType": 1, "ExtensionList": twice}), 10004)
    assert_error(await app.call(SET, {"MsgSeq": seq, "OperateType": 1, "ExtensionList": one}), 10004)
    assert_error(await app.call(SET, {"GroupId": gid, "OperateType": 3}), 10004)
    assert_error(await app.call(GET, {"GroupId": gid}), 10004)
    assert_error(await app.call(GET, {"GroupId": gid, "MsgSeq": 0}), 10004)
    assert_error(await app.call(GET, {"GroupId": "x" * 200, "MsgSeq": seq}), 10004)
    assert_error(await app.call(GET, {"GroupId": 7, "MsgSeq": seq}), 10004)
    assert_error(await app.call(GET, b"{oops"), 10004)
    assert (await app.ok(GET, base))["LatestSeq"] == 0  # nothing was written by the refused calls


async def test_at_most_300_keys_and_200_per_pull(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    app.set(rate_limits={"*": 0})
    base = {"GroupId": gid, "MsgSeq": seq, "OperateType": 1}
    for batch in range(15):
        items = [{"Key": f"k{batch}_{n}", "Value": "v"} for n in range(20)]
        assert_ok(await app.call(SET, {**base, "ExtensionList": items}))
    assert_error(await app.call(SET, {**base, "ExtensionList": [{"Key": "one-more", "Value": "v"}]}), 10004)
    first = await app.ok(GET, {"GroupId": gid, "MsgSeq": seq})
    assert len(first["ExtensionList"]) == 200 and first["CompleteFlag"] == 0
    rest = await app.ok(GET, {"GroupId": gid, "MsgSeq": seq, "StartSeq": first["ExtensionList"][-1]["Seq"] + 1})
    assert len(rest["ExtensionList"]) == 100 and rest["CompleteFlag"] == 1


@pytest.mark.parametrize("gtype", types.ALL, ids=lambda t: t.name)
async def test_group_types(app: AppHandle, gtype: types.GroupType) -> None:
    """Private, Public and ChatRoom support extensions; AVChatRoom and Community do not (seed 6429-6439)."""
    await app.import_accounts("leckie", "bob", "peter")
    gid = await make_group(app, gtype.name)
    seq = (await app.ok(SEND, {"GroupId": gid, "Random": 5, "SupportMessageExtension": 1, "MsgBody": TEXT}))["MsgSeq"]
    body = {"GroupId": gid, "MsgSeq": max(1, seq), "OperateType": 1, "ExtensionList": [{"Key": "k", "Value": "v"}]}
    reply = await app.call(SET, body)
    if gtype.msg_extensions:
        assert_ok(reply)
        got = await app.ok(GET, {"GroupId": gid, "MsgSeq": seq})
        assert got["ExtensionList"] == [{"Key": "k", "Value": "v", "Seq": 1}]
    else:
        assert_error(reply, 10007)
        assert_error(await app.call(GET, {"GroupId": gid, "MsgSeq": max(1, seq)}), 10007)


async def test_rows_belong_to_the_message_not_an_account_or_an_old_group(app: AppHandle) -> None:
    """A custom GroupId equal to a UserID survives that account's deletion; a group disbanded and
    created again under the same ID starts without the old messages' key-values."""
    await app.import_accounts("leckie", "bob", "peter", "team1")
    gid = await make_group(app, group_id="team1")
    seq = await send(app, gid)
    await app.ok(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 1, "ExtensionList": [{"Key": "k", "Value": "v"}]})
    await app.ok(ACCOUNT_DELETE, {"DeleteItem": [{"UserID": "team1"}]})
    assert len((await app.ok(GET, {"GroupId": gid, "MsgSeq": seq}))["ExtensionList"]) == 1
    await app.ok(DESTROY, {"GroupId": gid})
    await make_group(app, group_id="team1")
    again = await send(app, gid, random=99)
    assert again == seq
    got = await app.ok(GET, {"GroupId": gid, "MsgSeq": again})
    assert got["ExtensionList"] == [] and got["LatestSeq"] == 0


async def test_hostile_values_get_the_parameter_code(group: tuple[AppHandle, str, int]) -> None:
    app, gid, seq = group
    big = 1 << 70
    assert_error(await app.call(GET, {"GroupId": gid, "MsgSeq": big}), 10004)
    assert_error(await app.call(GET, {"GroupId": gid, "MsgSeq": seq, "StartSeq": big}), 10004)
    assert_error(await app.call(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": big}), 10004)
    items = [{"Key": "k", "Value": "v", "Seq": big}]
    assert_error(await app.call(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 1, "ExtensionList": items}), 10004)
    items = [{"Key": "k\u0000", "Value": "v"}]
    assert_error(await app.call(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 1, "ExtensionList": items}), 10004)
    items = [{"Key": "k", "Value": "v", "Seq": -1}]
    assert_error(await app.call(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 1, "ExtensionList": items}), 10004)
    assert_error(await app.call(SET, {"GroupId": gid, "MsgSeq": seq, "OperateType": 1, "ExtensionList": "k"}), 10004)
    assert_error(await app.call(GET, {"GroupId": gid, "MsgSeq": -5}), 10004)
    negative = await app.ok(GET, {"GroupId": gid, "MsgSeq": seq, "StartSeq": -3})  # as 0: everything
    assert negative["ExtensionList"] == []
    bob = await connect(app, "bob")
    try:
        # a frame whose data does not decode gets the gateway's 60015; a bad value the API's 10004
        for code, op, data in (
            (60015, "get_group_msg_ext", {"GroupId": gid, "MsgSeq": big}),
            (
                60015,
                "set_group_msg_ext",
                {"GroupId": gid, "MsgSeq": seq, "OperateType": 1, "ExtensionList": [{"Key": 5}]},
            ),
            (10004, "get_group_msg_ext", {"GroupId": "x" * 300, "MsgSeq": seq}),
            (10004, "set_group_msg_ext", {"GroupId": gid, "MsgSeq": seq, "OperateType": 9}),
        ):
            with pytest.raises(GatewayError) as refused:
                await bob.request(op, **data)
            assert refused.value.code == code
        assert (await bob.get_group_msg_ext(gid, seq))["LatestSeq"] == 0  # the connection is still usable
    finally:
        await bob.close()
