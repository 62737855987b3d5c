"""Settings: defaults, the TOML file, and the environment over the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from confab.config import Settings


def test_defaults() -> None:
    settings = Settings.load({})
    assert (settings.host, settings.port, settings.bootstrap_admin) == ("127.0.0.1", 8080, "administrator")
    assert settings.database_url.startswith("sqlite+aiosqlite:///") and settings.database_url.endswith("data/confab.db")
    assert settings.bootstrap_sdkappid is None and settings.bootstrap_key is None


def test_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "confab.toml"
    path.write_text('CONFAB_PORT = 9000\nCONFAB_HOST = "0.0.0.0"\nCONFAB_BOOTSTRAP_SDKAPPID = 1400000001\n')
    settings = Settings.load({"CONFAB_CONFIG": str(path), "CONFAB_PORT": "9100"})
    assert (settings.host, settings.port, settings.bootstrap_sdkappid) == ("0.0.0.0", 9100, 1400000001)


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        Settings.load({"CONFAB_CONFIG": str(tmp_path / "nope.toml")})
