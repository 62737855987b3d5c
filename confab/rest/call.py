"""What a handler gets besides its decoded request: the app, the caller and the runtime."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from confab.domain.apps import App
from confab.runtime import Runtime


@dataclass(slots=True)
class Call:
    rt: Runtime
    app: App
    identifier: str  # the app admin making the call
    request_id: str
    params: Mapping[str, str] = field(default_factory=dict)  # the query string (e.g. GetIPList's nettype)
    base_url: str = ""  # scheme and host the request came to (URLs in replies: get_history's downloads)
