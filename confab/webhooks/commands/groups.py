"""Group lifecycle and membership callbacks (seed 30947-34764): the after-callbacks' bodies, from the
group events of confab/domain/groups/notices.py (and live.py). The before-callbacks are call sites in
the domain: lifecycle.BEFORE_CREATE, joining.BEFORE_APPLY, members.BEFORE_INVITE."""

from __future__ import annotations

from typing import Any

from confab.domain.groups import types
from confab.domain.groups.live import LiveStateChanged
from confab.domain.groups.notices import (
    AttrsChanged,
    GroupCreated,
    GroupDestroyed,
    GroupEvent,
    GroupFull,
    InfoChanged,
    MemberInfoChanged,
    MembersJoined,
    MembersLeft,
    OwnerChanged,
    RolesChanged,
)
from confab.webhooks.after import after
from confab.webhooks.before import event_time

Body = dict[str, Any]

# MembersJoined.how -> JoinType (seed 31775); imports trigger nothing (their pages deliver no notices)
JOIN_TYPES = {"applied": "Apply", "approved": "Apply", "added": "Invited", "invited": "Invited"}
# MembersLeft.how -> ExitType (seed 31957): a ban puts the user out as a kick does; a live watcher
# dropped after the rejoin window has left the room. A deleted account is no trigger of the page.
EXIT_TYPES = {"kicked": "Kicked", "banned": "Kicked", "quit": "Quit", "offline": "Quit"}
# the profile fields whose change is reported (seed 32940-32944: "other basic fields do not trigger it")
INFO_FIELDS = ("Name", "Introduction", "Notification", "FaceUrl")


def _accounts(user_ids: list[str]) -> list[dict[str, str]]:
    return [{"Member_Account": u} for u in user_ids]


def _head(event: GroupEvent) -> Body:
    return {"GroupId": event.group_id, "Type": event.group_type, "Operator_Account": event.operator}


@after("Group.CallbackAfterCreateGroup", GroupCreated)
async def group_created(tx: Any, app: Any, event: GroupCreated) -> list[Body]:
    """Created by a device or create_group; not import_group. MemberList: the members named, without
    the owner (seed 31243-31262)."""
    if event.how == "imported":
        return []
    body = _head(event) | {
        "Owner_Account": event.owner,
        "Name": event.name,
        "MemberList": _accounts([u for u in event.members if u != event.owner]),
    }
    if event.app_data:
        body["UserDefinedDataList"] = [{"Key": k, "Value": v} for k, v in event.app_data.items()]
    return [body | {"EventTime": event_time()}]


@after("Group.CallbackAfterNewMemberJoin", MembersJoined)
async def members_joined(tx: Any, app: Any, event: MembersJoined) -> list[Body]:
    join_type = JOIN_TYPES.get(event.how)
    if join_type is None:
        return []
    body = _head(event) | {"JoinType": join_type, "NewMemberList": _accounts(event.user_ids)}
    return [body | {"EventTime": event_time()}]


@after("Group.CallbackAfterMemberExit", MembersLeft)
async def members_left(tx: Any, app: Any, event: MembersLeft) -> list[Body]:
    exit_type = EXIT_TYPES.get(event.how)
    if exit_type is None:
        return []
    body = _head(event) | {"ExitType": exit_type, "ExitMemberList": _accounts(event.user_ids)}
    return [body | {"EventTime": event_time()}]


@after("Group.CallbackAfterGroupFull", GroupFull)
async def group_full(tx: Any, app: Any, event: GroupFull) -> list[Body]:
    return [{"GroupId": event.group_id, "EventTime": event_time()}]


@after("Group.CallbackAfterGroupDestroyed", GroupDestroyed)
async def group_destroyed(tx: Any, app: Any, event: GroupDestroyed) -> list[Body]:
    """No Operator_Account (the page has none); no MemberList for Communities (seed 32818)."""
    body: Body = {"GroupId": event.group_id, "Type": event.group_type, "Owner_Account": event.owner}
    body["Name"] = event.name
    if event.group_type != types.COMMUNITY.name:
        body["MemberList"] = _accounts(event.members)
    return [body | {"EventTime": event_time()}]


@after("Group.CallbackAfterGroupInfoChanged", InfoChanged)
async def info_changed(tx: Any, app: Any, event: InfoChanged) -> list[Body]:
    changed = {k: event.changes[k] for k in INFO_FIELDS if k in event.changes}
    if not changed:
        return []
    return [_head(event) | changed | {"EventTime": event_time()}]


def _same_member(a: GroupEvent, b: GroupEvent, user: str) -> bool:
    return a.sdkappid == b.sdkappid and a.group_id == b.group_id and user in _users(b)


def _users(event: GroupEvent) -> list[str]:
    if isinstance(event, RolesChanged):
        return event.user_ids
    if isinstance(event, MemberInfoChanged):
        return [event.user_id]
    return []


@after("Group.CallbackAfterMemberFieldChanged", RolesChanged, MemberInfoChanged)
async def member_field_changed(tx: Any, app: Any, event: RolesChanged | MemberInfoChanged) -> list[Body]:
    """Role (Admin/Member) and NameCard, one callback per member changed: modify_group_member_info
    changing both emits two events in one transaction, reported together (as the page's sample) by
    the role's builder."""
    others = [e for e in tx.events if e is not event and isinstance(e, RolesChanged | MemberInfoChanged)]
    bodies: list[Body] = []
    if isinstance(event, MemberInfoChanged):
        if "NameCard" not in event.changes:
            return []
        if any(isinstance(e, RolesChanged) and _same_member(event, e, event.user_id) for e in others):
            return []
        body = _head(event) | {"Member_Account": event.user_id, "NameCard": event.changes["NameCard"]}
        return [body | {"EventTime": event_time()}]
    for user in event.user_ids:
        body = _head(event) | {"Member_Account": user, "Role": event.role}
        for e in others:
            if isinstance(e, MemberInfoChanged) and _same_member(event, e, user) and "NameCard" in e.changes:
                body["NameCard"] = e.changes["NameCard"]
        bodies.append(body | {"EventTime": event_time()})
    return bodies


@after("Group.CallbackAfterGroupAttrChanged", AttrsChanged)
async def attrs_changed(tx: Any, app: Any, event: AttrsChanged) -> list[Body]:
    """OptionType set/modify/clear/delete; GroupAttr the attributes the call wrote, or those it removed
    with the values they had (lower-case keys, seed 34373-34383)."""
    items = event.items if event.option else event.attrs
    body = _head(event) | {
        "OptionType": event.option or "set",
        "GroupAttr": [{"key": k, "value": v} for k, v in items.items()],
    }
    return [body | {"EventTime": event_time()}]


@after("Group.CallbackAfterChangeGroupOwner", OwnerChanged)
async def owner_changed(tx: Any, app: Any, event: OwnerChanged) -> list[Body]:
    body = _head(event) | {"OldOwner_Account": event.old_owner, "NewOwner_Account": event.new_owner}
    return [body | {"EventTime": event_time()}]


@after("Group.CallbackOnMemberStateChange", LiveStateChanged)
async def live_state_changed(tx: Any, app: Any, event: LiveStateChanged) -> list[Body]:
    """A live group's watchers went Offline (past the grace) or came back Online (seed 33300-33315;
    the sample has no EventTime)."""
    return [{"GroupId": event.group_id, "EventType": event.state, "MemberList": _accounts(event.user_ids)}]
