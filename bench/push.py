"""Push to all users (issue 16): `all_member_push/im_push` to an app of 100,000 users, 1,000 of them online.

    python bench/push.py --spawn [--users 100000] [--online 1000] [--late 200]
    python bench/push.py --url http://127.0.0.1:8080 --sdkappid N --key K --server-pid PID

`--spawn` as `group_fanout.py` (a fresh SQLite database under /tmp, synchronous=FULL, rate limits off;
the app's push settings at their defaults: the script waits out `push_interval_seconds` between pushes
and makes 3 x `--repeat` of the `push_daily_quota` 100). Against a running server, the app must have no pushes yet
(the offline users' counts assume only these) and its rate limits off.

Setup: `--users` accounts imported (multiaccount_import, 100 a call, 16 calls in flight); attribute
name "level" (im_set_attr_name); user i with i % 10 == 0 gets the tag "vip" (im_add_tag), user i with
i % 10 == 1 the attribute level=gold (im_set_attr), 100 accounts a call: 10 % each, disjoint, so a push
that mixed them up shows. Users 0 .. `--online`-1 log in over /v4/ws (raw WebSocket client of
group_fanout.py, 100 at a time; 10 % of them carry the tag, 10 % the attribute).
[0] `--late` (200) other users log in one at a time and out again before any push: the login's cost
when the app has no push (Connect + login + feed catch-up until the `Synced` frame).
[1] im_push to all, MsgLifeTime 3600. [2] im_push with Condition TagsOr ["vip"], [3] with AttrsAnd
{"level": "gold"}, both MsgLifeTime 3600; the three `--repeat` (3) times, 1.1 s apart. Per push: the
call's latency (one raw keep-alive connection, pre-encoded), the time from the call's start to the last
online delivery, delivery latency p50/p99, the server's CPU from the call to the last delivery, and per
online connection whether it got the push: lost (a matching user without it), stray (a non-matching
user with it), duplicated.
[4] `--late` users who were offline during the pushes log in one at a time: each must get exactly the
pushes meant for it (the `--repeat` pushes to all, plus the tag pushes for i % 10 == 0, or the
attribute pushes for i % 10 == 1),
counted off its socket; their login time (to `Synced`, which comes after the push catch-up) and the
server's CPU per login. Then the same users log out and in again (pushes stored, none pending: must get
0), and 100 of the online users reconnect (they had theirs online: must get 0).
Finally the rows in `pushes` and `push_cursors` (with --spawn: the database is read after the run).

Each push is recognised on the wire by the marker the group benchmark's client counts
(`"CloudCustomData":"fb<n>"`), carried in the push's OfflinePushInfo, which Confab passes through to
the `push.msg` frame unchanged: the receiving side is group_fanout.py's `Conn` as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import resource
import signal
import sqlite3
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

import msgspec
from group_fanout import (  # bench/ is on sys.path when a script here runs
    Conn,
    Meter,
    Sink,
    close_all,
    connect_all,
    import_accounts,
    keep_alive,
    login,
    pct,
    self_cpu,
    spawn,
    wait_up,
)
from httpload import _read_response, build_request

from confab import usersig
from confab.client.rest import RestClient

P = "all_member_push/"
TAG = "vip"
ATTR, ATTR_VALUE = "level", "gold"
ALL, BY_TAG, BY_ATTR = 0, 1, 2  # push n (1, 2, 3 ...) is of kind (n - 1) % 3
CONDITIONS: dict[int, dict[str, Any] | None] = {
    ALL: None,
    BY_TAG: {"TagsOr": [TAG]},
    BY_ATTR: {"AttrsAnd": {ATTR: ATTR_VALUE}},
}
LABELS = {ALL: "to all", BY_TAG: "TagsOr [vip]", BY_ATTR: "AttrsAnd level=gold"}
encode = msgspec.json.encode
decode = msgspec.json.decode


def kind(n: int) -> int:
    return (n - 1) % 3


def wanted(n: int, i: int) -> bool:
    """Whether push n is meant for user i."""
    k = kind(n)
    return k == ALL or (k == BY_TAG and i % 10 == 0) or (k == BY_ATTR and i % 10 == 1)


class Rest:
    """Timed REST calls over one raw keep-alive connection, pre-encoded (no client-library time)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.sig = usersig.generate(args.sdkappid, args.key, args.admin, 86400)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def request(self, api: str, body: dict[str, Any]) -> bytes:
        query = {
            "sdkappid": self.args.sdkappid,
            "identifier": self.args.admin,
            "usersig": self.sig,
            "random": random.getrandbits(32),
            "contenttype": "json",
        }
        return build_request(self.args.url, f"/v4/{api}", query, encode(body))

    async def call(self, request: bytes) -> tuple[dict[str, Any], float]:
        if self.writer is None:
            parts = urlsplit(self.args.url)
            self.reader, self.writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        assert self.reader is not None
        started = time.perf_counter()
        self.writer.write(request)
        reply = decode(await _read_response(self.reader))
        return reply, time.perf_counter() - started

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Cpu:
    """The server's CPU in nanoseconds (schedstat: /proc/stat's 10 ms ticks are too coarse for one push),
    all threads and the event loop's thread alone."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.start = self.now()

    def now(self) -> tuple[int, int]:
        if not self.pid:
            return 0, 0
        total = loop = 0
        for tid in os.listdir(f"/proc/{self.pid}/task"):
            with contextlib.suppress(OSError):
                with open(f"/proc/{self.pid}/task/{tid}/schedstat") as fh:
                    ns = int(fh.read().split()[0])
                total += ns
                if tid == str(self.pid):
                    loop = ns
        return total, loop

    def used_ms(self) -> tuple[float, float]:
        """(all threads, event loop) milliseconds since start; nan without a server pid."""
        if not self.pid:
            return float("nan"), float("nan")
        total, loop = self.now()
        return (total - self.start[0]) / 1e6, (loop - self.start[1]) / 1e6


def share(meter: Meter, me0: float, wall: float) -> str:
    used = meter.used()
    if used is None:
        return f"client CPU {(self_cpu() - me0) / wall:.0%} of one core"
    client = self_cpu() - me0
    return (
        f"server {used[0] / wall:.0%} of one core, client {client / wall:.0%}, "
        f"other processes {(used[2] - used[0] - client) / wall:.0%}"
    )


# ------------------------------------------------------------------------------------------- setup
async def setup(client: RestClient, users: list[str]) -> None:
    t = time.perf_counter()
    await import_accounts(client, users)
    print(f"# {len(users):,} accounts imported in {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    await client.ok(P + "im_set_attr_name", {"AttrNames": {"0": ATTR}})
    tagged = [u for i, u in enumerate(users) if i % 10 == 0]
    valued = [u for i, u in enumerate(users) if i % 10 == 1]

    async def tag(chunk: list[str]) -> None:
        await client.ok(P + "im_add_tag", {"UserTags": [{"To_Account": u, "Tags": [TAG]} for u in chunk]})

    async def attr(chunk: list[str]) -> None:
        body = {"UserAttrs": [{"To_Account": u, "Attrs": {ATTR: ATTR_VALUE}} for u in chunk]}
        await client.ok(P + "im_set_attr", body)

    calls = [tag(tagged[i : i + 100]) for i in range(0, len(tagged), 100)]
    calls += [attr(valued[i : i + 100]) for i in range(0, len(valued), 100)]
    for start in range(0, len(calls), 16):
        await asyncio.gather(*calls[start : start + 16])
    print(
        f"# tag {TAG!r} on {len(tagged):,} users, {ATTR}={ATTR_VALUE} on {len(valued):,} "
        f"({len(calls)} calls) in {time.perf_counter() - t:.1f} s",
        flush=True,
    )


async def timed_logins(args: argparse.Namespace, users: list[str], sink: Sink) -> tuple[list[Conn], dict[str, Any]]:
    """Log `users` in one at a time; each login's time to `Synced` and the server's CPU per login."""
    conns: list[Conn] = []
    times: list[float] = []
    meter = Meter(args.server_pid)
    cpu = Cpu(args.server_pid)
    me0, wall0 = self_cpu(), time.perf_counter()
    for user in users:
        started = time.perf_counter()
        conns.append(await login(args.url, args.sdkappid, args.key, user, sink))
        times.append(time.perf_counter() - started)
    wall = time.perf_counter() - wall0
    used = cpu.used_ms()
    times.sort()
    row = {
        "n": len(users),
        "p50": pct(times, 0.5),
        "p99": pct(times, 0.99),
        "max": times[-1] * 1000,
        "cpu_ms": used[0] / len(users),
        "loop_ms": used[1] / len(users),
        "share": share(meter, me0, wall),
    }
    return conns, row


def login_line(label: str, row: dict[str, Any]) -> str:
    return (
        f"{label}: {row['n']} logins one at a time, to Synced p50 {row['p50']:.2f} ms p99 {row['p99']:.2f} ms "
        f"max {row['max']:.2f} ms; server CPU {row['cpu_ms']:.2f} ms per login (event loop {row['loop_ms']:.2f}); "
        f"{row['share']}"
    )


def received(conns: list[Conn], numbers: range) -> list[int]:
    return [sum(conn.got[n] for n in numbers) for conn in conns]


# ------------------------------------------------------------------------------------------- pushes
async def push(
    args: argparse.Namespace, rest: Rest, sink: Sink, conns: list[Conn], online: list[int], n: int
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "From_Account": args.admin,
        "MsgRandom": 1_000_000 + n,
        "MsgLifeTime": 3600,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": f"push benchmark {n}"}}],
        "OfflinePushInfo": {"CloudCustomData": f"fb{n}"},
    }
    if CONDITIONS[kind(n)] is not None:
        body["Condition"] = CONDITIONS[kind(n)]
    request = rest.request(P + "im_push", body)
    expected = sum(wanted(n, i) for i in online)
    sink.latencies = []
    sink.deliveries = 0
    cpu = Cpu(args.server_pid)
    sink.sent_at[n] = time.perf_counter()
    reply, call = await rest.call(request)
    if reply.get("ErrorCode") != 0:
        raise RuntimeError(f"im_push failed: {reply}")
    for _ in range(15_000):  # 30 s at most
        if sink.deliveries >= expected:
            break
        await asyncio.sleep(0.002)
    used = cpu.used_ms()  # up to the last delivery (or the timeout)
    await asyncio.sleep(0.5)  # late duplicates or strays
    lost = stray = dup = 0
    for conn, i in zip(conns, online, strict=True):
        count = conn.got[n]
        if wanted(n, i):
            lost += count == 0
            dup += max(0, count - 1)
        else:
            stray += count
    lat = sorted(sink.latencies)
    row = {
        "n": n,
        "kind": kind(n),
        "label": LABELS[kind(n)],
        "task": reply.get("TaskId"),
        "expected": expected,
        "delivered": len(lat),
        "lost": lost,
        "stray": stray,
        "dup": dup,
        "call_ms": call * 1000,
        "last_ms": sink.last[n] * 1000,
        "p50": pct(lat, 0.5),
        "p99": pct(lat, 0.99),
        "cpu_ms": used[0],
        "loop_ms": used[1],
    }
    per = row["cpu_ms"] / len(lat) * 1000 if lat else float("nan")
    print(
        f"[push {n}] im_push {row['label']} (TaskId {row['task']}): call {row['call_ms']:.2f} ms; "
        f"{row['delivered']:,} of {expected:,} online deliveries, lost {lost}, stray {stray}, duplicated {dup}\n"
        f"    call start -> last online delivery {row['last_ms']:.1f} ms; deliveries p50 {row['p50']:.1f} ms "
        f"p99 {row['p99']:.1f} ms\n"
        f"    server CPU {row['cpu_ms']:.1f} ms for the push (event loop {row['loop_ms']:.1f}; {per:.1f} µs per "
        "delivery)",
        flush=True,
    )
    return row


def summary(rows: list[dict[str, Any]]) -> None:
    for k in (ALL, BY_TAG, BY_ATTR):
        mine = [r for r in rows if r["kind"] == k]
        delivered = sum(r["delivered"] for r in mine)
        cpu = sum(r["cpu_ms"] for r in mine)

        def span(key: str, rows: list[dict[str, Any]] = mine) -> str:
            values = sorted(r[key] for r in rows)
            return f"{values[0]:.1f}-{values[-1]:.1f}"

        print(
            f"[{LABELS[k]}] x{len(mine)}: call {span('call_ms')} ms; last online delivery {span('last_ms')} ms; "
            f"p50 {span('p50')} ms, p99 {span('p99')} ms; {delivered:,} of {sum(r['expected'] for r in mine):,} "
            f"delivered, lost {sum(r['lost'] for r in mine)}, stray {sum(r['stray'] for r in mine)}, "
            f"duplicated {sum(r['dup'] for r in mine)}; server CPU {cpu / len(mine):.1f} ms a push "
            f"({cpu / max(delivered, 1) * 1000:.1f} µs per delivery)",
            flush=True,
        )


async def run(args: argparse.Namespace, client: RestClient, tag: str) -> None:
    users = [f"p{tag}_{i}" for i in range(args.users)]
    await setup(client, users)
    total = 3 * args.repeat
    sink = Sink(total + 1)
    online = list(range(args.online))
    t = time.perf_counter()
    conns = await connect_all(args, [users[i] for i in online], sink)
    pinger = asyncio.ensure_future(keep_alive(conns))
    print(
        f"# {len(conns):,} users online in {time.perf_counter() - t:.1f} s "
        f"({sum(i % 10 == 0 for i in online)} with the tag, {sum(i % 10 == 1 for i in online)} with the attribute)",
        flush=True,
    )
    late = list(range(args.online, args.online + args.late))
    before = list(range(args.online + args.late, args.online + 2 * args.late))

    # [0] logins while the app has no push
    base, row0 = await timed_logins(args, [users[i] for i in before], sink)
    print(login_line("[0] no push in the app", row0), flush=True)
    close_all(base)
    await asyncio.sleep(1)

    rest = Rest(args)
    rows = []
    for n in range(1, total + 1):  # to all, by tag, by attribute; again `--repeat` times
        rows.append(await push(args, rest, sink, conns, online, n))
        await asyncio.sleep(1.1)  # push_interval_seconds (1 s by default)
    summary(rows)
    rest.close()
    if sink.closed:
        print(f"# {len(sink.closed)} connections closed by the server: {sink.closed[:3]}")

    # [4] users who were offline log in
    numbers = range(1, total + 1)
    sink.latencies = []
    if args.profile:
        os.kill(args.server_pid, signal.SIGUSR1)
    catch, row4 = await timed_logins(args, [users[i] for i in late], sink)
    if args.profile:
        os.kill(args.server_pid, signal.SIGUSR2)
    await asyncio.sleep(0.5)
    counts = received(catch, numbers)
    need = [sum(wanted(n, i) for n in numbers) for i in late]
    wrong = [(users[i], got, want) for i, got, want in zip(late, counts, need, strict=True) if got != want]
    exact = sum(all(c.got[n] == wanted(n, i) for n in numbers) for c, i in zip(catch, late, strict=True))
    print(
        login_line("[4] offline during the pushes", row4) + "\n"
        f"    pushes received at login: {sum(counts)} (expected {sum(need)}: "
        f"{sum(x == args.repeat for x in need)} users {args.repeat}, "
        f"{sum(x == 2 * args.repeat for x in need)} users {2 * args.repeat}); "
        f"{exact} of {len(late)} users got exactly theirs; wrong {wrong[:5]}",
        flush=True,
    )
    close_all(catch)
    await asyncio.sleep(1)
    again, row5 = await timed_logins(args, [users[i] for i in late], sink)
    await asyncio.sleep(0.5)
    extra = sum(received(again, numbers))  # new connections: anything counted is a repeat
    print(login_line("[4] the same users again, none pending", row5) + f"; pushes received again: {extra}", flush=True)
    close_all(again)

    # online users reconnecting must not get the pushes again
    back = online[:100]
    close_all([conns[i] for i in back])
    await asyncio.sleep(1)
    re, row6 = await timed_logins(args, [users[i] for i in back], sink)
    await asyncio.sleep(0.5)
    print(
        login_line("[4] 100 online users reconnecting", row6) + f"; pushes received again: "
        f"{sum(received(re, numbers))}",
        flush=True,
    )
    pinger.cancel()
    close_all(conns + re)
    await asyncio.sleep(1)
    args.rows = {"pushes": rows, "no_push": row0, "catch_up": row4, "none_pending": row5, "reconnect": row6}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None)
    parser.add_argument("--sdkappid", type=int, default=1400000091)
    parser.add_argument("--key", default="push-bench-key")
    parser.add_argument("--admin", default="administrator")
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--spawn", action="store_true", help="start a server on a fresh SQLite database")
    parser.add_argument("--port", type=int, default=18091)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--online", type=int, default=1000)
    parser.add_argument("--late", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="pushes of each kind (the daily quota is 100)")
    parser.add_argument("--profile", default=None, help="with --spawn: cProfile the server's catch-up logins [4]")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    server = None
    tmp = None
    if args.spawn:
        server, tmp = spawn(args)
        args.url = f"http://127.0.0.1:{args.port}"
        args.server_pid = server.pid
        print(f"# server pid {server.pid}, database {tmp}/confab.db", flush=True)
    elif args.url is None:
        parser.error("give --url (and --sdkappid, --key) or --spawn")
    try:
        await wait_up(args.url)
        print(
            f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}; "
            f"{args.users:,} users, {args.online:,} online, {args.late} late",
            flush=True,
        )
        async with RestClient(args.url, args.sdkappid, args.key, args.admin) as client:
            await run(args, client, f"{int(time.time()) % 100000}")
    finally:
        if server is not None:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(30)
    if tmp is not None:
        db = sqlite3.connect(f"file:{tmp}/confab.db?mode=ro", uri=True)
        pushes = db.execute("SELECT count(*) FROM pushes").fetchone()[0]
        cursors = db.execute("SELECT count(*) FROM push_cursors").fetchone()[0]
        print(f"# stored: {pushes} rows in pushes, {cursors:,} in push_cursors (one per user given or passed a push)")


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
