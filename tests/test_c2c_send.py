"""openim/sendmsg, batchsendmsg and importmsg against a real server (seed 004 lines 770-1730, 2752-3057)."""

from __future__ import annotations

import time

import pytest

from confab.domain.c2c.model import C2CMessageSent
from confab.domain.feed import FeedEntry
from tests.support import AppHandle, assert_error, assert_ok

SEND = "openim/sendmsg"
BATCH = "openim/batchsendmsg"
IMPORT = "openim/importmsg"
ROAM = "openim/admin_getroammsg"
UNREAD = "openim/get_c2c_unread_msg_num"

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi, beauty"}}]


def roam_body(owner: str, peer: str, **extra) -> dict:
    return {"Operator_Account": owner, "Peer_Account": peer, "MaxCnt": 100, "MinTime": 0, "MaxTime": 2**32, **extra}


@pytest.fixture
async def users(app: AppHandle) -> AppHandle:
    await app.import_accounts("lumotuwe1", "lumotuwe2", "bonnie", "rong", "dave")
    return app


async def test_seed_sample_admin_sends_without_sync(users: AppHandle) -> None:
    before = int(time.time())
    reply = await users.call(
        SEND,
        {
            "SyncOtherMachine": 2,
            "To_Account": "lumotuwe2",
            "MsgSeq": 93847636,
            "MsgRandom": 1287657,
            "MsgBody": TEXT,
            "CloudCustomData": "your cloud custom data",
            "SupportMessageExtension": 0,
        },
    )
    assert_ok(reply)
    assert before <= reply["MsgTime"] <= int(time.time())
    assert reply["MsgKey"] == f"93847636_1287657_{reply['MsgTime']}"
    # the recipient has it, the admin (the sender, SyncOtherMachine 2) does not
    got = await users.ok(ROAM, roam_body("lumotuwe2", users.admin))
    assert [m["MsgKey"] for m in got["MsgList"]] == [reply["MsgKey"]]
    message = got["MsgList"][0]
    assert message["From_Account"] == users.admin
    assert message["MsgBody"] == TEXT
    assert message["CloudCustomData"] == "your cloud custom data"
    assert (await users.ok(ROAM, roam_body(users.admin, "lumotuwe2")))["MsgList"] == []


async def test_seed_sample_from_account_with_offline_push(users: AppHandle) -> None:
    body = {
        "SyncOtherMachine": 2,
        "From_Account": "lumotuwe1",
        "To_Account": "lumotuwe2",
        "MsgSeq": 93847636,
        "MsgRandom": 1287657,
        "MsgBody": TEXT,
        "CloudCustomData": "your cloud custom data",
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
    }
    assert_ok(await users.call(SEND, body))
    forbid = {
        **body,
        "ForbidCallbackControl": ["ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"],
        "MsgRandom": 2,
    }
    assert_ok(await users.call(SEND, forbid))
    got = await users.ok(ROAM, roam_body("lumotuwe2", "lumotuwe1"))
    assert got["MsgCnt"] == 2 and got["Complete"] == 1
    assert all(m["From_Account"] == "lumotuwe1" for m in got["MsgList"])


async def test_forbid_callback_control_travels_with_the_message(users: AppHandle) -> None:
    tap = users.server.tap()
    try:
        body = {"From_Account": "lumotuwe1", "To_Account": "lumotuwe2", "MsgBody": TEXT}
        await users.ok(SEND, {**body, "MsgRandom": 21, "ForbidCallbackControl": ["ForbidAfterSendMsgCallback"]})
        await users.ok(SEND, {**body, "MsgRandom": 22})
        sent = [e for e in tap.drain() if isinstance(e, C2CMessageSent) and e.sdkappid == users.sdkappid]
    finally:
        users.server.untap(tap)
    assert {e.msg_random: e.forbid_callbacks for e in sent} == {21: ["ForbidAfterSendMsgCallback"], 22: []}
    assert_error(await users.call(SEND, {**body, "MsgRandom": 23, "ForbidCallbackControl": ["Nope"]}), 90001)


