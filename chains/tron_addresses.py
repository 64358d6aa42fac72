"""TRON addresses in their three spellings, converted in one place.

- base58check `T…`: what wallets show and payers paste (the HTTP API with `visible: true`);
- the 21-byte hex `41…`: the HTTP API's default (`owner_address`, `to_address`);
- the 20-byte hex without the `41` prefix: the TVM's view, in `Transfer` log topics and the
  JSON-RPC (`0x…`, like an EVM address).

The gateway stores and compares the base58 form. Every conversion checks what it is given:
the base58 checksum (the first four bytes of a double SHA-256), the length and the 0x41
prefix, so a typo or an address of another chain never turns into a valid-looking one.
"""

from __future__ import annotations

import re

PREFIX = 0x41
_HEX21 = re.compile(r"41[0-9a-fA-F]{40}")
_HEX20 = re.compile(r"(0x)?[0-9a-fA-F]{40}")


class NotATronAddress(ValueError):
    pass


def raw_bytes(address: str) -> bytes:
    """The 21 bytes (0x41 + 20) of an address in any of the three spellings."""
    if _HEX21.fullmatch(address):
        return bytes.fromhex(address)
    if _HEX20.fullmatch(address):
        return bytes([PREFIX]) + bytes.fromhex(address.removeprefix("0x"))
    from bip_utils import Base58ChecksumError, Base58Decoder  # see chains/hd.py

    try:
        raw: bytes = Base58Decoder.CheckDecode(address)
    except Base58ChecksumError:
        raise NotATronAddress(f"{address!r}: the base58 checksum does not match") from None
    except ValueError:
        raise NotATronAddress(f"{address!r} is not base58check") from None
    if len(raw) != 21 or raw[0] != PREFIX:
        raise NotATronAddress(f"{address!r} is not a TRON address (21 bytes after 0x41)")
    return raw


def to_base58(address: str) -> str:
    """`T…` from any spelling."""
    from bip_utils import Base58Encoder  # see chains/hd.py

    spelt: str = Base58Encoder.CheckEncode(raw_bytes(address))
    return spelt


def to_hex20(address: str) -> str:
    """`0x…` with the 20 bytes only, as log topics and the JSON-RPC carry them."""
    return "0x" + raw_bytes(address)[1:].hex()


def from_topic(topic: str) -> str:
    """The base58 address in a 32-byte indexed log topic (an address left-padded with 0)."""
    digits = topic.removeprefix("0x")
    if len(digits) != 64 or int(digits[:24] or "0", 16):
        raise NotATronAddress(f"{topic!r} is not an address topic")
    return to_base58(digits[24:])
