"""Receive addresses derived from a merchant's account-level extended public key.

The gateway never holds private keys: a merchant pastes the account xpub of a wallet
*family* and every invoice gets the next address at `0/index` (the external chain)
below it. One small spec per family in `_SPECS` says which key formats it accepts,
how the account key was derived (for error messages) and how a public key becomes an
address.

Key formats are told apart by their 4 version bytes only; the key material is the same
BIP32 node whatever the prefix, so e.g. a Bitcoin BIP84 key is accepted as zpub or xpub.

bip_utils is imported inside the functions that parse a key or derive an address: its
package imports every coin it knows (about half a second), which a process should pay when
it first needs a key, not at startup (tests/test_imports.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from core.errors import ErrorCode, GatewayError

if TYPE_CHECKING:
    from bip_utils import Bip32Slip10Secp256k1

    from core.errors import Text


def _invalid(message: Text, **message_args: object) -> GatewayError:
    """The pasted key cannot be used (`invalid_xpub`); the message says why, to the
    merchant as it is (translated)."""
    return GatewayError(ErrorCode.INVALID_XPUB, "xpub", message=message, **message_args)


# Public-key version bytes we can name: prefix -> (version, what kind of wallet uses it).
# Private-key versions need no entry: the key data itself says "private" (see _decode).
_VERSIONS: dict[str, tuple[bytes, str]] = {
    "xpub": (bytes.fromhex("0488b21e"), "mainnet"),
    "ypub": (bytes.fromhex("049d7cb2"), "Bitcoin nested SegWit, BIP49"),
    "zpub": (bytes.fromhex("04b24746"), "mainnet native SegWit, BIP84"),
    "Ypub": (bytes.fromhex("0295b43f"), "a multisig wallet"),
    "Zpub": (bytes.fromhex("02aa7ed3"), "a multisig wallet"),
    "Ltub": (bytes.fromhex("019da462"), "Litecoin mainnet"),
    "Mtub": (bytes.fromhex("01b26ef6"), "Litecoin nested SegWit, BIP49"),
    "tpub": (bytes.fromhex("043587cf"), "Bitcoin testnet"),
    "upub": (bytes.fromhex("044a5262"), "Bitcoin testnet nested SegWit, BIP49"),
    "vpub": (bytes.fromhex("045f1cf6"), "Bitcoin testnet native SegWit, BIP84"),
    "ttub": (bytes.fromhex("0436f6e1"), "Litecoin testnet"),
}
KEY_FORMATS: tuple[str, ...] = tuple(_VERSIONS)
_PREFIX_BY_VERSION = {version: prefix for prefix, (version, _) in _VERSIONS.items()}

_KEY_LEN = 78  # version 4, depth 1, parent fingerprint 4, child number 4, chain code 32, key 33


@dataclass(frozen=True)
class _Spec:
    network: str  # "mainnet" | "testnet", for error messages
    path: str  # the account key's derivation path, for error messages
    formats: tuple[str, ...]  # accepted version prefixes; the first is the stored form
    encode: Callable[..., str]  # public key -> address
    # Electrum's own (non-BIP39) segwit wallets export their zpub at depth 1 (m/0'),
    # with receive addresses at 0/i like BIP84, so the UTXO families accept that too.
    depths: tuple[int, ...] = (3,)

    @property
    def needs(self) -> str:
        return f"a {self.network} {'/'.join(self.formats)} ({self.path})"


def _encoder(name: str, **options: str) -> Callable[..., str]:
    """Public key -> address with bip_utils' encoder `name`, imported on first use."""

    def encode(key: object) -> str:
        import bip_utils

        address: str = getattr(bip_utils, name).EncodeKey(key, **options)
        return address

    return encode


def _p2wpkh(hrp: str) -> Callable[..., str]:
    return _encoder("P2WPKHAddrEncoder", hrp=hrp)


