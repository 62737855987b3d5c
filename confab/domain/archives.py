"""Message archives (open_msg_svc/get_history, seed 004 lines 27478-27726): each finished hour's one-to-one
and group messages of an app as a gzip file in the page's line format, served at expiring signed URLs,
deleted after 7 days.

- Hours are Beijing time (UTC+8) as the page's `MsgTime` "YYYYMMDDHH"; a whole-hour offset, so an hour is
  the same Unix interval [hour_start, hour_start + 3600) in any zone, only its label differs.
- The file (seed 27667-27680): a first line `{"SdkAppId":…,"ChatType":…,"MsgTime":…,"MsgList":[`, one
  message a line (a comma ends every one but the last), a last line `]}`; the whole is one JSON document.
  The page cuts its sample lines short: a message is the history APIs' form (admin_getroammsg,
  group_msg_get_simple) with the page's visible keys as it spells them (`MsgTimestamp`, `GroupId`).
- `archive_forever` (started by the runtime) writes every finished hour of every app that has messages,
  from where it stopped (the newest hour in `archive_files`), and prunes what is older than 7 days.
  get_history writes a finished hour the job has not reached on demand; the current hour is 1004.
- An hour is read in pages of PAGE rows in (msg_time, key) order on an index on (sdkappid, msg_time)
  (`ix_c2c_messages_time`; `ix_group_messages_time`, partial on messages, added by 0020_archives); the
  gzip is written off the event loop, page by page, and is deterministic (no name, mtime 0): two
  processes writing one hour produce the same bytes, and `archive_files` keeps the first one recorded.
- URLs: `/v4/archives/{sdkappid}/{token}/{name}` on this server, the token an HMAC-SHA256 (key derived
  from the app's secret key) over app, chat type, hour and expiry. A new app key invalidates old URLs.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import gzip
import hashlib
import hmac
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from confab.domain.apps import App
from confab.domain.c2c.model import FLAG_RECALLED, make_msg_key
from confab.errors import ApiError
from confab.store.tables.archives import archive_files
from confab.store.tables.c2c import c2c_messages
from confab.store.tables.groups import group_messages

if TYPE_CHECKING:
    from confab.config import Settings
    from confab.runtime import Runtime

log = logging.getLogger("confab.archives")

C2C = "C2C"
GROUP = "Group"
CHAT_TYPES = (C2C, GROUP)
BEIJING = 8 * 3600  # MsgTime and ExpireTime are Beijing time (seed 27556-27560)
HOUR = 3600
RETENTION_SECONDS = 7 * 86400  # files are deleted after seven days (seed 27499-27501)
URL_TTL_SECONDS = 6 * 3600  # a download URL's life (capped at its file's deletion)
GRACE_SECONDS = 60  # an hour is finished this long after its end (sends committing at the boundary)
PAGE = 1000  # messages read per statement
JOB_EVERY = 300.0  # seconds between two runs of the background job
MAX_HOURS_PER_RUN = 7 * 24  # hours one app's chat type may write in one run of the job

NOT_READY = 1004  # "the file has not been generated yet, or no message is delivered in the period"
EXPIRED = 1005  # "file expired"
SYSTEM_ERROR = 1003

_encode = msgspec.json.Encoder().encode
m = c2c_messages.c
g = group_messages.c
a = archive_files.c


class _StoredGroup(msgspec.Struct):
    """What a group message's stored wire form (groups.messages.wire) gives its archive line."""

    MsgBody: msgspec.Raw = msgspec.Raw(b"[]")
    MsgPriority: msgspec.Raw = msgspec.Raw(b"")  # empty: absent
    CloudCustomData: str | None = None


_decode_group = msgspec.json.Decoder(_StoredGroup).decode


