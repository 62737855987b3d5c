"""Which connected users are in which group, so a group's stream entry reaches its online members
without a database query per entry.

The index covers only users with a device connected to this process: a user's groups are read once,
with one indexed query (ix_group_members_user), when their first device attaches, and dropped when
their last one detaches. Membership events (created, joined, left, destroyed) keep it current. A
group tip to a group of 6,000 of whom 100 are online here costs one bus event and 100 pushes.

Events published while a user's groups are being read are not lost: the user's record logs the
membership changes and holds the group entries meanwhile; once the rows are in, the changes are
replayed over them (adds and removes are idempotent, so a change the read already saw is harmless)
and the held entries of the user's groups are handed back for delivery.

Each process indexes its own connections, so the scheme works unchanged over a shared bus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from confab.domain.groups.notices import GroupCreated, GroupDestroyed, GroupEntry, MembersJoined, MembersLeft
from confab.events import Event
from confab.store.tables.groups import group_members

_USER_GROUPS = sa.select(group_members.c.group_id).where(
    group_members.c.sdkappid == sa.bindparam("app"), group_members.c.user_id == sa.bindparam("user")
)

AppUser = tuple[int, str]
AppGroup = tuple[int, str]


@dataclass(slots=True)
class _Loading:
    """A user whose groups are being read: what happened meanwhile."""

    changes: list[tuple[str, bool]] = field(default_factory=list)  # (group_id, joined?) in bus order
    held: list[GroupEntry] = field(default_factory=list)


class GroupIndex:
    def __init__(self) -> None:
        self._online: dict[AppGroup, set[str]] = {}  # (app, group) -> connected members
        self._groups: dict[AppUser, set[str]] = {}  # (app, user) -> their groups (indexed users only)
        self._loading: dict[int, dict[str, _Loading]] = {}  # app -> user -> record

    # -- users coming and going ----------------------------------------------------------------------

    def expect(self, app: int, user: str) -> None:
        """The user's first device attached: start logging changes until `load` has their rows."""
        self._loading.setdefault(app, {})[user] = _Loading()

    async def load(self, conn: Any, app: int, user: str, also: set[str] | None = None) -> list[GroupEntry]:
        """Read the user's groups (one query) and index them, with `also` (the live groups they are
        watching, which have no member rows); returns the entries held meanwhile that concern them.
        Does nothing if the user went away (or came back) during the read."""
        record = self._loading.get(app, {}).get(user)
        if record is None:
            return []
        try:
            rows = await conn.execute(_USER_GROUPS, {"app": app, "user": user})
            found = {r[0] for r in rows}
        finally:
            pending = self._loading.get(app, {})
            current = pending.get(user) is record
            if current:
                del pending[user]
                if not pending:
                    del self._loading[app]
        if not current:
            return []
        found |= also or set()
        for group_id, joined in record.changes:
            (found.add if joined else found.discard)(group_id)
        for group_id in self._groups.get((app, user), set()) - found:  # a re-read (Hub.reindex)
            self._leave(app, group_id, user)
        self._groups[(app, user)] = found
        for group_id in found:
            self._online.setdefault((app, group_id), set()).add(user)
        return [e for e in record.held if e.group_id in found]

    def forget(self, app: int, user: str) -> None:
        """The user's last device detached."""
        pending = self._loading.get(app)
        if pending is not None and pending.pop(user, None) is not None and not pending:
            del self._loading[app]
        for group_id in self._groups.pop((app, user), ()):
            self._leave(app, group_id, user)

    def online(self, app: int, group_id: str) -> set[str]:
        """The group's members connected here."""
        return self._online.get((app, group_id), set())

    def online_count(self, app: int, group_id: str) -> int:
        return len(self._online.get((app, group_id), ()))

    def users(self) -> list[AppUser]:
        """Every indexed user (to re-read after the hub missed events)."""
        return list(self._groups)

    # -- the bus ---------------------------------------------------------------------------------------

    def route(self, entry: GroupEntry) -> set[str]:
        """The connected members an entry goes to (and hold it for users still loading)."""
        pending = self._loading.get(entry.sdkappid)
        if pending:
            for record in pending.values():
                record.held.append(entry)
        return self._online.get((entry.sdkappid, entry.group_id), set())

    def observe(self, event: Event) -> None:
        """Apply a membership event to the users connected here."""
        if isinstance(event, MembersJoined):
            self._change(event.sdkappid, event.group_id, event.user_ids, joined=True)
        elif isinstance(event, GroupCreated):
            self._change(event.sdkappid, event.group_id, event.members, joined=True)
        elif isinstance(event, MembersLeft):
            self._change(event.sdkappid, event.group_id, event.user_ids, joined=False)
        elif isinstance(event, GroupDestroyed):
            for user in self._online.pop((event.sdkappid, event.group_id), set()):
                self._groups.get((event.sdkappid, user), set()).discard(event.group_id)
            for record in self._loading.get(event.sdkappid, {}).values():
                record.changes.append((event.group_id, False))

    def drop(self, app: int, group_id: str, user_ids: list[str]) -> None:
        """These users are out of the group (e.g. banned from a live group, which has no rows)."""
        self._change(app, group_id, user_ids, joined=False)

    def _change(self, app: int, group_id: str, user_ids: list[str], *, joined: bool) -> None:
        pending = self._loading.get(app, {})
        for user in user_ids:
            record = pending.get(user)
            if record is not None:
                record.changes.append((group_id, joined))
            groups = self._groups.get((app, user))
            if groups is None:
                continue  # not connected here
            if joined:
                groups.add(group_id)
                self._online.setdefault((app, group_id), set()).add(user)
            else:
                groups.discard(group_id)
                self._leave(app, group_id, user)

    def _leave(self, app: int, group_id: str, user: str) -> None:
        online = self._online.get((app, group_id))
        if online is not None:
            online.discard(user)
            if not online:
                del self._online[(app, group_id)]
