"""Server configuration: environment variables, or the same names in an optional TOML file.

Precedence: environment > config file (`CONFAB_CONFIG`, default `./confab.toml` when present) > defaults.
The file holds the same names as the environment, e.g. `CONFAB_PORT = 9000`.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def default_database_url(data_dir: str = "data") -> str:
    return f"sqlite+aiosqlite:///{Path(data_dir) / 'confab.db'}"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = field(default_factory=default_database_url)
    # SQLite's PRAGMA synchronous: "full" syncs the WAL at every commit, so an acknowledged write
    # survives power loss; "normal" is faster but an OS crash can lose the last acknowledged writes.
    sqlite_synchronous: str = "full"
    redis_url: str | None = None
    bootstrap_sdkappid: int | None = None
    bootstrap_key: str | None = None
    bootstrap_admin: str = "administrator"
    max_body_bytes: int = 1 << 20  # far above any documented request; bigger bodies are refused unread
    max_inflight_requests: int = 512  # beyond this the server sheds load with 60018 instead of queueing
    max_header_bytes: int = 64 * 1024  # a larger request head is answered 431 (confab/transport.py)
    header_timeout: float = 10.0  # seconds for a request head to arrive (408 after)
    body_timeout: float = 30.0  # seconds for a request body to arrive after its head (408 after)
    ws_close_grace: float = 5.0  # seconds a WebSocket close may wait on a peer that does not read
    log_level: str = "info"
    # ConfigSvc/GetIPList: the addresses devices reach this deployment at, and those its webhooks leave
    # from (comma-separated IPs or CIDR ranges; empty: the listening address)
    public_addresses: tuple[str, ...] = ()
    webhook_addresses: tuple[str, ...] = ()
    # open_msg_svc/get_history's hourly files (domain.archives); "" = `archives/` beside the SQLite
    # database, or `data/archives` on PostgreSQL
    archive_dir: str = ""

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

        def get(name: str, default: object) -> Any:
            return values.get(f"CONFAB_{name.upper()}", default)

        base = cls()
        sdkappid = get("bootstrap_sdkappid", None)
        synchronous = str(get("sqlite_synchronous", base.sqlite_synchronous)).strip().lower()
        if synchronous not in ("full", "normal"):
            raise SystemExit(f"CONFAB_SQLITE_SYNCHRONOUS must be full or normal, not {synchronous!r}")
        return cls(
            host=str(get("host", base.host)),
            port=int(get("port", base.port)),
            database_url=str(get("database_url", base.database_url)),
            sqlite_synchronous=synchronous,
            redis_url=(str(get("redis_url", "")) or None),
            bootstrap_sdkappid=int(sdkappid) if sdkappid not in (None, "") else None,
            bootstrap_key=(str(get("bootstrap_key", "")) or None),
            bootstrap_admin=str(get("bootstrap_admin", base.bootstrap_admin)),
            max_body_bytes=int(get("max_body_bytes", base.max_body_bytes)),
            max_inflight_requests=int(get("max_inflight_requests", base.max_inflight_requests)),
            max_header_bytes=int(get("max_header_bytes", base.max_header_bytes)),
            header_timeout=float(get("header_timeout", base.header_timeout)),
            body_timeout=float(get("body_timeout", base.body_timeout)),
            ws_close_grace=float(get("ws_close_grace", base.ws_close_grace)),
            log_level=str(get("log_level", base.log_level)),
            public_addresses=_addresses(get("public_addresses", "")),
            webhook_addresses=_addresses(get("webhook_addresses", "")),
            archive_dir=str(get("archive_dir", base.archive_dir)),
        )


def _addresses(value: object) -> tuple[str, ...]:
    """A list of IPs or CIDR ranges, from TOML (a list) or the environment (comma-separated)."""
    items = value if isinstance(value, list) else str(value).split(",")
    found = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SystemExit(f"{item!r} is not an IP address or CIDR range") from None
        found.append(item)
    return tuple(found)