# ypub/Mtub (nested SegWit) are refused on purpose: the merchant's wallet would watch
# 3…/M… addresses and never show payments made to the bc1…/ltc1… addresses we derive.
_SPECS: dict[str, _Spec] = {
    "bitcoin": _Spec("mainnet", "m/84'/0'/0'", ("zpub", "xpub"), _p2wpkh("bc"), (3, 1)),
    "litecoin": _Spec("mainnet", "m/84'/2'/0'", ("zpub", "xpub", "Ltub"), _p2wpkh("ltc"), (3, 1)),
    # bip-utils has no Litecoin regtest: any testnet key, encoded with the regtest hrp.
    "litecoin-regtest": _Spec(
        "testnet", "m/84'/1'/0'", ("tpub", "vpub", "ttub"), _p2wpkh("rltc"), (3, 1)
    ),
    # Bitcoin testnet4 and signet (one family: the same keys and tb1 addresses on both).
    "bitcoin-testnet": _Spec("testnet", "m/84'/1'/0'", ("vpub", "tpub"), _p2wpkh("tb"), (3, 1)),
    "litecoin-testnet": _Spec(
        "testnet", "m/84'/1'/0'", ("tpub", "vpub", "ttub"), _p2wpkh("tltc"), (3, 1)
    ),
    "evm": _Spec("mainnet", "m/44'/60'/0'", ("xpub",), _encoder("EthAddrEncoder")),
    "tron": _Spec("mainnet", "m/44'/195'/0'", ("xpub",), _encoder("TrxAddrEncoder")),
    "sandbox": _Spec("testnet", "m/84'/1'/0'", ("tpub", "vpub"), _p2wpkh("sbx"), (3, 1)),
}
FAMILIES: tuple[str, ...] = tuple(_SPECS)  # built in; CHAINS_CONFIG may define UTXO ones


def _configured_spec(family: str) -> _Spec | None:
    """The family of a UTXO network defined in CHAINS_CONFIG (its code): its key formats
    and bech32 prefix come from the definition."""
    from chains import registry

    for network in registry.all_networks().values():
        if (
            network.kind == "utxo"
            and network.family == family
            and network.xpub_formats
            and set(network.xpub_formats) <= set(_VERSIONS)  # else refused (chains/checks.py)
        ):
            return _Spec(
                "testnet" if network.test else "mainnet",
                "m/84'/<coin>'/0'",
                network.xpub_formats,
                _p2wpkh(network.hrp),
                (3, 1),
            )
    return None


def is_family(family: str) -> bool:
    """Is this a wallet family keys can be set for (built in, or defined in CHAINS_CONFIG)?"""
    return family in _SPECS or _configured_spec(family) is not None


def _spec(family: str) -> _Spec:
    spec = _SPECS.get(family) or _configured_spec(family)
    if spec is None:
        raise _invalid(_("unknown wallet family %(family)s"), family=repr(family))
    return spec


