"""One-to-one messaging: sendmsg throughput, roaming-pull latency as history grows, store size.

    python bench/c2c.py --url http://127.0.0.1:8080 --sdkappid N --key K [--admin administrator]
                        [--messages 20000] [--accounts 1000] [--levels 1000,100000] [--db data/confab.db]

1. sendmsg: 64 keep-alive clients send `--messages` messages between random pairs of `--accounts` users.
2. admin_getroammsg: one conversation is filled (importmsg) to each level in `--levels`; at each level
   the newest 100 messages are pulled 2,000 times by one client (latency) and by 64 (throughput).
3. With `--db` (the SQLite file the server uses): bytes on disk per 100,000 messages.

Rate limits must be off for the app (`confab app set N --setting 'rate_limits={"*": 0}'`).
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import time
from pathlib import Path

import msgspec
from httpload import admin_query, bench_parser, build_request, run_load  # bench/ is on sys.path when a script here runs

from confab.client.rest import RestClient

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "benchmark message, about forty bytes long"}}]


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


async def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--levels", default="1000,100000")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()

    run_id = f"{int(time.time()) % 100000}"
    users = [f"c2c_{run_id}_{n}" for n in range(args.accounts)]
    async with RestClient(args.url, args.sdkappid, args.key, args.admin) as client:
        for start in range(0, len(users), 100):
            await client.ok("im_open_login_svc/multiaccount_import", {"Accounts": users[start : start + 100]})
    query = admin_query(args)

    encode = msgspec.json.encode
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs, "
        f"{args.concurrency} keep-alive clients"
    )

    def send_request(n: int) -> bytes:
        a, b = random.sample(users, 2)
        body = {"SyncOtherMachine": 1, "From_Account": a, "To_Account": b, "MsgRandom": n, "MsgBody": TEXT}
        return build_request(args.url, "/v4/openim/sendmsg", query(), encode(body))

    result = await run_load(
        args.url,
        f"sendmsg ({args.accounts} users)",
        send_request,
        concurrency=args.concurrency,
        duration=3600,
        max_requests=args.messages,
    )
    print(result.line())

    owner, peer = users[0], users[1]
    stored = 0
    base_time = 1_600_000_000
    for level in (int(x) for x in args.levels.split(",")):
        before = db_bytes(args.db) if args.db else 0
        started = time.perf_counter()

        def import_request(n: int, offset: int = stored) -> bytes:
            k = offset + n
            sender, receiver = (owner, peer) if k % 2 else (peer, owner)
            body = {
                "SyncFromOldSystem": 2,
                "From_Account": sender,
                "To_Account": receiver,
                "MsgRandom": k,
                "MsgSeq": k,
                "MsgTimeStamp": base_time + k // 4,
                "MsgBody": TEXT,
            }
            return build_request(args.url, "/v4/openim/importmsg", query(), encode(body))

        fill = await run_load(
            args.url,
            "importmsg",
            import_request,
            concurrency=args.concurrency,
            duration=3600,
            max_requests=level - stored,
        )
        stored = level
        grown = (db_bytes(args.db) - before) if args.db else 0
        print(
            f"filled to {level:,} messages in {time.perf_counter() - started:.1f} s "
            f"({fill.count / fill.seconds:,.0f} imports/s)"
            + (f", +{grown / max(1, fill.count) * 100_000 / 1e6:.1f} MB per 100,000 messages" if args.db else "")
        )
        roam = encode(
            {"Operator_Account": owner, "Peer_Account": peer, "MaxCnt": 100, "MinTime": 0, "MaxTime": 4_000_000_000}
        )
        request = build_request(args.url, "/v4/openim/admin_getroammsg", query(), roam)
        one = await run_load(
            args.url,
            f"getroammsg @{level:,} x1",
            lambda _n, r=request: r,
            concurrency=1,
            duration=3600,
            max_requests=2000,
        )
        print(one.line())
        many = await run_load(
            args.url,
            f"getroammsg @{level:,} x{args.concurrency}",
            lambda _n, r=request: r,
            concurrency=args.concurrency,
            duration=5,
        )
        print(many.line())


if __name__ == "__main__":
    asyncio.run(main())
