"""Live groups and communities with topics (issue 14's benchmark; issue 13's scenario 5).

    python bench/live.py --spawn [--port 18091] [--watchers 10000] [--community]
    python bench/live.py --url http://127.0.0.1:8080 --sdkappid N --key K --server-pid PID

`--spawn` starts `confab serve` on a fresh SQLite database with an app whose rate limits are off, as
bench/group_fanout.py does (its connection, CPU and server helpers are imported from there).

1. An AVChatRoom; `--watchers` (10,000) connections log in over /v4/ws (100 at a time), then each sends
   `apply_join`, all at once: connect+login rate, join rate (from the first apply_join sent to the
   last reply), server CPU per join.
2. `--messages` (20) REST send_group_msg to the room, one at a time, `--gap` (0.5 s) apart, from an
   account that is not watching: per delivery, the time from the start of the REST call to the frame
   read off the socket (p50/p99/max), each message's last delivery (p50/p99), lost and duplicated
   (must be 0), server CPU µs per delivery.
3. Churn: a pool of `--pool` (200) more connections, logged in, each alternating apply_join/quit, at
   `--churn` (1,000) joins and as many quits per second for `--seconds` (20), while one REST client
   calls get_online_member_num and get_members (Timestamp 0) in turn, sequentially: their p50/p99 (also
   for 3 s before the churn, for comparison), the achieved churn, and whether every online count read
   was within [watchers, watchers + pool].
4. `--community`: a Community with SupportTopic 1, `--members` (100,000) members by import_group_member
   (300 a call, over the API), `--topics` (50) topics; send_group_msg p50/p99 to a topic vs to a plain
   Public group of `--public-members` (1,000) and to the community itself (no topic), then
   group_msg_get_simple newest page (20) on each, `--calls` (500) each, one client, sequential calls.
   Skipped with a note when create_topic answers that it is not implemented.

The watchers ping every 30 s (the gateway closes connections silent for 90 s): ~333 frames/s at
10,000, running through every phase.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import resource
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

from group_fanout import (  # bench/ is on sys.path when a script here runs
    TEXT,
    Conn,
    G,
    Meter,
    Sender,
    Sink,
    close_all,
    decode,
    encode,
    import_accounts,
    keep_alive,
    login,
    make_group,
    pct,
    self_cpu,
    spawn,
    wait_deliveries,
    wait_up,
)
from httpload import build_request

from confab import usersig
from confab.client.rest import RestClient, RestError

LIVE = "group_open_avchatroom_http_svc/"
TOPIC = "million_group_open_http_svc/"


def ms(ordered: list[float], p: float) -> str:
    return f"{pct(ordered, p):.1f} ms"


def share(cpu: tuple[float, float, float] | None, me: float, wall: float) -> str:
    """Server / this client / other processes, in cores, over a phase: the machine is shared."""
    if cpu is None:
        return f"client {me / wall:.0%} of a core"
    return (
        f"server {cpu[0] / wall:.0%} of a core (loop {cpu[1] / wall:.0%}), client {me / wall:.0%}, "
        f"other processes {(cpu[2] - cpu[0] - me) / wall:.0%}"
    )


# ------------------------------------------------------------------------------------- raw REST calls
class Raw:
    """One keep-alive HTTP/1.1 connection for timed, sequential admin calls (pre-encoded requests)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.sig = usersig.generate(args.sdkappid, args.key, args.admin, 86400)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> Raw:
        parts = urlsplit(self.args.url)
        self.reader, self.writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        return self

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def request(self, api: str, body: dict[str, Any]) -> bytes:
        query = {
            "sdkappid": self.args.sdkappid,
            "identifier": self.args.admin,
            "usersig": self.sig,
            "random": random.getrandbits(32),
            "contenttype": "json",
        }
        return build_request(self.args.url, f"/v4/{api}", query, encode(body))

    async def send(self, request: bytes) -> dict[str, Any]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = next(int(x[15:]) for x in head.split(b"\r\n") if x[:15].lower() == b"content-length:")
        return decode(await self.reader.readexactly(length))

    async def call(self, api: str, body: dict[str, Any]) -> tuple[dict[str, Any], float]:
        request = self.request(api, body)
        started = time.perf_counter()
        reply = await self.send(request)
        return reply, time.perf_counter() - started