def _decode(family: str, key: str) -> bytes:
    """The key's 78 raw bytes, once it is known to be a public account key of `family`."""
    from bip_utils import Base58ChecksumError, Base58Decoder

    spec = _spec(family)
    formats = "/".join(spec.formats)
    if not key:
        raise _invalid(
            _("no key given; paste the account's extended public key (%(formats)s)"),
            formats=formats,
        )
    try:
        raw: bytes = Base58Decoder.CheckDecode(key)
    except Base58ChecksumError:
        raise _invalid(_("checksum mismatch — the key was not copied completely")) from None
    except ValueError:
        raise _invalid(
            _(
                "this is not an extended public key (not base58 text); paste the account's "
                "extended public key (%(formats)s)"
            ),
            formats=formats,
        ) from None
    if len(raw) != _KEY_LEN:
        raise _invalid(
            _(
                "this is not an extended public key (wrong length); paste the account's "
                "extended public key (%(formats)s)"
            ),
            formats=formats,
        )
    if raw[45] == 0:  # serialized private keys are 0x00 + 32 bytes, public keys 0x02/0x03 + x
        raise _invalid(
            _("this is a private key; paste the account's public key (%(formats)s)"),
            formats=formats,
        )
    prefix = _PREFIX_BY_VERSION.get(raw[:4])
    if prefix is None:
        raise _invalid(
            _(
                "unrecognised key type (version %(version)s); paste the account's extended "
                "public key (%(formats)s)"
            ),
            version=raw[:4].hex(),
            formats=formats,
        )
    if prefix not in spec.formats:
        raise _invalid(
            _("this key is for %(kind)s (%(prefix)s), the %(family)s family needs %(needs)s"),
            kind=_VERSIONS[prefix][1],
            prefix=prefix,
            family=family,
            needs=spec.needs,
        )
    if raw[4] not in spec.depths:
        raise _invalid(
            _(
                "this is not an account-level key (it has depth %(depth)s; expected depth 3, "
                "%(path)s)"
            ),
            depth=raw[4],
            path=spec.path,
        )
    return raw


def _with_version(prefix: str, raw: bytes) -> str:
    from bip_utils import Base58Encoder

    encoded: str = Base58Encoder.CheckEncode(_VERSIONS[prefix][0] + raw[4:])
    return encoded


@lru_cache(maxsize=4096)
def _account(family: str, key: str) -> tuple[str, Bip32Slip10Secp256k1]:
    """Parse once: (normalized key, node of the external chain 0 below the account).

    Cached because parsing costs about twice a derivation. The cached nodes are only
    read afterwards (ChildKey builds new objects), so sharing them across threads is safe.
    """
    from bip_utils import Bip32KeyError, Bip32Slip10Secp256k1

    raw = _decode(family, key)
    # Bip32 only checks version bytes against the ones it is told; give it plain xpub.
    try:
        node = Bip32Slip10Secp256k1.FromExtendedKey(_with_version("xpub", raw))
    except (Bip32KeyError, ValueError):
        raise _invalid(_("this key is damaged: it is not a valid public key")) from None
    return _with_version(_spec(family).formats[0], raw), node.ChildKey(0)


def _clean(key: str) -> str:
    """Drop all whitespace, so keys pasted with line breaks or spaces still work."""
    return "".join(key.split())


def validate_xpub(family: str, xpub: str) -> str:
    """Check a pasted key for `family`; return the form to store (the family's main prefix)."""
    return _account(family, _clean(xpub))[0]


def account_key(family: str, xpub: str) -> bytes:
    """What a key's addresses are derived from (its chain code and public key), whatever
    its prefix, depth or parent: two keys with the same account key give the same
    addresses."""
    return _decode(family, _clean(xpub))[13:]


def derive_address(family: str, xpub: str, index: int) -> str:
    """The receive address at 0/index below the account key."""
    if not 0 <= index < 2**31:
        raise ValueError(f"address index must be in [0, 2**31), got {index}")
    chain = _account(family, _clean(xpub))[1]
    return _spec(family).encode(chain.ChildKey(index).PublicKey().KeyObject())


def derive_addresses(family: str, xpub: str, start: int, count: int) -> list[str]:
    """Receive addresses start … start+count-1."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    return [derive_address(family, xpub, i) for i in range(start, start + count)]


def new_sandbox_xpub() -> str:
    """A fresh random sandbox wallet (tpub); its private key is thrown away on purpose,
    since sandbox coins are not real and the gateway never holds keys."""
    from bip_utils import Bip32Slip10Secp256k1
    from bip_utils.bip.bip32 import Bip32Const

    master = Bip32Slip10Secp256k1.FromSeed(
        secrets.token_bytes(32), Bip32Const.TEST_NET_KEY_NET_VERSIONS
    )
    xpub: str = master.DerivePath(_SPECS["sandbox"].path).PublicKey().ToExtended()
    return xpub