async def test_sync_other_machine_decides_the_senders_copy(users: AppHandle) -> None:
    tap = users.server.tap()
    try:
        for sync, rnd in ((1, 11), (None, 12), (2, 13)):
            body = {"From_Account": "lumotuwe1", "To_Account": "lumotuwe2", "MsgRandom": rnd, "MsgBody": TEXT}
            if sync:
                body["SyncOtherMachine"] = sync
            await users.ok(SEND, body)
        feed = [e for e in tap.drain() if isinstance(e, FeedEntry) and e.sdkappid == users.sdkappid]
    finally:
        users.server.untap(tap)
    # roaming: the sender keeps 1 and absent, not 2; the recipient keeps all three
    mine = await users.ok(ROAM, roam_body("lumotuwe1", "lumotuwe2"))
    assert sorted(m["MsgRandom"] for m in mine["MsgList"]) == [11, 12]
    theirs = await users.ok(ROAM, roam_body("lumotuwe2", "lumotuwe1"))
    assert sorted(m["MsgRandom"] for m in theirs["MsgList"]) == [11, 12, 13]
    # devices: only SyncOtherMachine 1 reaches the sender's devices
    to_sender = [e for e in feed if e.user_id == "lumotuwe1"]
    to_receiver = [e for e in feed if e.user_id == "lumotuwe2"]
    assert len(to_sender) == 1 and len(to_receiver) == 3


async def test_online_only_is_delivered_but_never_stored_or_unread(users: AppHandle) -> None:
    tap = users.server.tap()
    try:
        await users.ok(
            SEND,
            {
                "SyncOtherMachine": 1,
                "From_Account": "lumotuwe1",
                "To_Account": "lumotuwe2",
                "OnlineOnlyFlag": 1,
                "MsgSeq": 93847636,
                "MsgRandom": 1287657,
                "MsgBody": TEXT,
                "CloudCustomData": "your cloud custom data",
            },
        )
        feed = [e for e in tap.drain() if isinstance(e, FeedEntry) and e.sdkappid == users.sdkappid]
    finally:
        users.server.untap(tap)
    assert sorted(e.user_id for e in feed) == ["lumotuwe1", "lumotuwe2"]
    assert all(e.seq == 0 for e in feed)  # ephemeral: never in the feed table
    assert (await users.ok(ROAM, roam_body("lumotuwe2", "lumotuwe1")))["MsgList"] == []
    assert (await users.ok(UNREAD, {"To_Account": "lumotuwe2"}))["AllC2CUnreadMsgNum"] == 0


async def test_same_random_and_seq_in_one_second_is_stored_once(users: AppHandle) -> None:
    body = {"From_Account": "lumotuwe1", "To_Account": "lumotuwe2", "MsgSeq": 7, "MsgRandom": 8, "MsgBody": TEXT}
    first = await users.ok(SEND, body)
    second = await users.ok(SEND, body)
    same_second = first["MsgTime"] == second["MsgTime"]
    got = await users.ok(ROAM, roam_body("lumotuwe2", "lumotuwe1"))
    assert got["MsgCnt"] == (1 if same_second else 2)
    assert (await users.ok(UNREAD, {"To_Account": "lumotuwe2"}))["AllC2CUnreadMsgNum"] == got["MsgCnt"]


async def test_send_controls_no_unread_and_no_last_msg(users: AppHandle) -> None:
    base = {"From_Account": "lumotuwe1", "To_Account": "lumotuwe2", "MsgBody": TEXT}
    await users.ok(SEND, {**base, "MsgRandom": 1, "SendMsgControl": ["NoUnread"]})
    assert (await users.ok(UNREAD, {"To_Account": "lumotuwe2"}))["AllC2CUnreadMsgNum"] == 0
    listed = await users.ok("recentcontact/get_list", {"From_Account": "bonnie", "AssistFlags": 0})
    assert listed["SessionItem"] == []
    await users.ok(
        SEND,
        {
            "From_Account": "dave",
            "To_Account": "bonnie",
            "MsgBody": TEXT,
            "MsgRandom": 2,
            "SendMsgControl": ["NoLastMsg", "WithMuteNotifications", "NoMsgCheck"],
        },
    )
    listed = await users.ok("recentcontact/get_list", {"From_Account": "bonnie", "AssistFlags": 0})
    assert listed["SessionItem"] == []  # NoLastMsg: the list does not move
    assert (await users.ok(UNREAD, {"To_Account": "bonnie"}))["AllC2CUnreadMsgNum"] == 1


