"""Communities' topics over REST (issue 14): million_group_open_http_svc/create_topic, destroy_topic,
get_topic, modify_topic (seed 004 lines 19138-20148) and group_open_http_svc/import_topic
(20149-20389). The rules are in confab/domain/groups/topics.py."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain.groups import topics
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.api.groups.members import group_id
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import GROUP, MILLION_GROUP

_TEXTS = ("Introduction", "Notification", "FaceUrl", "CustomString")


def _account(value: Any) -> str:
    """From_Account: the page types it uint64 and its samples send strings; both are accepted."""
    if value is None or value == "":
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return require_user_id(value, "From_Account", 10004)


def _given(req: msgspec.Struct, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(req, name) for name in names if getattr(req, name) is not None}


# -- create_topic / import_topic ---------------------------------------------------------------------


class CreateTopic(msgspec.Struct):
    GroupId: Any = None
    TopicId: Any = None
    TopicName: Any = None
    From_Account: Any = None
    CustomString: Any = None
    FaceUrl: Any = None
    Notification: Any = None
    Introduction: Any = None


class TopicIdReply(msgspec.Struct):
    TopicId: str


@MILLION_GROUP.endpoint("create_topic", request=CreateTopic, response=TopicIdReply)
async def create_topic(call: Call, req: CreateTopic) -> TopicIdReply:
    gid = group_id(req.GroupId)
    spec = topics.NewTopic(
        name=req.TopicName, topic_id=req.TopicId, creator=_account(req.From_Account), texts=_given(req, _TEXTS)
    )
    return TopicIdReply(TopicId=await topics.create(call.rt, call.app, gid, spec))


class ImportTopic(CreateTopic):
    Type: Any = None
    CreateTime: Int64 | None = None


@GROUP.endpoint("import_topic", request=ImportTopic, response=TopicIdReply)
async def import_topic(call: Call, req: ImportTopic) -> TopicIdReply:
    gid = group_id(req.GroupId)
    if req.Type is not None and req.Type != "Community":
        raise ApiError(10004, "Type: topics are imported into Community groups only")
    spec = topics.NewTopic(
        name=req.TopicName,
        topic_id=req.TopicId,
        creator=_account(req.From_Account),
        texts=_given(req, _TEXTS),
        created_at=req.CreateTime,
    )
    return TopicIdReply(TopicId=await topics.create(call.rt, call.app, gid, spec, imported=True))


# -- destroy_topic -----------------------------------------------------------------------------------


class DestroyTopic(msgspec.Struct):
    GroupId: Any = None
    TopicIdList: list[Any] | None = None


class DestroyResult(msgspec.Struct):
    ErrorCode: int
    ErrorInfo: str
    TopicId: str


class DestroyTopicReply(msgspec.Struct):
    DestroyResultItem: list[DestroyResult]


@MILLION_GROUP.endpoint("destroy_topic", request=DestroyTopic, response=DestroyTopicReply)
async def destroy_topic(call: Call, req: DestroyTopic) -> dict:
    gid = group_id(req.GroupId)
    if req.TopicIdList is None:
        raise ApiError(10004, "TopicIdList is required")
    return {"DestroyResultItem": await topics.destroy(call.rt, call.app, gid, req.TopicIdList)}


# -- get_topic ---------------------------------------------------------------------------------------


class GetTopic(msgspec.Struct):
    GroupId: Any = None
    From_Account: Any = None
    TopicIdList: list[Any] | None = None
    ResponseFilter: list[Any] | None = None


class TopicSelfInfo(msgspec.Struct, forbid_unknown_fields=True):
    ShutUpTime: int
    MsgSeq: int
    MsgFlag: str


class TopicInfo(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True):
    TopicId: str
    GroupID: str
    TopicName: str | None = None
    FaceUrl: str | None = None
    NextMsgSeq: int | None = None
    Notification: str | None = None
    Introduction: str | None = None
    CreateTime: int | None = None
    LastMsgTime: int | None = None
    MuteAllMember: str | None = None
    CustomString: str | None = None


class TopicAndSelfInfo(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True):
    ErrorCode: int
    ErrorInfo: str
    TopicInfo: TopicInfo
    SelfInfo: TopicSelfInfo | None = None


class GetTopicReply(msgspec.Struct):
    TopicAndSelfInfo: list[TopicAndSelfInfo]


@MILLION_GROUP.endpoint("get_topic", request=GetTopic, response=GetTopicReply)
async def get_topic(call: Call, req: GetTopic) -> dict:
    gid = group_id(req.GroupId)
    viewer = _account(req.From_Account) or None
    found = await topics.get_topics(call.rt, call.app, gid, req.TopicIdList, viewer=viewer, fields=req.ResponseFilter)
    return {"TopicAndSelfInfo": found}


# -- modify_topic ------------------------------------------------------------------------------------


class ModifyTopic(msgspec.Struct):
    GroupId: Any = None
    TopicId: Any = None
    From_Account: Any = None
    TopicName: Any = None
    FaceUrl: Any = None
    Notification: Any = None
    Introduction: Any = None
    MuteAllMember: Any = None
    CustomString: Any = None


@MILLION_GROUP.endpoint("modify_topic", request=ModifyTopic, response=NoFields)
async def modify_topic(call: Call, req: ModifyTopic) -> None:
    gid = group_id(req.GroupId)
    if req.TopicId is None:
        raise ApiError(10004, "TopicId is required")
    if not isinstance(req.TopicId, str) or not req.TopicId:
        raise ApiError(10004, "TopicId must be a non-empty string")
    texts = _given(req, ("TopicName", *_TEXTS))
    await topics.modify(
        call.rt, call.app, gid, req.TopicId, texts, mute_all=req.MuteAllMember, shown_as=_account(req.From_Account)
    )
