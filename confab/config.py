"""Server configuration: environment variables, or the same names in an optional TOML file.

Precedence: environment > config file (`CONFAB_CONFIG`, default `./confab.toml` when present) > defaults.
The file holds the same names as the environment, e.g. `CONFAB_PORT = 9000`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


def default_database_url(data_dir: str = "data") -> str:
    return f"sqlite+aiosqlite:///{Path(data_dir) / 'confab.db'}"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = field(default_factory=default_database_url)
    redis_url: str | None = None
    bootstrap_sdkappid: int | None = None
    bootstrap_key: str | None = None
    bootstrap_admin: str = "administrator"
    max_body_bytes: int = 1 << 20  # far above any documented request; bigger bodies are refused unread
    max_inflight_requests: int = 512  # beyond this the server sheds load with 60018 instead of queueing
    log_level: str = "info"

    @classmethod
    def load(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        config_path = env.get("CONFAB_CONFIG")
        path = Path(config_path) if config_path else Path("confab.toml")
        if path.is_file():
            with path.open("rb") as fh:
                values.update({k.upper(): v for k, v in tomllib.load(fh).items()})
        elif config_path:
            raise SystemExit(f"CONFAB_CONFIG points to {config_path}, which does not exist")
        values.update({k: v for k, v in env.items() if k.startswith("CONFAB_")})

        def get(name: str, default: object) -> object:
            return values.get(f"CONFAB_{name.upper()}", default)

        base = cls()
        sdkappid = get("bootstrap_sdkappid", None)
        return cls(
            host=str(get("host", base.host)),
            port=int(get("port", base.port)),  # type: ignore[arg-type]
            database_url=str(get("database_url", base.database_url)),
            redis_url=(str(get("redis_url", "")) or None),
            bootstrap_sdkappid=int(sdkappid) if sdkappid not in (None, "") else None,  # type: ignore[arg-type]
            bootstrap_key=(str(get("bootstrap_key", "")) or None),
            bootstrap_admin=str(get("bootstrap_admin", base.bootstrap_admin)),
            max_body_bytes=int(get("max_body_bytes", base.max_body_bytes)),  # type: ignore[arg-type]
            max_inflight_requests=int(get("max_inflight_requests", base.max_inflight_requests)),  # type: ignore[arg-type]
            log_level=str(get("log_level", base.log_level)),
        )
