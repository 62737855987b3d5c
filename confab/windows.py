"""Counting within fixed time windows, per key: the one mechanism behind every "N per second/minute" rule.

A key's window opens at its first use and lasts `seconds`, so a rule never depends on where a burst falls
relative to the clock's second or minute boundaries. Memory is bounded: past `max_keys`, the keys used
least recently are forgotten (an idle key loses nothing by starting a fresh window).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable


class WindowCounter:
    def __init__(self, seconds: float, max_keys: int = 100_000) -> None:
        self._seconds = seconds
        self._max_keys = max_keys
        self._windows: OrderedDict[Hashable, list[float]] = OrderedDict()  # key -> [opened at, used]

    def take(self, key: Hashable, limit: int, amount: int = 1) -> bool:
        """Count `amount` against `key` if it fits within `limit` for the current window; False if not.
        A limit of 0 or less means no limit."""
        if limit <= 0:
            return True
        now = time.monotonic()
        window = self._windows.get(key)
        if window is None or now - window[0] >= self._seconds:
            window = [now, 0]
            self._windows[key] = window
            if len(self._windows) > self._max_keys:
                self._windows.popitem(last=False)
        self._windows.move_to_end(key)
        if window[1] + amount > limit:
            return False
        window[1] += amount
        return True
