"""Helpers for tests that use the real-time gateway: UserSigs, connected clients, polling presence."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import websockets

from confab import usersig
from confab.client import ChatClient, Closed
from tests.support import AppHandle

QUERY = "openim/query_online_status"
KICK = "im_open_login_svc/kick"


def sig(app: AppHandle, user: str, expire: int = 3600) -> str:
    return usersig.generate(app.sdkappid, app.key, user, expire)


async def connect(app: AppHandle, user: str, platform: str = "Web", **kw) -> ChatClient:
    return await ChatClient.connect(app.server.base_url, app.sdkappid, user, sig(app, user), platform=platform, **kw)


async def wait_closed(client: ChatClient, within: float = 5.0) -> Closed:
    deadline = time.monotonic() + within
    while client.closed is None:
        assert time.monotonic() < deadline, "the server did not close the connection"
        await asyncio.sleep(0.02)
    return client.closed


async def query_until(app: AppHandle, users: list[str], done, within: float = 5.0) -> dict:
    """query_online_status (with detail) until `done(QueryResult)`: the server sees a close a moment after
    the client does, so a fixed sleep would race on a loaded machine."""
    deadline = time.monotonic() + within
    while True:
        reply = await app.ok(QUERY, {"IsNeedDetail": 1, "To_Account": users})
        if done(reply["QueryResult"]) or time.monotonic() > deadline:
            return reply
        await asyncio.sleep(0.02)


async def raw(app: AppHandle) -> Any:
    return await websockets.connect(app.server.base_url.replace("http://", "ws://") + "/v4/ws")


async def login_frame(app: AppHandle, user: str, **data) -> str:
    body = {"SDKAppID": app.sdkappid, "Identifier": user, "UserSig": sig(app, user), "Platform": "Web", **data}
    return json.dumps({"seq": 1, "op": "login", "data": body})


@pytest.fixture
async def chat(app: AppHandle) -> AppHandle:
    await app.import_accounts("alice", "bob", "carol")
    return app
