"""Hostile input answers the API's own parameter code, never an internal error or a traceback
(issue 10, defect 4), over real HTTP and WebSocket on both databases.

Each cause the attack found has a case: JSON nested past the decoder's depth, integers beyond 64 bits,
a non-string MsgType, a non-string TagList entry, invalid UTF-8, U+0000 in strings, and a client that
disconnects mid-body. `no_tracebacks` fails a test when the server logged an error while it ran.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest
import websockets

from confab import usersig
from confab.realtime import protocol
from confab.rest.registry import load_all
from tests.support import AppHandle

ENDPOINTS = load_all().all()
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]
BIG = 1 << 70
IMPORT = {"SyncFromOldSystem": 2, "From_Account": "a", "To_Account": "b", "MsgRandom": 1, "MsgTimeStamp": 1}


@pytest.fixture(autouse=True)
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The server runs in this process: any error it logs while a test runs fails that test."""
    caplog.set_level(logging.ERROR)
    yield
    errors = [r for when in ("setup", "call") for r in caplog.get_records(when) if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]


def assert_refused(reply: dict, *codes: int) -> None:
    assert reply["ActionStatus"] == "FAIL", reply
    assert not reply["ErrorInfo"].startswith("internal server error"), reply
    if codes:
        assert reply["ErrorCode"] in codes, reply


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
async def test_deeply_nested_json_is_not_json_to_any_api(app: AppHandle, endpoint) -> None:
    deep = b'{"X": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert_refused(await app.call(endpoint.key, deep), endpoint.json_error)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
async def test_invalid_utf8_is_not_json_to_any_api(app: AppHandle, endpoint) -> None:
    app.set(rate_limits={"*": 0})  # two calls in a row: get_appid_group_list allows one a second
    assert_refused(await app.call(endpoint.key, b"\xff\xfe{}"), endpoint.json_error)
    # in a field the API reads (fields it does not know are skipped unread): JSON or parameter code
    if not endpoint.request.__struct_fields__:
        return  # an API that reads no field (GetIPList, get_all_robots ...): the whole body was the test
    first = endpoint.request.__struct_fields__[0]
    reply = await app.call(endpoint.key, b'{"' + first.encode() + b'": "\xff\xfe"}')
    assert_refused(reply, endpoint.json_error, endpoint.param_error, 60015, *endpoint.field_errors.values())


INT_FIELDS = [
    (
        "openim/admin_getroammsg",
        {"Operator_Account": "a", "Peer_Account": "b", "MaxCnt": 10, "MinTime": 0, "MaxTime": 0},
        ("MinTime", "MaxTime", "MaxCnt"),
        90001,
    ),
    (
        "recentcontact/get_list",
        {"From_Account": "a"},
        ("TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex"),
        50002,
    ),
    (
        "openim/importmsg",
        {**IMPORT, "MsgBody": TEXT},
        ("MsgTimeStamp", "MsgRandom", "MsgSeq"),
        None,
    ),
    ("openim_msg_ext_http_svc/get_key_values", {"To_Account": "b", "MsgKey": "1_1_1"}, ("StartSeq",), 10004),
    ("sns/friend_get", {"From_Account": "a", "StartIndex": 0}, ("StartIndex", "StandardSequence"), 30001),
    (
        "sns/black_list_get",
        {"From_Account": "a", "StartIndex": 0, "MaxLimited": 10},
        ("StartIndex", "MaxLimited"),
        30001,
    ),
    (
        "openim/sendmsg",
        {"To_Account": "b", "MsgRandom": 1, "MsgBody": TEXT},
        ("MsgRandom", "MsgSeq", "MsgLifeTime"),
        None,
    ),
]


@pytest.mark.parametrize(("api", "body", "fields", "code"), INT_FIELDS, ids=[f[0] for f in INT_FIELDS])
async def test_integers_beyond_64_bits_get_the_parameter_code(app: AppHandle, api, body, fields, code) -> None:
    await app.import_accounts("a", "b")
    for field in fields:
        for value in (BIG, -BIG, 1 << 63):
            reply = await app.call(api, {**body, field: value})
            assert_refused(reply, *(() if code is None else (code,)))
            assert field in reply["ErrorInfo"], reply


async def test_a_cursor_index_at_the_64_bit_edge(app: AppHandle) -> None:
    await app.import_accounts("a")
    for field in ("StartIndex", "TopStartIndex"):
        reply = await app.call("recentcontact/get_list", {"From_Account": "a", "AssistFlags": 7, field: (1 << 63) - 1})
        assert_refused(reply, 50002)
        assert field in reply["ErrorInfo"]


