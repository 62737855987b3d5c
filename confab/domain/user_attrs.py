"""App attribute names, user attributes and user tags (`all_member_push`; seed 004 lines 7576-9067).

- An app names at most ten attributes, indexes "0".."9" (im_set_attr_name, seed 7576-7732). Names are
  unique within the app: the user APIs address an attribute by its name.
- A user holds at most one value per attribute, at most 50 bytes (im_set_attr, seed 8188); values are
  stored by index, so renaming an attribute keeps its values.
- A user holds at most 100 tags of at most 50 bytes; one im_add_tag call adds at most 10 per user
  (seed 8613-8618; the push page's codes 90020 and 90032, seed 7514, 7522).
- Every call names at most 100 accounts (90018).

Setting attributes or adding tags requires imported accounts (refused with 90001 otherwise, so no row
outlives or precedes its account); getting and removing accept any UserID. Everything is validated
before the first write, and each call writes in one transaction with one statement per table.

The later push by condition (seed 6893-7575) reads `attr_indexes` and the tables' value/tag indexes
(`confab.store.tables.user_attrs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa

from confab.domain import accounts as accounts_area
from confab.domain.apps import App
from confab.domain.limits import utf8_len, valid_user_id
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.accounts import accounts
from confab.store.tables.user_attrs import push_attr_names, user_attrs, user_tags
from confab.store.upsert import upsert

if TYPE_CHECKING:
    from confab.runtime import Runtime

INVALID = 90001  # the service's parameter code (the pages list it for every malformed request)
TOO_MANY_ACCOUNTS = 90018
INVALID_ATTR = 90033
TAG_TOO_LONG = 90020
TOO_MANY_TAGS = 90032
EMPTY_TAG = 90040

ACCOUNTS_MAX = 100  # seed 7888, 8084, 8267, 8444, 8613, 8773, 8925
ATTR_INDEXES = tuple(str(n) for n in range(10))  # "0".."9" (seed 7654-7661)
ATTR_NAME_MAX_BYTES = 50  # seed 7659
ATTR_VALUE_MAX_BYTES = 50  # seed 8188
TAG_MAX_BYTES = 50  # seed 8618
TAGS_PER_USER_MAX = 100  # seed 8616
TAGS_PER_ADD_MAX = 10  # per user in one im_add_tag call (seed 8613, 7522)
TAGS_PER_REMOVE_MAX = TAGS_PER_USER_MAX  # a removal can name every tag a user may hold

_names_json = msgspec.json.Decoder(dict[str, str])
_encode = msgspec.json.Encoder().encode

_NAMES = sa.select(push_attr_names.c.names).where(push_attr_names.c.sdkappid == sa.bindparam("app"))
_NAMES_LOCK = _NAMES.with_for_update()
_WRITE_NAMES = (
    push_attr_names.update()
    .where(push_attr_names.c.sdkappid == sa.bindparam("app"))
    .values(names=sa.bindparam("new_names"))
)
# Locks the accounts a write is about, in user_id order (the order every account lock here takes, see
# domain.feed): a concurrent account_delete waits, so no attribute or tag outlives its account, and two
# im_add_tag calls for one user cannot both pass the 100-tag limit. FOR NO KEY UPDATE on PostgreSQL;
# SQLite's single writer serialises anyway.
_LOCK_ACCOUNTS = (
    sa.select(accounts.c.user_id)
    .where(accounts.c.sdkappid == sa.bindparam("app"), accounts.c.user_id.in_(sa.bindparam("uids", expanding=True)))
    .order_by(accounts.c.user_id)
    .with_for_update(key_share=True)
)
_ATTRS_OF = sa.select(user_attrs.c.user_id, user_attrs.c.idx, user_attrs.c.value).where(
    user_attrs.c.sdkappid == sa.bindparam("app"), user_attrs.c.user_id.in_(sa.bindparam("uids", expanding=True))
)
_REMOVE_ATTR = user_attrs.delete().where(
    user_attrs.c.sdkappid == sa.bindparam("app"),
    user_attrs.c.user_id == sa.bindparam("uid"),
    user_attrs.c.idx == sa.bindparam("index"),
)
_TAGS_OF = sa.select(user_tags.c.user_id, user_tags.c.tag).where(
    user_tags.c.sdkappid == sa.bindparam("app"), user_tags.c.user_id.in_(sa.bindparam("uids", expanding=True))
)
_REMOVE_TAG = user_tags.delete().where(
    user_tags.c.sdkappid == sa.bindparam("app"),
    user_tags.c.user_id == sa.bindparam("uid"),
    user_tags.c.tag == sa.bindparam("the_tag"),
)
_REMOVE_ALL_TAGS = user_tags.delete().where(
    user_tags.c.sdkappid == sa.bindparam("app"), user_tags.c.user_id.in_(sa.bindparam("uids", expanding=True))
)
_INSERT_TAGS = user_tags.insert()


# -- validation -------------------------------------------------------------------------------------


def _accounts(user_ids: Sequence[str], field: str) -> list[str]:
    """1..100 valid UserIDs (duplicates allowed, answered once), in request order."""
    if not user_ids:
        raise ApiError(INVALID, f"{field} must name at least one account")
    if len(user_ids) > ACCOUNTS_MAX:
        raise ApiError(TOO_MANY_ACCOUNTS, f"{field} names {len(user_ids)} accounts; at most {ACCOUNTS_MAX}")
    for user_id in user_ids:
        if not valid_user_id(user_id):
            raise ApiError(INVALID, f"{field}: {user_id!r} is not a UserID of 1-32 bytes")
    return list(dict.fromkeys(user_ids))


def _tag(tag: str, where: str) -> str:
    if tag == "":
        raise ApiError(EMPTY_TAG, f"{where}: a tag may not be empty")
    if utf8_len(tag) > TAG_MAX_BYTES:
        raise ApiError(TAG_TOO_LONG, f"{where}: tag {tag[:20]!r}... is longer than {TAG_MAX_BYTES} bytes")
    return tag


async def _require_accounts(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    """Lock these accounts; refuse the call if any is not imported."""
    found: set[str] = set()
    for part in accounts_area.chunks(sorted(user_ids)):
        found.update(r[0] for r in await tx.execute(_LOCK_ACCOUNTS, {"app": sdkappid, "uids": part}))
    missing = [u for u in user_ids if u not in found]
    if missing:
        raise ApiError(INVALID, f"To_Account {missing[0]!r} is not an account of this app")


# -- attribute names ---------------------------------------------------------------------------------


async def _read_names(conn: object, sdkappid: int) -> dict[str, str]:
    row = (await conn.execute(_NAMES, {"app": sdkappid})).first()  # type: ignore[attr-defined]
    return _names_json.decode(row[0]) if row else {}


def _ordered(names: dict[str, str]) -> dict[str, str]:
    return {key: names[key] for key in ATTR_INDEXES if key in names}


async def get_attr_names(rt: Runtime, app: App) -> dict[str, str]:
    """{"0": "sex", "1": "city"}: the app's attribute names by index, in index order."""
    async with rt.store.read() as conn:
        return _ordered(await _read_names(conn, app.sdkappid))


