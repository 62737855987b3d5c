"""A short schemathesis fuzz of every REST operation (bench/fuzz_openapi.py) against the session's server.

Fails on any internal error: a reply that is not HTTP 200 JSON with the envelope's four fields, an
ErrorInfo "internal server error ...", or a traceback logged by the server while a call ran.
CONFAB_TEST_FUZZ_SECONDS sets the time (default 20; 0 skips), CONFAB_TEST_FUZZ_SEED replays a run
(the seed is printed in the failure). SQLite backend only: the fuzz is about the request path, and
one backend keeps the suite's time bounded.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from confab.domain.apps import AppSettings
from confab.rest.registry import load_all
from tests.support import ServerHandle

SECONDS = float(os.environ.get("CONFAB_TEST_FUZZ_SECONDS", "20"))
SEED = os.environ.get("CONFAB_TEST_FUZZ_SEED")
SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "fuzz_openapi.py"


def _fuzz_module() -> ModuleType:
    if "fuzz_openapi" in sys.modules:
        return sys.modules["fuzz_openapi"]
    spec = importlib.util.spec_from_file_location("fuzz_openapi", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_openapi"] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(SECONDS <= 0, reason="CONFAB_TEST_FUZZ_SECONDS=0")
def test_fuzz_every_operation_without_internal_errors(server: ServerHandle) -> None:
    if server.backend != "sqlite":
        pytest.skip("the fuzz runs on the SQLite backend only")
    pytest.importorskip("schemathesis")
    fuzz = _fuzz_module()
    app = server.create_app(settings=AppSettings(rate_limits={"*": 0}))
    errors = fuzz.ErrorLog().install()
    try:
        fuzzer = fuzz.Fuzzer(server.base_url, app.sdkappid, app.key, app.admins[0], errors)
        report = fuzzer.run(seconds=SECONDS, seed=int(SEED) if SEED else None, shrink_calls=40)
    finally:
        errors.remove()
    assert report.operations == len(load_all().all()), report.summary()
    assert all(report.per_operation.values()), report.summary()
    assert report.ok, report.summary()
