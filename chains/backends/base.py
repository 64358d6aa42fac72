"""The interface every chain backend implements.

A backend only observes: it reports blocks (height, hash, parent, timestamp) with the
transfers they carry to watched addresses, the transfers to watched addresses waiting in the
mempool, and fee estimates. It knows nothing of invoices: the scanner hands it a `watched`
lookup, and the backend matches outputs, logs and transfers against it *first*, then fetches
what only matches need (senders, receipts), so a block's cost does not grow with the number
of transactions that pay nobody we watch.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chains.registry import Asset, Network


def unix_time(seconds: int | None) -> datetime | None:
    """A node's Unix timestamp (block time, mempool first-seen) as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


# Which of these addresses are watched (one batched lookup, whatever the number of invoices).
WatchedLookup = Callable[[set[str]], set[str]]


@dataclass(frozen=True)
class BlockRef:
    height: int
    hash: str
    # With a tip: the highest block the node calls final (TRON's solidified block), when
    # payments wait for it as well as for their depth; None when depth alone decides.
    final_height: int | None = None


@dataclass(frozen=True)
class Transfer:
    """One payment into one address: a transaction output, a native EVM transfer (top-level or
    moved by a contract), or a token Transfer log. `index` tells apart several transfers of
    one transaction (vout, or the log index); (network, txid, index) identifies a transfer
    for good."""

    network: str
    txid: str
    index: int
    to_address: str
    asset: str
    amount: int  # base units of `asset`
    from_addresses: tuple[str, ...] = ()
    block_height: int | None = None  # None while in the mempool
    block_hash: str | None = None
    # When the chain says it was paid: the node's mempool first-seen time, or its block's
    # timestamp. None when the node does not say (the gateway then uses when it saw it).
    time: datetime | None = None


@dataclass(frozen=True)
class Block:
    height: int
    hash: str
    parent_hash: str
    transfers: tuple[Transfer, ...]  # to watched addresses only
    time: datetime | None = None  # the block's timestamp (UTC)


@dataclass(frozen=True)
class Mempool:
    transfers: tuple[Transfer, ...] = ()  # to watched addresses only
    # Every txid in the node's mempool now; None when the node has no mempool API (most
    # hosted EVM endpoints): then absence from the mempool proves nothing.
    txids: frozenset[str] | None = None


@dataclass(frozen=True)
class Capabilities:
    """What the node can and cannot show; the scanner records the notices in the network's
    health (admin, dashboard network notice)."""

    notices: tuple[str, ...] = field(default=())


class ChainBackend(abc.ABC):
    """Reads one network. Implementations batch their requests: a block is one or a few
    round trips whatever the number of watched addresses."""

    def __init__(self, network: Network):
        self.network = network

    @abc.abstractmethod
    def tip(self) -> BlockRef:
        """The best block now."""

    @abc.abstractmethod
    def block_hash(self, height: int) -> str | None:
        """The hash of the block at `height` in the best chain, None above the tip."""

    @abc.abstractmethod
    def blocks(self, start: int, stop: int, watched: WatchedLookup) -> list[Block]:
        """Blocks start..stop inclusive of the best chain, each with its transfers to
        watched addresses."""

    @abc.abstractmethod
    def mempool(self, watched: WatchedLookup) -> Mempool:
        """Transfers to watched addresses seen but not yet in a block, and every txid."""

    @abc.abstractmethod
    def fee_estimate(self) -> int:
        """What a typical payment of the native coin costs its sender now, in base units of
        the native coin."""

    def fee_estimate_for(self, asset: Asset) -> int:
        """What sending `asset` costs, in base units of the native coin (tokens cost more
        on account chains: backends that know override this)."""
        return self.fee_estimate()

    def capabilities(self) -> Capabilities:
        return Capabilities()

    def close(self) -> None:  # noqa: B027 (optional: a backend without connections has none)
        """Release connections (process end, between tests)."""
