"""The `confab` command: serve, usersig, app create|list|show|set|field|group-field, endpoints, migrate."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shlex
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec

from confab import usersig
from confab.config import Settings
from confab.domain.apps import GROUP_FIELD_ACCESS, App, AppDirectory, AppSettings, CustomField, GroupField
from confab.store import Store
from confab.webhooks.config import WebhookSettings


def _run(fn: Callable[[AppDirectory], Awaitable[Any]], settings: Settings) -> Any:
    async def main() -> Any:
        store = Store(settings.database_url)
        try:
            await store.migrate()
            return await fn(AppDirectory(store))
        finally:
            await store.close()

    return asyncio.run(main())


def _print_app(app: App, *, with_key: bool) -> None:
    print(json.dumps(app.public(with_key=with_key), indent=2, ensure_ascii=False))


def _quickstart(app: App, settings: Settings) -> str:
    admin = app.admins[0]
    sig = usersig.generate(app.sdkappid, app.key, admin)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    url = (
        f"http://{host}:{settings.port}/v4/im_open_login_svc/account_check"
        f"?sdkappid={app.sdkappid}&identifier={admin}&usersig={sig}&random=1&contenttype=json"
    )
    body = json.dumps({"CheckItem": [{"UserID": admin}]})
    return (
        f"  SDKAppID:   {app.sdkappid}\n"
        f"  Key:        {app.key}\n"
        f"  Admin:      {admin}\n"
        f"  Admin UserSig (valid 180 days):\n    {sig}\n"
        f"  Try it:\n    curl -s -X POST {shlex.quote(url)} -d {shlex.quote(body)}\n"
    )


def first_app_file(settings: Settings) -> Path:
    """Where the first app's secrets go when they must not be printed: beside the SQLite store."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "first-app.txt"
    return Path("data").resolve() / "first-app.txt"


def announce_first_app(app: App, settings: Settings, *, interactive: bool) -> str:
    """What `confab serve` says about the app it created.

    The secret key and a long-lived admin UserSig are printed only to a terminal: stdout that is not one
    usually ends up in a log. Otherwise they go to a file only the owner may read, and the output says
    where.
    """
    details = _quickstart(app, settings)
    if interactive:
        return "Created the first app:\n" + details
    path = first_app_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        os.fchmod(fh.fileno(), 0o600)  # also when the file was already there
        fh.write("The first app of this Confab server:\n" + details)
    return (
        f"Created the first app, SDKAppID {app.sdkappid}. Its secret key, an admin UserSig and a curl\n"
        f"command that works as pasted are in {path} (readable by you only): cat it."
    )


async def _bootstrap(apps: AppDirectory, settings: Settings) -> App | None:
    """Create the first app when the store has none (from CONFAB_BOOTSTRAP_* or at random)."""
    if await apps.list():
        return None
    return await apps.create(
        sdkappid=settings.bootstrap_sdkappid, key=settings.bootstrap_key, admins=[settings.bootstrap_admin]
    )


class MigrationSummary(logging.Filter):
    """Alembic's INFO lines (one per revision, placeholders included) folded into one summary line."""

    def __init__(self) -> None:
        super().__init__()
        self.applied: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        if message.startswith("Running upgrade"):
            self.applied.append(message.split("-> ", 1)[-1].split(",", 1)[0].strip())
        return False

    def summary(self) -> str | None:
        if not self.applied:
            return None
        n = len(self.applied)
        return f"Database schema: {n} migration{'s' if n > 1 else ''} applied, now at {self.applied[-1]}."


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from confab import transport
    from confab.server import create_app

    if args.host:
        settings = _with(settings, host=args.host)
    if args.port:
        settings = _with(settings, port=args.port)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    migrations = MigrationSummary()
    logging.getLogger("alembic.runtime.migration").addFilter(migrations)
    created = _run(lambda apps: _bootstrap(apps, settings), settings)
    summary = migrations.summary()
    if summary:
        print(summary, flush=True)
    if created is not None:
        print(announce_first_app(created, settings, interactive=sys.stdout.isatty()), flush=True)
    base = f"http://{settings.host}:{settings.port}"
    print(
        f"Confab listening on {base} (store: {_safe_url(settings)})\n"
        f"  REST v4: {base}/v4/<service>/<command>   docs: {base}/docs\n"
        f"  gateway: ws://{settings.host}:{settings.port}/v4/ws   chat demo: {base}/demo",
        flush=True,
    )
    uvicorn.Server(transport.config(create_app(settings), settings)).run()
    return 0


