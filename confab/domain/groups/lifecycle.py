"""Creating (and importing), disbanding, editing a group's profile, handing over ownership."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import accounts, msg_ext
from confab.domain.apps import App
from confab.domain.groups import fields, ids, model, notices, profile, roster
from confab.domain.groups.model import Group, dumps
from confab.domain.groups.roster import NewMember
from confab.domain.groups.types import UNLIMITED, GroupType, Role
from confab.errors import ApiError
from confab.store.tables.groups import (
    group_bans,
    group_members,
    group_messages,
    group_mutes,
    group_receipts,
    group_requests,
    group_topic_reads,
    group_topics,
    groups,
)
from confab.webhooks import before

if TYPE_CHECKING:
    from confab.runtime import Runtime

CREATE_MEMBERS_MAX = 100  # MemberList (10005; seed 11907)
BEFORE_CREATE = before.Site("Group.CallbackBeforeCreateGroup", reject_code=10016, custom=(10100, 10200))
_encode = msgspec.json.Encoder().encode


@dataclass(slots=True)
class NewGroup:
    gtype: GroupType
    name: str
    group_id: str | None = None
    owner: str = ""
    introduction: str = ""
    notification: str = ""
    face_url: str = ""
    max_members: int | None = None
    apply_option: str | None = None
    invite_option: str | None = None
    mute_all: bool = False
    support_topic: bool = False
    app_data: dict[str, str] = field(default_factory=dict)
    members: list[NewMember] = field(default_factory=list)
    created_at: int | None = None  # import_group: the group's original creation time


def _serial() -> int:
    # unique per app (a unique index), roughly creation ordered: the keyset behind `Next` paging
    return (time.time_ns() // 1_000_000) << 20 | secrets.randbits(20)


async def create(rt: Runtime, app: App, spec: NewGroup, *, operator: str, how: str = "created") -> Group:
    """Create a group (create_group, import_group, a user's create). The owner, when named, becomes
    a member; so does everyone in `members`. Answers 10021/10025 for a custom ID already taken."""
    gtype = spec.gtype
    imported = how == "imported"
    if imported and not gtype.importable:
        raise ApiError(10007, f"{gtype.name} groups cannot be imported: create one and modify its profile")
    if spec.members and not gtype.rest_add_members:
        raise ApiError(10007, f"members cannot be added to an {gtype.name} group: users join it themselves")
    if len(spec.members) > CREATE_MEMBERS_MAX:
        raise ApiError(10005, f"MemberList holds at most {CREATE_MEMBERS_MAX} members")
    if spec.support_topic and not gtype.supports_topics:
        raise ApiError(10004, "SupportTopic is for Community groups only")
    group_id = ids.check_custom(spec.group_id, gtype) if spec.group_id is not None else ids.mint(gtype)
    default_max = profile.IMPORT_DEFAULT_MAX_MEMBERS if imported else None
    max_members = profile.check_max_members(app, gtype, spec.max_members, default_max)
    apply_option = profile.check_apply_option(gtype, spec.apply_option)
    if not gtype.apply_option_supported:  # "valid only for groups that can be joined by users" (seed 11892-11900)
        apply_option = gtype.default_apply_option
    invite_option = profile.check_invite_option(gtype, spec.invite_option)
    now = int(time.time())
    created_at = spec.created_at or now
    roster_: dict[str, NewMember] = {}
    if spec.owner and gtype.member_profiles:
        # an imported group's owner joined when the group was made (import_group_member: JoinTime >= CreateTime)
        roster_[spec.owner] = NewMember(spec.owner, Role.OWNER, join_time=created_at if imported else 0)
    for m in spec.members:
        if m.role is Role.OWNER:
            raise ApiError(10004, "MemberList may give the Admin role only; name the owner in Owner_Account")
        if m.role is Role.ADMIN and not gtype.has_admins:
            raise ApiError(10004, f"{gtype.name} groups have no admins")
        roster_.setdefault(m.user_id, m)
    if max_members and len(roster_) > max_members:
        raise ApiError(10038, f"{len(roster_)} members do not fit a group of {max_members}")
    # the initial members as the callbacks list them: those named, the owner aside (seed 31046, 31243)
    initial = [u for u in roster_ if u != spec.owner]
    if not imported and app.settings.webhook.on(BEFORE_CREATE.command):  # asked before the write, never in it
        made = 0  # "groups of this kind the user created": those of the type the owner holds
        if spec.owner:
            owned = sa.select(sa.func.count()).where(
                groups.c.sdkappid == app.sdkappid, groups.c.owner == spec.owner, groups.c.type == gtype.name
            )
            async with rt.store.read() as conn:
                made = await conn.scalar(owned) or 0
        asked = {
            "Operator_Account": operator,
            "Owner_Account": spec.owner,
            "Type": gtype.name,
            "Name": spec.name,
            "CreateGroupNum": made,
            "MemberList": [{"Member_Account": u} for u in initial],
            "EventTime": before.event_time(),
        }
        verdict = await BEFORE_CREATE.ask(rt, app, asked)
        if verdict is not None and verdict.action == "reject":
            raise ApiError(verdict.code, verdict.info)
    async with rt.store.tx() as tx:
        if spec.group_id is not None:
            taken = (
                await tx.execute(
                    sa.select(groups.c.owner).where(groups.c.sdkappid == app.sdkappid, groups.c.group_id == group_id)
                )
            ).first()
            if taken is not None:
                # custom IDs come only from REST: "you" is the owner named (none = the app admin itself);
                # import_group documents 10021 alone (seed 13899)
                if taken.owner == spec.owner and not imported:
                    raise ApiError(10025, f"you already use the group ID {group_id!r}; disband that group first")
                raise ApiError(10021, f"the group ID {group_id!r} is already used by another owner")
        named = [spec.owner] if spec.owner else []
        named += [m.user_id for m in spec.members]
        missing = set(named) - await accounts.existing(tx.conn, app.sdkappid, named)
        if missing:
            raise ApiError(10004, f"not accounts of this app: {', '.join(sorted(missing))}")
        await tx.execute(
            groups.insert().values(
                sdkappid=app.sdkappid,
                group_id=group_id,
                serial=_serial(),
                type=gtype.name,
                name=spec.name,
                introduction=spec.introduction,
                notification=spec.notification,
                face_url=spec.face_url,
                owner=spec.owner,
                created_at=created_at,
                info_seq=1,
                last_info_time=created_at,
                last_msg_time=0,
                next_msg_seq=1,
                member_num=0,
                max_member_num=max_members,
                apply_join_option=apply_option,
                invite_join_option=invite_option,
                mute_all=int(spec.mute_all),
                support_topic=int(spec.support_topic),
                active=0 if gtype.needs_activation else 1,
                app_data=dumps(spec.app_data),
                attrs="{}",
                counters="{}",
            )
        )
        group = await model.get(tx, app.sdkappid, group_id)
        await roster.insert(tx, group, list(roster_.values()))
        users = list(roster_)
        if not imported:  # import_group delivers no notifications (seed 13622-13624)
            await notices.tell(tx, rt, group, users, "group.joined", {"Operator": operator, "How": how})
        notices.publish(
            tx,
            rt,
            notices.GroupCreated(
                **notices.event_base(group, operator),
                owner=spec.owner,
                members=users,
                name=spec.name,
                app_data=spec.app_data,
                how=how,
            ),
        )
    return group


async def destroy(rt: Runtime, app: App, group_id: str, *, operator: str | None) -> None:
    """Disband a group (destroy_group; a device: the owner, except in Work groups, which only the app
    admin disbands). Every row of the group goes in the same transaction."""
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        if operator is not None and not app.is_admin(operator):
            role = await model.role_of(tx, app, group, operator)
            if role is not Role.OWNER or group.gtype.owner_may_quit:  # Work groups: app admin only
                raise ApiError(10007, "only the group owner (the app admin for Work groups) may disband it")
        members: list[str] = []  # for Group.CallbackAfterGroupDestroyed, read before the rows go
        if group.gtype.destroyed_callback_lists_members and app.settings.webhook.on(
            "Group.CallbackAfterGroupDestroyed"
        ):
            members = await roster.all_ids(tx, group)
        # group_messages holds the topics' messages too (keyed by topic_id): the group's key takes them all
        tables = (group_members, group_mutes, group_bans, group_requests, group_messages, group_receipts)
        # a topic's mutes are keyed by the topic's ID (mutes.topic_scope): they go with the topics
        topic_ids = sa.select(group_topics.c.topic_id).where(group.where(group_topics))
        await tx.execute(
            group_mutes.delete().where(group_mutes.c.sdkappid == group.sdkappid, group_mutes.c.group_id.in_(topic_ids))
        )
        for table in (*tables, group_topic_reads, group_topics):
            await tx.execute(table.delete().where(group.where(table)))
        await msg_ext.purge_group(tx, app.sdkappid, group.group_id)
        await tx.execute(groups.delete().where(group.where()))
        who = notices.who(app, operator)
        payload = {"GroupId": group.group_id, "TipType": "GroupDismissed", "Operator": who, "MsgSeq": 0}
        entry = notices.entry(app.sdkappid, group.group_id, "group.tip", payload)
        # the tip first, while the gateway still knows who is in the group; then the event that forgets it
        notices.publish(
            tx,
            rt,
            entry,
            notices.GroupDestroyed(
                **notices.event_base(group, who), owner=group.owner, name=group.name, members=members
            ),
        )


@dataclass(slots=True)
class InfoChange:
    """modify_group_base_info and the device's "edit group profile": only the fields given change."""

    texts: dict[str, str] = field(default_factory=dict)  # vendor name -> value (Name, Introduction ...)
    max_members: int | None = None
    apply_option: str | None = None
    invite_option: str | None = None
    mute_all: bool | None = None
    app_data: dict[str, str] = field(default_factory=dict)  # "" deletes a key

    def empty(self) -> bool:
        return not (self.texts or self.app_data) and all(
            v is None for v in (self.max_members, self.apply_option, self.invite_option, self.mute_all)
        )


async def modify_info(
    rt: Runtime,
    app: App,
    group_id: str,
    change: InfoChange,
    *,
    operator: str | None,
    shown_as: str | None = None,
) -> Group:
    """Apply a profile change; a device needs the type's editing role (Work groups: any member, and
    then only the name, introduction, notification and face); custom keys need their write level.
    `shown_as`: the operator the tip names (modify_group_base_info's From_Account, seed 13533-13540);
    it changes who is reported, never what is allowed."""
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        gtype = group.gtype
        role = await model.role_of(tx, app, group, operator)
        if role is None:
            raise ApiError(10007, "only members may edit the group's profile")
        profile_change = change.texts or any(
            v is not None for v in (change.max_members, change.apply_option, change.invite_option, change.mute_all)
        )
        if profile_change and role < gtype.edit_profile_role:
            raise ApiError(
                10007, f"in {gtype.name} groups the profile is edited by the {gtype.edit_profile_role.label}"
            )
        if role < Role.ADMIN and any(
            v is not None for v in (change.max_members, change.apply_option, change.invite_option, change.mute_all)
        ):
            raise ApiError(10007, "members may change only the name, introduction, notification and face")
        if change.app_data:
            fields.require_writable(app, list(change.app_data), role, member=False)
        if shown_as and not await accounts.existing(tx.conn, app.sdkappid, [shown_as]):
            raise ApiError(10004, f"From_Account {shown_as!r} is not an account of this app")
        values: dict[str, Any] = {}
        reported: dict[str, Any] = {}
        for text in profile.TEXT_FIELDS:
            if text.name in change.texts:
                values[text.column] = change.texts[text.name]
                reported[text.name] = change.texts[text.name]
        if change.max_members is not None and profile.ceiling(app, gtype) != UNLIMITED:  # AV: ignored
            top = profile.check_max_members(app, gtype, change.max_members)
            if top < group.member_num:
                raise ApiError(10004, f"MaxMemberNum {top} is below the current MemberNum {group.member_num}")
            values["max_member_num"] = top
            reported["MaxMemberNum"] = top
        if change.apply_option is not None:
            if not gtype.apply_option_supported:
                raise ApiError(10007, f"{gtype.name} groups have no ApplyJoinOption")
            values["apply_join_option"] = profile.check_apply_option(gtype, change.apply_option)
            reported["ApplyJoinOption"] = values["apply_join_option"]
        if change.invite_option is not None:
            values["invite_join_option"] = profile.check_invite_option(gtype, change.invite_option)
            reported["InviteJoinOption"] = values["invite_join_option"]
        if change.mute_all is not None:
            values["mute_all"] = int(change.mute_all)
            reported["MuteAllMember"] = "On" if change.mute_all else "Off"
        if change.app_data:
            merged = fields.apply(group.app_data, change.app_data)
            values["app_data"] = dumps(merged)
            reported["AppDefinedData"] = model.key_values(change.app_data)
        if not values:
            return group
        now = int(time.time())
        values["info_seq"] = groups.c.info_seq + 1
        values["last_info_time"] = now
        await tx.execute(groups.update().where(group.where()).values(**values))
        group = await model.get(tx, app.sdkappid, group_id)
        who = shown_as or notices.who(app, operator)
        await notices.tip(tx, rt, app, group, "GroupInfoChange", who, {"Changes": reported})
        notices.publish(tx, rt, notices.InfoChanged(**notices.event_base(group, who), changes=reported))
    return group


async def change_owner(rt: Runtime, app: App, group_id: str, new_owner: str, *, operator: str | None) -> None:
    """Hand the group to a member (change_group_owner; a device: the owner). The old owner stays a
    plain member. AVChatRoom ownership cannot be transferred (seed 15083-15105)."""
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        if not group.gtype.owner_transferable:
            raise ApiError(10007, f"{group.gtype.name} ownership cannot be transferred")
        role = await model.role_of(tx, app, group, operator)
        if role is not Role.APP_ADMIN and role is not Role.OWNER:
            raise ApiError(10007, "only the owner may hand over the group")
        target = await model.member(tx, group, new_owner)
        if target is None:
            raise ApiError(10007, f"{new_owner!r} is not a member of the group")
        if group.owner == new_owner:
            return
        old = group.owner
        if old:
            await roster.set_role(tx, group, [old], Role.MEMBER)
        await roster.set_role(tx, group, [new_owner], Role.OWNER)
        await tx.execute(groups.update().where(group.where()).values(owner=new_owner))
        group.owner = new_owner
        who = notices.who(app, operator)
        await notices.tip(tx, rt, app, group, "OwnerChange", who, {"OldOwner": old, "NewOwner": new_owner})
        notices.publish(
            tx, rt, notices.OwnerChanged(**notices.event_base(group, who), old_owner=old, new_owner=new_owner)
        )
