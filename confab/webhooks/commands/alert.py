"""Alert.RequestOverLimit (seed 28624-28736): an API's call rate passed 80 % of its limit."""

from __future__ import annotations

from typing import Any

from confab.rest.ratelimit import RequestOverLimit
from confab.webhooks.after import after


@after("Alert.RequestOverLimit", RequestOverLimit)
async def request_over_limit(tx: Any, app: Any, event: RequestOverLimit) -> list[dict[str, Any]]:
    return [{"ServiceName": event.service, "Command": event.command, "Request": event.calls, "Limit": event.limit}]
