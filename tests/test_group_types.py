"""Each group API over all five types, expecting what the type's record (confab.domain.groups.types)
implies: the expectation is read from the record's fields, never from a table written here.

To add an API: write `async def test_<api>(app, gtype)` with `@over_types`, build its group with
`make_group(app, gtype, owner=..., members=[...])`, and derive the expected outcome from `gtype`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from confab.domain.groups import model, roster
from confab.domain.groups.roster import NewMember
from confab.domain.groups.types import ALL, UNLIMITED, GroupType, Role
from tests.support import AppHandle, assert_error

over_types = pytest.mark.parametrize("gtype", ALL, ids=[t.name for t in ALL])

G = "group_open_http_svc/"


async def make_group(
    app: AppHandle,
    gtype: GroupType,
    *,
    owner: str | None = "owner",
    members: Sequence[str] = (),
    admins: Sequence[str] = (),
    **extra: object,
) -> str:
    """A group of this type with this owner (None: ownerless), members and admins (accounts imported
    here). Where REST cannot add members (AVChatRoom: users join from devices) they join the live room
    directly, as a device's join would (live admins are appointed over REST)."""
    users = [u for u in (owner, *members, *admins) if u]
    if users:
        await app.import_accounts(*dict.fromkeys(users))
    body: dict[str, object] = {"Type": gtype.name, "Name": f"{gtype.new_name} group", **extra}
    if owner:
        body["Owner_Account"] = owner
    listed = [{"Member_Account": u} for u in members] + [{"Member_Account": u, "Role": "Admin"} for u in admins]
    if listed and gtype.rest_add_members:
        body["MemberList"] = listed
    group_id = (await app.ok(G + "create_group", body))["GroupId"]
    if listed and gtype.live:
        hub = app.server.runtime.hub

        async def join() -> None:
            for user in (*members, *admins):
                hub.live.join(app.sdkappid, group_id, user, grace=20)

        app.server.run(join())
        if admins:
            body = {"GroupId": group_id, "CommandType": 1, "Admin_Account": list(admins)}
            await app.ok("group_open_avchatroom_http_svc/modify_admin", body)
    elif listed and not gtype.rest_add_members:
        joined = [NewMember(u, Role.MEMBER) for u in members] + [NewMember(u, Role.ADMIN) for u in admins]

        async def insert() -> None:
            rt = app.server.runtime
            async with rt.store.tx() as tx:
                await roster.insert(tx, await model.lock(tx, app.sdkappid, group_id), joined)

        app.server.run(insert())
    return group_id


async def group_info(app: AppHandle, group_id: str, **body: object) -> dict:
    return (await app.ok(G + "get_group_info", {"GroupIdList": [group_id], **body}))["GroupInfo"][0]


@over_types
async def test_create_group(app: AppHandle, gtype: GroupType) -> None:
    await app.import_accounts("owner", "bob")
    body = {"Type": gtype.name, "Name": "n", "Owner_Account": "owner", "MemberList": [{"Member_Account": "bob"}]}
    reply = await app.call(G + "create_group", body)
    if not gtype.rest_add_members:
        assert_error(reply, 10007)
        reply = await app.ok(G + "create_group", {k: v for k, v in body.items() if k != "MemberList"})
    group_id = reply["GroupId"]
    assert group_id.startswith(gtype.id_prefix)
    assert group_id.split("@TGS#")[-1][0] == gtype.id_char
    got = await group_info(app, group_id)
    assert got["Type"] == gtype.name
    assert got["MaxMemberNum"] == gtype.max_members  # UNLIMITED (0) where the type has no ceiling
    assert got["ApplyJoinOption"] == gtype.default_apply_option
    expected_members = (1 if gtype.member_profiles else 0) + (1 if gtype.rest_add_members else 0)
    assert got["MemberNum"] == expected_members
    assert ("MemberList" in got) == gtype.member_profiles
    assert ("SupportTopic" in got) == gtype.supports_topics
    by_new_name = await app.ok(G + "create_group", {"Type": gtype.new_name, "Name": "n"})
    assert (await group_info(app, by_new_name["GroupId"]))["Type"] == gtype.name


@over_types
async def test_create_group_with_admins(app: AppHandle, gtype: GroupType) -> None:
    await app.import_accounts("adm")
    body = {"Type": gtype.name, "Name": "n", "MemberList": [{"Member_Account": "adm", "Role": "Admin"}]}
    reply = await app.call(G + "create_group", body)
    if not gtype.rest_add_members:
        assert_error(reply, 10007)
    elif not gtype.has_admins:
        assert_error(reply, 10004)
    else:
        got = await group_info(app, reply["GroupId"])
        assert [(m["Member_Account"], m["Role"]) for m in got["MemberList"]] == [("adm", "Admin")]


