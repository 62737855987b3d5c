"""Where the call being served came from: the `OptPlatform` and `ClientIP` of the callbacks it causes.

A context variable, so the domain needs no extra parameter: the REST envelope sets RESTAPI and the
caller's address, the gateway sets the device's platform for each op it dispatches.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    platform: str  # "RESTAPI", "Web", "Android", "iOS", "Windows", "macOS", "iPad", "Unknown"
    client_ip: str = ""


REST = Origin("RESTAPI")
UNKNOWN = Origin("Unknown")

current: ContextVar[Origin] = ContextVar("confab_webhook_origin", default=UNKNOWN)
