"""Event buses: in-process (default) and, for several nodes, Redis pub/sub (to come).

`Bus` is the one seam: what the domain publishes to and the gateway and webhooks subscribe to. The
in-memory bus implements it today; a Redis bus will implement the same two calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Protocol

from confab.bus.memory import BusOverflow, InMemoryBus, Subscription
from confab.events import Event


class EventStream(Protocol):
    """A subscription: events in publication order until `close`; raises BusOverflow if it fell behind."""

    def __aiter__(self) -> AsyncIterator[Event]: ...

    def close(self) -> None: ...


class Bus(Protocol):
    def publish(self, event: Event) -> None:
        """Hand an event to every subscriber; never blocks, never awaits (called after commit)."""
        ...

    def publish_all(self, events: Iterable[Event]) -> None: ...

    def subscribe(self, maxsize: int = 100_000) -> EventStream: ...

    async def close(self) -> None: ...


__all__ = ["Bus", "BusOverflow", "EventStream", "InMemoryBus", "Subscription"]