def _with(settings: Settings, **changes: Any) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def cmd_usersig(args: argparse.Namespace, _: Settings) -> int:
    userbuf = args.userbuf.encode() if args.userbuf is not None else None
    print(usersig.generate(args.sdkappid, args.key, args.identifier, args.expire, userbuf=userbuf))
    return 0


def cmd_endpoints(args: argparse.Namespace, _: Settings) -> int:
    from confab.rest.catalog import SEED_ENDPOINTS
    from confab.rest.registry import load_all

    registry = load_all()
    done = 0
    for service, command, title, seed in SEED_ENDPOINTS:
        implemented = registry.get(service, command) is not None
        done += implemented
        if args.missing and implemented:
            continue
        mark = "implemented" if implemented else "missing    "
        print(f"{mark}  v4/{service}/{command:<32}  {title}  ({seed})")
    extra = [e for e in registry.all() if (e.service, e.command) not in {(s, c) for s, c, _, _ in SEED_ENDPOINTS}]
    for e in extra:
        print(f"extra        v4/{e.key}  {e.summary}")
    print(f"\n{done} of {len(SEED_ENDPOINTS)} seed endpoints implemented")
    return 0


def cmd_migrate(_: argparse.Namespace, settings: Settings) -> int:
    _run(lambda apps: asyncio.sleep(0), settings)
    print("schema is up to date")
    return 0


