"""Where the call being served came from: the `OptPlatform` and `ClientIP` of the callbacks it causes.

A context variable, so the domain needs no extra parameter: the REST envelope sets RESTAPI, the
caller's address and its admin identifier, the gateway sets the device's platform for each op it
dispatches. Changes made over REST are announced under that admin (`rest_admin`).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    platform: str  # "RESTAPI", "Web", "Android", "iOS", "Windows", "macOS", "iPad", "Unknown"
    client_ip: str = ""
    identifier: str = ""  # the REST call's app admin (identifier=), or the device's user


def rest_admin(admins: tuple[str, ...]) -> str:
    """The app admin a REST change is made by: the call's own identifier, else the app's first admin."""
    found = current.get().identifier
    return found if found in admins else (admins[0] if admins else "")


REST = Origin("RESTAPI")
UNKNOWN = Origin("Unknown")

current: ContextVar[Origin] = ContextVar("confab_webhook_origin", default=UNKNOWN)
