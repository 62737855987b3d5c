"""open_msg_svc/get_history (seed 004 lines 27478-27726): hourly gzip archives of one-to-one and group
messages, their signed expiring download URLs, the background job and the 7-day pruning."""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from confab.domain import archives
from tests.support import AppHandle, ServerHandle, assert_error, assert_ok

API = "open_msg_svc/get_history"
IMPORT_C2C = "openim/importmsg"
G = "group_open_http_svc/"
SEED_REQUEST = {"ChatType": "C2C", "MsgTime": "2015120121"}  # seed 27539-27545
SEED_RESPONSE_FILE_KEYS = ["URL", "ExpireTime", "FileSize", "FileMD5", "GzipSize", "GzipMD5"]  # seed 27580-27596


def text(t: str) -> list[dict]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": t}}]


@pytest.fixture(autouse=True)
def archive_dir(server: ServerHandle, tmp_path: Path) -> Iterator[Path]:
    """Each test writes its files under its own directory (restored after)."""
    rt = server.runtime
    before = rt.settings
    rt.settings = replace(before, archive_dir=str(tmp_path / "archives"))
    yield tmp_path / "archives"
    rt.settings = before


def past_hour(hours_ago: int = 2) -> int:
    return archives.floor_hour(time.time()) - hours_ago * 3600


async def import_c2c(app: AppHandle, sender: str, receiver: str, ts: int, body: str, rnd: int) -> None:
    assert_ok(
        await app.call(
            IMPORT_C2C,
            {
                "SyncFromOldSystem": 2,
                "From_Account": sender,
                "To_Account": receiver,
                "MsgRandom": rnd,
                "MsgTimeStamp": ts,
                "MsgBody": text(body),
                "CloudCustomData": f"cloud {body}",
            },
        )
    )


async def group_with_messages(app: AppHandle, times: list[int]) -> str:
    body = {"Type": "Public", "Name": "old", "Owner_Account": "leckie", "CreateTime": 1600000000}
    gid = str((await app.ok(G + "import_group", body))["GroupId"])
    msgs = [
        {"From_Account": "leckie", "SendTime": ts, "Random": 100 + n, "MsgBody": text(f"g{n}")}
        for n, ts in enumerate(times)
    ]
    await app.ok(G + "import_group_msg", {"GroupId": gid, "MsgList": msgs})
    return gid


def parse_lines(raw: bytes) -> tuple[dict, list[dict]]:
    """The page's line-by-line reader (seed 27700-27722), verbatim in spirit."""
    info: dict = {}
    msgs: list[dict] = []
    cnt = -1
    for line in raw.splitlines():
        line = line.strip().rstrip(b",")
        if line == b"]}":
            break
        if cnt < 0:
            info = json.loads(line + b"]}")
        else:
            msgs.append(json.loads(line))
        cnt += 1
    return info, msgs


async def download(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url)


def check_file(entry: dict, gz: bytes) -> bytes:
    assert list(entry) == SEED_RESPONSE_FILE_KEYS
    assert entry["GzipSize"] == len(gz) and entry["GzipMD5"] == hashlib.md5(gz).hexdigest()
    raw = gzip.decompress(gz)
    assert entry["FileSize"] == len(raw) and entry["FileMD5"] == hashlib.md5(raw).hexdigest()
    time.strptime(entry["ExpireTime"], "%Y-%m-%d %H:%M:%S")
    return raw


# -- the page's sample and its codes ----------------------------------------------------------------


async def test_seed_sample_request_is_an_hour_past_the_seven_days(app: AppHandle) -> None:
    assert_error(await app.call(API, SEED_REQUEST), 1005)


