"""The endpoint table: (service, command) -> handler + request model + the API's own error codes.

Every REST API is registered once, by `@SERVICE.endpoint("command", ...)` in its area module under
`confab.rest.api` (the services are declared in `confab.rest.services`). The same table drives dispatch,
the OpenAPI document and `confab endpoints`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from confab.decoding import require_bounded_ints
from confab.rest import catalog

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
    # older top-level field names server SDKs still send -> the seed's name (DECISIONS 21)
    aliases: dict[str, str] = field(default_factory=dict)
    # the service's successful replies end with "ErrorDisplay": "" (profile, sns, recentcontact)
    error_display: bool = False
    # an older command name (catalog.ALIASES): the seed's command it stands for
    alias_of: str = ""

    @property
    def path(self) -> str:
        return f"/v4/{self.service}/{self.command}"

    @property
    def key(self) -> str:
        return f"{self.service}/{self.command}"


class Registry:
    def __init__(self) -> None:
        self._endpoints: dict[tuple[str, str], Endpoint] = {}

    def add(self, endpoint: Endpoint) -> None:
        key = (endpoint.service, endpoint.command)
        if key in self._endpoints:
            raise RuntimeError(f"v4/{endpoint.key} registered twice")
        require_bounded_ints(endpoint.request, f"v4/{endpoint.key}")
        self._endpoints[key] = endpoint

    def get(self, service: str, command: str) -> Endpoint | None:
        return self._endpoints.get((service, command))

    def all(self) -> list[Endpoint]:
        return sorted(self._endpoints.values(), key=lambda e: (e.service, e.command))


registry = Registry()

H = TypeVar("H", bound=Handler)


@dataclass(frozen=True, slots=True)
class Service:
    """A vendor service and the codes its APIs answer with unless an API's own page says otherwise."""

    name: str
    param_error: int  # the "invalid parameter" code (70402, 40001, 90001 ...)
    json_error: int = 60003  # a body that is not JSON
    admin_error: int = 60010  # a caller that is not an app admin
    internal_error: int = 70500  # an unexpected server fault
    error_display: bool = False  # successful replies end with "ErrorDisplay": "" (set by the envelope)

    def endpoint(
        self,
        command: str,
        *,
        request: type[msgspec.Struct],
        response: type[msgspec.Struct] | None = None,
        rate_limit: int = 200,
        param_error: int | None = None,
        json_error: int | None = None,
        field_errors: dict[str, int] | None = None,
        account_type_error: bool = True,
        aliases: dict[str, str] | None = None,
        into: Registry = registry,
    ) -> Callable[[H], H]:
        """Register the decorated handler as `v4/{service}/{command}`; its title and seed lines come from
        the catalog (a command the catalog does not list fails here, at import)."""
        entry = catalog.entry(self.name, command)

        def register(handler: H) -> H:
            into.add(
                Endpoint(
                    service=self.name,
                    command=command,
                    handler=handler,
                    request=request,
                    response=response,
                    summary=entry.title,
                    seed=entry.seed,
                    param_error=self.param_error if param_error is None else param_error,
                    json_error=self.json_error if json_error is None else json_error,
                    admin_error=self.admin_error,
                    internal_error=self.internal_error,
                    rate_limit=rate_limit,
                    field_errors=dict(field_errors or {}),
                    account_type_error=account_type_error,
                    aliases=dict(aliases or {}),
                    error_display=self.error_display,
                    alias_of=entry.alias_of,
                )
            )
            return handler

        return register


def load_all() -> Registry:
    """Import every module under `confab.rest.api` (subpackages too) so that its endpoints are registered."""
    import importlib
    import pkgutil

    from confab.rest import api

    for info in pkgutil.walk_packages(api.__path__, prefix=f"{api.__name__}."):
        importlib.import_module(info.name)
    return registry
