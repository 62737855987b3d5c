"""Events: every state change leaves the domain layer as one event, published after commit.

Events are msgspec Structs tagged by class name, so any bus can encode them once and every
subscriber (the real-time gateway, after-webhooks) decodes the same union. Each area defines its
events in its own domain module by subclassing `Event`; `kind` is the class name.
"""

from __future__ import annotations

import msgspec


class Event(msgspec.Struct, tag=True, kw_only=True, frozen=True):
    sdkappid: int
    at: int  # Unix time (seconds) of the change

    @property
    def kind(self) -> str:
        return type(self).__name__


class AccountsImported(Event, frozen=True):
    user_ids: list[str]


class AccountsDeleted(Event, frozen=True):
    user_ids: list[str]


class ProfileChanged(Event, frozen=True):
    user_id: str
    items: list[dict]  # [{"Tag": ..., "Value": ...}] as set


def all_event_types() -> list[type[Event]]:
    """Every Event subclass defined so far (area modules must be imported first)."""
    found: list[type[Event]] = []
    stack = list(Event.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found
