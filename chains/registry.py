"""Networks and assets: decimals, token contracts, confirmations, explorers.

The built-in table below describes every network the gateway knows. `CHAINS_CONFIG`
(a TOML file, format in API.md) switches networks on by giving them an `rpc_url`, and may
change confirmations or add tokens. A network without an `rpc_url` is off; the sandbox is
on when `SANDBOX=1`.
"""

from __future__ import annotations

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
        tokens=(
            Asset("ETH", "sandbox", 18, "sandbox:ETH"),
            Asset("USDT", "sandbox", 6, "sandbox:USDT"),
        ),
    ),
)


def _apply_config(networks: dict[str, Network], path: str) -> dict[str, Network]:
    try:
        with open(path, "rb") as fh:
            config = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ImproperlyConfigured(f"CHAINS_CONFIG {path!r} cannot be read: {exc}") from exc
    for code, entry in config.get("networks", {}).items():
        if code not in networks:
            raise ImproperlyConfigured(f"CHAINS_CONFIG names an unknown network {code!r}")
        network = networks[code]
        tokens = list(network.tokens)
        for token in entry.get("tokens", []):
            contract = token["contract"]
            if network.kind == "tron":  # stored as T…, whichever spelling the file uses
                try:
                    contract = tron_addresses.to_base58(contract)
                except tron_addresses.NotATronAddress as exc:
                    raise ImproperlyConfigured(f"CHAINS_CONFIG [networks.{code}]: {exc}") from exc
            asset = Asset(token["symbol"].upper(), code, int(token["decimals"]), contract)
            tokens = [t for t in tokens if t.code != asset.code] + [asset]
        confirmations = int(entry.get("confirmations", network.confirmations))
        networks[code] = replace(
            network,
            rpc_url=entry.get("rpc_url", network.rpc_url),
            confirmations=confirmations,
            min_confirmations=min(network.min_confirmations, confirmations),
            tokens=tuple(tokens),
            block_seconds=int(entry.get("block_seconds", network.block_seconds)),
            genesis=str(entry.get("genesis", network.genesis)).lower().removeprefix("0x"),
            reorg_depth=int(entry.get("reorg_depth", network.reorg_depth)),
            options={
                k: v
                for k, v in entry.items()
                if k
                not in {
                    "rpc_url",
                    "confirmations",
                    "tokens",
                    "block_seconds",
                    "reorg_depth",
                    "genesis",
                }
            },
        )
    return networks


@lru_cache(maxsize=1)
def _load(config_path: str) -> dict[str, Network]:
    networks = {network.code: network for network in _BUILTIN}
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
