"""Is this text an address the network can pay? For addresses payers type (refunds).

Checksums are verified, not only shapes: bech32 for witness version 0 and bech32m for later
versions, each with the network's human-readable part; base58check with the network's
version bytes; EIP-55 mixed case for EVM; base58check with the 0x41 prefix for TRON. An
address of another network is refused by name (a regtest or testnet address for a mainnet,
a Bitcoin address for Litecoin), so the payer learns what went wrong instead of losing coins.

EVM: an all-lowercase (or all-uppercase) address carries no checksum — EIP-55 says so, and
many exchanges show addresses that way — so it is accepted and stored in its checksummed
form; a mixed-case address must match its checksum exactly, since a wrong mix is a typo.
"""

from __future__ import annotations

import hashlib
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chains.registry import Network

MAX_BECH32_LENGTH = 90  # BIP173
# Witness v0 (segwit) and v1 (taproot). Later versions are valid text but no wallet hands
# them out yet: such an address is far likelier a mistake than a wallet's receive address.
MAX_WITNESS_VERSION = 1


class InvalidAddress(ValueError):
    """Why the text is not an address of the network; the message is shown to the payer."""


_TEST = gettext_lazy("a test network (testnet or regtest)")
# Whose address it is, when it is not the expected network's.
_HRP_OWNERS = {
    "bc": "Bitcoin",
    "ltc": "Litecoin",
    "tb": _TEST,
    "bcrt": _TEST,
    "tltc": _TEST,
    "rltc": _TEST,
    "sbx": gettext_lazy("the sandbox network"),
}
_VERSION_OWNERS = {
    0x00: "Bitcoin",
    0x05: "Bitcoin",
    0x30: "Litecoin",
    0x32: "Litecoin",
    0x6F: _TEST,
    0xC4: _TEST,
    0x3A: _TEST,
    0x41: "TRON",
}
_TRON_VERSION = 0x41
_EVM = re.compile(r"0x[0-9a-fA-F]{40}")


def validate_address(network: Network, text: str) -> str:
    """The address in its canonical form, or InvalidAddress saying why not."""
    address = "".join((text or "").split())
    if not address:
        raise InvalidAddress(_("Enter the address of your wallet."))
    if network.kind == "evm":
        return _evm(network, address)
    if network.kind == "tron":
        return _tron(network, address)
    if network.kind == "monero":
        return _monero(network, address)
    if network.hrp:  # UTXO networks and the sandbox: chains/registry.py has their prefixes
        return _utxo(network, address)
    raise InvalidAddress(
        _("Refunds on %(network)s cannot be claimed here.") % {"network": network.name}
    )


def address_for(network: Network, program: bytes) -> str:
    """The network's address for a 20-byte key hash, in the form `validate_address` accepts
    (segwit v0, EIP-55, TRON base58check): the sandbox's made-up payers and the examples
    shown to payers are real addresses of their network, never text it would refuse."""
    from bip_utils import Base58Encoder, SegwitBech32Encoder  # see chains/hd.py

    if network.kind == "evm":
        return _evm(network, "0x" + program.hex())
    if network.kind == "tron":
        return Base58Encoder.CheckEncode(bytes([_TRON_VERSION]) + program)
    return SegwitBech32Encoder.Encode(network.hrp, 0, program)


def example_address(network: Network) -> str:
    """A valid address to show as an example: derived from the network's code, so it is
    stable and nobody's wallet."""
    digest = hashlib.sha256(f"example:{network.code}".encode()).digest()
    if network.kind == "monero":
        from bip_utils import Monero  # see chains/hd.py

        return str(Monero.FromSeed(digest).PrimaryAddress())
    return address_for(network, digest[:20])


def _monero(network: Network, address: str) -> str:
    """A Monero primary address (4…) or subaddress (8…), its Keccak checksum verified;
    regtest uses the mainnet prefixes."""
    from bip_utils import MoneroConf, XmrAddrDecoder  # see chains/hd.py

    versions = (MoneroConf.MainNet.AddrNetVersion(), MoneroConf.MainNet.SubaddrNetVersion())
    for version in versions:
        try:
            XmrAddrDecoder.DecodeAddr(address, net_ver=version)
        except ValueError:
            continue
        return address
    raise _invalid(network)


