"""openim_msg_ext_http_svc: get_key_values, set_key_values (seed 004 lines 5943-6407)."""

from __future__ import annotations

import msgspec

from confab.domain import msg_ext
from confab.rest.call import Call
from confab.rest.registry import endpoint

SERVICE = "openim_msg_ext_http_svc"
CODES = {"param_error": 10004, "json_error": 10004, "internal_error": 10002}


class Extension(msgspec.Struct):
    Key: str
    Value: str = ""
    Seq: int = 0


class GetKeyValues(msgspec.Struct):
    To_Account: str
    MsgKey: str
    From_Account: str | None = None
    StartSeq: int = 0


class GetKeyValuesReply(msgspec.Struct):
    CompleteFlag: int
    LatestSeq: int
    ClearSeq: int
    ExtensionList: list[Extension]


class SetKeyValues(msgspec.Struct):
    To_Account: str
    MsgKey: str
    OperateType: int
    From_Account: str | None = None
    ExtensionList: list[Extension] | None = None


class SetResult(msgspec.Struct):
    ErrorCode: int
    Extension: Extension


class SetKeyValuesReply(msgspec.Struct):
    ExtensionList: list[SetResult]


@endpoint(
    SERVICE,
    "get_key_values",
    request=GetKeyValues,
    response=GetKeyValuesReply,
    summary="Pull the message extension of a one-to-one message",
    seed="004:5943-6150",
    **CODES,
)
async def get_key_values(call: Call, req: GetKeyValues) -> dict:
    return await msg_ext.get_key_values(
        call.rt,
        call.app,
        from_account=req.From_Account,
        to_account=req.To_Account,
        msg_key=req.MsgKey,
        start_seq=req.StartSeq,
    )


@endpoint(
    SERVICE,
    "set_key_values",
    request=SetKeyValues,
    response=SetKeyValuesReply,
    summary="Configure the message extension of a one-to-one message",
    seed="004:6151-6407",
    **CODES,
)
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
