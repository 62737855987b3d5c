"""Request pieces the group APIs share: a member entry, custom data items, the operator name."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.domain.apps import App
from confab.domain.groups import fields
from confab.domain.groups.model import role_label
from confab.domain.groups.roster import NewMember
from confab.domain.groups.types import Role
from confab.domain.limits import require_user_id


class KeyValue(msgspec.Struct):
    Key: Any = None
    Value: Any = None


def key_values(items: list[KeyValue] | None) -> list[dict[str, Any]] | None:
    return None if items is None else [{"Key": i.Key, "Value": i.Value} for i in items]


class MemberEntry(msgspec.Struct):
    Member_Account: Any = None
    Role: Any = None
    AppMemberDefinedData: list[KeyValue] | None = None


def new_member(app: App, entry: MemberEntry, field: str = "MemberList") -> NewMember:
    user = require_user_id(entry.Member_Account, f"{field}.Member_Account", 10004)
    role = Role.MEMBER if entry.Role is None else role_label(entry.Role)
    data = fields.parse(app, key_values(entry.AppMemberDefinedData), member=True, field="AppMemberDefinedData")
    return NewMember(user, role, app_data=data)


# -- reply pieces ------------------------------------------------------------------------------------


class KeyValueOut(msgspec.Struct, forbid_unknown_fields=True):
    """One AppDefinedData / AppMemberDefinedData entry in a reply."""

    Key: str
    Value: str


class MemberOut(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True):
    """A member in a reply: Member_Account and the fields the request's filters asked for."""

    Member_Account: str
    Role: str | None = None
    JoinTime: int | None = None
    MsgSeq: int | None = None
    MsgFlag: str | None = None
    LastSendMsgTime: int | None = None
    MuteUntil: int | None = None
    NameCard: str | None = None
    AppMemberDefinedData: list[KeyValueOut] | None = None