# ---------------------------------------------------------------------------- gateway op bookkeeping
class Ops:
    """Replies to apply_join / quit over many connections (the hook of group_fanout.Conn): per
    connection the op in flight (its seq, kind, start), and per kind the reply latencies and codes."""

    def __init__(self) -> None:
        self.pending: dict[Conn, tuple[int, str, float]] = {}
        self.latencies: dict[str, list[float]] = {"join": [], "quit": []}
        self.codes: dict[tuple[str, int], int] = {}
        self.last_reply = 0.0
        self.seq = 10
        self.joined: set[Conn] = set()
        self.drained = asyncio.Event()  # set whenever no op is in flight
        self.pushes = 0  # other pushes seen (the join tips of the room's first 300 watchers)

    async def settle(self, within: float) -> None:
        if self.pending:
            self.drained.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.drained.wait(), within)

    def attach(self, conns: list[Conn]) -> None:
        for conn in conns:
            conn.on_other = self.on_frame

    def send(self, conn: Conn, kind: str, group_id: str) -> None:
        self.seq += 1
        op = "apply_join" if kind == "join" else "quit"
        frame = encode({"seq": self.seq, "op": op, "data": {"GroupId": group_id}})
        self.pending[conn] = (self.seq, kind, time.perf_counter())
        conn.send_text(frame)

    def on_frame(self, conn: Conn, payload: bytes) -> None:
        if b'"push"' in payload[:12]:
            self.pushes += 1
            return  # a tip (join/quit tips go out while the room has < 300 watchers) or another push
        frame = decode(payload)
        waiting = self.pending.get(conn)
        if waiting is None or frame.get("seq") != waiting[0]:
            return
        del self.pending[conn]
        if not self.pending:
            self.drained.set()
        _seq, kind, started = waiting
        now = time.perf_counter()
        self.last_reply = now
        code = frame.get("code", -1)
        self.codes[(kind, code)] = self.codes.get((kind, code), 0) + 1
        if code == 0:
            self.latencies[kind].append(now - started)
            if kind == "join":
                self.joined.add(conn)
            else:
                self.joined.discard(conn)

    def reset(self) -> None:
        self.latencies = {"join": [], "quit": []}
        self.codes = {}


async def connect_many(args: argparse.Namespace, users: list[str], sink: Sink, batch: int = 100) -> list[Conn]:
    out: list[Conn] = []
    for start in range(0, len(users), batch):
        chunk = users[start : start + batch]
        out.extend(await asyncio.gather(*(login(args.url, args.sdkappid, args.key, u, sink) for u in chunk)))
    return out


