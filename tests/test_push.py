"""Push to all users (`all_member_push/im_push`, seed 004 lines 6893-7575) against a real server: the page's
samples, every documented code, delivery to online devices, the login catch-up within MsgLifeTime (once,
not again after a reconnect), attribute and tag conditions (AND and OR), and expiry."""

from __future__ import annotations

import asyncio
import time

import pytest

from confab.client import ChatClient
from tests.gateway import connect
from tests.support import AppHandle, assert_error, assert_ok

PUSH = "all_member_push/im_push"
SET_NAMES = "all_member_push/im_set_attr_name"
SET_ATTR = "all_member_push/im_set_attr"
ADD_TAG = "all_member_push/im_add_tag"
BODY = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi, beauty"}}]


def _push(**fields: object) -> dict:
    return {"From_Account": "admin", "MsgRandom": 56512, "MsgBody": BODY, **fields}


@pytest.fixture
def fast(app: AppHandle) -> AppHandle:
    """The app without the one-second interval between pushes (its own test below)."""
    app.set(push_interval_seconds=0.0)
    return app


async def _got(client: ChatClient, within: float = 3.0) -> dict:
    return (await client.next_event("push.msg", within=within)).data


async def _nothing(client: ChatClient, within: float = 0.4) -> None:
    with pytest.raises(TimeoutError):
        await client.next_event("push.msg", within=within)


# -- the page's samples ----------------------------------------------------------------------------


SAMPLES = [
    # seed 7100-7123: the admin, to all users, kept offline for 120 seconds
    {"From_Account": "admin", "MsgRandom": 56512, "MsgLifeTime": 120, "MsgBody": BODY},
    # seed 7125-7151: a named sender
    {"From_Account": "xiaoming", "MsgRandom": 3674128, "MsgLifeTime": 120, "MsgBody": BODY},
    # seed 7153-7218: with offline push information
    {
        "From_Account": "xiaoming",
        "MsgRandom": 3674128,
        "MsgLifeTime": 120,
        "MsgBody": BODY,
        "OfflinePushInfo": {
            "PushFlag": 0,
            "Desc": "Content to push offline",
            "Ext": "Passthrough content",
            "AndroidInfo": {"Sound": "android.mp3"},
            "ApnsInfo": {
                "Sound": "apns.mp3",
                "BadgeMode": 1,
                "Title": "apns title",
                "SubTitle": "apns subtitle",
                "Image": "www.image.com",
            },
        },
    },
    # seed 7220-7243
    {"From_Account": "admin", "MsgRandom": 21302570, "MsgLifeTime": 120, "MsgBody": BODY},
    # seed 7245-7278: TagsAnd
    {
        "From_Account": "admin",
        "MsgRandom": 214,
        "MsgLifeTime": 120,
        "Condition": {"TagsAnd": ["Stock A", "Stock B"]},
        "MsgBody": BODY,
    },
    # seed 7280-7311: TagsOr
    {
        "From_Account": "admin",
        "MsgRandom": 124032,
        "MsgLifeTime": 120,
        "Condition": {"TagsOr": ["Stock A", "Stock B"]},
        "MsgBody": BODY,
    },
    # seed 7313-7351: AttrsAnd
    {
        "From_Account": "admin",
        "MsgRandom": 389475,
        "MsgLifeTime": 120,
        "Condition": {"AttrsAnd": {"Membership Level": "Platinum Premier members", "city": "Shenzhen"}},
        "MsgBody": BODY,
    },
    # seed 7353-7392
    {
        "From_Account": "admin",
        "MsgRandom": 9312457,
        "MsgLifeTime": 120,
        "Condition": {"AttrsAnd": {"Membership Level": "Platinum Premier users", "city": "Shenzhen"}},
        "MsgBody": BODY,
    },
]


async def test_seed_samples(fast: AppHandle) -> None:
    await fast.ok(SET_NAMES, {"AttrNames": {"0": "Membership Level", "1": "city"}})
    for n, sample in enumerate(SAMPLES):
        reply = await fast.ok(PUSH, sample)
        # the sample response (seed 7459-7469): OK, "", 0 and a TaskId string
        assert_ok(reply)
        assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId", "TaskId"}
        parts = reply["TaskId"].split("_")
        assert len(parts) == 4 and parts[0] == str(fast.sdkappid), reply
        assert parts[3] == str(sample["MsgRandom"]), n


