"""Webhooks (issue 15): REST sendmsg with no callbacks, with C2C.CallbackBeforeSendMsg, with C2C.CallbackAfterSendMsg.

    python bench/webhooks.py --spawn [--port 18095] [--messages 20000] [--pyspy c]
    python bench/webhooks.py --url http://127.0.0.1:8080 --sdkappid N --key K --server-pid PID
                             [--database-url sqlite+aiosqlite:///data/confab.db]

`--spawn` starts `confab serve` on a fresh SQLite database under /tmp (synchronous=FULL, an app with
rate limits off; bench/group_fanout.py's `spawn`). Against a running server the app's rate limits
must be off; the app's webhook settings are switched between runs as `confab app webhook` would, from
this process (the server's database: `--database-url`, else CONFAB_DATABASE_URL / confab.toml).

The receiver runs in its own process (so it shares no event loop with the server or the load): a
minimal asyncio HTTP/1.1 keep-alive server that answers `{"ActionStatus":"OK",...}` at once and
records each callback's command, its body's MsgRandom and its arrival time (CLOCK_MONOTONIC, the
same clock as the load generator's). Its own capacity and CPU per request are measured first.

On the same server, three runs (each: switch the settings, wait out the 5 s app cache, 1,000
warm-up sends, then `--messages` sends, or as many as `--max-seconds` allows, by 64 keep-alive
clients between random pairs of 1,000 users):
  (a) no callbacks;  (b) C2C.CallbackBeforeSendMsg on;  (c) C2C.CallbackAfterSendMsg on.
Per run: msg/s, p50/p99 of the sendmsg call, server CPU per message (all threads, and the event
loop's thread), the receiver's, the client's and other processes' share of the machine. (b): the p50
added over (a), and that each send was asked exactly once. (c): the delivery lag per callback
(send answered -> callback arrived, matched by MsgRandom) p50/p99/max and by thirds of the run (is
it growing?), every callback exactly once (missing, duplicates, strays), and the drain (the last
send answered -> the last callback arrived). Then, unless (c) kept up at full speed, open-loop steps
at `--rates` (fractions of (a)'s throughput, `--step-seconds` each) find the highest rate at which
the outbox keeps up (lag p99 < 500 ms, drain < 1.5 s, the last third's lag p50 within 2x + 10 ms of
the first's). A 1-client probe (`--probe` sends per setting) shows the latency a callback adds
without queueing.

`--pyspy a,b,c` records the server with py-spy (/tmp/pyspy/bin/py-spy, 100 Hz) during those runs'
measured phases (and (c)'s drain, separately) and prints the functions with the largest shares.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
from group_fanout import Meter, machine_busy, pct, self_cpu, spawn, wait_up  # bench/ is on sys.path here
from httpload import _read_response, admin_query, build_request, run_load

from confab.client.rest import RestClient
from confab.config import Settings
from confab.domain.apps import AppDirectory
from confab.store import Store

BEFORE = "C2C.CallbackBeforeSendMsg"
AFTER = "C2C.CallbackAfterSendMsg"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "benchmark message, about forty bytes long"}}]
PYSPY = "/tmp/pyspy/bin/py-spy"
encode = msgspec.json.encode
decode = msgspec.json.Decoder().decode


# ------------------------------------------------------------------------------------------ receiver
OK = b'{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK)
MSG_RANDOM = re.compile(rb'"MsgRandom":(\d+)')


class Hook(asyncio.Protocol):
    """One keep-alive connection of the receiver: parse each request, answer OK, record it."""

    def __init__(self, records: list[tuple[str, int, float]], commands: dict[bytes, str]) -> None:
        self.records = records
        self.commands = commands
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buf = self.buf + data if self.buf else data
        pos = 0
        while True:
            end = buf.find(b"\r\n\r\n", pos)
            if end < 0:
                break
            head = buf[pos:end].lower()
            at = head.find(b"\r\ncontent-length:")
            length = 0
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            if len(buf) < end + 4 + length:
                break
            body = buf[end + 4 : end + 4 + length]
            at = head.find(b"callbackcommand=")
            command = ""
            if at >= 0:
                stop = at + 16
                while stop < len(head) and head[stop] not in b"& ":
                    stop += 1
                raw = buf[pos + at + 16 : pos + stop]
                command = self.commands.get(raw) or self.commands.setdefault(raw, raw.decode())
            found = MSG_RANDOM.search(body)
            self.records.append((command, int(found.group(1)) if found else -1, now))
            assert self.transport is not None
            self.transport.write(RESPONSE)
            pos = end + 4 + length
        self.buf = buf[pos:] if pos < len(buf) else b""


def receiver_main(port: int, conn: Any) -> None:
    """The receiver process: serve on 127.0.0.1:port; answer the bench's commands on the pipe."""
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(_receive(port, conn))