@dataclass(frozen=True, slots=True)
class Archive:
    """One recorded hour (a row of archive_files); `file` "" = the hour had no message."""

    sdkappid: int
    chat_type: str
    hour_start: int
    file: str
    msg_count: int
    file_size: int
    file_md5: str
    gzip_size: int
    gzip_md5: str

    @classmethod
    def from_row(cls, row: Any) -> Archive:
        return cls(
            row.sdkappid,
            row.chat_type,
            row.hour_start,
            row.file,
            row.msg_count,
            row.file_size,
            row.file_md5,
            row.gzip_size,
            row.gzip_md5,
        )

    @property
    def name(self) -> str:
        """The name the page's samples give a file (seed 27690): `<SdkAppId>_<ChatType>_<MsgTime>.gz`."""
        return f"{self.sdkappid}_{self.chat_type}_{hour_label(self.hour_start)}.gz"


# -- hours -----------------------------------------------------------------------------------------


def parse_msg_time(value: str) -> int:
    """The Unix start of a `MsgTime` hour ("YYYYMMDDHH", Beijing time), or 1002."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        raise ApiError(1002, f"MsgTime must be YYYYMMDDHH (10 digits, Beijing time), not {value[:32]!r}")
    year, month, day, hour = int(value[:4]), int(value[4:6]), int(value[6:8]), int(value[8:])
    if not (1970 <= year <= 9999 and 1 <= month <= 12 and hour <= 23) or not (
        1 <= day <= calendar.monthrange(year, month)[1]
    ):
        raise ApiError(1002, f"MsgTime {value!r} is not a valid hour (YYYYMMDDHH)")
    return calendar.timegm((year, month, day, hour, 0, 0, 0, 0, 0)) - BEIJING


def hour_label(hour_start: int) -> str:
    return time.strftime("%Y%m%d%H", time.gmtime(hour_start + BEIJING))


def beijing_time(unix: int) -> str:
    """ExpireTime's form (seed 27607): "YYYY-MM-DD HH:MM:SS", Beijing time."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(unix + BEIJING))


def floor_hour(unix: float) -> int:
    return int(unix) // HOUR * HOUR


def root(settings: Settings) -> Path:
    """Where the files live: CONFAB_ARCHIVE_DIR, else `archives/` beside the SQLite database, else
    `data/archives` (PostgreSQL)."""
    if settings.archive_dir:
        return Path(settings.archive_dir)
    url = sa.engine.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / "archives"
    return Path("data") / "archives"


# -- reading an hour -------------------------------------------------------------------------------

_C2C_PAGE = (
    sa.select(m.id, m.user_lo, m.user_hi, m.from_lo, m.msg_time, m.msg_seq, m.msg_random, m.body, m.cloud_data)
    .where(
        m.sdkappid == sa.bindparam("app"),
        m.msg_time >= sa.bindparam("t"),
        m.msg_time < sa.bindparam("hi"),
        sa.or_(m.msg_time > sa.bindparam("t"), m.id > sa.bindparam("after_id")),
        m.flags.op("&")(FLAG_RECALLED) == 0,
    )
    .order_by(m.msg_time, m.id)
    .limit(PAGE)
)

_GROUP_KIND = sa.text("kind = 'msg'")  # literal, so that the partial index serves it
_GROUP_PAGE = (
    sa.select(g.group_id, g.topic_id, g.msg_seq, g.sender, g.msg_time, g.random, g.body)
    .where(
        g.sdkappid == sa.bindparam("app"),
        _GROUP_KIND,
        g.msg_time >= sa.bindparam("t"),
        g.msg_time < sa.bindparam("hi"),
        sa.or_(
            g.msg_time > sa.bindparam("t"),
            sa.tuple_(g.group_id, g.topic_id, g.msg_seq)
            > sa.tuple_(sa.bindparam("after_group"), sa.bindparam("after_topic"), sa.bindparam("after_seq")),
        ),
        g.recalled == 0,
    )
    .order_by(g.msg_time, g.group_id, g.topic_id, g.msg_seq)
    .limit(PAGE)
)

