"""Apps: SDKAppID, secret key, admin identifiers and settings; the directory that caches them.

Several apps live in one server; every query below is keyed by sdkappid.
"""

from __future__ import annotations

import builtins
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import msgspec
import sqlalchemy as sa

from confab.store import Store
from confab.store.tables.accounts import accounts, apps
from confab.usersig import UserSigError, VerifiedSig, verify
from confab.webhooks.config import WebhookSettings

CUSTOM_PROFILE_RE = re.compile(r"^Tag_Profile_Custom_[A-Za-z]{1,8}$")
CUSTOM_FRIEND_RE = re.compile(r"^Tag_SNS_Custom_[A-Za-z]{1,8}$")
GROUP_FIELD_KEY_RE = re.compile(r"^[A-Za-z0-9_]{1,16}$")  # reference/groups.md §8
MAX_GROUP_FIELDS = 10
MAX_GROUP_MEMBER_FIELDS = 5
GROUP_FIELD_MAX_BYTES = 512
GROUP_MEMBER_FIELD_MAX_BYTES = 64
# who may read or write a custom group field, from most to least privileged (reference/groups.md §8)
GROUP_FIELD_ACCESS = ("app_admin", "owner", "admin", "self", "member", "anyone")

_CACHE_TTL = 5.0  # seconds an app read from the store is trusted (other processes may change it)
_SIG_CACHE_SIZE = 4096


class CustomField(msgspec.Struct, forbid_unknown_fields=True):
    """A declared custom profile or friend field (DECISIONS 16)."""

    type: str = "string"  # "string" or "integer"
    max_len: int = 500  # bytes, for strings
    user_read: bool = True  # may app users (not only admins) read it through the gateway
    user_write: bool = True  # may app users write their own value through the gateway

    def __post_init__(self) -> None:
        if self.type not in ("string", "integer"):
            raise ValueError("custom field type must be 'string' or 'integer'")
        if not 1 <= self.max_len <= 500:
            raise ValueError("custom field max_len must be 1..500 bytes")


class GroupField(msgspec.Struct, forbid_unknown_fields=True):
    """A declared AppDefinedData (group) or AppMemberDefinedData (member) key.

    `read`/`write` name the least privileged who may read/write it from a device: app_admin, owner,
    admin, self (member fields: the member it belongs to), member, anyone. REST (the app admin) always may.
    """

    max_len: int = 0  # bytes; 0 = the type's maximum (512 group-level, 64 member-level)
    read: str = "anyone"
    write: str = "admin"

    def __post_init__(self) -> None:
        if self.read not in GROUP_FIELD_ACCESS or self.write not in GROUP_FIELD_ACCESS:
            raise ValueError(f"group field read/write must be one of {', '.join(GROUP_FIELD_ACCESS)}")
        if not 0 <= self.max_len <= GROUP_FIELD_MAX_BYTES:
            raise ValueError(f"group field max_len must be 0..{GROUP_FIELD_MAX_BYTES} bytes")