async def _receive(port: int, conn: Any) -> None:
    loop = asyncio.get_running_loop()
    records: list[tuple[str, int, float]] = []
    commands: dict[bytes, str] = {}
    total = [0]
    server = await loop.create_server(lambda: Hook(records, commands), "127.0.0.1", port, backlog=1024)
    done = loop.create_future()

    def commands_thread() -> None:  # the pipe is served off the loop (uvloop makes its fds non-blocking)
        while True:
            op = conn.recv()
            if op == "take":  # the records since the last take (appends meanwhile stay for the next)
                got = records[:]
                del records[: len(got)]
                total[0] += len(got)
                conn.send(got)
            elif op == "count":
                conn.send(total[0] + len(records))
            elif op == "cpu":
                t = os.times()
                conn.send((t.user + t.system, total[0] + len(records)))
            elif op == "stop":
                conn.send("bye")
                loop.call_soon_threadsafe(done.set_result, None)
                return

    threading.Thread(target=commands_thread, daemon=True).start()
    conn.send("ready")
    await done
    server.close()


class ReceiverHandle:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/callback"
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=receiver_main, args=(port, child), daemon=True)
        self.process.start()
        if self.conn.recv() != "ready":
            raise RuntimeError("the receiver did not start")
        self.records: list[tuple[str, int, float]] = []  # everything taken so far

    def ask(self, op: str) -> Any:
        self.conn.send(op)
        return self.conn.recv()

    def take(self) -> list[tuple[str, int, float]]:
        got = self.ask("take")
        self.records.extend(got)
        return got

    def count(self) -> int:
        return self.ask("count")

    def cpu(self) -> tuple[float, int]:
        return self.ask("cpu")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.ask("stop")
        self.process.join(5)


async def receiver_capacity(receiver: ReceiverHandle, seconds: float = 3.0) -> dict[str, float]:
    """Load the receiver alone (64 keep-alive clients, an after-callback-sized body): its req/s and
    CPU per request, to show it is not what bounds the runs."""
    body = encode(
        {
            "CallbackCommand": AFTER,
            "From_Account": "u1",
            "To_Account": "u2",
            "MsgSeq": 1,
            "MsgRandom": 7,
            "MsgTime": 1,
            "MsgKey": "1_7_1",
            "OnlineOnlyFlag": 0,
            "SendMsgResult": 0,
            "ErrorInfo": "send msg succeed",
            "UnreadMsgNum": 1,
            "MsgBody": TEXT,
            "CloudCustomData": "",
            "EventTime": 1,
        }
    )
    query = {
        "SdkAppid": 1,
        "CallbackCommand": "Bench.Capacity",
        "contenttype": "json",
        "ClientIP": "",
        "OptPlatform": "RESTAPI",
    }
    request = build_request(f"http://127.0.0.1:{receiver.port}", "/callback", query, body)
    cpu0, n0 = receiver.cpu()
    result = await run_load(f"http://127.0.0.1:{receiver.port}", "receiver", lambda _n: request, duration=seconds)
    cpu1, n1 = receiver.cpu()
    receiver.ask("take")  # discard
    return {
        "req_s": result.count / result.seconds,
        "cpu_us": (cpu1 - cpu0) / max(1, n1 - n0) * 1e6,
        "p50": result.percentile(50),
        "share": (cpu1 - cpu0) / result.seconds,
    }


