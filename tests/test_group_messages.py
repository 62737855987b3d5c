"""Group messages (issue 13): send_group_msg over REST and the gateway, live delivery to connected
members (seed 004 lines 1731-2362)."""

from __future__ import annotations

from tests.gateway import connect
from tests.support import AppHandle, assert_error

SEND = "group_open_http_svc/send_group_msg"
CREATE = "group_open_http_svc/create_group"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "red packet"}}]


async def public_group(app: AppHandle, owner: str, *members: str) -> str:
    body = {
        "Type": "Public",
        "Name": "g",
        "Owner_Account": owner,
        "MemberList": [{"Member_Account": m} for m in members],
    }
    return str((await app.ok(CREATE, body))["GroupId"])


async def test_rest_send_reaches_connected_members_in_seq_order(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob", "peter")
    gid = await public_group(app, "leckie", "bob", "peter")
    bob = await connect(app, "bob")
    try:
        first = await app.ok(SEND, {"GroupId": gid, "Random": 8912345, "MsgBody": TEXT})
        second = await app.ok(SEND, {"GroupId": gid, "Random": 1, "From_Account": "leckie", "MsgBody": TEXT})
        assert second["MsgSeq"] == first["MsgSeq"] + 1
        got = [(await bob.next_event("group.msg")).data for _ in range(2)]
        assert [m["MsgSeq"] for m in got] == [first["MsgSeq"], second["MsgSeq"]]
        assert got[1]["From_Account"] == "leckie" and got[1]["MsgBody"] == TEXT and got[0]["GroupId"] == gid
        sent = await bob.send_group_msg(gid, TEXT)
        assert sent["MsgSeq"] == second["MsgSeq"] + 1
    finally:
        await bob.close()


async def test_a_failed_send_consumes_no_seq(app: AppHandle) -> None:
    await app.import_accounts("leckie", "bob")
    gid = await public_group(app, "leckie", "bob")
    first = await app.ok(SEND, {"GroupId": gid, "Random": 1, "MsgBody": TEXT})
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 2, "MsgBody": [{"MsgType": "TIMTextElem"}]}), 10004)
    assert_error(await app.call(SEND, {"GroupId": "@TGS#2NOPE", "Random": 2, "MsgBody": TEXT}), 10010)
    big = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 13000}}]
    assert_error(await app.call(SEND, {"GroupId": gid, "Random": 2, "MsgBody": big}), 80002)
    again = await app.ok(SEND, {"GroupId": gid, "Random": 3, "MsgBody": TEXT})
    assert again["MsgSeq"] == first["MsgSeq"] + 1
