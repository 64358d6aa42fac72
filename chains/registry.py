"""Networks and assets: decimals, token contracts, confirmations, explorers.

The built-in tables below describe every network the gateway knows. `CHAINS_CONFIG` (a
TOML file, format in the README's "Networks" section) switches networks on by giving them an
`rpc_url`, may change confirmations or add tokens, and may define a network of its own of a
kind the gateway reads (`evm`, `utxo`, `tron`). A network without an `rpc_url` is off; the
sandbox is on when `SANDBOX=1`.

Test mode is play money, live mode real money (`serves`): a network marked `test` (the
sandbox, regtest, local nodes, public testnets) pays test invoices only, every other one
live invoices only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from chains import tron_addresses

PAYER_DECIMALS = 8


@dataclass(frozen=True)
class Asset:
    code: str  # e.g. "USDT"
    network: str  # e.g. "ethereum"
    decimals: int
    contract: str | None = None  # None for the network's native coin

    @property
    def is_native(self) -> bool:
        return self.contract is None

    @property
    def payer_decimals(self) -> int:
        """Decimals an amount due is given in: wallets and exchanges send at most 8."""
        return min(self.decimals, PAYER_DECIMALS)

    @property
    def method(self) -> str:
        """The payment method key, as stored in merchant settings: "USDT:ethereum"."""
        return f"{self.code}:{self.network}"


@dataclass(frozen=True)
class Network:
    code: str
    name: str  # what a payer reads: "Tron (TRC-20)"
    family: str  # the wallet family whose xpub derives this network's addresses
    kind: str  # "utxo" | "evm" | "tron" | "monero" | "sandbox": which backend speaks to it
    native: str  # the native coin's code
    native_decimals: int
    confirmations: int  # default required confirmations
    min_confirmations: int  # the safe minimum a merchant cannot go below
    tokens: tuple[Asset, ...] = ()
    chain_id: int | None = None
    uri_scheme: str = ""  # BIP21 scheme for UTXO coins, "ethereum" for EVM
    explorer_tx: str = ""  # URL template with {txid}
    rpc_url: str = ""
    # Amount tiers for UTXO coins: ((up to this many base units, confirmations), ...).
    confirmation_tiers: tuple[tuple[int, int], ...] = ()
    block_seconds: int = 600
    # Blocks an unconfirmed transaction that lost its block gets to reappear, on a node that
    # cannot show its mempool, before it counts as reverted.
    reorg_depth: int = 6
    test: bool = False
    # TRON: the genesis block id, the chain's identity (TRON nodes have no chain id); the
    # startup checks refuse a node that answers with another one.
    genesis: str = ""
    # UTXO: the bech32 human-readable part of its addresses, their base58check version bytes
    # (pay-to-pubkey-hash, script-hash), and what the node's `getblockchaininfo` calls the
    # chain ("main", "test", "testnet4", "signet", "regtest").
    hrp: str = ""
    address_versions: tuple[int, ...] = ()
    utxo_chain: str = "main"
    # UTXO networks defined in CHAINS_CONFIG: the extended-key prefixes their wallets accept
    # (the built-in families' are in chains/hd.py).
    xpub_formats: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def forwarder_factory(self) -> str:
        """The ForwarderFactory's address on this network (CHAINS_CONFIG
        `forwarder_factory`, issue 28), or "" when forwarder mode is off here."""
        return str(self.options.get("forwarder_factory", ""))

    @property
    def enabled(self) -> bool:
        if self.kind == "sandbox":
            return bool(settings.SANDBOX)
        return bool(self.rpc_url)

    @property
    def assets(self) -> tuple[Asset, ...]:
        return (Asset(self.native, self.code, self.native_decimals), *self.tokens)

    def asset(self, code: str) -> Asset | None:
        for asset in self.assets:
            if asset.code == code.upper():
                return asset
        return None

    @property
    def account_based(self) -> bool:
        """Payers are accounts (EVM, TRON; the sandbox simulates one sender per payer), not
        UTXO wallets that pay from fresh addresses, nor Monero, which shows no sender."""
        return self.kind not in ("utxo", "monero")

    def tx_url(self, txid: str) -> str:
        return self.explorer_tx.format(txid=txid) if self.explorer_tx else ""

    def required_confirmations(self, amount_units: int, override: int | None = None) -> int:
        """Confirmations needed for a payment of this size: tiers, then the merchant's
        override, never below the network's safe minimum."""
        required = self.confirmations
        for limit, confirmations in self.confirmation_tiers:
            required = confirmations
            if amount_units <= limit:
                break
        if override is not None:
            required = override
        return max(required, self.min_confirmations)