async def test_admin_is_the_sender_when_from_account_is_absent(users: AppHandle) -> None:
    await users.ok(SEND, {"To_Account": "bonnie", "MsgRandom": 5, "MsgBody": TEXT})
    got = await users.ok(ROAM, roam_body("bonnie", users.admin))
    assert got["MsgList"][0]["From_Account"] == users.admin


async def test_every_element_type_and_combined_messages(users: AppHandle) -> None:
    body = [
        {"MsgType": "TIMTextElem", "MsgContent": {"Text": "look"}},
        {"MsgType": "TIMFaceElem", "MsgContent": {"Index": 1, "Data": "content"}},
        {"MsgType": "TIMLocationElem", "MsgContent": {"Desc": "here", "Latitude": 22.5, "Longitude": 113.9}},
        {"MsgType": "TIMCustomElem", "MsgContent": {"Data": "d", "Desc": "x", "Ext": "e", "Sound": "s.mp3"}},
        {
            "MsgType": "TIMSoundElem",
            "MsgContent": {"Url": "https://x/a.mp3", "UUID": "u1", "Size": 10, "Second": 3, "Download_Flag": 2},
        },
        {
            "MsgType": "TIMImageElem",
            "MsgContent": {
                "UUID": "i1",
                "ImageFormat": 1,
                "ImageInfoArray": [
                    {"Type": 1, "Size": 100, "Width": 10, "Height": 10, "URL": "https://x/1.jpg"},
                    {"Type": 3, "Size": 10, "Width": 0, "Height": 0, "URL": "https://x/3.jpg"},
                ],
            },
        },
        {
            "MsgType": "TIMFileElem",
            "MsgContent": {"Url": "https://x/f", "UUID": "f1", "FileSize": 5, "FileName": "f.txt", "Download_Flag": 2},
        },
        {
            "MsgType": "TIMVideoFileElem",
            "MsgContent": {
                "VideoUrl": "https://x/v.mp4",
                "VideoUUID": "v1",
                "VideoSize": 1,
                "VideoSecond": 2,
                "VideoFormat": "mp4",
                "VideoDownloadFlag": 2,
                "ThumbUrl": "https://x/t.jpg",
                "ThumbUUID": "t1",
                "ThumbSize": 1,
                "ThumbWidth": 10,
                "ThumbHeight": 10,
                "ThumbFormat": "JPG",
                "ThumbDownloadFlag": 2,
            },
        },
        {
            "MsgType": "TIMRelayElem",
            "MsgContent": {
                "Title": "chat",
                "MsgNum": 1,
                "CompatibleText": "upgrade",
                "AbstractList": ["a: hi"],
                "MsgList": [],
            },
        },
    ]
    await users.ok(SEND, {"From_Account": "dave", "To_Account": "rong", "MsgRandom": 3, "MsgBody": body})
    got = await users.ok(ROAM, roam_body("rong", "dave"))
    assert got["MsgList"][0]["MsgBody"] == body  # stored and echoed as received


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"MsgType": "TIMTextElem", "MsgContent": {"Text": 5}}, 90002),
        ({"MsgType": "TIMTextElem", "MsgContent": {}}, 90002),
        ({"MsgType": "TIMNoSuchElem", "MsgContent": {}}, 90002),
        ({"MsgType": "TIMTextElem"}, 90002),
        ({"MsgType": "TIMLocationElem", "MsgContent": {"Latitude": "north", "Longitude": 1}}, 90002),
        ({"MsgType": "TIMImageElem", "MsgContent": {"UUID": "x", "ImageInfoArray": [{"Type": 9, "URL": "u"}]}}, 90002),
        ({"MsgType": "TIMSoundElem", "MsgContent": {"UUID": "x"}}, 90002),
        ("not an element", 90002),
    ],
)
async def test_malformed_elements_are_90002(users: AppHandle, body: object, code: int) -> None:
    reply = await users.call(SEND, {"To_Account": "bonnie", "MsgRandom": 1, "MsgBody": [body]})
    assert_error(reply, code)


