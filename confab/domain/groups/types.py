"""The five group types and what each allows, as data (reference/groups.md §1-2, DECISIONS 5, 7, 9).

This is the only module that names the types. Rules elsewhere read a `GroupType` record: "may this
type's owner quit", "who kicks here", "is there an unread count"; a new rule is a new field here, not an
`if type == ...` somewhere else. Types are stored by their legacy REST name (`Private`, `ChatRoom`),
which is also what every reply says (ruling 7); the new SDK names are accepted on input.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from confab.errors import ApiError


class Role(IntEnum):
    """A member's role; the order is the order of power (the app admin acts above Owner)."""

    MEMBER = 0
    ADMIN = 1
    OWNER = 2
    APP_ADMIN = 3  # the REST identity; never stored

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {Role.MEMBER: "Member", Role.ADMIN: "Admin", Role.OWNER: "Owner", Role.APP_ADMIN: "Owner"}
ROLE_BY_LABEL = {"Member": Role.MEMBER, "Admin": Role.ADMIN, "Owner": Role.OWNER}

UNLIMITED = 0  # MaxMemberNum of a type without a ceiling (AVChatRoom)


@dataclass(frozen=True, slots=True)
class GroupType:
    name: str  # the stored and answered (legacy REST) name
    new_name: str  # the new SDK name, accepted on input
    id_char: str  # the character after "@TGS#" in a server-assigned ID (ruling 8)
    max_members: int  # default ceiling (ruling 5); UNLIMITED for none
    has_admins: bool
    # who may edit the profile (name, introduction, notification, face) from a device
    edit_profile_role: Role
    kick_role: Role | None  # the least role that may remove others (None: nobody, e.g. AVChatRoom)
    mute_role: Role | None  # the least role that may mute others (None: muting members is not supported)
    owner_may_quit: bool
    apply_join: bool  # users may ask to join (ApplyJoinOption applies)
    member_invite: bool  # members may invite others in
    rest_add_members: bool  # add_group_member / MemberList at creation (10007 when not)
    rest_delete_members: bool  # delete_group_member (10004 when not)
    importable: bool  # import_group / import_group_member / import_group_msg
    member_profiles: bool  # members are stored (AVChatRoom keeps only who is watching)
    stores_history: bool
    has_unread: bool
    read_receipts: bool
    needs_activation: bool  # invisible in joined lists until a first message
    history_before_join: bool  # default of the app setting (ruling 9)
    member_tips_stored: bool  # join/leave tips kept for roaming, default of the app setting (ruling 9)
    default_apply_option: str
    apply_option_supported: bool  # ApplyJoinOption is meaningful (not for Community)
    invite_option_supported: bool  # InviteJoinOption is meaningful (not for AVChatRoom)
    default_msg_flag: str
    supports_topics: bool
    member_custom_data: bool  # AppMemberDefinedData (not for AVChatRoom)
    attributes: bool  # group custom attributes (group_open_attr_http_svc)
    attributes_clear: bool  # clear_group_attr (not for Community, seed 17011-17030)
    counters: bool  # group counters (not for Community, seed 20390-20410)
    ban_role: Role | None  # the least role that may ban (None: no bans; AVChatRoom only, seed 14404-14420)
    online_list: bool  # online member count/list APIs (AVChatRoom, Community)
    # get_group_member_info pages only by `Next` (seed 15655-15660, ruling 18): no Offset, no unpaged list
    members_paged_by_next: bool
    owner_transferable: bool  # change_group_owner (not AVChatRoom, seed 15083-15105)
    broadcast_target: bool  # send_broadcast_msg reaches it (AVChatRoom only, seed 2572-2577)
    msg_extensions: bool  # group_get/set_key_values (not AVChatRoom, Community: seed 6429-6439, 6642-6652)
    id_prefix: str = "@TGS#"
    # membership is presence: whoever has joined over the gateway and is connected (AVChatRoom); no
    # member rows, only standing roles (live admins, robots: domain/groups/live.py)
    live: bool = False
    # Group.CallbackAfterGroupDestroyed lists the members (not for Communities: seed 32726-32893)
    destroyed_callback_lists_members: bool = True