# -- delivery ----------------------------------------------------------------------------------------


async def test_online_users_receive_it_and_offline_ones_not_without_lifetime(fast: AppHandle) -> None:
    await fast.import_accounts("alice", "bob", "carol")
    alice, bob = await connect(fast, "alice"), await connect(fast, "bob", platform="Android")
    alice2 = await connect(fast, "alice", platform="iOS")
    try:
        reply = await fast.ok(PUSH, _push(From_Account="xiaoming"))
        for client in (alice, alice2, bob):
            data = await _got(client)
            assert data["TaskId"] == reply["TaskId"]
            assert data["From_Account"] == "xiaoming" and data["MsgRandom"] == 56512
            assert data["MsgBody"] == BODY and data["MsgLifeTime"] == 0
            assert abs(data["MsgTime"] - time.time()) < 5
        carol = await connect(fast, "carol")  # online-only: carol was offline, she never gets it
        try:
            await _nothing(carol)
        finally:
            await carol.close()
    finally:
        for client in (alice, alice2, bob):
            await client.close()


async def test_default_sender_is_the_admin(fast: AppHandle) -> None:
    await fast.import_accounts("alice")
    alice = await connect(fast, "alice")
    try:
        await fast.ok(PUSH, {"MsgRandom": 1, "MsgBody": BODY})
        assert (await _got(alice))["From_Account"] == fast.admin
    finally:
        await alice.close()


async def test_login_within_lifetime_gets_it_once(fast: AppHandle) -> None:
    await fast.import_accounts("alice", "bob")
    alice = await connect(fast, "alice")
    try:
        first = await fast.ok(PUSH, _push(MsgLifeTime=120, MsgRandom=1))
        assert (await _got(alice))["TaskId"] == first["TaskId"]
        second = await fast.ok(PUSH, _push(MsgLifeTime=120, MsgRandom=2))
        assert (await _got(alice))["TaskId"] == second["TaskId"]
    finally:
        await alice.close()
    # bob was offline for both: he gets them at login, in order, once
    bob = await connect(fast, "bob")
    try:
        assert (await _got(bob))["TaskId"] == first["TaskId"]
        assert (await _got(bob))["TaskId"] == second["TaskId"]
        await _nothing(bob)
    finally:
        await bob.close()
    # neither gets them again after a reconnect (alice had them online, bob at his login)
    for user in ("alice", "bob"):
        client = await connect(fast, user)
        try:
            await _nothing(client)
        finally:
            await client.close()


async def test_two_devices_logging_in_together_get_it_once_between_them(fast: AppHandle) -> None:
    await fast.import_accounts("alice")
    await fast.ok(PUSH, _push(MsgLifeTime=120))
    web, phone = await asyncio.gather(connect(fast, "alice"), connect(fast, "alice", platform="Android"))
    try:
        got = 0
        for client in (web, phone):
            try:
                while True:
                    await client.next_event("push.msg", within=0.6)
                    got += 1
            except TimeoutError:
                pass
        # delivered once to the user: each device attached at that moment has it, never a device twice
        assert 1 <= got <= 2
    finally:
        await web.close()
        await phone.close()
    again = await connect(fast, "alice")
    try:
        await _nothing(again)
    finally:
        await again.close()


async def test_expired_push_is_not_delivered(fast: AppHandle) -> None:
    await fast.import_accounts("alice")
    await fast.ok(PUSH, _push(MsgLifeTime=1))
    await asyncio.sleep(2.1)
    alice = await connect(fast, "alice")
    try:
        await _nothing(alice)
    finally:
        await alice.close()


async def test_many_online_users_in_batches(fast: AppHandle) -> None:
    users = [f"u{n}" for n in range(30)]
    await fast.import_accounts(*users)
    clients = await asyncio.gather(*(connect(fast, u) for u in users))
    try:
        reply = await fast.ok(PUSH, _push(MsgLifeTime=60))
        for client in clients:
            assert (await _got(client))["TaskId"] == reply["TaskId"]
    finally:
        for client in clients:
            await client.close()
    again = await connect(fast, "u7")  # the online fan-out moved the cursor: not again
    try:
        await _nothing(again)
    finally:
        await again.close()


# -- conditions --------------------------------------------------------------------------------------


