"""Group IDs (ruling 8; reference/groups.md §5): server-assigned `@TGS#` + type character + base32,
communities `@TGS#_` + such an ID; custom IDs printable ASCII, at most 48 bytes (ruling 8), not starting `@TGS#`."""

from __future__ import annotations

import base64
import secrets

from confab.domain.groups.types import COMMUNITY, GroupType
from confab.errors import ApiError

CUSTOM_MAX_BYTES = 48  # ruling 8: at most 48 bytes (the page says "shorter than 48")
SERVER_PREFIX = "@TGS#"
TOPIC_MARK = "@TOPIC#_"


def mint(gtype: GroupType) -> str:
    body = base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")  # 16 characters, 80 bits
    plain = f"{SERVER_PREFIX}{gtype.id_char}{body}"
    return f"{COMMUNITY.id_prefix}{plain}" if gtype is COMMUNITY else plain


def check_custom(group_id: object, gtype: GroupType) -> str:
    """A custom GroupId the app may choose for this type, or 10004 saying why not."""
    if not isinstance(group_id, str) or not group_id:
        raise ApiError(10004, "GroupId must be a non-empty string")
    if len(group_id.encode()) > CUSTOM_MAX_BYTES or not all(" " <= ch <= "~" for ch in group_id):
        raise ApiError(10004, f"a custom GroupId is printable ASCII of at most {CUSTOM_MAX_BYTES} bytes")
    if TOPIC_MARK in group_id:
        raise ApiError(10004, f"a custom GroupId may not contain {TOPIC_MARK}")
    if gtype is COMMUNITY:
        if not group_id.startswith(COMMUNITY.id_prefix) or group_id.startswith(COMMUNITY.id_prefix + SERVER_PREFIX):
            raise ApiError(10004, "a custom Community GroupId starts with @TGS#_ (and not @TGS#_@TGS#)")
    elif group_id.startswith(SERVER_PREFIX):
        raise ApiError(10004, "a custom GroupId may not start with @TGS#")
    return group_id


def plausible(group_id: object) -> bool:
    """Could this be a group ID at all (before looking it up)? Longer or odder ones answer 10015/10010."""
    return isinstance(group_id, str) and 0 < len(group_id.encode()) <= 128 and group_id.isprintable()
