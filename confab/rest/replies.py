"""Reply models many APIs share, declared once (the endpoint's `response=`)."""

from __future__ import annotations

from typing import Any

import msgspec


class NoFields(msgspec.Struct):
    """A reply with nothing after the envelope's four fields."""


class Displayed(msgspec.Struct):
    """A reply whose only field is the empty `ErrorDisplay` (profile, sns, recentcontact services)."""

    ErrorDisplay: str = ""


class ResultItem(msgspec.Struct, omit_defaults=True):
    """One account's outcome in a batch reply (sns, and later the group member APIs)."""

    To_Account: str
    ResultCode: int
    ResultInfo: str
    Relation: str | None = None  # friend_check / black_list_check


class ResultItems(msgspec.Struct, omit_defaults=True):
    """`ResultItem` per account and the accounts that failed (`Fail_Account`, left out when none)."""

    ResultItem: list[ResultItem]
    Fail_Account: list[str] | None = None
    ErrorDisplay: str = ""


class InfoItems(msgspec.Struct, omit_defaults=True):
    """friend_check, black_list_check, friend_get_list: per-account items under `InfoItem`."""

    InfoItem: list[dict[str, Any]]
    Fail_Account: list[str] | None = None
    ErrorDisplay: str = ""


class BlackListCheckItems(msgspec.Struct, omit_defaults=True):
    BlackListCheckItem: list[dict[str, Any]]
    Fail_Account: list[str] | None = None
    ErrorDisplay: str = ""
