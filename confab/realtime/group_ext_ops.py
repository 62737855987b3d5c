"""Group message extensions over the gateway (docs/client-protocol.md, "Group messages"): the device
user reads and writes the key-values of a group message as a member, through the same domain calls as
group_get_key_values / group_set_key_values; a member's writes are Seq-checked (23001 per key)."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain import msg_ext
from confab.realtime.ops import Actor, op


class Extension(msgspec.Struct):
    Key: str
    Value: str = ""
    Seq: Int64 = 0


class GetGroupMsgExt(msgspec.Struct):
    GroupId: str
    MsgSeq: Int64
    StartSeq: Int64 = 0


class SetGroupMsgExt(msgspec.Struct):
    GroupId: str
    MsgSeq: Int64
    OperateType: Int64
    ExtensionList: list[Extension] | None = None


@op("get_group_msg_ext", GetGroupMsgExt)
async def get_group_msg_ext(actor: Actor, req: GetGroupMsgExt) -> dict:
    return await msg_ext.group_get_key_values(
        actor.rt, actor.app, req.GroupId, req.MsgSeq, start_seq=req.StartSeq, operator=actor.user
    )


@op("set_group_msg_ext", SetGroupMsgExt)
async def set_group_msg_ext(actor: Actor, req: SetGroupMsgExt) -> dict:
    items = None
    if req.ExtensionList is not None:
        items = [msg_ext.ExtItem(e.Key, e.Value, e.Seq) for e in req.ExtensionList]
    results = await msg_ext.group_set_key_values(
        actor.rt, actor.app, req.GroupId, req.MsgSeq, operate_type=req.OperateType, items=items, operator=actor.user
    )
    return {"ExtensionList": results}
