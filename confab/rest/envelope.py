"""The v4 envelope: `POST /v4/{service}/{command}?sdkappid=&identifier=&usersig=&random=&contenttype=json`.

Order of checks: load shedding (60018), method (60002), sdkappid (60012/60006), app state (60016),
identifier and usersig (60004/60005, then the UserSig's own 700xx code), the command (60009), admin
(the API's code or 60010), the app's rate (60011), the API's rate limit (60007), body (the API's
JSON code), request model (the API's parameter code; 60015 for a non-string account), then the handler.
Every answer is HTTP 200 with ActionStatus/ErrorCode/ErrorInfo/RequestId; nothing leaks a stack trace.
"""

from __future__ import annotations

import logging
import os
import re
import time
from itertools import count
from typing import Any

import msgspec
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from confab import decoding
from confab.errors import ApiError, error_info
from confab.rest.call import Call
from confab.rest.ratelimit import RateLimiter, check_alarm
from confab.rest.registry import Endpoint, Registry
from confab.runtime import Runtime
from confab.usersig import UserSigError
from confab.webhooks import origin
from confab.webhooks.origin import Origin

log = logging.getLogger("confab.rest")

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "X-Requested-With, Content-Type",
    "Access-Control-Allow-Methods": "POST",
}

_encode = msgspec.json.Encoder().encode
_seq = count(1)
_PATH_RE = re.compile(r" - at `\$([^`]*)`$")
_MISSING_RE = re.compile(r"^Object missing required field `([^`]+)`")
_SEGMENT_RE = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)")


def new_request_id() -> str:
    return f"Id-{os.urandom(16).hex()}-O-Seq-{next(_seq)}"


def _is_account_field(name: str) -> bool:
    return name.endswith("Account") or name.endswith("_Account") or name in ("UserID", "Accounts")


def map_validation_error(endpoint: Endpoint, message: str) -> ApiError:
    """Turn a msgspec validation message into the API's documented code with the field named."""
    at = _PATH_RE.search(message)
    path = at.group(1) if at else ""
    reason = _PATH_RE.sub("", message)
    names = _SEGMENT_RE.findall(path)
    missing = _MISSING_RE.match(reason)
    if missing:
        names.append(missing.group(1))
    if not names:
        if reason.startswith("Expected `object`"):
            return ApiError(endpoint.json_error, "the request body must be a JSON object")
        return ApiError(endpoint.param_error, f"invalid request: {reason}")
    top, leaf = names[0], names[-1]
    location = path.lstrip(".")
    if missing:
        text = f"{location + '.' if location else ''}{missing.group(1)} is required"
    else:
        text = f"{location}: {reason}"
    for name in (top, leaf):
        if name in endpoint.field_errors:
            return ApiError(endpoint.field_errors[name], text)
    if (
        endpoint.account_type_error
        and _is_account_field(leaf)
        and reason.startswith(("Expected `str`", "Expected `str | null`"))
    ):
        return ApiError(60015, f"{text} (accounts are strings)")
    return ApiError(endpoint.param_error, text)


_decode_object = msgspec.json.Decoder(dict[str, Any])


def _rename_aliases(endpoint: Endpoint, body: bytes) -> bytes:
    """Older field names become the seed's (when the seed's is absent); only bodies that hold one are
    decoded twice."""
    if not any(f'"{old}"'.encode() in body for old in endpoint.aliases):
        return body
    try:
        doc = decoding.decode(_decode_object, body)
    except (msgspec.ValidationError, decoding.MalformedJson):
        return body  # the model's decode reports it with the right code
    for old, new in endpoint.aliases.items():
        if old in doc and new not in doc:
            doc[new] = doc.pop(old)
    return _encode(doc)


def _reply(request_id: str, payload: bytes | None = None, status: bytes = b"OK") -> Response:
    head = b'{"ActionStatus":"' + status + b'","ErrorInfo":"","ErrorCode":0,"RequestId":"' + request_id.encode() + b'"'
    if payload is None or payload == b"{}":
        body = head + b"}"
    else:
        body = head + b"," + payload[1:]
    return Response(body, media_type="application/json", headers=CORS_HEADERS)


def _fail(request_id: str, error: ApiError) -> Response:
    doc: dict[str, Any] = {
        "ActionStatus": "FAIL",
        "ErrorInfo": error.info,
        "ErrorCode": error.code,
        "RequestId": request_id,
    }
    doc.update(error.fields)
    return Response(_encode(doc), media_type="application/json", headers=CORS_HEADERS)


