"""UserSig v2: vendor test vectors, the vendor's own generator as an oracle, and every refusal."""

from __future__ import annotations

import base64
import json
import time
import zlib
from unittest import mock

import pytest
import TLSSigAPIv2  # the vendor's published generator (PyPI tls-sig-api-v2), an independent oracle

from confab import usersig
from confab.usersig import UserSigError

V1 = dict(
    sdkappid=1400000000,
    key="5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
    identifier="xiaojun",
    expire=15552000,
    time=1700000000,
)
V1_SIG = (
    "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5YFFzNPXF"
    "mekgG3zKHM1T9D3LzdODi-OKs8vCqpxcAvydnV2SSv2cy03cPcpDnA2SMgu0nUxslWoBHdYzUg__"
)
V2_SIG = (
    "eJw9jdEKgjAYRl9Fdh06bUkLugi8S4TMArtbbMaPuM1tlRC9ezOt7-KcA98LVfkxfAiDNgFKQowWwZcAF9JBA5NgvAMJ1hnmlPkllrdM"
    "a*A*iAmeFs9ODBqM8GadejVDB92I4hRTsqLJn1u4jSflUkWy46eivg5NLUj-tBkltDic*3sVZardW6kuZZKT3Ra9P1ZdNb8_"
)
V3 = dict(
    sdkappid=88888888,
    key="0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    identifier="user_01",
    expire=604800,
    time=1234567890,
)
V3_SIG = (
    "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkSotTi*INDGGSxSnZiQUFmSlAKQsogMqkVhRkFqUCxc0MTCwMDKCiJZm5IDFDI2MTUzNz"
    "C0uYOMjYpNI0kA2R4V5ZcOMz00FCwWWG-pXFpkYWwb6hXlUGQb5RFh6FVZHpISER*tnaJd5JhSlFUZ4F*WVhJrZKtQAOWDmE"
)


def vendor_sig(sdkappid: int, key: str, identifier: str, expire: int, now: int, userbuf: bytes | None = None) -> str:
    with mock.patch("time.time", return_value=now):
        api = TLSSigAPIv2.TLSSigAPIv2(sdkappid, key)
        if userbuf is None:
            return api.gen_sig(identifier, expire)
        return api.gen_sig_with_userbuf(identifier, expire, userbuf)


def test_vector_1_generates_byte_for_byte() -> None:
    assert usersig.generate(V1["sdkappid"], V1["key"], V1["identifier"], V1["expire"], now=V1["time"]) == V1_SIG


def test_vector_3_with_userbuf_generates_byte_for_byte() -> None:
    sig = usersig.generate(V3["sdkappid"], V3["key"], V3["identifier"], V3["expire"], userbuf=b"abc", now=V3["time"])
    assert sig == V3_SIG
    verified = usersig.verify(V3_SIG, 88888888, V3["key"], "user_01", now=V3["time"] + 1)
    assert verified.userbuf == b"abc"


def test_vector_2_verifies() -> None:
    key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01"
    verified = usersig.verify(V2_SIG, 1400000001, key, "administrator", now=1609459200 + 10)
    assert (verified.identifier, verified.sdkappid, verified.issued_at, verified.expire) == (
        "administrator",
        1400000001,
        1609459200,
        86400,
    )


def test_expiry_boundary_follows_the_go_reference() -> None:
    usersig.verify(V1_SIG, V1["sdkappid"], V1["key"], "xiaojun", now=1715552000)  # time + expire: still valid
    with pytest.raises(UserSigError) as err:
        usersig.verify(V1_SIG, V1["sdkappid"], V1["key"], "xiaojun", now=1715552001)
    assert err.value.code == 70001


@pytest.mark.parametrize("identifier", ["admin", "用户", "a" * 32, "with space"])
def test_vendor_sigs_verify_in_confab(identifier: str) -> None:
    now = int(time.time())
    sig = vendor_sig(1400012345, "k" * 64, identifier, 3600, now)
    assert usersig.verify(sig, 1400012345, "k" * 64, identifier).identifier == identifier
    sig_buf = vendor_sig(1400012345, "k" * 64, identifier, 3600, now, userbuf=b"\x00\x01room")
    assert usersig.verify(sig_buf, 1400012345, "k" * 64, identifier).userbuf == b"\x00\x01room"


def _inflate(sig: str) -> dict:
    return json.loads(zlib.decompress(base64.b64decode(sig.replace("*", "+").replace("-", "/").replace("_", "="))))


def test_confab_sigs_check_out_with_the_vendor_algorithm() -> None:
    """Confab's sig, unwrapped by hand and re-signed by the vendor library, carries the same HMAC."""
    now = int(time.time())
    ours = _inflate(usersig.generate(1400099999, "secret", "bob", 86400, now=now))
    theirs = _inflate(vendor_sig(1400099999, "secret", "bob", 86400, now))
    assert ours == theirs


def test_refusals_each_have_their_code() -> None:
    now = int(time.time())
    good = usersig.generate(1400000000, "key-1", "alice", 3600, now=now)
    cases = {
        70014: lambda: usersig.verify(good, 1400000001, "key-1", "alice"),
        70013: lambda: usersig.verify(good, 1400000000, "key-1", "mallory"),
        70009: lambda: usersig.verify(good, 1400000000, "key-2", "alice"),
        70001: lambda: usersig.verify(
            usersig.generate(1400000000, "key-1", "alice", 10, now=now - 100), 1400000000, "key-1", "alice"
        ),
        70003: lambda: usersig.verify("not-a-sig!!", 1400000000, "key-1", "alice"),
        70002: lambda: usersig.verify("", 1400000000, "key-1", "alice"),
    }
    for code, attempt in cases.items():
        with pytest.raises(UserSigError) as err:
            attempt()
        assert err.value.code == code, (code, err.value.info)


def _rewrap(doc: dict) -> str:
    return (
        base64.b64encode(zlib.compress(json.dumps(doc).encode()))
        .decode()
        .replace("+", "*")
        .replace("/", "-")
        .replace("=", "_")
    )


def test_tampered_fields_fail_the_signature() -> None:
    now = int(time.time())
    doc = _inflate(usersig.generate(1400000000, "key-1", "alice", 3600, now=now))
    doc["TLS.expire"] = 999999999  # extend the validity without the key
    with pytest.raises(UserSigError) as err:
        usersig.verify(_rewrap(doc), 1400000000, "key-1", "alice")
    assert err.value.code == 70009
    doc = _inflate(usersig.generate(1400000000, "key-1", "alice", 3600, userbuf=b"x", now=now))
    doc["TLS.userbuf"] = base64.b64encode(b"y").decode()
    with pytest.raises(UserSigError) as err:
        usersig.verify(_rewrap(doc), 1400000000, "key-1", "alice")
    assert err.value.code == 70009


@pytest.mark.parametrize(
    "garbage",
    [
        "eJw_",  # truncated zlib
        base64.b64encode(zlib.compress(b"[1,2]")).decode(),  # JSON but not an object
        base64.b64encode(zlib.compress(b'{"TLS.ver":"2.0"}')).decode().replace("=", "_"),  # fields missing
        base64.b64encode(zlib.compress(b"\xff\xfe")).decode(),  # not UTF-8
        base64.b64encode(zlib.compress(b"{" * 100000)).decode(),  # inflates past the limit
        "A" * 5000,  # far too long
    ],
)
def test_garbage_is_malformed(garbage: str) -> None:
    with pytest.raises(UserSigError) as err:
        usersig.verify(garbage, 1400000000, "key-1", "alice")
    assert err.value.code == 70003
