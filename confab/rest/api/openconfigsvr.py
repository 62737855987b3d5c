"""openconfigsvr: setnospeaking, getnospeaking (global mute, seed 004 lines 26863-27181)."""

from __future__ import annotations

import msgspec

from confab.domain import mutes
from confab.domain.limits import require_user_id
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.registry import endpoint

SERVICE = "openconfigsvr"
MAX_SECONDS = mutes.FOREVER_SECONDS


class SetNoSpeaking(msgspec.Struct):
    Set_Account: str | None = None
    C2CmsgNospeakingTime: int | None = None
    GroupmsgNospeakingTime: int | None = None


class GetNoSpeaking(msgspec.Struct):
    Get_Account: str | None = None


class GetNoSpeakingReply(msgspec.Struct):
    C2CmsgNospeakingTime: int
    GroupmsgNospeakingTime: int


def _period(name: str, value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_SECONDS:
        raise ApiError(130005, f"{name} must be 0..{MAX_SECONDS} seconds")
    return value


@endpoint(
    SERVICE,
    "setnospeaking",
    request=SetNoSpeaking,
    summary="Set global mute",
    seed="004:26863-27030",
    param_error=130005,
    json_error=130001,
    internal_error=130014,
    field_errors={"Set_Account": 130005},
)
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


@endpoint(
    SERVICE,
    "getnospeaking",
    request=GetNoSpeaking,
    response=GetNoSpeakingReply,
    summary="Query global mute",
    seed="004:27031-27181",
    param_error=130003,
    json_error=130001,
    internal_error=130014,
    field_errors={"Get_Account": 130003},
)
async def getnospeaking(call: Call, req: GetNoSpeaking) -> GetNoSpeakingReply:
    if req.Get_Account is None:
        raise ApiError(130002, "Get_Account is required")
    require_user_id(req.Get_Account, "Get_Account", 130003)
    c2c, group = await mutes.get_mute(call.rt, call.app, req.Get_Account, invalid=130003)
    return GetNoSpeakingReply(C2CmsgNospeakingTime=c2c, GroupmsgNospeakingTime=group)