async def test_msg_read_time_beyond_64_bits(app: AppHandle) -> None:
    await app.import_accounts("a", "b")
    reply = await app.call(
        "openim/admin_set_msg_read", {"Report_Account": "a", "Peer_Account": "b", "MsgReadTime": "9" * 40}
    )
    assert_refused(reply, 90001)
    reply = await app.call(
        "openim/admin_set_msg_read", {"Report_Account": "a", "Peer_Account": "b", "MsgReadTime": "²"}
    )
    assert_refused(reply, 90001)


@pytest.mark.parametrize("msg_type", [{"x": 1}, ["TIMTextElem"], 7, None])
async def test_a_msg_type_that_is_not_a_string(app: AppHandle, msg_type) -> None:
    await app.import_accounts("a", "b")
    body = [{"MsgType": msg_type, "MsgContent": {"Text": "hi"}}]
    cases = [
        ("openim/sendmsg", {"From_Account": "a", "To_Account": "b", "MsgRandom": 1, "MsgBody": body}),
        ("openim/batchsendmsg", {"From_Account": "a", "To_Account": ["b"], "MsgRandom": 1, "MsgBody": body}),
        (
            "openim/importmsg",
            {**IMPORT, "MsgBody": body},
        ),
        ("openim/modify_c2c_msg", {"From_Account": "a", "To_Account": "b", "MsgKey": "1_1_1", "MsgBody": body}),
    ]
    for api, request in cases:
        assert_refused(await app.call(api, request), 90002)


async def test_a_tag_list_entry_that_is_not_a_string(app: AppHandle) -> None:
    await app.import_accounts("a", "b")
    reply = await app.call(
        "sns/friend_get_list", {"From_Account": "a", "To_Account": ["b"], "TagList": [{"x": 1}, "Tag_SNS_IM_Remark"]}
    )
    assert_refused(reply, 30001)
    reply = await app.call("profile/portrait_get", {"To_Account": ["a"], "TagList": [["Tag_Profile_IM_Nick"]]})
    assert_refused(reply, 40001)


NUL_CASES = [
    ("im_open_login_svc/account_import", {"UserID": "nul\u0000id"}, "UserID", 70402),
    ("im_open_login_svc/account_import", {"UserID": "fine", "Nick": "a\u0000b"}, "Nick", 70402),
    (
        "openim/sendmsg",
        {
            "From_Account": "a",
            "To_Account": "b",
            "MsgRandom": 1,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x\u0000y"}}],
        },
        "MsgBody",
        90002,
    ),
    (
        "openim/sendmsg",
        {"From_Account": "a", "To_Account": "b", "MsgRandom": 1, "MsgBody": TEXT, "CloudCustomData": "\u0000"},
        "CloudCustomData",
        20001,
    ),
    (
        "profile/portrait_set",
        {"From_Account": "a", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "\u0000"}]},
        "ProfileItem",
        40001,
    ),
    (
        "sns/friend_add",
        {
            "From_Account": "a",
            "AddFriendItem": [{"To_Account": "b", "Remark": "r\u0000", "AddSource": "AddSource_Type_x"}],
        },
        "AddFriendItem",
        30001,
    ),
    (
        "openim_msg_ext_http_svc/set_key_values",
        {"To_Account": "b", "MsgKey": "1_1_1", "OperateType": 1, "ExtensionList": [{"Key": "k", "Value": "\u0000"}]},
        "ExtensionList",
        10004,
    ),
]


@pytest.mark.parametrize(("api", "body", "field", "code"), NUL_CASES, ids=[f"{c[0]}:{c[2]}" for c in NUL_CASES])
async def test_nul_in_a_string_is_refused_the_same_on_both_databases(app: AppHandle, api, body, field, code) -> None:
    await app.import_accounts("a", "b")
    reply = await app.call(api, body)
    assert_refused(reply, code)
    assert field in reply["ErrorInfo"] and "U+0000" in reply["ErrorInfo"], reply
    raw = json.dumps(body).replace("\\u0000", "\\\\u0000").encode()  # an escaped backslash: no NUL at all
    assert "U+0000" not in (await app.call(api, raw))["ErrorInfo"]


