"""A group's stored messages over REST (issue 13): group_msg_get_simple (seed 004 lines 4389-4726),
group_msg_recall (5087-5314), delete_group_msg_by_sender (4727-4894) and openim/modify_group_msg
(3631-3854, with that page's codes). The rules are in confab/domain/groups/history.py."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import history, model
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.api.groups.members import group_id
from confab.rest.api.groups.messages import topic_id
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import GROUP, OPENIM

# -- group_msg_get_simple ----------------------------------------------------------------------------


class GroupMsgGetSimple(msgspec.Struct):
    GroupId: Any = None
    ReqMsgNumber: Int64 | None = None
    ReqMsgSeq: Int64 | None = None
    WithRecalledMsg: Int64 = 0
    TopicId: Any = None


class HistoryMsg(msgspec.Struct, omit_defaults=True):
    From_Account: str
    IsPlaceMsg: int
    MsgBody: Any
    MsgPriority: int
    MsgRandom: int
    MsgSeq: int
    MsgTimeStamp: int
    IsSystemMsg: int = 0
    CloudCustomData: str | None = None


class GroupMsgGetSimpleReply(msgspec.Struct):
    GroupId: str
    IsFinished: int
    RspMsgList: list[HistoryMsg]


@GROUP.endpoint("group_msg_get_simple", request=GroupMsgGetSimple, response=GroupMsgGetSimpleReply)
async def group_msg_get_simple(call: Call, req: GroupMsgGetSimple) -> dict:
    gid = group_id(req.GroupId)
    if req.ReqMsgNumber is None:
        raise ApiError(10004, "ReqMsgNumber is required")
    if req.WithRecalledMsg not in (0, 1):
        raise ApiError(10004, "WithRecalledMsg is 0 or 1")
    page = await history.page(
        call.rt,
        call.app,
        gid,
        user=None,
        req_seq=req.ReqMsgSeq,
        number=req.ReqMsgNumber,
        with_recalled=req.WithRecalledMsg == 1,
        topic_id=topic_id(req.TopicId),
    )
    page.pop("TopicId", None)  # the device form names the topic; the page's reply does not
    return page


# -- group_msg_recall --------------------------------------------------------------------------------


class SeqItem(msgspec.Struct):
    MsgSeq: Int64


class GroupMsgRecall(msgspec.Struct):
    GroupId: Any = None
    MsgSeqList: list[SeqItem] | None = None
    TopicId: Any = None


class RecallRet(msgspec.Struct):
    MsgSeq: int
    RetCode: int


class GroupMsgRecallReply(msgspec.Struct):
    RecallRetList: list[RecallRet]


@GROUP.endpoint("group_msg_recall", request=GroupMsgRecall, response=GroupMsgRecallReply)
async def group_msg_recall(call: Call, req: GroupMsgRecall) -> GroupMsgRecallReply:
    gid = group_id(req.GroupId)
    if req.MsgSeqList is None:
        raise ApiError(10004, "MsgSeqList is required")
    seqs = [item.MsgSeq for item in req.MsgSeqList]
    results = await history.recall(call.rt, call.app, gid, seqs, operator=None, topic_id=topic_id(req.TopicId))
    return GroupMsgRecallReply(RecallRetList=[RecallRet(MsgSeq=seq, RetCode=code) for seq, code in results])


# -- delete_group_msg_by_sender ----------------------------------------------------------------------


class DeleteGroupMsgBySender(msgspec.Struct):
    GroupId: Any = None
    Sender_Account: Any = None
    TopicId: Any = None


@GROUP.endpoint(
    "delete_group_msg_by_sender",
    request=DeleteGroupMsgBySender,
    response=NoFields,
    field_errors={"Sender_Account": 10004},
)
async def delete_group_msg_by_sender(call: Call, req: DeleteGroupMsgBySender) -> None:
    gid = group_id(req.GroupId)
    if req.Sender_Account is None:
        raise ApiError(10004, "Sender_Account is required")
    sender = require_user_id(req.Sender_Account, "Sender_Account", 10004)
    await history.recall_by_sender(call.rt, call.app, gid, sender, topic_id(req.TopicId))


# -- openim/modify_group_msg -------------------------------------------------------------------------


class ModifyGroupMsg(msgspec.Struct):
    GroupId: Any = None
    MsgSeq: Int64 | None = None
    MsgBody: Any = None
    CloudCustomData: str | None = None
    TopicId: Any = None


@OPENIM.endpoint("modify_group_msg", request=ModifyGroupMsg, response=NoFields, param_error=20001)
async def modify_group_msg(call: Call, req: ModifyGroupMsg) -> None:
    if req.GroupId is None or not isinstance(req.GroupId, str):
        raise ApiError(20001, "GroupId is required and must be a string")
    gid = model.require_id(req.GroupId, 20001)
    if req.MsgSeq is None:
        raise ApiError(20001, "MsgSeq is required")
    await history.modify(
        call.rt,
        call.app,
        gid,
        req.MsgSeq,
        body=req.MsgBody,
        cloud_data=req.CloudCustomData,
        topic_id=topic_id(req.TopicId, 20001),
    )