async def attr_indexes(conn: object, sdkappid: int) -> dict[str, int]:
    """name -> index (0..9) of the app's attributes (for push conditions)."""
    return {name: int(key) for key, name in (await _read_names(conn, sdkappid)).items()}


async def set_attr_names(rt: Runtime, app: App, changes: dict[str, str]) -> dict[str, str]:
    """Name (or rename) attributes by index; indexes left out keep their names. Returns the new set.

    Renaming keeps the values users hold under that index. Two attributes may not share a name.
    """
    for key, name in changes.items():
        if key not in ATTR_INDEXES:
            raise ApiError(INVALID, f'AttrNames: key {key[:20]!r} is not an attribute index "0".."9"')
        if not name:
            raise ApiError(INVALID, f"AttrNames.{key}: an attribute name may not be empty")
        if utf8_len(name) > ATTR_NAME_MAX_BYTES:
            raise ApiError(INVALID, f"AttrNames.{key}: the name is longer than {ATTR_NAME_MAX_BYTES} bytes")
    async with rt.store.tx() as tx:
        params = {"app": app.sdkappid}
        await tx.execute(upsert(rt.store.dialect, push_attr_names, ("sdkappid",), ()), {"sdkappid": app.sdkappid})
        row = (await tx.execute(_NAMES_LOCK, params)).first()
        names = _names_json.decode(row[0]) if row else {}
        names.update(changes)
        seen: dict[str, str] = {}
        for key in ATTR_INDEXES:
            if key not in names:
                continue
            if names[key] in seen:
                raise ApiError(INVALID, f"attributes {seen[names[key]]} and {key} would both be named {names[key]!r}")
            seen[names[key]] = key
        names = _ordered(names)
        if changes:
            await tx.execute(_WRITE_NAMES, {**params, "new_names": _encode(names).decode()})
    return names


