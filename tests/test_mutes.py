"""openconfigsvr/setnospeaking and getnospeaking against a real server (seed 004 lines 26863-27181)."""

from __future__ import annotations

from confab.domain import hooks
from tests.support import AppHandle, assert_error, assert_ok

SET = "openconfigsvr/setnospeaking"
GET = "openconfigsvr/getnospeaking"
FOREVER = 4294967295


async def test_seed_sample_set_then_get(app: AppHandle) -> None:
    await app.import_accounts("lumotuwe")
    assert_ok(
        await app.call(
            SET, {"Set_Account": "lumotuwe", "C2CmsgNospeakingTime": FOREVER, "GroupmsgNospeakingTime": 7200}
        )
    )
    got = await app.ok(GET, {"Get_Account": "lumotuwe"})
    assert got["C2CmsgNospeakingTime"] == FOREVER
    assert 7195 <= got["GroupmsgNospeakingTime"] <= 7200  # counts down: the seed shows 7196


async def test_never_muted_reads_zero(app: AppHandle) -> None:
    await app.import_accounts("quiet")
    got = await app.ok(GET, {"Get_Account": "quiet"})
    assert (got["C2CmsgNospeakingTime"], got["GroupmsgNospeakingTime"]) == (0, 0)


async def test_one_period_leaves_the_other_alone_and_zero_unmutes(app: AppHandle) -> None:
    await app.import_accounts("u1")
    await app.ok(SET, {"Set_Account": "u1", "C2CmsgNospeakingTime": 600, "GroupmsgNospeakingTime": 900})
    await app.ok(SET, {"Set_Account": "u1", "C2CmsgNospeakingTime": 0})
    got = await app.ok(GET, {"Get_Account": "u1"})
    assert got["C2CmsgNospeakingTime"] == 0
    assert 895 <= got["GroupmsgNospeakingTime"] <= 900


async def test_mute_is_per_app(app: AppHandle, make_app) -> None:
    other = make_app()
    await app.import_accounts("same")
    await other.import_accounts("same")
    await app.ok(SET, {"Set_Account": "same", "C2CmsgNospeakingTime": FOREVER})
    got = await other.ok(GET, {"Get_Account": "same"})
    assert got["C2CmsgNospeakingTime"] == 0


async def test_user_send_check_refuses_a_muted_sender_with_20012(app: AppHandle) -> None:
    """The check user sends run (the gateway's path); admin sendmsg does not run it (seed line 781)."""
    await app.import_accounts("m1", "m2")
    server = app.server

    async def run_checks(sender: str) -> list:
        async with server.runtime.store.read() as conn:
            live = await server.runtime.apps.get(app.sdkappid)
            return [r for check in hooks.user_c2c_send_checks if (r := await check(conn, live, sender, "m2"))]

    assert server.run(run_checks("m1")) == []
    await app.ok(SET, {"Set_Account": "m1", "C2CmsgNospeakingTime": 3600})
    refused = server.run(run_checks("m1"))
    assert [code for code, _ in refused] == [20012]
    await app.ok(SET, {"Set_Account": "m1", "C2CmsgNospeakingTime": 0})
    assert server.run(run_checks("m1")) == []


async def test_deleting_the_account_drops_its_mute(app: AppHandle) -> None:
    await app.import_accounts("gone")
    await app.ok(SET, {"Set_Account": "gone", "C2CmsgNospeakingTime": FOREVER})
    await app.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "gone"}]})
    await app.import_accounts("gone")
    got = await app.ok(GET, {"Get_Account": "gone"})
    assert got["C2CmsgNospeakingTime"] == 0


async def test_set_errors(app: AppHandle) -> None:
    await app.import_accounts("u1")
    assert_error(await app.call(SET, b"{not json"), 130001)
    assert_error(await app.call(SET, {"C2CmsgNospeakingTime": 10}), 130004)
    assert_error(await app.call(SET, {"Set_Account": 5, "C2CmsgNospeakingTime": 10}), 130005)
    assert_error(await app.call(SET, {"Set_Account": "x" * 33, "C2CmsgNospeakingTime": 10}), 130005)
    assert_error(await app.call(SET, {"Set_Account": "nobody", "C2CmsgNospeakingTime": 10}), 130005)
    assert_error(await app.call(SET, {"Set_Account": "u1", "C2CmsgNospeakingTime": -1}), 130005)
    assert_error(await app.call(SET, {"Set_Account": "u1", "GroupmsgNospeakingTime": FOREVER + 1}), 130005)
    assert_error(await app.call(SET, {"Set_Account": "u1"}), 130008)
    # nothing was stored by the failed calls
    got = await app.ok(GET, {"Get_Account": "u1"})
    assert (got["C2CmsgNospeakingTime"], got["GroupmsgNospeakingTime"]) == (0, 0)


async def test_get_errors(app: AppHandle) -> None:
    assert_error(await app.call(GET, b"[1,"), 130001)
    assert_error(await app.call(GET, {}), 130002)
    assert_error(await app.call(GET, {"Get_Account": ["a"]}), 130003)
    assert_error(await app.call(GET, {"Get_Account": ""}), 130003)
    assert_error(await app.call(GET, {"Get_Account": "nobody"}), 130003)
