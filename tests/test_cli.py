"""The `confab` command end to end: a fresh `confab serve` is usable as printed, app management, usersig."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import httpx
import pytest
import TLSSigAPIv2

from confab import usersig
from tests.support import free_port

CONFAB = [sys.executable, "-m", "confab"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(CONFAB + args, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONFAB_")}
    environ["CONFAB_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    environ["CONFAB_CONFIG"] = ""
    return environ


@pytest.fixture
def served(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    port = free_port()
    env = dict(env, CONFAB_PORT=str(port), CONFAB_BOOTSTRAP_SDKAPPID="1400000777", CONFAB_BOOTSTRAP_KEY="k3y")
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([*CONFAB, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("confab serve did not come up: " + (tmp_path / "serve.log").read_text())
        yield f"http://127.0.0.1:{port}", (tmp_path / "serve.log").read_text(), env
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_serve_bootstraps_an_app_and_prints_a_working_curl(
    served: tuple[str, str, dict[str, str]], tmp_path: Path
) -> None:
    _, log, _ = served
    # stdout is not a terminal here (it goes to a log): no secret in it, only where to find them
    assert "k3y" not in log and "usersig=" not in log
    # the schema is set up in one line, not one per revision
    assert "Placeholder revision" not in log and "Running upgrade" not in log
    assert re.search(r"Database schema: \d+ migrations applied, now at \w+\.", log), log
    secrets_file = tmp_path / "first-app.txt"
    assert str(secrets_file) in log
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    output = secrets_file.read_text()
    assert "SDKAppID:   1400000777" in output
    assert "Key:        k3y" in output
    assert "Admin:      administrator" in output
    # the printed UserSig is a real admin sig
    sig = re.search(r"Admin UserSig \(valid 180 days\):\n\s+(\S+)", output)
    assert sig is not None
    usersig.verify(sig.group(1), 1400000777, "k3y", "administrator")
    assert "usersig=" not in output.split("Try it:")[0]  # the sig only appears where it is meant to
    curl = re.search(r"Try it:\n\s+(curl .+)\n", output)
    assert curl is not None
    if shutil.which("curl"):
        pasted = subprocess.run(curl.group(1), shell=True, capture_output=True, text=True, timeout=30)
        reply = json.loads(pasted.stdout)
        assert reply["ActionStatus"] == "OK", reply
        assert reply["ResultItem"][0]["AccountStatus"] == "Imported"


def test_vendor_generator_and_plain_http_client_work_right_away(served: tuple[str, str, dict[str, str]]) -> None:
    base_url, _, _ = served
    with mock.patch("time.time", return_value=time.time()):
        sig = TLSSigAPIv2.TLSSigAPIv2(1400000777, "k3y").gen_sig("administrator")
    params = {
        "sdkappid": 1400000777,
        "identifier": "administrator",
        "usersig": sig,
        "random": 42,
        "contenttype": "json",
    }
    reply = httpx.post(
        f"{base_url}/v4/im_open_login_svc/account_import",
        params=params,
        json={"UserID": "test", "Nick": "test", "FaceUrl": "http://www.qq.com"},
    ).json()
    assert reply["ActionStatus"] == "OK", reply
    reply = httpx.post(
        f"{base_url}/v4/profile/portrait_get",
        params=params,
        json={"To_Account": ["test"], "TagList": ["Tag_Profile_IM_Nick"]},
    ).json()
    assert reply["UserProfileItem"][0]["ProfileItem"][0]["Value"] == "test"


def test_a_terminal_gets_the_quickstart_printed(tmp_path: Path) -> None:
    from confab.cli import announce_first_app
    from confab.config import Settings
    from confab.domain.apps import App, AppSettings

    app = App(sdkappid=1400000778, key="s3cret", admins=("administrator",), settings=AppSettings(), created_at=0)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    shown = announce_first_app(app, settings, interactive=True)
    assert "Key:        s3cret" in shown and "curl" in shown
    assert not (tmp_path / "first-app.txt").exists()


def test_serve_does_not_bootstrap_twice(served: tuple[str, str, dict[str, str]]) -> None:
    _, _, env = served
    listing = run(["app", "list"], env)
    assert listing.returncode == 0
    assert listing.stdout.count("\n") == 1 and "1400000777" in listing.stdout


def test_app_create_list_show_set_field(env: dict[str, str]) -> None:
    created = run(
        [
            "app",
            "create",
            "--sdkappid",
            "1400000001",
            "--key",
            "abc",
            "--admin",
            "boss",
            "--admin",
            "ops",
            "--name",
            "demo",
            "--setting",
            "max_accounts=10",
        ],
        env,
    )
    assert created.returncode == 0, created.stderr
    assert "SDKAppID:   1400000001" in created.stdout
    run(["app", "create", "--sdkappid", "1400000002"], env)
    listing = run(["app", "list"], env).stdout
    assert "1400000001\tadmins=boss,ops\tname=demo" in listing
    assert "1400000002\tadmins=administrator" in listing
    shown = json.loads(run(["app", "show", "1400000001"], env).stdout)
    assert shown["Admins"] == ["boss", "ops"] and "Key" not in shown
    assert shown["Settings"]["max_accounts"] == 10
    assert json.loads(run(["app", "show", "1400000001", "--show-key"], env).stdout)["Key"] == "abc"
    changed = run(["app", "set", "1400000001", "--setting", 'rate_limits={"*": 0}', "--admin", "boss"], env)
    assert changed.returncode == 0, changed.stderr
    shown = json.loads(changed.stdout)
    assert shown["Settings"]["rate_limits"] == {"*": 0} and shown["Admins"] == ["boss"]
    declared = run(["app", "field", "1400000001", "Tag_Profile_Custom_Test", "--max-len", "64"], env)
    assert json.loads(declared.stdout)["Settings"]["custom_profile_fields"]["Tag_Profile_Custom_Test"]["max_len"] == 64
    bad = run(["app", "field", "1400000001", "Tag_Profile_Custom_Way2Long1"], env)
    assert bad.returncode == 2 and "1-8 letters" in bad.stderr
    assert run(["app", "set", "1400000001", "--setting", "no_such_setting=1"], env).returncode == 2
    assert run(["app", "show", "999"], env).returncode == 1
    duplicate = run(["app", "create", "--sdkappid", "1400000002"], env)
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr


def test_usersig_command_matches_the_vendor(env: dict[str, str]) -> None:
    out = run(
        ["usersig", "--sdkappid", "1400000000", "--key", "secret", "--identifier", "alice", "--expire", "60"], env
    )
    assert out.returncode == 0
    verified = usersig.verify(out.stdout.strip(), 1400000000, "secret", "alice")
    assert verified.expire == 60


def test_endpoints_lists_the_foundation_apis(env: dict[str, str]) -> None:
    out = run(["endpoints"], env).stdout
    for api in (
        "im_open_login_svc/account_import",
        "im_open_login_svc/multiaccount_import",
        "im_open_login_svc/account_delete",
        "im_open_login_svc/account_check",
        "profile/portrait_set",
        "profile/portrait_get",
    ):
        assert re.search(rf"^implemented\s+v4/{api}\b", out, re.M), api
    assert re.search(r"^\d+ of 112 seed endpoints implemented$", out, re.M)
