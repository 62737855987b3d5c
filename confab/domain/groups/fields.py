"""Custom group data (AppDefinedData) and custom member data (AppMemberDefinedData): the keys an app
declares (`confab app group-field`, AppSettings.custom_group_fields / custom_group_member_fields), their
sizes and who may read and write them from a device (reference/groups.md §8). The app admin (REST)
may always read and write a declared key; an undeclared key is refused with 10004."""

from __future__ import annotations

from typing import Any

from confab.domain.apps import (
    GROUP_FIELD_ACCESS,
    GROUP_FIELD_MAX_BYTES,
    GROUP_MEMBER_FIELD_MAX_BYTES,
    App,
    GroupField,
)
from confab.domain.groups.types import Role
from confab.domain.limits import utf8_len
from confab.errors import ApiError

# the access level each actor reaches (GROUP_FIELD_ACCESS runs from most to least privileged)
_REACH = {Role.APP_ADMIN: "app_admin", Role.OWNER: "owner", Role.ADMIN: "admin", Role.MEMBER: "member"}


def declared(app: App, *, member: bool) -> dict[str, GroupField]:
    return app.settings.custom_group_member_fields if member else app.settings.custom_group_fields


def _max_len(spec: GroupField, member: bool) -> int:
    ceiling = GROUP_MEMBER_FIELD_MAX_BYTES if member else GROUP_FIELD_MAX_BYTES
    return spec.max_len or ceiling


def parse(app: App, items: Any, *, member: bool, field: str, allow_delete: bool = False) -> dict[str, str]:
    """Checked {Key: Value} changes from a request's `[{"Key": .., "Value": ..}]`; with `allow_delete`
    a Value of "" means "delete this key" (modify_group_base_info, seed 13432) and stays "" here."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise ApiError(10004, f"{field} must be an array of {{Key, Value}}")
    known = declared(app, member=member)
    changes: dict[str, str] = {}
    for entry in items:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("Key"), str)
            or not isinstance(entry.get("Value"), str)
        ):
            raise ApiError(10004, f'{field} items are {{"Key": string, "Value": string}}')
        key, value = entry["Key"], entry["Value"]
        spec = known.get(key)
        if spec is None:
            raise ApiError(10004, f"{field} key {key!r} is not declared for this app (confab app group-field)")
        if value == "" and not allow_delete:
            raise ApiError(10004, f"{field} {key!r}: empty value")
        if utf8_len(value) > _max_len(spec, member):
            raise ApiError(10004, f"{field} {key!r}: value over {_max_len(spec, member)} bytes")
        changes[key] = value
    return changes


def apply(current: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    merged = dict(current)
    for key, value in changes.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _allowed(level: str, role: Role | None, *, is_self: bool) -> bool:
    if level == "anyone":
        return True
    if level == "self" and is_self:
        return True
    if role is None:
        return False
    reached = GROUP_FIELD_ACCESS.index(_REACH[role])
    needed = GROUP_FIELD_ACCESS.index(level)
    if level == "self":  # "self" sits between admin and member: admins and above pass, members only their own
        return reached <= GROUP_FIELD_ACCESS.index("admin")
    return reached <= needed


def readable_keys(app: App, role: Role | None, *, member: bool, is_self: bool = False) -> set[str]:
    return {k for k, spec in declared(app, member=member).items() if _allowed(spec.read, role, is_self=is_self)}


def require_writable(app: App, keys: list[str], role: Role | None, *, member: bool, is_self: bool = False) -> None:
    specs = declared(app, member=member)
    for key in keys:
        if not _allowed(specs[key].write, role, is_self=is_self):
            raise ApiError(10007, f"no permission to write custom field {key!r}")


def require_readable(app: App, keys: list[str], role: Role | None, *, member: bool, is_self: bool = False) -> None:
    specs = declared(app, member=member)
    for key in keys:
        spec = specs.get(key)
        if spec is not None and not _allowed(spec.read, role, is_self=is_self):
            raise ApiError(10007, f"no permission to read custom field {key!r}")
