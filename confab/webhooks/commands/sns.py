"""Relationship chain callbacks (seed 29561-30149): friendships and blocklists made or undone."""

from __future__ import annotations

from typing import Any

from confab.domain.sns.state import BlocklistAdded, BlocklistDeleted, FriendsAdded, FriendsDeleted
from confab.webhooks.after import after


@after("Sns.CallbackFriendAdd", FriendsAdded)
async def friend_add(tx: Any, app: Any, event: FriendsAdded) -> list[dict[str, Any]]:
    """Every new friend row, either direction; never for friend_import (seed 29595)."""
    if event.add_type == "import" or not event.pairs:
        return []
    pairs = [
        {
            "From_Account": owner,
            "To_Account": friend,
            # an accepted request was initiated by whoever asked first: the side that is not the owner
            "Initiator_Account": event.initiator or (friend if owner == event.owner else owner),
        }
        for owner, friend in event.pairs
    ]
    return [
        {
            "PairList": pairs,
            "ClientCmd": event.client_cmd,
            "Admin_Account": event.admin,
            "ForceFlag": 1 if event.force else 0,  # ruling 19
        }
    ]


@after("Sns.CallbackFriendDelete", FriendsDeleted)
async def friend_delete(tx: Any, app: Any, event: FriendsDeleted) -> list[dict[str, Any]]:
    pairs = event.pairs or [(event.owner, friend) for friend in event.friends]
    return [{"PairList": [{"From_Account": owner, "To_Account": friend} for owner, friend in pairs]}]


@after("Sns.CallbackBlackListAdd", BlocklistAdded)
async def blocklist_add(tx: Any, app: Any, event: BlocklistAdded) -> list[dict[str, Any]]:
    return [{"PairList": [{"From_Account": event.owner, "To_Account": to} for to in event.targets]}]


@after("Sns.CallbackBlackListDelete", BlocklistDeleted)
async def blocklist_delete(tx: Any, app: Any, event: BlocklistDeleted) -> list[dict[str, Any]]:
    return [{"PairList": [{"From_Account": event.owner, "To_Account": to} for to in event.targets]}]
