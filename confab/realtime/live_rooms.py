"""Who is watching which live group (AVChatRoom) on this process: live membership is presence.

A live group has no member rows. A user joins over the gateway and is a member while a device of
theirs is connected; when the last one goes, they stay in the room for the app's grace period (the
seed's 20 s, 33260) so that a reconnect is seamless, then turn Offline: out of the online count and
list, no longer delivered to. If a device returns within REJOIN_SECONDS after that, they are back
Online without joining again (the vendor's Online event); after it they are forgotten.

Each process keeps only its own watchers, in memory: 10,000 watchers joining cost no database write.
On several processes sharing a bus, each one's share is combined by the directory behind
domain/groups/live.py (docs/architecture.md, "Live groups"): counts add up, online lists merge by
join time, which is why a watcher's join time is a microsecond stamp usable as a cursor everywhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

REJOIN_SECONDS = 300.0  # an Offline watcher whose device comes back within this is Online again

AppGroup = tuple[int, str]
AppUser = tuple[int, str]


@dataclass(slots=True)
class Watcher:
    joined_us: int  # join time, Unix µs, strictly increasing on this process (the online list's cursor)
    marks: set[int] = field(default_factory=set)  # live marks: cleared when the watcher leaves or goes Offline
    offline: bool = False


@dataclass(slots=True)
class Room:
    watchers: dict[str, Watcher] = field(default_factory=dict)  # in join order: the newest last
    offline: int = 0  # how many watchers are Offline (kept for their rejoin window)

    @property
    def online(self) -> int:
        return len(self.watchers) - self.offline


@dataclass(slots=True)
class _Away:
    """A watcher's user with no device here: when they turn Offline, and when they are forgotten."""

    offline_at: float  # monotonic
    forget_at: float
    went_offline: bool = False


# (app, group, user ids) handed to the owner when watchers turn Offline, come back Online or are dropped
StateChange = Callable[[int, str, str, list[str]], None]