async def _people(app: AppHandle) -> None:
    await app.import_accounts("ann", "ben", "cid", "dee")
    await app.ok(SET_NAMES, {"AttrNames": {"0": "level", "1": "city"}})
    await app.ok(
        SET_ATTR,
        {
            "UserAttrs": [
                {"To_Account": "ann", "Attrs": {"level": "platinum", "city": "Shenzhen"}},
                {"To_Account": "ben", "Attrs": {"level": "platinum", "city": "Beijing"}},
                {"To_Account": "cid", "Attrs": {"level": "gold", "city": "Shenzhen"}},
            ]
        },
    )
    await app.ok(
        ADD_TAG,
        {
            "UserTags": [
                {"To_Account": "ann", "Tags": ["Stock A", "Stock B"]},
                {"To_Account": "ben", "Tags": ["Stock A"]},
                {"To_Account": "cid", "Tags": ["Stock B", "Stock C"]},
            ]
        },
    )


CASES = [
    ({"AttrsAnd": {"level": "platinum", "city": "Shenzhen"}}, {"ann"}),
    ({"AttrsOr": {"level": "gold", "city": "Beijing"}}, {"ben", "cid"}),
    ({"AttrsAnd": {"city": "Shenzhen"}, "AttrsOr": {"level": "gold"}}, {"cid"}),
    ({"TagsAnd": ["Stock A", "Stock B"]}, {"ann"}),
    ({"TagsOr": ["Stock A", "Stock C"]}, {"ann", "ben", "cid"}),
    ({"TagsAnd": ["Stock B"], "TagsOr": ["Stock A", "Stock D"]}, {"ann"}),
    ({"TagsOr": ["nobody"]}, set()),
]


async def _receivers(clients: dict[str, ChatClient], task_id: str) -> set[str]:
    got: set[str] = set()
    for user, client in clients.items():
        try:
            while True:
                data = (await client.next_event("push.msg", within=0.5)).data
                if data["TaskId"] == task_id:
                    got.add(user)
        except TimeoutError:
            pass
    return got


@pytest.mark.parametrize(("condition", "expected"), CASES)
async def test_conditions_online(fast: AppHandle, condition: dict, expected: set[str]) -> None:
    await _people(fast)
    clients = {u: await connect(fast, u) for u in ("ann", "ben", "cid", "dee")}
    try:
        reply = await fast.ok(PUSH, _push(Condition=condition, MsgLifeTime=60))
        assert await _receivers(clients, reply["TaskId"]) == expected
    finally:
        for client in clients.values():
            await client.close()


@pytest.mark.parametrize(("condition", "expected"), CASES)
async def test_conditions_at_login(fast: AppHandle, condition: dict, expected: set[str]) -> None:
    await _people(fast)
    reply = await fast.ok(PUSH, _push(Condition=condition, MsgLifeTime=60))
    clients = {u: await connect(fast, u) for u in ("ann", "ben", "cid", "dee")}
    try:
        assert await _receivers(clients, reply["TaskId"]) == expected
    finally:
        for client in clients.values():
            await client.close()


async def test_renamed_attribute_keeps_the_condition(fast: AppHandle) -> None:
    await _people(fast)
    reply = await fast.ok(PUSH, _push(Condition={"AttrsAnd": {"city": "Beijing"}}, MsgLifeTime=60))
    await fast.ok(SET_NAMES, {"AttrNames": {"1": "town"}})  # conditions are stored by index
    clients = {u: await connect(fast, u) for u in ("ann", "ben")}
    try:
        assert await _receivers(clients, reply["TaskId"]) == {"ben"}
    finally:
        for client in clients.values():
            await client.close()


# -- every documented code -------------------------------------------------------------------------


async def _fails(app: AppHandle, code: int, body: object) -> None:
    assert_error(await app.call(PUSH, body), code)


