"""Standard and custom profile fields: types, allowed values, limits (reference/profile-fields.md).

`check_value` is the one place a profile value is judged; it answers the vendor's codes:
40009 unknown Tag, 40610 wrong value type, 40605 value not allowed, 40601 longer than the limit,
40008 no write permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from confab.domain.apps import AppSettings
from confab.domain.limits import PROFILE_VALUE_MAX_BYTES, utf8_len
from confab.errors import ApiError

UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # "string", "uint32" or "uint64"
    default: str | int
    max_bytes: int = PROFILE_VALUE_MAX_BYTES
    allowed: frozenset[str] | None = None
    admin_write_only: bool = False  # users may not set it themselves (gateway path)
    user_read: bool = True


GENDERS = frozenset({"Gender_Type_Unknown", "Gender_Type_Female", "Gender_Type_Male"})
ALLOW_TYPES = frozenset({"AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny", "AllowType_Type_DenyAny"})
ADMIN_FORBID_TYPES = frozenset({"AdminForbid_Type_None", "AdminForbid_Type_SendOut"})

STANDARD_FIELDS: dict[str, FieldSpec] = {
    "Tag_Profile_IM_Nick": FieldSpec("string", ""),
    "Tag_Profile_IM_Gender": FieldSpec("string", "Gender_Type_Unknown", allowed=GENDERS),
    "Tag_Profile_IM_BirthDay": FieldSpec("uint32", 0),
    "Tag_Profile_IM_Location": FieldSpec("string", "", max_bytes=16),
    "Tag_Profile_IM_SelfSignature": FieldSpec("string", ""),
    "Tag_Profile_IM_AllowType": FieldSpec("string", "AllowType_Type_NeedConfirm", allowed=ALLOW_TYPES),
    "Tag_Profile_IM_Language": FieldSpec("uint32", 0),
    "Tag_Profile_IM_Image": FieldSpec("string", ""),
    "Tag_Profile_IM_MsgSettings": FieldSpec("uint32", 0),
    "Tag_Profile_IM_AdminForbidType": FieldSpec(
        "string", "AdminForbid_Type_None", allowed=ADMIN_FORBID_TYPES, admin_write_only=True
    ),
    "Tag_Profile_IM_Level": FieldSpec("uint32", 0),
    "Tag_Profile_IM_Role": FieldSpec("uint32", 0),
}


def field_spec(tag: object, settings: AppSettings) -> FieldSpec:
    """The spec for a Tag, standard or declared custom; 40009 if the Tag does not exist."""
    if isinstance(tag, str):
        spec = STANDARD_FIELDS.get(tag)
        if spec is not None:
            return spec
        custom = settings.custom_profile_fields.get(tag)
        if custom is not None:
            kind = "uint64" if custom.type == "integer" else "string"
            return FieldSpec(
                kind,
                0 if kind == "uint64" else "",
                max_bytes=custom.max_len,
                admin_write_only=not custom.user_write,
                user_read=custom.user_read,
            )
    raise ApiError(
        40009, f"profile Tag {tag!r} does not exist (standard fields, or custom fields declared for the app)"
    )


def check_value(tag: str, value: object, spec: FieldSpec, *, by_admin: bool) -> str | int:
    if spec.admin_write_only and not by_admin:
        raise ApiError(40008, f"{tag} may only be set by an app admin")
    if spec.kind == "string":
        if not isinstance(value, str):
            raise ApiError(40610, f"{tag} takes a string value")
        if utf8_len(value) > spec.max_bytes:
            code = 40601 if spec.max_bytes == PROFILE_VALUE_MAX_BYTES else 40605
            raise ApiError(code, f"{tag} is longer than {spec.max_bytes} bytes")
        if spec.allowed is not None and value not in spec.allowed:
            raise ApiError(40605, f"{tag} must be one of {', '.join(sorted(spec.allowed))}")
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(40610, f"{tag} takes an integer value")
    upper = UINT32_MAX if spec.kind == "uint32" else UINT64_MAX
    if not 0 <= value <= upper:
        raise ApiError(40605, f"{tag} must be between 0 and {upper}")
    return value


def check_readable(tag: str, spec: FieldSpec, *, by_admin: bool) -> None:
    if not by_admin and not spec.user_read:
        raise ApiError(40007, f"{tag} may only be read by an app admin")
