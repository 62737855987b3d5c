"""The ASGI application: REST v4, the real-time gateway (/v4/ws) and demo page, the OpenAPI document and
docs page, health."""

from __future__ import annotations

import contextlib
import gc
import html
import logging
from collections.abc import AsyncIterator, Callable

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from confab.config import Settings
from confab.domain import areas
from confab.realtime import gateway
from confab.realtime.hub import Hub
from confab.rest.envelope import RestEnvelope
from confab.rest.openapi import build_openapi
from confab.rest.registry import load_all
from confab.runtime import Runtime

log = logging.getLogger("confab")

# Areas that add routes (the gateway, the console) register a factory here: Runtime -> routes.
ROUTE_FACTORIES: list[Callable[[Runtime], list[BaseRoute]]] = []


def _docs_page(openapi: dict) -> str:
    rows = []
    for path, item in openapi["paths"].items():
        op = item["post"]
        rows.append(
            f"<tr><td><code>POST {html.escape(path)}</code></td><td>{html.escape(op['summary'])}</td>"
            f"<td>{html.escape(op['description'])}</td></tr>"
        )
    return (
        "<!doctype html><meta charset=utf-8><title>Confab REST API v4</title>"
        "<style>body{font-family:sans-serif;margin:2em}td{padding:4px 8px;border-bottom:1px solid #ddd}</style>"
        "<h1>Confab REST API v4</h1><p>Machine-readable: <a href=/openapi.json>/openapi.json</a>. Every call: "
        "<code>POST /v4/{service}/{command}?sdkappid=&amp;identifier=&amp;usersig=&amp;random=&amp;contenttype=json"
        "</code> with a JSON object body.</p><table>" + "".join(rows) + "</table>"
    )


class V4Front:
    """ASGI front door: `/v4/{service}/{command}` goes straight to the envelope.

    The REST hot path skips Starlette's middleware and router layers (measured ~10% of a call's
    CPU); everything else (lifespan, the gateway, docs) goes to the Starlette app behind it.
    """

    def __init__(self, app: Starlette, envelope: RestEnvelope) -> None:
        self.app = app
        self.envelope = envelope
        self.state = app.state

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith("/v4/"):
                service, sep, command = path[4:].partition("/")
                if sep and service and command and "/" not in command:
                    scope["path_params"] = {"service": service, "command": command}
                    response = await self.envelope.dispatch(Request(scope, receive))
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> V4Front:
    settings = settings or Settings.load()
    areas.install()
    rt = runtime or Runtime.create(settings)
    registry = load_all()
    envelope = RestEnvelope(rt, registry)
    openapi_doc = msgspec.json.encode(build_openapi(registry))
    docs_html = _docs_page(build_openapi(registry))

    async def openapi(_: Request) -> Response:
        return Response(openapi_doc, media_type="application/json")

    async def docs(_: Request) -> HTMLResponse:
        return HTMLResponse(docs_html)

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "database": rt.store.dialect})

    async def archive_download(request: Request) -> Response:
        """An open_msg_svc/get_history file at its signed, expiring URL (domain.archives)."""
        from confab.domain import archives

        status, path, name = await archives.download(rt, request.path_params["sdkappid"], request.path_params["token"])
        if path is None:
            return PlainTextResponse("expired or invalid link" if status == 403 else "not found", status_code=status)
        return FileResponse(path, media_type="application/gzip", filename=name)

    hub = Hub(rt)
    rt.hub = hub

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await rt.start()
        hub.start()
        # Everything loaded so far (modules, tables, compiled statements) lives as long as the process:
        # out of the collector's sight, a full collection scans only what requests made since, instead
        # of pausing every request for 40-80 ms (measured: bench/README.md, "Groups").
        gc.freeze()
        try:
            yield
        finally:
            await rt.close()

    routes: list[BaseRoute] = [
        Route(
            "/v4/{service}/{command}", envelope.dispatch, methods=["POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"]
        ),
        Route("/openapi.json", openapi),
        Route("/docs", docs),
        Route("/healthz", health),
        Route("/v4/archives/{sdkappid:int}/{token}/{name}", archive_download, methods=["GET", "HEAD"]),
    ]
    routes.extend(gateway.routes(hub))
    for factory in ROUTE_FACTORIES:
        routes.extend(factory(rt))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = rt
    app.state.envelope = envelope
    return V4Front(app, envelope)
