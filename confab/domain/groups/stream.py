"""Reading a group's stream (`group_messages`) from a member's device: the stored tips after a MsgSeq,
how a device catches a group up after being offline (docs/client-protocol.md, `group_tips`). Issue 13
adds ordinary messages to the same stream and a history read beside this one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain.apps import App
from confab.domain.groups import live, model
from confab.errors import ApiError
from confab.store.tables.groups import group_messages

if TYPE_CHECKING:
    from confab.runtime import Runtime

TIPS_MAX = 100  # per call
g = group_messages.c

# a range scan of the primary key (sdkappid, group_id, topic_id, msg_seq)
_TIPS = (
    sa.select(g.msg_seq, g.body)
    .where(
        g.sdkappid == sa.bindparam("app"),
        g.group_id == sa.bindparam("gid"),
        g.topic_id == "",
        g.msg_seq > sa.bindparam("after"),
        g.kind == "tip",
    )
    .order_by(g.msg_seq)
    .limit(sa.bindparam("limit"))
)


async def tips_after(
    rt: Runtime, app: App, group_id: str, user: str, *, after_seq: int, limit: int = 20
) -> dict[str, Any]:
    """The group's stored tips with MsgSeq > after_seq, oldest first, for a member (10007 otherwise).
    A member sees those from their joining on, unless the app lets the type see history before joining."""
    if not 1 <= limit <= TIPS_MAX:
        raise ApiError(10004, f"Limit must be 1..{TIPS_MAX}")
    if after_seq < 0:
        raise ApiError(10004, "AfterSeq must be >= 0")
    async with rt.store.read() as conn:
        group = await model.get(conn, app.sdkappid, group_id)
        if group.gtype.live:  # a live group keeps no stream: its tips were pushed only
            if not live.watching(rt, app.sdkappid, group_id, user):
                raise ApiError(10007, "only members read the group's tips")
            return {"GroupId": group_id, "TipList": [], "Complete": 1, "NextMsgSeq": group.next_msg_seq}
        me = await model.member(conn, group, user)
        if me is None:
            raise ApiError(10007, "only members read the group's tips")
        gtype = group.gtype
        if not app.settings.group_history_before_join.get(gtype.name, gtype.history_before_join):
            after_seq = max(after_seq, me.join_seq - 1)
        rows = (
            await conn.execute(_TIPS, {"app": app.sdkappid, "gid": group_id, "after": after_seq, "limit": limit + 1})
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "GroupId": group_id,
        "TipList": [msgspec.Raw(row.body.encode()) for row in rows],  # each as it was pushed
        "Complete": 0 if more else 1,
        "NextMsgSeq": group.next_msg_seq,
    }
