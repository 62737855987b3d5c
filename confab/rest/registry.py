"""The endpoint table: (service, command) -> handler + request model + the API's own error codes.

Every REST API is registered once here, with the `@endpoint` decorator in its area module under
`confab.rest.api`. The same table drives dispatch, the OpenAPI document and `confab endpoints`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from confab.rest.call import Call

Handler = Callable[["Call", Any], Awaitable[Any]]


@dataclass(frozen=True)
class Endpoint:
    service: str
    command: str
    handler: Handler
    request: type[msgspec.Struct]
    response: type[msgspec.Struct] | None
    summary: str
    seed: str  # where the seed documents it, e.g. "004:20895-21045"
    param_error: int  # the API's "invalid parameter" code (70402, 40001, 90001 ...)
    json_error: int  # what a body that is not JSON gets
    admin_error: int  # what a non-admin caller gets (70403, 40004, 90009 ... or 60010)
    internal_error: int  # what an unexpected server fault is answered with (70500, 40006, 91000 ...)
    rate_limit: int  # calls per second per app, as the seed documents it (0 = none)
    # field name -> code when that field is missing or of the wrong type (e.g. sendmsg To_Account -> 90003)
    field_errors: dict[str, int] = field(default_factory=dict)
    # account fields that are not strings get 60015 unless field_errors names them
    account_type_error: bool = True

    @property
    def path(self) -> str:
        return f"/v4/{self.service}/{self.command}"

    @property
    def key(self) -> str:
        return f"{self.service}/{self.command}"


class Registry:
    def __init__(self) -> None:
        self._endpoints: dict[tuple[str, str], Endpoint] = {}

    def endpoint(
        self,
        service: str,
        command: str,
        *,
        request: type[msgspec.Struct],
        response: type[msgspec.Struct] | None = None,
        summary: str,
        seed: str,
        param_error: int,
        admin_error: int = 60010,
        internal_error: int = 70500,
        json_error: int = 60003,
        rate_limit: int = 200,
        field_errors: dict[str, int] | None = None,
        account_type_error: bool = True,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            key = (service, command)
            if key in self._endpoints:
                raise RuntimeError(f"v4/{service}/{command} registered twice")
            self._endpoints[key] = Endpoint(
                service=service,
                command=command,
                handler=handler,
                request=request,
                response=response,
                summary=summary,
                seed=seed,
                param_error=param_error,
                json_error=json_error,
                admin_error=admin_error,
                internal_error=internal_error,
                rate_limit=rate_limit,
                field_errors=dict(field_errors or {}),
                account_type_error=account_type_error,
            )
            return handler

        return register

    def get(self, service: str, command: str) -> Endpoint | None:
        return self._endpoints.get((service, command))

    def all(self) -> list[Endpoint]:
        return sorted(self._endpoints.values(), key=lambda e: (e.service, e.command))


registry = Registry()
endpoint = registry.endpoint


def load_all() -> Registry:
    """Import every area module so that its endpoints are registered."""
    import importlib
    import pkgutil

    from confab.rest import api

    for info in pkgutil.iter_modules(api.__path__):
        importlib.import_module(f"{api.__name__}.{info.name}")
    return registry
