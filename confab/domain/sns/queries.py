"""Prebuilt statements of the relationship chain that several of its modules read (friends, blocklists,
requests), with their IN-list helpers. Built once at import (see docs/architecture.md: hot paths)."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa

from confab.store.tables.accounts import accounts as accounts_table
from confab.store.tables.sns import sns_blocklist, sns_requests

_decode = msgspec.json.decode

PROFILES = sa.select(accounts_table.c.user_id, accounts_table.c.profile).where(
    accounts_table.c.sdkappid == sa.bindparam("app"), accounts_table.c.user_id.in_(sa.bindparam("ids", expanding=True))
)
BLOCKED_BY_ME = sa.select(sns_blocklist.c.target).where(
    sns_blocklist.c.sdkappid == sa.bindparam("app"),
    sns_blocklist.c.owner == sa.bindparam("me"),
    sns_blocklist.c.target.in_(sa.bindparam("ids", expanding=True)),
)
BLOCKING_ME = sa.select(sns_blocklist.c.owner).where(
    sns_blocklist.c.sdkappid == sa.bindparam("app"),
    sns_blocklist.c.target == sa.bindparam("me"),
    sns_blocklist.c.owner.in_(sa.bindparam("ids", expanding=True)),
)
REQUESTS_TO_ME = sa.select(sns_requests.c.requester).where(
    sns_requests.c.sdkappid == sa.bindparam("app"),
    sns_requests.c.target == sa.bindparam("me"),
    sns_requests.c.requester.in_(sa.bindparam("ids", expanding=True)),
)
MY_PENDING = sa.select(sa.func.count()).where(
    sns_requests.c.sdkappid == sa.bindparam("app"), sns_requests.c.requester == sa.bindparam("me")
)


async def profiles_of(conn: Any, sdkappid: int, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Stored profiles of these users (the ones that exist), 500 IDs per query."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        for user_id, profile in await conn.execute(PROFILES, {"app": sdkappid, "ids": ids[start : start + 500]}):
            found[user_id] = _decode(profile)
    return found


async def column(conn: Any, stmt: Any, sdkappid: int, me: str, ids: list[str]) -> set[str]:
    """The first column of `stmt` (one of the :me/:ids statements above) over these IDs, 500 per query."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        found.update(
            r[0] for r in await conn.execute(stmt, {"app": sdkappid, "me": me, "ids": ids[start : start + 500]})
        )
    return found
