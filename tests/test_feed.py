"""The per-user feed: numbering, publication after commit only, reading after a cursor, isolation."""

from __future__ import annotations

import msgspec
import pytest

from confab.domain import feed
from confab.domain.feed import FeedEntry
from tests.support import AppHandle, ServerHandle


async def _append(server: ServerHandle, sdkappid: int, entries: list, fail: bool = False) -> list[FeedEntry]:
    rt = server.runtime

    async def work() -> list[FeedEntry]:
        async with rt.store.tx() as tx:
            made = await feed.append(tx, rt.bus, sdkappid, entries)
            if fail:
                raise RuntimeError("roll back")
        return made

    return server.run(work())


def _read(server: ServerHandle, sdkappid: int, user_id: str, after: int) -> list[FeedEntry]:
    rt = server.runtime

    async def work() -> list[FeedEntry]:
        async with rt.store.read() as conn:
            return await feed.read_after(conn, sdkappid, user_id, after)

    return server.run(work())


async def test_entries_are_numbered_per_user_and_published_after_commit(app: AppHandle, server: ServerHandle) -> None:
    await app.import_accounts("a", "b")
    tap = server.tap()
    try:
        first = await _append(
            server, app.sdkappid, [("a", "t.x", {"n": 1}), ("b", "t.x", {"n": 2}), ("a", "t.y", {"n": 3})]
        )
        second = await _append(server, app.sdkappid, [("a", "t.x", {"n": 4}), ("ghost", "t.x", {"n": 5})])
        with pytest.raises(RuntimeError):
            await _append(server, app.sdkappid, [("a", "t.x", {"n": 6})], fail=True)
        published = [e for e in tap.drain() if isinstance(e, FeedEntry) and e.sdkappid == app.sdkappid]
    finally:
        server.untap(tap)
    assert [(e.user_id, e.seq) for e in first] == [("a", 1), ("b", 1), ("a", 2)]
    assert [(e.user_id, e.seq) for e in second] == [("a", 3)]  # no account, no entry
    assert published == first + second  # the rolled-back entry never went out
    stored = _read(server, app.sdkappid, "a", 0)
    assert [(e.seq, e.kind, msgspec.json.decode(e.payload)) for e in stored] == [
        (1, "t.x", {"n": 1}),
        (2, "t.y", {"n": 3}),
        (3, "t.x", {"n": 4}),
    ]
    assert [e.seq for e in _read(server, app.sdkappid, "a", 2)] == [3]


async def test_feeds_are_per_app(app: AppHandle, make_app, server: ServerHandle) -> None:
    other = make_app()
    await app.import_accounts("same")
    await other.import_accounts("same")
    await _append(server, app.sdkappid, [("same", "t.x", {"app": 1})])
    assert _read(server, other.sdkappid, "same", 0) == []
    made = await _append(server, other.sdkappid, [("same", "t.x", {"app": 2})])
    assert made[0].seq == 1


async def test_deleting_an_account_clears_its_feed(app: AppHandle, server: ServerHandle) -> None:
    await app.import_accounts("temp")
    await _append(server, app.sdkappid, [("temp", "t.x", {})])
    await app.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "temp"}]})
    await app.import_accounts("temp")
    assert _read(server, app.sdkappid, "temp", 0) == []
    assert (await _append(server, app.sdkappid, [("temp", "t.x", {})]))[0].seq == 1


async def test_ephemeral_entries_are_published_not_stored(app: AppHandle, server: ServerHandle) -> None:
    await app.import_accounts("live")
    tap = server.tap()
    try:
        server.run(_ephemeral(server, app.sdkappid))
        published = [e for e in tap.drain() if isinstance(e, FeedEntry) and e.sdkappid == app.sdkappid]
    finally:
        server.untap(tap)
    assert [(e.user_id, e.seq) for e in published] == [("live", 0)]
    assert _read(server, app.sdkappid, "live", 0) == []


async def _ephemeral(server: ServerHandle, sdkappid: int) -> None:
    feed.ephemeral(server.runtime.bus, sdkappid, [("live", "t.x", {"online": True})])
