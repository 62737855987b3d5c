"""Webhook delivery that a user can trust (issue 15): after-callbacks survive a server restart while the
receiver is down and arrive once it is back, in order, none twice; mutual TLS with a CA made here
(seed 34765-34910); the backlog bound and what overflows it."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
from pathlib import Path

import httpx
import msgspec
import pytest
import trustme

from confab.client.rest import RestClient
from confab.config import Settings
from confab.webhooks.config import WebhookSettings
from tests.support import AppHandle, ServerHandle
from tests.webhooks import Receiver

AFTER = "C2C.CallbackAfterSendMsg"
BEFORE = "C2C.CallbackBeforeSendMsg"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello"}}]


def _send_body(i: int) -> dict:
    return {"From_Account": "jared", "To_Account": "Jonh", "MsgRandom": 5000 + i, "MsgBody": TEXT}


async def test_after_callbacks_survive_a_restart_with_the_receiver_down() -> None:
    receiver = Receiver()  # not started: the receiver is down
    with tempfile.TemporaryDirectory(prefix="confab-restart-") as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'confab.db'}")
        first = ServerHandle(settings, "sqlite").start()
        app = first.create_app()
        first.update_app(
            app.sdkappid,
            settings=msgspec.structs.replace(app.settings, webhook=WebhookSettings(url=receiver.url, commands=[AFTER])),
        )
        async with httpx.AsyncClient() as http:
            rest = RestClient(first.base_url, app.sdkappid, app.key, app.admins[0], http=http)
            await rest.call("im_open_login_svc/multiaccount_import", {"Accounts": ["jared", "Jonh"]})
            for i in range(10):
                assert (await rest.call("openim/sendmsg", _send_body(i)))["ActionStatus"] == "OK"
        first.stop()  # the callbacks are in the outbox, undelivered
        receiver.start()
        second = ServerHandle(settings, "sqlite").start()
        try:
            got = await receiver.wait(AFTER, 10, within=15)
            assert [r.body["MsgRandom"] for r in got] == [5000 + i for i in range(10)]
            await asyncio.sleep(0.5)
            assert len(receiver.of(AFTER)) == 10  # none twice
        finally:
            second.stop()
            receiver.stop()


@pytest.fixture(scope="module")
def pki() -> dict[str, str]:
    """A CA, the receiver's certificate (localhost) and Confab's client certificate, as PEM files."""
    ca = trustme.CA()
    server = ca.issue_cert("localhost")
    client = ca.issue_cert("confab-client@example.com")
    folder = Path(tempfile.mkdtemp(prefix="confab-pki-"))
    files = {"ca": folder / "ca.pem", "server": folder / "server.pem", "client": folder / "client.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    server.private_key_and_cert_chain_pem.write_to_path(str(files["server"]))
    client.private_key_and_cert_chain_pem.write_to_path(str(files["client"]))
    return {name: str(path) for name, path in files.items()}


def _mutual_tls_receiver(pki: dict[str, str]) -> Receiver:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki["ca"])
    context.load_cert_chain(pki["server"])
    context.verify_mode = ssl.CERT_REQUIRED  # the receiver accepts only clients its CA signed
    return Receiver(tls=context).start()


async def test_mutual_tls(app: AppHandle, pki: dict[str, str]) -> None:
    await app.import_accounts("jared", "Jonh")
    receiver = _mutual_tls_receiver(pki)
    try:
        app.set(
            webhook=WebhookSettings(
                url=receiver.url, commands=[BEFORE], client_cert=pki["client"], ca_file=pki["ca"], fail_closed=[BEFORE]
            )
        )
        assert (await app.call("openim/sendmsg", _send_body(1)))["ActionStatus"] == "OK"
        (got,) = await receiver.wait(BEFORE)
        subject = dict(item[0] for item in got.peer_cert["subject"])
        assert "confab-client@example.com" in str(got.peer_cert) or subject
        # without the client certificate the receiver refuses the handshake: a failure (fail-closed here)
        app.set(webhook=WebhookSettings(url=receiver.url, commands=[BEFORE], ca_file=pki["ca"], fail_closed=[BEFORE]))
        reply = await app.call("openim/sendmsg", _send_body(2))
        assert reply["ErrorCode"] == 20006, reply
        # nor does Confab trust a receiver whose certificate its CA did not sign
        app.set(
            webhook=WebhookSettings(
                url=receiver.url, commands=[BEFORE], client_cert=pki["client"], fail_closed=[BEFORE]
            )
        )
        assert (await app.call("openim/sendmsg", _send_body(3)))["ErrorCode"] == 20006
        assert len(receiver.of(BEFORE)) == 1
    finally:
        receiver.stop()


async def test_a_full_backlog_records_what_overflows(app: AppHandle) -> None:
    await app.import_accounts("jared", "Jonh")
    receiver = Receiver()  # down
    app.set(webhook=WebhookSettings(url=receiver.url, commands=[AFTER], backlog=3))
    for i in range(5):
        assert (await app.call("openim/sendmsg", _send_body(i)))["ActionStatus"] == "OK"
    from confab.webhooks import log

    async def recent() -> list[dict]:
        async with app.server.runtime.store.read() as conn:
            return await log.recent(conn, app.sdkappid, 100)

    overflow = [r for r in app.server.run(recent()) if r["status"] == "overflow"]
    assert len(overflow) == 2
    assert {msgspec.json.decode(r["body"])["MsgRandom"] for r in overflow} == {5003, 5004}
    receiver.start()
    try:
        got = await receiver.wait(AFTER, 3, within=15)
        assert [r.body["MsgRandom"] for r in got] == [5000, 5001, 5002]
    finally:
        receiver.stop()
