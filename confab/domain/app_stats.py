"""Operations data (openconfigsvr/getappinfo, seed 004 lines 27182-27477): per-app figures for each UTC day
of the last 30.

Counted at the source, once per event, in the process that made the change: the runtime hands every event
it publishes to `AppStats.observe` (a type lookup, no I/O), which adds to in-memory counters and per-day
sets of distinct members. Nothing is written per message: `flush` (every FLUSH_SECONDS, at shutdown, and
before each getappinfo answer) writes what was counted since the last flush in at most three
statements, each one executemany for every app at once:
- counters as upserts that add (`app_stats_daily`): several processes add their own shares;
- gauges (MaxOnlineNum, the day's totals) as upserts that raise or overwrite;
- distinct members (`app_stats_members`: a logged-in user, a sending user, a sending group) inserted if
  absent, so several processes and restarts count each member once a day.
Rows older than RETENTION_DAYS are pruned at flush, once an hour.

Totals (RegistUserNumTotal, GroupAllGroupNum) are COUNT queries at the time of the call for today; for past
days, the value recorded at that day's flushes (after a change), carried forward over days without one,
and before the first record estimated from the rows' created_at (docs/compatibility.md, "Operations data").
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain.accounts import chunks
from confab.domain.apps import App
from confab.domain.c2c.model import C2CMessageSent
from confab.domain.groups import notices
from confab.domain.groups.messages import GroupMessageSent
from confab.domain.groups.types import LIVE
from confab.domain.sns.state import FriendsAdded, FriendsDeleted
from confab.errors import ApiError
from confab.events import AccountsDeleted, AccountsImported, Event
from confab.store import Tx
from confab.store.tables.accounts import accounts
from confab.store.tables.app_stats import app_stats_daily, app_stats_members
from confab.store.tables.groups import groups
from confab.webhooks import transport

if TYPE_CHECKING:
    from confab.runtime import Runtime

log = logging.getLogger("confab.app_stats")

FLUSH_SECONDS = 5.0
RETENTION_DAYS = 30  # the page: "operations data for the last 30 days"
TOTALS_EVERY = 30.0  # seconds between two recordings of an app's totals (COUNT queries) at flush
PRUNE_EVERY = 3600.0
SEEN_MAX = 200_000  # members this process knows it wrote today (skips re-inserting them); cleared beyond
SQL_QUERY_ERROR = 130011  # the page's "SQL query error"

# The page's fields (seed 27418-27477), in its order.
FIELDS = (
    "AppName",
    "AppId",
    "Company",
    "ActiveUserNum",
    "RegistUserNumOneDay",
    "RegistUserNumTotal",
    "LoginTimes",
    "LoginUserNum",
    "UpMsgNum",
    "SendMsgUserNum",
    "APNSMsgNum",
    "C2CUpMsgNum",
    "C2CDownMsgNum",
    "C2CSendMsgUserNum",
    "C2CAPNSMsgNum",
    "MaxOnlineNum",
    "DownMsgNum",
    "ChainIncrease",
    "ChainDecrease",
    "GroupUpMsgNum",
    "GroupDownMsgNum",
    "GroupSendMsgUserNum",
    "GroupAPNSMsgNum",
    "GroupSendMsgGroupNum",
    "GroupJoinGroupTimes",
    "GroupQuitGroupTimes",
    "GroupNewGroupNum",
    "GroupAllGroupNum",
    "GroupDestroyGroupNum",
    "CallBackReq",
    "CallBackRsp",
    "Date",
)
FIELD_SET = frozenset(FIELDS)
APNS_FIELDS = ("APNSMsgNum", "C2CAPNSMsgNum", "GroupAPNSMsgNum")  # Confab sends no offline push: "0"

# counters (added up), stored under the page's own names
COUNTERS = (
    "RegistUserNumOneDay",
    "LoginTimes",
    "C2CUpMsgNum",
    "C2CDownMsgNum",
    "GroupUpMsgNum",
    "GroupDownMsgNum",
    "ChainIncrease",
    "ChainDecrease",
    "GroupJoinGroupTimes",
    "GroupQuitGroupTimes",
    "GroupNewGroupNum",
    "GroupDestroyGroupNum",
    "CallBackReq",
    "CallBackRsp",
)
MAX_ONLINE = "MaxOnlineNum"
TOTALS = ("RegistUserNumTotal", "GroupAllGroupNum")
# distinct members, one row each per day
LOGIN_USERS = "LoginUserNum"
C2C_SENDERS = "C2CSendMsgUserNum"
GROUP_SENDERS = "GroupSendMsgUserNum"
SENDING_GROUPS = "GroupSendMsgGroupNum"
DISTINCT = (LOGIN_USERS, C2C_SENDERS, GROUP_SENDERS, SENDING_GROUPS)
# unions of distinct sets, counted at the time of the call
UNIONS = {
    "SendMsgUserNum": (C2C_SENDERS, GROUP_SENDERS),
    "ActiveUserNum": (LOGIN_USERS, C2C_SENDERS, GROUP_SENDERS),
}

UNCOUNTED_C2C_SOURCES = frozenset({"importmsg"})  # imported history is not traffic (ruling)


def utc_day(unix: float) -> int:
    """The UTC date of a Unix time as the integer YYYYMMDD."""
    t = time.gmtime(unix)
    return t.tm_year * 10000 + t.tm_mon * 100 + t.tm_mday


def day_start(day: int) -> int:
    """The Unix time a YYYYMMDD UTC day begins."""
    return calendar.timegm((day // 10000, day // 100 % 100, day % 100, 0, 0, 0, 0, 0, 0))


def last_days(now: float, count: int = RETENTION_DAYS) -> list[int]:
    """Today and the days before it, newest first, as YYYYMMDD."""
    today = int(now) // 86400
    return [utc_day((today - n) * 86400) for n in range(count)]


# -- counting ------------------------------------------------------------------------------------------


@dataclass
class _Pending:
    counts: Counter[tuple[int, int, str]] = field(default_factory=Counter)  # (app, day, metric)
    members: set[tuple[int, int, str, str]] = field(default_factory=set)  # (app, day, metric, member)
    group_sends: Counter[tuple[int, int, str, str, str]] = field(default_factory=Counter)  # app, day, gid, type, sender
    changed_totals: set[int] = field(default_factory=set)  # apps whose accounts or groups changed

    def merge(self, other: _Pending) -> None:
        self.counts.update(other.counts)
        self.members |= other.members
        self.group_sends.update(other.group_sends)
        self.changed_totals |= other.changed_totals

    def __bool__(self) -> bool:
        return bool(self.counts or self.members or self.group_sends or self.changed_totals)


class AppStats:
    """This process's counts since its last flush (one per Runtime)."""

    def __init__(self) -> None:
        self._pending = _Pending()
        self._handlers: dict[type, Callable[[Any], None]] = {
            C2CMessageSent: self._c2c,
            GroupMessageSent: self._group_msg,
            AccountsImported: self._imported,
            AccountsDeleted: self._deleted,
            notices.GroupCreated: self._group_created,
            notices.GroupDestroyed: self._group_destroyed,
            notices.MembersJoined: self._joined,
            notices.MembersLeft: self._left,
            FriendsAdded: self._friends_added,
            FriendsDeleted: self._friends_deleted,
        }
        self._day_number = -1  # the Unix day of _day (gmtime once a day, not once an event)
        self._day = 0
        self._seen: set[tuple[int, int, str, str]] = set()  # written today by this process
        self._seen_day = 0
        self._totals_at: dict[int, float] = {}  # app -> monotonic time its totals were last recorded
        self._pruned_at = 0.0
        self._max_written: dict[int, int] = {}  # app -> today's MaxOnlineNum as this process wrote it
        self._max_day = 0
        self._lock = asyncio.Lock()
        self._rt: Runtime | None = None

    def bind(self, rt: Runtime) -> None:
        """The runtime whose gateway and app cache the counting may look at (set by Runtime.create)."""
        self._rt = rt

    # the runtime wraps the bus's publish with this
    def observe(self, event: Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            try:
                handler(event)
            except Exception:  # counting must never fail a publish
                log.exception("counting %s failed", type(event).__name__)

    def wrap(self, publish: Callable[[Event], None]) -> Callable[[Event], None]:
        """`publish`, counting each event first."""
        observe = self.observe

        def counted(event: Event) -> None:
            observe(event)
            publish(event)

        return counted

    def _dayof(self, at: float) -> int:
        number = int(at) // 86400
        if number != self._day_number:
            self._day_number, self._day = number, utc_day(at)
        return self._day

    def _add(self, app: int, at: float, metric: str, n: int = 1) -> None:
        if n:
            self._pending.counts[app, self._dayof(at), metric] += n

    def _member(self, app: int, at: float, metric: str, member: str) -> None:
        self._pending.members.add((app, self._dayof(at), metric, member))

    def login(self, sdkappid: int, user_id: str, at: float | None = None) -> None:
        """A device logged in through the gateway (the gateway calls this)."""
        now = time.time() if at is None else at
        self._add(sdkappid, now, "LoginTimes")
        self._member(sdkappid, now, LOGIN_USERS, user_id)

    def _c2c(self, e: C2CMessageSent) -> None:
        if e.source in UNCOUNTED_C2C_SOURCES:
            return
        self._add(e.sdkappid, e.at, "C2CUpMsgNum")
        self._add(e.sdkappid, e.at, "C2CDownMsgNum")  # one recipient: its copy (or its online delivery)
        self._member(e.sdkappid, e.at, C2C_SENDERS, e.from_account)

    def _group_msg(self, e: GroupMessageSent) -> None:
        self._add(e.sdkappid, e.at, "GroupUpMsgNum")
        self._member(e.sdkappid, e.at, GROUP_SENDERS, e.sender)
        self._member(e.sdkappid, e.at, SENDING_GROUPS, e.group_id)
        rt = self._rt
        if e.group_type == LIVE.name:  # a live group's audience is its watchers here, now
            hub = rt.hub if rt is not None else None
            audience = hub.live.online_count(e.sdkappid, e.group_id) if hub is not None else 0
            self._add(e.sdkappid, e.at, "GroupDownMsgNum", _recipients(rt, e.sdkappid, e.sender, audience))
            return
        # recipients are counted at flush, from the group's member count then (one query per app)
        self._pending.group_sends[e.sdkappid, self._dayof(e.at), e.group_id, e.group_type, e.sender] += 1

    def _imported(self, e: AccountsImported) -> None:
        self._add(e.sdkappid, e.at, "RegistUserNumOneDay", len(e.user_ids))
        self._pending.changed_totals.add(e.sdkappid)

    def _deleted(self, e: AccountsDeleted) -> None:
        self._pending.changed_totals.add(e.sdkappid)

    def _group_created(self, e: notices.GroupCreated) -> None:
        self._add(e.sdkappid, e.at, "GroupNewGroupNum")
        self._pending.changed_totals.add(e.sdkappid)

    def _group_destroyed(self, e: notices.GroupDestroyed) -> None:
        self._add(e.sdkappid, e.at, "GroupDestroyGroupNum")
        self._pending.changed_totals.add(e.sdkappid)

    def _joined(self, e: notices.MembersJoined) -> None:
        self._add(e.sdkappid, e.at, "GroupJoinGroupTimes", len(e.user_ids))

    def _left(self, e: notices.MembersLeft) -> None:
        self._add(e.sdkappid, e.at, "GroupQuitGroupTimes", len(e.user_ids))

    def _friends_added(self, e: FriendsAdded) -> None:
        self._add(e.sdkappid, e.at, "ChainIncrease", len(e.pairs) if e.pairs else len(e.friends))

    def _friends_deleted(self, e: FriendsDeleted) -> None:
        self._add(e.sdkappid, e.at, "ChainDecrease", len(e.pairs) if e.pairs else len(e.friends))

    # -- flushing ------------------------------------------------------------------------------------

    async def flush_forever(self, rt: Runtime, every: float = FLUSH_SECONDS) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.flush(rt)
            except Exception:
                log.exception("flushing the operations data failed; retrying at the next flush")

    async def flush(self, rt: Runtime, *, totals_now: bool = False) -> None:
        """Write what was counted since the last flush (everything, or nothing: a failed write puts the
        counts back for the next one). `totals_now`: record changed apps' totals whatever TOTALS_EVERY."""
        async with self._lock:  # one flush at a time per process (the periodic one, a call's, the last)
            now = time.time()
            pending, self._pending = self._pending, _Pending()
            self._take_callbacks(pending, now)
            try:
                await self._write(rt, pending, now, totals_now)
            except BaseException:
                pending.merge(self._pending)
                self._pending = pending
                raise

    def _take_callbacks(self, pending: _Pending, now: float) -> None:
        counted = dict(transport.CALLBACK_COUNTS)
        transport.CALLBACK_COUNTS.clear()
        for (sdkappid, answered), n in counted.items():
            pending.counts[sdkappid, self._dayof(now), "CallBackRsp" if answered else "CallBackReq"] += n

    async def _write(self, rt: Runtime, pending: _Pending, now: float, totals_now: bool) -> None:
        today = self._dayof(now)
        if self._seen_day != today or len(self._seen) > SEEN_MAX:
            self._seen, self._seen_day = set(), today
        if self._max_day != today:
            self._max_written, self._max_day = {}, today
        gauges: dict[tuple[int, int, str], int] = {}
        for sdkappid, online in _online_users(rt).items():
            if online > self._max_written.get(sdkappid, 0):  # only a new high is written
                gauges[sdkappid, today, MAX_ONLINE] = online
        counts = Counter(pending.counts)  # `pending` stays as it was, to be put back if the write fails
        if pending.group_sends:
            async with rt.store.read() as conn:
                counts.update(await _group_deliveries(rt, conn, pending.group_sends))
        mono = time.monotonic()
        due = {a for a in pending.changed_totals if totals_now or mono - self._totals_at.get(a, 0.0) >= TOTALS_EVERY}
        if due:
            async with rt.store.read() as conn:
                for sdkappid, values in (await _totals(conn, due)).items():
                    for metric, value in values.items():
                        gauges[sdkappid, today, metric] = value
        members = [m for m in pending.members if m not in self._seen]
        prune = now - self._pruned_at >= PRUNE_EVERY
        dialect = rt.store.dialect
        if not (counts or gauges or members or prune):
            self._pending.changed_totals |= pending.changed_totals
            return
        async with rt.store.tx() as tx:
            if counts:
                rows = [{"sdkappid": a, "day": d, "metric": m, "value": n} for (a, d, m), n in counts.items() if n]
                if rows:
                    await tx.execute(_add_statement(dialect), rows)
            if gauges:
                rows = [{"sdkappid": a, "day": d, "metric": m, "value": n} for (a, d, m), n in gauges.items()]
                await tx.execute(_gauge_statement(dialect), rows)
            if members:
                rows = [{"sdkappid": a, "day": d, "metric": m, "member": u} for (a, d, m, u) in members]
                await tx.execute(_member_statement(dialect), rows)
            if prune:
                await _prune(tx, now)
        self._seen.update(m for m in members if m[1] == today)
        for (sdkappid, _day, metric), value in gauges.items():
            if metric == MAX_ONLINE:
                self._max_written[sdkappid] = value
        for sdkappid in due:
            self._totals_at[sdkappid] = mono
        if prune:
            self._pruned_at = now
        # apps whose totals were not due yet wait for a later flush
        self._pending.changed_totals |= pending.changed_totals - due


def _online_users(rt: Runtime) -> dict[int, int]:
    """Users with at least one device on this process's gateway, per app."""
    hub = rt.hub
    if hub is None:
        return {}
    return dict(Counter(app for (app, _user), devices in hub.sessions.items() if devices))


_MEMBER_NUMS = sa.select(groups.c.group_id, groups.c.member_num).where(
    groups.c.sdkappid == sa.bindparam("app"), groups.c.group_id.in_(sa.bindparam("gids", expanding=True))
)


async def _group_deliveries(
    rt: Runtime, conn: Any, sends: Counter[tuple[int, int, str, str, str]]
) -> dict[tuple[int, int, str], int]:
    """GroupDownMsgNum: each group message once per member but its sender, with the group's member count
    at flush time; one query per app and 500 groups. (A live group's are counted at the send.)"""
    by_app: dict[int, set[str]] = {}
    for sdkappid, _day, gid, _gtype, _sender in sends:
        by_app.setdefault(sdkappid, set()).add(gid)
    member_nums: dict[tuple[int, str], int] = {}
    for sdkappid, gids in by_app.items():
        for part in chunks(sorted(gids)):
            for gid, num in await conn.execute(_MEMBER_NUMS, {"app": sdkappid, "gids": part}):
                member_nums[sdkappid, gid] = int(num)
    out: Counter[tuple[int, int, str]] = Counter()
    for (sdkappid, day, gid, _gtype, sender), n in sends.items():
        out[sdkappid, day, "GroupDownMsgNum"] += n * _recipients(
            rt, sdkappid, sender, member_nums.get((sdkappid, gid), 0)
        )
    return out


def _recipients(rt: Runtime | None, sdkappid: int, sender: str, audience: int) -> int:
    """The audience but the sender, who is (normally) in it; the app admin sending over REST is not."""
    app = rt.apps.cached(sdkappid) if rt is not None else None
    return max(audience if app is not None and app.is_admin(sender) else audience - 1, 0)


_COUNT_ACCOUNTS = sa.select(sa.func.count()).select_from(accounts).where(accounts.c.sdkappid == sa.bindparam("app"))
_COUNT_GROUPS = sa.select(sa.func.count()).select_from(groups).where(groups.c.sdkappid == sa.bindparam("app"))


async def _totals(conn: Any, apps: Iterable[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for sdkappid in apps:
        users = (await conn.execute(_COUNT_ACCOUNTS, {"app": sdkappid})).scalar_one()
        groups_ = (await conn.execute(_COUNT_GROUPS, {"app": sdkappid})).scalar_one()
        out[sdkappid] = {"RegistUserNumTotal": int(users), "GroupAllGroupNum": int(groups_)}
    return out


def _insert(dialect: str) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return sqlite.insert if dialect == "sqlite" else postgresql.insert


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _add_statement(dialect: str) -> Any:
    key = (dialect, "add")
    if key not in _STATEMENTS:
        stmt = _insert(dialect)(app_stats_daily)
        _STATEMENTS[key] = stmt.on_conflict_do_update(
            index_elements=["sdkappid", "day", "metric"], set_={"value": app_stats_daily.c.value + stmt.excluded.value}
        )
    return _STATEMENTS[key]


def _gauge_statement(dialect: str) -> Any:
    """MaxOnlineNum is raised (the day's highest sample); totals are overwritten (the newest count)."""
    key = (dialect, "gauge")
    if key not in _STATEMENTS:
        stmt = _insert(dialect)(app_stats_daily)
        keep_higher = sa.and_(stmt.excluded.metric == MAX_ONLINE, app_stats_daily.c.value > stmt.excluded.value)
        value = sa.case((keep_higher, app_stats_daily.c.value), else_=stmt.excluded.value)
        keys = ["sdkappid", "day", "metric"]
        _STATEMENTS[key] = stmt.on_conflict_do_update(index_elements=keys, set_={"value": value})
    return _STATEMENTS[key]


def _member_statement(dialect: str) -> Any:
    key = (dialect, "member")
    if key not in _STATEMENTS:
        stmt = _insert(dialect)(app_stats_members)
        _STATEMENTS[key] = stmt.on_conflict_do_nothing(index_elements=["sdkappid", "day", "metric", "member"])
    return _STATEMENTS[key]


async def _prune(tx: Tx, now: float) -> None:
    oldest = last_days(now)[-1]
    await tx.execute(app_stats_daily.delete().where(app_stats_daily.c.day < oldest))
    await tx.execute(app_stats_members.delete().where(app_stats_members.c.day < oldest))


# -- answering -----------------------------------------------------------------------------------------

_DAILY = sa.select(app_stats_daily.c.day, app_stats_daily.c.metric, app_stats_daily.c.value).where(
    app_stats_daily.c.sdkappid == sa.bindparam("app"), app_stats_daily.c.day >= sa.bindparam("first")
)
_DISTINCT = (
    sa.select(app_stats_members.c.day, app_stats_members.c.metric, sa.func.count())
    .where(
        app_stats_members.c.sdkappid == sa.bindparam("app"),
        app_stats_members.c.day >= sa.bindparam("first"),
        app_stats_members.c.metric.in_(sa.bindparam("metrics", expanding=True)),
    )
    .group_by(app_stats_members.c.day, app_stats_members.c.metric)
)
_UNION = (
    sa.select(app_stats_members.c.day, sa.func.count(sa.distinct(app_stats_members.c.member)))
    .where(
        app_stats_members.c.sdkappid == sa.bindparam("app"),
        app_stats_members.c.day >= sa.bindparam("first"),
        app_stats_members.c.metric.in_(sa.bindparam("metrics", expanding=True)),
    )
    .group_by(app_stats_members.c.day)
)


def _created_by_day(table: sa.Table) -> Any:
    """Rows per day of creation since `start` (-1: before it): the estimate of past totals."""
    bucket = sa.case(
        (table.c.created_at < sa.bindparam("start"), -1), else_=(table.c.created_at - sa.bindparam("start")) // 86400
    )
    return (  # grouped by the output name: the CASE's parameters would make GROUP BY another expression
        sa.select(bucket.label("b"), sa.func.count())
        .where(table.c.sdkappid == sa.bindparam("app"), table.c.created_at < sa.bindparam("end"))
        .group_by(sa.text("b"))
    )


_CREATED = {"RegistUserNumTotal": _created_by_day(accounts), "GroupAllGroupNum": _created_by_day(groups)}


def selected_fields(requested: list[str] | None) -> list[str]:
    """The fields to answer, Date always among them; ApiError 130005 for a name the page does not list."""
    if not requested:
        return list(FIELDS)
    unknown = [name for name in requested if name not in FIELD_SET]
    if unknown:
        raise ApiError(130005, f"RequestField: {unknown[0]!r} is not an operations data field")
    wanted = set(requested) | {"Date"}
    return [name for name in FIELDS if name in wanted]


async def app_info(
    rt: Runtime, app: App, requested: list[str] | None, now: float | None = None
) -> list[dict[str, str]]:
    """getappinfo's Result: one object per UTC day, today first, back 30 days or to the app's creation
    day; each with the selected fields, values as strings (the page's samples), keys in sorted order."""
    fields = selected_fields(requested)
    now = time.time() if now is None else now
    try:  # what this process counted so far is in the answer
        await rt.stats.flush(rt)
    except Exception:
        log.exception("flushing the operations data before getappinfo failed")
    created = utc_day(app.created_at) if app.created_at else 0
    days = [d for d in last_days(now) if d >= created] or [utc_day(now)]
    today, first = days[0], days[-1]
    try:
        values = await _read(rt, app.sdkappid, set(fields), days, today, first)
    except ApiError:
        raise
    except sa.exc.SQLAlchemyError as err:
        log.warning("getappinfo query failed: %s", type(err).__name__)
        raise ApiError(SQL_QUERY_ERROR, "SQL query error: the operations data could not be read") from None
    fixed = {
        "AppName": app.settings.name,
        "AppId": str(app.sdkappid),
        "Company": "",
        **dict.fromkeys(APNS_FIELDS, "0"),
    }
    result = []
    for day in days:
        per_day = values.get(day, {})
        item: dict[str, str] = {}
        for name in fields:
            if name == "Date":
                item[name] = str(day)
            elif name in fixed:
                item[name] = fixed[name]
            else:
                item[name] = str(per_day.get(name, 0))
        result.append(dict(sorted(item.items())))
    return result


async def _read(
    rt: Runtime, sdkappid: int, fields: set[str], days: list[int], today: int, first: int
) -> dict[int, dict[str, int]]:
    values: dict[int, dict[str, int]] = {day: {} for day in days}
    params: dict[str, Any] = {"app": sdkappid, "first": first}
    async with rt.store.read() as connection:
        conn: Any = connection
        for day, metric, value in await conn.execute(_DAILY, params):
            if day in values:
                values[day][metric] = int(value)
        distinct = [m for m in DISTINCT if m in fields]
        if distinct:
            for day, metric, n in await conn.execute(_DISTINCT, {**params, "metrics": distinct}):
                if day in values:
                    values[day][metric] = int(n)
        for name, parts in UNIONS.items():
            if name in fields:
                for day, n in await conn.execute(_UNION, {**params, "metrics": list(parts)}):
                    if day in values:
                        values[day][name] = int(n)
        totals = [t for t in TOTALS if t in fields]
        if totals:
            current = (await _totals(conn, [sdkappid]))[sdkappid]
            for name in totals:
                await _fill_total(conn, sdkappid, name, values, days)
                values[today][name] = current[name]  # today: counted now
    for per_day in values.values():
        per_day["UpMsgNum"] = per_day.get("C2CUpMsgNum", 0) + per_day.get("GroupUpMsgNum", 0)
        per_day["DownMsgNum"] = per_day.get("C2CDownMsgNum", 0) + per_day.get("GroupDownMsgNum", 0)
    return values


async def _fill_total(conn: Any, sdkappid: int, name: str, values: dict[int, dict[str, int]], days: list[int]) -> None:
    """Past days without a recorded total: the latest earlier one; before the first record, the rows
    that exist now, counted by the day they were created."""
    oldest_first = list(reversed(days))
    missing: list[int] = []
    carried: int | None = None
    for day in oldest_first:
        if name in values[day]:
            carried = values[day][name]
        elif carried is not None:
            values[day][name] = carried
        else:
            missing.append(day)
    if not missing:
        return
    start, end = day_start(oldest_first[0]), day_start(missing[-1]) + 86400
    params = {"app": sdkappid, "start": start, "end": end}
    buckets = {int(b): int(n) for b, n in await conn.execute(_CREATED[name], params)}
    running = buckets.get(-1, 0)
    for index, day in enumerate(oldest_first):  # consecutive days: bucket `index` is that day
        running += buckets.get(index, 0)
        if day in missing:
            values[day][name] = running
