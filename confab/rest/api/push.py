"""Push to all users over REST (`all_member_push/im_push`, seed 004 lines 6893-7575). The rules are
`confab.domain.push`."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.domain import push
from confab.rest.call import Call
from confab.rest.services import ALL_MEMBER_PUSH


class ImPush(msgspec.Struct):
    # Validated by the domain, so that each malformed field gets the page's own code
    From_Account: Any = None
    MsgRandom: Any = None
    MsgLifeTime: Any = None
    MsgBody: Any = None
    Condition: Any = None
    OfflinePushInfo: Any = None


class ImPushReply(msgspec.Struct):
    TaskId: str


@ALL_MEMBER_PUSH.endpoint("im_push", request=ImPush, response=ImPushReply, rate_limit=100)
async def im_push(call: Call, req: ImPush) -> ImPushReply:
    sender = call.identifier if req.From_Account is None else req.From_Account
    task_id = await push.create(
        call.rt,
        call.app,
        sender=sender,
        msg_random=req.MsgRandom,
        body=req.MsgBody,
        life_time=req.MsgLifeTime,
        push_info=req.OfflinePushInfo,
        condition=req.Condition,
    )
    return ImPushReply(TaskId=task_id)