class AppSettings(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Per-app settings. Every field has the vendor's default; `confab app set` changes them."""

    name: str = ""
    disabled: bool = False  # 60016 on every REST call
    max_accounts: int = 0  # 0 = unlimited; else account_import beyond it gets 70398
    # REST calls per second per API: {"service/command": n, "*": n}; 0 = unlimited.
    # Absent entries use the seed's documented limit for that API.
    rate_limits: dict[str, int] = {}
    app_rate_limit: int = 0  # REST calls per second across all APIs of the app (60011); 0 = unlimited
    custom_profile_fields: dict[str, CustomField] = {}
    custom_friend_fields: dict[str, CustomField] = {}
    # one-to-one messaging
    c2c_recall_limit_seconds: int = 120  # how long a user may recall their own message
    c2c_check_friendship: bool = False  # user sends need a friendship (the console's "relationship check")
    batch_messages_per_minute: int = 12000  # batchsendmsg: each recipient counts (60007 beyond); 0 = off
    msg_extension_enabled: bool = True  # the console's "Set message extension" switch (10008 when off)
    # groups
    custom_group_fields: dict[str, GroupField] = {}  # AppDefinedData keys (<= 10)
    custom_group_member_fields: dict[str, GroupField] = {}  # AppMemberDefinedData keys (<= 5)
    group_max_members: dict[str, int] = {}  # per type name: lowers the type's ceiling (ruling 5)
    group_history_before_join: dict[str, bool] = {}  # per type name: overrides the type's default (ruling 9)
    group_member_tips_stored: dict[str, bool] = {}  # per type name: join/leave tips kept (ruling 9)
    group_attr_writes_per_second: int = 5  # per group (10049 beyond; seed 17007)
    group_msgs_per_second: int = 40  # per group; beyond it messages are dropped with MsgDropReason
    # send_broadcast_msg: the console switch the vendor sells with its Premium edition (10007 when off)
    group_broadcast: bool = True
    # live groups: how long a watcher without a connection stays in the room before going Offline (seed 33260)
    live_offline_seconds: float = 20.0
    # push to all users (all_member_push/im_push): the vendor sells it as a switch (90045 when off), with a
    # daily quota (90047) and a minimum interval between two pushes (90024; seed 7082-7083)
    all_member_push: bool = True
    push_daily_quota: int = 100  # pushes per UTC day; 0 = no limit
    push_interval_seconds: float = 1.0
    webhook: WebhookSettings = msgspec.field(default_factory=WebhookSettings)

    def validate(self) -> None:
        self.webhook.validate()
        for tag in self.custom_profile_fields:
            if not CUSTOM_PROFILE_RE.match(tag):
                raise ValueError(f"{tag}: custom profile fields are Tag_Profile_Custom_ + 1-8 letters")
        for tag in self.custom_friend_fields:
            if not CUSTOM_FRIEND_RE.match(tag):
                raise ValueError(f"{tag}: custom friend fields are Tag_SNS_Custom_ + 1-8 letters")
        for fields, most, size in (
            (self.custom_group_fields, MAX_GROUP_FIELDS, GROUP_FIELD_MAX_BYTES),
            (self.custom_group_member_fields, MAX_GROUP_MEMBER_FIELDS, GROUP_MEMBER_FIELD_MAX_BYTES),
        ):
            if len(fields) > most:
                raise ValueError(f"at most {most} custom group fields of a kind")
            for key, spec in fields.items():
                if not GROUP_FIELD_KEY_RE.match(key):
                    raise ValueError(f"{key}: custom group field keys are 1-16 of A-Z a-z 0-9 _")
                if spec.max_len > size:
                    raise ValueError(f"{key}: max_len at most {size} bytes")
        for name, limit in self.rate_limits.items():
            if limit < 0 or (name != "*" and name.count("/") != 1):
                raise ValueError(f"rate limit {name!r}: use 'service/command' or '*' with a count >= 0")


@dataclass
class App:
    sdkappid: int
    key: str
    admins: tuple[str, ...]
    settings: AppSettings
    created_at: int
    loaded_at: float = field(default_factory=time.monotonic)
    _sigs: OrderedDict[tuple[str, str], VerifiedSig] = field(default_factory=OrderedDict, repr=False)

    def is_admin(self, identifier: str) -> bool:
        return identifier in self.admins

    def verify_sig(self, identifier: str, usersig: str, now: int | None = None) -> VerifiedSig:
        """Verify a UserSig, remembering good ones: the HMAC and inflate are done once per sig.

        The cache lives on this App object, so a new key (a reloaded App) starts with none.
        """
        now = int(time.time()) if now is None else now
        cache_key = (identifier, usersig)
        hit = self._sigs.get(cache_key)
        if hit is not None:
            if now > hit.expires_at:
                del self._sigs[cache_key]
                raise UserSigError(70001, "UserSig expired; generate a new one")
            return hit
        verified = verify(usersig, self.sdkappid, self.key, identifier, now=now)
        self._sigs[cache_key] = verified
        if len(self._sigs) > _SIG_CACHE_SIZE:
            self._sigs.popitem(last=False)
        return verified

    def public(self, *, with_key: bool = False) -> dict:
        doc = {
            "SDKAppID": self.sdkappid,
            "Admins": list(self.admins),
            "Settings": msgspec.to_builtins(self.settings),
            "CreatedAt": self.created_at,
        }
        if with_key:
            doc["Key"] = self.key
        elif self.settings.webhook.token:  # a secret like the key: shown only with it
            doc["Settings"]["webhook"]["token"] = "(hidden; --show-key shows it)"
        return doc


def new_secret_key() -> str:
    return secrets.token_hex(32)


def new_sdkappid() -> int:
    # the vendor's SDKAppIDs are 10-digit numbers starting with 14/16/20
    return 1_600_000_000 + secrets.randbelow(300_000_000)


def _row_to_app(row: sa.Row) -> App:
    return App(
        sdkappid=row.sdkappid,
        key=row.secret_key,
        admins=tuple(msgspec.json.decode(row.admins)),
        settings=msgspec.json.decode(row.settings, type=AppSettings),
        created_at=row.created_at,
    )


class AppDirectory:
    """Apps by SDKAppID with a short-lived cache: every REST call needs its app, cheaply."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[int, App] = {}

    def cached(self, sdkappid: int) -> App | None:
        """The app as last read, without a query (None if never read here)."""
        return self._cache.get(sdkappid)

    async def get(self, sdkappid: int) -> App | None:
        app = self._cache.get(sdkappid)
        if app is not None and time.monotonic() - app.loaded_at < _CACHE_TTL:
            return app
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(apps).where(apps.c.sdkappid == sdkappid))).first()
        if row is None:
            self._cache.pop(sdkappid, None)
            return None
        fresh = _row_to_app(row)
        if app is not None and app.key == fresh.key:
            fresh._sigs = app._sigs  # same key: verified sigs stay good
        self._cache[sdkappid] = fresh
        return fresh

    async def list(self) -> builtins.list[App]:
        async with self.store.read() as conn:
            rows = (await conn.execute(sa.select(apps).order_by(apps.c.created_at, apps.c.sdkappid))).all()
        return [_row_to_app(r) for r in rows]

    async def create(
        self,
        sdkappid: int | None = None,
        key: str | None = None,
        admins: builtins.list[str] | None = None,
        settings: AppSettings | None = None,
    ) -> App:
        settings = settings or AppSettings()
        settings.validate()
        admins = admins or ["administrator"]
        for admin in admins:
            if not admin or len(admin.encode()) > 32:
                raise ValueError(f"admin identifier {admin!r} must be 1-32 bytes")
        now = int(time.time())
        app = App(
            sdkappid=sdkappid if sdkappid is not None else new_sdkappid(),
            key=key or new_secret_key(),
            admins=tuple(dict.fromkeys(admins)),
            settings=settings,
            created_at=now,
        )
        async with self.store.tx() as tx:
            exists = await tx.execute(sa.select(apps.c.sdkappid).where(apps.c.sdkappid == app.sdkappid))
            if exists.first() is not None:
                raise ValueError(f"SDKAppID {app.sdkappid} already exists")
            await tx.execute(
                apps.insert().values(
                    sdkappid=app.sdkappid,
                    secret_key=app.key,
                    admins=msgspec.json.encode(list(app.admins)).decode(),
                    settings=msgspec.json.encode(settings).decode(),
                    created_at=now,
                )
            )
            # App admins are accounts too: they send messages when From_Account is omitted.
            await tx.execute(
                accounts.insert(),
                [{"sdkappid": app.sdkappid, "user_id": a, "created_at": now, "profile": "{}"} for a in app.admins],
            )
        self._cache[app.sdkappid] = app
        return app

    async def update(
        self,
        sdkappid: int,
        *,
        key: str | None = None,
        admins: builtins.list[str] | None = None,
        settings: AppSettings | None = None,
    ) -> App:
        app = await self.get(sdkappid)
        if app is None:
            raise LookupError(f"no app with SDKAppID {sdkappid}")
        values: dict[str, object] = {}
        if key is not None:
            values["secret_key"] = key
        if admins is not None:
            values["admins"] = msgspec.json.encode(list(dict.fromkeys(admins))).decode()
        if settings is not None:
            settings.validate()
            values["settings"] = msgspec.json.encode(settings).decode()
        now = int(time.time())
        async with self.store.tx() as tx:
            await tx.execute(apps.update().where(apps.c.sdkappid == sdkappid).values(**values))
            for admin in admins or []:
                found = await tx.execute(
                    sa.select(accounts.c.user_id).where(accounts.c.sdkappid == sdkappid, accounts.c.user_id == admin)
                )
                if found.first() is None:
                    await tx.execute(
                        accounts.insert().values(sdkappid=sdkappid, user_id=admin, created_at=now, profile="{}")
                    )
        self._cache.pop(sdkappid, None)
        updated = await self.get(sdkappid)
        assert updated is not None
        return updated