# ------------------------------------------------------------------------------------------ live group
async def live_scenarios(args: argparse.Namespace, client: RestClient, run: str) -> None:
    watchers = [f"lw_{run}_{i}" for i in range(args.watchers)]
    pool_users = [f"lp_{run}_{i}" for i in range(args.pool)]
    speaker = f"ls_{run}"
    t = time.perf_counter()
    await import_accounts(client, [*watchers, *pool_users, speaker])
    gid = await make_group(client, "AVChatRoom", "live bench", [])
    print(f"# {len(watchers) + len(pool_users) + 1:,} accounts and an AVChatRoom in {time.perf_counter() - t:.1f} s")

    # -- 1. connect, log in, join ----------------------------------------------------------------------
    sink = Sink(args.messages + 10)
    meter, me0, t0 = Meter(args.server_pid), self_cpu(), time.perf_counter()
    conns = await connect_many(args, watchers, sink)
    wall = time.perf_counter() - t0
    cpu = meter.used()
    pinger = asyncio.ensure_future(keep_alive(conns, every=30))
    per = f"{cpu[0] / len(conns) * 1e6:,.0f} µs server CPU each; " if cpu else ""
    print(
        f"[1] {len(conns):,} connected and logged in in {wall:.1f} s: {len(conns) / wall:,.0f}/s (100 at a time); "
        f"{per}{share(cpu, self_cpu() - me0, wall)}",
        flush=True,
    )
    ops = Ops()
    ops.attach(conns)
    meter, me0, t0 = Meter(args.server_pid), self_cpu(), time.perf_counter()
    for i, conn in enumerate(conns):
        ops.send(conn, "join", gid)
        if i % 500 == 499:
            await asyncio.sleep(0)  # let the writes go out
    first_sent = t0
    await ops.settle(120)
    wall = ops.last_reply - first_sent
    cpu, me = meter.used(), self_cpu() - me0
    joins = sorted(ops.latencies["join"])
    await asyncio.sleep(1)  # the join tips are fanned out behind the replies
    each = (cpu[0] / max(len(joins), 1) * 1e6, cpu[1] / max(len(joins), 1) * 1e6) if cpu else (0.0, 0.0)
    print(
        f"[1] {len(joins):,} apply_join answered in {wall:.2f} s: {len(joins) / wall:,.0f} joins/s; "
        f"reply p50 {ms(joins, 0.5)} p99 {ms(joins, 0.99)}; codes {ops.codes}; unanswered {len(ops.pending)}; "
        f"{ops.pushes:,} join tips received (0 + 1 + ... + 299 = 44,850 when all arrive)\n"
        f"    server CPU {each[0]:,.0f} µs per join (loop {each[1]:,.0f}); "
        f"{share(cpu, me, wall)}"
        if cpu
        else f"[1] {len(joins):,} joins in {wall:.2f} s",
        flush=True,
    )
    raw = await Raw(args).open()
    reply, _ = await raw.call(G + "get_online_member_num", {"GroupId": gid})
    print(f"[1] get_online_member_num after the joins: {reply.get('OnlineMemberNum')} (want {len(conns):,})")
    await asyncio.sleep(1)

    # -- 2. one message at a time to every watcher -----------------------------------------------------
    sender = Sender(args, sink)
    sink.latencies, sink.deliveries = [], 0
    calls: list[float] = []
    errors: dict[int, int] = {}
    accepted: list[int] = []
    meter, me0, t0 = Meter(args.server_pid), self_cpu(), time.perf_counter()
    for n in range(args.messages):
        request = sender.request(n, gid, speaker)
        started = sink.sent_at[n] = time.perf_counter()
        reply = await raw.send(request)
        calls.append(time.perf_counter() - started)
        if reply.get("ErrorCode") == 0 and not reply.get("MsgDropReason"):
            accepted.append(n)
        else:
            errors[reply.get("ErrorCode", -1)] = errors.get(reply.get("ErrorCode", -1), 0) + 1
        await asyncio.sleep(max(0.0, started + args.gap - time.perf_counter()))
    await wait_deliveries(sink, len(accepted) * len(conns))
    wall = time.perf_counter() - t0
    cpu = meter.used()
    lost = sum(1 for n in accepted for c in conns if c.got[n] == 0)
    dup = sum(c.got[n] - 1 for n in accepted for c in conns if c.got[n] > 1)
    lat = sorted(sink.latencies)
    last = sorted(sink.last[n] for n in accepted)
    calls.sort()
    delivered = len(lat)
    per_delivery = (
        f"{cpu[0] / delivered * 1e6:.1f} µs (loop {cpu[1] / delivered * 1e6:.1f})" if cpu and delivered else "?"
    )
    print(
        f"[2] {len(accepted)}/{args.messages} messages accepted (errors {errors}), {delivered:,} deliveries of "
        f"{len(accepted) * len(conns):,}; lost {lost}, duplicated {dup}\n"
        f"    delivery p50 {ms(lat, 0.5)} p99 {ms(lat, 0.99)} max {lat[-1] * 1000 if lat else float('nan'):.1f} ms; "
        f"a message's last delivery p50 {ms(last, 0.5)} p99 {ms(last, 0.99)}; "
        f"send_group_msg call p50 {ms(calls, 0.5)} p99 {ms(calls, 0.99)}\n"
        f"    server CPU {per_delivery} per delivery; {share(cpu, self_cpu() - me0, wall)}",
        flush=True,
    )
    if sink.closed:
        print(f"[2] {len(sink.closed)} connections closed by the server: {sink.closed[:3]}")

    # -- 3. churn while the online count and list are read ---------------------------------------------
    pool = await connect_many(args, pool_users, sink)
    raw.close()
    raw = await Raw(args).open()  # the server closes keep-alive connections idle for 5 s
    ops.attach(pool)
    ops.reset()
    pool_pinger = asyncio.ensure_future(keep_alive(pool, every=30))
    low, high = len(conns), len(conns) + len(pool)

    async def reader(stop: asyncio.Event, out: dict[str, Any]) -> None:
        count_req = raw.request(G + "get_online_member_num", {"GroupId": gid})
        list_req = raw.request(LIVE + "get_members", {"GroupId": gid, "Timestamp": 0})
        while not stop.is_set():
            started = time.perf_counter()
            reply = await raw.send(count_req)
            out["count"].append(time.perf_counter() - started)
            num = reply.get("OnlineMemberNum", -1)
            out["counts"].append(num)
            if not low <= num <= high:
                out["outside"] += 1
            started = time.perf_counter()
            reply = await raw.send(list_req)
            out["list"].append(time.perf_counter() - started)
            out["listed"].append(len(reply.get("MemberList") or []))

    def fresh() -> dict[str, Any]:
        return {"count": [], "counts": [], "list": [], "listed": [], "outside": 0}

    async def read_for(seconds: float) -> dict[str, Any]:
        out, stop = fresh(), asyncio.Event()
        task = asyncio.ensure_future(reader(stop, out))
        await asyncio.sleep(seconds)
        stop.set()
        await task
        return out

    def reads_line(label: str, out: dict[str, Any]) -> str:
        count, listing = sorted(out["count"]), sorted(out["list"])
        counts = out["counts"]
        return (
            f"{label}: get_online_member_num p50 {ms(count, 0.5)} p99 {ms(count, 0.99)} (n={len(count)}), "
            f"get_members p50 {ms(listing, 0.5)} p99 {ms(listing, 0.99)} (n={len(listing)}, "
            f"{min(out['listed'], default=0)}-{max(out['listed'], default=0)} listed); "
            f"counts {min(counts, default=-1):,}-{max(counts, default=-1):,}, "
            f"{out['outside']} outside [{low:,}, {high:,}]"
        )

    print("[3] " + reads_line("no churn, 3 s", await read_for(3)), flush=True)

    async def churn(stop: asyncio.Event, out: dict[str, int]) -> None:
        """Open loop: every 10 ms, the ops due by now, round-robin over the pool, each connection
        alternating (a connection with an op in flight is passed over; counted as `busy`)."""
        per_second = 2 * args.churn
        started = time.perf_counter()
        issued = 0
        index = 0
        while not stop.is_set():
            due = int((time.perf_counter() - started) * per_second)
            while issued < due:
                for _ in range(len(pool)):
                    conn = pool[index % len(pool)]
                    index += 1
                    if conn not in ops.pending:
                        break
                else:
                    out["busy"] += 1
                    issued += 1
                    continue
                ops.send(conn, "quit" if conn in ops.joined else "join", gid)
                issued += 1
            await asyncio.sleep(0.01)

    stop, churned = asyncio.Event(), {"busy": 0}
    meter, me0, t0 = Meter(args.server_pid), self_cpu(), time.perf_counter()
    churn_task = asyncio.ensure_future(churn(stop, churned))
    reads = await read_for(args.seconds)
    stop.set()
    await churn_task
    wall = time.perf_counter() - t0
    cpu = meter.used()
    await ops.settle(5)
    joins, quits = sorted(ops.latencies["join"]), sorted(ops.latencies["quit"])
    print(
        f"[3] churn: {len(joins) / wall:,.0f} joins/s and {len(quits) / wall:,.0f} quits/s achieved "
        f"(asked {args.churn:,} each, pool {len(pool)}; passed over busy {churned['busy']}); "
        f"reply p50/p99 join {ms(joins, 0.5)}/{ms(joins, 0.99)}, quit {ms(quits, 0.5)}/{ms(quits, 0.99)}; "
        f"codes {ops.codes}\n"
        f"    {share(cpu, self_cpu() - me0, wall)}",
        flush=True,
    )
    print("[3] " + reads_line(f"during churn, {args.seconds:g} s", reads), flush=True)
    raw.close()
    raw = await Raw(args).open()
    reply, _ = await raw.call(G + "get_online_member_num", {"GroupId": gid})
    in_room = sum(1 for conn in pool if conn in ops.joined)
    print(
        f"[3] after: online {reply.get('OnlineMemberNum')}, pool connections in the room {in_room} "
        f"(want {len(conns) + in_room:,})"
    )
    if sink.closed:
        print(f"[3] {len(sink.closed)} connections closed by the server: {sink.closed[:3]}")
    raw.close()
    pinger.cancel()
    pool_pinger.cancel()
    close_all(conns)
    close_all(pool)
    await asyncio.sleep(1)