# -- user attributes ---------------------------------------------------------------------------------


def _unknown_attr(name: str) -> ApiError:
    return ApiError(INVALID_ATTR, f"{name[:60]!r} is not an attribute name of this app (see im_set_attr_name)")


def _index_of(names: dict[str, str]) -> dict[str, int]:
    return {name: int(key) for key, name in names.items()}


async def get_attrs(rt: Runtime, app: App, user_ids: Sequence[str]) -> list[tuple[str, dict[str, str]]]:
    """Each account (in request order, once) with its attributes by name; {} for none (or no account)."""
    wanted = _accounts(user_ids, "To_Account")
    async with rt.store.read() as conn:
        names = await _read_names(conn, app.sdkappid)
        rows = list(await conn.execute(_ATTRS_OF, {"app": app.sdkappid, "uids": wanted}))
    held: dict[str, dict[int, str]] = {u: {} for u in wanted}
    for row in rows:
        held[row.user_id][row.idx] = row.value
    out: list[tuple[str, dict[str, str]]] = []
    for user_id in wanted:
        values = held[user_id]
        out.append((user_id, {names[str(i)]: values[i] for i in sorted(values) if str(i) in names}))
    return out


async def set_attrs(rt: Runtime, app: App, items: Sequence[tuple[str, dict[str, str]]]) -> None:
    """Set attribute values per account; attributes left out keep theirs. Later items win."""
    _accounts([user_id for user_id, _ in items], "UserAttrs.To_Account")
    for user_id, attrs in items:
        for name, value in attrs.items():
            if utf8_len(value) > ATTR_VALUE_MAX_BYTES:
                raise ApiError(
                    INVALID_ATTR, f"{user_id}: the value of {name[:20]!r} is longer than {ATTR_VALUE_MAX_BYTES} bytes"
                )
    async with rt.store.tx() as tx:
        index_of = _index_of(await _read_names(tx.conn, app.sdkappid))
        rows: dict[tuple[str, int], str] = {}
        for user_id, attrs in items:
            for name, value in attrs.items():
                if name not in index_of:
                    raise _unknown_attr(name)
                rows[(user_id, index_of[name])] = value
        await _require_accounts(tx, app.sdkappid, list(dict.fromkeys(u for u, _ in items)))
        if rows:
            stmt = upsert(rt.store.dialect, user_attrs, ("sdkappid", "user_id", "idx"), ("value",))
            await tx.execute(
                stmt,
                [{"sdkappid": app.sdkappid, "user_id": u, "idx": i, "value": v} for (u, i), v in rows.items()],
            )