# ---------------------------------------------------------------------------------------------- load
@dataclass
class Sends:
    """One batch of sendmsg calls; message n carries MsgRandom base + n."""

    base: int
    started: list[float]
    answered: list[float]
    ok: list[bool]
    codes: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return sum(1 for a in self.answered if a)

    def latencies(self) -> list[float]:
        return sorted(a - s for a, s in zip(self.answered, self.started, strict=True) if a)


async def send_load(
    url: str,
    make: Any,
    base: int,
    count: int,
    *,
    concurrency: int = 64,
    rate: float | None = None,
    duration: float | None = None,
) -> Sends:
    """`count` sendmsg calls over `concurrency` keep-alive connections: closed loop, or open loop at
    `rate`/s (message n due at start + n / rate). `duration` caps the run (fewer calls then)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    sends = Sends(base, [0.0] * count, [0.0] * count, [False] * count)
    numbers = iter(range(count))
    t0 = time.perf_counter()
    deadline = t0 + duration if duration else float("inf")

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for n in numbers:
                if rate:
                    delay = t0 + n / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                request = make(base + n)
                if time.perf_counter() > deadline:
                    return
                sends.started[n] = time.perf_counter()
                writer.write(request)
                body = await _read_response(reader)
                sends.answered[n] = time.perf_counter()
                code = decode(body).get("ErrorCode", -1)
                sends.codes[code] += 1
                sends.ok[n] = code == 0
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    sends.seconds = time.perf_counter() - t0
    return sends


# ------------------------------------------------------------------------------------------- analysis
def callbacks_for(records: list[tuple[str, int, float]], command: str, sends: Sends) -> dict[int, list[float]]:
    """Arrival times per message number of `command` callbacks whose MsgRandom is in `sends`' range."""
    lo, hi = sends.base, sends.base + len(sends.started)
    out: dict[int, list[float]] = defaultdict(list)
    for cmd, rnd, at in records:
        if cmd == command and lo <= rnd < hi:
            out[rnd - lo].append(at)
    return out


def exactly_once(arrivals: dict[int, list[float]], sends: Sends) -> dict[str, int]:
    ok = [n for n, good in enumerate(sends.ok) if good]
    missing = sum(1 for n in ok if n not in arrivals)
    dup = sum(len(v) - 1 for v in arrivals.values() if len(v) > 1)
    stray = sum(len(v) for n, v in arrivals.items() if not sends.ok[n])
    return {
        "expected": len(ok),
        "arrived": sum(len(v) for v in arrivals.values()),
        "missing": missing,
        "duplicates": dup,
        "stray": stray,
    }


