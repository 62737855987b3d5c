"""im_open_login_svc account APIs against a real server (seed 004 lines 20895-21596)."""

from __future__ import annotations

import pytest

from confab.domain import accounts as accounts_domain
from confab.events import AccountsDeleted, AccountsImported
from tests.support import AppHandle, ServerHandle, assert_error, assert_ok

IMPORT = "im_open_login_svc/account_import"
MULTI = "im_open_login_svc/multiaccount_import"
DELETE = "im_open_login_svc/account_delete"
CHECK = "im_open_login_svc/account_check"


async def status_of(app: AppHandle, *user_ids: str) -> dict[str, str]:
    reply = await app.ok(CHECK, {"CheckItem": [{"UserID": u} for u in user_ids]})
    return {item["UserID"]: item["AccountStatus"] for item in reply["ResultItem"]}


async def test_account_import_seed_sample(app: AppHandle) -> None:
    reply = await app.call(IMPORT, {"UserID": "test", "Nick": "test", "FaceUrl": "http://www.qq.com"})
    assert_ok(reply)
    assert set(reply) == {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"}
    profile = await app.ok(
        "profile/portrait_get", {"To_Account": ["test"], "TagList": ["Tag_Profile_IM_Nick", "Tag_Profile_IM_Image"]}
    )
    assert profile["UserProfileItem"][0]["ProfileItem"] == [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "test"},
        {"Tag": "Tag_Profile_IM_Image", "Value": "http://www.qq.com"},
    ]


