"""Event buses: in-process (default) and, for several nodes, Redis pub/sub."""

from confab.bus.memory import BusOverflow, InMemoryBus, Subscription

__all__ = ["BusOverflow", "InMemoryBus", "Subscription"]
