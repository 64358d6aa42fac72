"""A merchant's Monero watch keys: does this private view key belong to this address?

A primary address is Monero base58 (8-byte blocks → 11 characters) of a network byte, the
public spend key, the public view key and a 4-byte Keccak-256 checksum. The public view key
is the private view key times the Ed25519 base point, so a view key belongs to an address
exactly when that product equals the address's view key; nothing else is needed, and a
mistyped key is refused when the wallet is set rather than when a payment goes unseen.
bip_utils does the base58, the checksum and the scalar multiplication (its Monero module);
it is imported inside the function, as in chains/hd.py, to keep it out of process startup.
Regtest uses the mainnet prefixes, so one set of prefixes serves both networks.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")


class MoneroKeyError(ValueError):
    """The address or the view key is malformed, or they do not belong together; the message
    says which, for the form or the API's error, and `field` names the one at fault."""

    def __init__(self, field: str, message: _StrPromise, *, mismatch: bool = False) -> None:
        super().__init__(str(message))
        self.field, self.message, self.mismatch = field, message, mismatch


def check_view_key(address: str, view_key: str) -> str:
    """The view key as 64 lowercase hex characters, once it is checked to belong to
    `address` (a mainnet primary address, starting with 4: not a subaddress or an integrated
    address, whose view key is not the wallet's)."""
    from bip_utils import Ed25519MoneroPrivateKey, MoneroConf, XmrAddrDecoder

    address = address.strip()
    view_key = view_key.strip().lower()
    try:
        keys = XmrAddrDecoder.DecodeAddr(address, net_ver=MoneroConf.MainNet.AddrNetVersion())
    except ValueError as exc:
        raise MoneroKeyError(
            "address",
            _("This is not a Monero primary address (it starts with 4 and has 95 characters)."),
        ) from exc
    if not _HEX_KEY.fullmatch(view_key):
        raise MoneroKeyError("view_key", _("The private view key is 64 hexadecimal characters."))
    try:
        private = Ed25519MoneroPrivateKey.FromBytes(bytes.fromhex(view_key))
    except ValueError as exc:  # not a reduced scalar: no wallet makes such a key
        raise MoneroKeyError("view_key", _("This is not a Monero private view key.")) from exc
    if private.PublicKey().RawCompressed().ToBytes() != keys[32:]:
        raise MoneroKeyError(
            "view_key", _("This private view key does not belong to this address."), mismatch=True
        )
    return view_key


def subaddress(address: str, view_key: str, index: int) -> str:
    """The subaddress at account 0, minor `index` of the wallet (1, 2, …; 0 is the primary
    address itself), derived from the address and view key alone, as the wallet does."""
    from bip_utils import Monero, MoneroConf, XmrAddrDecoder

    keys = XmrAddrDecoder.DecodeAddr(address.strip(), net_ver=MoneroConf.MainNet.AddrNetVersion())
    wallet = Monero.FromWatchOnly(bytes.fromhex(view_key), keys[:32])
    return str(wallet.Subaddress(index))
