"""Drive Debian's headless Chromium over the Chrome DevTools Protocol (no extra packages: `websockets`).

async with Browser.launch() as browser:
    page = await browser.open("http://127.0.0.1:8080/demo")
    await page.eval("document.title")
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import websockets

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Page:
    def __init__(self, browser: Browser, session_id: str) -> None:
        self.browser = browser
        self.session_id = session_id

    async def eval(self, expression: str) -> Any:
        result = await self.browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session_id=self.session_id,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page error: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, within: float = 10.0) -> Any:
        """Poll until `expression` is truthy; returns its value."""
        deadline = time.monotonic() + within
        while True:
            value = await self.eval(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {within} s: {expression}")
            await asyncio.sleep(0.05)


class Browser:
    def __init__(self, process: Any, ws: Any, profile: str) -> None:
        self.process = process
        self.ws = ws
        self.profile = profile
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    @contextlib.asynccontextmanager
    async def launch(cls):
        if CHROMIUM is None:
            raise RuntimeError("chromium is not installed")
        profile = tempfile.mkdtemp(prefix="confab-chromium-")
        log_path = Path(profile) / "stderr.log"
        args = [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        with log_path.open("w") as log:  # a file, not a pipe: nobody has to keep draining it
            # Its own session, so close() can end chromium's helper processes too (they keep
            # writing into the profile after the main process exits).
            process = await asyncio.create_subprocess_exec(
                *args, stdout=asyncio.subprocess.DEVNULL, stderr=log, start_new_session=True
            )
        try:
            url = await _devtools_url(process, log_path)
            ws = await websockets.connect(url, max_size=None)
        except BaseException:
            _signal_group(process.pid, signal.SIGKILL)
            await process.wait()
            shutil.rmtree(profile, True)
            raise
        browser = cls(process, ws, profile)
        try:
            yield browser
        finally:
            await browser.close()

    async def call(self, method: str, params: dict | None = None, *, session_id: str | None = None) -> dict:
        n = next(self._ids)
        message: dict[str, Any] = {"id": n, "method": method, "params": params or {}}
        if session_id:
            message["sessionId"] = session_id
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiting[n] = future
        await self.ws.send(json.dumps(message))
        reply = await asyncio.wait_for(future, 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def open(self, url: str) -> Page:
        target = await self.call("Target.createTarget", {"url": url})
        attached = await self.call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        page = Page(self, attached["sessionId"])
        # A new target starts on about:blank, complete at once: wait for the page asked for instead, or
        # the first evaluation can land while it is still loading (document.body null).
        await page.wait_for("location.href !== 'about:blank' && document.readyState === 'complete'")
        return page

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                future = self._waiting.pop(message.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(message)

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(Exception):
            await self.ws.close()
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            _signal_group(self.process.pid, signal.SIGKILL)
            await self.process.wait()
        _signal_group(self.process.pid, signal.SIGKILL)  # helpers that outlived the main process
        await asyncio.to_thread(shutil.rmtree, self.profile, True)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _read(path: Path) -> str:
    return path.read_text()  # a few hundred bytes of chromium's log


async def _devtools_url(process: Any, log_path: Path, within: float = 30.0) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = re.search(r"DevTools listening on (ws://\S+)", _read(log_path))
        if found:
            return found.group(1)
        if process.returncode is not None:
            break
        await asyncio.sleep(0.05)
    raise RuntimeError(f"chromium did not open its DevTools port: {_read(log_path)[-500:]}")
