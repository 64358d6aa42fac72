"""Secrets the gateway must read back (a merchant's Monero private view key) sealed at rest.

XSalsa20-Poly1305 (PyNaCl's SecretBox: authenticated, a random nonce per seal) under a key
derived from the deployment's `SECRET_KEY` with keyed BLAKE2b, personalised per purpose so
the same secret never yields the same key for two uses. A database dump without the
`SECRET_KEY` reveals nothing, and a tampered value fails to open instead of decoding to
garbage. Rotation: the new key goes in `SECRET_KEY`, the old one in `SECRET_KEY_FALLBACKS`
(Django's setting, which the sessions and signatures honour too); `unseal` tries each, and
`manage.py reseal_view_keys` seals every stored value under the new key, after which the
fallback can go.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nacl.secret import SecretBox


class UnsealError(ValueError):
    """No key given opens the value: it was sealed under another SECRET_KEY, or altered."""


def _box(secret: str, purpose: bytes) -> SecretBox:
    from nacl.secret import SecretBox

    key = hashlib.blake2b(secret.encode(), digest_size=32, person=purpose[:16]).digest()
    return SecretBox(key)


def seal(plaintext: str, secret: str, purpose: bytes) -> str:
    """`plaintext` encrypted under a key derived from `secret` for `purpose`, as ASCII."""
    return base64.urlsafe_b64encode(_box(secret, purpose).encrypt(plaintext.encode())).decode()


def unseal(sealed: str, secrets: Sequence[str], purpose: bytes) -> tuple[str, int]:
    """The plaintext, and the index in `secrets` of the one that opened it (0: the current
    key; more: a fallback, so the value should be sealed again)."""
    from nacl.exceptions import CryptoError

    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except ValueError as exc:
        raise UnsealError("not a sealed value") from exc
    for index, secret in enumerate(secrets):
        try:
            return _box(secret, purpose).decrypt(raw).decode(), index
        except CryptoError:
            continue
    raise UnsealError("no SECRET_KEY opens this value: was it sealed under another one?")
