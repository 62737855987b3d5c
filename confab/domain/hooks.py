"""Extension points where one area's rule applies to another area's operation.

Registering here (at import of the area's domain module) keeps areas from importing each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# A user (not an admin) sends a one-to-one message: each check returns None to allow, or an
# ApiError-worthy (code, info) to refuse. Called with (conn, app, sender, receiver).
# The relationship area registers the blocklist and friendship checks (issue 5).
UserSendCheck = Callable[[Any, Any, str, str], Awaitable[tuple[int, str] | None]]
user_c2c_send_checks: list[UserSendCheck] = []


def user_c2c_send_check(fn: UserSendCheck) -> UserSendCheck:
    user_c2c_send_checks.append(fn)
    return fn