async def test_a_nul_send_among_concurrent_sends_fails_alone(app: AppHandle) -> None:
    await app.import_accounts("a", "b")
    app.set(rate_limits={"*": 0})

    def send(n: int, text: str):
        body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
        return app.call("openim/sendmsg", {"From_Account": "a", "To_Account": "b", "MsgRandom": n, "MsgBody": body})

    replies = await asyncio.gather(*(send(n, "bad\u0000" if n == 7 else f"m{n}") for n in range(32)))
    assert [r["ActionStatus"] for r in replies].count("FAIL") == 1
    assert_refused(replies[7], 90002)
    history = await app.ok(
        "openim/admin_getroammsg",
        {"Operator_Account": "a", "Peer_Account": "b", "MaxCnt": 100, "MinTime": 0, "MaxTime": 2**32},
    )
    assert history["MsgCnt"] == 31


async def test_a_client_that_disconnects_mid_body_is_not_an_error(app: AppHandle) -> None:
    port = int(app.server.base_url.rsplit(":", 1)[1])
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    query = "&".join(f"{k}={v}" for k, v in app.rest.params().items())
    writer.write(
        f"POST /v4/im_open_login_svc/account_check?{query} HTTP/1.1\r\nHost: x\r\n".encode()
        + b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"CheckItem": ['
    )
    await writer.drain()
    await asyncio.sleep(0.1)  # the envelope is reading the body now
    writer.close()
    await writer.wait_closed()
    await asyncio.sleep(0.2)  # time for the server to notice (and, before the fix, log a traceback)
    assert_refused(await app.call("im_open_login_svc/account_check", {"CheckItem": []}), 70402)


async def _gateway(app: AppHandle, user: str):
    ws = await websockets.connect(app.server.base_url.replace("http://", "ws://") + "/v4/ws")
    sig = usersig.generate(app.sdkappid, app.key, user, 3600)
    await ws.send(
        json.dumps({"seq": 1, "op": "login", "data": {"SDKAppID": app.sdkappid, "Identifier": user, "UserSig": sig}})
    )
    assert json.loads(await ws.recv())["code"] == 0
    await ws.recv()  # Synced
    return ws


async def test_gateway_answers_deep_frames_and_keeps_the_connection(app: AppHandle) -> None:
    await app.import_accounts("alice")
    ws = await _gateway(app, "alice")
    try:
        await ws.send('{"seq": 5, "op": "send", "data": {"MsgBody": ' + "[" * 5000 + "]" * 5000 + "}}")
        reply = json.loads(await ws.recv())
        assert reply["code"] == protocol.CODE_BAD_JSON, reply
        await ws.send('{"seq": 6, "op": "ping"}')
        assert json.loads(await ws.recv())["seq"] == 6
        await ws.send(json.dumps({"seq": 7, "op": "history", "data": {"Peer_Account": "alice", "MinTime": BIG}}))
        assert json.loads(await ws.recv())["code"] == protocol.CODE_BAD_DATA
        await ws.send(json.dumps({"seq": 8, "op": "send", "data": {"To_Account": "a\u0000", "MsgBody": TEXT}}))
        assert json.loads(await ws.recv())["code"] in (protocol.CODE_BAD_FRAME, protocol.CODE_BAD_DATA)
    finally:
        await ws.close()


async def test_wrongly_typed_data_counts_toward_the_bad_frame_limit(app: AppHandle) -> None:
    await app.import_accounts("alice")
    ws = await _gateway(app, "alice")
    frame = json.dumps({"seq": 2, "op": "send", "data": {"To_Account": 5}})
    for _ in range(protocol.MAX_BAD_FRAMES):
        await ws.send(frame)
        assert json.loads(await ws.recv())["code"] == protocol.CODE_BAD_DATA
    await ws.send(frame)
    await ws.wait_closed()
    assert ws.close_code == protocol.CLOSE_BAD_FRAMES


async def test_a_gateway_frame_refused_for_a_nul_answers_its_seq(app: AppHandle) -> None:
    """A NUL anywhere refuses the whole frame before its fields are read; the refusal still names the
    frame's seq, or a client waiting on that request would wait for ever."""
    await app.import_accounts("alice")
    ws = await _gateway(app, "alice")
    try:
        await ws.send(json.dumps({"seq": 9, "op": "send", "data": {"To_Account": "a\u0000b", "MsgBody": TEXT}}))
        reply = json.loads(await ws.recv())
        assert reply["seq"] == 9 and reply["code"] == protocol.CODE_BAD_FRAME, reply
    finally:
        await ws.close()
