"""The Python client's `verify_signature` accepts a callback signed as the gateway signs it
(webhooks.dialects.signature_header) and refuses a changed body, another secret and a
signature too old or too far ahead (API.md, Callbacks)."""

import importlib
import json
import sys
import time
from pathlib import Path

import pytest

from webhooks.dialects import signature_header

CLIENT = Path(__file__).resolve().parents[1] / "clients" / "python"
BODY = json.dumps({"id": "e1", "event": "status_changed", "data": {"amount": "25.00"}}).encode()


@pytest.fixture(scope="module")
def client_package():
    """The committed client, imported as a receiver would after `pip install`."""
    sys.path.insert(0, str(CLIENT))
    try:
        package = importlib.import_module("cryptogate_client")
        assert Path(package.__file__).is_relative_to(CLIENT)
        yield package
    finally:
        sys.path.remove(str(CLIENT))
        for name in [name for name in sys.modules if name.startswith("cryptogate_client")]:
            del sys.modules[name]


def test_a_real_callback_is_verified_and_parsed(client_package):
    header = signature_header(["whsec-1"], int(time.time()), BODY)
    assert client_package.verify_signature(BODY, header, "whsec-1") == json.loads(BODY)


def test_during_a_rotation_either_secret_verifies(client_package):
    header = signature_header(["whsec-new", "whsec-old"], int(time.time()), BODY)
    for secret in ("whsec-new", "whsec-old"):
        assert client_package.verify_signature(BODY, header, secret)["id"] == "e1"


@pytest.mark.parametrize(
    "body, secret, age",
    [
        (BODY.replace(b"25.00", b"2500"), "whsec-1", 0),  # tampered body
        (BODY, "another secret", 0),  # wrong secret
        (BODY, "whsec-1", 301),  # stale: over the 5 minutes
        (BODY, "whsec-1", -301),  # from the future as far
    ],
)
def test_anything_else_is_refused(client_package, body, secret, age):
    header = signature_header(["whsec-1"], int(time.time()) - age, BODY)
    with pytest.raises(client_package.InvalidSignature):
        client_package.verify_signature(body, header, secret)


def test_the_tolerance_and_the_clock_can_be_given(client_package):
    signed_at = 1_700_000_000
    header = signature_header(["whsec-1"], signed_at, BODY)
    verify = client_package.verify_signature
    assert verify(BODY, header, "whsec-1", now=signed_at + 299)["id"] == "e1"
    assert verify(BODY, header, "whsec-1", tolerance=900, now=signed_at + 600)["id"] == "e1"
    with pytest.raises(client_package.InvalidSignature):
        verify(BODY, header, "whsec-1", tolerance=60, now=signed_at + 61)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=soon,v1=abc", "t=1700000000", "garbage"])
def test_a_malformed_header_is_refused_not_a_crash(client_package, header):
    with pytest.raises(client_package.InvalidSignature):
        client_package.verify_signature(BODY, header, "whsec-1", now=1_700_000_000)


def test_invalid_signature_is_a_value_error(client_package):
    """A receiver catching ValueError, as the README's standalone snippet raises, still works."""
    assert issubclass(client_package.InvalidSignature, ValueError)