@over_types
async def test_import_group(app: AppHandle, gtype: GroupType) -> None:
    reply = await app.call(G + "import_group", {"Type": gtype.name, "Name": "n", "CreateTime": 1448357837})
    if not gtype.importable:
        assert_error(reply, 10007)
        return
    got = await group_info(app, reply["GroupId"])
    assert got["CreateTime"] == 1448357837 and got["Type"] == gtype.name


@over_types
async def test_destroy_group(app: AppHandle, gtype: GroupType) -> None:
    group_id = await make_group(app, gtype, members=["m1"])
    await app.ok(G + "destroy_group", {"GroupId": group_id})  # every type (seed 12074-12084)
    assert (await group_info(app, group_id))["ErrorCode"] == 10010
    joined = await app.ok(G + "get_joined_group_list", {"Member_Account": "m1", "WithHugeGroups": 1})
    assert joined["TotalCount"] == 0


@over_types
async def test_modify_group_base_info(app: AppHandle, gtype: GroupType) -> None:
    group_id = await make_group(app, gtype)
    await app.ok(G + "modify_group_base_info", {"GroupId": group_id, "Name": "renamed", "MuteAllMember": "On"})
    got = await group_info(app, group_id)
    assert got["Name"] == "renamed" and got["MuteAllMember"] == "On"
    apply = await app.call(G + "modify_group_base_info", {"GroupId": group_id, "ApplyJoinOption": "DisableApply"})
    if gtype.apply_option_supported:
        assert (await group_info(app, group_id))["ApplyJoinOption"] == "DisableApply"
    else:
        assert_error(apply, 10007)
    invite = await app.call(G + "modify_group_base_info", {"GroupId": group_id, "InviteJoinOption": "NeedPermission"})
    if gtype.invite_option_supported:
        assert (await group_info(app, group_id))["InviteJoinOption"] == "NeedPermission"
    else:
        assert_error(invite, 10007)
    await app.ok(G + "modify_group_base_info", {"GroupId": group_id, "MaxMemberNum": 10})
    assert (await group_info(app, group_id))["MaxMemberNum"] == (10 if gtype.max_members != UNLIMITED else UNLIMITED)


@over_types
async def test_get_group_info(app: AppHandle, gtype: GroupType) -> None:
    group_id = await make_group(app, gtype, members=["m1", "m2"])
    got = await group_info(app, group_id)
    assert got["ErrorCode"] == 0 and got["MemberNum"] == (3 if gtype.member_profiles else 2)
    if gtype.member_profiles:
        assert [m["Member_Account"] for m in got["MemberList"]] == ["owner", "m1", "m2"]
        assert {m["MsgFlag"] for m in got["MemberList"]} == {gtype.default_msg_flag}
    else:
        assert "MemberList" not in got


@over_types
async def test_get_joined_group_list(app: AppHandle, gtype: GroupType) -> None:
    group_id = await make_group(app, gtype, members=["m1"])
    hidden_as_huge = not gtype.member_profiles
    hidden_as_inactive = gtype.needs_activation
    plain = await app.ok(G + "get_joined_group_list", {"Member_Account": "m1"})
    assert plain["TotalCount"] == (0 if hidden_as_huge or hidden_as_inactive else 1)
    everything = await app.ok(
        G + "get_joined_group_list", {"Member_Account": "m1", "WithHugeGroups": 1, "WithNoActiveGroups": 1}
    )
    assert everything["GroupIdList"] == [{"GroupId": group_id}]
    typed = await app.ok(
        G + "get_joined_group_list", {"Member_Account": "m1", "GroupType": gtype.name, "WithNoActiveGroups": 1}
    )
    assert typed["TotalCount"] == 1


@over_types
async def test_get_appid_group_list(app: AppHandle, gtype: GroupType) -> None:
    app.set(rate_limits={"group_open_http_svc/get_appid_group_list": 0})
    group_id = await make_group(app, gtype, owner=None)
    for other in ALL:
        if other is not gtype:
            await make_group(app, other, owner=None)
    for name in (gtype.name, gtype.new_name):
        reply = await app.ok(G + "get_appid_group_list", {"GroupType": name})
        assert reply["TotalCount"] == 1 and reply["GroupIdList"] == [{"GroupId": group_id}]
