"""State.StateChange (seed 28737-28956): logins, logouts and disconnections seen by the gateway."""

from __future__ import annotations

from typing import Any

from confab.domain.presence import StateChanged
from confab.webhooks.after import after


@after("State.StateChange", StateChanged)
async def state_change(tx: Any, app: Any, event: StateChanged) -> list[dict[str, Any]]:
    body: dict[str, Any] = {
        "EventTime": event.event_time,
        "Info": {"Action": event.action, "To_Account": event.user_id, "Reason": event.reason},
    }
    if event.kicked:  # only on a login that replaced other devices (seed 28917-28920)
        body["KickedDevice"] = [{"Platform": p} for p in event.kicked]
    return [body]