_C2C_FIRST = sa.select(sa.func.min(m.msg_time)).where(
    m.sdkappid == sa.bindparam("app"), m.msg_time >= sa.bindparam("lo"), m.msg_time < sa.bindparam("hi")
)
_GROUP_FIRST = sa.select(sa.func.min(g.msg_time)).where(
    g.sdkappid == sa.bindparam("app"), _GROUP_KIND, g.msg_time >= sa.bindparam("lo"), g.msg_time < sa.bindparam("hi")
)


def _c2c_line(row: Any) -> bytes:
    sender, receiver = (row.user_lo, row.user_hi) if row.from_lo else (row.user_hi, row.user_lo)
    return _encode(
        {
            "From_Account": sender,
            "To_Account": receiver,
            "MsgTimestamp": row.msg_time,
            "MsgSeq": row.msg_seq,
            "MsgRandom": row.msg_random,
            "MsgKey": make_msg_key(row.msg_seq, row.msg_random, row.msg_time),
            "MsgBody": msgspec.Raw(row.body.encode()),
            "CloudCustomData": row.cloud_data or "",
        }
    )


def _group_line(row: Any) -> bytes:
    stored = _decode_group(row.body)
    doc: dict[str, Any] = {"From_Account": row.sender, "GroupId": row.group_id}
    if row.topic_id:
        doc["TopicId"] = row.topic_id
    doc |= {"MsgTimestamp": row.msg_time, "MsgSeq": row.msg_seq, "MsgRandom": row.random}
    if len(stored.MsgPriority):
        doc["MsgPriority"] = stored.MsgPriority
    doc["MsgBody"] = stored.MsgBody
    if stored.CloudCustomData is not None:
        doc["CloudCustomData"] = stored.CloudCustomData
    return _encode(doc)


async def _pages(rt: Runtime, sdkappid: int, chat_type: str, hour_start: int) -> Any:
    """The hour's messages as encoded lines, one list per statement."""
    params: dict[str, Any] = {"app": sdkappid, "t": hour_start, "hi": hour_start + HOUR}
    if chat_type == C2C:
        params["after_id"] = -1
    else:
        params |= {"after_group": "", "after_topic": "", "after_seq": -1}
    while True:
        async with rt.store.read() as conn:
            rows = (await conn.execute(_C2C_PAGE if chat_type == C2C else _GROUP_PAGE, params)).all()
        if not rows:
            return
        yield [_c2c_line(r) if chat_type == C2C else _group_line(r) for r in rows]
        if len(rows) < PAGE:
            return
        last = rows[-1]
        params["t"] = last.msg_time
        if chat_type == C2C:
            params["after_id"] = last.id
        else:
            params |= {"after_group": last.group_id, "after_topic": last.topic_id, "after_seq": last.msg_seq}


async def first_message_time(rt: Runtime, sdkappid: int, chat_type: str, lo: int, hi: int) -> int | None:
    """The earliest MsgTime in [lo, hi) (one indexed statement), or None."""
    async with rt.store.read() as conn:
        found = await conn.scalar(
            _C2C_FIRST if chat_type == C2C else _GROUP_FIRST, {"app": sdkappid, "lo": lo, "hi": hi}
        )
    return None if found is None else int(found)


# -- writing an hour -------------------------------------------------------------------------------


class _Sink:
    """The file under the gzip stream: counts and hashes the compressed bytes as they are written."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.size = 0
        self.md5 = hashlib.md5(usedforsecurity=False)

    def write(self, data: bytes) -> int:
        self.fh.write(data)
        self.size += len(data)
        self.md5.update(data)
        return len(data)

    def flush(self) -> None:
        self.fh.flush()


class _Writer:
    """One archive file being written (blocking calls: run off the event loop)."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.tmp = directory / f".tmp-{secrets.token_hex(8)}"
        self.fh = self.tmp.open("wb")
        self.sink = _Sink(self.fh)
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.sink, mtime=0)
        self.size = 0
        self.md5 = hashlib.md5(usedforsecurity=False)

    def write(self, data: bytes) -> None:
        self.gz.write(data)
        self.size += len(data)
        self.md5.update(data)

    def finish(self, final: Path) -> None:
        self.gz.close()
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, final)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.gz.close()
        with contextlib.suppress(Exception):
            self.fh.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


