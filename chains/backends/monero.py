"""Monero backend: the operator's `monero-wallet-rpc` (and its `monerod`) read with each
merchant's primary address and private view key, never a spend key.

Why the wallet RPC rather than scanning blocks with the view key here: a Monero output names
no address. Finding one's outputs means, for every output of every transaction, an Ed25519
key derivation with each watched view key, then decrypting the RingCT amount — thousands of
curve operations per block per merchant, which the wallet does in C++ with its subaddress
table, its reorganisation handling and its pool tracking. The gateway only asks it for
incoming transfers (`get_transfers`, `in` and `pool`), already matched to subaddresses with
exact piconero amounts.

One wallet RPC can serve every merchant: it holds one wallet open at a time, so a merchant's
view-only wallet (made once by `generate_from_keys`, as `watch-<hash of the address>` in the
RPC's wallet dir) is opened in turn. A pass with one merchant costs 7 calls whatever the
number of open invoices (measured with 10 and 1,000: tests/test_chain_monero.py): the pool
read (`refresh`, `get_transfers`, the daemon's pool hashes), the tip, the block read (block
headers, `refresh`, `get_transfers`); each further merchant adds an `open_wallet`, a
`refresh` and a `get_transfers` per read. Opening is what costs: the wallet file's key is
derived with CryptoNight's slow hash and the wallet is refreshed, about 10 s per open on
the shared 2-core test machine (a pass over 2 merchants took 18 to 44 s, over 1 merchant kept open
0.02 s). So an operator runs one wallet RPC per merchant, or a few per RPC at a long scan
interval. A new backend (a restarted scanner) first asks which wallet the RPC has open
(`get_address`) and keeps it when it is the merchant's, rather than paying a reopen.

Subaddresses: an invoice's subaddress is account 0, minor index `next_index` of the
merchant's wallet, derived by the gateway (chains/monero_keys.py) as the HD index is today;
the backend keeps the view-only wallet's subaddress table at least that long
(`create_address`), so its outputs are recognised. A Transfer's `index` is a stable number
from the subaddress (a transaction may pay several merchants' subaddresses of equal index).
Pool entries marked `double_spend_seen` are left out: the payment reverts as one that left
the mempool does.

Unlock time: every output is spendable 10 blocks after its block (the default confirmations
wait for that), but a sender may lock one longer with the transaction's `unlock_time` (a
height, or from 500,000,000 on a Unix time). Such a payment is refused, not counted later:
the backend leaves out any transfer locked beyond the standard 10 blocks, and logs its txid
(a warning, never a key), so it never completes an invoice with money the merchant cannot
spend; the merchant sees it in their own wallet and settles with the payer. Standard wallets
always send unlock_time 0, and the protocol is dropping the field.

Restore height: a new view-only wallet scans from the height the merchant's wallet was set
at (estimated from when it was set and the network's block time), less a day of blocks
(`RESTORE_MARGIN`) for the estimate's error; never from genesis on mainnet (hours of
scanning), and never after a payment to an invoice of that wallet, even when the scanner
first runs days later.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from chains.backends.base import (
    Block,
    BlockRef,
    ChainBackend,
    Mempool,
    Transfer,
    WatchedLookup,
    unix_time,
)
from chains.backends.jsonrpc import RPCError
from chains.backends.monero_rpc import MoneroRPC
from chains.registry import Network

logger = logging.getLogger(__name__)

TYPICAL_TX_BYTES = 1500  # a 2-input, 2-output RingCT transaction with Bulletproofs+
RESTORE_MARGIN = 720  # a new watch wallet scans from a day (720 blocks) before it was set
STANDARD_LOCK = 10  # blocks every output waits before it can be spent
UNLOCK_TIME_IS_TIMESTAMP = 500_000_000  # Monero's CRYPTONOTE_MAX_BLOCK_NUMBER


@dataclass(frozen=True)
class WatchWallet:
    """A merchant's primary address, private view key and the highest subaddress index
    invoices were given (they take minor indexes 1, 2, …)."""

    address: str
    view_key: str
    subaddresses: int
    set_at: datetime | None = None  # when the merchant set it: where a new watch wallet starts


WalletSource = Callable[[], Iterable[WatchWallet]]
_source: WalletSource = lambda: ()  # noqa: E731 (set by merchants' AppConfig.ready)


def watch_wallets(source: WalletSource) -> None:
    """Where the backend learns the merchants' wallets (the layer that stores them)."""
    global _source
    _source = source


def transfer_index(address: str) -> int:
    """A stable 31-bit number for a subaddress: the index of its Transfer in a transaction."""
    return int.from_bytes(hashlib.sha256(address.encode()).digest()[:4]) >> 1


