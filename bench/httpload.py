"""A small closed-loop HTTP/1.1 load generator for the bench scripts.

Each worker keeps one keep-alive connection and sends the next request as soon as the previous reply
is in. Requests are pre-encoded bytes, so the client spends microseconds per call and the figures
measure the server, not the client library.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import msgspec


@dataclass
class LoadResult:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    codes: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def line(self) -> str:
        rate = self.count / self.seconds if self.seconds else 0
        errors = {c: n for c, n in self.codes.items() if c != 0}
        return (
            f"{self.name:<28} {rate:>9.0f} req/s   p50 {self.percentile(50):6.2f} ms"
            f"   p99 {self.percentile(99):6.2f} ms   n={self.count}" + (f"   errors={dict(errors)}" if errors else "")
        )

    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")


def build_request(base_url: str, path: str, query: dict, body: bytes) -> bytes:
    parts = urlsplit(base_url)
    target = f"{path}?{urlencode(query)}"
    head = (
        f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return await reader.readexactly(length)


async def run_load(
    base_url: str,
    name: str,
    make_request: Callable[[int], bytes],
    *,
    concurrency: int = 64,
    duration: float = 10.0,
    max_requests: int | None = None,
) -> LoadResult:
    """Drive `concurrency` keep-alive connections for `duration` seconds (or `max_requests` in all)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    result = LoadResult(name, 0.0)
    deadline = time.perf_counter() + duration
    counter = iter(range(max_requests if max_requests is not None else 1 << 62))
    decode = msgspec.json.Decoder().decode

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                n = next(counter, None)
                if n is None:
                    return
                request = make_request(n)
                started = time.perf_counter()
                writer.write(request)
                body = await _read_response(reader)
                result.latencies.append(time.perf_counter() - started)
                result.codes[decode(body).get("ErrorCode", -1)] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every bench script takes: where the server is and which app to use."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--sdkappid", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--admin", default="administrator")
    return parser


def admin_query(args: argparse.Namespace) -> Callable[[], dict]:
    """A function giving the v4 query string of an admin call (a fresh `random` each time)."""
    from confab import usersig

    sig = usersig.generate(args.sdkappid, args.key, args.admin, 86400)

    def query() -> dict:
        return {
            "sdkappid": args.sdkappid,
            "identifier": args.admin,
            "usersig": sig,
            "random": random.getrandbits(32),
            "contenttype": "json",
        }

    return query
