"""Profile.CallbackPortraitSet (seed 28957-29116): a profile changed, by its user or by the app admin."""

from __future__ import annotations

from typing import Any

from confab.domain.sns.friends import rest_admin
from confab.events import ProfileChanged
from confab.webhooks import origin
from confab.webhooks.after import after
from confab.webhooks.before import event_time


@after("Profile.CallbackPortraitSet", ProfileChanged)
async def portrait_set(tx: Any, app: Any, event: ProfileChanged) -> list[dict[str, Any]]:
    # built inside the change's own transaction, so the origin is the call's: a device sets only its
    # own profile; a REST call is the admin's
    rest = origin.current.get().platform == origin.REST.platform
    return [
        {
            "Operator_Account": rest_admin(app) if rest else event.user_id,
            "From_Account": event.user_id,
            "EventTime": event_time(),
            "ProfileItem": event.items,
        }
    ]
