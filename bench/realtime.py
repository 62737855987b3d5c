"""Real-time delivery: REST sendmsg at a steady rate to connected users, end-to-end latency; idle memory.

    python bench/realtime.py --url http://127.0.0.1:8080 --sdkappid N --key K --server-pid PID
                             [--users 1000] [--rate 1000] [--seconds 20] [--idle 10000]

1. `--users` users log in over the gateway. `sendmsg` calls go out at `--rate` per second for
   `--seconds` (from random users to random users, over 64 keep-alive connections); each message's
   latency is the time from the start of its REST call to its arrival on the recipient's socket.
2. `--idle` more users log in and stay idle; the server's RSS before and after gives memory per
   connection (needs `--server-pid`; raises this process's open-file limit).
Rate limits must be off for the app.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import resource
import statistics
import time
from urllib.parse import urlsplit

import msgspec
import websockets
from httpload import build_request  # bench/ is on sys.path when a script here runs

from confab import usersig
from confab.client.rest import RestClient

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "realtime benchmark"}}]
decode = msgspec.json.decode
encode = msgspec.json.encode


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def login(ws_url: str, sdkappid: int, key: str, user: str) -> websockets.ClientConnection:
    ws = await websockets.connect(ws_url, max_size=2**22, ping_interval=None)
    sig = usersig.generate(sdkappid, key, user, 86400)
    await ws.send(
        encode(
            {
                "seq": 1,
                "op": "login",
                "data": {"SDKAppID": sdkappid, "Identifier": user, "UserSig": sig, "Platform": "Web"},
            }
        ).decode()
    )
    reply = decode(await ws.recv())
    if reply["code"] != 0:
        raise RuntimeError(f"login failed for {user}: {reply}")
    await ws.recv()  # {"Synced": n}
    return ws


async def import_users(args: argparse.Namespace, users: list[str]) -> None:
    async with RestClient(args.url, args.sdkappid, args.key, args.admin) as client:
        for start in range(0, len(users), 100):
            await client.ok("im_open_login_svc/multiaccount_import", {"Accounts": users[start : start + 100]})


async def connect_all(ws_url: str, args: argparse.Namespace, users: list[str], batch: int = 200) -> list:
    sockets = []
    for start in range(0, len(users), batch):
        sockets.extend(
            await asyncio.gather(*(login(ws_url, args.sdkappid, args.key, u) for u in users[start : start + batch]))
        )
    return sockets


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--sdkappid", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--admin", default="administrator")
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--idle", type=int, default=10_000)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    ws_url = args.url.replace("http://", "ws://", 1).rstrip("/") + "/v4/ws"
    run_id = f"{int(time.time()) % 100000}"
    users = [f"rt_{run_id}_{n}" for n in range(args.users)]
    await import_users(args, users)
    sockets = await connect_all(ws_url, args, users)
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs; {len(sockets)} users connected"
    )

    sent_at: dict[int, float] = {}
    all_in = asyncio.Event()
    total = int(args.rate * args.seconds)
    errors = 0
    latencies: list[float] = []
    arrived = 0

    async def receive(ws: websockets.ClientConnection) -> None:
        nonlocal arrived
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in ws:
                frame = decode(raw)
                if frame.get("push") == "c2c.msg":
                    started = sent_at.get(frame["data"]["MsgRandom"])
                    if started is not None:
                        latencies.append(time.perf_counter() - started)
                        arrived += 1
                        if arrived + errors >= total:
                            all_in.set()

    readers = [asyncio.ensure_future(receive(ws)) for ws in sockets]
    sig = usersig.generate(args.sdkappid, args.key, args.admin, 86400)
    parts = urlsplit(args.url)
    queue: asyncio.Queue[int] = asyncio.Queue()

    async def sender() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        try:
            while True:
                n = await queue.get()
                a, b = random.sample(users, 2)
                body = encode(
                    {"SyncOtherMachine": 2, "From_Account": a, "To_Account": b, "MsgRandom": n, "MsgBody": TEXT}
                )
                query = {
                    "sdkappid": args.sdkappid,
                    "identifier": args.admin,
                    "usersig": sig,
                    "random": random.getrandbits(32),
                    "contenttype": "json",
                }
                sent_at[n] = time.perf_counter()
                writer.write(build_request(args.url, "/v4/openim/sendmsg", query, body))
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(
                    next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")).split(
                        b":"
                    )[1]
                )
                reply = decode(await reader.readexactly(length))
                if reply["ErrorCode"] != 0:
                    errors += 1
                queue.task_done()
        finally:
            writer.close()

    senders = [asyncio.ensure_future(sender()) for _ in range(64)]
    started = time.perf_counter()
    for n in range(total):  # a steady rate: message n is due at started + n / rate
        due = started + n / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(n)
    await queue.join()
    offered = time.perf_counter() - started
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_in.wait(), 10)
    for task in senders:
        task.cancel()
    latencies.sort()
    print(
        f"offered {total:,} sendmsg in {offered:.1f} s ({total / offered:,.0f}/s); errors {errors}; "
        f"delivered {arrived:,} ({arrived / offered:,.0f}/s); lost {total - errors - arrived}"
    )
    if latencies:
        print(
            f"end-to-end latency: p50 {statistics.median(latencies) * 1000:.1f} ms   "
            f"p99 {latencies[int(0.99 * len(latencies))] * 1000:.1f} ms   max {latencies[-1] * 1000:.1f} ms"
        )

    if args.idle and args.server_pid:
        idle_users = [f"rt_{run_id}_idle_{n}" for n in range(args.idle)]
        await import_users(args, idle_users)
        await asyncio.sleep(1)
        before = rss_kb(args.server_pid)
        idle_sockets = await connect_all(ws_url, args, idle_users)
        await asyncio.sleep(2)
        after = rss_kb(args.server_pid)
        print(
            f"{len(idle_sockets):,} idle connections: server RSS {before / 1024:.0f} MB -> {after / 1024:.0f} MB, "
            f"{(after - before) / len(idle_sockets):.1f} KB per connection"
        )
        await asyncio.gather(*(ws.close() for ws in idle_sockets), return_exceptions=True)
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