def lag_figures(arrivals: dict[int, list[float]], sends: Sends) -> dict[str, Any]:
    """Send answered -> (first) callback arrived, per message; by thirds of the run in send order."""
    pairs = sorted((sends.answered[n], min(v) - sends.answered[n]) for n, v in arrivals.items() if sends.answered[n])
    lags = sorted(lag for _, lag in pairs)
    thirds = [sorted(lag for _, lag in pairs[i * len(pairs) // 3 : (i + 1) * len(pairs) // 3]) for i in range(3)]
    last_answer = max((a for a in sends.answered if a), default=0.0)
    last_arrival = max((max(v) for v in arrivals.values()), default=0.0)
    return {
        "p50": pct(lags, 0.5),
        "p99": pct(lags, 0.99),
        "max": lags[-1] * 1000 if lags else float("nan"),
        "thirds_p50": [pct(t, 0.5) for t in thirds],
        "drain_s": last_arrival - last_answer if lags else float("nan"),
        "delivered_per_s": len(lags)
        / (last_arrival - min(sends.started[n] for n in range(len(sends.started)) if sends.answered[n]))
        if lags
        else float("nan"),
    }


def keeps_up(lag: dict[str, Any], once: dict[str, int]) -> bool:
    first, _mid, last = lag["thirds_p50"]
    return (
        once["missing"] == 0
        and once["duplicates"] == 0
        and lag["p99"] < 500
        and lag["drain_s"] < 1.5  # the outbox's 1 s poll picks up a callback whose wake-up it missed
        and last <= 2 * first + 10
    )


# --------------------------------------------------------------------------------------------- py-spy
class Profiler:
    def __init__(self, pid: int | None, enabled: bool, path: str) -> None:
        self.pid, self.enabled, self.path = pid, enabled and pid is not None, path
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Profiler:
        if self.enabled:
            exe = PYSPY if os.path.exists(PYSPY) else shutil.which("py-spy")
            if exe is None:
                print("# py-spy not found: no profile", flush=True)
                self.enabled = False
                return self
            self.proc = subprocess.Popen(
                [exe, "record", "-p", str(self.pid), "-r", "100", "-f", "raw", "-o", self.path],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(30)
            summarize_profile(self.path)


def summarize_profile(path: str, top: int = 22) -> None:
    """From py-spy's raw (collapsed) stacks: the functions with the largest inclusive and self shares."""
    if not os.path.exists(path):
        print(f"# no profile written to {path}")
        return
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        count = int(n)
        total += count
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    print(f"# py-spy {path}: {total} samples (all threads, active only)")
    print("  inclusive:")
    for name, n in inclusive.most_common(top):
        print(f"    {n / total:6.1%}  {name}")
    print("  self:")
    for name, n in own.most_common(top // 2):
        print(f"    {n / total:6.1%}  {name}")


# ---------------------------------------------------------------------------------------------- bench
class Bench:
    def __init__(self, args: argparse.Namespace, receiver: ReceiverHandle, database_url: str) -> None:
        self.args = args
        self.receiver = receiver
        self.database_url = database_url
        self.query = admin_query(args)
        self.users = [f"wh_{int(time.time()) % 100000}_{n}" for n in range(args.accounts)]
        self.next_base = random.randrange(1, 1000) * 1_000_000  # MsgRandom ranges never overlap
        self.rows: dict[str, dict[str, Any]] = {}
        self.probes: dict[str, dict[str, float]] = {}
        self.current = ""  # the run whose webhook settings the app has now

    def make(self, msg_random: int) -> bytes:
        a, b = random.sample(self.users, 2)
        body = {"SyncOtherMachine": 1, "From_Account": a, "To_Account": b, "MsgRandom": msg_random, "MsgBody": TEXT}
        return build_request(self.args.url, "/v4/openim/sendmsg", self.query(), encode(body))

    def base(self, count: int) -> int:
        base = self.next_base
        self.next_base += count + 1000
        return base

    async def setup(self) -> None:
        async with RestClient(self.args.url, self.args.sdkappid, self.args.key, self.args.admin) as client:
            for start in range(0, len(self.users), 100):
                await client.ok("im_open_login_svc/multiaccount_import", {"Accounts": self.users[start : start + 100]})

    async def set_webhook(self, url: str, commands: list[str]) -> None:
        """What `confab app webhook N --url URL --on/--off ...` does, in this process with the modules it
        loaded at start and without migrating the server's database (the working tree may change while a
        bench runs: a CLI started later could load other code and migrate the live database)."""
        store = Store(self.database_url)
        try:
            apps = AppDirectory(store)
            app = await apps.get(self.args.sdkappid)
            if app is None:
                raise RuntimeError(f"no app {self.args.sdkappid} in {self.database_url}")
            hook = msgspec.structs.replace(app.settings.webhook, url=url, commands=commands)
            await apps.update(app.sdkappid, settings=msgspec.structs.replace(app.settings, webhook=hook))
        finally:
            await store.close()

    async def switch(self, label: str) -> None:
        self.current = label
        url = self.receiver.url
        if label == "a":
            await self.set_webhook("", [])
        elif label == "b":
            await self.set_webhook(url, [BEFORE])
        else:
            await self.set_webhook(url, [AFTER])
        await asyncio.sleep(5.5)  # the server trusts a cached app for 5 s

    async def drain(self, command: str, sends: Sends, within: float) -> None:
        """Wait until every accepted send's callback arrived, or nothing arrived for 15 s, or `within` s."""
        expected = sum(sends.ok)
        have = 0
        last_progress = time.monotonic()
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            got = self.receiver.take()
            have += sum(1 for cmd, rnd, _ in got if cmd == command and sends.base <= rnd < sends.base + len(sends.ok))
            if got:
                last_progress = time.monotonic()
            if have >= expected or time.monotonic() - last_progress > 15:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # late duplicates
        self.receiver.take()

    async def warm(self, label: str) -> None:
        n = 1000
        sends = await send_load(self.args.url, self.make, self.base(n), n, concurrency=self.args.concurrency)
        if label == "c":
            await self.drain(AFTER, sends, 120)
        else:
            await asyncio.sleep(0.3)
            self.receiver.take()
        before = callbacks_for(self.receiver.records, BEFORE, sends)
        after = callbacks_for(self.receiver.records, AFTER, sends)
        print(
            f"  warm-up ({label}): {sends.count} sends, errors "
            f"{ {c: k for c, k in sends.codes.items() if c} }; before-callbacks {sum(map(len, before.values()))}, "
            f"after-callbacks {sum(map(len, after.values()))}",
            flush=True,
        )
        want = {"a": (0, 0), "b": (n, 0), "c": (0, n)}[label]
        got = (sum(map(len, before.values())), sum(map(len, after.values())))
        if got != want:
            raise RuntimeError(f"run ({label}): the settings did not take effect: callbacks {got}, expected {want}")

    async def run(self, label: str) -> dict[str, Any]:
        args = self.args
        print(f"\n({label}) {dict(a='no callbacks', b=BEFORE, c=AFTER)[label]}", flush=True)
        await self.switch(label)
        if args.probe:  # before any 64-client load of this setting: the server's pool as left by the last run
            self.probes[f"{label} first"] = await self.probe(label, "before the run")
        await self.warm(label)
        await asyncio.sleep(1)
        count = args.messages
        base = self.base(count)
        meter = Meter(args.server_pid)
        rcpu0, _ = self.receiver.cpu()
        me0, wall0 = self_cpu(), time.perf_counter()
        with Profiler(args.server_pid, label in args.pyspy, f"{args.profile_dir}/webhooks-{label}-send.txt"):
            sends = await send_load(
                args.url, self.make, base, count, concurrency=args.concurrency, duration=args.max_seconds
            )
        wall = time.perf_counter() - wall0
        used = meter.used()
        rcpu1, _ = self.receiver.cpu()
        me1 = self_cpu()
        row = self.report_sends(label, sends, used, wall, rcpu1 - rcpu0, me1 - me0)
        if label == "c":
            with Profiler(args.server_pid, label in args.pyspy, f"{args.profile_dir}/webhooks-c-drain.txt"):
                await self.drain(AFTER, sends, args.drain_timeout)
            used = meter.used()
            arrivals = callbacks_for(self.receiver.records, AFTER, sends)
            row |= self.report_after(sends, arrivals, used)
        else:
            await asyncio.sleep(0.5)
            self.receiver.take()
            if label == "b":
                once = exactly_once(callbacks_for(self.receiver.records, BEFORE, sends), sends)
                row["before_once"] = once
                print(f"    before-callbacks: {once}", flush=True)
        self.rows[label] = row
        return row

    def report_sends(
        self, label: str, sends: Sends, used: tuple[float, float, float] | None, wall: float, rcpu: float, me: float
    ) -> dict[str, Any]:
        lat = sends.latencies()
        n = sends.count
        row: dict[str, Any] = {
            "sends": n,
            "errors": {c: k for c, k in sends.codes.items() if c},
            "msg_s": n / sends.seconds,
            "p50": pct(lat, 0.5),
            "p99": pct(lat, 0.99),
            "server_us": used[0] / n * 1e6 if used else float("nan"),
            "loop_us": used[1] / n * 1e6 if used else float("nan"),
            "server_share": used[0] / wall if used else float("nan"),
            "receiver_share": rcpu / wall,
            "client_share": me / wall,
            "other_share": (used[2] - used[0] - rcpu - me) / wall if used else float("nan"),
            "load": os.getloadavg(),
        }
        print(
            f"    sendmsg x{self.args.concurrency}: {n:,} in {sends.seconds:.1f} s = **{row['msg_s']:,.0f} msg/s**, "
            f"p50 {row['p50']:.1f} ms, p99 {row['p99']:.1f} ms, errors {row['errors']}\n"
            f"    server CPU {row['server_us']:.0f} µs/msg (event loop {row['loop_us']:.0f}), "
            f"{row['server_share']:.0%} of a core; receiver {row['receiver_share']:.0%}, client "
            f"{row['client_share']:.0%}, other processes {row['other_share']:.0%}; "
            f"load average {row['load'][0]:.2f}",
            flush=True,
        )
        return row

    def report_after(self, sends: Sends, arrivals: dict[int, list[float]], used: Any) -> dict[str, Any]:
        once = exactly_once(arrivals, sends)
        lag = lag_figures(arrivals, sends)
        n = sends.count
        row = {
            "after_once": once,
            "lag": lag,
            "server_us_with_drain": used[0] / n * 1e6 if used else float("nan"),
            "loop_us_with_drain": used[1] / n * 1e6 if used else float("nan"),
            "keeps_up": keeps_up(lag, once),
        }
        print(
            f"    after-callbacks: {once}\n"
            f"    lag (send answered -> callback arrived): p50 {lag['p50']:.1f} ms, p99 {lag['p99']:.1f} ms, "
            f"max {lag['max']:.1f} ms; p50 by thirds {', '.join(f'{x:.0f}' for x in lag['thirds_p50'])} ms; "
            f"last callback {lag['drain_s']:.2f} s after the last send; delivered "
            f"{lag['delivered_per_s']:,.0f}/s; server CPU with the drain {row['server_us_with_drain']:.0f} µs/msg "
            f"(loop {row['loop_us_with_drain']:.0f}); keeps up: {row['keeps_up']}",
            flush=True,
        )
        return row

    async def probe(self, label: str, when: str) -> dict[str, float]:
        """One client, sequential sends: the latency without queueing."""
        n = self.args.probe + 30
        sends = await send_load(self.args.url, self.make, self.base(n), n, concurrency=1)
        lat = sorted(a - s for a, s in zip(sends.answered[30:], sends.started[30:], strict=True) if a)
        if label == "c":
            await self.drain(AFTER, sends, 60)
        else:
            await asyncio.sleep(0.3)
            self.receiver.take()
        out = {"p50": pct(lat, 0.5), "p99": pct(lat, 0.99)}
        print(
            f"    1-client probe ({label}, {when}): p50 {out['p50']:.2f} ms, p99 {out['p99']:.2f} ms (n={len(lat)})",
            flush=True,
        )
        return out

    async def steps(self, full_rate: float) -> list[dict[str, Any]]:
        """Open-loop steps with (c) on: the highest rate at which the outbox keeps up."""
        out: list[dict[str, Any]] = []
        if self.current != "c":
            await self.switch("c")
        for fraction in (float(x) for x in self.args.rates.split(",")):
            rate = fraction * full_rate
            count = int(rate * self.args.step_seconds)
            base = self.base(count)
            meter = Meter(self.args.server_pid)
            sends = await send_load(
                self.args.url,
                self.make,
                base,
                count,
                concurrency=self.args.concurrency,
                rate=rate,
                duration=self.args.step_seconds * 3,
            )
            await self.drain(AFTER, sends, self.args.drain_timeout)
            used = meter.used()
            arrivals = callbacks_for(self.receiver.records, AFTER, sends)
            once = exactly_once(arrivals, sends)
            lag = lag_figures(arrivals, sends)
            lat = sends.latencies()
            row = {
                "fraction": fraction,
                "asked": rate,
                "msg_s": sends.count / sends.seconds,
                "p50": pct(lat, 0.5),
                "p99": pct(lat, 0.99),
                "once": once,
                "lag": lag,
                "keeps_up": keeps_up(lag, once),
                "server_us": used[0] / max(1, sends.count) * 1e6 if used else float("nan"),
                "load": os.getloadavg()[0],
            }
            out.append(row)
            print(
                f"  step {fraction:.0%} of (a) = {rate:,.0f}/s asked: {row['msg_s']:,.0f} msg/s sent, "
                f"p50 {row['p50']:.1f} ms p99 {row['p99']:.1f} ms; missing {once['missing']}, dup "
                f"{once['duplicates']}; lag p50 {lag['p50']:.1f} p99 {lag['p99']:.1f} max {lag['max']:.0f} ms, "
                f"thirds {', '.join(f'{x:.0f}' for x in lag['thirds_p50'])} ms, drain {lag['drain_s']:.2f} s, "
                f"delivered {lag['delivered_per_s']:,.0f}/s; {row['server_us']:.0f} µs/msg; "
                f"keeps up: {row['keeps_up']}",
                flush=True,
            )
            if not row["keeps_up"]:
                break
            await asyncio.sleep(1)
        return out


def verdicts(rows: dict[str, dict[str, Any]], probes: dict[str, dict[str, float]], steps: list[dict[str, Any]]) -> None:
    a, b, c = rows.get("a"), rows.get("b"), rows.get("c")
    print("\n# targets")
    if a and b:
        added = b["p50"] - a["p50"]
        print(
            f"(b) p50 added over (a) at 64 clients: {added:+.1f} ms ({a['p50']:.1f} -> {b['p50']:.1f}) -> "
            f"{'met' if added < 3 else 'MISSED'} (target < 3 ms)"
        )
        for key, when in (("b first", "before the 64-client run"), ("b", "after it")):
            if "a" in probes and key in probes:
                added1 = probes[key]["p50"] - probes["a"]["p50"]
                print(
                    f"(b) p50 added over (a), 1 client, {when}: {added1:+.2f} ms ({probes['a']['p50']:.2f} -> "
                    f"{probes[key]['p50']:.2f}) -> {'met' if added1 < 3 else 'MISSED'}"
                )
    if a and c:
        share = c["msg_s"] / a["msg_s"]
        once = c["after_once"]
        every = once["missing"] == 0 and once["duplicates"] == 0 and once["stray"] == 0
        print(
            f"(c) throughput {c['msg_s']:,.0f} = {share:.0%} of (a) {a['msg_s']:,.0f}; every callback exactly once: "
            f"{every}; outbox kept up: {c['keeps_up']} (drain {c['lag']['drain_s']:.1f} s) -> "
            f"{'met' if share >= 0.8 and every else 'MISSED'} (target >= 80 % with every callback delivered)"
        )
        good = [s for s in steps if s["keeps_up"]]
        if steps:
            if good:
                best = max(good, key=lambda s: s["msg_s"])
                print(
                    f"(c) highest step with the outbox keeping up: {best['msg_s']:,.0f} msg/s "
                    f"({best['msg_s'] / a['msg_s']:.0%} of (a)); lag p99 {best['lag']['p99']:.0f} ms"
                )
            else:
                print("(c) no step kept up")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None)
    parser.add_argument("--sdkappid", type=int, default=1400000095)
    parser.add_argument("--key", default="webhooks-bench-key")
    parser.add_argument("--admin", default="administrator")
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="the server's database, for `confab app webhook`")
    parser.add_argument("--spawn", action="store_true", help="start a server on a fresh SQLite database")
    parser.add_argument("--port", type=int, default=18095)
    parser.add_argument("--receiver-port", type=int, default=18096)
    parser.add_argument("--runs", default="a,b,c")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--max-seconds", type=float, default=40, help="a run stops after this long (fewer sends)")
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--probe", type=int, default=300, help="1-client sends per setting (0: none)")
    parser.add_argument("--rates", default="0.05,0.1,0.2,0.35,0.5,0.65,0.8,1.0", help="steps for (c), fractions of (a)")
    parser.add_argument("--step-seconds", type=float, default=10)
    parser.add_argument("--steps", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--pyspy", default="", help="runs to profile with py-spy, e.g. c or a,c")
    parser.add_argument("--profile-dir", default="/tmp")
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args()
    args.profile = None  # group_fanout.spawn: no cProfile
    args.pyspy = {x.strip() for x in args.pyspy.split(",") if x.strip()}
    if not args.spawn and args.url is None:
        parser.error("give --url (and --sdkappid, --key) or --spawn")
    return args


async def main(args: argparse.Namespace, receiver: ReceiverHandle) -> None:
    server = None
    database_url = args.database_url or Settings.load().database_url
    if args.spawn:
        server, tmp = spawn(args)
        args.url = f"http://127.0.0.1:{args.port}"
        args.server_pid = server.pid
        database_url = f"sqlite+aiosqlite:///{tmp}/confab.db"
        print(f"# server pid {server.pid}, database {tmp}/confab.db, receiver pid {receiver.process.pid}", flush=True)
    busy0, wall0 = machine_busy(), time.perf_counter()
    try:
        await wait_up(args.url)
        print(
            f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}; {args.messages:,} sends per run, {args.concurrency} clients, "
            f"{args.accounts:,} users; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        cap = await receiver_capacity(receiver)
        print(
            f"# receiver alone (64 keep-alive clients, 3 s): {cap['req_s']:,.0f} req/s at p50 {cap['p50']:.2f} ms, "
            f"{cap['cpu_us']:.0f} µs of its CPU per request ({cap['share']:.0%} of a core; the load generator "
            f"shares the machine)",
            flush=True,
        )
        bench = Bench(args, receiver, database_url)
        await bench.setup()
        probes = bench.probes
        for label in (x.strip() for x in args.runs.split(",")):
            await bench.run(label)
            if args.probe:  # after 64 clients: the server's webhook client holds up to 64 pooled connections
                probes[label] = await bench.probe(label, "after the run")
        steps: list[dict[str, Any]] = []
        c = bench.rows.get("c")
        if c and "a" in bench.rows and (args.steps == "always" or (args.steps == "auto" and not c["keeps_up"])):
            print("\n(c) open-loop steps: the highest rate with the outbox keeping up", flush=True)
            steps = await bench.steps(bench.rows["a"]["msg_s"])
        verdicts(bench.rows, probes, steps)
        wall = time.perf_counter() - wall0
        print(
            f"# the machine over the whole bench: {(machine_busy() - busy0) / wall:.0%} of one core busy "
            f"(of {os.cpu_count()}), load average {os.getloadavg()}"
        )
        if args.json:
            Path(args.json).write_text(  # noqa: ASYNC240 (once, at the end)
                json.dumps(
                    {"runs": bench.rows, "probes": probes, "steps": steps, "receiver": cap}, indent=1, default=str
                )
            )
    finally:
        receiver.stop()
        if server is not None:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(30)
            log = Path(tmp) / "server.log"
            text = log.read_text() if log.exists() else ""
            if text.strip():
                print(f"# server log ({log}):\n" + "\n".join(text.splitlines()[-20:]))


if __name__ == "__main__":
    options = parse_args()
    handle = ReceiverHandle(options.receiver_port)  # forked before any event loop exists
    asyncio.run(main(options, handle))