async def test_an_hour_of_c2c_and_group_messages_is_archived_and_downloaded(app: AppHandle) -> None:
    await app.import_accounts("peakerdong", "qiyueliuhuo2018", "leckie", "peter")
    hour = past_hour()
    await import_c2c(app, "peakerdong", "qiyueliuhuo2018", hour + 10, "one", 1)
    await import_c2c(app, "qiyueliuhuo2018", "peakerdong", hour + 20, "two", 2)
    await import_c2c(app, "peakerdong", "qiyueliuhuo2018", hour + 3599, "three", 3)
    await import_c2c(app, "peakerdong", "qiyueliuhuo2018", hour - 1, "the hour before", 4)
    await import_c2c(app, "peakerdong", "qiyueliuhuo2018", hour + 3600, "the hour after", 5)
    gid = await group_with_messages(app, [hour + 5, hour + 6, hour + 7200])
    label = archives.hour_label(hour)

    reply = await app.ok(API, {"ChatType": "C2C", "MsgTime": label})
    assert list(reply)[:1] == ["File"] or "File" in reply
    [entry] = reply["File"]
    assert entry["URL"].startswith(app.server.base_url + f"/v4/archives/{app.sdkappid}/")
    assert entry["URL"].endswith(f"/{app.sdkappid}_C2C_{label}.gz")
    got = await download(entry["URL"])
    assert got.status_code == 200 and got.headers["content-type"] == "application/gzip"
    raw = check_file(entry, got.content)
    whole = json.loads(raw)  # the whole file is one JSON document (seed 27690-27697)
    info, msgs = parse_lines(raw)
    assert info == {"SdkAppId": app.sdkappid, "ChatType": "C2C", "MsgTime": label, "MsgList": []}
    assert msgs == whole["MsgList"]
    assert [(m["From_Account"], m["To_Account"], m["MsgTimestamp"]) for m in msgs] == [
        ("peakerdong", "qiyueliuhuo2018", hour + 10),
        ("qiyueliuhuo2018", "peakerdong", hour + 20),
        ("peakerdong", "qiyueliuhuo2018", hour + 3599),
    ]
    assert msgs[0]["MsgBody"] == text("one") and msgs[0]["CloudCustomData"] == "cloud one"
    assert msgs[0]["MsgRandom"] == 1 and msgs[0]["MsgKey"] == f"{msgs[0]['MsgSeq']}_1_{hour + 10}"
    lines = raw.decode().split("\n")
    assert lines[0].endswith('"MsgList":[') and lines[1].endswith("},") and lines[3].endswith("}")
    assert lines[4] == "]}"

    again = await app.ok(API, {"ChatType": "C2C", "MsgTime": label})  # recorded: not written twice
    assert again["File"][0]["GzipMD5"] == entry["GzipMD5"]

    reply = await app.ok(API, {"ChatType": "Group", "MsgTime": int(label)})  # a number is taken too
    [entry] = reply["File"]
    raw = check_file(entry, (await download(entry["URL"])).content)
    info, msgs = parse_lines(raw)
    assert info["ChatType"] == "Group" and info["SdkAppId"] == app.sdkappid
    assert [(m["From_Account"], m["GroupId"], m["MsgTimestamp"], m["MsgBody"]) for m in msgs] == [
        ("leckie", gid, hour + 5, text("g0")),
        ("leckie", gid, hour + 6, text("g1")),
    ]
    assert msgs[0]["MsgSeq"] < msgs[1]["MsgSeq"] and msgs[0]["MsgRandom"] == 100


async def test_a_tampered_or_expired_url_is_refused(app: AppHandle, make_app) -> None:
    await app.import_accounts("a1", "a2")
    hour = past_hour(3)
    await import_c2c(app, "a1", "a2", hour + 1, "x", 7)
    [entry] = (await app.ok(API, {"ChatType": "C2C", "MsgTime": archives.hour_label(hour)}))["File"]
    url = entry["URL"]
    token = url.split("/")[-2]
    chat, start, expire, sig = token.split(".")
    forged = url.replace(token, f"{chat}.{start}.{int(expire) + 3600}.{sig}")
    assert (await download(forged)).status_code == 403
    assert (await download(url.replace(sig, "0" * 32))).status_code == 403
    other = make_app()
    assert (await download(url.replace(f"/{app.sdkappid}/", f"/{other.sdkappid}/"))).status_code == 403
    assert (await download(url.replace(f"/{app.sdkappid}/", "/999999999999999999999/"))).status_code == 404
    # a URL signed right but expired
    record = app.server.run(archives.recorded(app.server.runtime, app.sdkappid, "C2C", hour))
    stale = app.server.base_url + archives.signed_path(app.app, record, int(time.time()) - 1)
    assert (await download(stale)).status_code == 403
    assert archives.check_token(app.app, token, now=int(expire) + 1) == "expired"
    assert (await download(url)).status_code == 200


