"""Operations data over REST (`openconfigsvr/getappinfo`, seed 004 lines 27182-27477). The counting and the
rule are `confab.domain.app_stats`."""

from __future__ import annotations

import msgspec

from confab.domain import app_stats
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.services import OPENCONFIGSVR

MAX_REQUEST_FIELDS = 64  # the page lists 32 fields; a longer list is refused (130005)


class GetAppInfo(msgspec.Struct):
    RequestField: list[str] | None = None


class GetAppInfoReply(msgspec.Struct):
    Result: list[dict[str, str]]


@OPENCONFIGSVR.endpoint("getappinfo", request=GetAppInfo, response=GetAppInfoReply)
async def getappinfo(call: Call, req: GetAppInfo) -> GetAppInfoReply:
    fields = req.RequestField
    if fields is not None and len(fields) > MAX_REQUEST_FIELDS:
        raise ApiError(130005, f"RequestField lists at most {MAX_REQUEST_FIELDS} names")
    return GetAppInfoReply(Result=await app_stats.app_info(call.rt, call.app, fields))
