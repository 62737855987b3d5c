"""Runtime: the live objects one server process shares (store, bus, apps, settings).

Built once at start-up; handlers and the gateway reach everything through it. Areas hang their
own long-lived services (caches, background tasks) on `extras` by name.
"""

from __future__ import annotations

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

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        store = Store(settings.database_url)
        return cls(settings=settings, store=store, bus=InMemoryBus(), apps=AppDirectory(store))

    async def start(self) -> None:
        await self.store.migrate()

    async def close(self) -> None:
        await self.bus.close()
        await self.store.close()
