"""Message archives over REST (`open_msg_svc/get_history`, seed 004 lines 27478-27726): the download
addresses of one hour's one-to-one or group message file. Writing, signing and serving are
`confab.domain.archives`; the download route is confab/server.py's `/v4/archives/...`."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain import archives
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.services import OPEN_MSG_SVC


class GetHistory(msgspec.Struct):
    ChatType: str | None = None
    MsgTime: str | Int64 | None = None  # the page: a String "YYYYMMDDHH"; a number of those digits is taken too


class ArchiveFile(msgspec.Struct):
    URL: str
    ExpireTime: str
    FileSize: int
    FileMD5: str
    GzipSize: int
    GzipMD5: str


class GetHistoryReply(msgspec.Struct):
    File: list[ArchiveFile]


@OPEN_MSG_SVC.endpoint("get_history", request=GetHistory, response=GetHistoryReply, rate_limit=10)
async def get_history(call: Call, req: GetHistory) -> GetHistoryReply:
    if req.ChatType is None:
        raise ApiError(1002, "ChatType is required: C2C or Group")
    if req.MsgTime is None:
        raise ApiError(1002, "MsgTime is required: the hour as YYYYMMDDHH, Beijing time")
    files = await archives.get_history(call.rt, call.app, req.ChatType, str(req.MsgTime), call.base_url)
    return GetHistoryReply(File=[ArchiveFile(**f) for f in files])