def _wrong_network(owner, network: Network) -> InvalidAddress:
    return InvalidAddress(
        _("This address is for %(owner)s, but the refund is sent on %(network)s.")
        % {"owner": owner, "network": network.name}
    )


def _typo() -> InvalidAddress:
    return InvalidAddress(
        _("This address has a typo: its checksum does not match. Copy it again from your wallet.")
    )


def _invalid(network: Network) -> InvalidAddress:
    return InvalidAddress(_("This is not a valid %(network)s address.") % {"network": network.name})


def _utxo(network: Network, address: str) -> str:
    lowered = address.lower()
    hrp = lowered.rpartition("1")[0]
    if hrp == network.hrp:
        if len(address) > MAX_BECH32_LENGTH:
            raise _invalid(network)
        from bip_utils import Bech32ChecksumError, SegwitBech32Decoder  # see chains/hd.py

        try:
            version, _program = SegwitBech32Decoder.Decode(network.hrp, address)
        except Bech32ChecksumError:
            raise _typo() from None
        except ValueError:
            raise _invalid(network) from None
        if version > MAX_WITNESS_VERSION:
            raise _invalid(network)
        return lowered
    if hrp in _HRP_OWNERS:
        raise _wrong_network(_HRP_OWNERS[hrp], network)
    if _EVM.fullmatch(address):
        raise _wrong_network("Ethereum", network)
    version = _base58_version(network, address)
    if version in network.address_versions:
        return address
    raise (
        _wrong_network(_VERSION_OWNERS[version], network)
        if version in _VERSION_OWNERS
        else _invalid(network)
    )


def _base58_version(network: Network, address: str) -> int:
    """The version byte of a 21-byte base58check payload (a hash160 behind one byte)."""
    from bip_utils import Base58ChecksumError, Base58Decoder  # see chains/hd.py

    try:
        raw = Base58Decoder.CheckDecode(address)
    except Base58ChecksumError:
        raise _typo() from None
    except ValueError:
        raise _invalid(network) from None
    if len(raw) != 21:
        raise _invalid(network)
    return raw[0]


def _tron(network: Network, address: str) -> str:
    if _EVM.fullmatch(address):
        raise _wrong_network("Ethereum", network)
    version = _base58_version(network, address)
    if version != _TRON_VERSION:
        raise (
            _wrong_network(_VERSION_OWNERS[version], network)
            if version in _VERSION_OWNERS
            else _invalid(network)
        )
    _refuse_contract(network, address)
    return address


def _evm(network: Network, address: str) -> str:
    if not _EVM.fullmatch(address):
        if owner := _HRP_OWNERS.get(address.lower().rpartition("1")[0]):
            raise _wrong_network(owner, network)
        raise InvalidAddress(
            _("An address on %(network)s is 0x followed by 40 hexadecimal characters.")
            % {"network": network.name}
        )
    digits = address[2:]
    checksummed = eip55(digits)
    if digits not in (digits.lower(), digits.upper()) and digits != checksummed:
        raise _typo()
    if int(digits, 16) == 0:
        raise InvalidAddress(_("This is the zero address: coins sent there are lost."))
    address = "0x" + checksummed
    _refuse_contract(network, address)
    return address


def to_checksum_address(address: str) -> str:
    """An EVM address (0x and 40 hex digits, in any case) in its EIP-55 form, as the chain
    backends report addresses."""
    digits = address.lower().removeprefix("0x")
    if len(digits) != 40 or any(c not in "0123456789abcdef" for c in digits):
        raise ValueError(f"not an EVM address: {address!r}")
    return "0x" + eip55(digits)


def eip55(digits: str) -> str:
    """EIP-55: a hex digit is upper case where the Keccak-256 of the lowercase address has a
    nibble of 8 or more."""
    from bip_utils import Kekkak256  # see chains/hd.py

    lowered = digits.lower()
    digest = Kekkak256.QuickDigest(lowered.encode()).hex()
    return "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(lowered))


def _refuse_contract(network: Network, address: str) -> None:
    """A token contract's address is a common paste mistake: tokens sent to it are lost."""
    if any(
        asset.contract and asset.contract.lower() == address.lower() for asset in network.tokens
    ):
        raise InvalidAddress(_("This is the token's contract address, not a wallet address."))
