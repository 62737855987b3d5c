"""Group read receipts (issue 13): get_group_msg_receipt (seed 004 lines 5734-5942),
get_group_msg_receipt_detail (5467-5733), the gateway's group_receipt and the senders' "group.receipt"
feed entries."""

from __future__ import annotations

import pytest

from confab.client import ChatClient, GatewayError
from tests.gateway import connect
from tests.support import AppHandle, assert_error

G = "group_open_http_svc/"
RECEIPT = G + "get_group_msg_receipt"
DETAIL = G + "get_group_msg_receipt_detail"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]
READERS = ["test", "test1", "test2", "test3", "test4", "test5", "test6"]


async def group(app: AppHandle, gtype: str = "Public", members: list[str] = READERS) -> str:
    await app.import_accounts("leckie", "carol", *members)
    body = {
        "Type": gtype,
        "Name": "g",
        "Owner_Account": "leckie",
        "MemberList": [{"Member_Account": m} for m in members],
    }
    if gtype == "AVChatRoom":
        del body["MemberList"]
    return str((await app.ok(G + "create_group", body))["GroupId"])


async def send(client: ChatClient, gid: str, receipt: int = 1) -> int:
    return int((await client.send_group_msg(gid, TEXT, IsNeedReadReceipt=receipt))["MsgSeq"])


async def test_seed_samples(app: AppHandle) -> None:
    gid = await group(app)
    leckie = await connect(app, "leckie")
    reader = await connect(app, "test1")
    try:
        s1, s2 = await send(leckie, gid), await send(leckie, gid)
        got = (await reader.next_event("group.msg")).data
        assert got["NeedReadReceipt"] == 1 and got["MsgSeq"] == s1
        assert await reader.group_receipt(gid, [s1, s2]) == [{"MsgSeq": s1, "Code": 0}, {"MsgSeq": s2, "Code": 0}]
        note = (await leckie.next_event("group.receipt")).data
        assert note == {
            "GroupId": gid,
            "Type": "Public",
            "Reader": "test1",
            "GroupMsgReceiptList": [
                {"MsgSeq": s1, "ReadNum": 1, "UnreadNum": 6},
                {"MsgSeq": s2, "ReadNum": 1, "UnreadNum": 6},
            ],
        }
    finally:
        await leckie.close()
        await reader.close()
    # get_group_msg_receipt: the page's sample request and reply (seed 5818-5880)
    reply = await app.ok(RECEIPT, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": s1}, {"MsgSeq": s2}]})
    assert reply["GroupMsgReceiptList"] == [
        {"Code": 0, "MsgSeq": s1, "ReadNum": 1, "UnreadNum": 6},
        {"Code": 0, "MsgSeq": s2, "ReadNum": 1, "UnreadNum": 6},
    ]
    # get_group_msg_receipt_detail: read list (seed 5592-5618)
    reply = await app.ok(DETAIL, {"GroupId": gid, "MsgSeq": s1, "Filter": 0, "Cursor": "", "Count": 5})
    assert {k: reply[k] for k in ("Cursor", "IsFinish", "MsgSeq", "ReadList")} == {
        "Cursor": "0",
        "IsFinish": 1,
        "MsgSeq": s1,
        "ReadList": [{"Read_Account": "test1"}],
    }
    assert reply["IsFinished"] == 1 and "UnreadList" not in reply
    # unread list, paged with Cursor (seed 5620-5669)
    reply = await app.ok(DETAIL, {"GroupId": gid, "MsgSeq": s1, "Filter": 1, "Cursor": "", "Count": 5})
    assert reply["IsFinish"] == 0 and reply["MsgSeq"] == s1 and reply["Cursor"] not in ("", "0")
    assert reply["UnreadList"] == [{"Unread_Account": u} for u in ["test", "test2", "test3", "test4", "test5"]]
    more = await app.ok(DETAIL, {"GroupId": gid, "MsgSeq": s1, "Filter": 1, "Cursor": reply["Cursor"], "Count": 5})
    assert more["UnreadList"] == [{"Unread_Account": "test6"}] and more["IsFinish"] == 1 and more["Cursor"] == "0"
    done = await app.ok(DETAIL, {"GroupId": gid, "MsgSeq": s1, "Filter": 1, "Cursor": "0", "Count": 5})
    assert done["UnreadList"] == [] and done["IsFinish"] == 1
    # an exact page: finished, no further pull
    exact = await app.ok(DETAIL, {"GroupId": gid, "MsgSeq": s1, "Filter": 1, "Count": 6})
    assert len(exact["UnreadList"]) == 6 and exact["IsFinish"] == 1


async def test_who_counts_as_unread(app: AppHandle) -> None:
    gid = await group(app, members=["bob", "dave"])
    leckie = await connect(app, "leckie")
    bob = await connect(app, "bob")
    try:
        seq = await send(leckie, gid)
        # read_group moves the read seq only: no receipt (docs/compatibility.md)
        await bob.read_group(gid)
        counts = await app.ok(RECEIPT, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]})
        assert counts["GroupMsgReceiptList"] == [{"Code": 0, "MsgSeq": seq, "ReadNum": 0, "UnreadNum": 2}]
        # carol joins after the message: not among those who could read it, and cannot send a receipt
        await app.ok(G + "add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
        carol = await connect(app, "carol")
        try:
            assert await carol.group_receipt(gid, [seq]) == [{"MsgSeq": seq, "Code": 10007}]
        finally:
            await carol.close()
        assert await bob.group_receipt(gid, [seq, seq]) == [{"MsgSeq": seq, "Code": 0}] * 2
        assert await bob.group_receipt(gid, [seq]) == [{"MsgSeq": seq, "Code": 0}]  # again: idempotent
        counts = await app.ok(RECEIPT, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]})
        assert counts["GroupMsgReceiptList"] == [{"Code": 0, "MsgSeq": seq, "ReadNum": 1, "UnreadNum": 1}]
        # one notice for the first receipt, none for the repeat
        assert (await leckie.next_event("group.receipt")).data["GroupMsgReceiptList"][0]["ReadNum"] == 1
        with pytest.raises(TimeoutError):
            await leckie.next_event("group.receipt", within=0.3)
        # own messages: no receipt; a member who leaves is no longer unread, a reader who left still read
        assert await leckie.group_receipt(gid, [seq]) == [{"MsgSeq": seq, "Code": 10007}]
        await app.ok(G + "delete_group_member", {"GroupId": gid, "MemberToDel_Account": ["dave", "bob"]})
        counts = await app.ok(RECEIPT, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]})
        assert counts["GroupMsgReceiptList"] == [{"Code": 0, "MsgSeq": seq, "ReadNum": 1, "UnreadNum": 0}]
    finally:
        await leckie.close()
        await bob.close()


