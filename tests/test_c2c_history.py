"""History, recall, modify, read state and unread counts (seed 004 lines 3361-5466, 9498-9698)."""

from __future__ import annotations

import asyncio

import pytest

from confab.domain.c2c.model import C2CMessageModified, C2CMessageRecalled, C2CMessagesRead
from confab.domain.feed import FeedEntry
from tests.support import AppHandle, assert_error, assert_ok

SEND = "openim/sendmsg"
IMPORT = "openim/importmsg"
ROAM = "openim/admin_getroammsg"
WITHDRAW = "openim/admin_msgwithdraw"
MODIFY = "openim/modify_c2c_msg"
READ = "openim/admin_set_msg_read"
UNREAD = "openim/get_c2c_unread_msg_num"


def text(value: str) -> list[dict]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": value}}]


async def imported(app: AppHandle, sender: str, receiver: str, seq: int, rnd: int, ts: int, *, realtime=False) -> str:
    await app.ok(
        IMPORT,
        {
            "SyncFromOldSystem": 5 if realtime else 2,
            "From_Account": sender,
            "To_Account": receiver,
            "MsgSeq": seq,
            "MsgRandom": rnd,
            "MsgTimeStamp": ts,
            "MsgBody": text(f"{seq}"),
            "CloudCustomData": "your cloud custom data",
        },
    )
    return f"{seq}_{rnd}_{ts}"


async def send(app: AppHandle, sender: str, receiver: str, rnd: int, **extra) -> dict:
    return await app.ok(
        SEND, {"From_Account": sender, "To_Account": receiver, "MsgRandom": rnd, "MsgBody": text(str(rnd)), **extra}
    )


@pytest.fixture
async def pair(app: AppHandle) -> AppHandle:
    await app.import_accounts("user1", "user2", "dramon1", "dramon2", "teacher", "vinson", "dramon")
    return app


async def test_seed_sample_paging_backwards_from_max_time(pair: AppHandle) -> None:
    """The seed's two pages: the newest first, then continue below LastMsgKey."""
    base = 1584669600
    keys = []
    for n in range(17):  # alternate senders, a message every 5 s from 10:00:01
        sender, receiver = ("user1", "user2") if n % 2 == 0 else ("user2", "user1")
        keys.append(await imported(pair, sender, receiver, 1000 + n, 50 + n, base + 1 + 5 * n))
    first = await pair.ok(
        ROAM,
        {"Operator_Account": "user2", "Peer_Account": "user1", "MaxCnt": 12, "MinTime": base, "MaxTime": base + 3600},
    )
    assert first["Complete"] == 0 and first["MsgCnt"] == 12
    assert [m["MsgKey"] for m in first["MsgList"]] == keys[5:]  # the newest 12, oldest first
    assert first["LastMsgKey"] == keys[5] and first["LastMsgTime"] == base + 1 + 25
    item = first["MsgList"][0]
    assert set(item) == {
        "From_Account",
        "To_Account",
        "MsgSeq",
        "MsgRandom",
        "MsgTimeStamp",
        "MsgFlagBits",
        "IsPeerRead",
        "MsgKey",
        "MsgBody",
        "CloudCustomData",
    }
    second = await pair.ok(
        ROAM,
        {
            "Operator_Account": "user2",
            "Peer_Account": "user1",
            "MaxCnt": 12,
            "MinTime": base,
            "MaxTime": first["LastMsgTime"],
            "LastMsgKey": first["LastMsgKey"],
        },
    )
    assert second["Complete"] == 1 and second["MsgCnt"] == 5
    assert [m["MsgKey"] for m in second["MsgList"]] == keys[:5]
    assert second["LastMsgKey"] == keys[0]


async def test_same_second_orders_by_msg_seq_and_pages_without_gaps(pair: AppHandle) -> None:
    ts = 1600000000
    keys = [await imported(pair, "user1", "user2", seq, 7, ts) for seq in (30, 10, 20, 40, 50)]
    pages, cursor = [], None
    while True:
        body = {"Operator_Account": "user1", "Peer_Account": "user2", "MaxCnt": 2, "MinTime": ts, "MaxTime": ts}
        if cursor:
            body["LastMsgKey"] = cursor
        got = await pair.ok(ROAM, body)
        pages.append([m["MsgSeq"] for m in got["MsgList"]])
        cursor = got["LastMsgKey"]
        if got["Complete"]:
            break
    assert pages == [[40, 50], [20, 30], [10]]
    assert len(keys) == 5


