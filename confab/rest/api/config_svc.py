"""ConfigSvc/GetIPList (seed 004 lines 27727-27840): the addresses this deployment is reached at and
its webhooks come from, as configured (CONFAB_PUBLIC_ADDRESSES, CONFAB_WEBHOOK_ADDRESSES)."""

from __future__ import annotations

import msgspec

from confab.config import Settings
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.services import CONFIG_SVC

SDK_TYPES = frozenset({1, 2, 3, 4})  # native and web SDKs, inside and outside China: one deployment here
WEBHOOK_TYPES = frozenset({5, 6})  # webhook egress


class Empty(msgspec.Struct):
    pass


class IPListReply(msgspec.Struct):
    IPList: list[str]


def addresses(settings: Settings, nettype: int) -> list[str]:
    """nettype 0: all; 1-4: where devices reach us; 5-6: where webhooks leave from. Unconfigured: the
    listening address (an any-address listener says nothing useful, so 127.0.0.1 stands for it)."""
    listening = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    public = list(settings.public_addresses) or [listening]
    egress = list(settings.webhook_addresses) or public
    if nettype in SDK_TYPES:
        return public
    if nettype in WEBHOOK_TYPES:
        return egress
    return list(dict.fromkeys(public + egress))


@CONFIG_SVC.endpoint("GetIPList", request=Empty, response=IPListReply)
async def get_ip_list(call: Call, req: Empty) -> IPListReply:
    raw = call.params.get("nettype", "0") or "0"
    if not raw.isdigit() or int(raw) > 6:
        raise ApiError(60002, f"nettype is 0 to 6, not {raw!r}")
    return IPListReply(IPList=addresses(call.rt.settings, int(raw)))
