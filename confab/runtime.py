"""Runtime: the live objects one server process shares (store, bus, apps, settings).

Built once at start-up; handlers and the gateway reach everything through it. Long-lived services an
area adds (the gateway's hub, the send batcher) are typed fields, set by their owner when it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from confab.bus import Bus, InMemoryBus
from confab.config import Settings
from confab.domain.apps import AppDirectory
from confab.store import Store

if TYPE_CHECKING:
    from confab.domain.app_stats import AppStats
    from confab.domain.c2c.sending import SendBatcher
    from confab.realtime.hub import Hub
    from confab.webhooks.service import Webhooks


def _app_stats() -> AppStats:
    from confab.domain.app_stats import AppStats

    return AppStats()


@dataclass
class Runtime:
    settings: Settings
    store: Store
    bus: Bus
    apps: AppDirectory
    started_at: float = field(default_factory=time.time)
    hub: Hub | None = None  # who is connected to this process's gateway (set by the server)
    c2c_sends: SendBatcher | None = None  # group commit for one-to-one sends (made at the first send)
    webhooks: Webhooks | None = None  # callbacks to the apps' backends (made at start)
    stats: AppStats = field(default_factory=_app_stats)  # operations data counted here (getappinfo)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        store = Store(settings.database_url, synchronous=settings.sqlite_synchronous)
        bus = InMemoryBus()
        store.publish = bus.publish_all  # what Tx.emit publishes after commit
        rt = cls(settings=settings, store=store, bus=bus, apps=AppDirectory(store))
        rt.stats.bind(rt)
        # every event published (after commit, or straight from presence) is counted once, here
        bus.publish = rt.stats.wrap(bus.publish)  # type: ignore[method-assign, assignment]
        return rt

    async def start(self) -> None:
        from confab.domain import archives, feed
        from confab.webhooks.service import Webhooks

        await self.store.migrate()
        self.spawn(feed.prune_forever(self.store))
        self.spawn(archives.archive_forever(self))  # open_msg_svc/get_history's hourly files
        self.spawn(self.stats.flush_forever(self))
        self.webhooks = Webhooks(self)
        self.webhooks.start(self)

    def spawn(self, coro: Any) -> asyncio.Task:
        """Run a background task for the life of the server (cancelled at close)."""
        task = asyncio.ensure_future(coro)
        self._tasks.append(task)
        return task

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        if self.webhooks is not None:
            with contextlib.suppress(Exception):
                await self.webhooks.close()
        with contextlib.suppress(Exception):  # the counts since the last flush
            await self.stats.flush(self, totals_now=True)
        await self.bus.close()
        await self.store.close()