async def test_codes_of_the_body_fields(fast: AppHandle) -> None:
    await _fails(fast, 90001, b"{not json")
    await _fails(fast, 90001, _push(From_Account=""))
    await _fails(fast, 90001, _push(From_Account=7))
    await _fails(fast, 90002, {"MsgRandom": 1})
    await _fails(fast, 90002, _push(MsgBody=[]))
    await _fails(fast, 90002, _push(MsgBody=[{"MsgType": "TIMNoSuchElem", "MsgContent": {}}]))
    await _fails(fast, 90005, {"MsgBody": BODY})
    await _fails(fast, 90005, _push(MsgRandom="12"))
    await _fails(fast, 90005, _push(MsgRandom=2**32))
    await _fails(fast, 90007, _push(MsgBody={"MsgType": "TIMTextElem"}))
    big = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 13000}}]
    await _fails(fast, 90010, _push(MsgBody=big))
    await _fails(fast, 90010, _push(OfflinePushInfo="push"))
    await _fails(fast, 90026, _push(MsgLifeTime=604801))
    await _fails(fast, 90026, _push(MsgLifeTime=-1))
    await _fails(fast, 90026, _push(MsgLifeTime="120"))
    assert_ok(await fast.call(PUSH, _push(MsgLifeTime=604800)))


async def test_codes_of_the_conditions(fast: AppHandle) -> None:
    await fast.ok(SET_NAMES, {"AttrNames": {"0": "city"}})
    await _fails(fast, 90001, _push(Condition=["Stock A"]))
    await _fails(fast, 90001, _push(Condition={"Tags": ["Stock A"]}))
    await _fails(fast, 90001, _push(Condition={"TagsOr": []}))
    await _fails(fast, 90001, _push(Condition={"TagsOr": [5]}))
    await _fails(fast, 90020, _push(Condition={"TagsOr": ["x" * 51]}))
    await _fails(fast, 90022, _push(Condition={"TagsOr": ["a", "a"]}))
    await _fails(fast, 90022, _push(Condition={"TagsOr": ["a"], "TagsAnd": ["a"]}))
    await _fails(fast, 90032, _push(Condition={"TagsAnd": [f"t{n}" for n in range(11)]}))
    await _fails(fast, 90033, _push(Condition={"AttrsAnd": {"nosuch": "x"}}))
    await _fails(fast, 90033, _push(Condition={"AttrsOr": {"city": 5}}))
    await _fails(fast, 90033, _push(Condition={"AttrsOr": {"city": "x" * 51}}))
    await _fails(fast, 90033, _push(Condition={"AttrsOr": ["city"]}))
    await _fails(fast, 90039, _push(Condition={"AttrsAnd": {"city": "x"}, "TagsOr": ["a"]}))
    await _fails(fast, 90040, _push(Condition={"TagsOr": ["a", None]}))
    await _fails(fast, 90040, _push(Condition={"TagsAnd": [""]}))
    assert_ok(await fast.call(PUSH, _push(Condition={"TagsOr": ["x" * 50]})))


async def test_admin_required(app: AppHandle) -> None:
    await app.import_accounts("alice")
    reply = await app.client("alice").call(PUSH, _push())
    assert_error(reply, 90009)


async def test_interval_between_pushes(app: AppHandle) -> None:
    assert_ok(await app.call(PUSH, _push()))
    await _fails(app, 90024, _push())
    await asyncio.sleep(1.05)
    assert_ok(await app.call(PUSH, _push()))


async def test_daily_quota(fast: AppHandle) -> None:
    fast.set(push_daily_quota=3)
    for _ in range(3):
        assert_ok(await fast.call(PUSH, _push()))
    await _fails(fast, 90047, _push())
    fast.set(push_daily_quota=100)
    assert_ok(await fast.call(PUSH, _push()))  # the default quota: 100 a day


async def test_feature_switch(app: AppHandle) -> None:
    app.set(all_member_push=False)
    await _fails(app, 90045, _push())
    # a refused push counts for nothing
    app.set(all_member_push=True)
    assert_ok(await app.call(PUSH, _push()))


async def test_rejected_push_is_not_delivered(fast: AppHandle) -> None:
    await fast.import_accounts("alice")
    alice = await connect(fast, "alice")
    try:
        await _fails(fast, 90039, _push(Condition={"AttrsAnd": {"a": "b"}, "TagsAnd": ["c"]}))
        await _nothing(alice)
    finally:
        await alice.close()


async def test_deleted_account_loses_its_cursor(fast: AppHandle) -> None:
    await fast.import_accounts("alice")
    await fast.ok(PUSH, _push(MsgLifeTime=120))
    alice = await connect(fast, "alice")
    try:
        await _got(alice)
    finally:
        await alice.close()
    await fast.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "alice"}]})
    await fast.import_accounts("alice")
    again = await connect(fast, "alice")  # a new account of that name: the push is still live for it
    try:
        await _got(again)
    finally:
        await again.close()
