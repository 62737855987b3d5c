"""Per-app, per-API call rate limits (seed: "Maximum call frequency" on each API page).

A one-second window per (app, API): cheap, and exact enough for "N calls per second".
An app's settings may raise, lower or switch off (0) any limit.
"""

from __future__ import annotations

from confab.domain.apps import App
from confab.rest.registry import Endpoint
from confab.windows import WindowCounter


class RateLimiter:
    def __init__(self) -> None:
        self._calls = WindowCounter(seconds=1)  # (app, api) and (app, "*") -> calls this second

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
