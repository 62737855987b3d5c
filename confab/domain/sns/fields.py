"""Friend fields (reference/profile-fields.md §4-6): what may be stored on a friendship, and limits."""

from __future__ import annotations

import re
from typing import Any

from confab.domain.apps import AppSettings
from confab.domain.limits import utf8_len

MAX_FRIENDS = 3000  # 30010 / 30014
MAX_LISTS = 32  # 30011
MAX_BLOCKED = 1000  # 30013
MAX_PENDING = 1000  # 30012: outgoing requests waiting for an answer
MAX_BATCH = 1000  # To_Account per delete / check / blocklist call
MAX_GET_LIST = 100  # friend_get_list To_Account
FRIEND_PAGE = 100  # friend_get page size

REMARK_MAX = 96
LIST_NAME_MAX = 30
WORDING_MAX = 256
CUSTOM_MAX = 500

ADD_SOURCE_RE = re.compile(r"^AddSource_Type_[A-Za-z]{1,8}$")

REMARK = "Tag_SNS_IM_Remark"
GROUP = "Tag_SNS_IM_Group"
ADD_SOURCE = "Tag_SNS_IM_AddSource"
ADD_WORDING = "Tag_SNS_IM_AddWording"
ADD_TIME = "Tag_SNS_IM_AddTime"
REMARK_TIME = "Tag_SNS_IM_RemarkTime"
STANDARD_TAGS = (ADD_SOURCE, REMARK, GROUP, ADD_WORDING, ADD_TIME)


class FieldError(ValueError):
    """A friend field value the seed does not allow (answered per item or per call with 30001)."""


def remark(value: Any) -> str:
    if not isinstance(value, str) or utf8_len(value) > REMARK_MAX:
        raise FieldError(f"Remark must be a string of at most {REMARK_MAX} bytes")
    return value


def list_name(value: Any) -> str:
    if not isinstance(value, str) or not value or utf8_len(value) > LIST_NAME_MAX:
        raise FieldError(f"a friend list name must be 1-{LIST_NAME_MAX} bytes")
    return value


def list_names(value: Any) -> list[str]:
    """GroupName as a string or an array (DECISIONS 6)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [list_name(value)] if value else []
    if not isinstance(value, list):
        raise FieldError("GroupName must be a string or an array of strings")
    return list(dict.fromkeys(list_name(v) for v in value))


def add_source(value: Any, *, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise FieldError("AddSource is required (AddSource_Type_ + 1-8 letters)")
        return ""
    if not isinstance(value, str) or not ADD_SOURCE_RE.match(value):
        raise FieldError("AddSource must be AddSource_Type_ followed by 1-8 letters")
    return value


def add_wording(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or utf8_len(value) > WORDING_MAX:
        raise FieldError(f"AddWording must be a string of at most {WORDING_MAX} bytes")
    return value


def custom_value(settings: AppSettings, tag: Any, value: Any) -> tuple[str, str | int]:
    """A declared Tag_SNS_Custom_* field and its value, checked against the declaration."""
    if not isinstance(tag, str):
        raise FieldError("a custom friend field Tag must be a string")
    declared = settings.custom_friend_fields.get(tag)
    if declared is None:
        raise FieldError(f"{tag} is not a custom friend field declared for this app")
    if declared.type == "integer":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FieldError(f"{tag} takes a non-negative integer")
        return tag, value
    if not isinstance(value, str) or utf8_len(value) > min(declared.max_len, CUSTOM_MAX):
        raise FieldError(f"{tag} takes a string of at most {min(declared.max_len, CUSTOM_MAX)} bytes")
    return tag, value
