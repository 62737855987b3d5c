"""Posting one callback to the app's URL (seed 28284-28377): the query string the vendor appends, the
signature, the timeout, and what counts as a failure (ruling 10: a timeout, a connection error, a
status other than 200, or a body that is not a JSON object).

One pooled keep-alive client per TLS configuration per process (almost always exactly one): opening a
connection per callback would cost more than the callback. The token never appears in a log line or
an error text; only the signature it makes goes out.
"""

from __future__ import annotations

import ssl
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import msgspec

from confab.webhooks.config import WebhookSettings
from confab.webhooks.signing import sign

_decode = msgspec.json.Decoder(dict[str, Any])

# (sdkappid, answered): callbacks posted and HTTP answers received, read and reset by the operations
# data's flush (domain.app_stats: CallBackReq, CallBackRsp)
CALLBACK_COUNTS: Counter[tuple[int, bool]] = Counter()


@dataclass(slots=True)
class Outcome:
    ok: bool  # a 200 with a JSON object: the receiver answered (its ErrorCode is the caller's business)
    status: int  # HTTP status, 0 when there was none
    reply: dict[str, Any]  # the receiver's JSON object ({} unless ok)
    error: str  # why it failed ("" when ok): "timeout", "connect: ...", "status 500", "not JSON"
    latency_ms: float


def callback_url(cfg: WebhookSettings, sdkappid: int, command: str, platform: str, client_ip: str, now: int) -> str:
    params: dict[str, Any] = {
        "SdkAppid": sdkappid,
        "CallbackCommand": command,
        "contenttype": "json",
        "ClientIP": client_ip,
        "OptPlatform": platform,
    }
    if cfg.token:
        params["RequestTime"] = now
        params["Sign"] = sign(cfg.token, now)
    return cfg.url + ("&" if "?" in cfg.url else "?") + urlencode(params)


class Transport:
    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], httpx.AsyncClient] = {}

    def _client(self, cfg: WebhookSettings) -> httpx.AsyncClient:
        key = (cfg.client_cert, cfg.client_key, cfg.ca_file)
        client = self._clients.get(key)
        if client is None:
            verify: Any = True
            if any(key):
                context = ssl.create_default_context(cafile=cfg.ca_file or None)
                if cfg.client_cert:
                    context.load_cert_chain(cfg.client_cert, cfg.client_key or None)
                verify = context
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=60)
            client = httpx.AsyncClient(verify=verify, limits=limits, trust_env=False)
            self._clients[key] = client
        return client

    async def post(
        self,
        cfg: WebhookSettings,
        sdkappid: int,
        command: str,
        body: bytes,
        *,
        platform: str,
        client_ip: str = "",
    ) -> Outcome:
        url = callback_url(cfg, sdkappid, command, platform, client_ip, int(time.time()))
        started = time.perf_counter()
        seconds = cfg.timeout
        CALLBACK_COUNTS[sdkappid, False] += 1
        try:
            response = await self._client(cfg).post(
                url, content=body, headers={"Content-Type": "application/json"}, timeout=seconds
            )
        except httpx.TimeoutException:
            return Outcome(False, 0, {}, "timeout", _ms(started))
        except (httpx.HTTPError, ssl.SSLError, OSError) as err:
            return Outcome(False, 0, {}, f"connect: {type(err).__name__}", _ms(started))
        latency = _ms(started)
        CALLBACK_COUNTS[sdkappid, True] += 1
        if response.status_code != 200:
            return Outcome(False, response.status_code, {}, f"status {response.status_code}", latency)
        try:
            reply = _decode.decode(response.content)
        except msgspec.DecodeError:
            return Outcome(False, 200, {}, "not JSON", latency)
        return Outcome(True, 200, reply, "", latency)

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
