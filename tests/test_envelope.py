"""The v4 envelope over real HTTP: URL form, auth, common codes 60002-60021, CORS, RequestId."""

from __future__ import annotations

import asyncio
import time
from unittest import mock

import httpx
import msgspec
import TLSSigAPIv2

from confab import usersig
from tests.support import AppHandle, ServerHandle, assert_error, assert_ok

CHECK = "im_open_login_svc/account_check"
CHECK_BODY = {"CheckItem": [{"UserID": "administrator"}]}


async def post(http: httpx.AsyncClient, server: ServerHandle, path: str, params: dict, body: bytes = b"{}") -> dict:
    response = await http.post(f"{server.base_url}/v4/{path}", params=params, content=body)
    assert response.status_code == 200
    return msgspec.json.decode(response.content)


def params(app: AppHandle, **overrides: object) -> dict:
    base = {
        "sdkappid": app.sdkappid,
        "identifier": app.admin,
        "usersig": usersig.generate(app.sdkappid, app.key, app.admin, 3600),
        "random": 123456789,
        "contenttype": "json",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


async def test_success_envelope_cors_and_request_id(app: AppHandle, http: httpx.AsyncClient) -> None:
    response = await http.post(app.rest.url(CHECK), params=params(app), content=msgspec.json.encode(CHECK_BODY))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "X-Requested-With" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-allow-methods"] == "POST"
    assert response.headers["content-type"].startswith("application/json")
    reply = response.json()
    assert list(reply)[:4] == ["ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"]
    assert_ok(reply)
    second = (await http.post(app.rest.url(CHECK), params=params(app), content=b"{}")).json()
    assert second["RequestId"] != reply["RequestId"]


async def test_vendor_generated_admin_sig_is_accepted(app: AppHandle, http: httpx.AsyncClient) -> None:
    with mock.patch("time.time", return_value=time.time()):
        sig = TLSSigAPIv2.TLSSigAPIv2(app.sdkappid, app.key).gen_sig(app.admin)
    reply = await post(http, app.server, CHECK, params(app, usersig=sig), msgspec.json.encode(CHECK_BODY))
    assert_ok(reply)
    assert reply["ResultItem"][0]["AccountStatus"] == "Imported"


async def test_preflight_options(app: AppHandle, http: httpx.AsyncClient) -> None:
    response = await http.options(app.rest.url(CHECK))
    assert response.status_code == 200
    assert response.headers["access-control-allow-methods"] == "POST"


async def test_only_post(app: AppHandle, http: httpx.AsyncClient) -> None:
    response = await http.get(app.rest.url(CHECK), params=params(app))
    assert response.status_code == 200
    assert_error(response.json(), 60002)


async def test_query_and_auth_codes(app: AppHandle, http: httpx.AsyncClient, server: ServerHandle) -> None:
    body = msgspec.json.encode(CHECK_BODY)
    assert_error(await post(http, server, CHECK, params(app, sdkappid=None), body), 60012)
    assert_error(await post(http, server, CHECK, params(app, sdkappid="abc"), body), 60006)
    assert_error(await post(http, server, CHECK, params(app, sdkappid=999), body), 60006)
    assert_error(await post(http, server, CHECK, params(app, identifier=None), body), 60004)
    assert_error(await post(http, server, CHECK, params(app, usersig=None), body), 60005)
    assert_error(await post(http, server, CHECK, params(app, usersig=""), body), 70002)  # DECISIONS 20
    expired = usersig.generate(app.sdkappid, app.key, app.admin, 10, now=int(time.time()) - 100)
    assert_error(await post(http, server, CHECK, params(app, usersig=expired), body), 70001)
    assert_error(await post(http, server, CHECK, params(app, usersig="garbage"), body), 70003)
    other_id = usersig.generate(app.sdkappid, app.key, "someone", 3600)
    assert_error(await post(http, server, CHECK, params(app, usersig=other_id), body), 70013)
    other_app = usersig.generate(app.sdkappid + 1, app.key, app.admin, 3600)
    assert_error(await post(http, server, CHECK, params(app, usersig=other_app), body), 70014)
    wrong_key = usersig.generate(app.sdkappid, "not-the-key", app.admin, 3600)
    assert_error(await post(http, server, CHECK, params(app, usersig=wrong_key), body), 70009)


async def test_unknown_command(app: AppHandle, http: httpx.AsyncClient) -> None:
    assert_error(await post(http, app.server, "im_open_login_svc/no_such_thing", params(app)), 60009)
    assert_error(await post(http, app.server, "no_such_service/account_check", params(app)), 60009)


async def test_non_admin_gets_the_apis_own_code_or_60010(app: AppHandle, http: httpx.AsyncClient) -> None:
    await app.import_accounts("plain_user")
    user = params(app, identifier="plain_user", usersig=usersig.generate(app.sdkappid, app.key, "plain_user", 3600))
    assert_error(await post(http, app.server, CHECK, user, msgspec.json.encode(CHECK_BODY)), 70403)
    body = msgspec.json.encode({"To_Account": ["plain_user"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert_error(await post(http, app.server, "profile/portrait_get", user, body), 40004)


async def test_body_must_be_a_json_object(app: AppHandle, http: httpx.AsyncClient) -> None:
    for body in (b"", b"   ", b"{not json", b"[1]", b'"text"'):
        assert_error(await post(http, app.server, CHECK, params(app), body), 60003)
    # the profile APIs document their own decode failure code (seed 21705)
    assert_error(await post(http, app.server, "profile/portrait_set", params(app), b"{oops"), 40001)


async def test_oversized_body_is_refused_unread(app: AppHandle, http: httpx.AsyncClient) -> None:
    huge = b'{"CheckItem":[' + b'{"UserID":"x"},' * 100_000 + b'{"UserID":"y"}]}'
    assert_error(await post(http, app.server, CHECK, params(app), huge), 60002)


async def test_account_field_of_wrong_type_is_60015(app: AppHandle) -> None:
    reply = await app.call("im_open_login_svc/account_import", {"UserID": 12345})
    assert_error(reply, 60015)
    assert "UserID" in reply["ErrorInfo"]
    reply = await app.call("im_open_login_svc/multiaccount_import", {"Accounts": ["ok", 7]})
    assert_error(reply, 60015)
    assert "Accounts[1]" in reply["ErrorInfo"]


async def test_model_mismatch_names_the_field(app: AppHandle) -> None:
    reply = await app.call("im_open_login_svc/account_check", {"CheckItem": [{"Nope": 1}]})
    assert_error(reply, 70402)
    assert "CheckItem[0].UserID" in reply["ErrorInfo"]
    reply = await app.call("im_open_login_svc/account_import", {"UserID": "u", "Nick": 5})
    assert_error(reply, 70402)
    assert "Nick" in reply["ErrorInfo"]


async def test_disabled_app_is_60016(app: AppHandle) -> None:
    app.set(disabled=True)
    assert_error(await app.call(CHECK, CHECK_BODY), 60016)


async def test_rate_limit_is_per_api_and_per_app(app: AppHandle, make_app) -> None:
    app.set(rate_limits={"im_open_login_svc/account_check": 5})
    replies = await asyncio.gather(*(app.call(CHECK, CHECK_BODY) for _ in range(30)))
    codes = [r["ErrorCode"] for r in replies]
    assert codes.count(60007) >= 1, codes
    assert set(codes) <= {0, 60007}
    # another API of the same app, and the same API of another app, are not affected
    assert_ok(await app.call("profile/portrait_get", {"To_Account": [app.admin], "TagList": ["Tag_Profile_IM_Nick"]}))
    other = make_app()
    assert_ok(await other.call(CHECK, CHECK_BODY))


async def test_apps_are_isolated(app: AppHandle, make_app) -> None:
    other = make_app()
    await app.import_accounts("only_in_first")
    reply = await other.ok(CHECK, {"CheckItem": [{"UserID": "only_in_first"}]})
    assert reply["ResultItem"][0]["AccountStatus"] == "NotImported"
    # a sig of one app's admin does not open the other app
    foreign = params(other, usersig=usersig.generate(app.sdkappid, app.key, app.admin, 3600))
    assert_error(await post(other.rest.http, other.server, CHECK, foreign), 70014)


async def test_openapi_and_docs(server: ServerHandle, http: httpx.AsyncClient) -> None:
    doc = (await http.get(f"{server.base_url}/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    op = doc["paths"]["/v4/im_open_login_svc/account_import"]["post"]
    schema_ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert schema["required"] == ["UserID"]
    assert "/v4/profile/portrait_get" in doc["paths"]
    page = await http.get(f"{server.base_url}/docs")
    assert "portrait_get" in page.text


async def test_app_wide_rate_limit_is_60011(app: AppHandle) -> None:
    app.set(app_rate_limit=4)
    replies = await asyncio.gather(*(app.call(CHECK, CHECK_BODY) for _ in range(20)))
    codes = [r["ErrorCode"] for r in replies]
    assert 60011 in codes and set(codes) <= {0, 60011}, codes


async def test_overload_is_shed_with_60018(app: AppHandle, server: ServerHandle, monkeypatch) -> None:
    from dataclasses import replace

    from confab.domain import accounts as accounts_domain

    real = accounts_domain.check_accounts

    async def slow(*args: object, **kwargs: object):
        await asyncio.sleep(0.3)
        return await real(*args, **kwargs)

    monkeypatch.setattr(accounts_domain, "check_accounts", slow)
    rt = server.runtime
    monkeypatch.setattr(rt, "settings", replace(rt.settings, max_inflight_requests=2))
    replies = await asyncio.gather(*(app.call(CHECK, CHECK_BODY) for _ in range(8)))
    codes = [r["ErrorCode"] for r in replies]
    assert 60018 in codes and 0 in codes, codes
