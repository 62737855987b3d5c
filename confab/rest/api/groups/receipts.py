"""Group read receipts over REST (issue 13): get_group_msg_receipt (seed 004 lines 5734-5942) and
get_group_msg_receipt_detail (5467-5733). The rules are in confab/domain/groups/receipts.py."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import receipts
from confab.errors import ApiError
from confab.rest.api.groups.members import group_id
from confab.rest.call import Call
from confab.rest.services import GROUP

# -- get_group_msg_receipt -----------------------------------------------------------------------------


class SeqItem(msgspec.Struct):
    MsgSeq: Int64 | None = None


class GetGroupMsgReceipt(msgspec.Struct):
    GroupId: Any = None
    MsgSeqList: list[SeqItem] | None = None


class ReceiptItem(msgspec.Struct):
    Code: int
    MsgSeq: int
    ReadNum: int
    UnreadNum: int


class GetGroupMsgReceiptReply(msgspec.Struct):
    GroupMsgReceiptList: list[ReceiptItem]


@GROUP.endpoint("get_group_msg_receipt", request=GetGroupMsgReceipt, response=GetGroupMsgReceiptReply)
async def get_group_msg_receipt(call: Call, req: GetGroupMsgReceipt) -> GetGroupMsgReceiptReply:
    gid = group_id(req.GroupId)
    if req.MsgSeqList is None:
        raise ApiError(10004, "MsgSeqList is required")
    seqs: list[int] = []
    for i, item in enumerate(req.MsgSeqList):
        if item.MsgSeq is None:
            raise ApiError(10004, f"MsgSeqList[{i}].MsgSeq is required")
        seqs.append(item.MsgSeq)
    items = await receipts.receipt_counts(call.rt, call.app, gid, seqs)
    return GetGroupMsgReceiptReply(GroupMsgReceiptList=[ReceiptItem(**item) for item in items])


# -- get_group_msg_receipt_detail ------------------------------------------------------------------------


class GetGroupMsgReceiptDetail(msgspec.Struct):
    GroupId: Any = None
    MsgSeq: Int64 | None = None
    Filter: Int64 | None = None
    Cursor: str = ""  # documented as required; absent is the first page (docs/compatibility.md)
    Count: Int64 | None = None


class ReadAccount(msgspec.Struct):
    Read_Account: str


class UnreadAccount(msgspec.Struct):
    Unread_Account: str


class GetGroupMsgReceiptDetailReply(msgspec.Struct, omit_defaults=True):
    Cursor: str
    IsFinish: int
    IsFinished: int
    MsgSeq: int
    ReadList: list[ReadAccount] | None = None
    UnreadList: list[UnreadAccount] | None = None


@GROUP.endpoint(
    "get_group_msg_receipt_detail", request=GetGroupMsgReceiptDetail, response=GetGroupMsgReceiptDetailReply
)
async def get_group_msg_receipt_detail(call: Call, req: GetGroupMsgReceiptDetail) -> dict:
    gid = group_id(req.GroupId)
    if req.MsgSeq is None:
        raise ApiError(10004, "MsgSeq is required")  # the field table says optional; nothing to pull without
    if req.Filter is None:
        raise ApiError(10004, "Filter is required")
    if req.Filter not in (receipts.FILTER_READ, receipts.FILTER_UNREAD):
        raise ApiError(10004, "Filter is 0 (members who have read) or 1 (members who have not)")
    if req.Count is None:
        raise ApiError(10004, "Count is required")
    return await receipts.receipt_detail(
        call.rt,
        call.app,
        gid,
        req.MsgSeq,
        unread=req.Filter == receipts.FILTER_UNREAD,
        cursor=req.Cursor,
        count=req.Count,
    )
