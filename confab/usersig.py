"""UserSig: the vendor's TLS sig v2 (HMAC-SHA256), generate and verify.

Byte-compatible with the vendor's published generators (seed 004 lines 1-168, reference/usersig.md):
the signed string, the JSON document, zlib, and the URL-safe base64 alphabet `+/=` -> `*-_`.
Verification never byte-compares a whole sig (zlib output is not canonical); it inflates, checks the
fields and recomputes the HMAC, comparing in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import zlib
from dataclasses import dataclass

DEFAULT_EXPIRE = 180 * 86400  # the vendor helpers' default validity
_MAX_SIG_LEN = 4096  # a real sig is ~200-300 chars; refuse to inflate anything much larger
_MAX_INFLATED = 8192

_TO_URL = str.maketrans("+/=", "*-_")
_FROM_URL = str.maketrans("*-_", "+/=")


class UserSigError(Exception):
    """A UserSig was refused. `code` is the vendor's 700xx code (reference/error-codes.md)."""

    def __init__(self, code: int, info: str) -> None:
        super().__init__(info)
        self.code = code
        self.info = info


@dataclass(frozen=True, slots=True)
class VerifiedSig:
    identifier: str
    sdkappid: int
    issued_at: int  # TLS.time
    expire: int  # seconds after issued_at
    userbuf: bytes | None

    @property
    def expires_at(self) -> int:
        return self.issued_at + self.expire


def _hmac_b64(key: str, identifier: str, sdkappid: int, issued_at: int, expire: int, userbuf_b64: str | None) -> str:
    content = f"TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{issued_at}\nTLS.expire:{expire}\n"
    if userbuf_b64 is not None:
        content += f"TLS.userbuf:{userbuf_b64}\n"
    digest = hmac.new(key.encode(), content.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def generate(
    sdkappid: int,
    key: str,
    identifier: str,
    expire: int = DEFAULT_EXPIRE,
    userbuf: bytes | None = None,
    now: int | None = None,
) -> str:
    """Issue a UserSig exactly as the vendor's Python generator does (same JSON key order, zlib level 6)."""
    issued_at = int(time.time()) if now is None else int(now)
    doc: dict[str, object] = {
        "TLS.ver": "2.0",
        "TLS.identifier": str(identifier),
        "TLS.sdkappid": int(sdkappid),
        "TLS.expire": int(expire),
        "TLS.time": issued_at,
    }
    userbuf_b64 = None
    if userbuf is not None:
        userbuf_b64 = base64.b64encode(userbuf).decode()
        doc["TLS.userbuf"] = userbuf_b64
    doc["TLS.sig"] = _hmac_b64(key, str(identifier), int(sdkappid), issued_at, int(expire), userbuf_b64)
    compressed = zlib.compress(json.dumps(doc).encode())
    return base64.b64encode(compressed).decode().translate(_TO_URL)


def decode(usersig: str) -> dict:
    """Unwrap a UserSig into its JSON document, or raise UserSigError(70003)."""
    if not usersig:
        raise UserSigError(70002, "UserSig is empty")
    if len(usersig) > _MAX_SIG_LEN:
        raise UserSigError(70003, "UserSig is malformed: too long")
    try:
        raw = base64.b64decode(usersig.translate(_FROM_URL), validate=True)
        inflater = zlib.decompressobj()
        text = inflater.decompress(raw, _MAX_INFLATED)
        if inflater.unconsumed_tail:
            raise UserSigError(70003, "UserSig is malformed: document too large")
        doc = json.loads(text)
    except UserSigError:
        raise
    except (binascii.Error, zlib.error, ValueError, UnicodeDecodeError) as exc:
        raise UserSigError(70003, "UserSig is malformed: cannot decode") from exc
    if not isinstance(doc, dict):
        raise UserSigError(70003, "UserSig is malformed: not a JSON object")
    return doc


def _int_field(doc: dict, name: str) -> int:
    value = doc.get(name)
    # the v2 generators write integers; tolerate decimal strings, which some ports emit
    if isinstance(value, bool):
        raise UserSigError(70003, f"UserSig is malformed: {name}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    raise UserSigError(70003, f"UserSig is malformed: {name}")


def verify(
    usersig: str,
    sdkappid: int,
    key: str,
    identifier: str,
    now: int | None = None,
) -> VerifiedSig:
    """Check a UserSig for (sdkappid, identifier) against the app's key.

    Order of checks follows the vendor's Go reference: decode, SDKAppID, identifier, expiry, HMAC.
    Valid while now <= time + expire (DECISIONS 14).
    """
    doc = decode(usersig)
    if doc.get("TLS.ver") != "2.0":
        raise UserSigError(70003, "UserSig is malformed: unsupported version (only TLS sig v2 is accepted)")
    sig_identifier = doc.get("TLS.identifier")
    sig_b64 = doc.get("TLS.sig")
    if not isinstance(sig_identifier, str) or not isinstance(sig_b64, str):
        raise UserSigError(70003, "UserSig is malformed: missing identifier or signature")
    sig_appid = _int_field(doc, "TLS.sdkappid")
    issued_at = _int_field(doc, "TLS.time")
    expire = _int_field(doc, "TLS.expire")
    userbuf_b64 = doc.get("TLS.userbuf")
    if userbuf_b64 is not None and not isinstance(userbuf_b64, str):
        raise UserSigError(70003, "UserSig is malformed: TLS.userbuf")

    if sig_appid != int(sdkappid):
        raise UserSigError(70014, "SDKAppID in the request does not match the one in the UserSig")
    if sig_identifier != identifier:
        raise UserSigError(70013, "identifier in the request does not match the one in the UserSig")
    current = int(time.time()) if now is None else int(now)
    if current > issued_at + expire:
        raise UserSigError(70001, "UserSig expired; generate a new one")

    expected = _hmac_b64(key, sig_identifier, sig_appid, issued_at, expire, userbuf_b64)
    if not hmac.compare_digest(expected.encode(), sig_b64.encode()):
        raise UserSigError(70009, "UserSig signature check failed (wrong key or tampered)")

    userbuf = None
    if userbuf_b64 is not None:
        try:
            userbuf = base64.b64decode(userbuf_b64, validate=True)
        except binascii.Error as exc:
            raise UserSigError(70003, "UserSig is malformed: TLS.userbuf") from exc
    return VerifiedSig(sig_identifier, sig_appid, issued_at, expire, userbuf)
