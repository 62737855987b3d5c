"""Per-item results: the `ResultItem` lists batch APIs answer with, one code per account.

A batch call decides each item on its own: an item that fails a check gets that check's code and the
call goes on with the next (`Refused` carries the code out of the item's decision). The relationship
chain uses it today; the group member APIs (Member_Account results) will use the same helpers.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """This item is refused with `code` (the call itself goes on)."""

    def __init__(self, code: int, info: str) -> None:
        super().__init__(f"{code}: {info}")
        self.code = code
        self.info = info


def item(key: str, value: str, code: int = 0, info: str = "") -> dict[str, Any]:
    """One result entry, e.g. item("To_Account", "bob", 30003, "Err_...")."""
    return {key: value, "ResultCode": code, "ResultInfo": info}
