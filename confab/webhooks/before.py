"""Before-callbacks (reference/webhooks.md §2): the app's backend decides before Confab writes.

A domain module declares each call site once, at import, with the codes of its page:

    _BEFORE_SEND = before.Site("C2C.CallbackBeforeSendMsg", reject_code=20006, custom=(120001, 130000), drop=True)
    ...
    verdict = await _BEFORE_SEND.ask(rt, app, {"From_Account": ..., ...})   # before `store.tx()`
    if verdict is not None and verdict.action == "reject": raise ApiError(verdict.code, verdict.info)

`ask` returns None at once when the app has the command off (the common case costs a list lookup);
otherwise it posts and turns the answer into a `Verdict`. It is awaited *before* the write
transaction, never inside it: a slow receiver must not hold the store's writer. A timeout or failure
allows the change (fail-open) unless the app lists the command in `fail_closed` (ruling 10).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from confab.webhooks import after, catalog, origin

if TYPE_CHECKING:
    from confab.domain.apps import App
    from confab.runtime import Runtime

_encode = msgspec.json.Encoder().encode

Action = Literal["allow", "reject", "drop"]


@dataclass(slots=True)
class Verdict:
    action: Action
    code: int = 0  # for "reject": the code the caller answers with
    info: str = ""  # for "reject": the ErrorInfo
    reply: dict[str, Any] = field(default_factory=dict)  # the receiver's answer (MsgBody, RefusedMembers_Account …)


@dataclass(frozen=True, slots=True)
class Site:
    command: str
    reject_code: int  # what the caller sees when the app refuses (ErrorCode 1, or any code outside `custom`)
    custom: tuple[int, int] | None = None  # the page's range of the app's own codes, passed through with ErrorInfo
    drop: bool = False  # ErrorCode 2 means "drop silently: tell the sender it was sent" (the send pages)
    per_item: bool = False  # the reply decides per item (friend callbacks, ruling 12); its top code is ignored

    def __post_init__(self) -> None:
        if catalog.command(self.command).kind == "after":
            raise ValueError(f"{self.command} is an after-callback")
        after.IMPLEMENTED.add(self.command)

    async def ask(self, rt: Runtime, app: App, body: dict[str, Any]) -> Verdict | None:
        cfg = app.settings.webhook
        if not cfg.on(self.command) or rt.webhooks is None:
            return None
        where = origin.current.get()
        payload = _encode({"CallbackCommand": self.command, **body})
        outcome = await rt.webhooks.transport.post(
            cfg, app.sdkappid, self.command, payload, platform=where.platform, client_ip=where.client_ip
        )
        rt.webhooks.log.add(app.sdkappid, self.command, outcome, attempts=1)
        if not outcome.ok:
            if self.command in cfg.fail_closed:
                info = f"the app's {self.command} webhook failed ({outcome.error}); it is set to refuse then"
                return Verdict("reject", self.reject_code, info)
            return Verdict("allow")
        reply = outcome.reply
        if self.per_item:
            return Verdict("allow", reply=reply)
        code = reply.get("ErrorCode", 0)
        if code == 0:
            return Verdict("allow", reply=reply)
        if self.drop and code == 2:
            return Verdict("drop", reply=reply)
        text = reply.get("ErrorInfo") if isinstance(reply.get("ErrorInfo"), str) else ""
        if self.custom is not None and isinstance(code, int) and self.custom[0] <= code <= self.custom[1]:
            return Verdict("reject", code, text or f"refused by the app's {self.command} webhook", reply)
        return Verdict("reject", self.reject_code, f"refused by the app's {self.command} webhook", reply)


def event_time() -> int:
    """EventTime as the pages send it: Unix milliseconds (ruling 15)."""
    return int(time.time() * 1000)
