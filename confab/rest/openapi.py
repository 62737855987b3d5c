"""The OpenAPI 3.1 document, built from the endpoint registry with msgspec's JSON Schema."""

from __future__ import annotations

from typing import Any

import msgspec

from confab import __version__
from confab.rest.registry import Registry

_QUERY = [
    ("sdkappid", "integer", "SDKAppID of the app"),
    ("identifier", "string", "an app admin identifier"),
    ("usersig", "string", "UserSig of that admin (TLS sig v2)"),
    ("random", "integer", "a random 32-bit unsigned integer identifying the request"),
    ("contenttype", "string", "always json"),
]

_ENVELOPE = {
    "type": "object",
    "required": ["ActionStatus", "ErrorCode", "ErrorInfo", "RequestId"],
    "properties": {
        "ActionStatus": {"type": "string", "enum": ["OK", "FAIL"]},
        "ErrorCode": {"type": "integer", "description": "0 on success; the vendor's error code otherwise"},
        "ErrorInfo": {"type": "string"},
        "RequestId": {"type": "string", "description": "unique per request"},
    },
}


def build_openapi(registry: Registry) -> dict[str, Any]:
    endpoints = registry.all()
    models: list[Any] = []
    for ep in endpoints:
        models.append(ep.request)
        if ep.response is not None:
            models.append(ep.response)
    schemas, components = msgspec.json.schema_components(models, ref_template="#/components/schemas/{name}")
    refs = dict(zip(models, schemas, strict=True))
    components["Envelope"] = _ENVELOPE
    paths: dict[str, Any] = {}
    for ep in endpoints:
        reply: dict[str, Any] = {"$ref": "#/components/schemas/Envelope"}
        if ep.response is not None:
            reply = {"allOf": [reply, refs[ep.response]]}
        paths[ep.path] = {
            "post": {
                "operationId": f"{ep.service}.{ep.command}",
                "summary": ep.summary,
                "description": (
                    f"Seed {ep.seed}. Invalid parameters: {ep.param_error}; not an admin: {ep.admin_error}; "
                    f"limit {ep.rate_limit or 'none'} calls/s."
                ),
                "tags": [ep.service],
                "parameters": [
                    {
                        "name": n,
                        "in": "query",
                        "required": n not in ("random", "contenttype"),
                        "schema": {"type": t},
                        "description": d,
                    }
                    for n, t, d in _QUERY
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": refs[ep.request]}},
                },
                "responses": {
                    "200": {
                        "description": "Always HTTP 200; ErrorCode tells the outcome",
                        "content": {"application/json": {"schema": reply}},
                    }
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Confab REST API v4",
            "version": __version__,
            "description": "Tencent Cloud Chat compatible server API.",
        },
        "paths": paths,
        "components": {"schemas": components},
    }
