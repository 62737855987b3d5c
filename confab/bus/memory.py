"""The in-process event bus.

`publish` never blocks and never awaits: it is called from after-commit hooks on the write path.
Each subscriber has its own bounded queue; a subscriber that falls that far behind is cut off
(its iterator raises BusOverflow) rather than slowing the writers or growing memory without bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

from confab.events import Event


class BusOverflow(Exception):
    """The subscriber fell more than its queue size behind and was dropped."""


_CLOSED = object()
_OVERFLOW = object()


class Subscription:
    def __init__(self, bus: InMemoryBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize + 1)  # +1: room for the marker
        self._maxsize = maxsize
        self.closed = False

    def _offer(self, event: Event) -> None:
        if self.closed:
            return
        if self._queue.qsize() >= self._maxsize:
            self.closed = True
            self._bus._subscribers.discard(self)
            self._queue.put_nowait(_OVERFLOW)
            return
        self._queue.put_nowait(event)

    async def get(self) -> Event:
        item = await self._queue.get()
        if item is _OVERFLOW:
            raise BusOverflow("event subscriber fell behind and was dropped")
        if item is _CLOSED:
            raise StopAsyncIteration
        return item  # type: ignore[return-value]

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        return await self.get()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus._subscribers.discard(self)
            if not self._queue.full():
                self._queue.put_nowait(_CLOSED)


class InMemoryBus:
    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()

    def publish(self, event: Event) -> None:
        for sub in tuple(self._subscribers):
            sub._offer(event)

    def publish_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.publish(event)

    def subscribe(self, maxsize: int = 100_000) -> Subscription:
        sub = Subscription(self, maxsize)
        self._subscribers.add(sub)
        return sub

    async def close(self) -> None:
        for sub in tuple(self._subscribers):
            sub.close()
