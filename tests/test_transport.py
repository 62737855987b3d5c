"""The transport's limits over raw sockets (issue 10, defects 1-3): request heads bounded in bytes and
time, bodies in time, WebSocket frames refused from their header, and a device that stops reading let go.

These run against a server of their own with short deadlines, so that each case takes a fraction of a
second; the limits do not depend on the database, so SQLite only.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from confab import usersig
from confab.client.rest import RestClient
from confab.config import Settings
from confab.domain.apps import AppSettings
from confab.realtime import protocol
from tests.support import AppHandle, ServerHandle

DEADLINE = 0.5  # seconds: the test server's head, body and close-grace deadlines


@pytest.fixture(scope="module")
def guarded() -> Iterator[ServerHandle]:
    with tempfile.TemporaryDirectory(prefix="confab-transport-") as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'confab.db'}",
            header_timeout=DEADLINE,
            body_timeout=DEADLINE,
            ws_close_grace=DEADLINE,
        )
        handle = ServerHandle(settings, "sqlite").start()
        yield handle
        handle.stop()


async def _open(server: ServerHandle) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    port = int(server.base_url.rsplit(":", 1)[1])
    return await asyncio.open_connection("127.0.0.1", port)


async def _answer(reader: asyncio.StreamReader, within: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection (or `within` runs out)."""
    data = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            chunk = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
        except TimeoutError:
            break
        if not chunk:
            return data
        data += chunk
    raise AssertionError(f"the server kept the connection open; it sent {data[:200]!r}")


