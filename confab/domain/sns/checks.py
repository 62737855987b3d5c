"""The messaging rules the relationship chain implies, for user sends (not admin sendmsg, seed 781).

- a user on the recipient's blocklist may not message the recipient (20007; seed 26069-26072);
- when the app requires it (`c2c_check_friendship`), the recipient must be in the sender's friend
  list (20009).
Each check is one primary-key lookup.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.store import Tx
from confab.store.tables.sns import sns_blocklist, sns_friends, sns_requests, sns_state

_BLOCKED = sa.select(sa.literal(1)).where(
    sns_blocklist.c.sdkappid == sa.bindparam("app"),
    sns_blocklist.c.owner == sa.bindparam("o_"),
    sns_blocklist.c.target == sa.bindparam("t_"),
)
_FRIEND = sa.select(sa.literal(1)).where(
    sns_friends.c.sdkappid == sa.bindparam("app"),
    sns_friends.c.owner == sa.bindparam("o_"),
    sns_friends.c.friend == sa.bindparam("t_"),
)


async def blocklisted(conn: Any, app: App, sender: str, receiver: str) -> tuple[int, str] | None:
    if (await conn.execute(_BLOCKED, {"app": app.sdkappid, "o_": receiver, "t_": sender})).first():
        return 20007, f"{receiver} has blocklisted {sender}"
    return None


async def friendship_required(conn: Any, app: App, sender: str, receiver: str) -> tuple[int, str] | None:
    if not app.settings.c2c_check_friendship or sender == receiver:
        return None
    if (await conn.execute(_FRIEND, {"app": app.sdkappid, "o_": sender, "t_": receiver})).first():
        return None
    return 20009, f"{receiver} is not in {sender}'s friend list and the app requires friendship for messages"


async def purge_accounts(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    """Relationships of deleted accounts go on both sides."""
    for part in accounts.chunks(user_ids):
        for table, a, bcol in (
            (sns_friends, sns_friends.c.owner, sns_friends.c.friend),
            (sns_blocklist, sns_blocklist.c.owner, sns_blocklist.c.target),
            (sns_requests, sns_requests.c.requester, sns_requests.c.target),
        ):
            await tx.execute(table.delete().where(table.c.sdkappid == sdkappid, sa.or_(a.in_(part), bcol.in_(part))))
        await tx.execute(sns_state.delete().where(sns_state.c.sdkappid == sdkappid, sns_state.c.owner.in_(part)))