async def remove_attrs(rt: Runtime, app: App, items: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Remove the named attributes' values of each account (absent values are no error)."""
    _accounts([user_id for user_id, _ in items], "UserAttrs.To_Account")
    for user_id, attr_names in items:
        if len(attr_names) > len(ATTR_INDEXES):
            raise ApiError(INVALID_ATTR, f"{user_id}: Attrs names {len(attr_names)} attributes; an app has at most 10")
    async with rt.store.tx() as tx:
        index_of = _index_of(await _read_names(tx.conn, app.sdkappid))
        pairs: set[tuple[str, int]] = set()
        for user_id, attr_names in items:
            for name in attr_names:
                if name not in index_of:
                    raise _unknown_attr(name)
                pairs.add((user_id, index_of[name]))
        if pairs:
            await tx.execute(_REMOVE_ATTR, [{"app": app.sdkappid, "uid": u, "index": i} for u, i in sorted(pairs)])


# -- user tags ---------------------------------------------------------------------------------------


async def _tags_of(conn: object, sdkappid: int, user_ids: list[str]) -> dict[str, set[str]]:
    held: dict[str, set[str]] = {u: set() for u in user_ids}
    for part in accounts_area.chunks(user_ids):
        for user_id, tag in await conn.execute(_TAGS_OF, {"app": sdkappid, "uids": part}):  # type: ignore[attr-defined]
            held[user_id].add(tag)
    return held


async def get_tags(rt: Runtime, app: App, user_ids: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Each account (in request order, once) with its tags, sorted; [] for none (or no account)."""
    wanted = _accounts(user_ids, "To_Account")
    async with rt.store.read() as conn:
        held = await _tags_of(conn, app.sdkappid, wanted)
    return [(user_id, sorted(held[user_id])) for user_id in wanted]


def _tag_items(items: Sequence[tuple[str, Sequence[str]]], per_user: int, verb: str) -> dict[str, list[str]]:
    _accounts([user_id for user_id, _ in items], "UserTags.To_Account")
    merged: dict[str, list[str]] = {}
    for user_id, tags in items:
        if len(tags) > per_user:
            raise ApiError(TOO_MANY_TAGS, f"{user_id}: {len(tags)} tags to {verb}; at most {per_user} per account")
        into = merged.setdefault(user_id, [])
        into.extend(_tag(tag, f"UserTags {user_id}") for tag in tags)
    return {user_id: list(dict.fromkeys(tags)) for user_id, tags in merged.items()}


async def add_tags(rt: Runtime, app: App, items: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Add tags to each account (tags it holds already are no error); at most 100 per account."""
    wanted = _tag_items(items, TAGS_PER_ADD_MAX, "add")
    async with rt.store.tx() as tx:
        await _require_accounts(tx, app.sdkappid, list(wanted))
        held = await _tags_of(tx.conn, app.sdkappid, list(wanted))
        rows: list[dict[str, object]] = []
        for user_id, tags in wanted.items():
            new = [tag for tag in tags if tag not in held[user_id]]
            if len(held[user_id]) + len(new) > TAGS_PER_USER_MAX:
                raise ApiError(
                    TOO_MANY_TAGS,
                    f"{user_id} holds {len(held[user_id])} tags; adding {len(new)} would pass the limit of "
                    f"{TAGS_PER_USER_MAX} (remove old tags first)",
                )
            rows.extend({"sdkappid": app.sdkappid, "user_id": user_id, "tag": tag} for tag in new)
        if rows:
            await tx.execute(_INSERT_TAGS, rows)


async def remove_tags(rt: Runtime, app: App, items: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Remove tags from each account (tags it does not hold are no error)."""
    wanted = _tag_items(items, TAGS_PER_REMOVE_MAX, "remove")
    params = [{"app": app.sdkappid, "uid": u, "the_tag": tag} for u, tags in wanted.items() for tag in tags]
    if params:
        async with rt.store.tx() as tx:
            await tx.execute(_REMOVE_TAG, params)


async def remove_all_tags(rt: Runtime, app: App, user_ids: Sequence[str]) -> None:
    wanted = _accounts(user_ids, "To_Account")
    async with rt.store.tx() as tx:
        await tx.execute(_REMOVE_ALL_TAGS, {"app": app.sdkappid, "uids": wanted})


# -- account deletion --------------------------------------------------------------------------------


async def purge_accounts(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    """A deleted account's attribute values and tags go with it (installed by domain.areas)."""
    for part in accounts_area.chunks(user_ids):
        await tx.execute(user_attrs.delete().where(user_attrs.c.sdkappid == sdkappid, user_attrs.c.user_id.in_(part)))
        await tx.execute(user_tags.delete().where(user_tags.c.sdkappid == sdkappid, user_tags.c.user_id.in_(part)))