async def test_sendmsg_error_codes(users: AppHandle) -> None:
    base = {"From_Account": "dave", "To_Account": "bonnie", "MsgRandom": 1, "MsgBody": TEXT}
    assert_error(await users.call(SEND, b"{broken"), 90001)
    assert_error(await users.call(SEND, {**base, "MsgBody": {"MsgType": "TIMTextElem"}}), 90007)
    assert_error(await users.call(SEND, {**base, "MsgBody": []}), 90002)
    assert_error(await users.call(SEND, {k: v for k, v in base.items() if k != "MsgBody"}), 90002)
    assert_error(await users.call(SEND, {k: v for k, v in base.items() if k != "To_Account"}), 90003)
    assert_error(await users.call(SEND, {**base, "To_Account": 42}), 90003)
    assert_error(await users.call(SEND, {k: v for k, v in base.items() if k != "MsgRandom"}), 90005)
    assert_error(await users.call(SEND, {**base, "MsgRandom": "x"}), 90005)
    assert_error(await users.call(SEND, {**base, "MsgRandom": 2**32}), 90005)
    assert_error(await users.call(SEND, {**base, "To_Account": "nobody"}), 90012)
    assert_error(await users.call(SEND, {**base, "From_Account": "nobody"}), 20003)
    assert_error(await users.call(SEND, {**base, "SyncOtherMachine": "yes"}), 90031)
    assert_error(await users.call(SEND, {**base, "SyncOtherMachine": 3}), 90031)
    assert_error(await users.call(SEND, {**base, "MsgLifeTime": "long"}), 90044)
    assert_error(await users.call(SEND, {**base, "MsgLifeTime": 7 * 86400 + 1}), 90026)
    assert_error(await users.call(SEND, {**base, "OnlineOnlyFlag": "x"}), 20001)
    big = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 12_000}}]
    assert_error(await users.call(SEND, {**base, "MsgBody": big, "CloudCustomData": "y" * 400}), 93000)
    assert_error(await users.client("dave").call(SEND, base), 90009)
    # nothing of the refused calls was stored
    assert (await users.ok(ROAM, roam_body("bonnie", "dave")))["MsgList"] == []


async def test_twelve_kilobytes_is_the_limit(users: AppHandle) -> None:
    overhead = len('[{"MsgType":"TIMTextElem","MsgContent":{"Text":""}}]')
    fits = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * (12288 - overhead)}}]
    assert_ok(await users.call(SEND, {"To_Account": "bonnie", "MsgRandom": 1, "MsgBody": fits}))
    over = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * (12289 - overhead)}}]
    assert_error(await users.call(SEND, {"To_Account": "bonnie", "MsgRandom": 2, "MsgBody": over}), 93000)


