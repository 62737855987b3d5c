"""import_group_msg (seed 004 lines 3058-3360): a migration's history, written into the group's stream.

Imported messages are ordinary rows of `group_messages` (kind "msg", the wire JSON of
`messages.wire`), numbered by the group's MsgSeq like sent ones, but with the sender's `SendTime`
as MsgTime. Nothing is delivered and no callback runs (seed 3063). The page's rules:
- at most 7 messages per call (seed 3136), in ascending SendTime (seed 3142-3144), each no earlier
  than the group's creation nor than the latest message already in the group, and not in the
  future; a message that breaks this is not stored and answers Result 10004 (the rest still go in);
- over 12 KB a message answers Result 10020 (ruling 1 and the page's error table; its Result table,
  seed 3318, says 80002);
- the same Random within five minutes (of SendTime) as a message just before it is discarded as a
  repeat: it answers Result 0 with the earlier message's MsgSeq and MsgTime;
- afterwards every member's unread count is 0 (seed 3137-3139): one UPDATE of the group's member
  rows (a migration path, not a send path); set_unread_msg_num or import_group_member set it again.
The "latest message" is the latest ordinary message: tips (made at the time of a create or a join)
do not stop a migration from importing older history.

Into a topic (issue 14, `TopicId`): the same rules over the topic's own rows and seq (the topic's row
locked and stamped). Nothing is written per member there: a member's view of a topic starts after the
last topic message older than their joining (topics.py), so imported history from before someone
joined is read for them already; members who joined before it see it unread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.domain.groups import messages, model, topics
from confab.errors import ApiError
from confab.store.tables.groups import group_members, group_messages, group_topics, groups

if TYPE_CHECKING:
    from confab.runtime import Runtime

IMPORT_MAX = 7  # messages per call (seed 3136)
TAIL = 200  # recent messages read for the order and repeat checks
OK = 0
BAD_TIME = 10004
TOO_BIG = 10020

_TAIL = (
    sa.select(group_messages.c.msg_seq, group_messages.c.msg_time, group_messages.c.random)
    .where(
        group_messages.c.sdkappid == sa.bindparam("app"),
        group_messages.c.group_id == sa.bindparam("gid"),
        group_messages.c.topic_id == sa.bindparam("tid"),
        group_messages.c.kind == "msg",
    )
    .order_by(group_messages.c.msg_seq.desc())
    .limit(TAIL)
)
_TAKE_SEQS = (
    groups.update()
    .where(groups.c.sdkappid == sa.bindparam("app"), groups.c.group_id == sa.bindparam("gid"))
    .values(
        next_msg_seq=groups.c.next_msg_seq + sa.bindparam("n"),
        last_msg_time=sa.bindparam("last_time"),
        active=1,
    )
    .returning(groups.c.next_msg_seq)
)
_TAKE_TOPIC_SEQS = (
    group_topics.update()
    .where(
        group_topics.c.sdkappid == sa.bindparam("app"),
        group_topics.c.group_id == sa.bindparam("gid"),
        group_topics.c.topic_id == sa.bindparam("tid"),
    )
    .values(
        next_msg_seq=group_topics.c.next_msg_seq + sa.bindparam("n"),
        last_msg_time=sa.bindparam("last_time"),
    )
    .returning(group_topics.c.next_msg_seq)
)
_ALL_READ = (
    group_members.update()
    .where(
        group_members.c.sdkappid == sa.bindparam("app"),
        group_members.c.group_id == sa.bindparam("gid"),
        group_members.c.read_seq < sa.bindparam("seq"),
    )
    .values(read_seq=sa.bindparam("seq"))
)


@dataclass(slots=True)
class ImportItem:
    sender: str
    send_time: int
    body: Any
    random: int | None = None


async def import_messages(
    rt: Runtime, app: App, group_id: str, items: list[ImportItem], *, topic_id: str | None = None
) -> list[dict[str, int]]:
    """Store these messages in order; one result per message: {MsgSeq, MsgTime, Result}."""
    if not items:
        raise ApiError(10004, "MsgList must hold at least one message")
    if len(items) > IMPORT_MAX:
        raise ApiError(10004, f"MsgList holds at most {IMPORT_MAX} messages")
    outs: list[messages.GroupOutgoing | None] = []
    for item in items:
        if item.send_time <= 0:
            raise ApiError(10004, "SendTime is required: a Unix time in seconds")
        try:
            outs.append(messages.compose(item.body, random=item.random, size_code=TOO_BIG))
        except ApiError as e:
            if e.code != TOO_BIG:
                raise
            outs.append(None)
    now = int(time.time())
    senders = {i.sender for i in items if not app.is_admin(i.sender)}
    async with rt.store.tx() as tx:
        group = await model.lock(tx, app.sdkappid, group_id)
        if not group.gtype.importable:
            raise ApiError(10007, f"messages cannot be imported into {group.gtype.name} groups (seed 3083-3085)")
        # the topic's row lock: no send takes one of its seqs meanwhile
        topic = await topics.require(tx, group, topic_id, lock=True) if topic_id else None
        tid = "" if topic is None else topic.topic_id
        unknown = senders - await accounts.existing(tx, app.sdkappid, senders)
        if unknown:
            raise ApiError(10004, f"From_Account {sorted(unknown)[0]!r} is not an account of this app")
        tail = (await tx.execute(_TAIL, {"app": app.sdkappid, "gid": group_id, "tid": tid})).all()
        created = group.created_at if topic is None else topic.created_at
        latest = max((r.msg_time for r in tail), default=created)
        recent = [(r.msg_time, r.random, r.msg_seq) for r in reversed(tail)]  # oldest first
        results: list[dict[str, int]] = []
        rows: list[dict[str, Any]] = []
        seq = group.next_msg_seq if topic is None else topic.next_msg_seq
        floor = max(latest, created)
        for item, out in zip(items, outs, strict=True):
            if out is None:
                results.append({"MsgSeq": 0, "MsgTime": item.send_time, "Result": TOO_BIG})
                continue
            if not floor <= item.send_time <= now:
                results.append({"MsgSeq": 0, "MsgTime": item.send_time, "Result": BAD_TIME})
                continue
            if item.random is not None:
                earlier = next(
                    (
                        (t, s)
                        for t, r, s in reversed(recent)
                        if r == item.random and item.send_time - t <= messages.DEDUPE_SECONDS
                    ),
                    None,
                )
                if earlier is not None:
                    results.append({"MsgSeq": earlier[1], "MsgTime": earlier[0], "Result": OK})
                    continue
            payload = messages.wire(group, item.sender, out, item.send_time, seq, tid)
            rows.append(
                {
                    "sdkappid": app.sdkappid,
                    "group_id": group_id,
                    "topic_id": tid,
                    "msg_seq": seq,
                    "kind": "msg",
                    "sender": item.sender,
                    "msg_time": item.send_time,
                    "random": out.random,
                    "body": payload.decode(),
                    "recalled": 0,
                }
            )
            recent.append((item.send_time, out.random, seq))
            results.append({"MsgSeq": seq, "MsgTime": item.send_time, "Result": OK})
            floor = item.send_time
            seq += 1
        if rows:
            previous = group.last_msg_time if topic is None else topic.last_msg_time
            last_time = max(previous, floor)  # the row is locked: no concurrent change
            params = {"app": app.sdkappid, "gid": group_id, "tid": tid, "n": len(rows), "last_time": last_time}
            after: int = (await tx.execute(_TAKE_SEQS if topic is None else _TAKE_TOPIC_SEQS, params)).scalar_one()
            assert after == seq, "the row is locked: nobody else takes seqs meanwhile"
            await tx.execute(group_messages.insert(), rows)
            if topic is None:
                await tx.execute(_ALL_READ, {"app": app.sdkappid, "gid": group_id, "seq": seq - 1})
    return results