# ------------------------------------------------------------------------------- community with topics
async def community_scenario(args: argparse.Namespace, client: RestClient, run: str) -> None:
    users = [f"lc_{run}_{i}" for i in range(args.members)]
    t = time.perf_counter()
    gid = str(
        (await client.ok(G + "create_group", {"Type": "Community", "Name": "topics bench", "SupportTopic": 1}))[
            "GroupId"
        ]
    )
    try:
        first = await client.ok(TOPIC + "create_topic", {"GroupId": gid, "TopicName": "topic 0"})
    except RestError as exc:
        info = str(exc)
        if "not implemented" in info.lower() or "10003" in info:
            print(f"[4] skipped: create_topic answers {info}")
            return
        raise
    topic_ids = [str(first["TopicId"])]
    for i in range(1, args.topics):
        topic_ids.append(
            str((await client.ok(TOPIC + "create_topic", {"GroupId": gid, "TopicName": f"topic {i}"}))["TopicId"])
        )
    await import_accounts(client, users)
    print(f"[4] {len(users):,} accounts, a Community and {len(topic_ids)} topics in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    for start in range(0, len(users), 300):
        chunk = [{"Member_Account": u} for u in users[start : start + 300]]
        await client.ok(G + "import_group_member", {"GroupId": gid, "MemberList": chunk})
    print(
        f"[4] community filled to {len(users):,} by import_group_member (300 a call) in {time.perf_counter() - t:.1f} s"
    )
    public = await make_group(client, "Public", "plain", users[: args.public_members])
    raw = await Raw(args).open()
    targets = [
        (f"topic of the {len(users):,}-member community", gid, topic_ids),
        (f"plain Public group of {args.public_members:,}", public, [None]),
        (f"{len(users):,}-member community itself (no topic)", gid, [None]),
    ]
    number = 10_000
    sent_to: dict[tuple[str, str | None], set[int]] = {}  # conversation -> the Randoms sent to it

    def send_request(group_id: str, topic: str | None, n: int) -> bytes:
        body = {"GroupId": group_id, "From_Account": users[n % 1000], "Random": n, "MsgBody": TEXT}
        if topic is not None:
            body["TopicId"] = topic
        sent_to.setdefault((group_id, topic), set()).add(n)
        return raw.request(G + "send_group_msg", body)

    # every conversation gets 20 messages first, so that every newest page is full
    for _label, group_id, topics in targets:
        for topic in topics:
            for _ in range(20):
                number += 1
                reply = await raw.send(send_request(group_id, topic, number))
                if reply.get("ErrorCode") != 0:
                    raise RuntimeError(f"send_group_msg failed: {reply}")
    for label, group_id, topics in targets:
        timings: list[float] = []
        for i in range(args.calls):
            number += 1
            request = send_request(group_id, topics[i % len(topics)], number)
            started = time.perf_counter()
            reply = await raw.send(request)
            timings.append(time.perf_counter() - started)
            if reply.get("ErrorCode") != 0:
                raise RuntimeError(f"send_group_msg failed: {reply}")
        timings.sort()
        print(f"[4] send_group_msg to a {label}: p50 {ms(timings, 0.5)} p99 {ms(timings, 0.99)} n={len(timings)}")
    for label, group_id, topics in targets:
        timings = []
        for i in range(args.calls + 20):
            body: dict[str, Any] = {"GroupId": group_id, "ReqMsgNumber": 20}
            if topics[i % len(topics)] is not None:
                body["TopicId"] = topics[i % len(topics)]
            reply, took = await raw.call(G + "group_msg_get_simple", body)
            page = reply.get("RspMsgList") or []
            if reply.get("ErrorCode") != 0 or len(page) != 20:
                raise RuntimeError(f"group_msg_get_simple: {str(reply)[:300]}")
            if not {m["MsgRandom"] for m in page} <= sent_to[(group_id, topics[i % len(topics)])]:
                raise RuntimeError(f"group_msg_get_simple answered another conversation's messages: {page[0]}")
            if i >= 20:
                timings.append(took)
        timings.sort()
        print(
            f"[4] group_msg_get_simple newest 20, {label}: p50 {ms(timings, 0.5)} p99 {ms(timings, 0.99)} "
            f"n={len(timings)}",
            flush=True,
        )
    raw.close()


# ------------------------------------------------------------------------------------------------ main
async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None)
    parser.add_argument("--sdkappid", type=int, default=1400000091)
    parser.add_argument("--key", default="live-bench-key")
    parser.add_argument("--admin", default="administrator")
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--spawn", action="store_true", help="start a server on a fresh SQLite database")
    parser.add_argument("--port", type=int, default=18091)
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between the messages of phase 2")
    parser.add_argument("--pool", type=int, default=200, help="extra connections that join and quit")
    parser.add_argument("--churn", type=int, default=1000, help="joins per second (and as many quits)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--no-live", action="store_true", help="skip phases 1-3")
    parser.add_argument("--community", action="store_true", help="run phase 4 (communities with topics)")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--public-members", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    args.profile = None  # group_fanout.spawn reads it
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    server = None
    if args.spawn:
        server, tmp = spawn(args)
        args.url = f"http://127.0.0.1:{args.port}"
        args.server_pid = server.pid
        print(f"# server pid {server.pid}, database {tmp}/confab.db", flush=True)
    elif args.url is None:
        parser.error("give --url (and --sdkappid, --key) or --spawn")
    try:
        await wait_up(args.url)
        load = [f"{x:.2f}" for x in os.getloadavg()]
        print(
            f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; load average {' '.join(load)}",
            flush=True,
        )
        run = f"{int(time.time()) % 100000}"
        async with RestClient(args.url, args.sdkappid, args.key, args.admin) as client:
            if not args.no_live:
                await live_scenarios(args, client, run)
            if args.community:
                await community_scenario(args, client, run)
    finally:
        if server is not None:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(30)


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
