"""The group's editable profile fields: their limits (bytes, not characters) and checks, shared by
create_group, import_group, modify_group_base_info and the user side (reference/groups.md §6)."""

from __future__ import annotations

from dataclasses import dataclass

from confab.domain.apps import App
from confab.domain.groups.types import APPLY_OPTIONS, INVITE_OPTIONS, UNLIMITED, GroupType
from confab.domain.limits import utf8_len
from confab.errors import ApiError

NAME_MAX = 30  # seed 11866-11869
INTRODUCTION_MAX = 240  # seed 11871-11874
NOTIFICATION_MAX = 300  # seed 11876-11879
FACE_URL_MAX = 100  # seed 11881-11882
IMPORT_DEFAULT_MAX_MEMBERS = 2000  # import_group: "The default value is 2,000" (seed 13797-13800)


@dataclass(frozen=True, slots=True)
class TextField:
    name: str  # the vendor's field name
    column: str
    max_bytes: int


TEXT_FIELDS = (
    TextField("Name", "name", NAME_MAX),
    TextField("Introduction", "introduction", INTRODUCTION_MAX),
    TextField("Notification", "notification", NOTIFICATION_MAX),
    TextField("FaceUrl", "face_url", FACE_URL_MAX),
)


def check_text(field: TextField, value: object) -> str:
    if not isinstance(value, str):
        raise ApiError(10004, f"{field.name} must be a string")
    if utf8_len(value) > field.max_bytes:
        raise ApiError(10004, f"{field.name} is at most {field.max_bytes} bytes (UTF-8; a CJK character is 3)")
    return value


def check_name(value: object) -> str:
    name = check_text(TEXT_FIELDS[0], value)
    if not name:
        raise ApiError(10004, "Name is required")
    return name


def ceiling(app: App, gtype: GroupType) -> int:
    """The most members a group of this type may hold in this app (ruling 5); UNLIMITED for none."""
    lowered = app.settings.group_max_members.get(gtype.name)
    if gtype.max_members == UNLIMITED:
        return lowered or UNLIMITED
    return min(gtype.max_members, lowered) if lowered else gtype.max_members


def check_max_members(app: App, gtype: GroupType, value: int | None, default: int | None = None) -> int:
    """MaxMemberCount/MaxMemberNum as asked (None or 0: `default`, else the ceiling), within the ceiling."""
    top = ceiling(app, gtype)
    if gtype.max_members == UNLIMITED and not app.settings.group_max_members.get(gtype.name):
        return UNLIMITED  # "ignored for AVChatRoom"
    if value is None or value == 0:
        return min(default, top) if default else top
    if value < 0 or (top != UNLIMITED and value > top):
        raise ApiError(10004, f"MaxMemberCount must be 1..{top} for {gtype.name} groups")
    return value


def check_apply_option(gtype: GroupType, value: object) -> str:
    if value is None:
        return gtype.default_apply_option
    if value not in APPLY_OPTIONS:
        raise ApiError(10004, f"ApplyJoinOption must be one of {', '.join(APPLY_OPTIONS)}")
    return str(value)


def check_invite_option(gtype: GroupType, value: object) -> str:
    if value is None:
        return "FreeAccess" if gtype.member_invite else "DisableInvite"
    if value not in INVITE_OPTIONS:
        raise ApiError(10004, f"InviteJoinOption must be one of {', '.join(INVITE_OPTIONS)}")
    if not gtype.invite_option_supported:
        raise ApiError(10007, f"{gtype.name} groups have no InviteJoinOption")
    return str(value)


def check_mute_all(value: object) -> bool:
    if value not in ("On", "Off"):
        raise ApiError(10004, "MuteAllMember must be On or Off")
    return value == "On"
