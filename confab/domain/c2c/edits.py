"""Changing stored one-to-one messages: recall (for both parties), modify, delete for oneself, and the
purge of a deleted account's conversations."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import accounts, feed
from confab.domain.apps import App
from confab.domain.c2c import bodies, queries
from confab.domain.c2c.model import (
    FEED_MODIFY,
    FEED_MSG_DELETE,
    FEED_RECALL,
    FLAG_COUNTED_UNREAD,
    FLAG_RECALLED,
    C2CMessageModified,
    C2CMessageRecalled,
    hidden_flag,
    pair,
    parse_msg_key,
)
from confab.domain.c2c.queries import find, find_many
from confab.errors import ApiError
from confab.store import Tx
from confab.store.tables.c2c import c2c_conversations, c2c_messages

if TYPE_CHECKING:
    from confab.runtime import Runtime

_encode = msgspec.json.Encoder().encode

# -- recall -----------------------------------------------------------------------------------------


async def recall(
    rt: Runtime, app: App, from_account: str, to_account: str, msg_key: str, *, operator: str | None = None
) -> None:
    """Recall a message for both parties. `operator` None is the admin (no time limit); a user may
    recall only their own messages, within the app's `c2c_recall_limit_seconds` (20016)."""
    if parse_msg_key(msg_key) is None:
        raise ApiError(90054, f"MsgKey {msg_key!r} is not a valid one-to-one MsgKey")
    now = int(time.time())
    async with rt.store.tx() as tx:
        await accounts.require(
            tx, app.sdkappid, ("From_Account", from_account, 90008), ("To_Account", to_account, 90003)
        )
        msg = await find(tx, app.sdkappid, from_account, to_account, msg_key)
        if msg is None or msg.from_account != from_account:
            raise ApiError(20022, f"no message {msg_key!r} from {from_account} to {to_account}")
        if msg.recalled:
            raise ApiError(20023, "the message has already been recalled")
        if operator is not None:
            if operator != msg.from_account:
                raise ApiError(20022, "users may recall only their own messages")
            if now - msg.msg_time > app.settings.c2c_recall_limit_seconds:
                raise ApiError(20016, f"messages can be recalled within {app.settings.c2c_recall_limit_seconds} s")
        await tx.execute(
            c2c_messages.update()
            .where(c2c_messages.c.id == msg.id)
            .values(flags=msg.flags | FLAG_RECALLED, body="[]", cloud_data=None)
        )
        if msg.flags & FLAG_COUNTED_UNREAD:
            await _uncount_if_unread(tx, app.sdkappid, msg.to_account, msg.from_account, [msg.msg_time])
        payload = {
            "From_Account": msg.from_account,
            "To_Account": msg.to_account,
            "MsgKey": msg_key,
            "MsgTimeStamp": msg.msg_time,
            "Operator_Account": operator or "",
        }
        members = list(dict.fromkeys([msg.from_account, msg.to_account]))
        await feed.append(tx, rt.bus, app.sdkappid, [(m, FEED_RECALL, payload) for m in members])
        event = C2CMessageRecalled(
            sdkappid=app.sdkappid,
            at=now,
            from_account=msg.from_account,
            to_account=msg.to_account,
            msg_key=msg_key,
            operator=operator or "",
        )
        tx.emit(event)


async def _uncount_if_unread(tx: Tx, sdkappid: int, owner: str, peer: str, msg_times: list[int]) -> None:
    """Take messages the owner has not read yet out of the owner's unread count."""
    row = (await tx.execute(queries.READ_TIME, {"app": sdkappid, "o_": owner, "p_": peer})).first()
    read_time = row[0] if row else 0
    n = sum(1 for t in msg_times if t > read_time)
    if n:
        await tx.execute(queries.UNCOUNT_UNREAD, {"app": sdkappid, "o_": owner, "p_": peer, "n": n})


# -- modify -----------------------------------------------------------------------------------------


