"""Communities' topics over the gateway (docs/client-protocol.md, "Topics"): listing a community's
topics with the user's read position in each, sending to a topic, its history, recalling, marking it
read. The same domain calls as the REST APIs, with the device's user as the member: membership,
mutes, the community's and the topic's MuteAllMember apply."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import history, model, topics
from confab.errors import ApiError
from confab.realtime import group_message_ops
from confab.realtime.group_message_ops import _RECALL_INFO
from confab.realtime.ops import Actor, op


def _topic(value: str) -> str:
    if not value:
        raise ApiError(10004, "TopicId is required")
    return value


class Topics(msgspec.Struct):
    GroupId: str
    TopicIdList: list[str] | None = None


@op("topics", Topics)
async def list_topics(actor: Actor, req: Topics) -> dict:
    gid = model.require_id(req.GroupId, 10015)
    found = await topics.get_topics(actor.rt, actor.app, gid, req.TopicIdList, viewer=actor.user, device=True)
    return {"GroupId": gid, "TopicAndSelfInfo": found}


class SendTopicMsg(msgspec.Struct):
    GroupId: str
    TopicId: str
    MsgBody: Any
    Random: Int64 | None = None
    MsgPriority: str | None = None
    CloudCustomData: str | None = None
    OfflinePushInfo: Any = None
    GroupAtInfo: Any = None
    OnlineOnlyFlag: Int64 = 0
    SendMsgControl: list[str] | None = None


@op("send_topic_msg", SendTopicMsg)
async def send_topic_msg(actor: Actor, req: SendTopicMsg) -> dict:
    """send_group_msg with a required TopicId, the reply naming the topic."""
    tid = _topic(req.TopicId)
    as_group = group_message_ops.SendGroupMsg(**msgspec.structs.asdict(req) | {"TopicId": tid})
    return {"TopicId": tid, **await group_message_ops.send_group_msg(actor, as_group)}


class TopicHistory(msgspec.Struct):
    GroupId: str
    TopicId: str
    ReqMsgNumber: Int64 = 20
    ReqMsgSeq: Int64 | None = None
    WithRecalledMsg: Int64 = 0


@op("topic_history", TopicHistory)
async def topic_history(actor: Actor, req: TopicHistory) -> dict:
    """The topic's history newest first from ReqMsgSeq (absent: the newest), from the user's joining on
    unless the app lets Communities see history from before joining."""
    gid = model.require_id(req.GroupId, 10015)
    if req.WithRecalledMsg not in (0, 1):
        raise ApiError(10004, "WithRecalledMsg is 0 or 1")
    return await history.page(
        actor.rt,
        actor.app,
        gid,
        user=actor.user,
        req_seq=req.ReqMsgSeq,
        number=req.ReqMsgNumber,
        with_recalled=req.WithRecalledMsg == 1,
        topic_id=_topic(req.TopicId),
    )


class RecallTopicMsg(msgspec.Struct):
    GroupId: str
    TopicId: str
    MsgSeq: Int64


@op("recall_topic_msg", RecallTopicMsg)
async def recall_topic_msg(actor: Actor, req: RecallTopicMsg) -> dict:
    gid = model.require_id(req.GroupId, 10015)
    tid = _topic(req.TopicId)
    [(seq, code)] = await history.recall(actor.rt, actor.app, gid, [req.MsgSeq], operator=actor.user, topic_id=tid)
    if code:
        raise ApiError(code, _RECALL_INFO.get(code, "the message cannot be recalled"))
    return {"GroupId": gid, "TopicId": tid, "MsgSeq": seq}


class ReadTopic(msgspec.Struct):
    GroupId: str
    TopicId: str
    MsgSeq: Int64 = 0  # 0: everything up to the topic's latest MsgSeq


@op("read_topic", ReadTopic)
async def read_topic(actor: Actor, req: ReadTopic) -> dict:
    gid = model.require_id(req.GroupId, 10015)
    return await topics.mark_read(actor.rt, actor.app, gid, _topic(req.TopicId), actor.user, req.MsgSeq)
