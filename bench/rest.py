"""REST throughput and latency: account_check and portrait_get with 64 keep-alive clients.

    python bench/rest.py --url http://127.0.0.1:8080 --sdkappid N --key K [--admin administrator]
                         [--duration 10] [--concurrency 64]

The app should have its rate limits off (`confab app set N --setting 'rate_limits={"*": 0}'`), or the
figures measure the limiter (60007 answers are counted and shown as errors).
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import time

import msgspec
from httpload import admin_query, bench_parser, build_request, run_load  # bench/ is on sys.path when a script here runs

from confab.client.rest import RestClient

USERS = [f"bench_user_{i}" for i in range(100)]


async def prepare(client: RestClient) -> None:
    await client.ok("im_open_login_svc/multiaccount_import", {"Accounts": USERS})
    for user in USERS[:20]:
        await client.ok(
            "profile/portrait_set",
            {
                "From_Account": user,
                "ProfileItem": [
                    {"Tag": "Tag_Profile_IM_Nick", "Value": f"nick {user}"},
                    {"Tag": "Tag_Profile_IM_SelfSignature", "Value": "benchmarking"},
                    {"Tag": "Tag_Profile_IM_Gender", "Value": "Gender_Type_Female"},
                ],
            },
        )


async def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()

    async with RestClient(args.url, args.sdkappid, args.key, args.admin) as client:
        await prepare(client)
    query = admin_query(args)

    check_body = msgspec.json.encode({"CheckItem": [{"UserID": u} for u in random.sample(USERS, 10)]})
    get_body = msgspec.json.encode(
        {"To_Account": USERS[:10], "TagList": ["Tag_Profile_IM_Nick", "Tag_Profile_IM_SelfSignature"]}
    )
    check_req = build_request(args.url, "/v4/im_open_login_svc/account_check", query(), check_body)
    get_req = build_request(args.url, "/v4/profile/portrait_get", query(), get_body)

    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs, "
        f"{args.concurrency} keep-alive clients, {args.duration:.0f} s per API"
    )
    for name, request in (("account_check (10 ids)", check_req), ("portrait_get (10 users)", get_req)):
        result = await run_load(
            args.url, name, lambda _n, r=request: r, concurrency=args.concurrency, duration=args.duration
        )
        print(result.line())


if __name__ == "__main__":
    asyncio.run(main())