async def test_account_import_is_idempotent_and_refreshes_profile(app: AppHandle) -> None:
    assert_ok(await app.call(IMPORT, {"UserID": "again", "Nick": "one"}))
    assert_ok(await app.call(IMPORT, {"UserID": "again", "Nick": "two"}))
    assert_ok(await app.call(IMPORT, {"UserID": "again"}))
    profile = await app.ok("profile/portrait_get", {"To_Account": ["again"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert profile["UserProfileItem"][0]["ProfileItem"][0]["Value"] == "two"
    assert await status_of(app, "again") == {"again": "Imported"}


@pytest.mark.parametrize("user_id", ["", "x" * 33, "é" * 17, "tab\there"])
async def test_account_import_invalid_user_id_is_70402(app: AppHandle, user_id: str) -> None:
    assert_error(await app.call(IMPORT, {"UserID": user_id}), 70402)
    assert_error(await app.call(IMPORT, {}), 70402)


async def test_account_import_accepts_the_older_identifier_field(app: AppHandle) -> None:
    assert_ok(await app.call(IMPORT, {"Identifier": "legacy", "Nick": "old sdk"}))  # DECISIONS 21
    assert await status_of(app, "legacy") == {"legacy": "Imported"}
    assert_error(await app.call(IMPORT, {"Identifier": "x" * 33}), 70402)


async def test_user_id_of_exactly_32_bytes_is_fine(app: AppHandle) -> None:
    assert_ok(await app.call(IMPORT, {"UserID": "x" * 32}))
    assert_ok(await app.call(IMPORT, {"UserID": "é" * 16}))


async def test_account_import_long_nick_is_40601(app: AppHandle) -> None:
    assert_error(await app.call(IMPORT, {"UserID": "n1", "Nick": "n" * 501}), 40601)
    assert_error(await app.call(IMPORT, {"UserID": "n2", "FaceUrl": "u" * 501}), 40601)
    assert await status_of(app, "n1", "n2") == {"n1": "NotImported", "n2": "NotImported"}


async def test_account_quota_is_70398(app: AppHandle) -> None:
    app.set(max_accounts=3)  # the admin is one of them
    await app.import_accounts("q1", "q2")
    assert_error(await app.call(IMPORT, {"UserID": "q3"}), 70398)
    assert_error(await app.call(MULTI, {"Accounts": ["q3", "q4"]}), 70398)
    assert await status_of(app, "q3", "q4") == {"q3": "NotImported", "q4": "NotImported"}
    assert_ok(await app.call(IMPORT, {"UserID": "q1", "Nick": "re-import is not a new account"}))


async def test_multiaccount_import_seed_sample(app: AppHandle) -> None:
    reply = await app.call(MULTI, {"Accounts": ["test1", "test2", "test3", "test4", "test5"]})
    assert_ok(reply)
    assert reply["FailAccounts"] == []
    assert set((await status_of(app, "test1", "test5")).values()) == {"Imported"}


async def test_multiaccount_import_reports_bad_ids(app: AppHandle) -> None:
    reply = await app.ok(MULTI, {"Accounts": ["good", "x" * 40, "", "good"]})
    assert reply["FailAccounts"] == ["x" * 40, ""]
    assert await status_of(app, "good") == {"good": "Imported"}


async def test_multiaccount_import_limits(app: AppHandle) -> None:
    assert_ok(await app.call(MULTI, {"Accounts": [f"u{i}" for i in range(100)]}))
    assert_error(await app.call(MULTI, {"Accounts": [f"v{i}" for i in range(101)]}), 70402)
    assert_error(await app.call(MULTI, {"Accounts": []}), 70402)
    assert_error(await app.call(MULTI, {"Accounts": "test1"}), 70402)
    assert_error(await app.call(MULTI, {}), 70402)


async def test_account_delete_seed_sample(app: AppHandle) -> None:
    await app.import_accounts("UserID_1")
    reply = await app.call(DELETE, {"DeleteItem": [{"UserID": "UserID_1"}, {"UserID": "UserID_2"}]})
    assert_ok(reply)
    assert reply["ResultItem"] == [
        {"ResultCode": 0, "ResultInfo": "", "UserID": "UserID_1"},
        {"ResultCode": 70107, "ResultInfo": "Err_TLS_PT_Open_Login_Account_Not_Exist", "UserID": "UserID_2"},
    ]
    assert await status_of(app, "UserID_1") == {"UserID_1": "NotImported"}


async def test_account_delete_removes_profile_and_allows_reimport(app: AppHandle) -> None:
    assert_ok(await app.call(IMPORT, {"UserID": "gone", "Nick": "old nick"}))
    await app.ok(DELETE, {"DeleteItem": [{"UserID": "gone"}]})
    await app.import_accounts("gone")
    profile = await app.ok("profile/portrait_get", {"To_Account": ["gone"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert profile["UserProfileItem"][0]["ProfileItem"][0]["Value"] == ""


async def test_account_delete_refuses_app_admin(app: AppHandle) -> None:
    reply = await app.ok(DELETE, {"DeleteItem": [{"UserID": app.admin}]})
    assert reply["ResultItem"][0]["ResultCode"] == 70402
    assert await status_of(app, app.admin) == {app.admin: "Imported"}


async def test_account_delete_limits(app: AppHandle) -> None:
    assert_error(await app.call(DELETE, {"DeleteItem": [{"UserID": f"d{i}"} for i in range(101)]}), 70402)
    assert_error(await app.call(DELETE, {"DeleteItem": []}), 70402)
    assert_error(await app.call(DELETE, {"DeleteItem": [{"UserID": 5}]}), 60015)


async def test_account_check_seed_sample(app: AppHandle) -> None:
    await app.import_accounts("UserID_1")
    reply = await app.call(CHECK, {"CheckItem": [{"UserID": "UserID_1"}, {"UserID": "UserID_2"}]})
    assert_ok(reply)
    assert reply["ResultItem"] == [
        {"UserID": "UserID_1", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported"},
        {"UserID": "UserID_2", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "NotImported"},
    ]


async def test_account_check_limits(app: AppHandle) -> None:
    assert_ok(await app.call(CHECK, {"CheckItem": [{"UserID": f"c{i}"} for i in range(100)]}))
    assert_error(await app.call(CHECK, {"CheckItem": [{"UserID": f"c{i}"} for i in range(101)]}), 70402)
    assert_error(await app.call(CHECK, {"CheckItem": []}), 70402)
    assert_error(await app.call(CHECK, {}), 70402)


async def test_events_after_commit(app: AppHandle, server: ServerHandle) -> None:
    tap = server.tap()
    try:
        await app.import_accounts("e1", "e2")
        await app.ok(DELETE, {"DeleteItem": [{"UserID": "e1"}]})
        await app.call(IMPORT, {"UserID": "x" * 40})  # refused: publishes nothing
        mine = [e for e in tap.drain() if e.sdkappid == app.sdkappid]
    finally:
        server.untap(tap)
    assert mine == [
        AccountsImported(sdkappid=app.sdkappid, at=mine[0].at, user_ids=["e1", "e2"]),
        AccountsDeleted(sdkappid=app.sdkappid, at=mine[1].at, user_ids=["e1"]),
    ]


async def test_internal_fault_is_70500_without_a_trace(app: AppHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(accounts_domain, "check_accounts", broken)
    reply = await app.call(CHECK, {"CheckItem": [{"UserID": "a"}]})
    assert_error(reply, 70500)
    assert "disk on fire" not in reply["ErrorInfo"]
    assert "Traceback" not in reply["ErrorInfo"]
