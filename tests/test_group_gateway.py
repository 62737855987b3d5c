"""Groups from devices (issue 12, "the user side"): create, join freely and by approval, invite, kick,
mute, edit, quit, disband from ChatClient; live group tips on the connected members' devices; a
device catching a group up through group_tips after reconnecting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import msgspec
import pytest

from confab.client import ChatClient, Closed, GatewayError
from confab.domain.groups.notices import GroupDestroyed, GroupEntry, MembersJoined, MembersLeft
from confab.realtime import protocol
from confab.realtime.group_index import GroupIndex
from confab.realtime.ops import OPS
from tests.gateway import connect
from tests.support import AppHandle

USERS = ("alice", "bob", "carol", "dave")


@pytest.fixture
async def people(app: AppHandle) -> AsyncIterator[dict[str, ChatClient]]:
    await app.import_accounts(*USERS)
    clients = {user: await connect(app, user) for user in USERS}
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.close()


async def tip(client: ChatClient, tip_type: str, within: float = 5.0) -> dict:
    """The next group tip of this type on the device (others skipped)."""
    while True:
        event = await client.next_event("group.tip", within=within)
        assert event.feed_seq == 0  # group entries are outside the per-user feed
        if event.data["TipType"] == tip_type:
            return event.data


async def no_tip(client: ChatClient, within: float = 0.3) -> None:
    with pytest.raises(TimeoutError):
        await client.next_event("group.tip", within=within)


async def fails(code: int, call) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        await call
    assert caught.value.code == code, caught.value
    return caught.value


async def test_create_then_join_freely_and_everyone_online_sees_it(people: dict[str, ChatClient]) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    created = await alice.create_group("Public", "hikers", ApplyJoinOption="FreeAccess", Introduction="trails")
    gid = created["GroupId"]
    assert gid.startswith("@TGS#2") and created["Type"] == "Public"
    joined = await alice.next_event("group.joined")
    assert joined.feed_seq > 0 and joined.data == {
        "GroupId": gid,
        "Type": "Public",
        "Operator": "alice",
        "How": "created",
    }
    assert await bob.apply_join(gid) == 1
    seen = await tip(alice, "MemberJoin")
    assert seen["GroupId"] == gid and seen["Members_Account"] == ["bob"] and seen["Operator"] == "bob"
    assert seen["MsgSeq"] >= 1 and seen["MsgTime"] > 0
    assert (await tip(bob, "MemberJoin"))["MsgSeq"] == seen["MsgSeq"]  # the newcomer is indexed before the tip
    assert (await bob.next_event("group.joined")).data["How"] == "applied"
    await no_tip(carol)  # not a member
    await fails(10013, bob.apply_join(gid))


async def test_join_by_approval_accept_and_refuse(people: dict[str, ChatClient]) -> None:
    alice, bob, carol, dave = people["alice"], people["bob"], people["carol"], people["dave"]
    gid = (await alice.create_group("Public", "by invitation"))["GroupId"]  # NeedPermission by default
    assert await bob.apply_join(gid, "let me in") == 3
    request = await alice.next_event("group.join_request")
    assert request.data["GroupId"] == gid and request.data["Member_Account"] == "bob"
    assert request.data["Message"] == "let me in" and request.data["Kind"] == "apply"
    assert await carol.apply_join(gid) == 3
    pending = await alice.join_requests()
    assert sorted(r["Member_Account"] for r in pending) == ["bob", "carol"]
    assert {r["GroupId"] for r in pending} == {gid} and {r["Type"] for r in pending} == {"Public"}
    assert await bob.join_requests() == []  # not an approver
    await fails(10007, dave.accept_join(gid, "bob"))  # not a member at all
    await alice.accept_join(gid, "bob")
    assert (await tip(bob, "MemberJoin"))["Members_Account"] == ["bob"]  # pushes come in publication order
    assert (await bob.next_event("group.joined")).data["How"] == "approved"
    done = await alice.next_event("group.join_request_done")
    assert done.data["Accepted"] == 1 and done.data["Member_Account"] == "bob"
    await fails(10007, bob.refuse_join(gid, "carol"))  # a plain member does not answer requests
    await alice.refuse_join(gid, "carol")
    refused = await carol.next_event("group.join_request_done")
    assert refused.data["Accepted"] == 0 and refused.data["Operator"] == "alice"
    await fails(10024, alice.accept_join(gid, "carol"))  # handled already
    assert await alice.join_requests() == []


async def test_apply_rules_per_type_and_option(app: AppHandle, people: dict[str, ChatClient]) -> None:
    alice, bob = people["alice"], people["bob"]
    work = (await alice.create_group("Work", "team"))["GroupId"]
    await fails(10007, bob.apply_join(work))  # Work groups are joined by invitation only
    closed = (await alice.create_group("Public", "closed", ApplyJoinOption="DisableApply"))["GroupId"]
    await fails(10007, bob.apply_join(closed))
    full = (await alice.create_group("Public", "tiny", ApplyJoinOption="FreeAccess", MaxMemberCount=1))["GroupId"]
    await fails(10014, bob.apply_join(full))
    meeting = (await alice.create_group("Meeting", "standup"))["GroupId"]
    assert await bob.apply_join(meeting) == 1  # FreeAccess by default
    community = (await alice.create_group("Community", "city"))["GroupId"]
    assert await bob.apply_join(community) == 1  # communities have no ApplyJoinOption: free
    await fails(10010, bob.apply_join("@TGS#2NOSUCHGROUP"))
    await fails(10015, bob.apply_join("bad\x7fid"))
    await fails(10004, bob.apply_join(closed, "x" * 301))


async def test_live_groups_join_freely_keep_no_tips_and_bans_keep_users_out(
    app: AppHandle, people: dict[str, ChatClient]
) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = (await alice.create_group("AVChatRoom", "live"))["GroupId"]
    assert await alice.apply_join(gid) == 1  # even the owner joins to watch
    assert await bob.apply_join(gid) == 1
    live = await tip(alice, "MemberJoin")
    assert live["MsgSeq"] == 0  # pushed, not stored
    assert (await bob.group_tips(gid))["TipList"] == []
    await app.ok("group_open_http_svc/ban_group_member", {"GroupId": gid, "Members_Account": ["carol"], "Duration": 60})
    await fails(10007, carol.apply_join(gid))


async def test_quit_owner_rules(people: dict[str, ChatClient]) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = (await alice.create_group("Public", "stay", ApplyJoinOption="FreeAccess"))["GroupId"]
    await bob.apply_join(gid)
    await fails(10009, alice.quit_group(gid))  # the owner of a Public group hands it over or disbands it
    await fails(10007, carol.quit_group(gid))  # not a member
    await bob.quit_group(gid)
    quit_tip = await tip(alice, "MemberQuit")
    assert quit_tip["Members_Account"] == ["bob"]
    assert (await bob.next_event("group.left")).data == {
        "GroupId": gid,
        "Type": "Public",
        "Operator": "bob",
        "How": "quit",
    }
    await alice.edit_group(gid, Name="after bob")
    await tip(alice, "GroupInfoChange")
    await no_tip(bob)  # no longer indexed as a member


async def test_edit_and_destroy(people: dict[str, ChatClient]) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = (await alice.create_group("Public", "club", ApplyJoinOption="FreeAccess"))["GroupId"]
    await bob.apply_join(gid)
    await fails(10007, bob.edit_group(gid, Name="mine"))  # Public: owner and admins edit
    await fails(10007, carol.edit_group(gid, Name="mine"))
    await fails(10004, alice.edit_group(gid, Name="x" * 31))
    reply = await alice.edit_group(gid, Name="the club", Notification="meet at 6")
    assert reply["InfoSeq"] == 2
    changed = await tip(bob, "GroupInfoChange")
    assert changed["Changes"] == {"Name": "the club", "Notification": "meet at 6"}
    await fails(10007, bob.destroy_group(gid))
    await alice.destroy_group(gid)
    for device in (alice, bob):
        assert (await tip(device, "GroupDismissed"))["GroupId"] == gid
    await no_tip(carol)
    await fails(10010, bob.apply_join(gid))


async def test_work_group_members_edit_and_the_owner_may_leave(people: dict[str, ChatClient]) -> None:
    alice, bob = people["alice"], people["bob"]
    gid = (await alice.create_group("Work", "desk", MemberList=[{"Member_Account": "bob"}]))["GroupId"]
    assert (await bob.next_event("group.joined")).data["How"] == "created"
    await bob.edit_group(gid, Introduction="any member may")
    for device in (alice, bob):
        await tip(device, "GroupInfoChange")
    await fails(10007, bob.edit_group(gid, ApplyJoinOption="FreeAccess"))
    await fails(10007, alice.destroy_group(gid))  # Work groups are disbanded by the app admin only
    await alice.quit_group(gid)  # the group goes on without an owner
    assert (await alice.next_event("group.left")).data["How"] == "quit"
    await no_tip(bob)  # a Work group announces nothing until its first message activates it
    (info,) = await bob.group_info([gid], ResponseFilter={"GroupBaseInfoFilter": ["Owner_Account", "MemberNum"]})
    assert info["Owner_Account"] == "" and info["MemberNum"] == 1


async def test_reconnecting_device_catches_up_through_group_tips(app: AppHandle, people: dict[str, ChatClient]) -> None:
    alice, bob = people["alice"], people["bob"]
    gid = (await alice.create_group("Public", "news", ApplyJoinOption="FreeAccess"))["GroupId"]
    await bob.apply_join(gid)
    last = (await tip(bob, "MemberJoin"))["MsgSeq"]
    await bob.close()
    for n in range(3):
        await alice.edit_group(gid, Notification=f"update {n}")
    bob = people["bob"] = await connect(app, "bob")
    missed = await bob.catch_up_group(gid, last)
    assert [t["Changes"]["Notification"] for t in missed] == ["update 0", "update 1", "update 2"]
    assert [t["MsgSeq"] for t in missed] == [last + 1, last + 2, last + 3]
    page = await bob.group_tips(gid, after_seq=last, limit=2)
    assert len(page["TipList"]) == 2 and page["Complete"] == 0 and page["NextMsgSeq"] == last + 4
    # the reconnected device is indexed again from the store: live tips reach it
    await alice.edit_group(gid, Notification="live again")
    assert (await tip(bob, "GroupInfoChange"))["MsgSeq"] == last + 4
    # a second device of the same user gets them too
    phone = await connect(app, "bob", "iOS")
    try:
        await alice.edit_group(gid, Notification="both")
        for device in (bob, phone):
            assert (await tip(device, "GroupInfoChange"))["Changes"] == {"Notification": "both"}
    finally:
        await phone.close()


async def test_group_tips_codes(people: dict[str, ChatClient]) -> None:
    alice, bob = people["alice"], people["bob"]
    gid = (await alice.create_group("Public", "tips", ApplyJoinOption="FreeAccess"))["GroupId"]
    await fails(10007, bob.group_tips(gid))  # members only
    await fails(10004, alice.group_tips(gid, limit=0))
    await fails(10004, alice.group_tips(gid, limit=101))
    await fails(10004, alice.group_tips(gid, after_seq=-1))
    await fails(10010, alice.group_tips("@TGS#2NOSUCHGROUP"))
    await bob.apply_join(gid)
    await alice.edit_group(gid, Name="renamed")
    seen = await bob.catch_up_group(gid, 0)  # from joining on: not what came before
    assert [t["TipType"] for t in seen] == ["MemberJoin", "GroupInfoChange"]


async def test_create_group_codes(app: AppHandle, people: dict[str, ChatClient]) -> None:
    alice = people["alice"]
    await fails(10004, alice.create_group("Secret", "x"))
    await fails(10004, alice.create_group("Public", ""))
    await fails(10004, alice.create_group("Public", "x", GroupId="@mine"))  # no custom IDs from devices
    await fails(10007, alice.create_group("AVChatRoom", "x", MemberList=[{"Member_Account": "bob"}]))
    await fails(10004, alice.create_group("Public", "x", MemberList=[{"Member_Account": "nobody"}]))
    await fails(10004, alice.create_group("Public", "x", AppDefinedData=[{"Key": "Undeclared", "Value": "v"}]))


async def test_invite_kick_roles_and_mutes(app: AppHandle, people: dict[str, ChatClient]) -> None:
    alice, bob, carol, dave = people["alice"], people["bob"], people["carol"], people["dave"]
    gid = (await alice.create_group("Public", "managed"))["GroupId"]
    added = await alice.invite(gid, ["bob", "carol", "dave"])
    assert added == [{"Member_Account": u, "Result": 1} for u in ("bob", "carol", "dave")]
    joined = await alice.next_event("group.tip")
    assert joined.data["TipType"] == "MemberJoin" and joined.data["Members_Account"] == ["bob", "carol", "dave"]
    assert (await bob.next_event("group.joined")).data["How"] == "invited"
    assert await alice.invite(gid, ["bob"]) == [{"Member_Account": "bob", "Result": 2}]
    await fails(10007, bob.invite(gid, ["alice"]))  # Public members do not invite
    await fails(10019, alice.invite(gid, ["nobody"]))
    # roles: the owner appoints an admin, who then kicks and mutes plain members (not the owner)
    await fails(10007, bob.set_role(gid, "carol", "Admin"))
    await alice.set_role(gid, "bob", "Admin")
    assert (await tip(carol, "SetAdmin"))["Members_Account"] == ["bob"]
    assert (await bob.next_event("group.role")).data["Role"] == "Admin"
    await fails(10004, alice.set_role(gid, "bob", "Owner"))
    await bob.mute(gid, ["carol"], 60)
    muted = await tip(dave, "MemberMute")
    assert muted["MuteTime"] == 60
    assert (await carol.next_event("group.muted")).data["MuteTime"] == 60
    await fails(10007, bob.mute(gid, ["alice"], 60))
    await fails(10007, carol.mute(gid, ["dave"], 60))
    await bob.kick(gid, ["dave"], reason="spam")
    kicked = await tip(carol, "MemberKick")
    assert kicked["Members_Account"] == ["dave"] and kicked["Operator"] == "bob"
    left = await dave.next_event("group.left")
    assert left.data["How"] == "kicked" and left.data["Reason"] == "spam"
    await fails(10007, bob.kick(gid, ["alice"]))
    await fails(10007, carol.kick(gid, ["bob"]))
    await alice.edit_group(gid, Name="after dave")
    await tip(carol, "GroupInfoChange")
    await no_tip(dave)  # out of the index with the kick
    listed = await carol.group_members(gid, MemberInfoFilter=["Role", "MuteUntil"])
    assert listed["MemberNum"] == 3
    by_user = {m["Member_Account"]: m for m in listed["MemberList"]}
    assert by_user["alice"]["Role"] == "Owner" and by_user["bob"]["Role"] == "Admin"
    assert by_user["carol"]["MuteUntil"] > 0
    await fails(10007, dave.group_members(gid))


async def test_invitees_get_the_join_tip(people: dict[str, ChatClient]) -> None:
    alice, bob = people["alice"], people["bob"]
    gid = (await alice.create_group("Public", "welcome"))["GroupId"]
    await alice.invite(gid, ["bob"])
    seen = await tip(alice, "MemberJoin")
    assert (await tip(bob, "MemberJoin", within=1.0))["MsgSeq"] == seen["MsgSeq"]


async def test_invitations_waiting_for_approval(people: dict[str, ChatClient]) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = (await alice.create_group("Work", "gated", InviteJoinOption="NeedPermission"))["GroupId"]
    await alice.invite(gid, ["bob"])  # the owner adds directly
    assert await bob.invite(gid, ["carol"]) == [{"Member_Account": "carol", "Result": 3}]
    (waiting,) = await alice.join_requests()
    assert waiting["Kind"] == "invite" and waiting["Inviter"] == "bob" and waiting["Member_Account"] == "carol"
    await alice.accept_join(gid, "carol")
    assert (await carol.next_event("group.joined")).data["How"] == "invited"
    done = await bob.next_event("group.join_request_done")  # the inviter hears how it went
    assert done.data["Accepted"] == 1


async def test_own_member_settings_and_lists(app: AppHandle, people: dict[str, ChatClient]) -> None:
    alice, bob = people["alice"], people["bob"]
    gid = (await alice.create_group("Public", "settings", ApplyJoinOption="FreeAccess"))["GroupId"]
    await bob.apply_join(gid)
    await bob.set_member_info(gid, NameCard="Bobby", MsgFlag="AcceptNotNotify")
    changed = await tip(alice, "MemberInfoChange")
    assert changed["Member_Account"] == "bob" and changed["Changes"] == {"NameCard": "Bobby"}
    await fails(10004, bob.set_member_info(gid, NameCard="x" * 51))
    await fails(10004, bob.set_member_info(gid, MsgFlag="Loud"))
    await fails(10004, bob.set_member_info(gid, AppMemberDefinedData=[{"Key": "Nope", "Value": "1"}]))
    mine = await bob.my_groups(
        ResponseFilter={"GroupBaseInfoFilter": ["Name"], "SelfInfoFilter": ["NameCard", "MsgFlag"]}
    )
    assert mine["TotalCount"] == 1
    (entry,) = mine["GroupIdList"]
    assert entry["GroupId"] == gid and entry["Name"] == "settings"
    assert entry["SelfInfo"] == {"NameCard": "Bobby", "MsgFlag": "AcceptNotNotify"}
    (info,) = await bob.group_info([gid])
    assert info["ErrorCode"] == 0 and info["MemberNum"] == 2
    missing, bad = await bob.group_info(["@TGS#2NOSUCHGROUP", "bad\x7fid"])
    assert (missing["ErrorCode"], bad["ErrorCode"]) == (10010, 10015)


async def test_a_tip_costs_one_bus_event_and_a_push_per_online_member(app: AppHandle) -> None:
    users = [f"m{n:03}" for n in range(600)]
    await app.import_accounts("owner", *users)
    gid = (
        await app.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "big", "Owner_Account": "owner"})
    )["GroupId"]
    for start in (0, 300):
        part = [{"Member_Account": u} for u in users[start : start + 300]]
        await app.ok("group_open_http_svc/add_group_member", {"GroupId": gid, "Silence": 1, "MemberList": part})
    online = [await connect(app, u) for u in ("owner", "m000", "m299", "m599")]
    tap = app.server.tap()
    try:
        # the index holds the connected members only (a device is indexed just after its login reply)
        await _until_indexed(app, gid, {"owner", "m000", "m299", "m599"})
        await online[0].edit_group(gid, Notification="hello all")
        for device in online:
            assert (await tip(device, "GroupInfoChange"))["Changes"] == {"Notification": "hello all"}
            await no_tip(device, within=0.1)
        entries = [e for e in tap.drain() if type(e).__name__ == "GroupEntry"]
        assert len(entries) == 1
    finally:
        app.server.untap(tap)
        for device in online:
            await device.close()


async def _until_indexed(app: AppHandle, group_id: str, expected: set[str], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while (indexed := app.server.run(_indexed(app, group_id))) != expected:
        assert time.monotonic() < deadline, indexed
        await asyncio.sleep(0.02)


async def _indexed(app: AppHandle, group_id: str) -> set[str]:
    hub = app.server.runtime.hub
    return set(hub.groups._online.get((app.sdkappid, group_id), set()))


# -- the index on its own: changes while a user's groups are being read ----------------------------------


def _entry(group_id: str) -> GroupEntry:
    return GroupEntry(sdkappid=1, at=0, group_id=group_id, seq=0, kind="group.tip", payload=msgspec.Raw(b"{}"))


def _event(cls: type, group_id: str, **fields: object) -> object:
    return cls(sdkappid=1, at=0, group_id=group_id, group_type="Public", operator="x", **fields)


class _Rows:
    """A connection whose one query answers `groups`, after `during` ran (events arriving meanwhile)."""

    def __init__(self, groups: list[str], during) -> None:
        self.groups = groups
        self.during = during
        self.queries = 0

    async def execute(self, *_: object) -> list[tuple[str]]:
        self.queries += 1
        self.during()
        return [(g,) for g in self.groups]


async def test_index_replays_changes_made_while_loading_and_hands_back_held_entries() -> None:
    index = GroupIndex()
    index.expect(1, "u")

    def meanwhile() -> None:
        index.observe(_event(MembersJoined, "g_new", user_ids=["u"], how="added"))
        index.observe(_event(MembersLeft, "g_old", user_ids=["u"], how="kicked"))
        assert index.route(_entry("g_new")) == set()  # not indexed yet: held
        index.route(_entry("g_other"))

    conn = _Rows(["g_old", "g_kept"], meanwhile)  # read before the kick committed
    held = await index.load(conn, 1, "u")
    assert conn.queries == 1
    assert [e.group_id for e in held] == ["g_new"]  # g_other is none of theirs
    assert index.route(_entry("g_new")) == {"u"} and index.route(_entry("g_kept")) == {"u"}
    assert index.route(_entry("g_old")) == set()
    index.observe(_event(GroupDestroyed, "g_kept"))
    assert index.route(_entry("g_kept")) == set()
    index.forget(1, "u")
    assert index.route(_entry("g_new")) == set() and index.users() == []


async def test_index_drops_a_load_whose_user_went_away() -> None:
    index = GroupIndex()
    index.expect(1, "u")
    held = await index.load(_Rows(["g"], lambda: index.forget(1, "u")), 1, "u")
    assert held == [] and index.route(_entry("g")) == set() and index.users() == []
    assert index._loading == {}


HOSTILE = (-1, 0, 2**63, "", "x" * 3000, "\x7f\u202e", [], [""] * 600, {}, {"Key": 1}, [{"Key": "k"}], True)


async def test_hostile_data_never_fails_inside(app: AppHandle) -> None:
    """Every group op, every field given each hostile value: an answer with a code, never 70500."""
    await app.import_accounts("eve")
    client = await connect(app, "eve")
    gid = (await client.create_group("Public", "target"))["GroupId"]
    group_ops = sorted(name for name, (_, fn) in OPS.items() if fn.__module__ == "confab.realtime.group_ops")
    assert len(group_ops) == 17
    try:
        for name in group_ops:
            model = OPS[name][0]
            for field in model.__struct_fields__:
                for value in HOSTILE:
                    if client.closed is not None:  # too many malformed frames: the gateway hung up
                        client = await connect(app, "eve")
                    try:
                        await client.request(name, **{"GroupId": gid, field: value})
                    except GatewayError as err:
                        assert err.code != protocol.CODE_INTERNAL, (name, field, value, err)
                    except Closed:
                        pass
    finally:
        await client.close()
