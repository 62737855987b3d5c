"""The webhook machinery one server process runs: its HTTP client, its delivery log, its outbox worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from confab.webhooks import after
from confab.webhooks.log import DeliveryLog
from confab.webhooks.outbox import Outbox, record
from confab.webhooks.transport import Transport

if TYPE_CHECKING:
    from confab.runtime import Runtime
    from confab.store import Tx


class Webhooks:
    def __init__(self, rt: Runtime) -> None:
        after.install()
        self.transport = Transport()
        self.log = DeliveryLog(rt.store)
        self.outbox = Outbox(rt, self.transport)

        async def before_commit(tx: Tx) -> None:
            await record(rt, tx)

        rt.store.before_commit = before_commit

    def start(self, rt: Runtime) -> None:
        rt.spawn(self.outbox.run())
        rt.spawn(self.log.run())

    async def close(self) -> None:
        try:
            await self.log.flush()
            await self.outbox.release_all()
        finally:
            await self.transport.close()