async def test_messages_without_receipts_answer_10062(app: AppHandle) -> None:
    gid = await group(app, members=["bob"])
    plain = (await app.ok(G + "send_group_msg", {"GroupId": gid, "Random": 1, "MsgBody": TEXT}))["MsgSeq"]
    leckie = await connect(app, "leckie")
    bob = await connect(app, "bob")
    try:
        asked = await send(leckie, gid)
        not_asked = await send(leckie, gid, receipt=0)
        await app.ok(G + "add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
        info = await app.ok(G + "get_group_info", {"GroupIdList": [gid]})
        tip = info["GroupInfo"][0]["NextMsgSeq"] - 1  # the MemberJoin tip
        assert tip > not_asked
        recalled = await send(leckie, gid)
        await leckie.recall_group_msg(gid, recalled)
        seqs = [plain, asked, not_asked, tip, 10**6, recalled]
        results = await bob.group_receipt(gid, seqs)
        assert results == [{"MsgSeq": s, "Code": 0 if s == asked else 10062} for s in seqs]
        reply = await app.ok(RECEIPT, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": s} for s in seqs]})
        codes = [(i["MsgSeq"], i["Code"]) for i in reply["GroupMsgReceiptList"]]
        assert codes == [(s, 10062 if s not in (asked, recalled) else 0) for s in seqs]
        for s in (plain, not_asked, tip, 10**6):
            assert_error(
                await app.call(DETAIL, {"GroupId": gid, "MsgSeq": s, "Filter": 0, "Cursor": "", "Count": 5}), 10062
            )
        with pytest.raises(GatewayError) as e:
            await bob.group_receipt(gid, [])
        assert e.value.code == 10004
        with pytest.raises(GatewayError) as e:
            await bob.group_receipt("@TGS#2NOPE", [asked])
        assert e.value.code == 10010
    finally:
        await leckie.close()
        await bob.close()
    peter = await connect(app, "carol")  # a member now, but the message is from before she joined
    try:
        assert await peter.group_receipt(gid, [asked]) == [{"MsgSeq": asked, "Code": 10007}]
    finally:
        await peter.close()
    await app.import_accounts("outsider")
    outsider = await connect(app, "outsider")
    try:
        with pytest.raises(GatewayError) as e:
            await outsider.group_receipt(gid, [asked])
        assert e.value.code == 10007
    finally:
        await outsider.close()


async def test_request_errors(app: AppHandle) -> None:
    gid = await group(app, members=["bob"])
    leckie = await connect(app, "leckie")
    try:
        seq = await send(leckie, gid)
    finally:
        await leckie.close()
    ok = {"GroupId": gid, "MsgSeq": seq, "Filter": 0, "Cursor": "", "Count": 5}
    await app.ok(DETAIL, ok)
    for bad in (
        {"MsgSeq": None},
        {"Filter": None},
        {"Filter": 2},
        {"Count": None},
        {"Count": 0},
        {"Count": 201},
        {"Cursor": "not a cursor"},
        {"MsgSeq": 0},
        {"MsgSeq": "1"},
        {"GroupId": None},
        {"GroupId": 5},
    ):
        body = {k: v for k, v in {**ok, **bad}.items() if v is not None}
        assert_error(await app.call(DETAIL, body), 10004)
    assert_error(await app.call(DETAIL, {**ok, "GroupId": "@TGS#2NOPE"}), 10010)
    assert_error(await app.call(DETAIL, {**ok, "GroupId": "bad\x7fid"}), 10015)
    assert_error(await app.client("bob").call(DETAIL, ok), 10007)  # app admins only
    one = {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]}
    await app.ok(RECEIPT, one)
    for body in (
        {"GroupId": gid},
        {"GroupId": gid, "MsgSeqList": []},
        {"GroupId": gid, "MsgSeqList": [{}]},
        {"GroupId": gid, "MsgSeqList": [{"MsgSeq": 0}]},
        {"GroupId": gid, "MsgSeqList": [{"MsgSeq": s} for s in range(1, 102)]},
        {"GroupId": gid, "MsgSeqList": [seq]},
        {"MsgSeqList": [{"MsgSeq": seq}]},
    ):
        assert_error(await app.call(RECEIPT, body), 10004)
    assert_error(await app.call(RECEIPT, {**one, "GroupId": "@TGS#2NOPE"}), 10010)
    assert_error(await app.call(RECEIPT, {**one, "GroupId": "bad\x7fid"}), 10015)
    assert_error(await app.client("bob").call(RECEIPT, one), 10007)


@pytest.mark.parametrize("gtype", ["AVChatRoom", "Community"])
async def test_types_without_receipts(app: AppHandle, gtype: str) -> None:
    """Seed 5478-5486: no read receipts in AVChatRoom and Community groups (10007)."""
    gid = await group(app, gtype, members=["bob"])
    assert_error(await app.call(RECEIPT, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": 1}]}), 10007)
    body = {"GroupId": gid, "MsgSeq": 1, "Filter": 0, "Cursor": "", "Count": 5}
    assert_error(await app.call(DETAIL, body), 10007)
    leckie = await connect(app, "leckie")
    try:
        with pytest.raises(GatewayError) as e:
            await leckie.group_receipt(gid, [1])
        assert e.value.code == 10007
    finally:
        await leckie.close()


@pytest.mark.parametrize("gtype", ["Private", "ChatRoom"])
async def test_other_types_with_receipts(app: AppHandle, gtype: str) -> None:
    gid = await group(app, gtype, members=["bob", "dave"])
    leckie = await connect(app, "leckie")
    bob = await connect(app, "bob")
    try:
        seq = await send(leckie, gid)
        assert await bob.group_receipt(gid, [seq]) == [{"MsgSeq": seq, "Code": 0}]
    finally:
        await leckie.close()
        await bob.close()
    reply = await app.ok(RECEIPT, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]})
    assert reply["GroupMsgReceiptList"] == [{"Code": 0, "MsgSeq": seq, "ReadNum": 1, "UnreadNum": 1}]
    reply = await app.ok(DETAIL, {"GroupId": gid, "MsgSeq": seq, "Filter": 1, "Cursor": "", "Count": 200})
    assert reply["UnreadList"] == [{"Unread_Account": "dave"}]


async def test_destroying_the_group_drops_its_receipts(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    body = {
        "Type": "Public",
        "GroupId": "receipts",
        "Name": "g",
        "Owner_Account": "leckie",
        "MemberList": [{"Member_Account": "bob"}],
    }
    gid = str((await app.ok(G + "create_group", body))["GroupId"])
    leckie = await connect(app, "leckie")
    bob = await connect(app, "bob")
    try:
        seq = await send(leckie, gid)
        await bob.group_receipt(gid, [seq])
        await app.ok(G + "destroy_group", {"GroupId": gid})
        await app.ok(G + "create_group", body)
        again = await send(leckie, gid)
        assert again == seq
    finally:
        await leckie.close()
        await bob.close()
    reply = await app.ok(RECEIPT, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]})
    assert reply["GroupMsgReceiptList"] == [{"Code": 0, "MsgSeq": seq, "ReadNum": 0, "UnreadNum": 1}]


async def test_deleting_an_account_drops_its_receipts(app: AppHandle) -> None:
    gid = await group(app, members=["bob", "dave"])
    leckie = await connect(app, "leckie")
    bob = await connect(app, "bob")
    try:
        seq = await send(leckie, gid)
        await bob.group_receipt(gid, [seq])
    finally:
        await leckie.close()
        await bob.close()
    await app.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "bob"}]})
    await app.import_accounts("bob")  # a new account under the old ID has read nothing
    reply = await app.ok(RECEIPT, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]})
    assert reply["GroupMsgReceiptList"] == [{"Code": 0, "MsgSeq": seq, "ReadNum": 0, "UnreadNum": 1}]