_locks: dict[tuple[int, str, int], asyncio.Lock] = {}


async def recorded(rt: Runtime, sdkappid: int, chat_type: str, hour_start: int) -> Archive | None:
    async with rt.store.read() as conn:
        row = (
            await conn.execute(
                sa.select(archive_files).where(
                    a.sdkappid == sdkappid, a.chat_type == chat_type, a.hour_start == hour_start
                )
            )
        ).first()
    return None if row is None else Archive.from_row(row)


async def write_hour(rt: Runtime, sdkappid: int, chat_type: str, hour_start: int) -> Archive:
    """The hour's archive: the one recorded, else written now (messages in the page's line format) and
    recorded. An hour without messages is recorded without a file."""
    key = (sdkappid, chat_type, hour_start)
    lock = _locks.setdefault(key, asyncio.Lock())
    try:
        async with lock:
            found = await recorded(rt, sdkappid, chat_type, hour_start)
            if found is not None:
                return found
            return await _write(rt, sdkappid, chat_type, hour_start)
    finally:
        if not lock.locked() and _locks.get(key) is lock:
            del _locks[key]


async def _write(rt: Runtime, sdkappid: int, chat_type: str, hour_start: int) -> Archive:
    directory = root(rt.settings) / str(sdkappid)
    head = _encode({"SdkAppId": sdkappid, "ChatType": chat_type, "MsgTime": hour_label(hour_start)})
    head = head[:-1] + b',"MsgList":[\n'
    writer: _Writer | None = None
    count = 0
    try:
        async for lines in _pages(rt, sdkappid, chat_type, hour_start):
            if writer is None:
                writer = await asyncio.to_thread(_Writer, directory)
                chunk = head + b",\n".join(lines)
            else:
                chunk = b",\n" + b",\n".join(lines)
            count += len(lines)
            await asyncio.to_thread(writer.write, chunk)
        name = ""
        if writer is not None:
            await asyncio.to_thread(writer.write, b"\n]}\n")
            gzip_md5 = writer.sink.md5.hexdigest()
            name = f"{sdkappid}_{chat_type}_{hour_label(hour_start)}_{gzip_md5[:12]}.gz"
            await asyncio.to_thread(writer.finish, directory / name)
    except BaseException:
        if writer is not None:
            await asyncio.to_thread(writer.abort)
        raise
    values = {
        "sdkappid": sdkappid,
        "chat_type": chat_type,
        "hour_start": hour_start,
        "file": name,
        "msg_count": count,
        "file_size": writer.size if writer else 0,
        "file_md5": writer.md5.hexdigest() if writer else "",
        "gzip_size": writer.sink.size if writer else 0,
        "gzip_md5": writer.sink.md5.hexdigest() if writer else "",
        "created_at": int(time.time()),
    }
    async with rt.store.tx() as tx:
        insert = postgresql.insert if tx.dialect == "postgresql" else sqlite.insert
        await tx.execute(
            insert(archive_files).on_conflict_do_nothing(index_elements=["sdkappid", "chat_type", "hour_start"]),
            values,
        )
    found = await recorded(rt, sdkappid, chat_type, hour_start)
    if found is None:  # pruned in between: the hour is past retention
        raise ApiError(EXPIRED, f"the archive of {hour_label(hour_start)} has expired")
    if name and found.file != name:  # another process recorded its own copy first
        with contextlib.suppress(OSError):
            await asyncio.to_thread((directory / name).unlink)
    return found


# -- the API ---------------------------------------------------------------------------------------


def _secret(app: App) -> bytes:
    return hmac.new(app.key.encode(), b"confab open_msg_svc archive url", hashlib.sha256).digest()


