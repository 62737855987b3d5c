"""Reply models many APIs share, declared once (the endpoint's `response=`)."""

from __future__ import annotations

import msgspec


class NoFields(msgspec.Struct):
    """A reply with nothing after the envelope's four fields."""


class Displayed(msgspec.Struct):
    """A reply whose only field is the empty `ErrorDisplay` (profile, sns, recentcontact services)."""

    ErrorDisplay: str = ""
