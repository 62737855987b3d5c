"""A member's read position in a group (issue 13): set_unread_msg_num (seed 004 lines 9325-9497), the
gateway's read_group, and the unread counts and MsgSeq that get_joined_group_list and
get_group_member_info report from it."""

from __future__ import annotations

import pytest

from confab.client import GatewayError
from tests.gateway import connect
from tests.support import AppHandle, assert_error

G = "group_open_http_svc/"
SET = G + "set_unread_msg_num"
SEND = G + "send_group_msg"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]


async def group(app: AppHandle, gtype: str = "Public") -> str:
    await app.import_accounts("leckie", "bob", "carol")
    body = {"Type": gtype, "Name": "g", "Owner_Account": "leckie", "MemberList": [{"Member_Account": "bob"}]}
    return str((await app.ok(G + "create_group", body))["GroupId"])


async def unread(app: AppHandle, user: str, gid: str) -> int:
    reply = await app.ok(
        G + "get_joined_group_list",
        {"Member_Account": user, "WithNoActiveGroups": 1, "ResponseFilter": {"SelfInfoFilter": ["UnreadMsgNum"]}},
    )
    return next(g["SelfInfo"]["UnreadMsgNum"] for g in reply["GroupIdList"] if g["GroupId"] == gid)


async def msg_seq(app: AppHandle, user: str, gid: str) -> int:
    reply = await app.ok(G + "get_group_member_info", {"GroupId": gid, "MemberRoleFilter": ["Member", "Owner"]})
    return next(m["MsgSeq"] for m in reply["MemberList"] if m["Member_Account"] == user)


async def send(app: AppHandle, gid: str, n: int, sender: str = "leckie") -> int:
    seq = 0
    for i in range(n):
        seq = (await app.ok(SEND, {"GroupId": gid, "Random": 100 + i, "From_Account": sender, "MsgBody": TEXT}))[
            "MsgSeq"
        ]
    return seq


async def test_unread_counts_messages_after_the_read_seq(app: AppHandle) -> None:
    gid = await group(app)
    assert await unread(app, "bob", gid) == 0  # what came before joining is not unread
    last = await send(app, gid, 3)
    assert await unread(app, "bob", gid) == 3
    assert await unread(app, "leckie", gid) == 0  # own messages are read
    assert await msg_seq(app, "leckie", gid) == last
    await app.ok(G + "add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    # joined after those: read up to them; stored tips take seqs and count (docs/compatibility.md), so
    # the MemberJoin tip announcing carol, stored after she joined, is her one unread entry
    assert await msg_seq(app, "carol", gid) == last
    assert await unread(app, "carol", gid) == 1


async def test_set_unread_seed_sample_and_clipping(app: AppHandle) -> None:
    gid = await group(app)
    last = await send(app, gid, 6)
    await app.ok(SET, {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 5})  # the seed's sample
    assert await unread(app, "bob", gid) == 5
    assert await msg_seq(app, "bob", gid) == last - 5
    await app.ok(SET, {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 0})
    assert await unread(app, "bob", gid) == 0
    # more than the group holds: all of its messages (seed 9416-9417)
    await app.ok(SET, {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 10**6})
    assert await unread(app, "bob", gid) == last
    # a member who joined later can be given unread messages from before (a migration)
    await app.ok(G + "add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    await app.ok(SET, {"GroupId": gid, "Member_Account": "carol", "UnreadMsgNum": 2})
    assert await unread(app, "carol", gid) == 2


async def test_import_group_member_unread_counts(app: AppHandle) -> None:
    gid = await group(app)
    await send(app, gid, 4)
    body = {"GroupId": gid, "MemberList": [{"Member_Account": "carol", "UnreadMsgNum": 3}]}
    await app.ok(G + "import_group_member", body)
    assert await unread(app, "carol", gid) == 3


async def test_set_unread_types_without_unread_are_a_quiet_no_op(app: AppHandle) -> None:
    gid = await group(app, "ChatRoom")
    await send(app, gid, 2)
    await app.ok(SET, {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 1})  # seed 9360-9361: no error
    assert await unread(app, "bob", gid) == 0


async def test_set_unread_errors(app: AppHandle) -> None:
    gid = await group(app)
    assert_error(await app.call(SET, {"GroupId": gid, "Member_Account": "carol", "UnreadMsgNum": 1}), 10007)
    assert_error(await app.call(SET, {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": -1}), 10004)
    assert_error(await app.call(SET, {"GroupId": gid, "Member_Account": "bob"}), 10004)
    assert_error(await app.call(SET, {"GroupId": gid, "UnreadMsgNum": 1}), 10004)
    assert_error(await app.call(SET, {"GroupId": gid, "Member_Account": 5, "UnreadMsgNum": 1}), 10004)
    assert_error(await app.call(SET, {"Member_Account": "bob", "UnreadMsgNum": 1}), 10004)
    assert_error(await app.call(SET, {"GroupId": "@TGS#2NOPE", "Member_Account": "bob", "UnreadMsgNum": 1}), 10010)
    assert_error(await app.call(SET, {"GroupId": "bad\x7fid", "Member_Account": "bob", "UnreadMsgNum": 1}), 10015)
    body = {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 1}
    assert_error(await app.client("bob").call(SET, body), 10007)  # app admins only


async def test_read_group_moves_the_read_seq_forward_only(app: AppHandle) -> None:
    gid = await group(app)
    last = await send(app, gid, 4)
    bob = await connect(app, "bob")
    try:
        reply = await bob.read_group(gid, last - 2)
        assert reply == {"MsgSeq": last - 2, "UnreadMsgNum": 2}
        assert await unread(app, "bob", gid) == 2
        assert (await bob.read_group(gid, last - 3)) == {"MsgSeq": last - 2, "UnreadMsgNum": 2}  # never backwards
        assert (await bob.read_group(gid)) == {"MsgSeq": last, "UnreadMsgNum": 0}  # 0: everything
        assert (await bob.read_group(gid, last + 100))["MsgSeq"] == last  # clipped to the end
        assert await msg_seq(app, "bob", gid) == last
        with pytest.raises(GatewayError) as e:
            await bob.read_group("@TGS#2NOPE", 1)
        assert e.value.code == 10010
        with pytest.raises(GatewayError) as e:
            await bob.read_group(gid, -1)
        assert e.value.code == 10004
    finally:
        await bob.close()
    carol = await connect(app, "carol")
    try:
        with pytest.raises(GatewayError) as e:
            await carol.read_group(gid, 1)
        assert e.value.code == 10007
    finally:
        await carol.close()