def _signature(app: App, chat_type: str, hour_start: int, expire: int) -> str:
    payload = f"{app.sdkappid}.{chat_type}.{hour_start}.{expire}".encode()
    return hmac.new(_secret(app), payload, hashlib.sha256).hexdigest()[:32]


def signed_path(app: App, archive: Archive, expire: int) -> str:
    """The download path: `/v4/archives/{sdkappid}/{chat}.{hour}.{expire}.{sig}/{name}`."""
    sig = _signature(app, archive.chat_type, archive.hour_start, expire)
    return f"/v4/archives/{app.sdkappid}/{archive.chat_type}.{archive.hour_start}.{expire}.{sig}/{archive.name}"


def check_token(app: App, token: str, now: float | None = None) -> tuple[str, int] | str:
    """(chat type, hour start) of a valid, unexpired token; else why not ("forged" or "expired")."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] not in CHAT_TYPES or not all(p.isascii() and p.isdigit() for p in parts[1:3]):
        return "forged"
    chat_type, hour, expire, sig = parts[0], int(parts[1]), int(parts[2]), parts[3]
    if not hmac.compare_digest(sig.encode(), _signature(app, chat_type, hour, expire).encode()):
        return "forged"
    if expire <= (time.time() if now is None else now):
        return "expired"
    return chat_type, hour


async def get_history(
    rt: Runtime, app: App, chat_type: str, msg_time: str, base_url: str, now: float | None = None
) -> list[dict[str, Any]]:
    """get_history's `File` list for one hour (seed 27570-27640); 1002, 1004, 1005 as the page says."""
    if chat_type not in CHAT_TYPES:
        raise ApiError(1002, f"ChatType must be C2C or Group, not {chat_type[:32]!r}")
    hour_start = parse_msg_time(msg_time)
    now = time.time() if now is None else now
    if hour_start < floor_hour(now) - RETENTION_SECONDS:
        raise ApiError(EXPIRED, f"the archive of {msg_time} has expired: archives are kept for 7 days")
    if hour_start + HOUR + GRACE_SECONDS > now:
        raise ApiError(NOT_READY, f"the archive of {msg_time} is not generated yet: an hour is archived once it ends")
    found = await recorded(rt, app.sdkappid, chat_type, hour_start)
    if found is None:
        if await first_message_time(rt, app.sdkappid, chat_type, hour_start, hour_start + HOUR) is None:
            raise ApiError(NOT_READY, f"no {chat_type} message was sent in {msg_time}")
        try:
            found = await write_hour(rt, app.sdkappid, chat_type, hour_start)
        except OSError as err:
            log.error("writing the %s archive of app %s for %s failed: %s", chat_type, app.sdkappid, msg_time, err)
            raise ApiError(SYSTEM_ERROR, f"system error: the archive of {msg_time} could not be written") from None
    if not found.file:
        raise ApiError(NOT_READY, f"no {chat_type} message was sent in {msg_time}")
    if not (root(rt.settings) / str(app.sdkappid) / found.file).is_file():
        raise ApiError(EXPIRED, f"the archive of {msg_time} is no longer stored")
    expire = min(int(now) + URL_TTL_SECONDS, found.hour_start + RETENTION_SECONDS + HOUR)
    return [
        {
            "URL": base_url.rstrip("/") + signed_path(app, found, expire),
            "ExpireTime": beijing_time(expire),
            "FileSize": found.file_size,
            "FileMD5": found.file_md5,
            "GzipSize": found.gzip_size,
            "GzipMD5": found.gzip_md5,
        }
    ]


