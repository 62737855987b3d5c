"""profile: portrait_set, portrait_get."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.domain import profiles
from confab.domain.limits import PORTRAIT_GET_MAX_ACCOUNTS
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.registry import endpoint

SERVICE = "profile"
CODES = {"param_error": 40001, "admin_error": 40004, "internal_error": 40006, "json_error": 40001}


class ProfileItem(msgspec.Struct):
    Tag: str
    Value: Any  # uint64, string or bytes; judged per field by the domain (40605/40610/40601)


class PortraitSet(msgspec.Struct):
    From_Account: str
    ProfileItem: list[ProfileItem]


class PortraitSetReply(msgspec.Struct):
    ErrorDisplay: str = ""


class PortraitGet(msgspec.Struct):
    To_Account: list[str]
    TagList: list[str]


class UserProfile(msgspec.Struct, omit_defaults=True):
    To_Account: str
    ProfileItem: list[ProfileItem] | None = None
    ResultCode: int = 0
    ResultInfo: str = ""


class PortraitGetReply(msgspec.Struct, omit_defaults=True):
    UserProfileItem: list[UserProfile]
    Fail_Account: list[str] | None = None
    ErrorDisplay: str = ""


@endpoint(
    SERVICE,
    "portrait_set",
    request=PortraitSet,
    response=PortraitSetReply,
    summary="Set profiles",
    seed="004:21597-21767",
    rate_limit=200,
    **CODES,
)
async def portrait_set(call: Call, req: PortraitSet) -> dict:
    items = [(item.Tag, item.Value) for item in req.ProfileItem]
    await profiles.set_profile(call.rt, call.app, req.From_Account, items, by_admin=True)
    return {"ErrorDisplay": ""}


@endpoint(
    SERVICE,
    "portrait_get",
    request=PortraitGet,
    response=PortraitGetReply,
    summary="Pull profiles",
    seed="004:21768-22399",
    rate_limit=200,
    field_errors={"To_Account": 40002},
    **CODES,
)
async def portrait_get(call: Call, req: PortraitGet) -> dict:
    if not req.To_Account:
        raise ApiError(40002, "To_Account must name at least one account")
    if len(req.To_Account) > PORTRAIT_GET_MAX_ACCOUNTS:
        raise ApiError(40001, f"To_Account holds at most {PORTRAIT_GET_MAX_ACCOUNTS} accounts")
    if not req.TagList:
        raise ApiError(40001, "TagList must name at least one profile field")
    specs = profiles.resolve_tags(call.app, req.TagList)
    stored = await profiles.load_profiles(call.rt, call.app, req.To_Account)
    items: list[dict[str, Any]] = []
    failed: list[str] = []
    for user_id in req.To_Account:
        profile = stored.get(user_id)
        if profile is None:
            failed.append(user_id)
            items.append({"To_Account": user_id, "ResultCode": 40003, "ResultInfo": "Err_Profile_Account_Not_Exist"})
        else:
            items.append(
                {
                    "To_Account": user_id,
                    "ProfileItem": profiles.pick(profile, req.TagList, specs),
                    "ResultCode": 0,
                    "ResultInfo": "",
                }
            )
    reply: dict[str, Any] = {"UserProfileItem": items}
    if failed:
        reply["Fail_Account"] = failed
    reply["ErrorDisplay"] = ""
    return reply