async def test_time_range_bounds_are_inclusive(pair: AppHandle) -> None:
    for n, ts in enumerate((100, 200, 300)):
        await imported(pair, "user1", "user2", n, n, ts)
    got = await pair.ok(
        ROAM, {"Operator_Account": "user1", "Peer_Account": "user2", "MaxCnt": 10, "MinTime": 200, "MaxTime": 300}
    )
    assert [m["MsgTimeStamp"] for m in got["MsgList"]] == [200, 300]


async def test_pages_stop_at_13_kilobytes(pair: AppHandle) -> None:
    for n in range(6):
        await pair.ok(
            IMPORT,
            {
                "SyncFromOldSystem": 2,
                "From_Account": "user1",
                "To_Account": "user2",
                "MsgRandom": n,
                "MsgTimeStamp": 1000 + n,
                "MsgBody": text("x" * 5000),
            },
        )
    got = await pair.ok(
        ROAM, {"Operator_Account": "user1", "Peer_Account": "user2", "MaxCnt": 100, "MinTime": 0, "MaxTime": 2000}
    )
    assert got["Complete"] == 0 and got["MsgCnt"] == 2


async def test_roam_error_codes(pair: AppHandle) -> None:
    base = {"Operator_Account": "user1", "Peer_Account": "user2", "MaxCnt": 10, "MinTime": 0, "MaxTime": 10}
    assert_error(await pair.call(ROAM, b"{"), 90001)
    assert_error(await pair.call(ROAM, {**base, "Peer_Account": "ghost"}), 90003)
    assert_error(await pair.call(ROAM, {k: v for k, v in base.items() if k != "Peer_Account"}), 90003)
    assert_error(await pair.call(ROAM, {**base, "Operator_Account": "ghost"}), 90008)
    assert_error(await pair.call(ROAM, {**base, "LastMsgKey": "garbage"}), 90001)
    assert_error(await pair.client("user1").call(ROAM, base), 90009)


async def test_roam_accepts_the_older_from_and_to_fields(pair: AppHandle) -> None:
    sent = await send(pair, "user1", "user2", 77)
    older = {"From_Account": "user1", "To_Account": "user2", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**32}
    reply = await pair.ok(ROAM, older)  # DECISIONS 21
    assert [m["MsgKey"] for m in reply["MsgList"]] == [sent["MsgKey"]]
    assert_error(await pair.call(ROAM, {**older, "To_Account": "ghost"}), 90003)
    assert_error(await pair.call(ROAM, {**older, "From_Account": "ghost"}), 90008)


async def test_withdraw_seed_sample_and_codes(pair: AppHandle) -> None:
    sent = await send(pair, "vinson", "dramon", 833502)
    tap = pair.server.tap()
    try:
        assert_ok(
            await pair.call(WITHDRAW, {"From_Account": "vinson", "To_Account": "dramon", "MsgKey": sent["MsgKey"]})
        )
        events = [e for e in tap.drain() if e.sdkappid == pair.sdkappid]
    finally:
        pair.server.untap(tap)
    assert [e.msg_key for e in events if isinstance(e, C2CMessageRecalled)] == [sent["MsgKey"]]
    assert sorted(e.user_id for e in events if isinstance(e, FeedEntry) and e.kind == "c2c.recall") == [
        "dramon",
        "vinson",
    ]
    got = await pair.ok(
        ROAM, {"Operator_Account": "dramon", "Peer_Account": "vinson", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**32}
    )
    assert got["MsgList"][0]["MsgFlagBits"] == 8 and got["MsgList"][0]["MsgBody"] == []
    assert (await pair.ok(UNREAD, {"To_Account": "dramon"}))["AllC2CUnreadMsgNum"] == 0  # recall uncounts it

    body = {"From_Account": "vinson", "To_Account": "dramon", "MsgKey": sent["MsgKey"]}
    assert_error(await pair.call(WITHDRAW, body), 20023)
    assert_error(await pair.call(WITHDRAW, {**body, "MsgKey": "31906_833502_1572869830"}), 20022)
    assert_error(await pair.call(WITHDRAW, {**body, "From_Account": "dramon", "To_Account": "vinson"}), 20022)
    assert_error(await pair.call(WITHDRAW, {**body, "MsgKey": "not-a-key"}), 90054)
    assert_error(await pair.call(WITHDRAW, {**body, "To_Account": "ghost"}), 90003)
    assert_error(await pair.call(WITHDRAW, {**body, "From_Account": "ghost"}), 90008)
    assert_error(await pair.call(WITHDRAW, {k: v for k, v in body.items() if k != "From_Account"}), 90008)
    assert_error(await pair.call(WITHDRAW, b"[[["), 90001)
    assert_error(await pair.client("vinson").call(WITHDRAW, body), 90009)


