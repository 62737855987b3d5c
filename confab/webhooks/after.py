"""After-callbacks: which domain event makes which callback body (reference/webhooks.md §3).

A builder is registered for a command and the event types it reports:

    @after("Group.CallbackAfterGroupDestroyed", GroupDestroyed)
    async def group_destroyed(tx, app, event) -> list[dict]: ...

It runs inside the event's own transaction, only when the app has that command switched on, and
returns the bodies to post (usually one; none to skip, e.g. a `ForbidCallbackControl` the event
carries). `CallbackCommand` is added by the outbox. Builders live in `confab/webhooks/commands/`, one
module per area, imported once by `install()` (with the domain, where before-callback Sites are
declared), so the registry is complete whatever else happens to be imported.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from typing import Any

from confab.webhooks import catalog

Builder = Callable[[Any, Any, Any], Awaitable[list[dict[str, Any]]]]  # (tx, app, event) -> bodies

AFTER: dict[type, list[tuple[str, Builder]]] = {}
IMPLEMENTED: set[str] = set()  # commands with a builder (after) or a declared call site (before, request)


def after(command: str, *event_types: type) -> Callable[[Builder], Builder]:
    found = catalog.command(command)
    if found.kind != "after":
        raise ValueError(f"{command} is a {found.kind}-callback, not an after-callback")
    if not event_types:
        raise ValueError(f"{command}: name the event types it reports")

    def register(fn: Builder) -> Builder:
        for event_type in event_types:
            AFTER.setdefault(event_type, []).append((command, fn))
        IMPLEMENTED.add(command)
        return fn

    return register


_installed = False


def install() -> None:
    """Import every builder module (confab/webhooks/commands/*) and every domain module (where the
    before-callback Sites are declared), once, so the registry is complete."""
    global _installed
    if _installed:
        return
    import confab.domain
    from confab.webhooks import commands

    for package in (commands, confab.domain):
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            importlib.import_module(info.name)
    _installed = True
