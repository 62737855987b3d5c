"""Fixtures: one real server per database backend, a fresh app per test.

Backends: SQLite always; PostgreSQL when reachable (CONFAB_TEST_PG_URL, default the local server),
and required when CONFAB_TEST_REQUIRE_PG=1 (CI). CONFAB_TEST_BACKENDS=sqlite limits the run.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from confab.client.rest import RestClient, http_client
from confab.config import Settings
from confab.domain.apps import AppSettings
from tests.support import AppHandle, ServerHandle, TempPostgres, postgres_available
from tests.webhooks import Receiver


def _backends() -> list[str]:
    wanted = os.environ.get("CONFAB_TEST_BACKENDS")
    if wanted:
        return [b.strip() for b in wanted.split(",") if b.strip()]
    backends = ["sqlite"]
    if os.environ.get("CONFAB_TEST_REQUIRE_PG") == "1" or postgres_available():
        backends.append("postgresql")
    return backends


@pytest.fixture(scope="session", params=_backends())
def server(request: pytest.FixtureRequest) -> Iterator[ServerHandle]:
    backend = request.param
    with tempfile.TemporaryDirectory(prefix="confab-test-") as tmp:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'confab.db'}"
            handle = ServerHandle(Settings(database_url=url), backend).start()
            yield handle
            handle.stop()
        else:
            with TempPostgres() as url:
                handle = ServerHandle(Settings(database_url=url), backend).start()
                yield handle
                handle.stop()


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(128) as client:
        yield client


@pytest.fixture
def make_app(server: ServerHandle, http: httpx.AsyncClient):
    """Factory for extra apps: make_app(admins=[...], settings=AppSettings(...))."""

    def make(admins: list[str] | None = None, settings: AppSettings | None = None) -> AppHandle:
        app = server.create_app(admins=admins, settings=settings)
        rest = RestClient(server.base_url, app.sdkappid, app.key, app.admins[0], http=http)
        return AppHandle(server, app, rest)

    return make


@pytest.fixture
def app(make_app) -> AppHandle:
    """A fresh app (its own SDKAppID) for one test: tests never see each other's data."""
    return make_app()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real webhook receiver (tests/webhooks.py) for one test."""
    found = Receiver().start()
    yield found
    found.stop()
