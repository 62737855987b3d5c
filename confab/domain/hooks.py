"""Extension points where one area's rule applies to another area's operation.

The lists are filled in one place, `confab.domain.areas.install()`, so no rule depends on which modules
happen to have been imported, and areas do not import each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# A user (not an admin) sends a one-to-one message: each check returns None to allow, or an
# ApiError-worthy (code, info) to refuse. Called with (conn, app, sender, receiver).
UserSendCheck = Callable[[Any, Any, str, str], Awaitable[tuple[int, str] | None]]
user_c2c_send_checks: list[UserSendCheck] = []