def _parse_setting(text: str) -> tuple[str, Any]:
    name, sep, raw = text.partition("=")
    if not sep:
        raise SystemExit(f"--setting takes name=value, got {text!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name.strip(), value


def cmd_app(args: argparse.Namespace, settings: Settings) -> int:
    action = args.app_command

    async def run(apps: AppDirectory) -> int:
        if action == "create":
            app_settings = AppSettings(name=args.name or "")
            for text in args.setting or []:
                name, value = _parse_setting(text)
                app_settings = _apply_setting(app_settings, name, value)
            app = await apps.create(sdkappid=args.sdkappid, key=args.key, admins=args.admin, settings=app_settings)
            print("Created app:\n" + _quickstart(app, settings))
            return 0
        if action == "list":
            for app in await apps.list():
                print(f"{app.sdkappid}\tadmins={','.join(app.admins)}\tname={app.settings.name}")
            return 0
        found = await apps.get(args.sdkappid)
        if found is None:
            print(f"no app with SDKAppID {args.sdkappid}", file=sys.stderr)
            return 1
        app = found
        if action == "show":
            _print_app(app, with_key=args.show_key)
            return 0
        if action == "set":
            new_settings = app.settings
            for text in args.setting or []:
                name, value = _parse_setting(text)
                new_settings = _apply_setting(new_settings, name, value)
            updated = await apps.update(app.sdkappid, key=args.key, admins=args.admin, settings=new_settings)
            _print_app(updated, with_key=False)
            return 0
        if action == "field":
            attr = "custom_profile_fields" if args.tag.startswith("Tag_Profile_") else "custom_friend_fields"
            fields = dict(getattr(app.settings, attr))
            if args.remove:
                fields.pop(args.tag, None)
            else:
                fields[args.tag] = CustomField(
                    type=args.type,
                    max_len=args.max_len,
                    user_read=not args.admin_read_only,
                    user_write=not args.admin_write_only,
                )
            new_settings = msgspec.structs.replace(app.settings, **{attr: fields})
            updated = await apps.update(app.sdkappid, settings=new_settings)
            _print_app(updated, with_key=False)
            return 0
        if action == "group-field":
            updated = await apps.update(app.sdkappid, settings=_group_field(app.settings, args))
            _print_app(updated, with_key=False)
            return 0
        if action == "webhook":
            hook = _webhook(app.settings.webhook, args)
            updated = await apps.update(app.sdkappid, settings=msgspec.structs.replace(app.settings, webhook=hook))
            _print_app(updated, with_key=False)
            return 0
        raise SystemExit(f"unknown app command {action}")

    try:
        return _run(run, settings)
    except (ValueError, msgspec.ValidationError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _webhook(current: WebhookSettings, args: argparse.Namespace) -> WebhookSettings:
    """The app's webhook settings with this command line's changes (apps.update validates them)."""
    from confab.webhooks.catalog import COMMANDS

    commands = list(current.commands)
    if args.all:
        commands = [c.name for c in COMMANDS]
    for name in args.on or []:
        if name not in commands:
            commands.append(name)
    commands = [c for c in commands if c not in (args.off or [])]
    fail_closed = [c for c in current.fail_closed if c not in (args.fail_open or [])]
    fail_closed += [c for c in args.fail_closed or [] if c not in fail_closed]
    changes: dict[str, Any] = {"commands": commands, "fail_closed": fail_closed}
    for name in ("url", "token", "timeout", "retries", "backlog", "client_cert", "client_key", "ca_file"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.retry_after is not None:
        changes["retry_after"] = args.retry_after
    return msgspec.structs.replace(current, **changes)


def cmd_webhooks(args: argparse.Namespace, settings: Settings) -> int:
    """List the seed's callback commands and which Confab sends; or an app's recent deliveries."""
    from confab.webhooks import after, catalog
    from confab.webhooks import log as delivery_log

    if args.webhooks_command == "log":

        async def recent(apps: AppDirectory) -> list[dict[str, Any]]:
            async with apps.store.read() as conn:
                return await delivery_log.recent(conn, args.sdkappid, args.n)

        for row in reversed(_run(recent, settings)):
            at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row["at"] / 1000))
            detail = f"  {row['error']}" if row["error"] else ""
            print(
                f"{at}  {row['command']:<40} {row['status']:<8} http={row['http_status']:<3} "
                f"{row['latency_ms']:8.1f} ms  attempts={row['attempts']}{detail}"
            )
        return 0
    after.install()
    done = 0
    for command in catalog.COMMANDS:
        implemented = command.name in after.IMPLEMENTED
        done += implemented
        if args.missing and implemented:
            continue
        mark = "implemented" if implemented else "missing    "
        print(f"{mark}  {command.name:<40} {command.kind:<7} {command.trigger}  ({command.seed})")
    print(f"\n{done} of {len(catalog.COMMANDS)} seed callback commands implemented")
    return 0


def _group_field(current: AppSettings, args: argparse.Namespace) -> AppSettings:
    """Declare (or remove) an AppDefinedData key, or with --member an AppMemberDefinedData key."""
    attr = "custom_group_member_fields" if args.member else "custom_group_fields"
    declared = dict(getattr(current, attr))
    if args.remove:
        declared.pop(args.key, None)
    else:
        declared[args.key] = GroupField(max_len=args.max_len, read=args.read, write=args.write)
    return msgspec.structs.replace(current, **{attr: declared})  # apps.update validates count and key


def _apply_setting(current: AppSettings, name: str, value: Any) -> AppSettings:
    doc = msgspec.to_builtins(current)
    doc[name] = value
    try:
        return msgspec.convert(doc, AppSettings)
    except msgspec.ValidationError as err:
        raise ValueError(f"setting {name}: {err}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="confab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the server (creates the first app when there is none)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    sig = sub.add_parser("usersig", help="print a UserSig (TLS sig v2)")
    sig.add_argument("--sdkappid", type=int, required=True)
    sig.add_argument("--key", required=True)
    sig.add_argument("--identifier", required=True)
    sig.add_argument("--expire", type=int, default=usersig.DEFAULT_EXPIRE, help="validity in seconds")
    sig.add_argument("--userbuf", help="optional userbuf (text)")
    sig.set_defaults(func=cmd_usersig)

    eps = sub.add_parser("endpoints", help="list the seed's REST endpoints and which are implemented")
    eps.add_argument("--missing", action="store_true", help="only those not implemented yet")
    eps.set_defaults(func=cmd_endpoints)

    mig = sub.add_parser("migrate", help="bring the database schema up to date")
    mig.set_defaults(func=cmd_migrate)

    app = sub.add_parser("app", help="manage apps")
    app_sub = app.add_subparsers(dest="app_command", required=True)
    create = app_sub.add_parser("create")
    create.add_argument("--sdkappid", type=int)
    create.add_argument("--key")
    create.add_argument("--admin", action="append", help="admin identifier (repeatable; default administrator)")
    create.add_argument("--name")
    create.add_argument("--setting", action="append", help="name=value (JSON values allowed)")
    app_sub.add_parser("list")
    show = app_sub.add_parser("show")
    show.add_argument("sdkappid", type=int)
    show.add_argument("--show-key", action="store_true")
    setp = app_sub.add_parser("set", help="change key, admins or settings")
    setp.add_argument("sdkappid", type=int)
    setp.add_argument("--key")
    setp.add_argument("--admin", action="append", help="replaces the admin list (repeatable)")
    setp.add_argument("--setting", action="append", help="name=value (JSON values allowed)")
    field = app_sub.add_parser("field", help="declare (or --remove) a custom profile or friend field")
    field.add_argument("sdkappid", type=int)
    field.add_argument("tag", help="Tag_Profile_Custom_Xxx or Tag_SNS_Custom_Xxx")
    field.add_argument("--type", choices=["string", "integer"], default="string")
    field.add_argument("--max-len", type=int, default=500)
    field.add_argument("--admin-read-only", action="store_true")
    field.add_argument("--admin-write-only", action="store_true")
    field.add_argument("--remove", action="store_true")
    gfield = app_sub.add_parser(
        "group-field",
        help="declare (or --remove) a custom group field (AppDefinedData; --member: AppMemberDefinedData)",
    )
    gfield.add_argument("sdkappid", type=int)
    gfield.add_argument("key", help="1-16 of A-Z a-z 0-9 _")
    gfield.add_argument("--member", action="store_true", help="a member-level field (AppMemberDefinedData)")
    gfield.add_argument("--max-len", type=int, default=0, help="bytes; 0 = the most (512 group, 64 member)")
    gfield.add_argument("--read", choices=GROUP_FIELD_ACCESS, default="anyone", help="least who may read from a device")
    gfield.add_argument(
        "--write", choices=GROUP_FIELD_ACCESS, default="admin", help="least who may write from a device"
    )
    gfield.add_argument("--remove", action="store_true")
    hook = app_sub.add_parser("webhook", help="set the app's webhook URL, switches, token, policies")
    hook.add_argument("sdkappid", type=int)
    hook.add_argument("--url", help='http(s) URL of the receiver ("" turns webhooks off)')
    hook.add_argument("--on", action="append", metavar="COMMAND", help="switch a callback command on (repeatable)")
    hook.add_argument("--off", action="append", metavar="COMMAND", help="switch one off (repeatable)")
    hook.add_argument("--all", action="store_true", help="switch every command on")
    hook.add_argument("--token", help='the signing token ("" for none)')
    hook.add_argument("--timeout", type=float, help="seconds (default 2)")
    hook.add_argument(
        "--fail-closed", action="append", metavar="COMMAND", help="refuse when this before-callback fails"
    )
    hook.add_argument("--fail-open", action="append", metavar="COMMAND", help="allow when it fails (the default)")
    retry = hook.add_mutually_exclusive_group()
    retry.add_argument("--retry-after", dest="retry_after", action="store_true", default=None)
    retry.add_argument("--no-retry-after", dest="retry_after", action="store_false")
    hook.add_argument("--retries", type=int)
    hook.add_argument("--backlog", type=int, help="after-callbacks kept waiting per app")
    hook.add_argument("--client-cert", help="PEM file: client certificate for mutual TLS")
    hook.add_argument("--client-key", help="PEM file: its key")
    hook.add_argument("--ca-file", help="PEM file: the CA of the receiver's certificate")
    app.set_defaults(func=cmd_app)

    hooks = sub.add_parser("webhooks", help="list the seed's callback commands (or: log SDKAPPID)")
    hooks.add_argument("--missing", action="store_true", help="only those not implemented yet")
    hooks.set_defaults(func=cmd_webhooks, webhooks_command="list")
    hooks_sub = hooks.add_subparsers(dest="webhooks_command")
    hlog = hooks_sub.add_parser("log", help="an app's recent webhook deliveries, oldest first")
    hlog.add_argument("sdkappid", type=int)
    hlog.add_argument("-n", type=int, default=50, help="how many (default 50)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.load()
    return int(args.func(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
