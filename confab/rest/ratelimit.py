"""Per-app, per-API call rate limits (seed: "Maximum call frequency" on each API page).

A one-second window per (app, API): cheap, and exact enough for "N calls per second".
An app's settings may raise, lower or switch off (0) any limit.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from confab.domain.apps import App
from confab.events import Event
from confab.rest.registry import Endpoint
from confab.webhooks import origin
from confab.windows import WindowCounter

if TYPE_CHECKING:
    from confab.runtime import Runtime

log = logging.getLogger("confab.rest")

OVER_LIMIT = "Alert.RequestOverLimit"


class RequestOverLimit(Event, frozen=True):
    """An API's calls this second passed 80 % of its limit (Alert.RequestOverLimit, seed 28624-28736)."""

    service: str
    command: str
    calls: int
    limit: int


class RateLimiter:
    def __init__(self) -> None:
        self._calls = WindowCounter(seconds=1)  # (app, api) and (app, "*") -> calls this second
        # the alarm: calls up to 80 % of the limit (same windows as _calls: both count every call),
        # and at most one alert per API per second
        self._near = WindowCounter(seconds=1)
        self._alerted = WindowCounter(seconds=1)

    def limit_for(self, app: App, endpoint: Endpoint) -> int:
        limits = app.settings.rate_limits
        if limits:
            if endpoint.key in limits:
                return limits[endpoint.key]
            if "*" in limits:
                return limits["*"]
        return endpoint.rate_limit

    def allow(self, app: App, endpoint: Endpoint) -> bool:
        """Within the API's own per-second limit (60007 when not)."""
        return self._calls.take((app.sdkappid, endpoint.key), self.limit_for(app, endpoint))

    def allow_app(self, app: App) -> bool:
        """Within the app's limit across all APIs (60011 when not)."""
        return self._calls.take((app.sdkappid, "*"), app.settings.app_rate_limit)

    def alarm(self, app: App, endpoint: Endpoint) -> tuple[int, int] | None:
        """(calls, limit) when this call takes the API past 80 % of its limit for the first time this
        second; None otherwise. Counts only for apps that have the alert on (call it for those only)."""
        limit = self.limit_for(app, endpoint)
        if limit <= 0:
            return None
        key = (app.sdkappid, endpoint.key)
        threshold = limit * 4 // 5
        if threshold and self._near.take(key, threshold):
            return None
        if not self._alerted.take(key, 1):
            return None
        return threshold + 1, limit


async def check_alarm(rt: Runtime, limiter: RateLimiter, app: App, endpoint: Endpoint, client_ip: str) -> None:
    """Alert.RequestOverLimit for this call's API, through the outbox like every after-callback; once
    per API per second, so at most one small transaction a second per API under load."""
    if not app.settings.webhook.on(OVER_LIMIT):
        return
    found = limiter.alarm(app, endpoint)
    if found is None:
        return
    calls, limit = found
    event = RequestOverLimit(
        sdkappid=app.sdkappid,
        at=int(time.time()),
        service=endpoint.service,
        command=endpoint.command,
        calls=calls,
        limit=limit,
    )
    token = origin.current.set(origin.Origin(origin.REST.platform, client_ip))
    try:
        async with rt.store.tx() as tx:
            tx.emit(event)
    except Exception:  # the alert must never fail the call it counted
        log.exception("recording %s failed", OVER_LIMIT)
    finally:
        origin.current.reset(token)
