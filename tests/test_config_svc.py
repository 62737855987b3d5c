"""ConfigSvc/GetIPList (issue 16; seed 004 lines 27727-27840): the deployment's addresses by nettype."""

from __future__ import annotations

import pytest

from confab.config import Settings
from confab.rest.api.config_svc import addresses
from tests.support import AppHandle

API = "ConfigSvc/GetIPList"


async def _get(app: AppHandle, nettype: str | None) -> dict:
    params = app.rest.params() | ({"nettype": nettype} if nettype is not None else {})
    response = await app.rest.http.post(app.rest.url(API), params=params, content=b"{}")
    return response.json()


async def test_sample_request_answers_the_listening_address(app: AppHandle) -> None:
    reply = await app.ok(API, {})
    assert reply["IPList"] == ["127.0.0.1"]
    for nettype in ("0", "1", "4", "5", "6"):
        assert (await _get(app, nettype))["IPList"] == ["127.0.0.1"]


@pytest.mark.parametrize("nettype", ["7", "-1", "x"])
async def test_a_bad_nettype(app: AppHandle, nettype: str) -> None:
    reply = await _get(app, nettype)
    assert (reply["ActionStatus"], reply["ErrorCode"]) == ("FAIL", 60002), reply


def test_configured_addresses_by_nettype() -> None:
    settings = Settings.load(
        {"CONFAB_PUBLIC_ADDRESSES": "127.0.0.2, 183.192.202.0/25", "CONFAB_WEBHOOK_ADDRESSES": "10.0.0.9"}
    )
    assert addresses(settings, 1) == ["127.0.0.2", "183.192.202.0/25"]  # the seed's sample list
    assert addresses(settings, 3) == ["127.0.0.2", "183.192.202.0/25"]
    assert addresses(settings, 5) == ["10.0.0.9"]
    assert addresses(settings, 0) == ["127.0.0.2", "183.192.202.0/25", "10.0.0.9"]
    with pytest.raises(SystemExit):
        Settings.load({"CONFAB_PUBLIC_ADDRESSES": "not-an-ip"})
    assert addresses(Settings(host="0.0.0.0"), 0) == ["127.0.0.1"]