async def test_batch_seed_samples(users: AppHandle) -> None:
    reply = await users.call(
        BATCH,
        {
            "SyncOtherMachine": 2,
            "To_Account": ["bonnie", "rong"],
            "MsgSeq": 28360,
            "MsgRandom": 19901224,
            "MsgBody": TEXT,
            "CloudCustomData": "your cloud custom data",
        },
    )
    assert_ok(reply)
    assert reply["MsgKey"].startswith("28360_19901224_")
    assert "ErrorList" not in reply
    for user in ("bonnie", "rong"):
        got = await users.ok(ROAM, roam_body(user, users.admin))
        assert [m["MsgKey"] for m in got["MsgList"]] == [reply["MsgKey"]]
    partial = await users.call(
        BATCH,
        {
            "SyncOtherMachine": 1,
            "From_Account": "dave",
            "To_Account": ["bonnie", "ghost"],
            "MsgSeq": 28360,
            "MsgRandom": 1,
            "MsgBody": TEXT,
            "OfflinePushInfo": {"PushFlag": 0, "Desc": "d"},
        },
    )
    assert partial["ActionStatus"] == "SomeError"
    assert partial["ErrorCode"] == 0
    assert partial["ErrorList"] == [{"To_Account": "ghost", "ErrorCode": 70107}]
    assert (await users.ok(ROAM, roam_body("dave", "bonnie")))["MsgCnt"] == 1


async def test_batch_error_codes(users: AppHandle) -> None:
    base = {"To_Account": ["bonnie"], "MsgRandom": 1, "MsgBody": TEXT}
    assert_error(await users.call(BATCH, {**base, "To_Account": ["ghost1", "ghost2"]}), 90012)
    assert_error(await users.call(BATCH, {**base, "To_Account": []}), 90012)
    assert_error(await users.call(BATCH, {**base, "To_Account": [f"u{n}" for n in range(501)]}), 90011)
    assert_error(await users.call(BATCH, {**base, "From_Account": "ghost"}), 90008)
    assert_error(await users.call(BATCH, {**base, "MsgSeq": -1}), 90004)
    assert_error(await users.call(BATCH, {**base, "MsgBody": "text"}), 90007)
    assert_error(await users.call(BATCH, {**base, "MsgBody": [{"MsgType": "TIMTextElem"}]}), 90002)
    assert_error(await users.call(BATCH, {**base, "MsgLifeTime": 10**7}), 90026)
    assert_error(await users.call(BATCH, b"[1,2"), 90001)
    big = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 12_300}}]
    assert_error(await users.call(BATCH, {**base, "MsgBody": big}), 93000)
    assert_error(await users.client("bonnie").call(BATCH, base), 90009)


async def test_batch_of_500_is_one_send(users: AppHandle) -> None:
    many = [f"fan{n}" for n in range(500)]
    await users.import_accounts(*many)
    reply = await users.ok(BATCH, {"From_Account": "dave", "To_Account": many, "MsgRandom": 9, "MsgBody": TEXT})
    assert "ErrorList" not in reply
    unread = await users.ok(UNREAD, {"To_Account": "fan499"})
    assert unread["AllC2CUnreadMsgNum"] == 1


async def test_import_seed_samples(users: AppHandle) -> None:
    sample = {
        "From_Account": "lumotuwe1",
        "To_Account": "lumotuwe2",
        "MsgSeq": 827092,
        "MsgRandom": 1287657,
        "MsgTimeStamp": 1556178721,
        "MsgBody": TEXT,
        "CloudCustomData": "your cloud custom data",
    }
    assert_ok(await users.call(IMPORT, {"SyncFromOldSystem": 2, **sample}))
    got = await users.ok(ROAM, roam_body("lumotuwe2", "lumotuwe1"))
    assert [m["MsgKey"] for m in got["MsgList"]] == ["827092_1287657_1556178721"]
    assert got["MsgList"][0]["MsgTimeStamp"] == 1556178721
    assert (await users.ok(UNREAD, {"To_Account": "lumotuwe2"}))["AllC2CUnreadMsgNum"] == 0  # history: read
    # the same three numbers again, either direction, are the same message: nothing changes
    assert_ok(await users.call(IMPORT, {"SyncFromOldSystem": 5, **sample}))
    flipped = {**sample, "From_Account": "lumotuwe2", "To_Account": "lumotuwe1"}
    assert_ok(await users.call(IMPORT, {"SyncFromOldSystem": 5, **flipped}))
    got = await users.ok(ROAM, roam_body("lumotuwe2", "lumotuwe1"))
    assert got["MsgCnt"] == 1 and got["MsgList"][0]["From_Account"] == "lumotuwe1"
    assert (await users.ok(UNREAD, {"To_Account": "lumotuwe2"}))["AllC2CUnreadMsgNum"] == 0
    # real-time import: unread and pushed
    tap = users.server.tap()
    try:
        await users.ok(IMPORT, {"SyncFromOldSystem": 5, **sample, "MsgRandom": 2})
        feed = [e for e in tap.drain() if isinstance(e, FeedEntry) and e.sdkappid == users.sdkappid]
    finally:
        users.server.untap(tap)
    assert [e.user_id for e in feed] == ["lumotuwe2"]
    assert (await users.ok(UNREAD, {"To_Account": "lumotuwe2"}))["AllC2CUnreadMsgNum"] == 1


