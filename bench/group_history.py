"""Group history (issue 13, benchmark 4): group_msg_get_simple's newest page with 1,000 and with 1,000,000
messages in the group must cost the same; a page from the middle of the big group too.

    python bench/group_history.py [--port 18091] [--small 1000] [--big 1000000] [--calls 500]
    python bench/group_history.py --database-url postgresql+asyncpg://USER@HOST/EMPTY_DB

The script always starts its own server (`confab serve`, one process): on a temporary SQLite database
under /tmp (removed at the end), or with `--database-url` on a PostgreSQL database of its own (give an
empty one and drop it afterwards: the script leaves its million rows there). The app is created with
`confab app create` with `rate_limits={"*": 0}` and `group_msgs_per_second=0`.

**The messages are inserted directly into the database, not sent through the API.** Filling a group
with 1,000,000 messages through send_group_msg or import_group_msg (7 messages a call) would take
hours, and the fill is not what is measured. So: two Public groups are created over REST, a handful of
real messages are sent to each with REST send_group_msg (so the stored row format is the server's own),
the server is stopped, and the rest of the rows are written straight into `group_messages`: kind "msg",
msg_seq consecutive after the real ones, `body` the same JSON wire form (`messages.wire`: the real
rows' documents with MsgSeq, MsgTime and Random changed; the script checks that this rebuilds the real
rows byte for byte), and `groups.next_msg_seq` / `last_msg_time` set to match. SQLite: sqlite3
executemany in transactions of 100,000 rows with `PRAGMA synchronous=OFF` on the filling connection
only (the server keeps its own settings), then a WAL checkpoint. PostgreSQL: asyncpg COPY, then
ANALYZE (autovacuum would have by then; it is off on the bench machine). Then the server is started
again and each figure is timed over HTTP by one client (confab.client.rest.RestClient, keep-alive):
`--calls` calls after 50 of warm-up, ReqMsgNumber 20:
  - newest page (no ReqMsgSeq) of the small group and of the big group: must be flat;
  - a page from the middle of the big group (ReqMsgSeq = half its messages).
Every reply is checked (20 messages, newest first, starting at the seq asked for). Last, the page
query itself (`_PAGE_LIVE` of confab/domain/groups/history.py, as the server runs it) is explained
(SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE) and, on SQLite, timed in sqlite3 alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import msgspec
from sqlalchemy.dialects import postgresql, sqlite

from confab.client.rest import RestClient
from confab.domain.groups.history import _PAGE_LIVE

G = "group_open_http_svc/"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "group history benchmark, a forty-byte text"}}]
REAL = 5  # messages sent through the API into each group
CHUNK = 100_000  # rows per fill transaction
PAGE = 20
COLUMNS = ("sdkappid", "group_id", "topic_id", "msg_seq", "kind", "sender", "msg_time", "random", "body", "recalled")

encode = msgspec.json.encode
decode = msgspec.json.decode


def pct(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def figure(name: str, timings: list[float]) -> str:
    timings = sorted(timings)
    return (
        f"{name:<60} p50 {statistics.median(timings) * 1000:6.2f} ms   p99 {pct(timings, 0.99):6.2f} ms   "
        f"max {timings[-1] * 1000:6.2f} ms   n={len(timings)}"
    )


# ------------------------------------------------------------------------------------------- server
class Server:
    """`confab serve` on the bench's database; stopped and started again around the fill."""

    def __init__(self, args: argparse.Namespace, tmp: str) -> None:
        self.args = args
        self.tmp = tmp
        self.proc: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "CONFAB_DATABASE_URL": args.database_url,
            "CONFAB_PORT": str(args.port),
            "CONFAB_HOST": "127.0.0.1",
            "CONFAB_LOG_LEVEL": "warning",
        }
        self.url = f"http://127.0.0.1:{args.port}"

    def create_app(self) -> None:
        settings = ["--setting", 'rate_limits={"*": 0}', "--setting", "group_msgs_per_second=0"]
        command = [sys.executable, "-m", "confab", "app", "create", "--sdkappid", str(self.args.sdkappid)]
        subprocess.run(
            [*command, "--key", self.args.key, *settings],
            env=self.env,
            cwd=self.tmp,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def spawn(self) -> subprocess.Popen:
        with open(f"{self.tmp}/server.log", "a") as log:  # the child process keeps writing it
            return subprocess.Popen(
                [sys.executable, "-m", "confab", "serve"],
                env=self.env,
                cwd=self.tmp,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def start(self) -> None:
        self.proc = self.spawn()
        parts = urlsplit(self.url)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.tmp}/server.log")
            try:
                _r, w = await asyncio.open_connection(parts.hostname, parts.port)
                w.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# ------------------------------------------------------------------------------------------ the rows
def rebuild(doc: dict[str, Any], seq: int, msg_time: int, rnd: int) -> str:
    """A stored body with another MsgSeq, MsgTime and Random (key order kept: the wire form's)."""
    doc["MsgSeq"] = seq
    doc["MsgTime"] = msg_time
    doc["Random"] = rnd
    return encode(doc).decode()


def random_of(seq: int) -> int:
    return (seq * 2654435761) & 0xFFFFFFFF  # distinct per seq, spread over 32 bits


def check_template(real: list[tuple], sdkappid: int, group_id: str) -> dict[str, Any]:
    """The real rows' common document; refuses to go on unless it rebuilds every real row exactly."""
    if len(real) < REAL:
        raise RuntimeError(f"expected {REAL} real messages in {group_id}, found {len(real)}")
    doc = decode(real[-1][8])
    for row in real:
        row_doc = dict(doc)
        body = rebuild(row_doc, row[3], row[6], row[7])
        expected = (sdkappid, group_id, "", row[3], "msg", row[5], row[6], row[7], body, 0)
        if tuple(row) != expected:
            raise RuntimeError(f"the stored row format is not what the fill writes:\n {tuple(row)}\n {expected}")
    return doc


def generated(sdkappid: int, group_id: str, doc: dict[str, Any], sender: str, first: int, last: int, now: int):
    """Rows first..last (msg_seq), one second apart, the last at `now`."""
    doc = dict(doc)
    for seq in range(first, last + 1):
        msg_time = now - (last - seq)
        rnd = random_of(seq)
        yield (sdkappid, group_id, "", seq, "msg", sender, msg_time, rnd, rebuild(doc, seq, msg_time, rnd), 0)


def chunks(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# ------------------------------------------------------------------------------------------ the store
class Db:
    """Direct access to the server's database (the fill, the query plan), SQLite or PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith("postgresql")
        self.path = url.split(":///", 1)[1] if not self.pg else ""

    async def real_rows(self, sdkappid: int, group_id: str) -> tuple[list[tuple], int]:
        q = (
            f"SELECT {', '.join(COLUMNS)} FROM group_messages WHERE sdkappid = {sdkappid} "
            f"AND group_id = '{group_id}' AND kind = 'msg' ORDER BY msg_seq"
        )
        nq = f"SELECT next_msg_seq FROM groups WHERE sdkappid = {sdkappid} AND group_id = '{group_id}'"
        if self.pg:
            conn = await self._pg()
            try:
                return [tuple(r) for r in await conn.fetch(q)], await conn.fetchval(nq)
            finally:
                await conn.close()
        with contextlib.closing(sqlite3.connect(self.path)) as conn:
            return conn.execute(q).fetchall(), conn.execute(nq).fetchone()[0]

    async def fill(self, sdkappid: int, group_id: str, rows: Iterator[tuple], next_seq: int, last_time: int) -> None:
        update = "UPDATE groups SET next_msg_seq = {}, last_msg_time = {} WHERE sdkappid = {} AND group_id = {}"
        if self.pg:
            conn = await self._pg()
            try:
                for batch in chunks(rows, CHUNK):
                    await conn.copy_records_to_table("group_messages", records=batch, columns=list(COLUMNS))
                await conn.execute(update.format("$1", "$2", "$3", "$4"), next_seq, last_time, sdkappid, group_id)
                await conn.execute("ANALYZE group_messages")
                await conn.execute("ANALYZE groups")
            finally:
                await conn.close()
            return
        insert = f"INSERT INTO group_messages ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        with contextlib.closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
            conn.execute("PRAGMA synchronous=OFF")  # this connection only, for the fill
            for batch in chunks(rows, CHUNK):
                conn.execute("BEGIN")
                conn.executemany(insert, batch)
                conn.execute("COMMIT")
            conn.execute(update.format("?", "?", "?", "?"), (next_seq, last_time, sdkappid, group_id))
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def page_sql(self, sdkappid: int, group_id: str, top: int) -> tuple[str, Any]:
        """The page query as the server sends it (bound parameters), and its parameters."""
        values = {"app": sdkappid, "gid": group_id, "top": top, "floor": 1, "limit": PAGE}
        if self.pg:
            compiled = _PAGE_LIVE.compile(dialect=postgresql.dialect(paramstyle="numeric_dollar"))
            params = {**compiled.params, **values}
            return str(compiled), [params[name] for name in compiled.positiontup or ()]
        compiled = _PAGE_LIVE.compile(dialect=sqlite.dialect(paramstyle="named"))
        return str(compiled), {**compiled.params, **values}

    async def explain(self, sdkappid: int, group_id: str, top: int, calls: int) -> list[str]:
        sql, params = self.page_sql(sdkappid, group_id, top)
        if self.pg:
            conn = await self._pg()
            try:
                return [r[0] for r in await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)]
            finally:
                await conn.close()
        with contextlib.closing(sqlite3.connect(self.path)) as conn:
            plan = [f"{detail}" for _id, _parent, _n, detail in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
            timings = []
            for _ in range(calls):
                started = time.perf_counter()
                rows = conn.execute(sql, params).fetchall()
                timings.append(time.perf_counter() - started)
            assert len(rows) == PAGE and rows[0][0] == top, (len(rows), rows[0][0], top)
            timings.sort()
            plan.append(
                f"sqlite3 alone: p50 {statistics.median(timings) * 1e6:.0f} µs, "
                f"p99 {pct(timings, 0.99) * 1000:.0f} µs (n={calls})"
            )
            return plan

    async def _pg(self) -> Any:
        import asyncpg

        return await asyncpg.connect(self.url.replace("postgresql+asyncpg://", "postgresql://", 1))


# ------------------------------------------------------------------------------------------- the run
async def timed_pages(client: RestClient, group_id: str, req_seq: int | None, top: int, calls: int) -> list[float]:
    body: dict[str, Any] = {"GroupId": group_id, "ReqMsgNumber": PAGE}
    if req_seq is not None:
        body["ReqMsgSeq"] = req_seq
    out = []
    for n in range(calls + 50):
        started = time.perf_counter()
        reply = await client.ok(G + "group_msg_get_simple", body)
        took = time.perf_counter() - started
        seqs = [m["MsgSeq"] for m in reply["RspMsgList"]]
        if seqs != list(range(top, top - PAGE, -1)):
            raise RuntimeError(f"unexpected page: {seqs[:3]}... for top {top}")
        if n >= 50:  # the first 50 warm up
            out.append(took)
    return out


async def run(args: argparse.Namespace, server: Server, db: Db) -> None:
    sender = "hist_speaker"
    await server.start()
    async with RestClient(server.url, args.sdkappid, args.key, args.admin) as client:
        await client.ok("im_open_login_svc/account_import", {"UserID": sender})
        groups = {}
        for label in ("small", "big"):
            gid = str((await client.ok(G + "create_group", {"Type": "Public", "Name": f"history {label}"}))["GroupId"])
            for n in range(REAL):
                body = {"GroupId": gid, "From_Account": sender, "Random": random_of(1000 + n), "MsgBody": TEXT}
                await client.ok(G + "send_group_msg", body)
            groups[label] = gid
    server.stop()

    sizes = {"small": args.small, "big": args.big}
    tops: dict[str, int] = {}
    for label, gid in groups.items():
        real, next_seq = await db.real_rows(args.sdkappid, gid)
        doc = check_template(real, args.sdkappid, gid)
        first = next_seq  # after the real messages (and any tips the group's creation numbered)
        last = first + sizes[label] - len(real) - 1
        now = int(time.time())
        started = time.perf_counter()
        await db.fill(args.sdkappid, gid, generated(args.sdkappid, gid, doc, sender, first, last, now), last + 1, now)
        tops[label] = last
        print(
            f"# {label} group {gid}: {len(real)} messages sent through the API, then seqs {first:,}..{last:,} "
            f"inserted directly ({last - first + 1:,} rows) in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

    await server.start()
    mid = args.big // 2
    results = []
    async with RestClient(server.url, args.sdkappid, args.key, args.admin) as client:
        cases = [
            (f"newest page of 20, {args.small:,} messages", groups["small"], None, tops["small"]),
            (f"newest page of 20, {args.big:,} messages", groups["big"], None, tops["big"]),
            (f"page of 20 at ReqMsgSeq {mid:,}, {args.big:,} messages", groups["big"], mid, mid),
        ]
        for _round in range(args.rounds):
            for name, gid, req_seq, top in cases:
                timings = await timed_pages(client, gid, req_seq, top, args.calls)
                results.append(figure(f"group_msg_get_simple {name}", timings))
                print(results[-1], flush=True)
    server.stop()

    for name, gid, top in (
        ("newest, small", groups["small"], tops["small"]),
        ("newest, big", groups["big"], tops["big"]),
        ("middle, big", groups["big"], mid),
    ):
        plan = await db.explain(args.sdkappid, gid, top, args.calls)
        print(f"# page query plan ({name}):\n    " + "\n    ".join(plan))
    sql, params = db.page_sql(args.sdkappid, groups["big"], mid)
    print("# the page query (middle, big):\n    " + sql.replace("\n", "\n    ") + f"\n    {params}")


def db_bytes(tmp: str) -> int:
    return sum(os.path.getsize(f"{tmp}/{f}") for f in os.listdir(tmp) if f.startswith("confab.db"))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="postgresql+asyncpg://... (default: SQLite under /tmp)")
    parser.add_argument("--sdkappid", type=int, default=1400000091)
    parser.add_argument("--key", default="group-history-bench-key")
    parser.add_argument("--admin", default="administrator")
    parser.add_argument("--port", type=int, default=18091)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1, help="time the three figures this many times over")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (SQLite database)")
    args = parser.parse_args()
    if min(args.small, args.big) < REAL + PAGE:
        parser.error(f"--small and --big must be at least {REAL + PAGE}")
    tmp = tempfile.mkdtemp(prefix="group-history-", dir="/tmp")
    if args.database_url is None:
        args.database_url = f"sqlite+aiosqlite:///{tmp}/confab.db"
    elif not args.database_url.startswith("postgresql+asyncpg://"):
        parser.error("--database-url takes postgresql+asyncpg://... (SQLite is the default)")
    db = Db(args.database_url)
    server = Server(args, tmp)
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {'PostgreSQL' if db.pg else f'SQLite {sqlite3.sqlite_version}'}",
        flush=True,
    )
    try:
        server.create_app()
        await run(args, server, db)
        if not db.pg:
            print(f"# SQLite database: {db_bytes(tmp) / 1e6:,.0f} MB")
    finally:
        server.stop()
        if args.keep:
            print(f"# kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
