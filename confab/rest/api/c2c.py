"""One-to-one messages (C2C) over REST: send, batch, import, modify, history, recall, read state, unread
counts — `openim` commands, seed 004 lines 770-5466 and 9498-9698. The rules are in `confab.domain.c2c`."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.c2c import edits, history, reads, sending
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import OPENIM
from confab.windows import WindowCounter

_batch_budget = WindowCounter(seconds=60)  # app -> batchsendmsg recipients this minute


class _MessageFields(msgspec.Struct, kw_only=True):
    MsgRandom: Int64
    MsgBody: Any  # validated element by element (90002 / 90007)
    MsgSeq: Int64 | None = None
    CloudCustomData: str | None = None
    OfflinePushInfo: Any = None
    SyncOtherMachine: Int64 | None = None
    OnlineOnlyFlag: Int64 = 0
    MsgLifeTime: Int64 | None = None
    SendMsgControl: list[str] | None = None
    ForbidCallbackControl: list[str] | None = None  # carried on the message for the webhooks
    SupportMessageExtension: Int64 = 0
    IsNeedReadReceipt: Int64 = 0


class SendMsg(_MessageFields, kw_only=True):
    To_Account: str
    From_Account: str | None = None


class SendMsgReply(msgspec.Struct):
    MsgTime: Int64
    MsgKey: str


class BatchSendMsg(_MessageFields, kw_only=True):
    To_Account: list[str]
    From_Account: str | None = None


class BatchError(msgspec.Struct):
    To_Account: str
    ErrorCode: Int64


class RoamMsgReply(msgspec.Struct):
    Complete: int
    MsgCnt: int
    LastMsgTime: int
    LastMsgKey: str
    MsgList: list[dict[str, Any]]


class UnreadReply(msgspec.Struct, omit_defaults=True):
    AllC2CUnreadMsgNum: int | None = None
    C2CUnreadMsgNumList: list[dict[str, Any]] | None = None
    ErrorList: list[dict[str, Any]] | None = None


class BatchSendMsgReply(msgspec.Struct, omit_defaults=True):
    MsgKey: str
    ErrorList: list[BatchError] | None = None


MESSAGE_FIELD_ERRORS = {
    "To_Account": 90003,
    "MsgRandom": 90005,
    "MsgBody": 90002,
    "MsgSeq": 90004,
    "SyncOtherMachine": 90031,
    "MsgLifeTime": 90044,
}


def outgoing(req: _MessageFields, *, size_code: int = 93000) -> sending.Outgoing:
    """The message the fields every send API shares describe (validated by the domain)."""
    return sending.compose(
        req.MsgBody,
        cloud_data=req.CloudCustomData,
        push_info=req.OfflinePushInfo,
        msg_seq=req.MsgSeq,
        msg_random=req.MsgRandom,
        life_time=req.MsgLifeTime,
        size_code=size_code,
        sync_other_machine=req.SyncOtherMachine,
        online_only_flag=req.OnlineOnlyFlag,
        send_controls=req.SendMsgControl or (),
        forbid_callbacks=req.ForbidCallbackControl or (),
        support_extension=req.SupportMessageExtension == 1,
        need_receipt=req.IsNeedReadReceipt == 1,
    )


@OPENIM.endpoint(
    "sendmsg", request=SendMsg, response=SendMsgReply, field_errors=MESSAGE_FIELD_ERRORS, param_error=20001
)
async def sendmsg(call: Call, req: SendMsg) -> SendMsgReply:
    out = outgoing(req)
    receiver = require_user_id(req.To_Account, "To_Account", 90003)
    sender = require_user_id(req.From_Account, "From_Account", 20003) if req.From_Account else call.identifier
    sent = await sending.send(call.rt, call.app, sender, [receiver], out, by_admin=True, source="sendmsg")
    return SendMsgReply(MsgTime=sent.msg_time, MsgKey=sent.msg_key)


@OPENIM.endpoint(
    "batchsendmsg",
    request=BatchSendMsg,
    response=BatchSendMsgReply,
    field_errors={**MESSAGE_FIELD_ERRORS, "To_Account": 90012},
)
async def batchsendmsg(call: Call, req: BatchSendMsg) -> dict:
    if len(req.To_Account) > sending.BATCH_MAX_RECIPIENTS:
        raise ApiError(90011, f"To_Account holds at most {sending.BATCH_MAX_RECIPIENTS} accounts")
    if not req.To_Account:
        raise ApiError(90012, "To_Account must name at least one account")
    out = outgoing(req)
    limit = call.app.settings.batch_messages_per_minute
    if not _batch_budget.take(call.app.sdkappid, limit, amount=len(set(req.To_Account))):
        raise ApiError(60007, f"batchsendmsg is limited to {limit} messages a minute (each recipient counts)")
    if req.From_Account is not None:
        sender = require_user_id(req.From_Account, "From_Account", 90008)
    else:
        sender = call.identifier
    sent = await sending.send(
        call.rt,
        call.app,
        sender,
        req.To_Account,
        out,
        by_admin=True,
        source="batchsendmsg",
        sender_missing=90008,
        recipient_missing=90012,
    )
    reply: dict[str, Any] = {"MsgKey": sent.msg_key}
    if sent.failed:
        reply["ActionStatus"] = "SomeError"
        reply["ErrorList"] = [{"To_Account": user, "ErrorCode": code} for user, code in sent.failed.items()]
    return reply


class ImportMsg(msgspec.Struct, kw_only=True):
    SyncFromOldSystem: Int64
    From_Account: str
    To_Account: str
    MsgRandom: Int64
    MsgTimeStamp: Int64
    MsgBody: Any
    MsgSeq: Int64 | None = None
    CloudCustomData: str | None = None


@OPENIM.endpoint(
    "importmsg",
    response=NoFields,
    request=ImportMsg,
    field_errors={**MESSAGE_FIELD_ERRORS, "MsgTimeStamp": 90006, "From_Account": 90008, "SyncFromOldSystem": 90030},
)
async def importmsg(call: Call, req: ImportMsg) -> None:
    if req.SyncFromOldSystem not in (2, 5):
        raise ApiError(90030, "SyncFromOldSystem must be 2 (history) or 5 (real-time)")
    if req.MsgTimeStamp < 0:
        raise ApiError(90006, "MsgTimeStamp must be a Unix time in seconds")
    out = sending.prepare(
        req.MsgBody,
        cloud_data=req.CloudCustomData,
        push_info=None,
        msg_seq=req.MsgSeq,
        msg_random=req.MsgRandom,
        life_time=None,
    )
    sender = require_user_id(req.From_Account, "From_Account", 90008)
    receiver = require_user_id(req.To_Account, "To_Account", 90003)
    await sending.import_message(
        call.rt, call.app, sender, receiver, out, req.MsgTimeStamp, realtime=req.SyncFromOldSystem == 5
    )


class ModifyC2CMsg(msgspec.Struct, kw_only=True):
    From_Account: str
    To_Account: str
    MsgKey: str
    MsgBody: Any = None
    CloudCustomData: str | None = None


@OPENIM.endpoint(
    "modify_c2c_msg",
    response=NoFields,
    request=ModifyC2CMsg,
    field_errors={"To_Account": 90003, "From_Account": 20003},
    param_error=20001,
)
async def modify_c2c_msg(call: Call, req: ModifyC2CMsg) -> None:
    await edits.modify(
        call.rt,
        call.app,
        require_user_id(req.From_Account, "From_Account", 20003),
        require_user_id(req.To_Account, "To_Account", 90003),
        req.MsgKey,
        body=req.MsgBody,
        cloud_data=req.CloudCustomData,
    )


class GetRoamMsg(msgspec.Struct, kw_only=True):
    Operator_Account: str
    Peer_Account: str
    MaxCnt: Int64
    MinTime: Int64
    MaxTime: Int64
    LastMsgKey: str | None = None


@OPENIM.endpoint(
    "admin_getroammsg",
    response=RoamMsgReply,
    request=GetRoamMsg,
    field_errors={"Operator_Account": 90008, "Peer_Account": 90003},
    aliases={"From_Account": "Operator_Account", "To_Account": "Peer_Account"},
)
async def admin_getroammsg(call: Call, req: GetRoamMsg) -> dict:
    return await history.roam(
        call.rt,
        call.app,
        require_user_id(req.Operator_Account, "Operator_Account", 90008),
        require_user_id(req.Peer_Account, "Peer_Account", 90003),
        max_cnt=req.MaxCnt,
        min_time=req.MinTime,
        max_time=req.MaxTime,
        last_msg_key=req.LastMsgKey,
    )


class MsgWithdraw(msgspec.Struct, kw_only=True):
    From_Account: str
    To_Account: str
    MsgKey: str


@OPENIM.endpoint(
    "admin_msgwithdraw",
    response=NoFields,
    request=MsgWithdraw,
    field_errors={"From_Account": 90008, "To_Account": 90003, "MsgKey": 90054},
)
async def admin_msgwithdraw(call: Call, req: MsgWithdraw) -> None:
    await edits.recall(
        call.rt,
        call.app,
        require_user_id(req.From_Account, "From_Account", 90008),
        require_user_id(req.To_Account, "To_Account", 90003),
        req.MsgKey,
    )


class SetMsgRead(msgspec.Struct, kw_only=True):
    Report_Account: str
    Peer_Account: str
    MsgReadTime: str | Int64 | None = None  # documented as a String; integers accepted too


@OPENIM.endpoint(
    "admin_set_msg_read",
    response=NoFields,
    request=SetMsgRead,
    field_errors={"Report_Account": 90008, "Peer_Account": 90003},
)
async def admin_set_msg_read(call: Call, req: SetMsgRead) -> None:
    read_time = None
    if req.MsgReadTime is not None and req.MsgReadTime != "":
        text = str(req.MsgReadTime)
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise ApiError(90001, "MsgReadTime must be a Unix time in seconds")
        read_time = int(text)
    await reads.set_read(
        call.rt,
        call.app,
        require_user_id(req.Report_Account, "Report_Account", 90008),
        require_user_id(req.Peer_Account, "Peer_Account", 90003),
        read_time,
    )


class GetUnread(msgspec.Struct, kw_only=True):
    To_Account: str
    Peer_Account: list[str] | None = None


@OPENIM.endpoint("get_c2c_unread_msg_num", response=UnreadReply, request=GetUnread, field_errors={"To_Account": 90003})
async def get_c2c_unread_msg_num(call: Call, req: GetUnread) -> dict:
    owner = require_user_id(req.To_Account, "To_Account", 90003)
    return await reads.unread_counts(call.rt, call.app, owner, req.Peer_Account)
