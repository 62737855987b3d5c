"""profile: portrait_set, portrait_get."""

from __future__ import annotations

from typing import Any

import msgspec

from confab.decoding import Int64
from confab.domain import profiles, results
from confab.rest.call import Call
from confab.rest.replies import Displayed
from confab.rest.services import PROFILE


class ProfileItem(msgspec.Struct):
    Tag: str
    Value: Any  # uint64, string or bytes; judged per field by the domain (40605/40610/40601)


class PortraitSet(msgspec.Struct):
    From_Account: str
    ProfileItem: list[ProfileItem]


class PortraitGet(msgspec.Struct):
    To_Account: list[str]
    TagList: list[str]


class UserProfile(msgspec.Struct, omit_defaults=True):
    To_Account: str
    ProfileItem: list[ProfileItem] | None = None
    ResultCode: Int64 = 0
    ResultInfo: str = ""


class PortraitGetReply(msgspec.Struct, omit_defaults=True):
    UserProfileItem: list[UserProfile]
    Fail_Account: list[str] | None = None
    ErrorDisplay: str = ""


@PROFILE.endpoint("portrait_set", request=PortraitSet, response=Displayed, rate_limit=200)
async def portrait_set(call: Call, req: PortraitSet) -> None:
    items = [(item.Tag, item.Value) for item in req.ProfileItem]
    await profiles.set_profile(call.rt, call.app, req.From_Account, items, by_admin=True)


@PROFILE.endpoint(
    "portrait_get", request=PortraitGet, response=PortraitGetReply, rate_limit=200, field_errors={"To_Account": 40002}
)
async def portrait_get(call: Call, req: PortraitGet) -> dict:
    items, failed = await profiles.get_profiles(call.rt, call.app, req.To_Account, req.TagList, by_admin=True)
    return results.reply("UserProfileItem", items, failed)
