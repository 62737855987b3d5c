"""The /demo chat page in a real headless Chromium: two pages, one user each, chat live (issue 6)."""

from __future__ import annotations

import json
import os

import pytest

from confab import usersig
from tests.browser import CHROMIUM, Browser
from tests.support import AppHandle

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CONFAB_TEST_REQUIRE_BROWSER") != "1",
    reason="chromium is not installed (CI installs it and requires this test)",
)


def demo_url(app: AppHandle, user: str) -> str:
    sig = usersig.generate(app.sdkappid, app.key, user, 3600)
    return f"{app.server.base_url}/demo?sdkappid={app.sdkappid}&user={user}&usersig={sig}&autoconnect=1"


async def type_and_send(page, peer: str, text: str) -> None:
    await page.eval(
        f"(() => {{ const peer = document.getElementById('peer'); peer.value = {json.dumps(peer)};"
        f" peer.dispatchEvent(new Event('change')); document.getElementById('text').value = {json.dumps(text)};"
        " document.getElementById('send').click(); })()"
    )


def shown(text: str) -> str:
    return f"[...document.querySelectorAll('#messages li')].some(li => li.textContent.includes({json.dumps(text)}))"


async def test_two_browser_pages_chat_live(app: AppHandle) -> None:
    if app.server.backend != "sqlite":
        pytest.skip("the page talks to the gateway the same way on both stores; once is enough")
    await app.import_accounts("alice", "bob")
    async with Browser.launch() as browser:
        alice = await browser.open(demo_url(app, "alice"))
        bob = await browser.open(demo_url(app, "bob"))
        for page in (alice, bob):
            await page.wait_for("document.body.dataset.state === 'online'")
        await type_and_send(alice, "bob", "hello from alice")
        await alice.wait_for(shown("hello from alice"))
        # bob has not opened the conversation: it appears in his list with an unread badge
        await bob.wait_for(
            "[...document.querySelectorAll('#conversations li')].some(li => li.dataset.peer === 'alice')"
        )
        await bob.eval("document.querySelector('#conversations li[data-peer=alice]').click()")
        await bob.wait_for(shown("hello from alice"))
        await type_and_send(bob, "alice", "hi alice, bob here")
        await alice.wait_for(shown("hi alice, bob here"))
        assert await alice.eval("document.querySelectorAll('#messages li').length") == 2
        # what the pages showed is what the server stored
        stored = await app.ok(
            "openim/admin_getroammsg",
            {"Operator_Account": "alice", "Peer_Account": "bob", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**32},
        )
        texts = [m["MsgBody"][0]["MsgContent"]["Text"] for m in stored["MsgList"]]
        assert sorted(texts) == ["hello from alice", "hi alice, bob here"]


async def send_text(page, text: str) -> None:
    await page.eval(
        f"(() => {{ document.getElementById('text').value = {json.dumps(text)};"
        " document.getElementById('send').click(); })()"
    )


async def test_two_browser_pages_chat_in_a_group(app: AppHandle) -> None:
    if app.server.backend != "sqlite":
        pytest.skip("the page talks to the gateway the same way on both stores; once is enough")
    await app.import_accounts("alice", "bob", "carol")
    async with Browser.launch() as browser:
        alice = await browser.open(demo_url(app, "alice"))
        bob = await browser.open(demo_url(app, "bob"))
        for page in (alice, bob):
            await page.wait_for("document.body.dataset.state === 'online'")
        # alice creates a Public group with bob and carol, by UserID
        await alice.eval(
            "(() => { document.getElementById('group-name').value = 'lunch';"
            " document.getElementById('group-members').value = 'bob, carol';"
            " document.getElementById('group-create').click(); })()"
        )
        await alice.wait_for("(document.body.dataset.open || '').startsWith('g:')")
        gid = await alice.eval("document.body.dataset.open.slice(2)")
        # bob is told he was added (group.joined): the group shows in his list
        in_list = f"document.querySelector('#conversations li[data-group={json.dumps(gid)}]')"
        await bob.wait_for(f"!!{in_list}")
        await send_text(alice, "pizza at noon?")
        await alice.wait_for(shown("pizza at noon?"))
        # the message reaches bob live (group.msg) while the group is not open: an unread badge
        await bob.wait_for(f"{in_list}.querySelector('.unread')?.textContent === '1'")
        await bob.eval(f"{in_list}.click()")
        await bob.wait_for(shown("pizza at noon?"))  # from group_history
        await bob.wait_for(f"!{in_list}.querySelector('.unread')")
        await send_text(bob, "yes, count me in")
        await alice.wait_for(shown("yes, count me in"))
        await bob.wait_for(shown("yes, count me in"))
        assert await alice.eval("document.querySelectorAll('#messages li.msg:not(.tip)').length") == 2
        # a page opened later shows the group's history, tips included
        late = await browser.open(demo_url(app, "alice"))
        await late.wait_for("document.body.dataset.state === 'online'")
        await late.wait_for(f"!!{in_list}")
        await late.eval(f"{in_list}.click()")
        await late.wait_for(shown("yes, count me in"))
        assert await late.eval(shown("pizza at noon?"))
        # what the pages showed is what the server stored, and both see the conversation in their lists
        stored = await app.ok("group_open_http_svc/group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 20})
        texts = [m["MsgBody"][0]["MsgContent"]["Text"] for m in stored["RspMsgList"] if not m.get("IsSystemMsg")]
        assert texts == ["yes, count me in", "pizza at noon?"]
        listed = await app.ok(
            "recentcontact/get_list",
            {
                "From_Account": "bob",
                "TimeStamp": 0,
                "StartIndex": 0,
                "TopTimeStamp": 0,
                "TopStartIndex": 0,
                "AssistFlags": 7,
            },
        )
        assert [s.get("GroupId") for s in listed["SessionItem"]] == [gid]
