"""ApiError: how every layer says "answer with this vendor error code"."""

from __future__ import annotations

from typing import Any

from confab.error_table import ERROR_INFO


class ApiError(Exception):
    """A failed call, answered with ActionStatus FAIL and the vendor's ErrorCode.

    `fields` are extra response fields some APIs return even on failure (e.g. per-item lists).
    """

    def __init__(self, code: int, info: str | None = None, **fields: Any) -> None:
        self.code = code
        self.info = info if info is not None else ERROR_INFO.get(code, "error")
        self.fields = fields
        super().__init__(f"{code}: {self.info}")


def error_info(code: int) -> str:
    return ERROR_INFO.get(code, "error")
