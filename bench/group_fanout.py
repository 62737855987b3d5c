"""Group fan-out (issue 13): REST send_group_msg to a group whose members are connected over /v4/ws.

    python bench/group_fanout.py --spawn [--port 18090] [--profile /tmp/fanout.prof]
    python bench/group_fanout.py --url http://127.0.0.1:8080 --sdkappid N --key K --server-pid PID

`--spawn` creates a temporary SQLite database under /tmp, an app with `rate_limits={"*": 0}` and
`group_msgs_per_second=0` (no per-group cap), and starts `confab serve` on `--port`; `--profile FILE`
runs that server under cProfile (the stats are written when it stops; CPU figures are then inflated).
Against a running server, the app's rate limits and group message rate must be off, and
`--server-pid` gives the server's CPU per delivery.

Scenarios (`--scenarios 1,3` by default; 2 is optional):
1. A Public group of `--members` (6,000) members filled by import_group_member (300 a call), of whom
   `--connected` (1,000) are logged in over /v4/ws; a member who is not connected sends
   send_group_msg over REST at each of `--rates` messages/s for `--seconds` (20 s) per step.
   Per step: deliveries/s, end-to-end latency per delivery (start of the REST call -> the frame read
   off the socket; the message number rides in CloudCustomData) p50/p99/max, each message's last
   delivery p50/p99, the REST call's own latency, server CPU µs per delivery (/proc/PID/stat, all
   threads and the event loop's thread alone), lost and duplicated deliveries, and the share of a
   core taken by the client and by other processes (/proc/stat): the machine is shared.
   The highest step with p99 < 50 ms and nothing lost is the sustained rate.
2. `--groups2` (100) groups of `--size2` (200) members, each member in `--per-user2` (10) of them, so
   100 * 200 / 10 = 2,000 connections; `--rate2` (200) messages/s spread round-robin over the groups.
3. send_group_msg timed by one client, nobody connected, into groups of 10, 6,000 (Public) and
   100,000 (Community) members: p50/p99 must be within 2x of each other.

Scenario 5 (10,000 idle members of an AVChatRoom: one message reaching all) is bench/live.py's phase 2.

The receiving side is one process: raw WebSocket framing on asyncio Protocols (no per-frame library
work, no JSON decoding of pushes; a `ping` op from each connection every 10 s, as the gateway closes
connections silent for 30 s), ~15 µs of client CPU per delivery, printed per step.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import platform
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec
from httpload import build_request  # bench/ is on sys.path when a script here runs

from confab import usersig
from confab.client.rest import RestClient

G = "group_open_http_svc/"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "group fan-out benchmark"}}]
MARK = b'"CloudCustomData":"fb'
TICKS = os.sysconf("SC_CLK_TCK")
encode = msgspec.json.encode
decode = msgspec.json.decode


# ---------------------------------------------------------------------------------------------- CPU
def proc_cpu(pid: int) -> float:
    """Seconds of CPU (user + system, all threads) the process has used."""
    return proc_cpu_path(f"/proc/{pid}/stat")


def loop_cpu(pid: int) -> float:
    """Seconds of CPU of the process's main thread (the event loop); the rest is the commit thread etc."""
    return proc_cpu_path(f"/proc/{pid}/task/{pid}/stat")


def proc_cpu_path(path: str) -> float:
    with open(path) as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> float:
    """Seconds of CPU the whole machine has spent not idle (all cores), from /proc/stat."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / TICKS  # minus idle and iowait


class Meter:
    """The server's CPU (all threads, and the event loop's thread alone) from now to `used()`, and the
    whole machine's, so that what other processes took shows."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.start = (proc_cpu(pid), loop_cpu(pid)) if pid else (0.0, 0.0)
        self.machine = machine_busy()

    def used(self) -> tuple[float, float, float] | None:
        if not self.pid:
            return None
        return (
            proc_cpu(self.pid) - self.start[0],
            loop_cpu(self.pid) - self.start[1],
            machine_busy() - self.machine,
        )


def self_cpu() -> float:
    t = os.times()
    return t.user + t.system