async def test_import_error_codes(users: AppHandle) -> None:
    base = {
        "SyncFromOldSystem": 2,
        "From_Account": "dave",
        "To_Account": "rong",
        "MsgRandom": 1,
        "MsgTimeStamp": 1556178721,
        "MsgBody": TEXT,
    }
    assert_error(await users.call(IMPORT, b"nope"), 90001)
    assert_error(await users.call(IMPORT, {**base, "MsgBody": {}}), 90007)
    assert_error(await users.call(IMPORT, {**base, "MsgBody": [{"MsgType": "x", "MsgContent": {}}]}), 90002)
    assert_error(await users.call(IMPORT, {k: v for k, v in base.items() if k != "To_Account"}), 90003)
    assert_error(await users.call(IMPORT, {**base, "MsgRandom": None}), 90005)
    assert_error(await users.call(IMPORT, {k: v for k, v in base.items() if k != "MsgTimeStamp"}), 90006)
    assert_error(await users.call(IMPORT, {k: v for k, v in base.items() if k != "From_Account"}), 90008)
    assert_error(await users.call(IMPORT, {**base, "From_Account": "ghost"}), 90008)
    assert_error(await users.call(IMPORT, {**base, "To_Account": "ghost"}), 90012)
    assert_error(await users.call(IMPORT, {k: v for k, v in base.items() if k != "SyncFromOldSystem"}), 90030)
    assert_error(await users.call(IMPORT, {**base, "SyncFromOldSystem": 3}), 90030)
    big = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 12_300}}]
    assert_error(await users.call(IMPORT, {**base, "MsgBody": big}), 93000)
    assert_error(await users.client("dave").call(IMPORT, base), 90009)


async def test_events_come_out_once_in_order(users: AppHandle) -> None:
    tap = users.server.tap()
    try:
        keys = []
        for n in range(20):
            reply = await users.ok(
                SEND, {"From_Account": "dave", "To_Account": "rong", "MsgRandom": n, "MsgBody": TEXT}
            )
            keys.append(reply["MsgKey"])
        events = [e for e in tap.drain() if e.sdkappid == users.sdkappid]
    finally:
        users.server.untap(tap)
    sent = [e for e in events if isinstance(e, C2CMessageSent)]
    assert [e.msg_key for e in sent] == keys
    feed = [e for e in events if isinstance(e, FeedEntry) and e.user_id == "rong"]
    assert [e.seq for e in feed] == list(range(feed[0].seq, feed[0].seq + 20))


async def test_batch_messages_per_minute_budget(users: AppHandle) -> None:
    """12,000 messages a minute by default, each recipient counting (seed 1358); an app setting here."""
    users.set(batch_messages_per_minute=5)
    base = {"From_Account": "dave", "MsgRandom": 1, "MsgBody": TEXT}
    assert_ok(await users.call(BATCH, {**base, "To_Account": ["bonnie", "rong", "lumotuwe1"]}))
    assert_error(await users.call(BATCH, {**base, "To_Account": ["bonnie", "rong", "lumotuwe2"]}), 60007)
    assert_ok(await users.call(BATCH, {**base, "To_Account": ["bonnie", "rong"], "MsgRandom": 2}))