class RestEnvelope:
    """The one route every v4 call goes through."""

    def __init__(self, rt: Runtime, registry: Registry) -> None:
        self.rt = rt
        self.registry = registry
        self.limiter = RateLimiter()
        self.inflight = 0
        self._decoders: dict[tuple[str, str], msgspec.json.Decoder] = {
            (e.service, e.command): msgspec.json.Decoder(e.request) for e in registry.all()
        }

    async def dispatch(self, request: Request) -> Response:
        request_id = new_request_id()
        if request.method == "OPTIONS":
            return Response(b"", headers=CORS_HEADERS)
        if self.inflight >= self.rt.settings.max_inflight_requests:
            return _fail(request_id, ApiError(60018, "server busy, retry shortly"))
        self.inflight += 1
        started = time.perf_counter()
        endpoint = self.registry.get(request.path_params["service"], request.path_params["command"])
        try:
            return await self._handle(request, request_id, endpoint)
        except ApiError as err:
            return _fail(request_id, err)
        except ClientDisconnect:  # the caller went away mid-request: nobody to answer, nothing to log
            return _fail(request_id, ApiError(60002, "the client disconnected before the request arrived"))
        except Exception:
            path = request.url.path  # never the query: it carries the UserSig
            log.exception("unexpected error in %s (RequestId %s)", path, request_id)
            code = endpoint.internal_error if endpoint else 70500
            return _fail(request_id, ApiError(code, f"internal server error; RequestId {request_id}"))
        finally:
            self.inflight -= 1
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %.1fms", request.url.path, (time.perf_counter() - started) * 1000)

    async def _handle(self, request: Request, request_id: str, endpoint: Endpoint | None) -> Response:
        if request.method != "POST":
            raise ApiError(60002, f"method {request.method} is not supported: REST APIs take POST only")
        query = request.query_params
        raw_appid = query.get("sdkappid")
        if not raw_appid:
            raise ApiError(60012, "sdkappid is required in the request URL")
        if not (raw_appid.isascii() and raw_appid.isdigit()) or len(raw_appid) > 19:
            raise ApiError(60006, f"invalid SDKAppID {raw_appid[:32]!r}")
        app = await self.rt.apps.get(int(raw_appid))
        if app is None:
            raise ApiError(60006, f"SDKAppID {raw_appid} does not exist")
        if app.settings.disabled:
            raise ApiError(60016, "the SDKAppID is disabled")
        identifier = query.get("identifier")
        if not identifier:
            raise ApiError(60004, "identifier is required in the request URL")
        usersig = query.get("usersig")
        if usersig is None:
            raise ApiError(60005, "usersig is required in the request URL")
        if not usersig:  # DECISIONS 20: present but empty is the vendor's "UserSig length is 0"
            raise ApiError(70002, "usersig is empty")
        try:
            app.verify_sig(identifier, usersig)
        except UserSigError as err:
            raise ApiError(err.code, err.info) from None

        if endpoint is None:
            service, command = request.path_params["service"], request.path_params["command"]
            raise ApiError(60009, f"unknown API v4/{service[:64]}/{command[:64]}")
        if not app.is_admin(identifier):
            raise ApiError(
                endpoint.admin_error,
                f"{identifier!r} is not an app admin; REST APIs need an admin identifier",
            )
        if not self.limiter.allow_app(app):
            raise ApiError(60011, f"the app is limited to {app.settings.app_rate_limit} REST calls/s")
        await check_alarm(self.rt, self.limiter, app, endpoint, request.client.host if request.client else "")
        if not self.limiter.allow(app, endpoint):
            raise ApiError(60007, f"v4/{endpoint.key} is limited to {self.limiter.limit_for(app, endpoint)} calls/s")

        body = await self._read_body(request, endpoint)
        if endpoint.aliases:
            body = _rename_aliases(endpoint, body)
        try:
            req = decoding.decode(self._decoders[(endpoint.service, endpoint.command)], body)
        except msgspec.ValidationError as err:
            raise map_validation_error(endpoint, str(err)) from None
        except decoding.MalformedJson as err:
            raise ApiError(endpoint.json_error, f"the request body is not valid JSON: {err}") from None

        origin.current.set(Origin("RESTAPI", request.client.host if request.client else "", identifier))
        call = Call(self.rt, app, identifier, request_id, request.query_params, str(request.base_url))
        result = await endpoint.handler(call, req)
        if endpoint.error_display:
            if result is None:
                result = {}
            if isinstance(result, dict):
                result.setdefault("ErrorDisplay", "")
        # A handler may set the status itself (batchsendmsg answers "SomeError" with ErrorCode 0).
        status = result.pop("ActionStatus", "OK").encode() if isinstance(result, dict) else b"OK"
        payload = None if result is None else _encode(result)
        return _reply(request_id, payload, status)

    async def _read_body(self, request: Request, endpoint: Endpoint) -> bytes:
        limit = self.rt.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise ApiError(60002, f"request body larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(60002, f"request body larger than {limit} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        if not body.strip():
            raise ApiError(endpoint.json_error, "the request body must not be empty: send {} when no field is needed")
        return body


__all__ = ["CORS_HEADERS", "RestEnvelope", "error_info", "map_validation_error", "new_request_id"]