def pct(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")


# ------------------------------------------------------------------------------- raw WebSocket client
def masked(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask): FIN + opcode, length, mask key, masked payload."""
    key = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
    mask = (key * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(n, "big") if n else b""
    return head + key + body


class Sink:
    """Where every connection records its group.msg deliveries: per connection a bytearray of counts
    (duplicates show as 2), and one latency per delivery (arrival minus the REST call's start)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.sent_at = [0.0] * capacity
        self.last = [0.0] * capacity  # per message: its latest delivery's latency
        self.latencies: list[float] = []
        self.deliveries = 0
        self.closed: list[bytes] = []


class Conn(asyncio.Protocol):
    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.got = bytearray(sink.capacity)
        self.buf = b""
        self.upgraded = False
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.collect = True  # frames other than group messages go to inbox (during login)
        self.on_other: Callable[[Conn, bytes], None] | None = None  # after login: other text frames (replies)
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed during the handshake"))

    def send_text(self, text: bytes) -> None:
        assert self.transport is not None
        self.transport.write(masked(1, text))

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(ConnectionError(buf[:200].decode(errors="replace")))
                return
            self.upgraded = True
            self.ready.set_result(None)
            buf = buf[end + 4 :]
        now = time.perf_counter()
        pos, n = 0, len(buf)
        sink = self.sink
        while n - pos >= 2:
            b1 = buf[pos + 1] & 0x7F
            if b1 < 126:
                start, length = pos + 2, b1
            elif b1 == 126:
                if n - pos < 4:
                    break
                start, length = pos + 4, int.from_bytes(buf[pos + 2 : pos + 4], "big")
            else:
                if n - pos < 10:
                    break
                start, length = pos + 10, int.from_bytes(buf[pos + 2 : pos + 10], "big")
            end = start + length
            if end > n:
                break
            opcode = buf[pos] & 0x0F
            if opcode == 1:
                at = buf.find(MARK, start, end)
                if at >= 0:
                    at += len(MARK)
                    number = int(buf[at : buf.index(b'"', at)])
                    self.got[number] += 1
                    latency = now - sink.sent_at[number]
                    sink.latencies.append(latency)
                    if latency > sink.last[number]:
                        sink.last[number] = latency
                    sink.deliveries += 1
                elif self.collect:
                    self.inbox.put_nowait(buf[start:end])
                elif self.on_other is not None:
                    self.on_other(self, buf[start:end])
            elif opcode == 9 and self.transport is not None:  # ping -> pong
                self.transport.write(masked(10, buf[start:end]))
            elif opcode == 8:
                sink.closed.append(buf[start:end])
            pos = end
        self.buf = buf[pos:] if pos < n else b""


async def login(url: str, sdkappid: int, key: str, user: str, sink: Sink) -> Conn:
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    _transport, conn = await loop.create_connection(lambda: Conn(sink), parts.hostname or "127.0.0.1", parts.port or 80)
    assert conn.transport is not None
    conn.transport.write(
        (
            f"GET /v4/ws HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await conn.ready
    sig = usersig.generate(sdkappid, key, user, 86400)
    data = {"SDKAppID": sdkappid, "Identifier": user, "UserSig": sig, "Platform": "Web"}
    conn.send_text(encode({"seq": 1, "op": "login", "data": data}))
    while True:  # the reply to seq 1, then {"Synced": n}
        frame = decode(await asyncio.wait_for(conn.inbox.get(), 30))
        if frame.get("seq") == 1:
            if frame.get("code") != 0:
                raise RuntimeError(f"login failed for {user}: {frame}")
            break
    while "Synced" not in (decode(await asyncio.wait_for(conn.inbox.get(), 30)).get("data") or {}):
        pass
    conn.collect = False
    return conn


async def keep_alive(conns: list[Conn], every: float = 10.0) -> None:
    """The gateway closes a connection that sends nothing for 30 s: a ping op from each, spread out."""
    frame = masked(1, b'{"seq":2,"op":"ping","data":{}}')
    while True:
        for i in range(0, len(conns), 100):
            for conn in conns[i : i + 100]:
                if conn.transport is not None and not conn.transport.is_closing():
                    conn.transport.write(frame)
            await asyncio.sleep(every * 100 / max(len(conns), 1))


async def connect_all(args: argparse.Namespace, users: list[str], sink: Sink, batch: int = 100) -> list[Conn]:
    out: list[Conn] = []
    for start in range(0, len(users), batch):
        out.extend(
            await asyncio.gather(
                *(login(args.url, args.sdkappid, args.key, u, sink) for u in users[start : start + batch])
            )
        )
    return out


def close_all(conns: list[Conn]) -> None:
    for conn in conns:
        if conn.transport is not None and not conn.transport.is_closing():
            conn.transport.write(masked(8, (1000).to_bytes(2, "big")))
            conn.transport.close()


# ------------------------------------------------------------------------------------- REST helpers
async def import_accounts(client: RestClient, users: list[str]) -> None:
    async def part(chunk: list[str]) -> None:
        await client.ok("im_open_login_svc/multiaccount_import", {"Accounts": chunk})

    chunks = [users[i : i + 100] for i in range(0, len(users), 100)]
    for start in range(0, len(chunks), 16):
        await asyncio.gather(*(part(c) for c in chunks[start : start + 16]))


async def make_group(client: RestClient, gtype: str, name: str, members: list[str]) -> str:
    gid = str((await client.ok(G + "create_group", {"Type": gtype, "Name": name}))["GroupId"])
    for start in range(0, len(members), 300):
        chunk = [{"Member_Account": u} for u in members[start : start + 300]]
        await client.ok(G + "import_group_member", {"GroupId": gid, "MemberList": chunk})
    return gid


class Sender:
    """REST send_group_msg over keep-alive connections at a steady rate; message n is due at
    start + n / rate and carries "fb<n>" in CloudCustomData and a unique Random."""

    def __init__(self, args: argparse.Namespace, sink: Sink, connections: int = 16) -> None:
        self.args = args
        self.sink = sink
        self.connections = connections
        self.sig = usersig.generate(args.sdkappid, args.key, args.admin, 86400)
        self.errors: dict[int, int] = {}
        self.dropped = 0
        self.call_latencies: list[float] = []
        self.accepted: list[int] = []  # message numbers stored and fanned out

    def request(self, n: int, group_id: str, sender: str) -> bytes:
        body = encode(
            {
                "GroupId": group_id,
                "From_Account": sender,
                "Random": 1_000_000 + n,
                "MsgBody": TEXT,
                "CloudCustomData": f"fb{n}",
            }
        )
        query = {
            "sdkappid": self.args.sdkappid,
            "identifier": self.args.admin,
            "usersig": self.sig,
            "random": random.getrandbits(32),
            "contenttype": "json",
        }
        return build_request(self.args.url, f"/v4/{G}send_group_msg", query, body)

    async def run(self, numbers: range, rate: float, target: Callable[[int], tuple[str, str]]) -> float:
        parts = urlsplit(self.args.url)
        queue: asyncio.Queue[int] = asyncio.Queue()

        async def worker() -> None:
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
            try:
                while True:
                    n = await queue.get()
                    request = self.request(n, *target(n))
                    started = self.sink.sent_at[n] = time.perf_counter()
                    writer.write(request)
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line[:15].lower() == b"content-length:":
                            length = int(line[15:])
                    reply = decode(await reader.readexactly(length))
                    self.call_latencies.append(time.perf_counter() - started)
                    code = reply.get("ErrorCode", -1)
                    if code != 0:
                        self.errors[code] = self.errors.get(code, 0) + 1
                    elif reply.get("MsgDropReason"):
                        self.dropped += 1
                    else:
                        self.accepted.append(n)
                    queue.task_done()
            finally:
                writer.close()

        workers = [asyncio.ensure_future(worker()) for _ in range(self.connections)]
        started = time.perf_counter()
        for i, n in enumerate(numbers):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait(n)
        await queue.join()
        offered = time.perf_counter() - started
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        return offered


async def wait_deliveries(sink: Sink, expected: int, within: float = 10.0) -> None:
    for _ in range(int(within / 0.05)):
        if sink.deliveries >= expected:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # let late duplicates show


def step_report(
    label: str,
    sink: Sink,
    sender: Sender,
    receivers: list[Conn],
    expect_for: Callable[[int], list[Conn]],
    numbers: range,
    offered: float,
    server_cpu: tuple[float, float, float] | None,
    client_cpu: float,
    wall: float,
) -> dict[str, Any]:
    accepted = [n for n in sender.accepted if numbers.start <= n < numbers.stop]
    expected = lost = dup = 0
    for n in accepted:
        for conn in expect_for(n):
            count = conn.got[n]
            expected += 1
            if count == 0:
                lost += 1
            elif count > 1:
                dup += count - 1
    stray = sum(c.got[n] for c in receivers for n in numbers) - (expected - lost) - dup
    lat = sorted(sink.latencies)
    calls = sorted(sender.call_latencies)
    last = sorted(sink.last[n] for n in accepted)
    delivered = len(lat)
    row = {
        "label": label,
        "sent": len(numbers),
        "accepted": len(accepted),
        "delivered": delivered,
        "per_s": delivered / offered,
        "p50": pct(lat, 0.5),
        "p99": pct(lat, 0.99),
        "max": lat[-1] * 1000 if lat else float("nan"),
        "lost": lost,
        "dup": dup,
        "stray": stray,
        "errors": dict(sender.errors),
        "dropped": sender.dropped,
        "last_p50": pct(last, 0.5),
        "last_p99": pct(last, 0.99),
        "call_p50": pct(calls, 0.5),
        "call_p99": pct(calls, 0.99),
        "server_us": server_cpu[0] / delivered * 1e6 if server_cpu is not None and delivered else float("nan"),
        "loop_us": server_cpu[1] / delivered * 1e6 if server_cpu is not None and delivered else float("nan"),
        "server_share": server_cpu[0] / wall if server_cpu is not None else float("nan"),
        "client_share": client_cpu / wall,
        "other_share": (server_cpu[2] - server_cpu[0] - client_cpu) / wall if server_cpu else float("nan"),
    }
    print(
        f"{label}: {row['accepted']:,}/{row['sent']:,} sends stored, errors {row['errors']}, dropped {row['dropped']}; "
        f"delivered {delivered:,} ({row['per_s']:,.0f}/s); lost {lost}, duplicated {dup}, stray {stray}\n"
        f"    delivery latency p50 {row['p50']:.1f} ms  p99 {row['p99']:.1f} ms  max {row['max']:.1f} ms; "
        f"a message's last delivery p50 {row['last_p50']:.1f} ms p99 {row['last_p99']:.1f} ms; "
        f"send_group_msg call p50 {row['call_p50']:.1f} ms p99 {row['call_p99']:.1f} ms\n"
        f"    server CPU {row['server_us']:.1f} µs per delivery (event loop {row['loop_us']:.1f}; "
        f"{row['server_share']:.0%} of one core); "
        f"client CPU {row['client_share']:.0%} of one core; other processes {row['other_share']:.0%}",
        flush=True,
    )
    return row


def reset(sink: Sink, sender: Sender) -> None:
    sink.latencies = []
    sink.deliveries = 0
    sender.errors = {}
    sender.dropped = 0
    sender.call_latencies = []
    sender.accepted = []


# ------------------------------------------------------------------------------------------ scenarios
async def scenario1(args: argparse.Namespace, client: RestClient, run: str) -> None:
    users = [f"f1_{run}_{i}" for i in range(args.members)]
    t = time.perf_counter()
    await import_accounts(client, users)
    gid = await make_group(client, "Public", "fan-out", users)
    print(f"[1] {args.members:,} accounts and a Public group of them in {time.perf_counter() - t:.1f} s", flush=True)
    rates = [float(r) for r in args.rates.split(",")]
    capacity = 200 + sum(int(r * args.seconds) for r in rates)
    sink = Sink(capacity)
    t = time.perf_counter()
    conns = await connect_all(args, users[: args.connected], sink)
    pinger = asyncio.ensure_future(keep_alive(conns))
    print(f"[1] {len(conns):,} members connected in {time.perf_counter() - t:.1f} s", flush=True)
    speaker = users[-1]  # a member who is not connected
    sender = Sender(args, sink)
    target = (gid, speaker)

    def expect(_n: int) -> list[Conn]:
        return conns

    # warm-up (not reported): 100 messages at 20/s
    await sender.run(range(0, 100), 20, lambda n: target)
    await wait_deliveries(sink, len(sender.accepted) * len(conns))
    if sink.closed:
        print(f"[1] connections closed during warm-up: {sink.closed[:3]}")
    next_n = 200
    rows = []
    for rate in rates:
        reset(sink, sender)
        numbers = range(next_n, next_n + int(rate * args.seconds))
        next_n = numbers.stop
        if args.profile:
            os.kill(args.server_pid, signal.SIGUSR1)
        cpu0 = Meter(args.server_pid)
        me0, wall0 = self_cpu(), time.perf_counter()
        offered = await sender.run(numbers, rate, lambda n: target)
        await wait_deliveries(sink, len(sender.accepted) * len(conns))
        if args.profile:
            os.kill(args.server_pid, signal.SIGUSR2)
        wall = time.perf_counter() - wall0
        server_cpu = cpu0.used()
        label = f"[1] {rate:g} msg/s x {len(conns):,} receivers"
        rows.append(
            step_report(label, sink, sender, conns, expect, numbers, offered, server_cpu, self_cpu() - me0, wall)
        )
        if sink.closed:
            print(f"    {len(sink.closed)} connections closed by the server: {sink.closed[:3]}")
            break
        await asyncio.sleep(2)
    good = [r for r in rows if r["p99"] < 50 and r["lost"] == 0 and r["dup"] == 0]
    if good:
        best = max(good, key=lambda r: r["per_s"])
        print(f"[1] highest step sustained with p99 < 50 ms and none lost: {best['label']} = {best['per_s']:,.0f}/s")
    else:
        print("[1] no step sustained p99 < 50 ms with none lost")
    pinger.cancel()
    close_all(conns)
    await asyncio.sleep(1)


async def scenario2(args: argparse.Namespace, client: RestClient, run: str) -> None:
    n_users = args.groups2 * args.size2 // args.per_user2
    users = [f"f2_{run}_{i}" for i in range(n_users)]
    t = time.perf_counter()
    await import_accounts(client, users)
    # group g holds users (g * size2 / per_user2 + k) mod n_users: each user in per_user2 groups
    stride = n_users // args.groups2
    members_of: list[list[int]] = []
    gids: list[str] = []
    for g in range(args.groups2):
        idx = [(g * stride + k) % n_users for k in range(args.size2)]
        members_of.append(idx)
        gids.append(await make_group(client, "Public", f"fan-out {g}", [users[i] for i in idx]))
    print(
        f"[2] {n_users:,} accounts, {args.groups2} groups of {args.size2} in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    total = int(args.rate2 * args.seconds)
    sink = Sink(200 + total)
    conns = await connect_all(args, users, sink)
    pinger = asyncio.ensure_future(keep_alive(conns))
    print(f"[2] {len(conns):,} users connected", flush=True)
    sender = Sender(args, sink)
    speakers = [users[idx[0]] for idx in members_of]

    def target(n: int) -> tuple[str, str]:
        return gids[n % args.groups2], speakers[n % args.groups2]

    def expect(n: int) -> list[Conn]:
        return [conns[i] for i in members_of[n % args.groups2]]

    await sender.run(range(0, 100), 50, target)
    await wait_deliveries(sink, len(sender.accepted) * args.size2)
    reset(sink, sender)
    numbers = range(200, 200 + total)
    cpu0 = Meter(args.server_pid)
    me0, wall0 = self_cpu(), time.perf_counter()
    offered = await sender.run(numbers, args.rate2, target)
    await wait_deliveries(sink, len(sender.accepted) * args.size2)
    wall = time.perf_counter() - wall0
    server_cpu = cpu0.used()
    label = f"[2] {args.rate2:g} msg/s over {args.groups2} groups of {args.size2}"
    step_report(label, sink, sender, conns, expect, numbers, offered, server_cpu, self_cpu() - me0, wall)
    pinger.cancel()
    close_all(conns)
    await asyncio.sleep(1)


async def scenario3(args: argparse.Namespace, client: RestClient, run: str) -> None:
    sizes = [("Public", 10), ("Public", 6000), ("Community", args.big)]
    users = [f"f3_{run}_{i}" for i in range(max(s for _, s in sizes))]
    t = time.perf_counter()
    await import_accounts(client, users)
    print(f"[3] {len(users):,} accounts in {time.perf_counter() - t:.1f} s", flush=True)
    sink = Sink(1)
    for gtype, size in sizes:
        t = time.perf_counter()
        gid = await make_group(client, gtype, f"size {size}", users[:size])
        fill = time.perf_counter() - t
        sender = Sender(args, sink, connections=1)
        parts = urlsplit(args.url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        timings: list[float] = []
        for n in range(args.calls3 + 20):
            request = sender.request(n, gid, users[n % size])
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(x[15:]) for x in head.split(b"\r\n") if x[:15].lower() == b"content-length:")
            reply = decode(await reader.readexactly(length))
            if reply["ErrorCode"] != 0 or not reply.get("MsgSeq"):
                raise RuntimeError(f"send_group_msg failed: {reply}")
            if n >= 20:  # the first 20 warm up
                timings.append(time.perf_counter() - started)
        writer.close()
        timings.sort()
        print(
            f"[3] send_group_msg, {gtype} of {size:,} members (filled in {fill:.1f} s), nobody connected: "
            f"p50 {statistics.median(timings) * 1000:.2f} ms  p99 {pct(timings, 0.99):.2f} ms  n={len(timings)}",
            flush=True,
        )


# ------------------------------------------------------------------------------------------- server
PROFILED = """
import cProfile, os, signal, sys
profile = cProfile.Profile()

def stop(*_):
    profile.disable()
    profile.dump_stats({path!r})
    os._exit(0)

# uvicorn captures SIGTERM while it runs and raises it again once it has shut down: this handler then
# runs (it is the one uvicorn restores), so the stats cover the whole run.
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGUSR1, lambda *_: profile.enable())  # the bench profiles its measured steps only
signal.signal(signal.SIGUSR2, lambda *_: profile.disable())
from confab.cli import main
main(['serve'])
stop()
"""


def spawn(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    """A fresh SQLite database under /tmp, the app, and `confab serve` (under cProfile with --profile)."""
    tmp = tempfile.mkdtemp(prefix="group-fanout-", dir="/tmp")
    env = {
        **os.environ,
        "CONFAB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/confab.db",
        "CONFAB_PORT": str(args.port),
        "CONFAB_HOST": "127.0.0.1",
        "CONFAB_LOG_LEVEL": "warning",
    }
    confab = [sys.executable, "-m", "confab"]
    subprocess.run(
        [
            *confab,
            "app",
            "create",
            "--sdkappid",
            str(args.sdkappid),
            "--key",
            args.key,
            "--setting",
            'rate_limits={"*": 0}',
            "--setting",
            "group_msgs_per_second=0",
        ],
        env=env,
        cwd=tmp,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    command = [sys.executable, "-c", PROFILED.format(path=args.profile)] if args.profile else [*confab, "serve"]
    server = subprocess.Popen(
        command, env=env, cwd=tmp, stdout=open(f"{tmp}/server.log", "w"), stderr=subprocess.STDOUT
    )
    return server, tmp


async def wait_up(url: str, within: float = 60) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + within
    while True:
        try:
            _r, w = await asyncio.open_connection(parts.hostname, parts.port or 80)
            w.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None)
    parser.add_argument("--sdkappid", type=int, default=1400000090)
    parser.add_argument("--key", default="group-fanout-bench-key")
    parser.add_argument("--admin", default="administrator")
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--spawn", action="store_true", help="start a server on a fresh SQLite database")
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--profile", default=None, help="with --spawn: cProfile the server into this file")
    parser.add_argument("--scenarios", default="1,3")
    parser.add_argument("--members", type=int, default=6000)
    parser.add_argument("--connected", type=int, default=1000)
    parser.add_argument("--rates", default="10,20,35,50", help="messages/s per step of scenario 1")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--groups2", type=int, default=100)
    parser.add_argument("--size2", type=int, default=200)
    parser.add_argument("--per-user2", type=int, default=10)
    parser.add_argument("--rate2", type=float, default=200)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--calls3", type=int, default=500)
    args = parser.parse_args()
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
        print(
            f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; scenarios {args.scenarios}",
            flush=True,
        )
        run = f"{int(time.time()) % 100000}"
        async with RestClient(args.url, args.sdkappid, args.key, args.admin) as client:
            for name in args.scenarios.split(","):
                await {"1": scenario1, "2": scenario2, "3": scenario3}[name.strip()](args, client, run)
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