async def download(rt: Runtime, sdkappid: int, token: str, now: float | None = None) -> tuple[int, Path | None, str]:
    """(HTTP status, file, its name) for a download URL: 200 and the file; 403 forged or expired; 404 gone."""
    app = await rt.apps.get(sdkappid) if 0 < sdkappid < 1 << 63 else None
    if app is None:
        return 404, None, ""
    checked = check_token(app, token, now)
    if isinstance(checked, str):
        return 403, None, ""
    chat_type, hour_start = checked
    found = await recorded(rt, sdkappid, chat_type, hour_start)
    if found is None or not found.file:
        return 404, None, ""
    path = root(rt.settings) / str(sdkappid) / found.file
    if not path.is_file():
        return 404, None, ""
    return 200, path, found.name


# -- the background job ----------------------------------------------------------------------------


async def run_once(rt: Runtime, now: float | None = None) -> int:
    """Write every finished hour (of the last 7 days, since each app was created) that has messages and
    is not recorded yet, from where each app's chat type stopped. Returns the files written."""
    now = time.time() if now is None else now
    limit = floor_hour(now - GRACE_SECONDS - HOUR) + HOUR  # the first hour not finished
    floor = floor_hour(now) - RETENTION_SECONDS
    async with rt.store.read() as conn:
        rows = (
            await conn.execute(
                sa.select(a.sdkappid, a.chat_type, sa.func.max(a.hour_start).label("last")).group_by(
                    a.sdkappid, a.chat_type
                )
            )
        ).all()
    done = {(r.sdkappid, r.chat_type): int(r.last) for r in rows}
    written = 0
    for app in await rt.apps.list():
        for chat_type in CHAT_TYPES:
            start = max(floor, floor_hour(app.created_at), done.get((app.sdkappid, chat_type), floor - HOUR) + HOUR)
            for _ in range(MAX_HOURS_PER_RUN):
                first = None if start >= limit else await first_message_time(rt, app.sdkappid, chat_type, start, limit)
                if first is None:
                    break
                archive = await write_hour(rt, app.sdkappid, chat_type, floor_hour(first))
                written += 1 if archive.file else 0
                start = floor_hour(first) + HOUR
    return written


async def prune(rt: Runtime, now: float | None = None) -> int:
    """Delete the files and records of hours older than 7 days (and stray files as old). Returns the
    records deleted."""
    now = time.time() if now is None else now
    cutoff = floor_hour(now) - RETENTION_SECONDS
    base = root(rt.settings)
    after: tuple[int, str, int] = (-1, "", -1)
    while True:
        async with rt.store.read() as conn:
            rows = (
                await conn.execute(
                    sa.select(a.sdkappid, a.chat_type, a.hour_start, a.file)
                    .where(
                        a.hour_start < cutoff,
                        sa.tuple_(a.hour_start, a.sdkappid, a.chat_type) > sa.tuple_(after[2], after[0], after[1]),
                    )
                    .order_by(a.hour_start, a.sdkappid, a.chat_type)
                    .limit(PAGE)
                )
            ).all()
        if not rows:
            break
        await asyncio.to_thread(_unlink, [base / str(r.sdkappid) / r.file for r in rows if r.file])
        last = rows[-1]
        after = (last.sdkappid, last.chat_type, last.hour_start)
    async with rt.store.tx() as tx:
        result = await tx.execute(archive_files.delete().where(a.hour_start < cutoff))
    await asyncio.to_thread(_sweep, base, now - RETENTION_SECONDS - HOUR)
    return result.rowcount or 0


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _sweep(base: Path, older_than: float) -> None:
    """Files no record names any more (a crash between writing and recording) once they are as old."""
    if not base.is_dir():
        return
    for app_dir in base.iterdir():
        if not app_dir.is_dir():
            continue
        for entry in os.scandir(app_dir):
            with contextlib.suppress(OSError):
                if entry.is_file() and entry.stat().st_mtime < older_than:
                    os.unlink(entry.path)


async def archive_forever(rt: Runtime, every: float = JOB_EVERY) -> None:
    """The background job (the runtime spawns it): write finished hours, prune old ones, every `every`."""
    while True:
        await asyncio.sleep(every)
        try:
            await run_once(rt)
            await prune(rt)
        except Exception:
            log.exception("message archiving failed")
