"""Sealed secrets: readable back only with the SECRET_KEY (or a fallback) that sealed them."""

from __future__ import annotations

import pytest

from core.sealed import UnsealError, seal, unseal

VIEW_KEY = "06c0f15cce848179f575821411bac9878ec4f8e5bc173827ba75cb10a63a9605"
PURPOSE = b"monero-view-key"


def test_a_sealed_value_opens_with_its_key_and_does_not_show_the_plaintext():
    sealed = seal(VIEW_KEY, "current", PURPOSE)
    assert VIEW_KEY not in sealed and bytes.fromhex(VIEW_KEY).hex() not in sealed
    assert sealed != seal(VIEW_KEY, "current", PURPOSE)  # a random nonce per seal
    assert unseal(sealed, ["current"], PURPOSE) == (VIEW_KEY, 0)


def test_after_rotation_a_fallback_opens_it_and_says_so():
    sealed = seal(VIEW_KEY, "old", PURPOSE)
    assert unseal(sealed, ["new", "old"], PURPOSE) == (VIEW_KEY, 1)


@pytest.mark.parametrize(
    "secrets, purpose", [(["other"], PURPOSE), (["current"], b"another-purpose")]
)
def test_another_key_or_purpose_does_not_open_it(secrets, purpose):
    with pytest.raises(UnsealError):
        unseal(seal(VIEW_KEY, "current", PURPOSE), secrets, purpose)


def test_an_altered_value_does_not_open():
    sealed = seal(VIEW_KEY, "current", PURPOSE)
    altered = sealed[:-6] + ("AAAAAA" if not sealed.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(UnsealError):
        unseal(altered, ["current"], PURPOSE)
    with pytest.raises(UnsealError):
        unseal("not base64!", ["current"], PURPOSE)
