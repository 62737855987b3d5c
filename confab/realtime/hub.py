"""Who is connected, and getting each feed entry to their devices once, in order.

The hub subscribes to the bus once. For each `FeedEntry` it finds the user's sessions, builds the
push frame once, and hands it to each session's outbox (never awaiting a device: a slow one is
dropped when its outbox is full). Each session tracks the last feed seq it delivered; an entry
that would leave a gap (the bus overtook a commit, or the subscription overflowed) sends the session
back to the store to catch up, so a device sees every stored entry exactly once, in order.

Group stream entries (`GroupEntry`, e.g. tips) are not per-user: the group index (group_index.py)
names the group's members connected here, and each of their devices gets the one frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from confab.bus.memory import BusOverflow
from confab.domain import feed, push
from confab.domain.feed import FeedEntry
from confab.domain.groups import live, types
from confab.domain.groups.notices import GroupDestroyed, GroupEntry, GroupEvent, MembersBanned, MembersLeft
from confab.events import AccountsDeleted
from confab.realtime import protocol
from confab.realtime.group_index import GroupIndex
from confab.realtime.live_rooms import LiveRooms

_encode = msgspec.json.Encoder().encode

log = logging.getLogger("confab.realtime")

_detached: set[asyncio.Task] = set()  # tasks nobody awaits, kept referenced until they finish


def detach_task(coro: Any) -> None:
    task = asyncio.ensure_future(coro)
    _detached.add(task)
    task.add_done_callback(_detached.discard)


PUSH_ONLINE_SECONDS = 7 * 86400  # a mobile device that dropped off stays PushOnline this long (seed 22740)


class Session:
    """One logged-in device: its outbox and delivery cursor.

    A writer task exists only while the outbox has frames (idle devices cost no task).
    """

    __slots__ = (
        "_close",
        "app",
        "background",
        "buffer",
        "client_ip",
        "close_code",
        "closed",
        "closing",
        "delivered",
        "direct",
        "expires_at",
        "last_seen",
        "outbox",
        "platform",
        "send",
        "syncing",
        "user",
        "writer",
    )

    def __init__(
        self,
        app: int,
        user: str,
        platform: str,
        send: Callable[[bytes], Awaitable[None]],
        close: Callable[[int, str], Awaitable[None]],
    ) -> None:
        self.app = app
        self.user = user
        self.platform = platform
        self.client_ip = ""  # the device's address, for the webhooks' ClientIP
        self.send = send
        self._close = close
        self.outbox: deque[bytes] = deque()
        # the socket's own "write this frame now" (transport.GuardedWebSocket.write_text_frame), or None
        self.direct: Callable[[bytes], bool] | None = None
        self.delivered = 0  # the last feed seq this device has been sent
        self.syncing = False
        self.buffer: list[FeedEntry] = []
        self.background = False
        self.last_seen = 0.0  # monotonic time of the last frame received
        self.expires_at = 0  # when the UserSig it logged in with expires
        self.closed = False
        self.closing: asyncio.Task | None = None
        self.close_code = 0
        self.writer: asyncio.Task | None = None

    def offer(self, frame: bytes) -> None:
        if self.closed:
            return
        if len(self.outbox) >= protocol.OUTBOX_LIMIT:
            self.close(protocol.CLOSE_SLOW_CONSUMER, "too far behind")
            return
        if self.writer is None and self.direct is not None and self.direct(frame):
            return  # written at once: no task, no queue (the usual case for a device that keeps up)
        self.outbox.append(frame)
        if self.writer is None:
            self.writer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        try:
            while self.outbox and not self.closed:
                await self.send(self.outbox.popleft())
        except Exception:  # the socket went away; the reader notices and cleans up
            self.closed = True
        finally:
            self.writer = None

    def close(self, code: int, reason: str) -> None:
        """Close from anywhere (no await): the connection's writer finishes the job."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.outbox.clear()
        self.closing = asyncio.ensure_future(self._close_now(code, reason))

    async def _close_now(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self._close(code, reason)


class Hub:
    def __init__(self, rt: Any) -> None:
        self.rt = rt
        self.sessions: dict[tuple[int, str], dict[str, Session]] = {}
        # mobile devices that went away without logging out: (app, user) -> {platform: until}
        self.push_online: dict[tuple[int, str], dict[str, float]] = {}
        self.groups = GroupIndex()  # connected users by group, for group stream entries
        # who watches which live group here (their membership is presence)
        self.live = LiveRooms(lambda app, gid, state, users: live.on_room_change(rt, app, gid, state, users))
        self._pump: asyncio.Task | None = None

    # -- connections -----------------------------------------------------------------------------

    def attach(self, session: Session) -> bool:
        """Register a logged-in device; an older session on the same platform is replaced. True when
        it is the user's first device here (their groups must then be indexed)."""
        first = (session.app, session.user) not in self.sessions
        if first:
            self.groups.expect(session.app, session.user)
        devices = self.sessions.setdefault((session.app, session.user), {})
        old = devices.get(session.platform)
        if old is not None:
            old.close(protocol.CLOSE_REPLACED, f"logged in again on {session.platform}")
        devices[session.platform] = session
        away = self.push_online.get((session.app, session.user))
        if away:
            away.pop(session.platform, None)
        return first

    def detach(self, session: Session, *, logout: bool) -> None:
        key = (session.app, session.user)
        devices = self.sessions.get(key)
        if devices and devices.get(session.platform) is session:
            del devices[session.platform]
            if not devices:
                del self.sessions[key]
                self.groups.forget(session.app, session.user)
                self.live.devices_gone(session.app, session.user)
            if (
                not logout
                and session.platform in protocol.MOBILE_PLATFORMS
                and session.close_code != protocol.CLOSE_KICKED
            ):
                self.push_online.setdefault(key, {})[session.platform] = time.time() + PUSH_ONLINE_SECONDS

    def kick(self, app: int, user: str) -> int:
        """Close every device of the user; returns how many were connected."""
        devices = list(self.sessions.get((app, user), {}).values())
        for session in devices:
            session.close(protocol.CLOSE_KICKED, "kicked by the app admin")
        self.push_online.pop((app, user), None)
        return len(devices)

    def presence(self, app: int, user: str) -> tuple[str, list[dict[str, str]]]:
        """(State, Detail) as query_online_status reports them."""
        detail: list[dict[str, str]] = []
        for session in self.sessions.get((app, user), {}).values():
            status = "PushOnline" if session.background else "Online"
            detail.append({"Platform": protocol.REPORTED_PLATFORM[session.platform], "Status": status})
        now = time.time()
        away = self.push_online.get((app, user), {})
        for platform, until in list(away.items()):
            if until < now:
                del away[platform]
            else:
                detail.append({"Platform": protocol.REPORTED_PLATFORM[platform], "Status": "PushOnline"})
        statuses = {d["Status"] for d in detail}
        state = "Online" if "Online" in statuses else "PushOnline" if statuses else "Offline"
        return state, detail

    def count(self) -> int:
        return sum(len(d) for d in self.sessions.values())

    # -- delivery --------------------------------------------------------------------------------

    def start(self) -> None:
        self._pump = self.rt.spawn(self._run())
        self.rt.spawn(self.sweep())

    async def sweep(self) -> None:
        """Close idle connections and those whose UserSig has expired (one timer for all of them)."""
        while True:
            await asyncio.sleep(protocol.SWEEP_SECONDS)
            idle_before = time.monotonic() - protocol.IDLE_TIMEOUT
            now = time.time()
            self.live.sweep()
            for devices in list(self.sessions.values()):
                for session in list(devices.values()):
                    if session.last_seen < idle_before:
                        session.close(protocol.CLOSE_IDLE, "idle: ping at least every 30 s")
                    elif session.expires_at < now:
                        session.close(protocol.CLOSE_SIG_EXPIRED, "UserSig expired; log in with a new one")

    async def _run(self) -> None:
        while True:
            subscription = self.rt.bus.subscribe()
            try:
                async for event in subscription:
                    try:
                        self._handle(event)
                    except Exception:  # one bad event must not stop every later delivery
                        log.exception("the gateway could not handle a %s event", type(event).__name__)
            except BusOverflow:
                log.warning("gateway fell behind the event bus; every device catches up from the store")
                for devices in list(self.sessions.values()):
                    for session in devices.values():
                        self.resync(session)
                detach_task(self.reindex())
            except asyncio.CancelledError:
                subscription.close()
                raise

    def _handle(self, event: Any) -> None:
        if isinstance(event, FeedEntry):
            self.deliver(event)
        elif isinstance(event, GroupEntry):
            self.deliver_group(event, self.groups.route(event))
        elif isinstance(event, GroupEvent):
            self.groups.observe(event)
            self._observe_live(event)
        elif isinstance(event, AccountsDeleted):
            for user in event.user_ids:
                self.kick(event.sdkappid, user)

    def _observe_live(self, event: GroupEvent) -> None:
        """Keep the live rooms in step with changes made anywhere (on any process, over a bus)."""
        gtype = types.BY_NAME.get(event.group_type)
        if gtype is None or not gtype.live:
            return
        if isinstance(event, GroupDestroyed):
            self.live.close_room(event.sdkappid, event.group_id)
        elif isinstance(event, MembersLeft):
            self.live.leave(event.sdkappid, event.group_id, event.user_ids)
        elif isinstance(event, MembersBanned):
            gone = self.live.leave(event.sdkappid, event.group_id, event.user_ids)
            self.groups.drop(event.sdkappid, event.group_id, gone)

    def deliver(self, entry: FeedEntry) -> None:
        devices = self.sessions.get((entry.sdkappid, entry.user_id))
        if not devices:
            return
        frame = protocol.push(entry.kind, entry.seq, bytes(entry.payload))
        for session in list(devices.values()):
            self._deliver_one(session, entry, frame)

    def deliver_group(self, entry: GroupEntry, users: set[str]) -> None:
        """A group stream entry to the connected devices of `users` (outside the per-user feed: feed_seq
        0; the MsgSeq in the payload lets a device notice a gap and call group_tips)."""
        if not users:
            return
        frame = protocol.push(entry.kind, 0, bytes(entry.payload))
        for user in tuple(users):
            for session in list(self.sessions.get((entry.sdkappid, user), {}).values()):
                session.offer(frame)

    async def reindex(self) -> None:
        """After missed bus events the group index may be stale: re-read each connected user's groups
        (a query per connected user, on this rare recovery path only)."""
        for app, user in self.groups.users():
            self.groups.expect(app, user)
            try:
                async with self.rt.store.read() as conn:
                    held = await self.groups.load(conn, app, user, self.live.rooms_of(app, user))
            except Exception:
                log.exception("re-reading a user's groups failed")
                continue
            for entry in held:
                self.deliver_group(entry, {user})

    def _deliver_one(self, session: Session, entry: FeedEntry, frame: bytes) -> None:
        if entry.seq == 0:  # online-only: never stored, so never replayed
            session.offer(frame)
        elif session.syncing:
            session.buffer.append(entry)
        elif entry.seq <= session.delivered:
            return
        elif entry.seq == session.delivered + 1:
            session.delivered = entry.seq
            session.offer(frame)
        else:  # a gap: something committed before this has not reached us; the store has it
            session.buffer.append(entry)
            self.resync(session)

    async def begin(self, session: Session, cursor: int | None) -> None:
        """Attach a new device and bring it up to date: from `cursor` when it has one, else from now.

        The session holds live entries while it reads the store, so nothing published meanwhile is
        lost or sent twice.
        """
        session.syncing = True
        first_device = self.attach(session)
        try:
            async with self.rt.store.read() as conn:
                watching = self.live.device_back(session.app, session.user) if first_device else set()
                held = await self.groups.load(conn, session.app, session.user, watching) if first_device else []
                latest = await feed.latest_seq(conn, session.app, session.user)
                if cursor is None:
                    session.delivered = latest
                else:
                    session.delivered = max(0, min(cursor, latest))
                    first = await feed.read_after(conn, session.app, session.user, session.delivered, limit=1)
                    oldest = first[0].seq if first else latest + 1
                    if oldest > session.delivered + 1:  # entries past retention (7 days) are gone
                        gap = {"Cursor": session.delivered, "OldestAvailable": oldest, "Latest": latest}
                        session.offer(protocol.push("sync.gap", 0, _encode(gap)))
        except BaseException:  # never leave a half-attached session (or its group index record) behind
            self.detach(session, logout=True)
            raise
        for entry in held:
            self.deliver_group(entry, {session.user})
        await self.catch_up(session)
        try:  # pushes to all users with a lifetime they have not had (nothing to read if the app has none)
            await push.catch_up(self.rt, session.app, session.user)
        except Exception:
            log.exception("catching a user up on pushes to all users failed")

    def resync(self, session: Session) -> None:
        if not session.syncing and not session.closed:
            session.syncing = True
            detach_task(self.catch_up(session))

    async def catch_up(self, session: Session) -> None:
        """Send everything after `session.delivered` from the store, then the entries held meanwhile."""
        session.syncing = True
        try:
            while not session.closed:
                async with self.rt.store.read() as conn:
                    entries = await feed.read_after(
                        conn, session.app, session.user, session.delivered, limit=protocol.SYNC_PAGE
                    )
                now = time.time()
                for entry in entries:
                    session.delivered = entry.seq
                    payload = bytes(entry.payload)
                    if entry.expires_at and entry.expires_at < now:
                        continue  # e.g. past a message's MsgLifeTime: offline delivery is over
                    session.offer(protocol.push(entry.kind, entry.seq, payload))
                if len(entries) < protocol.SYNC_PAGE:
                    break
                await asyncio.sleep(0)  # let the writer drain between pages
        except Exception:
            log.exception("catching a device up failed")
            session.close(protocol.CLOSE_SHUTDOWN, "sync failed; reconnect")
            return
        finally:
            session.syncing = False
        held, session.buffer = session.buffer, []
        for entry in sorted(held, key=lambda e: e.seq):
            self._deliver_one(session, entry, protocol.push(entry.kind, entry.seq, bytes(entry.payload)))
