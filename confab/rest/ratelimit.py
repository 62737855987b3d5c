"""Per-app, per-API call rate limits (seed: "Maximum call frequency" on each API page).

A fixed one-second window per (app, API): cheap, and exact enough for "N calls per second".
An app's settings may raise, lower or switch off (0) any limit.
"""

from __future__ import annotations

import time

from confab.domain.apps import App
from confab.rest.registry import Endpoint


class RateLimiter:
    def __init__(self) -> None:
        self._windows: dict[tuple[int, str], list[int]] = {}  # (app, api) -> [second, count]

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
        return self._take((app.sdkappid, endpoint.key), self.limit_for(app, endpoint))

    def allow_app(self, app: App) -> bool:
        """Within the app's limit across all APIs (60011 when not)."""
        return self._take((app.sdkappid, "*"), app.settings.app_rate_limit)

    def _take(self, key: tuple[int, str], limit: int) -> bool:
        if limit <= 0:
            return True
        second = int(time.monotonic())
        window = self._windows.get(key)
        if window is None or window[0] != second:
            if len(self._windows) > 100_000:  # stale windows of idle apps: forget them all at once
                self._windows.clear()
            self._windows[key] = [second, 1]
            return True
        if window[1] >= limit:
            return False
        window[1] += 1
        return True


class MinuteBudget:
    """A per-app count per minute (e.g. batchsendmsg's 12,000 messages/minute, where each recipient counts)."""

    def __init__(self) -> None:
        self._windows: dict[int, list[float]] = {}  # app -> [window start, used]

    def take(self, sdkappid: int, amount: int, limit: int) -> bool:
        if limit <= 0:
            return True
        now = time.monotonic()
        window = self._windows.get(sdkappid)
        if window is None or now - window[0] >= 60:  # a minute from the window's first use
            if len(self._windows) > 100_000:
                self._windows.clear()
            window = self._windows[sdkappid] = [now, 0]
        if window[1] + amount > limit:
            return False
        window[1] += amount
        return True
