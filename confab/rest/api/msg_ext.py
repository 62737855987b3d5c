"""openim_msg_ext_http_svc: get_key_values, set_key_values (seed 004 lines 5943-6407) and their group
forms group_get_key_values, group_set_key_values (seed 6408-6892)."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain import msg_ext
from confab.rest.call import Call
from confab.rest.services import MSG_EXT


class Extension(msgspec.Struct):
    Key: str
    Value: str = ""
    Seq: Int64 = 0


class GetKeyValues(msgspec.Struct):
    To_Account: str
    MsgKey: str
    From_Account: str | None = None
    StartSeq: Int64 = 0


class GetKeyValuesReply(msgspec.Struct):
    CompleteFlag: Int64
    LatestSeq: Int64
    ClearSeq: Int64
    ExtensionList: list[Extension]


class SetKeyValues(msgspec.Struct):
    To_Account: str
    MsgKey: str
    OperateType: Int64
    From_Account: str | None = None
    ExtensionList: list[Extension] | None = None


class SetResult(msgspec.Struct):
    ErrorCode: Int64
    Extension: Extension


class SetKeyValuesReply(msgspec.Struct):
    ExtensionList: list[SetResult]


@MSG_EXT.endpoint("get_key_values", request=GetKeyValues, response=GetKeyValuesReply)
async def get_key_values(call: Call, req: GetKeyValues) -> dict:
    return await msg_ext.get_key_values(
        call.rt,
        call.app,
        from_account=req.From_Account,
        to_account=req.To_Account,
        msg_key=req.MsgKey,
        start_seq=req.StartSeq,
    )


@MSG_EXT.endpoint("set_key_values", request=SetKeyValues, response=SetKeyValuesReply)
async def set_key_values(call: Call, req: SetKeyValues) -> dict:
    items = None
    if req.ExtensionList is not None:
        items = [msg_ext.ExtItem(e.Key, e.Value, e.Seq) for e in req.ExtensionList]
    results = await msg_ext.set_key_values(
        call.rt,
        call.app,
        from_account=req.From_Account,
        to_account=req.To_Account,
        msg_key=req.MsgKey,
        operate_type=req.OperateType,
        items=items,
    )
    return {"ExtensionList": results}


class GroupGetKeyValues(msgspec.Struct):
    GroupId: str
    MsgSeq: Int64
    StartSeq: Int64 = 0


class GroupSetKeyValues(msgspec.Struct):
    GroupId: str
    MsgSeq: Int64
    OperateType: Int64
    ExtensionList: list[Extension] | None = None


@MSG_EXT.endpoint("group_get_key_values", request=GroupGetKeyValues, response=GetKeyValuesReply)
async def group_get_key_values(call: Call, req: GroupGetKeyValues) -> dict:
    return await msg_ext.group_get_key_values(call.rt, call.app, req.GroupId, req.MsgSeq, start_seq=req.StartSeq)


@MSG_EXT.endpoint("group_set_key_values", request=GroupSetKeyValues, response=SetKeyValuesReply)
async def group_set_key_values(call: Call, req: GroupSetKeyValues) -> dict:
    items = None
    if req.ExtensionList is not None:
        items = [msg_ext.ExtItem(e.Key, e.Value, e.Seq) for e in req.ExtensionList]
    results = await msg_ext.group_set_key_values(
        call.rt, call.app, req.GroupId, req.MsgSeq, operate_type=req.OperateType, items=items
    )
    return {"ExtensionList": results}