async def modify(
    rt: Runtime,
    app: App,
    from_account: str,
    to_account: str,
    msg_key: str,
    *,
    body: Any | None,
    cloud_data: str | None,
) -> None:
    """modify_c2c_msg: overwrite MsgBody and/or CloudCustomData of a stored message."""
    body_json = None
    if body is not None:
        bodies.validate_body(body, code=90002, not_array_code=90007)
        body_json = _encode(body)
    if body_json is None and cloud_data is None:
        raise ApiError(20001, "give MsgBody, CloudCustomData or both")
    now = int(time.time())
    async with rt.store.tx() as tx:
        await accounts.require(
            tx, app.sdkappid, ("From_Account", from_account, 20003), ("To_Account", to_account, 90012)
        )
        msg = await find(tx, app.sdkappid, from_account, to_account, msg_key)
        if msg is None or msg.from_account != from_account:
            raise ApiError(20001, f"no message {msg_key!r} from {from_account} to {to_account}")
        if msg.recalled:
            raise ApiError(20001, "a recalled message cannot be modified")
        new_body = body_json if body_json is not None else msg.body.encode()
        new_cloud = cloud_data if cloud_data is not None else msg.cloud_data
        if bodies.packet_size(new_body, new_cloud) > bodies.MAX_PACKET_BYTES:
            raise ApiError(90010, f"MsgBody plus CloudCustomData exceed {bodies.MAX_PACKET_BYTES} bytes")
        await tx.execute(
            c2c_messages.update()
            .where(c2c_messages.c.id == msg.id)
            .values(body=new_body.decode(), cloud_data=new_cloud)
        )
        msg.body, msg.cloud_data = new_body.decode(), new_cloud
        payload = _encode(msg.wire())
        members = list(dict.fromkeys([msg.from_account, msg.to_account]))
        await feed.append(tx, rt.bus, app.sdkappid, [(m, FEED_MODIFY, payload) for m in members])
        event = C2CMessageModified(
            sdkappid=app.sdkappid,
            at=now,
            from_account=msg.from_account,
            to_account=msg.to_account,
            msg_key=msg_key,
            message=msgspec.Raw(payload),
        )
        tx.emit(event)


# -- delete for oneself -----------------------------------------------------------------------------


async def delete_for(rt: Runtime, app: App, owner: str, peer: str, msg_keys: list[str]) -> list[str]:
    """Hide messages from the owner's history only (the peer keeps them); returns the keys deleted."""
    lo, _ = pair(owner, peer)
    bit = hidden_flag(owner, lo)
    async with rt.store.tx() as tx:
        doomed = [m for m in await find_many(tx, app.sdkappid, owner, peer, msg_keys) if not m.flags & bit]
        if not doomed:
            return []
        await tx.execute(
            c2c_messages.update()
            .where(c2c_messages.c.id.in_([m.id for m in doomed]))
            .values(flags=c2c_messages.c.flags.op("|")(bit))
        )
        unread_times = [
            m.msg_time for m in doomed if m.to_account == owner and m.flags & FLAG_COUNTED_UNREAD and not m.recalled
        ]
        if unread_times:
            await _uncount_if_unread(tx, app.sdkappid, owner, peer, unread_times)
        keys = [m.msg_key for m in doomed]
        await feed.append(
            tx, rt.bus, app.sdkappid, [(owner, FEED_MSG_DELETE, {"Peer_Account": peer, "MsgKeyList": keys})]
        )
    return keys


async def purge_accounts(tx: Tx, sdkappid: int, user_ids: list[str]) -> None:
    """A deleted account's conversations go, on both sides, with the messages it was part of."""
    for part in accounts.chunks(user_ids):
        await tx.execute(
            c2c_messages.delete().where(
                c2c_messages.c.sdkappid == sdkappid,
                sa.or_(c2c_messages.c.user_lo.in_(part), c2c_messages.c.user_hi.in_(part)),
            )
        )
        await tx.execute(
            c2c_conversations.delete().where(
                c2c_conversations.c.sdkappid == sdkappid,
                sa.or_(c2c_conversations.c.owner.in_(part), c2c_conversations.c.peer.in_(part)),
            )
        )
