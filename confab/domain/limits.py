"""Limits shared by several areas (seed line numbers in comments)."""

from confab.errors import ApiError

USER_ID_MAX_BYTES = 32  # seed 20967
BATCH_ACCOUNTS_MAX = 100  # multiaccount_import, account_delete, account_check (seed 21091, 21292, 21444)
PROFILE_VALUE_MAX_BYTES = 500  # seed 21009, 21748
PORTRAIT_GET_MAX_ACCOUNTS = 100  # seed 21775-21777


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def valid_user_id(user_id: object) -> bool:
    """A UserID is a non-empty string of at most 32 bytes without control characters."""
    if not isinstance(user_id, str) or not user_id:
        return False
    if utf8_len(user_id) > USER_ID_MAX_BYTES:
        return False
    return user_id.isprintable()


def require_user_id(value: object, field: str, code: int) -> str:
    """`value` if it is a valid UserID; otherwise the API's own error `code`, naming the field."""
    if not valid_user_id(value):
        raise ApiError(code, f"{field} must be a UserID of 1-32 bytes")
    return value  # type: ignore[return-value]