async def test_modify_seed_samples_and_codes(pair: AppHandle) -> None:
    sent = await send(pair, "dramon1", "dramon2", 1, CloudCustomData="old")
    key = sent["MsgKey"]
    tap = pair.server.tap()
    try:
        assert_ok(
            await pair.call(
                MODIFY, {"From_Account": "dramon1", "To_Account": "dramon2", "MsgKey": key, "MsgBody": text("new body")}
            )
        )
        assert_ok(
            await pair.call(
                MODIFY,
                {
                    "From_Account": "dramon1",
                    "To_Account": "dramon2",
                    "MsgKey": key,
                    "CloudCustomData": "your cloud custom data",
                },
            )
        )
        events = [e for e in tap.drain() if e.sdkappid == pair.sdkappid]
    finally:
        pair.server.untap(tap)
    assert len([e for e in events if isinstance(e, C2CMessageModified)]) == 2
    got = await pair.ok(
        ROAM, {"Operator_Account": "dramon2", "Peer_Account": "dramon1", "MaxCnt": 1, "MinTime": 0, "MaxTime": 2**32}
    )
    assert got["MsgList"][0]["MsgBody"] == text("new body")
    assert got["MsgList"][0]["CloudCustomData"] == "your cloud custom data"

    base = {"From_Account": "dramon1", "To_Account": "dramon2", "MsgKey": key}
    assert_error(await pair.call(MODIFY, b"}"), 90001)
    assert_error(await pair.call(MODIFY, {**base, "MsgBody": "x"}), 90007)
    assert_error(await pair.call(MODIFY, {**base, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {}}]}), 90002)
    assert_error(await pair.call(MODIFY, {**base, "To_Account": 5}), 90003)
    assert_error(await pair.call(MODIFY, {**base, "To_Account": "ghost", "CloudCustomData": "x"}), 90012)
    assert_error(await pair.call(MODIFY, {**base, "From_Account": "ghost", "CloudCustomData": "x"}), 20003)
    assert_error(await pair.call(MODIFY, base), 20001)  # nothing to change
    assert_error(await pair.call(MODIFY, {**base, "MsgKey": "1_2_3", "CloudCustomData": "x"}), 20001)
    assert_error(await pair.client("dramon1").call(MODIFY, {**base, "CloudCustomData": "x"}), 90009)


async def test_read_state_seed_sample_and_is_peer_read(pair: AppHandle) -> None:
    for n in range(3):
        await send(pair, "dramon2", "dramon1", n)
    assert (await pair.ok(UNREAD, {"To_Account": "dramon1"}))["AllC2CUnreadMsgNum"] == 3
    tap = pair.server.tap()
    try:
        assert_ok(await pair.call(READ, {"Report_Account": "dramon1", "Peer_Account": "dramon2"}))
        events = [e for e in tap.drain() if e.sdkappid == pair.sdkappid]
    finally:
        pair.server.untap(tap)
    assert [e.report_account for e in events if isinstance(e, C2CMessagesRead)] == ["dramon1"]
    assert sorted(e.user_id for e in events if isinstance(e, FeedEntry) and e.kind == "c2c.read") == [
        "dramon1",
        "dramon2",
    ]
    assert (await pair.ok(UNREAD, {"To_Account": "dramon1"}))["AllC2CUnreadMsgNum"] == 0
    got = await pair.ok(
        ROAM, {"Operator_Account": "dramon2", "Peer_Account": "dramon1", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**32}
    )
    assert [m["IsPeerRead"] for m in got["MsgList"]] == [1, 1, 1]


async def test_read_up_to_a_time_leaves_later_messages_unread(pair: AppHandle) -> None:
    for n, ts in enumerate((1000, 2000, 3000)):
        await imported(pair, "teacher", "dramon1", n, n, ts, realtime=True)
    assert (await pair.ok(UNREAD, {"To_Account": "dramon1", "Peer_Account": ["teacher"]}))["C2CUnreadMsgNumList"] == [
        {"Peer_Account": "teacher", "C2CUnreadMsgNum": 3}
    ]
    await pair.ok(READ, {"Report_Account": "dramon1", "Peer_Account": "teacher", "MsgReadTime": "2000"})
    got = await pair.ok(UNREAD, {"To_Account": "dramon1", "Peer_Account": ["teacher"]})
    assert got["C2CUnreadMsgNumList"][0]["C2CUnreadMsgNum"] == 1
    roam = await pair.ok(
        ROAM, {"Operator_Account": "teacher", "Peer_Account": "dramon1", "MaxCnt": 10, "MinTime": 0, "MaxTime": 5000}
    )
    assert [m["IsPeerRead"] for m in roam["MsgList"]] == [1, 1, 0]