async def test_documented_codes(app: AppHandle) -> None:
    app.set(rate_limits={"*": 0})  # more than the page's 10 calls/s below
    await app.import_accounts("u1", "u2")
    assert_error(await app.call(API, b"{not json"), 1001)
    assert_error(await app.call(API, {"MsgTime": "2015120121"}), 1002)
    assert_error(await app.call(API, {"ChatType": "C2C"}), 1002)
    assert_error(await app.call(API, {"ChatType": "c2c", "MsgTime": "2015120121"}), 1002)
    for bad in ("201512012", "2015120124", "2015023012", "20151201ab", "２０１５１２０１２１"):
        assert_error(await app.call(API, {"ChatType": "C2C", "MsgTime": bad}), 1002)
    user = app.client("u1")
    assert_error(await user.call(API, SEED_REQUEST), 1002)  # not the app admin
    now_label = archives.hour_label(int(time.time()))
    assert_error(await app.call(API, {"ChatType": "C2C", "MsgTime": now_label}), 1004)  # the current hour
    future = archives.hour_label(int(time.time()) + 86400)
    assert_error(await app.call(API, {"ChatType": "Group", "MsgTime": future}), 1004)
    empty = archives.hour_label(past_hour(5))
    assert_error(await app.call(API, {"ChatType": "C2C", "MsgTime": empty}), 1004)  # no message that hour
    old = archives.hour_label(past_hour(8 * 24))
    assert_error(await app.call(API, {"ChatType": "Group", "MsgTime": old}), 1005)


def block(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a directory")
    return path


async def test_a_file_that_cannot_be_written_is_a_system_error(app: AppHandle, archive_dir: Path) -> None:
    await app.import_accounts("w1", "w2")
    hour = past_hour(4)
    await import_c2c(app, "w1", "w2", hour + 30, "x", 9)
    blocker = block(archive_dir / str(app.sdkappid))  # the app's directory cannot be made
    reply = await app.call(API, {"ChatType": "C2C", "MsgTime": archives.hour_label(hour)})
    assert_error(reply, 1003)
    blocker.unlink()
    assert_ok(await app.call(API, {"ChatType": "C2C", "MsgTime": archives.hour_label(hour)}))


# -- the background job and pruning --------------------------------------------------------------


async def test_the_job_writes_finished_hours_and_prunes_them_after_seven_days(
    app: AppHandle, archive_dir: Path
) -> None:
    rt = app.server.runtime
    await app.import_accounts("j1", "j2")
    sent = await app.ok(
        "openim/sendmsg",
        {"SyncOtherMachine": 2, "From_Account": "j1", "To_Account": "j2", "MsgRandom": 5, "MsgBody": text("live")},
    )
    when = int(sent["MsgTime"])
    hour = archives.floor_hour(when)
    assert app.server.run(archives.run_once(rt, now=when)) >= 0  # the hour is not finished: nothing for it
    assert app.server.run(archives.recorded(rt, app.sdkappid, "C2C", hour)) is None

    later = hour + 3600 + archives.GRACE_SECONDS + 1
    assert app.server.run(archives.run_once(rt, now=later)) >= 1
    record = app.server.run(archives.recorded(rt, app.sdkappid, "C2C", hour))
    assert record is not None and record.msg_count == 1
    path = archive_dir / str(app.sdkappid) / record.file
    info, msgs = parse_lines(gzip.decompress(path.read_bytes()))
    assert info["MsgTime"] == archives.hour_label(hour)
    assert [(m["From_Account"], m["To_Account"], m["MsgBody"]) for m in msgs] == [("j1", "j2", text("live"))]
    assert app.server.run(archives.recorded(rt, app.sdkappid, "Group", hour)) is None  # no group message
    app.server.run(archives.run_once(rt, now=later))  # from where it stopped: nothing twice
    assert app.server.run(archives.recorded(rt, app.sdkappid, "C2C", hour)) == record

    app.server.run(archives.prune(rt, now=hour + 7 * 86400))  # still within the 7 days
    assert path.is_file()
    assert app.server.run(archives.prune(rt, now=hour + 7 * 86400 + 3600)) >= 1
    assert not path.exists()
    assert app.server.run(archives.recorded(rt, app.sdkappid, "C2C", hour)) is None