class MoneroBackend(ChainBackend):
    def __init__(self, network: Network) -> None:
        super().__init__(network)
        self.wallet = MoneroRPC(network.rpc_url, timeout=120)
        self.daemon = MoneroRPC(network.options["daemon_url"])
        self._open: str | None = None  # the wallet file the RPC has open
        self._subaddresses: dict[str, int] = {}  # wallet file -> subaddresses it has

    def tip(self) -> BlockRef:
        header = self.daemon.call("get_last_block_header")["block_header"]
        return BlockRef(header["height"], header["hash"])

    def block_hash(self, height: int) -> str | None:
        try:
            header = self.daemon.call("get_block_header_by_height", height=height)
        except RPCError:  # above the tip
            return None
        return header["block_header"]["hash"]

    def blocks(self, start: int, stop: int, watched: WatchedLookup) -> list[Block]:
        headers = self.daemon.call("get_block_headers_range", start_height=start, end_height=stop)
        found: dict[int, list[Transfer]] = {}
        for entry in self._transfers(watched, "in", min_height=max(start - 1, 0), max_height=stop):
            found.setdefault(entry.block_height or 0, []).append(entry)
        return [
            Block(
                height=h["height"],
                hash=h["hash"],
                parent_hash=h["prev_hash"],
                transfers=tuple(
                    replace(t, block_hash=h["hash"]) for t in found.get(h["height"], ())
                ),
                time=unix_time(h["timestamp"]),
            )
            for h in headers["headers"]
        ]

    def mempool(self, watched: WatchedLookup) -> Mempool:
        transfers = tuple(self._transfers(watched, "pool"))
        answer = self.daemon.other("get_transaction_pool_hashes")
        return Mempool(transfers=transfers, txids=frozenset(answer.get("tx_hashes") or ()))

    def fee_estimate(self) -> int:
        per_byte = self.daemon.call("get_fee_estimate")["fee"]
        return math.ceil(per_byte * TYPICAL_TX_BYTES)

    def close(self) -> None:
        self.wallet.close()
        self.daemon.close()

    def _transfers(self, watched: WatchedLookup, kind: str, **heights: int) -> list[Transfer]:
        """Incoming transfers of `kind` ("in" within `heights`, or "pool") to watched
        subaddresses of every merchant's wallet."""
        entries: list[dict[str, Any]] = []
        for wallet in _source():
            self._use(wallet)
            self.wallet.call("refresh")
            answer = self.wallet.call(
                "get_transfers",
                **{kind: True},
                account_index=0,
                filter_by_height=bool(heights),
                **heights,
            )
            entries += answer.get(kind) or []
        entries = [e for e in entries if not e.get("double_spend_seen")]
        paid = watched({e["address"] for e in entries})
        entries = [e for e in entries if e["address"] in paid and not _locked(e)]
        return [
            Transfer(
                network=self.network.code,
                txid=e["txid"],
                index=transfer_index(e["address"]),
                to_address=e["address"],
                asset=self.network.native,
                amount=int(e["amount"]),
                block_height=e["height"] if kind == "in" else None,
                time=unix_time(e.get("timestamp")),
            )
            for e in entries
        ]

    def _open_address(self) -> str | None:
        """The primary address of the wallet the RPC has open, None when it has none."""
        try:
            return str(self.wallet.call("get_address", account_index=0)["address"])
        except RPCError:  # no wallet open
            return None

    def _use(self, wallet: WatchWallet) -> None:
        """Makes the merchant's view-only wallet the open one, made on first use, with at
        least as many subaddresses as invoices were given."""
        name = "watch-" + hashlib.sha256(wallet.address.encode()).hexdigest()[:16]
        if self._open is None and self._open_address() == wallet.address:
            self._open = name  # a new backend (a restart) finds it open: no 10 s reopen
        if self._open != name:
            try:
                self.wallet.call("open_wallet", filename=name, password="")
            except RPCError:  # not made yet
                restore = restore_height(self.tip().height, wallet.set_at, self.network)
                self.wallet.call(
                    "generate_from_keys",
                    filename=name,
                    address=wallet.address,
                    viewkey=wallet.view_key,
                    password="",
                    restore_height=restore,
                )
            self._open = name
        needed = wallet.subaddresses + 1  # minor indexes 0 (the primary address) … subaddresses
        if self._subaddresses.get(name, 0) < needed:
            have = len(self.wallet.call("get_address", account_index=0)["addresses"])
            if have < needed:
                self.wallet.call("create_address", account_index=0, count=needed - have)
            self._subaddresses[name] = max(have, needed)


def restore_height(tip: int, set_at: datetime | None, network: Network) -> int:
    """Where a new watch wallet starts scanning: the height the merchant's wallet was set at,
    estimated back from the tip with the network's block time, less `RESTORE_MARGIN`."""
    since = 0
    if set_at is not None:
        seconds = max((datetime.now(UTC) - set_at).total_seconds(), 0)
        since = int(seconds // max(network.block_seconds, 1))
    return max(tip - since - RESTORE_MARGIN, 0)


def _locked(entry: dict[str, Any]) -> bool:
    """Is this incoming transfer locked beyond the standard 10 blocks (a future
    `unlock_time`)? Such a payment is refused (module docstring), and said so in the log."""
    unlock = int(entry.get("unlock_time") or 0)
    height = int(entry.get("height") or 0)  # 0 in the pool: any lock is judged in its block
    locked = unlock != 0 and (
        not height or unlock >= UNLOCK_TIME_IS_TIMESTAMP or unlock > height + STANDARD_LOCK
    )
    if locked:
        _say_locked(entry["txid"], unlock)
    return locked


@lru_cache(maxsize=1024)
def _say_locked(txid: str, unlock: int) -> None:
    """Logs a refused locked transfer once per process, not on every pass that reads it
    again (the pool's on each pass until it is mined)."""
    logger.warning(
        "monero: transfer %s is locked until %s (unlock_time): not counted", txid, unlock
    )
