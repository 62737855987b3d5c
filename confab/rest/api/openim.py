"""openim: one-to-one messages (seed 004 lines 770-5466, 9498-9698)."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.domain.c2c import history, messages, reads
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.registry import endpoint
from confab.windows import WindowCounter

SERVICE = "openim"
CODES = {"param_error": 90001, "json_error": 90001, "admin_error": 90009, "internal_error": 91000}

_batch_budget = WindowCounter(seconds=60)  # app -> batchsendmsg recipients this minute

SEND_CONTROLS = frozenset({"NoUnread", "NoLastMsg", "WithMuteNotifications", "NoMsgCheck"})
FORBID_CONTROLS = frozenset({"ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"})


class _MessageFields(msgspec.Struct, kw_only=True):
    MsgRandom: int
    MsgBody: Any  # validated element by element (90002 / 90007)
    MsgSeq: int | None = None
    CloudCustomData: str | None = None
    OfflinePushInfo: Any = None
    SyncOtherMachine: int | None = None
    OnlineOnlyFlag: int = 0
    MsgLifeTime: int | None = None
    SendMsgControl: list[str] | None = None
    ForbidCallbackControl: list[str] | None = None  # accepted; webhooks honour it
    SupportMessageExtension: int = 0
    IsNeedReadReceipt: int = 0


class SendMsg(_MessageFields, kw_only=True):
    To_Account: str
    From_Account: str | None = None


class SendMsgReply(msgspec.Struct):
    MsgTime: int
    MsgKey: str


class BatchSendMsg(_MessageFields, kw_only=True):
    To_Account: list[str]
    From_Account: str | None = None


class BatchError(msgspec.Struct):
    To_Account: str
    ErrorCode: int


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


def outgoing(req: _MessageFields, *, size_code: int = 93000) -> messages.Outgoing:
    """Validate the fields every send path shares and build the message to store."""
    if req.SyncOtherMachine not in (None, 1, 2):
        raise ApiError(90031, "SyncOtherMachine must be 1 or 2")
    controls = set(req.SendMsgControl or ())
    forbid = set(req.ForbidCallbackControl or ())
    if not forbid <= FORBID_CONTROLS:
        raise ApiError(90001, f"ForbidCallbackControl: unknown option(s) {sorted(forbid - FORBID_CONTROLS)}")
    if not controls <= SEND_CONTROLS:
        raise ApiError(90001, f"SendMsgControl: unknown option(s) {sorted(controls - SEND_CONTROLS)}")
    return messages.prepare(
        req.MsgBody,
        cloud_data=req.CloudCustomData,
        push_info=req.OfflinePushInfo,
        msg_seq=req.MsgSeq,
        msg_random=req.MsgRandom,
        life_time=req.MsgLifeTime,
        size_code=size_code,
        sync_other_machine=req.SyncOtherMachine,
        # MsgLifeTime 0 or 1: online devices only, not stored, not unread (seed 1288, 7032)
        online_only=req.OnlineOnlyFlag == 1 or (req.MsgLifeTime is not None and req.MsgLifeTime <= 1),
        no_unread="NoUnread" in controls,
        no_last_msg="NoLastMsg" in controls,
        support_extension=req.SupportMessageExtension == 1,
        need_receipt=req.IsNeedReadReceipt == 1,
    )


@endpoint(
    SERVICE,
    "sendmsg",
    request=SendMsg,
    response=SendMsgReply,
    summary="Send a one-to-one message to one user",
    seed="004:770-1277",
    field_errors=MESSAGE_FIELD_ERRORS,
    **{**CODES, "param_error": 20001},
)
async def sendmsg(call: Call, req: SendMsg) -> SendMsgReply:
    out = outgoing(req)
    receiver = require_user_id(req.To_Account, "To_Account", 90003)
    sender = require_user_id(req.From_Account, "From_Account", 20003) if req.From_Account else call.identifier
    sent = await messages.send(call.rt, call.app, sender, [receiver], out, by_admin=True, source="sendmsg")
    return SendMsgReply(MsgTime=sent.msg_time, MsgKey=sent.msg_key)


@endpoint(
    SERVICE,
    "batchsendmsg",
    request=BatchSendMsg,
    response=BatchSendMsgReply,
    summary="Send a one-to-one message to up to 500 users",
    seed="004:1278-1730",
    field_errors={**MESSAGE_FIELD_ERRORS, "To_Account": 90012},
    **CODES,
)
async def batchsendmsg(call: Call, req: BatchSendMsg) -> dict:
    if len(req.To_Account) > messages.BATCH_MAX_RECIPIENTS:
        raise ApiError(90011, f"To_Account holds at most {messages.BATCH_MAX_RECIPIENTS} accounts")
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
    sent = await messages.send(
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
    SyncFromOldSystem: int
    From_Account: str
    To_Account: str
    MsgRandom: int
    MsgTimeStamp: int
    MsgBody: Any
    MsgSeq: int | None = None
    CloudCustomData: str | None = None


@endpoint(
    SERVICE,
    "importmsg",
    request=ImportMsg,
    summary="Import one-to-one messages",
    seed="004:2752-3057",
    field_errors={**MESSAGE_FIELD_ERRORS, "MsgTimeStamp": 90006, "From_Account": 90008, "SyncFromOldSystem": 90030},
    **CODES,
)
async def importmsg(call: Call, req: ImportMsg) -> None:
    if req.SyncFromOldSystem not in (2, 5):
        raise ApiError(90030, "SyncFromOldSystem must be 2 (history) or 5 (real-time)")
    if req.MsgTimeStamp < 0:
        raise ApiError(90006, "MsgTimeStamp must be a Unix time in seconds")
    out = messages.prepare(
        req.MsgBody,
        cloud_data=req.CloudCustomData,
        push_info=None,
        msg_seq=req.MsgSeq,
        msg_random=req.MsgRandom,
        life_time=None,
    )
    sender = require_user_id(req.From_Account, "From_Account", 90008)
    receiver = require_user_id(req.To_Account, "To_Account", 90003)
    await messages.import_message(
        call.rt, call.app, sender, receiver, out, req.MsgTimeStamp, realtime=req.SyncFromOldSystem == 5
    )


class ModifyC2CMsg(msgspec.Struct, kw_only=True):
    From_Account: str
    To_Account: str
    MsgKey: str
    MsgBody: Any = None
    CloudCustomData: str | None = None


@endpoint(
    SERVICE,
    "modify_c2c_msg",
    request=ModifyC2CMsg,
    summary="Modify a historical one-to-one message",
    seed="004:3361-3630",
    field_errors={"To_Account": 90003, "From_Account": 20003},
    **{**CODES, "param_error": 20001},
)
async def modify_c2c_msg(call: Call, req: ModifyC2CMsg) -> None:
    await messages.modify(
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
    MaxCnt: int
    MinTime: int
    MaxTime: int
    LastMsgKey: str | None = None


@endpoint(
    SERVICE,
    "admin_getroammsg",
    request=GetRoamMsg,
    summary="Pull one-to-one history",
    seed="004:3855-4388",
    field_errors={"Operator_Account": 90008, "Peer_Account": 90003},
    **CODES,
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


@endpoint(
    SERVICE,
    "admin_msgwithdraw",
    request=MsgWithdraw,
    summary="Recall a one-to-one message",
    seed="004:4895-5086",
    field_errors={"From_Account": 90008, "To_Account": 90003, "MsgKey": 90054},
    **CODES,
)
async def admin_msgwithdraw(call: Call, req: MsgWithdraw) -> None:
    await messages.recall(
        call.rt,
        call.app,
        require_user_id(req.From_Account, "From_Account", 90008),
        require_user_id(req.To_Account, "To_Account", 90003),
        req.MsgKey,
    )


class SetMsgRead(msgspec.Struct, kw_only=True):
    Report_Account: str
    Peer_Account: str
    MsgReadTime: str | int | None = None  # documented as a String; integers accepted too


@endpoint(
    SERVICE,
    "admin_set_msg_read",
    request=SetMsgRead,
    summary="Mark one-to-one messages as read",
    seed="004:5315-5466",
    field_errors={"Report_Account": 90008, "Peer_Account": 90003},
    **CODES,
)
async def admin_set_msg_read(call: Call, req: SetMsgRead) -> None:
    read_time = None
    if req.MsgReadTime is not None and req.MsgReadTime != "":
        text = str(req.MsgReadTime)
        if not text.isdigit():
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


@endpoint(
    SERVICE,
    "get_c2c_unread_msg_num",
    request=GetUnread,
    summary="Query unread one-to-one message counts",
    seed="004:9498-9698",
    field_errors={"To_Account": 90003},
    **CODES,
)
async def get_c2c_unread_msg_num(call: Call, req: GetUnread) -> dict:
    owner = require_user_id(req.To_Account, "To_Account", 90003)
    return await reads.unread_counts(call.rt, call.app, owner, req.Peer_Account)
