"""Communities with topics (issue 14; seed 004 lines 19138-20389, reference/groups.md §3, §5, §10).

A topic is a row of `group_topics` under its community; its messages are rows of `group_messages`
under the topic's ID, numbered by the topic's own MsgSeq (`UPDATE group_topics SET next_msg_seq =
next_msg_seq + 1 ... RETURNING` in the storing transaction, as a group's): topics of one community
never contend for one row. Only Communities created with `SupportTopic: 1` have topics (another type
10007, a community without topics 11000).

Read positions are written only when a member reads (`group_topic_reads`), never per message and never
for every member. Without a row a member has read exactly what they could not see: the topic's messages
from before their joining (unless the app lets Communities see history from before joining). That
start is the last topic message older than the member's JoinTime, one seek of a partial index that only
topic rows carry (topic seqs and MsgTimes rise together: sends stamp the time, imports must not go
back in time). So a member's topic unread is `last seq - max(read seq, start)`, and the community's
`GrossTopicNextMsgSeq` / a member's `GrossTopicReadSeq` sum those over its topics (one statement for a
page of communities).

Changes are announced three ways, like group changes (notices.py): a typed event (`TopicCreated`,
`TopicChanged`, `TopicDestroyed`: the webhooks' Group.CallbackAfterCreateTopic …), and one stored tip
in the community's own stream ("TopicCreated", "TopicInfoChange", "TopicDeleted"), which its connected
members get live and offline devices read with `group_tips`. import_topic announces nothing (the page:
"without triggering callbacks or delivering notifications").
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from confab.domain import accounts
from confab.domain.apps import App
from confab.domain.groups import ids, model, notices
from confab.domain.groups.model import Group, Member
from confab.domain.groups.profile import TextField, check_mute_all, check_text
from confab.domain.groups.types import Role
from confab.domain.limits import utf8_len
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.groups import (
    group_members,
    group_messages,
    group_mutes,
    group_receipts,
    group_topic_reads,
    group_topics,
)
from confab.webhooks import before

if TYPE_CHECKING:
    from confab.runtime import Runtime

TOPIC_MARK = ids.TOPIC_MARK  # "@TOPIC#_": GroupId + mark + part
SERVER_PART = "@TOPIC#"  # a server-assigned part: "@TOPIC#" + "c" + 16 base32 characters
TOPIC_ID_MAX = 96  # bytes, the whole ID (reference/groups.md §5)
TOPICS_MAX = 100  # per community: ruling (10037 beyond; the vendor's figure depends on the plan)
IDS_MAX = 100  # TopicIdList of destroy_topic / get_topic (ruling: the pages give no figure)

# create_topic asks the app first (seed 33570-33710); import_topic does not ("without triggering callbacks")
BEFORE_CREATE = before.Site("Group.CallbackBeforeCreateTopic", reject_code=10016, custom=(10100, 10200))

# per-topic codes (destroy_topic, get_topic)
TOPIC_GONE = 110003  # "the topic has been deleted"
TOPIC_BAD = 110002  # "failed to delete the topic": not a topic ID of this community

TEXT_FIELDS = (
    TextField("TopicName", "name", 30),  # seed 19277
    TextField("Introduction", "introduction", 240),
    TextField("Notification", "notification", 300),
    TextField("FaceUrl", "face_url", 100),
    TextField("CustomString", "custom_string", 3000),
)
TEXT_BY_NAME = {f.name: f for f in TEXT_FIELDS}
INFO_FIELDS = (
    "TopicName",
    "FaceUrl",
    "NextMsgSeq",
    "Notification",
    "Introduction",
    "CreateTime",
    "LastMsgTime",
    "MuteAllMember",
    "CustomString",
)

t = group_topics.c
r = group_topic_reads.c
g = group_messages.c


# -- events ------------------------------------------------------------------------------------------


class TopicCreated(notices.GroupEvent, frozen=True):
    topic_id: str
    info: dict[str, Any]  # TopicInfo as get_topic answers it
    how: str = "created"  # or "imported" (import_topic: no callbacks, seed 20154)
    owner: str = ""  # the community's owner (Group.CallbackAfterCreateTopic's Owner_Account)


class TopicChanged(notices.GroupEvent, frozen=True):
    topic_id: str
    changes: dict[str, Any]  # vendor field name -> new value


class TopicDestroyed(notices.GroupEvent, frozen=True):
    topic_ids: list[str]


# -- records -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Topic:
    group_id: str
    topic_id: str
    name: str
    introduction: str
    notification: str
    face_url: str
    custom_string: str
    creator: str
    created_at: int
    last_msg_time: int
    next_msg_seq: int
    mute_all: bool

    @classmethod
    def from_row(cls, row: Any) -> Topic:
        return cls(
            group_id=row.group_id,
            topic_id=row.topic_id,
            name=row.name,
            introduction=row.introduction,
            notification=row.notification,
            face_url=row.face_url,
            custom_string=row.custom_string,
            creator=row.creator,
            created_at=row.created_at,
            last_msg_time=row.last_msg_time,
            next_msg_seq=row.next_msg_seq,
            mute_all=bool(row.mute_all),
        )

    def info(self, fields: frozenset[str] | None = None) -> dict[str, Any]:
        """TopicInfo as get_topic answers it: TopicId and GroupID always (the filtered sample keeps them)."""
        values: dict[str, Any] = {
            "TopicName": self.name,
            "FaceUrl": self.face_url,
            "NextMsgSeq": self.next_msg_seq,
            "Notification": self.notification,
            "Introduction": self.introduction,
            "CreateTime": self.created_at,
            "LastMsgTime": self.last_msg_time,
            "MuteAllMember": "On" if self.mute_all else "Off",
            "CustomString": self.custom_string,
        }
        if fields is not None:
            values = {k: v for k, v in values.items() if k in fields}
        return {"TopicId": self.topic_id, "GroupID": self.group_id, **values}


_KEY = (t.sdkappid == sa.bindparam("app"), t.group_id == sa.bindparam("gid"), t.topic_id == sa.bindparam("tid"))
_GET = sa.select(group_topics).where(*_KEY)
_LOCK = _GET.with_for_update()
_ALL = (
    sa.select(group_topics)
    .where(t.sdkappid == sa.bindparam("app"), t.group_id == sa.bindparam("gid"))
    .order_by(t.serial)
)
_SOME = sa.select(group_topics).where(
    t.sdkappid == sa.bindparam("app"),
    t.group_id == sa.bindparam("gid"),
    t.topic_id.in_(sa.bindparam("tids", expanding=True)),
)
_COUNT = sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(t.serial), 0)).where(
    t.sdkappid == sa.bindparam("app"), t.group_id == sa.bindparam("gid")
)


async def get(conn: Any, group: Group, topic_id: str, *, lock: bool = False) -> Topic | None:
    row = (
        await conn.execute(_LOCK if lock else _GET, {"app": group.sdkappid, "gid": group.group_id, "tid": topic_id})
    ).first()
    return None if row is None else Topic.from_row(row)


async def require(conn: Any, group: Group, topic_id: object, code: int = 10010, *, lock: bool = False) -> Topic:
    """The topic a message API names (TopicId), or `code` (10010 "does not exist"; 20001 on modify)."""
    if not isinstance(topic_id, str) or not topic_id:
        raise ApiError(code if code != 10010 else 10004, "TopicId must be a non-empty string")
    found = await get(conn, group, topic_id, lock=lock) if group.gtype.supports_topics else None
    if found is None:
        raise ApiError(code, f"group {group.group_id!r} has no topic {topic_id!r} (never created, or destroyed)")
    return found


def community(group: Group) -> Group:
    """The group if it accepts topic APIs: 10007 another type, 11000 a community created without topics."""
    if not group.gtype.supports_topics:
        raise ApiError(10007, f"{group.gtype.name} groups have no topics: only Communities do")
    if not group.support_topic:
        raise ApiError(11000, "this community was created without topics (SupportTopic 1)")
    return group


# -- IDs ---------------------------------------------------------------------------------------------


def mint(group_id: str) -> str:
    body = base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")  # 16 characters, 80 bits
    return f"{group_id}{TOPIC_MARK}{SERVER_PART}c{body}"


def check_custom(group_id: str, topic_id: object) -> str:
    """A custom TopicId (reference/groups.md §5): GroupId + "@TOPIC#_" + a part of printable ASCII that
    holds neither "@TGS#_" nor "@TOPIC#_@TOPIC#" (the server's form), at most 96 bytes whole; 10004."""
    if not isinstance(topic_id, str) or not topic_id:
        raise ApiError(10004, "TopicId must be a non-empty string")
    prefix = group_id + TOPIC_MARK
    if not topic_id.startswith(prefix) or len(topic_id) == len(prefix):
        raise ApiError(10004, f"a custom TopicId is the GroupId, then {TOPIC_MARK}, then its own part")
    if utf8_len(topic_id) > TOPIC_ID_MAX:
        raise ApiError(10004, f"a TopicId is at most {TOPIC_ID_MAX} bytes")
    part = topic_id[len(prefix) :]
    if not all(" " <= ch <= "~" for ch in part):
        raise ApiError(10004, "the custom part of a TopicId is printable ASCII")
    if "@TGS#_" in part or (TOPIC_MARK + part).find(TOPIC_MARK + SERVER_PART) >= 0:
        raise ApiError(10004, "the custom part of a TopicId may not contain @TGS#_ or @TOPIC#_@TOPIC#")
    return topic_id


def _texts(given: dict[str, Any]) -> dict[str, str]:
    """The text fields given, checked against their byte limits (10004)."""
    return {name: check_text(TEXT_BY_NAME[name], value) for name, value in given.items()}


# -- create / import ---------------------------------------------------------------------------------


@dataclass(slots=True)
class NewTopic:
    name: Any
    topic_id: str | None = None
    creator: str = ""  # From_Account; "" = the app admin
    texts: dict[str, Any] = field(default_factory=dict)  # Introduction, Notification, FaceUrl, CustomString
    created_at: int | None = None  # import_topic's CreateTime


async def create(rt: Runtime, app: App, group_id: str, spec: NewTopic, *, imported: bool = False) -> str:
    """create_topic / import_topic: a topic in a topic-enabled community; its ID. A custom ID already
    used in the app answers 10025 (create_topic's code) or 10021 (import_topic's); over TOPICS_MAX
    topics 10037; import_topic's CreateTime must lie between the community's creation and now."""
    if not isinstance(spec.name, str) or not spec.name:
        raise ApiError(10004, "TopicName is required")
    texts = _texts({"TopicName": spec.name, **spec.texts})
    now = int(time.time())
    created_at = now
    if spec.created_at is not None:
        created_at = spec.created_at
        if not 0 < created_at <= now:
            raise ApiError(10004, "CreateTime must be a Unix time in seconds, not in the future")
    if not imported and app.settings.webhook.on(BEFORE_CREATE.command):
        async with rt.store.read() as conn:  # the community's own errors come first, then the app's say
            group = community(await model.get(conn, app.sdkappid, group_id))
        body = {"GroupId": group.group_id, "Operator_Account": spec.creator or notices.who(app, None)}
        body |= {"Type": group.gtype.name, "Name": texts["TopicName"]}
        verdict = await BEFORE_CREATE.ask(rt, app, body)
        if verdict is not None and verdict.action == "reject":
            raise ApiError(verdict.code, verdict.info)
    async with rt.store.tx() as tx:
        # the community's row lock serializes its topic creations: the count and the ID check hold
        group = community(await model.lock(tx, app.sdkappid, group_id))
        if spec.created_at is not None and created_at < group.created_at:
            raise ApiError(10004, "CreateTime is before the community was created")
        topic_id = check_custom(group.group_id, spec.topic_id) if spec.topic_id is not None else mint(group.group_id)
        row = (await tx.execute(_COUNT, {"app": app.sdkappid, "gid": group_id})).one()
        count, serial = int(row[0]), int(row[1])
        if count >= TOPICS_MAX:
            raise ApiError(10037, f"a community holds at most {TOPICS_MAX} topics: destroy some first")
        if await get(tx, group, topic_id) is not None:
            if imported:
                raise ApiError(10021, f"the topic ID {topic_id!r} is already in use")
            raise ApiError(10025, f"you already use the topic ID {topic_id!r}; destroy that topic first")
        if spec.creator and not await accounts.existing(tx.conn, app.sdkappid, [spec.creator]):
            raise ApiError(10004, f"From_Account {spec.creator!r} is not an account of this app")
        columns = {TEXT_BY_NAME[name].column: value for name, value in texts.items()}
        await tx.execute(
            group_topics.insert().values(
                sdkappid=app.sdkappid,
                group_id=group_id,
                topic_id=topic_id,
                serial=serial + 1,  # the community's row is locked: no concurrent creation
                creator=spec.creator,
                created_at=created_at,
                info_seq=1,
                last_info_time=created_at,
                last_msg_time=0,
                next_msg_seq=1,
                mute_all=0,
                **columns,
            )
        )
        topic = await get(tx, group, topic_id)
        assert topic is not None
        who = spec.creator or notices.who(app, None)
        event = TopicCreated(
            **notices.event_base(group, who),
            topic_id=topic_id,
            info=topic.info(),
            how="imported" if imported else "created",
            owner=group.owner,
        )
        if not imported:
            await notices.tip(tx, rt, app, group, "TopicCreated", who, {"TopicId": topic_id, "TopicInfo": topic.info()})
        notices.publish(tx, rt, event)
    return topic_id


# -- destroy -----------------------------------------------------------------------------------------


async def destroy(rt: Runtime, app: App, group_id: str, topic_ids: Sequence[object]) -> list[dict[str, Any]]:
    """destroy_topic: each topic with its messages, read positions and receipts, in one statement per
    table for the whole list. One result per distinct ID, in request order: 0, 110003 no such topic
    (never created or already destroyed), 110002 not a topic ID of this community."""
    if not topic_ids:
        raise ApiError(10004, "TopicIdList must name at least one topic")
    if len(topic_ids) > IDS_MAX:
        raise ApiError(10004, f"TopicIdList holds at most {IDS_MAX} topics")
    asked = list(dict.fromkeys(topic_ids))
    prefix = group_id + TOPIC_MARK
    wellformed = [tid for tid in asked if isinstance(tid, str) and tid.startswith(prefix)]
    async with rt.store.tx() as tx:
        group = community(await model.lock(tx, app.sdkappid, group_id))
        found: set[str] = set()
        if wellformed:
            rows = await tx.execute(_SOME, {"app": app.sdkappid, "gid": group_id, "tids": wellformed})
            found = {row.topic_id for row in rows}
        gone = [tid for tid in wellformed if tid in found]
        if gone:
            for table in (group_messages, group_topic_reads, group_receipts, group_topics):
                await tx.execute(table.delete().where(group.where(table), table.c.topic_id.in_(gone)))
            # its mutes are keyed by the topic's ID (mutes.topic_scope)
            await tx.execute(
                group_mutes.delete().where(group_mutes.c.sdkappid == group.sdkappid, group_mutes.c.group_id.in_(gone))
            )
            who = notices.who(app, None)
            await notices.tip(tx, rt, app, group, "TopicDeleted", who, {"TopicIdList": gone})
            notices.publish(tx, rt, TopicDestroyed(**notices.event_base(group, who), topic_ids=gone))
    results = []
    for tid in asked:
        if tid in found:
            results.append({"ErrorCode": 0, "ErrorInfo": "ok", "TopicId": tid})
        elif isinstance(tid, str) and tid.startswith(prefix):
            results.append(
                {"ErrorCode": TOPIC_GONE, "ErrorInfo": "the topic does not exist or was destroyed", "TopicId": tid}
            )
        else:
            results.append(
                {"ErrorCode": TOPIC_BAD, "ErrorInfo": "not a topic ID of this community", "TopicId": str(tid)}
            )
    return results


# -- modify ------------------------------------------------------------------------------------------


async def modify(
    rt: Runtime, app: App, group_id: str, topic_id: str, texts: dict[str, Any], *, mute_all: Any, shown_as: str = ""
) -> None:
    """modify_topic: only the fields given change (10004 over a limit or an empty TopicName; 10010 no
    such topic). Members learn of it by a "TopicInfoChange" tip."""
    checked = _texts(texts)
    if "TopicName" in checked and not checked["TopicName"]:
        raise ApiError(10004, "TopicName may not be empty")
    muted = None if mute_all is None else check_mute_all(mute_all)
    async with rt.store.tx() as tx:
        group = community(await model.get(tx, app.sdkappid, group_id))
        topic = await require(tx, group, topic_id, lock=True)
        if shown_as and not await accounts.existing(tx.conn, app.sdkappid, [shown_as]):
            raise ApiError(10004, f"From_Account {shown_as!r} is not an account of this app")
        values: dict[str, Any] = {TEXT_BY_NAME[name].column: value for name, value in checked.items()}
        reported: dict[str, Any] = dict(checked)
        if muted is not None:
            values["mute_all"] = int(muted)
            reported["MuteAllMember"] = "On" if muted else "Off"
        if not values:
            return
        values["info_seq"] = t.info_seq + 1
        values["last_info_time"] = int(time.time())
        params = {"app": app.sdkappid, "gid": group_id, "tid": topic.topic_id}
        await tx.execute(group_topics.update().where(*_KEY).values(**values), params)
        who = shown_as or notices.who(app, None)
        await notices.tip(tx, rt, app, group, "TopicInfoChange", who, {"TopicId": topic.topic_id, "Changes": reported})
        notices.publish(
            tx, rt, TopicChanged(**notices.event_base(group, who), topic_id=topic.topic_id, changes=reported)
        )


# -- reading: profiles and read positions ------------------------------------------------------------


def _start(app: App, group: Group) -> bool:
    """Do members see topic messages from before their joining (ruling 9's setting, per type)?"""
    gtype = group.gtype
    return bool(app.settings.group_history_before_join.get(gtype.name, gtype.history_before_join))


# the last topic message older than the member's joining: where their view of the topic starts
def _start_seq(join_time: Any) -> Any:
    return (
        sa.select(g.msg_seq)
        .where(
            g.sdkappid == t.sdkappid,
            g.group_id == t.group_id,
            g.topic_id == t.topic_id,
            g.topic_id != sa.literal_column("''"),  # spelled out: the partial index's condition
            g.msg_time < join_time,
        )
        .order_by(g.msg_time.desc(), g.msg_seq.desc())
        .limit(1)
        .correlate_except(group_messages)  # the outer row: its topic (and in _GROSS its member)
        .scalar_subquery()
    )


_READS_FROM = group_topics.outerjoin(
    group_topic_reads,
    sa.and_(
        r.sdkappid == t.sdkappid,
        r.group_id == t.group_id,
        r.topic_id == t.topic_id,
        r.user_id == sa.bindparam("uid"),
    ),
)
_POSITIONS = (
    sa.select(t.topic_id, r.read_seq, _start_seq(sa.bindparam("join")).label("start"))
    .select_from(_READS_FROM)
    .where(
        t.sdkappid == sa.bindparam("app"),
        t.group_id == sa.bindparam("gid"),
        t.topic_id.in_(sa.bindparam("tids", expanding=True)),
    )
)
gm = group_members.c
_GROSS = (
    sa.select(t.group_id, t.next_msg_seq, r.read_seq, _start_seq(gm.join_time).label("start"))
    .select_from(
        _READS_FROM.join(
            group_members,
            sa.and_(gm.sdkappid == t.sdkappid, gm.group_id == t.group_id, gm.user_id == sa.bindparam("uid")),
        )
    )
    .where(t.sdkappid == sa.bindparam("app"), t.group_id.in_(sa.bindparam("gids", expanding=True)))
)


@dataclass(slots=True)
class Position:
    read_seq: int  # the member's MsgSeq in the topic: the last seq they have read (or could not see)
    start: int  # the last seq before the member could see the topic

    def unread(self, topic: Topic) -> int:
        return max(0, topic.next_msg_seq - 1 - self.read_seq)


async def positions(conn: Any, app: App, group: Group, member: Member, topic_ids: list[str]) -> dict[str, Position]:
    """The member's read position in each of these topics, in one statement."""
    if not topic_ids:
        return {}
    params = {
        "app": group.sdkappid,
        "gid": group.group_id,
        "uid": member.user_id,
        "join": member.join_time,
        "tids": topic_ids,
    }
    before_join = _start(app, group)
    found: dict[str, Position] = {}
    for row in await conn.execute(_POSITIONS, params):
        start = 0 if before_join else (row.start or 0)
        found[row.topic_id] = Position(read_seq=max(row.read_seq or 0, start), start=start)
    return found


async def gross(conn: Any, app: App, user_id: str, groups_: list[Group]) -> dict[str, tuple[int, int]]:
    """get_joined_group_list with SupportTopic 1 (seed 12629-12653): per community (GrossTopicNextMsgSeq,
    the member's GrossTopicReadSeq): 1 + the messages of all its topics, and how many of them the member
    has read (or could not see). Their difference less one is the member's unread over all topics."""
    wanted = [grp.group_id for grp in groups_ if grp.gtype.supports_topics]
    out = {gid: (1, 0) for gid in wanted}
    if not wanted:
        return out
    before = {grp.group_id: _start(app, grp) for grp in groups_}
    rows = await conn.execute(_GROSS, {"app": groups_[0].sdkappid, "uid": user_id, "gids": wanted})
    for row in rows:
        last = row.next_msg_seq - 1
        start = 0 if before[row.group_id] else (row.start or 0)
        nxt, read = out[row.group_id]
        out[row.group_id] = (nxt + last, read + min(last, max(row.read_seq or 0, start)))
    return out


async def topics_of(conn: Any, group: Group, topic_ids: list[str] | None) -> list[Topic]:
    if topic_ids is None:
        rows = await conn.execute(_ALL, {"app": group.sdkappid, "gid": group.group_id})
    else:
        rows = await conn.execute(_SOME, {"app": group.sdkappid, "gid": group.group_id, "tids": topic_ids})
    return [Topic.from_row(row) for row in rows]


def _fields(asked: Sequence[Any] | None) -> frozenset[str] | None:
    if asked is None:
        return None
    unknown = [f for f in asked if f not in INFO_FIELDS]
    if unknown:
        raise ApiError(10004, f"ResponseFilter: unknown field(s) {unknown}; known: {', '.join(INFO_FIELDS)}")
    return frozenset(asked)


async def get_topics(
    rt: Runtime,
    app: App,
    group_id: str,
    topic_ids: Sequence[object] | None,
    *,
    viewer: str | None,
    fields: Sequence[Any] | None = None,
    device: bool = False,
) -> list[dict[str, Any]]:
    """get_topic (REST: `viewer` is From_Account, None for none) and a device's `topics` (the viewer is
    the user, who must be a member: 10007). Without TopicIdList (or with an empty one) every topic in
    creation order; a listed ID that names no topic gets its own ErrorCode 110003. SelfInfo: the viewer's
    group mute (ShutUpTime), read position (MsgSeq) and MsgFlag; a device also gets UnreadMsgNum."""
    wanted_fields = _fields(fields)
    asked: list[str] | None = None
    if topic_ids:
        if len(topic_ids) > IDS_MAX:
            raise ApiError(10004, f"TopicIdList holds at most {IDS_MAX} topics")
        if not all(isinstance(tid, str) and tid for tid in topic_ids):
            raise ApiError(10004, "TopicIdList holds topic ID strings")
        asked = list(dict.fromkeys(str(tid) for tid in topic_ids))
    async with rt.store.read() as conn:
        group = community(await model.get(conn, app.sdkappid, group_id))
        me: Member | None = None
        if viewer is not None and not (device is False and app.is_admin(viewer)):
            me = await model.member(conn, group, viewer)
            if me is None:
                raise ApiError(10007, f"{viewer!r} is not a member of this community")
        listed = await topics_of(conn, group, asked)
        where = await positions(conn, app, group, me, [tp.topic_id for tp in listed]) if me is not None else {}
    now = int(time.time())
    by_id = {tp.topic_id: tp for tp in listed}
    order = asked if asked is not None else [tp.topic_id for tp in listed]
    out: list[dict[str, Any]] = []
    for tid in order:
        topic = by_id.get(tid)
        if topic is None:
            out.append(
                {
                    "ErrorCode": TOPIC_GONE,
                    "ErrorInfo": "the topic does not exist or was destroyed",
                    "TopicInfo": {"TopicId": tid, "GroupID": group_id},
                }
            )
            continue
        entry: dict[str, Any] = {"ErrorCode": 0, "ErrorInfo": "ok"}
        if me is not None:
            pos = where.get(tid, Position(0, 0))
            self_info: dict[str, Any] = {
                "ShutUpTime": model.mute_until_reported(me.mute_until, now),
                "MsgSeq": pos.read_seq,
                "MsgFlag": me.msg_flag,
            }
            if device:
                self_info["UnreadMsgNum"] = pos.unread(topic)
            entry["SelfInfo"] = self_info
        entry["TopicInfo"] = topic.info(wanted_fields)
        out.append(entry)
    return out


# -- reading a topic ---------------------------------------------------------------------------------


def _forward(dialect: str) -> Any:
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    stmt = insert(group_topic_reads)
    return stmt.on_conflict_do_update(
        index_elements=["sdkappid", "group_id", "topic_id", "user_id"],
        # only forward, even against a concurrent mark
        set_={"read_seq": sa.case((stmt.excluded.read_seq > r.read_seq, stmt.excluded.read_seq), else_=r.read_seq)},
    )


_FORWARD = {name: _forward(name) for name in ("sqlite", "postgresql")}


async def move_read(tx: Tx, group: Group, topic_id: str, user_id: str, seq: int) -> None:
    """The member's read seq in the topic moves forward to `seq` (one upsert)."""
    params = {
        "sdkappid": group.sdkappid,
        "group_id": group.group_id,
        "topic_id": topic_id,
        "user_id": user_id,
        "read_seq": seq,
    }
    await tx.execute(_FORWARD[tx.dialect], params)


async def mark_read(rt: Runtime, app: App, group_id: str, topic_id: str, user_id: str, msg_seq: int) -> dict[str, Any]:
    """A member has read the topic up to `msg_seq` (0 or past the end: everything); the read seq only
    moves forward. Answers the member's MsgSeq in the topic and UnreadMsgNum after it."""
    if msg_seq < 0:
        raise ApiError(10004, "MsgSeq must not be negative")
    async with rt.store.tx() as tx:
        group = community(await model.get(tx, app.sdkappid, group_id))
        member = await model.member(tx, group, user_id)
        if member is None:
            raise ApiError(10007, "only members of the community have a read position in its topics")
        topic = await require(tx, group, topic_id)
        pos = (await positions(tx, app, group, member, [topic.topic_id]))[topic.topic_id]
        last = topic.next_msg_seq - 1
        seq = last if msg_seq == 0 else min(msg_seq, last)
        if seq > pos.read_seq:
            await move_read(tx, group, topic.topic_id, user_id, seq)
            pos.read_seq = seq
    return {"GroupId": group_id, "TopicId": topic.topic_id, "MsgSeq": pos.read_seq, "UnreadMsgNum": pos.unread(topic)}


async def visible_from(conn: Any, app: App, group: Group, topic: Topic, member: Member) -> int:
    """The first seq of the topic a device member may read."""
    return (await positions(conn, app, group, member, [topic.topic_id]))[topic.topic_id].start + 1


def may_speak(topic: Topic, role: Role) -> None:
    """A topic's MuteAllMember: only the owner and admins speak from devices (seed 20071)."""
    if topic.mute_all and role < Role.ADMIN:
        raise ApiError(10017, "the topic is muted: only the owner and admins may speak")
