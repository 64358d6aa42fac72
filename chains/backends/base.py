"""The interface every chain backend implements.

A backend only observes: it reports blocks (height, hash, parent) with every transfer they
contain, the transfers waiting in the mempool, and a fee estimate. It knows nothing of
invoices; the scanner decides which transfers matter by looking their receiving addresses
up in one batch.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from chains.registry import Network


@dataclass(frozen=True)
class BlockRef:
    height: int
    hash: str


@dataclass(frozen=True)
class Transfer:
    """One payment into one address: a transaction output, a native EVM transfer or a token
    Transfer log. `index` tells apart several transfers of one transaction (vout, or the log
    index); (network, txid, index) identifies a transfer for good."""

    network: str
    txid: str
    index: int
    to_address: str
    asset: str
    amount: int  # base units of `asset`
    from_addresses: tuple[str, ...] = ()
    block_height: int | None = None  # None while in the mempool
    block_hash: str | None = None


@dataclass(frozen=True)
class Block:
    height: int
    hash: str
    parent_hash: str
    transfers: tuple[Transfer, ...]


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
    def block(self, height: int) -> Block:
        """The block at `height` in the best chain with every transfer it carries."""

    @abc.abstractmethod
    def mempool(self) -> list[Transfer]:
        """Transfers seen but not yet in a block."""

    @abc.abstractmethod
    def fee_estimate(self) -> int:
        """What a typical payment costs its sender now, in base units of the native coin."""

    def blocks(self, start: int, stop: int) -> list[Block]:
        """Blocks start..stop inclusive; backends that can batch override this."""
        return [self.block(height) for height in range(start, stop + 1)]
