"""Global mute over REST (`openconfigsvr` setnospeaking, getnospeaking; seed 004 lines 26863-27181).
The rule is `confab.domain.mutes`."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain import mutes
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import OPENCONFIGSVR

MAX_SECONDS = mutes.FOREVER_SECONDS


class SetNoSpeaking(msgspec.Struct):
    Set_Account: str | None = None
    C2CmsgNospeakingTime: Int64 | None = None
    GroupmsgNospeakingTime: Int64 | None = None


class GetNoSpeaking(msgspec.Struct):
    Get_Account: str | None = None


class GetNoSpeakingReply(msgspec.Struct):
    C2CmsgNospeakingTime: Int64
    GroupmsgNospeakingTime: Int64


def _period(name: str, value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_SECONDS:
        raise ApiError(130005, f"{name} must be 0..{MAX_SECONDS} seconds")
    return value


@OPENCONFIGSVR.endpoint("setnospeaking", response=NoFields, request=SetNoSpeaking, field_errors={"Set_Account": 130005})
async def setnospeaking(call: Call, req: SetNoSpeaking) -> None:
    if req.Set_Account is None:
        raise ApiError(130004, "Set_Account is required")
    require_user_id(req.Set_Account, "Set_Account", 130005)
    if req.C2CmsgNospeakingTime is None and req.GroupmsgNospeakingTime is None:
        raise ApiError(130008, "give C2CmsgNospeakingTime, GroupmsgNospeakingTime or both")
    await mutes.set_mute(
        call.rt,
        call.app,
        req.Set_Account,
        c2c_seconds=_period("C2CmsgNospeakingTime", req.C2CmsgNospeakingTime),
        group_seconds=_period("GroupmsgNospeakingTime", req.GroupmsgNospeakingTime),
        invalid=130005,
    )


@OPENCONFIGSVR.endpoint(
    "getnospeaking",
    request=GetNoSpeaking,
    response=GetNoSpeakingReply,
    field_errors={"Get_Account": 130003},
    param_error=130003,
)
async def getnospeaking(call: Call, req: GetNoSpeaking) -> GetNoSpeakingReply:
    if req.Get_Account is None:
        raise ApiError(130002, "Get_Account is required")
    require_user_id(req.Get_Account, "Get_Account", 130003)
    c2c, group = await mutes.get_mute(call.rt, call.app, req.Get_Account, invalid=130003)
    return GetNoSpeakingReply(C2CmsgNospeakingTime=c2c, GroupmsgNospeakingTime=group)