async def test_read_error_codes(pair: AppHandle) -> None:
    assert_error(await pair.call(READ, b"x"), 90001)
    assert_error(await pair.call(READ, {"Report_Account": "dramon1"}), 90003)
    assert_error(await pair.call(READ, {"Report_Account": "dramon1", "Peer_Account": "ghost"}), 90003)
    assert_error(await pair.call(READ, {"Peer_Account": "dramon1"}), 90008)
    assert_error(await pair.call(READ, {"Report_Account": "ghost", "Peer_Account": "dramon1"}), 90008)


async def test_unread_seed_samples_and_codes(pair: AppHandle) -> None:
    for n in range(12):
        await send(pair, "dramon2", "dramon1", n)
        await send(pair, "teacher", "dramon1", 100 + n)
    assert (await pair.ok(UNREAD, {"To_Account": "dramon1"}))["AllC2CUnreadMsgNum"] == 24
    got = await pair.ok(UNREAD, {"To_Account": "dramon1", "Peer_Account": ["dramon2", "teacher"]})
    assert got["C2CUnreadMsgNumList"] == [
        {"Peer_Account": "dramon2", "C2CUnreadMsgNum": 12},
        {"Peer_Account": "teacher", "C2CUnreadMsgNum": 12},
    ]
    partial = await pair.ok(UNREAD, {"To_Account": "dramon1", "Peer_Account": ["teacher", "ghost"]})
    assert partial["ErrorList"] == [{"Peer_Account": "ghost", "ErrorCode": 70107}]
    assert_error(await pair.call(UNREAD, {}), 90003)
    assert_error(await pair.call(UNREAD, {"To_Account": "ghost"}), 90003)
    assert_error(
        await pair.call(UNREAD, {"To_Account": "dramon1", "Peer_Account": [f"p{n}" for n in range(11)]}), 90001
    )
    assert_error(await pair.call(UNREAD, b"{"), 90001)


async def test_64_concurrent_senders_lose_and_duplicate_nothing(pair: AppHandle) -> None:
    pair.set(rate_limits={"*": 0})  # 64 clients go faster than the seed's 200 calls/s
    senders = [f"s{n}" for n in range(64)]
    await pair.import_accounts(*senders)
    per_sender = 5

    async def run(sender: str) -> list[str]:
        keys = []
        for n in range(per_sender):
            one = await pair.ok(
                SEND,
                {
                    "From_Account": sender,
                    "To_Account": "user1",
                    "MsgRandom": n,
                    "SyncOtherMachine": 1,
                    "MsgBody": text(f"{sender}-{n}"),
                },
            )
            keys.append(one["MsgKey"])
        # and the same conversation both ways at once
        back = await pair.ok(
            SEND, {"From_Account": "user1", "To_Account": sender, "MsgRandom": 999, "MsgBody": text("back")}
        )
        return [*keys, back["MsgKey"]]

    results = await asyncio.gather(*(run(s) for s in senders))
    total = 64 * per_sender
    assert (await pair.ok(UNREAD, {"To_Account": "user1"}))["AllC2CUnreadMsgNum"] == total
    for sender, keys in zip(senders, results, strict=True):
        got = await pair.ok(
            ROAM, {"Operator_Account": "user1", "Peer_Account": sender, "MaxCnt": 100, "MinTime": 0, "MaxTime": 2**32}
        )
        assert sorted(m["MsgKey"] for m in got["MsgList"]) == sorted(keys)
        unread = await pair.ok(UNREAD, {"To_Account": sender})
        assert unread["AllC2CUnreadMsgNum"] == 1

    # the recipient's device feed holds every message exactly once, numbered without gaps
    async def feed_of(user: str) -> list:
        from confab.domain import feed

        async with pair.server.runtime.store.read() as conn:
            return await feed.read_after(conn, pair.sdkappid, user, 0, limit=10_000)

    entries = pair.server.run(feed_of("user1"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert len([e for e in entries if e.kind == "c2c.msg"]) == total


def test_back_to_back_sends_from_one_task_never_stall(pair: AppHandle) -> None:
    """A caller that sends again the moment its previous send is answered (as a gateway session or a
    script does) must get a writer: the batcher once saw its just-finished worker as still running."""
    import msgspec

    from confab.domain.c2c import sending
    from confab.rest.api.c2c import SendMsg, outgoing

    rt = pair.server.runtime

    async def back_to_back() -> int:
        app = await rt.apps.get(pair.sdkappid)
        sent = 0
        for n in range(5):
            req = msgspec.convert({"To_Account": "user1", "MsgRandom": n, "MsgBody": text(f"n{n}")}, SendMsg)
            await sending.send(rt, app, "user2", ["user1"], outgoing(req), by_admin=True, source="sendmsg")
            sent += 1
        return sent

    assert pair.server.run(back_to_back(), timeout=10) == 5
