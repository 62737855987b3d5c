"""Runtime: the live objects one server process shares (store, bus, apps, settings).

Built once at start-up; handlers and the gateway reach everything through it. Areas hang their
own long-lived services (caches, background tasks) on `extras` by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from confab.bus import InMemoryBus
from confab.config import Settings
from confab.domain.apps import AppDirectory
from confab.store import Store


@dataclass
class Runtime:
    settings: Settings
    store: Store
    bus: InMemoryBus
    apps: AppDirectory
    started_at: float = field(default_factory=time.time)
    extras: dict[str, Any] = field(default_factory=dict)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        store = Store(settings.database_url)
        return cls(settings=settings, store=store, bus=InMemoryBus(), apps=AppDirectory(store))

    async def start(self) -> None:
        await self.store.migrate()
        self.spawn(self._prune_feed())

    def spawn(self, coro: Any) -> asyncio.Task:
        """Run a background task for the life of the server (cancelled at close)."""
        task = asyncio.ensure_future(coro)
        self._tasks.append(task)
        return task

    async def _prune_feed(self) -> None:
        from confab.domain import feed

        while True:
            await asyncio.sleep(3600)
            try:
                async with self.store.tx() as tx:
                    await feed.prune(tx)
            except Exception:
                logging.getLogger("confab").exception("feed pruning failed")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        await self.bus.close()
        await self.store.close()