_BTC = 100_000_000
_BUILTIN = (
    Network(
        "bitcoin",
        "Bitcoin",
        "bitcoin",
        "utxo",
        "BTC",
        8,
        confirmations=2,
        min_confirmations=1,
        uri_scheme="bitcoin",
        explorer_tx="https://mempool.space/tx/{txid}",
        confirmation_tiers=((1 * _BTC, 1), (10 * _BTC, 3), (2**256, 6)),
        reorg_depth=6,
        hrp="bc",
        address_versions=(0x00, 0x05),
        genesis="000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    ),
    Network(
        "litecoin",
        "Litecoin",
        "litecoin",
        "utxo",
        "LTC",
        8,
        confirmations=6,
        min_confirmations=2,
        uri_scheme="litecoin",
        block_seconds=150,
        reorg_depth=12,
        explorer_tx="https://litecoinspace.org/tx/{txid}",
        # 0x05 ("3…") is refused for Litecoin: it is what a Bitcoin script address looks like.
        hrp="ltc",
        address_versions=(0x30, 0x32),
        genesis="12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2",
    ),
    Network(
        "ethereum",
        "Ethereum (ERC-20)",
        "evm",
        "evm",
        "ETH",
        18,
        confirmations=12,
        min_confirmations=3,
        chain_id=1,
        uri_scheme="ethereum",
        block_seconds=12,
        reorg_depth=64,
        explorer_tx="https://etherscan.io/tx/{txid}",
        tokens=(
            Asset("USDT", "ethereum", 6, "0xdAC17F958D2ee523a2206206994597C13D831ec7"),
            Asset("USDC", "ethereum", 6, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"),
        ),
    ),
    Network(
        "bsc",
        "BNB Smart Chain (BEP-20)",
        "evm",
        "evm",
        "BNB",
        18,
        confirmations=15,
        min_confirmations=5,
        chain_id=56,
        uri_scheme="ethereum",
        block_seconds=3,
        reorg_depth=15,
        explorer_tx="https://bscscan.com/tx/{txid}",
        tokens=(Asset("USDT", "bsc", 18, "0x55d398326f99059fF775485246999027B3197955"),),
    ),
    Network(
        "polygon",
        "Polygon",
        "evm",
        "evm",
        "POL",
        18,
        confirmations=64,
        min_confirmations=16,
        chain_id=137,
        uri_scheme="ethereum",
        block_seconds=2,
        reorg_depth=128,
        explorer_tx="https://polygonscan.com/tx/{txid}",
        tokens=(
            Asset("USDT", "polygon", 6, "0xc2132D05D31c914a87C6611C10748AEb04B58e8F"),
            Asset("USDC", "polygon", 6, "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359"),
        ),
    ),
    Network(
        "tron",
        "Tron (TRC-20)",
        "tron",
        "tron",
        "TRX",
        6,
        confirmations=19,
        min_confirmations=19,
        uri_scheme="tron",
        block_seconds=3,
        reorg_depth=19,
        explorer_tx="https://tronscan.org/#/transaction/{txid}",
        tokens=(Asset("USDT", "tron", 6, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),),
        genesis="00000000000000001ebf88508a03865c71d452e25f4d51194196a1d22b6653dc",
    ),
    # Monero, read through the operator's monero-wallet-rpc with view-only wallets
    # (chains/backends/monero.py). Outputs unlock for spending after 10 blocks, hence the
    # default; 2 is the least a merchant may ask. CHAINS_CONFIG gives `daemon_url` (monerod)
    # beside `rpc_url` (the wallet RPC).
    Network(
        "monero",
        "Monero",
        "monero",
        "monero",
        "XMR",
        12,
        confirmations=10,
        min_confirmations=2,
        uri_scheme="monero",
        block_seconds=120,
        reorg_depth=10,
        explorer_tx="https://xmrchain.net/tx/{txid}",
    ),
    Network(
        "monero-regtest",
        "Monero (regtest)",
        "monero",
        "monero",
        "XMR",
        12,
        confirmations=10,
        min_confirmations=1,
        uri_scheme="monero",
        block_seconds=1,
        reorg_depth=10,
        test=True,
    ),
    Network(
        "litecoin-regtest",
        "Litecoin (regtest)",
        "litecoin-regtest",
        "utxo",
        "LTC",
        8,
        confirmations=1,
        min_confirmations=1,
        uri_scheme="litecoin",
        block_seconds=1,
        test=True,
        # Regtest shares the testnet version bytes; bech32 has its own prefix.
        hrp="rltc",
        address_versions=(0x6F, 0xC4, 0x3A),
        utxo_chain="regtest",
    ),
    Network(
        "ethereum-local",
        "Ethereum (local node)",
        "evm",
        "evm",
        "ETH",
        18,
        confirmations=2,
        min_confirmations=1,
        chain_id=31337,
        uri_scheme="ethereum",
        block_seconds=1,
        test=True,
    ),
    # A private TRON network (the test suite's recorded node): its genesis and its token
    # contracts come from CHAINS_CONFIG (`genesis = "…"`, `[[networks.tron-local.tokens]]`).
    Network(
        "tron-local",
        "Tron (local node)",
        "tron",
        "tron",
        "TRX",
        6,
        confirmations=19,
        min_confirmations=19,
        uri_scheme="tron",
        block_seconds=3,
        test=True,
    ),
    Network(
        "sandbox",
        "Sandbox (test network)",
        "sandbox",
        "sandbox",
        "BTC",
        8,
        confirmations=2,
        min_confirmations=1,
        uri_scheme="sandbox",
        block_seconds=60,
        reorg_depth=2,
        test=True,
        hrp="sbx",
        tokens=(
            Asset("ETH", "sandbox", 18, "sandbox:ETH"),
            Asset("USDT", "sandbox", 6, "sandbox:USDT"),
        ),
    ),
)


# EVM chains where stablecoin payments moved (Base, Arbitrum One, OP Mainnet, Avalanche
# C-Chain): read by the same backend as Ethereum, off until given an `rpc_url`. Tokens are the
# issuers' own contracts, from their published lists:
#   USDC: https://developers.circle.com/stablecoins/usdc-contract-addresses (native USDC only,
#         never the bridged USDC.e / USDbC)
#   USDT: https://tether.to/en/supported-protocols/ (Tether issues USDT on Avalanche C-Chain;
#         the USDT on Arbitrum, OP Mainnet and Base is bridged or USDT0, not on Tether's list:
#         an operator who wants it adds it as a token in CHAINS_CONFIG)
# tests/test_networks.py checks every contract's EIP-55 checksum.
_EVM_L2S = (
    Network(
        "base",
        "Base",
        "evm",
        "evm",
        "ETH",
        18,
        confirmations=10,
        min_confirmations=3,
        chain_id=8453,
        uri_scheme="ethereum",
        block_seconds=2,
        reorg_depth=64,
        explorer_tx="https://basescan.org/tx/{txid}",
        tokens=(Asset("USDC", "base", 6, "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),),
    ),
    Network(
        "arbitrum",
        "Arbitrum One",
        "evm",
        "evm",
        "ETH",
        18,
        confirmations=20,
        min_confirmations=5,
        chain_id=42161,
        uri_scheme="ethereum",
        block_seconds=1,
        reorg_depth=64,
        explorer_tx="https://arbiscan.io/tx/{txid}",
        tokens=(Asset("USDC", "arbitrum", 6, "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"),),
    ),
    Network(
        "optimism",
        "OP Mainnet (Optimism)",
        "evm",
        "evm",
        "ETH",
        18,
        confirmations=10,
        min_confirmations=3,
        chain_id=10,
        uri_scheme="ethereum",
        block_seconds=2,
        reorg_depth=64,
        explorer_tx="https://optimistic.etherscan.io/tx/{txid}",
        tokens=(Asset("USDC", "optimism", 6, "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85"),),
    ),
    Network(
        "avalanche",
        "Avalanche C-Chain",
        "evm",
        "evm",
        "AVAX",
        18,
        confirmations=6,
        min_confirmations=2,
        chain_id=43114,
        uri_scheme="ethereum",
        block_seconds=2,
        reorg_depth=12,
        explorer_tx="https://snowtrace.io/tx/{txid}",
        tokens=(
            Asset("USDC", "avalanche", 6, "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E"),
            Asset("USDT", "avalanche", 6, "0x9702230A8Ea53601f5cD2dc00fDBc13d4dF4A8c7"),
        ),
    ),
)

# Public testnets, for test mode: a merchant pays a test checkout from a real wallet app.
# Testnet USDC is Circle's (the same page as above, "Testnet"); Nile's USDT is the one the
# Nile faucet hands out (https://nileex.io/join/getJoinPage). Bitcoin's testnet4 and signet
# share one wallet family (tpub/vpub keys, tb1 addresses), as EVM chains share theirs.
_PUBLIC_TESTNETS = (
    Network(
        "sepolia",
        "Ethereum Sepolia (testnet)",
        "evm",
        "evm",
        "ETH",
        18,
        confirmations=3,
        min_confirmations=1,
        chain_id=11155111,
        uri_scheme="ethereum",
        block_seconds=12,
        reorg_depth=64,
        explorer_tx="https://sepolia.etherscan.io/tx/{txid}",
        tokens=(Asset("USDC", "sepolia", 6, "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"),),
        test=True,
    ),
    Network(
        "base-sepolia",
        "Base Sepolia (testnet)",
        "evm",
        "evm",
        "ETH",
        18,
        confirmations=3,
        min_confirmations=1,
        chain_id=84532,
        uri_scheme="ethereum",
        block_seconds=2,
        reorg_depth=64,
        explorer_tx="https://sepolia.basescan.org/tx/{txid}",
        tokens=(Asset("USDC", "base-sepolia", 6, "0x036CbD53842c5426634e7929541eC2318f3dCF7e"),),
        test=True,
    ),
    Network(
        "bitcoin-testnet4",
        "Bitcoin testnet4",
        "bitcoin-testnet",
        "utxo",
        "BTC",
        8,
        confirmations=1,
        min_confirmations=1,
        uri_scheme="bitcoin",
        explorer_tx="https://mempool.space/testnet4/tx/{txid}",
        test=True,
        hrp="tb",
        address_versions=(0x6F, 0xC4),
        utxo_chain="testnet4",
        genesis="00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",
    ),
    Network(
        "bitcoin-signet",
        "Bitcoin signet",
        "bitcoin-testnet",
        "utxo",
        "BTC",
        8,
        confirmations=1,
        min_confirmations=1,
        uri_scheme="bitcoin",
        explorer_tx="https://mempool.space/signet/tx/{txid}",
        test=True,
        hrp="tb",
        address_versions=(0x6F, 0xC4),
        utxo_chain="signet",
        genesis="00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
    ),
    Network(
        "litecoin-testnet",
        "Litecoin testnet",
        "litecoin-testnet",
        "utxo",
        "LTC",
        8,
        confirmations=1,
        min_confirmations=1,
        uri_scheme="litecoin",
        block_seconds=150,
        reorg_depth=12,
        explorer_tx="https://litecoinspace.org/testnet/tx/{txid}",
        test=True,
        hrp="tltc",
        address_versions=(0x6F, 0xC4, 0x3A),
        utxo_chain="test",
        genesis="4966625a4b2851d9fdee139e56211a0d88575f59ed816ff5e6a63deb4e3e29a0",
    ),
    Network(
        "tron-nile",
        "Tron Nile (testnet)",
        "tron",
        "tron",
        "TRX",
        6,
        confirmations=19,
        min_confirmations=19,
        uri_scheme="tron",
        block_seconds=3,
        reorg_depth=19,
        explorer_tx="https://nile.tronscan.org/#/transaction/{txid}",
        tokens=(Asset("USDT", "tron-nile", 6, "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"),),
        genesis="0000000000000000d698d4192c56cb6be724a558448e2684802de4d6cd8690dc",
        test=True,
    ),
)


def serves(network: Network, livemode: bool) -> bool:
    """Test mode is play money, live mode real money: a network marked `test` pays test
    invoices (keys, links, terminals) only, any other one live ones only. Offering a method
    and crediting a payment both ask this."""
    return network.test != livemode


# The kinds a network defined in CHAINS_CONFIG may have, with what a definition must give
# beyond `name` and `native`, and its native coin's decimals unless it says otherwise.
DEFINABLE_KINDS = {"evm": ("chain_id",), "utxo": ("hrp",), "tron": ("genesis",)}
_NATIVE_DECIMALS = {"evm": 18, "utxo": 8, "tron": 6}
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_SYMBOL = re.compile(r"[A-Z0-9]{1,12}")
_HEX_ID = re.compile(r"[0-9a-f]{64}")
_EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
# Keys a network's entry may give (a built-in's or a defined one's); the rest are backend
# options (`forwarder_factory`, `jsonrpc_url`, `fallback_fee_rate`, …) kept in `options`.
_SETTINGS = {
    "rpc_url",
    "confirmations",
    "min_confirmations",
    "confirmation_tiers",
    "tokens",
    "block_seconds",
    "reorg_depth",
    "genesis",
    "explorer_tx",
}
_DEFINITION = {
    "kind",
    "name",
    "native",
    "native_decimals",
    "chain_id",
    "uri_scheme",
    "test",
    "hrp",
    "address_versions",
    "chain",
    "xpub_formats",
}


class _Entry:
    """One `[networks.<code>]` table, read with messages that name the key at fault."""

    def __init__(self, code: str, entry: dict[str, Any]) -> None:
        self.code, self.entry = code, entry

    def error(self, message: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"CHAINS_CONFIG [networks.{self.code}]: {message}")

    def has(self, key: str) -> bool:
        return key in self.entry

    def text(self, key: str, default: str = "") -> str:
        value = self.entry.get(key, default)
        if not isinstance(value, str):
            raise self.error(f"`{key}` must be a string, not {value!r}")
        return value

    def integer(self, key: str, default: int, low: int = 0, high: int = 2**256) -> int:
        value = self.entry.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(f"`{key}` must be a whole number from {low} to {high}, not {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.entry.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"`{key}` must be true or false, not {value!r}")
        return value

    def integers(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = self.entry.get(key, list(default))
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value
        ):
            raise self.error(f"`{key}` must be a list of bytes (0 to 255), not {value!r}")
        return tuple(value)


def _defined(entry: _Entry) -> Network:
    """A network the file defines (`kind = "evm" | "utxo" | "tron"`): its identity, which
    the startup checks then ask the node about (chain id, genesis block)."""
    code = entry.code
    if not _CODE.fullmatch(code):
        raise entry.error("a network's code is lowercase letters, digits and dashes")
    kind = entry.text("kind")
    if kind not in DEFINABLE_KINDS:
        raise entry.error(
            f"`kind` {kind!r} is not one the gateway reads ({', '.join(DEFINABLE_KINDS)})"
        )
    for key in ("name", "native", *DEFINABLE_KINDS[kind]):
        if not entry.has(key):
            raise entry.error(f"a network of kind {kind!r} needs `{key}`")
    native = entry.text("native").upper()
    if not _SYMBOL.fullmatch(native):
        raise entry.error(f"`native` {native!r} is not a coin symbol (letters and digits)")
    test = entry.flag("test", False)
    base = Network(
        code,
        entry.text("name").strip() or code,
        code,
        kind,
        native,
        entry.integer("native_decimals", _NATIVE_DECIMALS[kind], 0, 36),
        confirmations=1,
        min_confirmations=1,
        test=test,
    )
    if kind == "evm":
        return replace(
            base,
            family="evm",
            chain_id=entry.integer("chain_id", 0, 1, 2**64 - 1),
            uri_scheme=entry.text("uri_scheme", "ethereum"),
            block_seconds=12,
            reorg_depth=64,
        )
    if kind == "tron":
        return replace(base, family="tron", uri_scheme=entry.text("uri_scheme", "tron"))
    hrp = entry.text("hrp").lower()
    if not re.fullmatch(r"[a-z0-9]{1,20}", hrp):
        raise entry.error(f"`hrp` {hrp!r} is not a bech32 human-readable part")
    formats = entry.entry.get("xpub_formats", ["tpub", "vpub"] if test else ["zpub", "xpub"])
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
        raise entry.error(f"`xpub_formats` must be a list of key prefixes, not {formats!r}")
    return replace(
        base,
        uri_scheme=entry.text("uri_scheme", ""),
        hrp=hrp,
        address_versions=entry.integers("address_versions", ()),
        utxo_chain=entry.text("chain", "test" if test else "main"),
        xpub_formats=tuple(formats),
    )


def _token(entry: _Entry, network: Network, token: dict[str, Any]) -> Asset:
    symbol, contract, decimals = token.get("symbol"), token.get("contract"), token.get("decimals")
    if not isinstance(symbol, str) or not _SYMBOL.fullmatch(symbol.upper()):
        raise entry.error(f"a token's `symbol` must be letters and digits, not {symbol!r}")
    if (
        not isinstance(contract, str)
        or isinstance(decimals, bool)
        or not isinstance(decimals, int)
        or not 0 <= decimals <= 36
    ):
        raise entry.error(
            f"token {symbol}: give `contract` (text) and `decimals` (a number from 0 to 36)"
        )
    if network.kind == "tron":  # stored as T…, whichever spelling the file uses
        try:
            contract = tron_addresses.to_base58(contract)
        except tron_addresses.NotATronAddress as exc:
            raise entry.error(str(exc)) from exc
    elif network.kind == "evm":
        if not _EVM_ADDRESS.fullmatch(contract):
            raise entry.error(f"token {symbol}: {contract!r} is not an EVM address (0x and 40 hex)")
    else:
        raise entry.error(f"{network.kind} networks have no tokens")
    return Asset(symbol.upper(), network.code, decimals, contract)


def _configured(network: Network, entry: _Entry) -> Network:
    """The network with what its entry sets (a built-in's or a defined one's)."""
    tokens = list(network.tokens)
    raw_tokens = entry.entry.get("tokens", [])
    if not isinstance(raw_tokens, list):
        raise entry.error("`tokens` must be a list of [[networks.<code>.tokens]] tables")
    for token in raw_tokens:
        asset = _token(entry, network, token)
        tokens = [t for t in tokens if t.code != asset.code] + [asset]
    confirmations = entry.integer("confirmations", network.confirmations, 1, 10_000)
    minimum = entry.integer(
        "min_confirmations", min(network.min_confirmations, confirmations), 1, confirmations
    )
    tiers = entry.entry.get("confirmation_tiers", [list(t) for t in network.confirmation_tiers])
    if not isinstance(tiers, list) or not all(
        isinstance(t, list) and len(t) == 2 and all(isinstance(v, int) and v > 0 for v in t)
        for t in tiers
    ):
        raise entry.error(
            f"`confirmation_tiers` must be [[up to base units, confirmations], …], not {tiers!r}"
        )
    explorer = entry.text("explorer_tx", network.explorer_tx)
    if explorer and (not explorer.startswith("https://") or "{txid}" not in explorer):
        raise entry.error(f"`explorer_tx` {explorer!r} must be an https:// URL with {{txid}}")
    genesis = entry.text("genesis", network.genesis).lower().removeprefix("0x")
    if genesis and not _HEX_ID.fullmatch(genesis):
        raise entry.error(f"`genesis` {genesis!r} is not a block id (64 hexadecimal digits)")
    return replace(
        network,
        rpc_url=entry.text("rpc_url", network.rpc_url),
        confirmations=confirmations,
        min_confirmations=minimum,
        confirmation_tiers=tuple((limit, count) for limit, count in sorted(tiers)),
        tokens=tuple(tokens),
        block_seconds=entry.integer("block_seconds", network.block_seconds, 1, 86_400),
        reorg_depth=entry.integer("reorg_depth", network.reorg_depth, 0, 10_000),
        explorer_tx=explorer,
        genesis=genesis,
        options={k: v for k, v in entry.entry.items() if k not in _SETTINGS | _DEFINITION},
    )


def _apply_config(networks: dict[str, Network], path: str) -> dict[str, Network]:
    try:
        with open(path, "rb") as fh:
            config = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ImproperlyConfigured(f"CHAINS_CONFIG {path!r} cannot be read: {exc}") from exc
    for code, table in config.get("networks", {}).items():
        entry = _Entry(code, table if isinstance(table, dict) else {})
        if code in networks:
            if given := sorted(_DEFINITION & set(entry.entry)):
                raise entry.error(
                    f"{code!r} is a built-in network; {', '.join(given)} cannot be changed "
                    "(define a network of another code instead)"
                )
            network = networks[code]
        elif "kind" in entry.entry:
            network = _defined(entry)
        else:
            raise ImproperlyConfigured(
                f"CHAINS_CONFIG names an unknown network {code!r}; to define one, give its "
                f"`kind` ({', '.join(DEFINABLE_KINDS)}), `name`, `native` and its identity "
                "(README, Networks)"
            )
        networks[code] = _configured(network, entry)
    return networks


@lru_cache(maxsize=1)
def _load(config_path: str) -> dict[str, Network]:
    networks = {network.code: network for network in (*_BUILTIN, *_EVM_L2S, *_PUBLIC_TESTNETS)}
    if config_path:
        networks = _apply_config(networks, config_path)
    return networks


def all_networks() -> dict[str, Network]:
    return _load(settings.CHAINS_CONFIG)


def get_network(code: str) -> Network | None:
    """The network of a code from outside (a request, a form): None when there is none."""
    return all_networks().get(code)


def network(code: str) -> Network:
    """The network of a code the gateway itself stored or configured (an asset's, a quote's):
    an unknown one is a removed chain or a bug, so it raises KeyError rather than
    returning None for every caller to check."""
    return all_networks()[code]


def asset(network_code: str, code: str) -> Asset:
    """The asset of a network and code the gateway itself stored (a quote's): KeyError for
    an unknown one, like `network`."""
    found = network(network_code).asset(code)
    if found is None:
        raise KeyError(f"{network_code} has no asset {code}")
    return found


def find_assets(code: str) -> list[Asset]:
    """Every asset with this code, across the configured networks."""
    return [asset for network in all_networks().values() if (asset := network.asset(code))]


def is_crypto(code: str) -> bool:
    return any(network.asset(code) for network in all_networks().values())
