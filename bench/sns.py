"""Relationship chain: friend_check of 100 accounts and full friend_get paging against 3,000 friends.

    python bench/sns.py --url http://127.0.0.1:8080 --sdkappid N --key K [--admin administrator]

One user gets 3,000 friends (friend_import). Then, each for 2,000 calls by one client and for 5 s by
64 clients: `friend_check` (CheckResult_Type_Both) of 100 accounts, and one full `friend_get` paging
(30 pages of 100) timed as a whole. Rate limits must be off for the app.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import statistics
import time

import msgspec
from httpload import admin_query, bench_parser, build_request, run_load  # bench/ is on sys.path when a script here runs

from confab.client.rest import RestClient


async def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--friends", type=int, default=3000)
    args = parser.parse_args()

    run_id = f"{int(time.time()) % 100000}"
    star = f"sns_{run_id}_star"
    fans = [f"sns_{run_id}_{n}" for n in range(args.friends)]
    async with RestClient(args.url, args.sdkappid, args.key, args.admin) as client:
        await client.ok("im_open_login_svc/account_import", {"UserID": star})
        for start in range(0, len(fans), 100):
            await client.ok("im_open_login_svc/multiaccount_import", {"Accounts": fans[start : start + 100]})
        for start in range(0, len(fans), 500):
            items = [{"To_Account": f, "AddSource": "AddSource_Type_Bench"} for f in fans[start : start + 500]]
            await client.ok("sns/friend_import", {"From_Account": star, "AddFriendItem": items})
        query = admin_query(args)

        print(
            f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs, "
            f"one user with {args.friends:,} friends"
        )
        check_body = msgspec.json.encode(
            {"From_Account": star, "To_Account": random.sample(fans, 100), "CheckType": "CheckResult_Type_Both"}
        )
        request = build_request(args.url, "/v4/sns/friend_check", query(), check_body)
        for concurrency, limit, duration in ((1, 2000, 3600), (64, None, 5)):
            result = await run_load(
                args.url,
                f"friend_check 100 x{concurrency}",
                lambda _n, r=request: r,
                concurrency=concurrency,
                duration=duration,
                max_requests=limit,
            )
            print(result.line())

        timings = []
        for _ in range(50):
            started = time.perf_counter()
            start, seen = 0, 0
            while True:
                page = await client.ok("sns/friend_get", {"From_Account": star, "StartIndex": start})
                seen += len(page["UserDataItem"])
                if page["CompleteFlag"]:
                    break
                start = page["NextStartIndex"]
            assert seen == args.friends
            timings.append(time.perf_counter() - started)
        timings.sort()
        print(
            f"friend_get full paging ({args.friends:,} friends, 100/page)   p50 "
            f"{statistics.median(timings) * 1000:6.1f} ms   p99 {timings[int(0.99 * len(timings))] * 1000:6.1f} ms"
            f"   n={len(timings)}"
        )
        page_body = msgspec.json.encode({"From_Account": star, "StartIndex": 1500})
        page_req = build_request(args.url, "/v4/sns/friend_get", query(), page_body)
        result = await run_load(
            args.url, "friend_get one page x1", lambda _n: page_req, concurrency=1, duration=3600, max_requests=1000
        )
        print(result.line())


if __name__ == "__main__":
    asyncio.run(main())
