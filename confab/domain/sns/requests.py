"""Pending friend requests (AllowType_Type_NeedConfirm): list, accept, refuse.

Accepting is a friend add from the target back to the requester (`friends.add_friends`), which
finds the pending request and makes the friendship both ways; refusing drops the request.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from confab.domain import feed
from confab.domain.apps import App
from confab.domain.sns import friends
from confab.domain.sns.state import FEED_REQUEST_DONE, FriendRequestAnswered, result
from confab.errors import ApiError
from confab.store.tables.sns import sns_requests
from confab.webhooks import before

if TYPE_CHECKING:
    from confab.runtime import Runtime

r = sns_requests.c

# A device's answer asks the app first; REST calls never do (seed 29376). Per item, as friend adds.
PREV_RESPONSE = before.Site("Sns.CallbackPrevFriendResponse", reject_code=friends.APP_REFUSED, per_item=True)
AGREE_AND_ADD, REJECT = "Response_Action_AgreeAndAdd", "Response_Action_Reject"


async def _require_pending(rt: Runtime, app: App, user: str, requester: str) -> None:
    async with rt.store.read() as conn:
        row = (
            await conn.execute(
                sa.select(r.requester).where(r.sdkappid == app.sdkappid, r.requester == requester, r.target == user)
            )
        ).first()
    if row is None:
        raise ApiError(30001, f"no pending friend request from {requester!r}")


async def _ask_app(
    rt: Runtime, app: App, user: str, requester: str, action: str, remark: str = "", group: str = ""
) -> tuple[int, str] | None:
    """The (code, info) the app refused this answer with, or None; devices only."""
    if not friends.by_device():
        return None
    body = {
        "Requester_Account": user,  # the sample has the responder in both (seed 29416-29417)
        "From_Account": user,
        "ResponseFriendItem": [{"To_Account": requester, "Remark": remark, "TagName": group, "ResponseAction": action}],
        "EventTime": before.event_time(),
    }
    verdict = await PREV_RESPONSE.ask(rt, app, body)
    return friends.item_refusals(PREV_RESPONSE, verdict, [requester]).get(requester)


async def pending(rt: Runtime, app: App, user: str) -> dict[str, list[dict[str, Any]]]:
    """Requests the user has received (Incoming) and sent (Outgoing), newest first."""
    async with rt.store.read() as conn:
        rows = await conn.execute(
            sa.select(sns_requests)
            .where(r.sdkappid == app.sdkappid, sa.or_(r.target == user, r.requester == user))
            .order_by(r.created_at.desc())
        )
        found = rows.all()

    def wire(row: Any) -> dict[str, Any]:
        return {
            "From_Account": row.requester,
            "To_Account": row.target,
            "AddWording": row.add_wording,
            "AddSource": row.add_source,
            "AddTime": row.created_at,
        }

    return {
        "Incoming": [wire(x) for x in found if x.target == user],
        "Outgoing": [wire(x) for x in found if x.requester == user],
    }


async def accept(rt: Runtime, app: App, user: str, requester: str, *, remark: str = "", group: str = "") -> dict:
    """The user agrees to `requester`'s request: friends both ways."""
    await _require_pending(rt, app, user, requester)
    refused = await _ask_app(rt, app, user, requester, AGREE_AND_ADD, remark, group)
    if refused is not None:
        return result(requester, *refused)
    item = friends.AddItem(requester, remark=remark or None, groups=group or None)
    (outcome,) = await friends.add_friends(rt, app, user, [item], add_type=friends.ADD_BOTH, answering=True)
    return outcome


async def refuse(rt: Runtime, app: App, user: str, requester: str) -> None:
    if friends.by_device():
        await _require_pending(rt, app, user, requester)
        refused = await _ask_app(rt, app, user, requester, REJECT)
        if refused is not None:
            raise ApiError(*refused)
    now = int(time.time())
    async with rt.store.tx() as tx:
        gone = await tx.execute(
            sns_requests.delete().where(r.sdkappid == app.sdkappid, r.requester == requester, r.target == user)
        )
        if not gone.rowcount:
            raise ApiError(30001, f"no pending friend request from {requester!r}")
        payload = {"From_Account": requester, "To_Account": user, "Accepted": 0}
        await feed.append(
            tx, rt.bus, app.sdkappid, [(requester, FEED_REQUEST_DONE, payload), (user, FEED_REQUEST_DONE, payload)]
        )
        event = FriendRequestAnswered(sdkappid=app.sdkappid, at=now, requester=requester, target=user, accepted=False)
        tx.emit(event)
