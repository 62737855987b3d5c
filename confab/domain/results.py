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


def reply(
    list_key: str,
    items: list[dict[str, Any]],
    failed: list[str] | None = None,
    *,
    key: str = "To_Account",
    not_failures: frozenset[int] = frozenset({0}),
) -> dict[str, Any]:
    """`{list_key: items}` plus `Fail_Account` (left out when empty), the one place it is set: the
    accounts named in `failed`, or else those whose ResultCode is not in `not_failures`."""
    doc: dict[str, Any] = {list_key: items}
    if failed is None:
        failed = [i[key] for i in items if i.get("ResultCode", 0) not in not_failures]
    if failed:
        doc["Fail_Account"] = failed
    return doc