class LiveRooms:
    def __init__(self, on_change: StateChange) -> None:
        self._rooms: dict[AppGroup, Room] = {}
        self._joined: dict[AppUser, set[str]] = {}  # (app, user) -> the live groups they are in here
        self._away: dict[AppUser, _Away] = {}
        self._grace: dict[AppUser, float] = {}  # the app's grace at the user's latest join
        self._last_us = 0
        self._on_change = on_change  # (app, group, "Offline" | "Online" | "Dropped", users)

    # -- joining and leaving ---------------------------------------------------------------------------

    def join(self, app: int, group_id: str, user: str, *, grace: float) -> bool:
        """The user (with a device connected here) joins. False when already watching (a repeat join
        after a reconnect is harmless); an Offline watcher joining again is simply Online again."""
        room = self._rooms.setdefault((app, group_id), Room())
        self._grace[(app, user)] = grace
        found = room.watchers.get(user)
        if found is not None and not found.offline:
            return False
        if found is not None:  # Offline, in the rejoin window: a fresh join (it moves to the newest)
            room.offline -= 1
            del room.watchers[user]
        room.watchers[user] = Watcher(self._stamp())
        self._joined.setdefault((app, user), set()).add(group_id)
        return True

    def leave(self, app: int, group_id: str, users: list[str]) -> list[str]:
        """These users leave the room (quit, banned); returns those who were in it."""
        room = self._rooms.get((app, group_id))
        if room is None:
            return []
        gone = []
        for user in users:
            watcher = room.watchers.pop(user, None)
            if watcher is None:
                continue
            gone.append(user)
            if watcher.offline:
                room.offline -= 1
            self._unlink(app, group_id, user)
        if not room.watchers:
            del self._rooms[(app, group_id)]
        return gone

    def close_room(self, app: int, group_id: str) -> None:
        """The group was destroyed."""
        room = self._rooms.pop((app, group_id), None)
        for user in room.watchers if room else ():
            self._unlink(app, group_id, user)

    # -- devices coming and going ----------------------------------------------------------------------

    def devices_gone(self, app: int, user: str, now: float | None = None) -> None:
        """The user's last device here went away: their rooms keep them through the grace period."""
        if (app, user) not in self._joined:
            return
        now = time.monotonic() if now is None else now
        grace = self._grace.get((app, user), 20.0)
        self._away[(app, user)] = _Away(offline_at=now + grace, forget_at=now + grace + REJOIN_SECONDS)

    def device_back(self, app: int, user: str) -> set[str]:
        """A device of the user is connected again: the live groups they are (again) watching."""
        away = self._away.pop((app, user), None)
        rooms = self._joined.get((app, user), set())
        if away is not None and away.went_offline:
            for group_id in rooms:
                room = self._rooms[(app, group_id)]
                watcher = room.watchers[user]
                if watcher.offline:
                    watcher.offline = False
                    room.offline -= 1
                self._on_change(app, group_id, "Online", [user])
        return set(rooms)

    def sweep(self, now: float | None = None) -> None:
        """Turn watchers Offline past their grace and forget them past their rejoin window (one pass
        over the users who have no device, never over every watcher)."""
        now = time.monotonic() if now is None else now
        offline: dict[AppGroup, list[str]] = {}
        dropped: dict[AppGroup, list[str]] = {}
        for key, away in list(self._away.items()):
            app, user = key
            if now >= away.forget_at:
                del self._away[key]
                for group_id in list(self._joined.get(key, ())):
                    dropped.setdefault((app, group_id), []).append(user)
                    self.leave(app, group_id, [user])
            elif now >= away.offline_at and not away.went_offline:
                away.went_offline = True
                for group_id in self._joined.get(key, ()):
                    room = self._rooms[(app, group_id)]
                    watcher = room.watchers[user]
                    watcher.offline = True
                    watcher.marks.clear()  # marks go with going offline (seed 18727-18729)
                    room.offline += 1
                    offline.setdefault((app, group_id), []).append(user)
        for (app, group_id), users in offline.items():
            self._on_change(app, group_id, "Offline", users)
        for (app, group_id), users in dropped.items():
            self._on_change(app, group_id, "Dropped", users)

    # -- reading -----------------------------------------------------------------------------------------

    def watching(self, app: int, group_id: str, user: str) -> bool:
        room = self._rooms.get((app, group_id))
        watcher = room.watchers.get(user) if room else None
        return watcher is not None and not watcher.offline

    def online_count(self, app: int, group_id: str) -> int:
        room = self._rooms.get((app, group_id))
        return room.online if room else 0

    def rooms_of(self, app: int, user: str) -> set[str]:
        return set(self._joined.get((app, user), ()))

    def newest(self, app: int, group_id: str, before_us: int = 0) -> Iterator[tuple[str, Watcher]]:
        """Online watchers newest first, those who joined before `before_us` when it is set."""
        room = self._rooms.get((app, group_id))
        if room is None:
            return
        for user in reversed(room.watchers):
            watcher = room.watchers[user]
            if watcher.offline or (before_us and watcher.joined_us >= before_us):
                continue
            yield user, watcher

    def watcher(self, app: int, group_id: str, user: str) -> Watcher | None:
        room = self._rooms.get((app, group_id))
        found = room.watchers.get(user) if room else None
        return found if found is not None and not found.offline else None

    def marks_in_use(self, app: int, group_id: str) -> dict[int, int]:
        """How many online watchers carry each mark."""
        counts: dict[int, int] = {}
        room = self._rooms.get((app, group_id))
        for watcher in room.watchers.values() if room else ():
            for mark in watcher.marks:
                counts[mark] = counts.get(mark, 0) + 1
        return counts

    # -- internals ---------------------------------------------------------------------------------------

    def _stamp(self) -> int:
        self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
        return self._last_us

    def _unlink(self, app: int, group_id: str, user: str) -> None:
        rooms = self._joined.get((app, user))
        if rooms is None:
            return
        rooms.discard(group_id)
        if not rooms:
            del self._joined[(app, user)]
            self._away.pop((app, user), None)
            self._grace.pop((app, user), None)
