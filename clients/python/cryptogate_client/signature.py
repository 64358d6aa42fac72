"""Verifying the gateway's callbacks. Hand-written: `make client` (scripts/generate-client.sh)
keeps this file when it regenerates the rest, and the package's __init__ exports it.

Each callback carries `X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`;
for a day after a secret rotation a second `v1` is signed with the old secret, so any
matching `v1` passes. The timestamp bounds replays: older (or further ahead) than the
tolerance, 5 minutes by default, is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

__all__ = ("InvalidSignature", "verify_signature")

TOLERANCE_SECONDS = 300


class InvalidSignature(ValueError):
    """The body was not signed with this secret, or not recently: do not trust it."""


def verify_signature(
    body: bytes,
    header: str,
    secret: str,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """The event of a callback whose `X-Signature` header matches its raw body (the bytes
    as received, before any parsing); raises InvalidSignature otherwise. Delivery is at
    least once: dedupe on the event's `id`."""
    fields = [item.partition("=") for item in header.split(",")]
    timestamps = [value for key, _, value in fields if key.strip() == "t"]
    if len(timestamps) != 1 or not (timestamps[0].isascii() and timestamps[0].isdigit()):
        raise InvalidSignature("the header has no timestamp")
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise InvalidSignature("the signature is too old (or from the future)")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    signatures = [value.strip() for key, _, value in fields if key.strip() == "v1"]
    if not any(hmac.compare_digest(expected.hexdigest(), value) for value in signatures):
        raise InvalidSignature("no signature matches this body and secret")
    event: dict[str, Any] = json.loads(body)
    return event
