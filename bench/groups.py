"""Groups: creation, filling a Public group to 6,000 and a Community to 100,000, and the calls whose cost
must not grow with the group (issue 12).

    python bench/groups.py --url http://127.0.0.1:8080 --sdkappid N --key K [--community 100000]

Steps: import the accounts; create 1,000 groups (one client); fill the Public group to 5,700 and the
Community to 100,000 with import_group_member (300 per call); page each group's members in full
(Offset pages of 200 for Public, Next pages of 100 for the Community); then, each call timed 200 times by
one client: get_group_info of 50 groups, get_joined_group_list of a user in 1,000 groups,
add_group_member of 300 into it, to 6,000 (removed again between calls, untimed), and
get_group_info / one get_group_member_info page / add_group_member of 1 on a 10-member group beside
the same on the 100,000-member Community: the figures must be flat. Rate limits must be off for the app.

On PostgreSQL pass `--analyze postgresql://...` (the server's database): the script runs ANALYZE after
each bulk step, as autovacuum would have by then. Without statistics the planner takes tables that grew
from empty in seconds for tiny ones and picks nested loops over whole tables (measured: 490 ms for the
joined-group list that takes 12 ms after ANALYZE).
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from httpload import bench_parser  # bench/ is on sys.path when a script here runs

from confab.client.rest import RestClient

G = "group_open_http_svc/"


def figure(name: str, timings: list[float]) -> str:
    timings = sorted(timings)
    p99 = timings[min(len(timings) - 1, int(0.99 * len(timings)))]
    return f"{name:<58} p50 {statistics.median(timings) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms   n={len(timings)}"


async def timed(
    n: int, call: Callable[[], Awaitable[Any]], between: Callable[[], Awaitable[Any]] | None = None
) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        out.append(time.perf_counter() - started)
        if between is not None:
            await between()
    return out


async def import_accounts(client: RestClient, users: list[str]) -> None:
    async def part(chunk: list[str]) -> None:
        await client.ok("im_open_login_svc/multiaccount_import", {"Accounts": chunk})

    chunks = [users[i : i + 100] for i in range(0, len(users), 100)]
    for start in range(0, len(chunks), 16):
        await asyncio.gather(*(part(c) for c in chunks[start : start + 16]))


async def fill(client: RestClient, group_id: str, users: list[str]) -> float:
    started = time.perf_counter()
    for start in range(0, len(users), 300):
        members = [{"Member_Account": u} for u in users[start : start + 300]]
        await client.ok(G + "import_group_member", {"GroupId": group_id, "MemberList": members})
    return time.perf_counter() - started


async def page_all(client: RestClient, group_id: str, *, by_next: bool) -> int:
    seen = 0
    if by_next:
        cursor: Any = ""
        while True:
            page = await client.ok(G + "get_group_member_info", {"GroupId": group_id, "Limit": 100, "Next": cursor})
            seen += len(page["MemberList"])
            cursor = page.get("Next") or ""
            if not cursor:
                return seen
    offset = 0
    while True:
        page = await client.ok(G + "get_group_member_info", {"GroupId": group_id, "Limit": 200, "Offset": offset})
        seen += len(page["MemberList"])
        offset += 200
        if offset >= page["MemberNum"]:
            return seen


async def analyze(dsn: str | None) -> None:
    if dsn:
        import asyncpg

        conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()


async def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--analyze", metavar="DSN", help="PostgreSQL: run ANALYZE there after bulk steps")
    parser.add_argument("--public", type=int, default=6000)
    parser.add_argument("--community", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=1000)
    args = parser.parse_args()
    run = f"g{int(time.time()) % 100000}"
    users = [f"{run}_{n}" for n in range(max(args.community, args.public + 300))]
    joiner = f"{run}_joiner"
    async with RestClient(args.url, args.sdkappid, args.key, args.admin) as client:
        started = time.perf_counter()
        await import_accounts(client, [*users, joiner])
        imported = time.perf_counter() - started
        await analyze(args.analyze)
        print(
            f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} CPUs; "
            f"{len(users) + 1:,} accounts imported in {imported:.1f} s"
        )

        async def create(n: int) -> str:
            body = {"Type": "Public", "Name": f"bench {n}", "Owner_Account": joiner}
            return str((await client.ok(G + "create_group", body))["GroupId"])

        timings: list[float] = []
        group_ids: list[str] = []
        for n in range(args.groups):
            t0 = time.perf_counter()
            group_ids.append(await create(n))
            timings.append(time.perf_counter() - t0)
        print(figure(f"create_group ({args.groups:,}, owner in all of them)", timings))

        public = (await client.ok(G + "create_group", {"Type": "Public", "Name": "big public"}))["GroupId"]
        community = (await client.ok(G + "create_group", {"Type": "Community", "Name": "big community"}))["GroupId"]
        small = (await client.ok(G + "create_group", {"Type": "Community", "Name": "small community"}))["GroupId"]
        await fill(client, small, users[:10])
        await fill(client, community, users[:3000])
        await analyze(args.analyze)
        took = await fill(client, public, users[: args.public - 300])  # the timed adds bring it to 6,000
        print(f"fill Public to {args.public - 300:,} (import_group_member x300)              {took:7.1f} s")
        took = await fill(client, community, users[3000 : args.community - 1])  # the timed add of 1 fills it
        await analyze(args.analyze)
        print(f"fill Community from 3,000 to {args.community:,} (import_group_member x300) {took:7.1f} s")

        for gid, label, by_next in (
            (public, f"Public {args.public - 300:,}", False),
            (community, f"Community {args.community:,}", True),
        ):
            t0 = time.perf_counter()
            seen = await page_all(client, gid, by_next=by_next)
            print(
                f"get_group_member_info full paging, {label} ({seen:,} seen){'':<10} {time.perf_counter() - t0:7.2f} s"
            )

        info_body = {"GroupIdList": group_ids[:50], "ResponseFilter": {"GroupBaseInfoFilter": ["Name", "MemberNum"]}}
        print(figure("get_group_info, 50 groups", await timed(200, lambda: client.ok(G + "get_group_info", info_body))))
        joined_body = {"Member_Account": joiner, "Limit": 1000}
        print(
            figure(
                f"get_joined_group_list, a user in {args.groups:,} groups",
                await timed(200, lambda: client.ok(G + "get_joined_group_list", joined_body)),
            )
        )
        extra = users[args.public - 300 : args.public]
        add_body = {"GroupId": public, "Silence": 1, "MemberList": [{"Member_Account": u} for u in extra]}

        async def remove_extra() -> None:  # delete_group_member takes 100 accounts a call
            for start in range(0, len(extra), 100):
                body = {"GroupId": public, "Silence": 1, "MemberToDel_Account": extra[start : start + 100]}
                await client.ok(G + "delete_group_member", body)

        print(
            figure(
                f"add_group_member of 300 into {args.public - 300:,}",
                await timed(
                    50,
                    lambda: client.ok(G + "add_group_member", add_body),
                    remove_extra,
                ),
            )
        )
        for gid, label in ((small, "Community of 10"), (community, f"Community of {args.community:,}")):
            print(
                figure(
                    f"get_group_info, {label}",
                    await timed(
                        200,
                        lambda g=gid: client.ok(
                            G + "get_group_info",
                            {"GroupIdList": [g], "ResponseFilter": {"GroupBaseInfoFilter": ["Name", "MemberNum"]}},
                        ),
                    ),
                )
            )
            print(
                figure(
                    f"get_group_member_info first page of 100, {label}",
                    await timed(
                        200,
                        lambda g=gid: client.ok(G + "get_group_member_info", {"GroupId": g, "Limit": 100, "Next": ""}),
                    ),
                )
            )
            print(
                figure(
                    f"add_group_member of 1, {label}",
                    await timed(
                        200,
                        lambda g=gid: client.ok(
                            G + "add_group_member",
                            {"GroupId": g, "Silence": 1, "MemberList": [{"Member_Account": joiner}]},
                        ),
                        lambda g=gid: client.ok(
                            G + "delete_group_member", {"GroupId": g, "Silence": 1, "MemberToDel_Account": [joiner]}
                        ),
                    ),
                )
            )


if __name__ == "__main__":
    asyncio.run(main())