WORK = GroupType(
    name="Private",
    new_name="Work",
    id_char="1",
    max_members=6000,
    has_admins=False,
    edit_profile_role=Role.MEMBER,
    kick_role=Role.OWNER,
    mute_role=None,
    owner_may_quit=True,
    apply_join=False,
    member_invite=True,
    rest_add_members=True,
    rest_delete_members=True,
    importable=True,
    member_profiles=True,
    stores_history=True,
    has_unread=True,
    read_receipts=True,
    needs_activation=True,
    history_before_join=False,
    member_tips_stored=True,
    default_apply_option="DisableApply",
    apply_option_supported=False,
    invite_option_supported=True,
    default_msg_flag="AcceptAndNotify",
    supports_topics=False,
    member_custom_data=True,
    attributes=True,
    attributes_clear=True,
    counters=True,
    ban_role=None,
    online_list=False,
    members_paged_by_next=False,
    owner_transferable=True,
    broadcast_target=False,
    msg_extensions=True,
)
PUBLIC = GroupType(
    name="Public",
    new_name="Public",
    id_char="2",
    max_members=6000,
    has_admins=True,
    edit_profile_role=Role.ADMIN,
    kick_role=Role.ADMIN,
    mute_role=Role.ADMIN,
    owner_may_quit=False,
    apply_join=True,
    member_invite=False,
    rest_add_members=True,
    rest_delete_members=True,
    importable=True,
    member_profiles=True,
    stores_history=True,
    has_unread=True,
    read_receipts=True,
    needs_activation=False,
    history_before_join=False,
    member_tips_stored=True,
    default_apply_option="NeedPermission",
    apply_option_supported=True,
    invite_option_supported=True,
    default_msg_flag="AcceptAndNotify",
    supports_topics=False,
    member_custom_data=True,
    attributes=True,
    attributes_clear=True,
    counters=True,
    ban_role=None,
    online_list=False,
    members_paged_by_next=False,
    owner_transferable=True,
    broadcast_target=False,
    msg_extensions=True,
)
MEETING = GroupType(
    name="ChatRoom",
    new_name="Meeting",
    id_char="3",
    max_members=6000,
    has_admins=True,
    edit_profile_role=Role.ADMIN,
    kick_role=Role.ADMIN,
    mute_role=Role.ADMIN,
    owner_may_quit=False,
    apply_join=True,
    member_invite=False,
    rest_add_members=True,
    rest_delete_members=True,
    importable=True,
    member_profiles=True,
    stores_history=True,
    has_unread=False,
    read_receipts=True,
    needs_activation=False,
    history_before_join=True,
    member_tips_stored=False,
    default_apply_option="FreeAccess",
    apply_option_supported=True,
    invite_option_supported=True,
    default_msg_flag="AcceptNotNotify",
    supports_topics=False,
    member_custom_data=True,
    attributes=True,
    attributes_clear=True,
    counters=True,
    ban_role=None,
    online_list=False,
    members_paged_by_next=False,
    owner_transferable=True,
    broadcast_target=False,
    msg_extensions=True,
)
LIVE = GroupType(
    name="AVChatRoom",
    new_name="AVChatRoom",
    id_char="a",
    max_members=UNLIMITED,
    has_admins=False,
    edit_profile_role=Role.OWNER,
    kick_role=None,
    mute_role=Role.OWNER,
    owner_may_quit=False,
    apply_join=True,
    member_invite=False,
    rest_add_members=False,
    rest_delete_members=False,
    importable=False,
    member_profiles=False,
    stores_history=False,
    has_unread=False,
    read_receipts=False,
    needs_activation=False,
    history_before_join=False,
    member_tips_stored=False,
    default_apply_option="FreeAccess",
    apply_option_supported=True,
    invite_option_supported=False,
    default_msg_flag="AcceptNotNotify",
    supports_topics=False,
    member_custom_data=False,
    attributes=True,
    attributes_clear=True,
    counters=True,
    ban_role=Role.OWNER,
    online_list=True,
    members_paged_by_next=False,
    owner_transferable=False,
    broadcast_target=True,
    msg_extensions=False,
    live=True,
)
COMMUNITY = GroupType(
    name="Community",
    new_name="Community",
    id_char="c",
    max_members=100_000,
    has_admins=True,
    edit_profile_role=Role.ADMIN,
    kick_role=Role.ADMIN,
    mute_role=Role.ADMIN,
    owner_may_quit=False,
    apply_join=True,
    member_invite=True,
    rest_add_members=True,
    rest_delete_members=True,
    importable=True,
    member_profiles=True,
    stores_history=True,
    has_unread=True,
    read_receipts=False,
    needs_activation=False,
    history_before_join=False,
    member_tips_stored=True,
    default_apply_option="FreeAccess",
    apply_option_supported=False,
    invite_option_supported=True,
    default_msg_flag="AcceptAndNotify",
    supports_topics=True,
    member_custom_data=True,
    attributes=True,
    attributes_clear=False,
    counters=False,
    ban_role=None,
    online_list=True,
    members_paged_by_next=True,
    owner_transferable=True,
    broadcast_target=False,
    msg_extensions=False,
    id_prefix="@TGS#_",
    destroyed_callback_lists_members=False,
)

ALL: tuple[GroupType, ...] = (WORK, PUBLIC, MEETING, LIVE, COMMUNITY)
BY_NAME: dict[str, GroupType] = {t.name: t for t in ALL} | {t.new_name: t for t in ALL}
# get_appid_group_list also filters by the legacy broadcast room, which Confab never creates (seed 11359)
LIST_FILTERS: frozenset[str] = frozenset(BY_NAME) | {"BChatRoom"}

APPLY_OPTIONS = ("FreeAccess", "NeedPermission", "DisableApply")
INVITE_OPTIONS = ("FreeAccess", "NeedPermission", "DisableInvite")
MSG_FLAGS = ("AcceptAndNotify", "AcceptNotNotify", "Discard", "AcceptNotNotifyExceptAt")


def by_name(name: object, code: int = 10004) -> GroupType:
    """The type a request names (new or legacy name), or the API's parameter code."""
    found = BY_NAME.get(name) if isinstance(name, str) else None
    if found is None:
        raise ApiError(
            code, f"Type must be one of Public, Private (Work), ChatRoom (Meeting), AVChatRoom, Community; got {name!r}"
        )
    return found


def stored(name: str) -> GroupType:
    """The record of a type read back from the store."""
    return BY_NAME[name]
