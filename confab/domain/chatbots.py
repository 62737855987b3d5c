"""Chatbots (seed 004 lines 27841-28243) and their passthrough callback (34912-35064).

A chatbot is an account whose UserID starts with `@RBT#`, marked in `accounts.robot` (1 a chatbot, 2 one
that `delete_robot` made invalid: the page keeps its UserID). It receives messages like any account, so
a message to it fires the one-to-one send callbacks as any message does. A message that carries custom
content (a `TIMCustomElem`) to a chatbot is also a passthrough: `Chatbot.OnC2CSignalMessage` posts its
`Data` to the app's webhook and waits for the answer, as a before-callback does (never inside a
transaction); with `ErrorCode` 0 the answer's `RspData` is the chatbot's reply, sent back to the sender
as a one-to-one custom message from the chatbot (`Data` = RspData), so it reaches the sender's devices
and history whichever API carried the request.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from confab.domain import accounts
from confab.domain.apps import App
from confab.domain.limits import PROFILE_VALUE_MAX_BYTES, utf8_len, valid_user_id
from confab.errors import ApiError
from confab.events import AccountsImported
from confab.store.tables.accounts import accounts as accounts_table
from confab.webhooks import before

if TYPE_CHECKING:
    from confab.domain.c2c.sending import Outgoing
    from confab.runtime import Runtime

log = logging.getLogger(__name__)

PREFIX = "@RBT#"
MAX_CHATBOTS = 20  # "Each Chat account can create up to 20 chatbot accounts" (seed 27980): per app
ACTIVE, DELETED = 1, 2

# The passthrough is a request: the app's answer is the chatbot's reply. A refusal (ErrorCode 1) or a
# failure only means there is no reply (seed 35046-35049), so `reject_code` is never shown to anyone.
_SIGNAL = before.Site("Chatbot.OnC2CSignalMessage", reject_code=0)

_t = accounts_table
# `robot = 1` as written in the partial index ix_accounts_robot, so that both databases use it
_ACTIVE = sa.select(_t.c.user_id).where(_t.c.sdkappid == sa.bindparam("app"), sa.text("accounts.robot = 1"))
_STATE = sa.select(_t.c.robot).where(_t.c.sdkappid == sa.bindparam("app"), _t.c.user_id == sa.bindparam("uid"))
_SET_STATE = (
    _t.update()
    .where(_t.c.sdkappid == sa.bindparam("app"), _t.c.user_id == sa.bindparam("uid"))
    .values(robot=sa.bindparam("state"))
)


def _check_id(user_id: str, field: str) -> None:
    if not valid_user_id(user_id) or not user_id.startswith(PREFIX):
        raise ApiError(10004, f"{field} must be a UserID of at most 32 bytes that starts with {PREFIX}")


async def create(
    rt: Runtime,
    app: App,
    user_id: str,
    nick: str | None = None,
    face_url: str | None = None,
    self_signature: str | None = None,
) -> None:
    """create_robot: the account (made if missing, within the app's account quota) becomes a chatbot with
    the nickname, photo and status given. Repeating it keeps one chatbot (seed 27978) and updates those;
    a chatbot delete_robot made invalid becomes valid again."""
    _check_id(user_id, "UserID")
    profile: dict[str, str] = {}
    for field, tag, value in (
        ("Nick", "Tag_Profile_IM_Nick", nick),
        ("FaceUrl", "Tag_Profile_IM_Image", face_url),
        ("SelfSignature", "Tag_Profile_IM_SelfSignature", self_signature),
    ):
        if value is not None:
            if utf8_len(value) > PROFILE_VALUE_MAX_BYTES:
                raise ApiError(40601, f"{field} is longer than {PROFILE_VALUE_MAX_BYTES} bytes")
            profile[tag] = value
    now = int(time.time())
    async with rt.store.tx() as tx:
        state = (await tx.execute(_STATE, {"app": app.sdkappid, "uid": user_id})).scalar_one_or_none()
        if state != ACTIVE:
            active = (await tx.execute(_ACTIVE, {"app": app.sdkappid})).all()
            if len(active) >= MAX_CHATBOTS:
                raise ApiError(10008, f"the app already has {MAX_CHATBOTS} chatbots, the most it may create")
        if state is None:
            await accounts._check_quota(tx, app, [user_id])  # 70398, as account_import
            await tx.execute(
                _t.insert().values(
                    sdkappid=app.sdkappid,
                    user_id=user_id,
                    created_at=now,
                    profile=msgspec.json.encode(profile).decode(),
                    profile_updated_at=now if profile else 0,
                    robot=ACTIVE,
                )
            )
            tx.emit(AccountsImported(sdkappid=app.sdkappid, at=now, user_ids=[user_id]))
            return
        await accounts.merge_profile(tx, app.sdkappid, user_id, profile, now)
        if state != ACTIVE:
            await tx.execute(_SET_STATE, {"app": app.sdkappid, "uid": user_id, "state": ACTIVE})


async def delete(rt: Runtime, app: App, user_id: str) -> None:
    """delete_robot: the chatbot becomes invalid (no longer listed, no passthrough); its account and UserID
    stay (seed 28124-28125). Deleting an invalid chatbot again is a no-op; an ID that never was a chatbot
    of this app is refused (10004)."""
    _check_id(user_id, "Robot_Account")
    async with rt.store.tx() as tx:
        state = (await tx.execute(_STATE, {"app": app.sdkappid, "uid": user_id})).scalar_one_or_none()
        if state not in (ACTIVE, DELETED):
            raise ApiError(10004, f"Robot_Account {user_id!r} is not a chatbot of this app")
        if state == ACTIVE:
            await tx.execute(_SET_STATE, {"app": app.sdkappid, "uid": user_id, "state": DELETED})


async def all_robots(rt: Runtime, app: App) -> list[str]:
    """get_all_robots: the app's valid chatbots, by UserID."""
    async with rt.store.read() as conn:
        return [row[0] for row in await conn.execute(_ACTIVE.order_by(_t.c.user_id), {"app": app.sdkappid})]


async def is_chatbot(conn: Any, sdkappid: int, user_id: str) -> bool:
    if not user_id.startswith(PREFIX):
        return False
    return (await conn.execute(_STATE, {"app": sdkappid, "uid": user_id})).scalar_one_or_none() == ACTIVE


def _custom_data(body_json: bytes) -> str | None:
    """The `Data` of the message's first custom element: the passthrough content (seed 35018)."""
    for element in msgspec.json.decode(body_json):
        if isinstance(element, dict) and element.get("MsgType") == "TIMCustomElem":
            content = element.get("MsgContent")
            data = content.get("Data") if isinstance(content, dict) else None
            return data if isinstance(data, str) else ""
    return None


async def passthrough(rt: Runtime, app: App, sender: str, receivers: list[str], out: Outgoing, msg_time: int) -> None:
    """After a stored (or online-only) send: for each valid chatbot among the receivers, when the message
    holds custom content, ask the app (Chatbot.OnC2CSignalMessage) and send its RspData back as the
    chatbot's reply. Called by the send path for sendmsg and device sends only (the sources that fire
    callbacks; batchsendmsg fires none, seed 1293). Costs nothing unless the app has the command on."""
    bots = [r for r in receivers if r.startswith(PREFIX) and r != sender]
    if not bots or not app.settings.webhook.on(_SIGNAL.command):
        return
    data = _custom_data(out.body_json)
    if data is None:
        return  # an ordinary message: the one-to-one callbacks report it, as for any account
    from confab.domain.c2c.model import make_msg_key

    for bot in bots:
        async with rt.store.read() as conn:
            if not await is_chatbot(conn, app.sdkappid, bot):
                continue
        verdict = await _SIGNAL.ask(
            rt,
            app,
            {
                "From_Account": sender,
                "To_Account": bot,
                "MsgSeq": out.msg_seq,
                "MsgRandom": out.msg_random,
                "MsgKey": make_msg_key(out.msg_seq, out.msg_random, msg_time),
                "EventTime": before.event_time(),
                "Data": data,
            },
        )
        reply = verdict.reply.get("RspData") if verdict is not None and verdict.action == "allow" else None
        if isinstance(reply, str) and reply:
            await _answer(rt, app, bot, sender, reply)


async def _answer(rt: Runtime, app: App, bot: str, user: str, rsp_data: str) -> None:
    """The chatbot's reply: a custom message from it to the user, as any one-to-one message is stored and
    delivered. It is the app's own answer, so it fires no callbacks of its own (source "chatbot")."""
    from confab.domain.c2c import sending

    body = [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": rsp_data}}]
    try:
        out = sending.compose(body, cloud_data=None, push_info=None, msg_seq=None, msg_random=secrets.randbits(32))
        await sending.send(rt, app, bot, [user], out, by_admin=True, source="chatbot")
    except ApiError as err:  # e.g. an RspData over the 12 KB message limit: the user's message stands
        log.warning("app %s: chatbot %s could not reply to %s: %s %s", app.sdkappid, bot, user, err.code, err.info)