async def test_a_request_head_over_the_limit_is_refused_as_it_arrives(guarded: ServerHandle) -> None:
    reader, writer = await _open(guarded)
    writer.write(b"POST /v4/openim/sendmsg HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * (200 * 1024))
    await writer.drain()
    answer = await _answer(reader)  # the header never ends: only the size limit can answer
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
    writer.close()


async def test_a_head_that_does_not_arrive_in_time_is_answered_408(guarded: ServerHandle) -> None:
    reader, writer = await _open(guarded)
    writer.write(b"POST /v4/openim/sendmsg HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    started = time.monotonic()
    answer = await _answer(reader)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert time.monotonic() - started >= DEADLINE * 0.9
    writer.close()


async def test_a_connection_that_sends_nothing_is_closed(guarded: ServerHandle) -> None:
    reader, writer = await _open(guarded)
    answer = await _answer(reader)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    writer.close()


async def test_a_body_shorter_than_declared_times_out(guarded: ServerHandle) -> None:
    app = guarded.create_app()
    sig = usersig.generate(app.sdkappid, app.key, app.admins[0])
    query = f"sdkappid={app.sdkappid}&identifier={app.admins[0]}&usersig={sig}&random=1&contenttype=json"
    reader, writer = await _open(guarded)
    writer.write(
        f"POST /v4/im_open_login_svc/account_check?{query} HTTP/1.1\r\nHost: x\r\n".encode()
        + b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"CheckIt'
    )
    await writer.drain()
    answer = await _answer(reader)  # the envelope is waiting for the other 90 bytes
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    writer.close()
    async with httpx.AsyncClient() as client:  # and the server is still well
        assert (await client.get(guarded.base_url + "/healthz")).json()["status"] == "ok"


async def test_a_body_left_unsent_after_an_early_answer_closes_the_connection(guarded: ServerHandle) -> None:
    reader, writer = await _open(guarded)
    writer.write(  # refused before the body is read (no such app), but the body never comes either
        b"POST /v4/openim/sendmsg?sdkappid=1&identifier=a&usersig=b HTTP/1.1\r\nHost: x\r\n"
        b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"To_Acco'
    )
    await writer.drain()
    answer = await _answer(reader)
    assert answer.startswith(b"HTTP/1.1 200") and b'"ErrorCode":60006' in answer, answer[:300]


async def test_a_large_body_is_not_taken_for_a_large_head(guarded: ServerHandle) -> None:
    app = guarded.create_app()
    async with httpx.AsyncClient() as client:
        rest = RestClient(guarded.base_url, app.sdkappid, app.key, app.admins[0], http=client)
        for size in (70_000, 300_000, 900_000):  # well over the head limit, under the body limit
            items = [{"UserID": f"u{n}"} for n in range(100)]
            body = {"CheckItem": items, "Padding": "x" * size}
            reply = await rest.call("im_open_login_svc/account_check", body)
            assert reply["ActionStatus"] == "OK", reply


async def test_a_full_request_still_works_on_a_kept_alive_connection(guarded: ServerHandle) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(3):
            assert (await client.get(guarded.base_url + "/healthz")).status_code == 200
            await asyncio.sleep(DEADLINE * 0.6)  # idle between requests is the keep-alive's business


def _ws_handshake() -> bytes:
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    return (
        "GET /v4/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def test_an_oversized_websocket_frame_is_refused_from_its_header(guarded: ServerHandle) -> None:
    reader, writer = await _open(guarded)
    writer.write(_ws_handshake())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    # A text frame that announces 15 MiB, of which only 16 bytes ever come: the limit must act on the
    # announced length, before any payload is buffered (else the server would wait for the rest).
    writer.write(bytes([0x81, 0x80 | 127]) + struct.pack("!Q", 15 << 20) + os.urandom(4) + b"x" * 16)
    await writer.drain()
    answer = await _answer(reader, within=3.0)
    assert answer[:1] == b"\x88", answer[:20]  # a close frame ...
    (code,) = struct.unpack("!H", answer[2:4])
    assert code == 1009  # ... "message too big"
    writer.close()


async def test_a_device_that_stops_reading_is_let_go_and_goes_offline(
    guarded: ServerHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server runs in this process: a smaller outbox makes the overflow come sooner (the socket
    # buffers still have to fill first, a few MB).
    monkeypatch.setattr(protocol, "OUTBOX_LIMIT", 50)
    created = guarded.create_app(settings=AppSettings(rate_limits={"*": 0}))
    # A modest concurrency: httpx's pool costs grow with the queue of waiting requests.
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=16)) as http:
        app = AppHandle(
            guarded, created, RestClient(guarded.base_url, created.sdkappid, created.key, "administrator", http=http)
        )
        await app.import_accounts("slow")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window fills quickly
        sock.connect(("127.0.0.1", int(guarded.base_url.rsplit(":", 1)[1])))
        ws = await websockets.connect(guarded.base_url.replace("http", "ws") + "/v4/ws", sock=sock, max_queue=1)
        login = {"SDKAppID": app.sdkappid, "Identifier": "slow", "Platform": "Web"}
        login["UserSig"] = usersig.generate(app.sdkappid, app.key, "slow", 3600)
        await ws.send(json.dumps({"seq": 1, "op": "login", "data": login}))
        assert json.loads(await ws.recv())["code"] == 0
        query = {"To_Account": ["slow"]}
        assert (await app.ok("openim/query_online_status", query))["QueryResult"][0]["State"] == "Online"

        # From here on the device reads nothing. Large messages fill the socket buffers, then the
        # session's outbox; the server gives up on the device and must not wait on it forever.
        text = "x" * 11_000
        body = {
            "From_Account": "administrator",
            "To_Account": "slow",
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}],
        }

        async def send(n: int) -> None:
            await app.ok("openim/sendmsg", {**body, "MsgRandom": n})

        state = "Online"
        sent = 0
        deadline = time.monotonic() + 30
        while state != "Offline" and time.monotonic() < deadline:
            if sent < 6000:
                await asyncio.gather(*(send(sent + i) for i in range(16)))
                sent += 16
            else:
                await asyncio.sleep(0.1)
            state = (await app.ok("openim/query_online_status", query))["QueryResult"][0]["State"]
        assert state == "Offline", f"still {state} after {sent} messages"
        ws.transport.abort()  # the client's transport owns the socket: closing the fd under it breaks later tests
