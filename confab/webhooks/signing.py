"""Webhook signing (seed 28410-28427): Sign = lowercase hex SHA-256 of the token followed by RequestTime."""

from __future__ import annotations

import hashlib


def sign(token: str, request_time: int) -> str:
    return hashlib.sha256(f"{token}{request_time}".encode()).hexdigest()
