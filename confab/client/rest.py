"""An async client for the v4 REST admin API, as an app backend would use it."""

from __future__ import annotations

import random
from typing import Any

import httpx
import msgspec

from confab import usersig


class RestError(Exception):
    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(f"{reply.get('ErrorCode')}: {reply.get('ErrorInfo')}")
        self.reply = reply
        self.code = reply.get("ErrorCode")


# Idle pooled connections are dropped sooner than servers drop them (uvicorn: after 5 s, httpx's default
# too): with equal limits a request can go out on a connection the server is closing that instant,
# and fail with a ReadError although nothing is wrong.
KEEPALIVE_EXPIRY = 2.0


def http_client(max_connections: int = 100) -> httpx.AsyncClient:
    """An httpx client suited to a Confab server (timeouts, pool)."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=KEEPALIVE_EXPIRY
    )
    return httpx.AsyncClient(timeout=30, limits=limits)


class RestClient:
    """`await client.call("im_open_login_svc/account_check", {...})` -> the reply as a dict."""

    def __init__(
        self,
        base_url: str,
        sdkappid: int,
        key: str,
        identifier: str = "administrator",
        *,
        http: httpx.AsyncClient | None = None,
        sig_expire: int = 86400,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.sdkappid = sdkappid
        self.key = key
        self.identifier = identifier
        self.usersig = usersig.generate(sdkappid, key, identifier, sig_expire)
        self._own_http = http is None
        self.http = http or http_client()

    def url(self, api: str) -> str:
        return f"{self.base_url}/v4/{api}"

    def params(self) -> dict[str, Any]:
        return {
            "sdkappid": self.sdkappid,
            "identifier": self.identifier,
            "usersig": self.usersig,
            "random": random.getrandbits(32),
            "contenttype": "json",
        }

    async def call(self, api: str, body: Any = None) -> dict[str, Any]:
        """POST a body (a dict, or raw bytes sent as they are) and return the decoded reply."""
        content = body if isinstance(body, bytes) else msgspec.json.encode({} if body is None else body)
        response = await self.http.post(self.url(api), params=self.params(), content=content)
        response.raise_for_status()
        return msgspec.json.decode(response.content)

    async def ok(self, api: str, body: Any = None) -> dict[str, Any]:
        """Like `call`, but raise RestError unless ActionStatus is OK."""
        reply = await self.call(api, body)
        if reply.get("ActionStatus") != "OK":
            raise RestError(reply)
        return reply

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
