"""Bitcoin Core JSON-RPC backend: Bitcoin, Litecoin and their test networks.

Every output paying a watched address becomes a Transfer (index = vout n). Amounts are
converted to satoshi from the exact decimal text of the response, never through a float.

Match first, fetch after: a block (getblock verbosity 3) or the mempool's new transactions
are decoded, all their output addresses go to the `watched` lookup in one call, and only the
transactions that pay a watched address cost anything more. Sender addresses come from the
spent outputs: Bitcoin Core ≥ 23 puts them in the block itself (`prevout` with getblock
verbosity 3, getrawtransaction verbosity 2 since 25); older nodes (Litecoin Core 0.21) ignore
the higher verbosity, so the funding transactions of the *matching* transactions are fetched
in one batched call, which needs `-txindex` for confirmed ones. Without it, and without
`prevout`, `from_addresses` stays empty.

Times: a mined transfer carries its block's `time`; a mempool transfer the node's first-seen
`time` from getmempoolentry, asked only for matching transactions, once each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from chains.backends.base import (
    Block,
    BlockRef,
    ChainBackend,
    Mempool,
    Transfer,
    WatchedLookup,
    unix_time,
)
from chains.backends.jsonrpc import JSONRPCClient, RPCError
from chains.registry import Network

HEIGHT_OUT_OF_RANGE = -8  # Bitcoin Core's RPC_INVALID_PARAMETER for getblockhash


def to_satoshi(value: Decimal) -> int:
    """Coins (a JSON number parsed as Decimal) to satoshi, refusing anything inexact."""
    satoshi = value * 10**8
    if satoshi != satoshi.to_integral_value():
        raise ValueError(f"{value} is not a whole number of satoshi")
    return int(satoshi)


def output_address(output: dict) -> str | None:
    """The one address an output pays: `address` (Core ≥ 22) or a one-item `addresses` list
    (≤ 0.21). Bare multisig, nulldata and unknown scripts pay no single address."""
    script = output.get("scriptPubKey", {})
    if script.get("type") in ("nulldata", "multisig"):
        return None
    if "address" in script:
        return script["address"]
    addresses = script.get("addresses") or []
    return addresses[0] if len(addresses) == 1 else None


@dataclass(frozen=True)
class _Tx:
    """What matching and senders need of a decoded transaction, without the rest of the
    node's JSON (a mempool cache holds thousands)."""

    txid: str
    outputs: tuple[tuple[int, str, Decimal], ...]  # (vout n, address, value in coins)
    # Per input: the spent address (from `prevout`), or (funding txid, vout) to look up.
    # Coinbase inputs and spent scripts without one address are left out.
    inputs: tuple[str | tuple[str, int], ...]

    @classmethod
    def decode(cls, tx: dict) -> _Tx:
        inputs: list[str | tuple[str, int]] = []
        for vin in tx["vin"]:
            if "prevout" in vin:
                if address := output_address(vin["prevout"]):
                    inputs.append(address)
            elif "txid" in vin:
                inputs.append((vin["txid"], vin["vout"]))
        outputs = tuple(
            (output["n"], address, output["value"])
            for output in tx["vout"]
            if (address := output_address(output))
        )
        return cls(tx["txid"], outputs, tuple(inputs))


class BitcoinRPCBackend(ChainBackend):
    # What a 1-input, 2-output P2WPKH payment weighs: the size `fee_estimate` prices.
    TYPICAL_VSIZE = 141
    FEE_TARGET_BLOCKS = 6
    # Coins per 1000 vB when the node cannot estimate (regtest, a freshly started node): the
    # same figure as the `-fallbackfee=0.0001` our nodes run with. Override with the network
    # option `fallback_fee_rate` in CHAINS_CONFIG.
    FALLBACK_FEE_RATE = Decimal("0.0001")

    def __init__(self, network: Network):
        super().__init__(network)
        self.rpc = JSONRPCClient(network.rpc_url)
        # The mempool as learnt by earlier polls: a poll decodes only the newcomers, and
        # asks senders and first-seen times only once per matching transaction.
        self._mempool: dict[str, _Tx] = {}
        self._mempool_senders: dict[str, tuple[str, ...]] = {}
        self._mempool_times: dict[str, datetime | None] = {}

    def tip(self) -> BlockRef:
        # The header of the best hash gives its height: consistent even if a block arrives
        # between two calls, unlike getblockcount + getbestblockhash.
        best = self.rpc.call("getbestblockhash")
        return BlockRef(self.rpc.call("getblockheader", best)["height"], best)

    def block_hash(self, height: int) -> str | None:
        try:
            return self.rpc.call("getblockhash", height)
        except RPCError as exc:
            if exc.code == HEIGHT_OUT_OF_RANGE:
                return None
            raise

    def blocks(self, start: int, stop: int, watched: WatchedLookup) -> list[Block]:
        """One batch for the hashes, one getblock per block (decoded, then its JSON is let
        go), one lookup of all their output addresses, one batch for the funding
        transactions of the matching ones (only on nodes without `prevout`)."""
        heights = range(start, stop + 1)
        hashes = self.rpc.batch((("getblockhash", (h,)) for h in heights), errors=True)
        for height, block_hash in zip(heights, hashes, strict=True):
            if isinstance(block_hash, RPCError):
                if block_hash.code == HEIGHT_OUT_OF_RANGE:
                    raise LookupError(f"{self.network.code}: no block at height {height}")
                raise block_hash
        headers, txs_of = [], []
        for block_hash in hashes:
            data = self.rpc.call("getblock", block_hash, 3)
            # The genesis block has no previousblockhash.
            headers.append(
                (
                    data["height"],
                    block_hash,
                    data.get("previousblockhash", "0" * 64),
                    unix_time(data["time"]),
                )
            )
            txs_of.append([_Tx.decode(tx) for tx in data["tx"]])
        every = {tx.txid: tx for txs in txs_of for tx in txs}
        hits = _lookup(watched, every.values())
        matched = [tx for tx in every.values() if _pays(tx, hits)]
        senders = self._senders(matched, every)
        return [
            Block(
                height,
                block_hash,
                parent,
                tuple(
                    transfer
                    for tx in txs
                    if tx.txid in senders
                    for transfer in self._transfers(
                        tx, hits, senders[tx.txid], time, height=height, block_hash=block_hash
                    )
                ),
                time=time,
            )
            for (height, block_hash, parent, time), txs in zip(headers, txs_of, strict=True)
        ]

    def mempool(self, watched: WatchedLookup) -> Mempool:
        """The node's txids (getrawmempool), newcomers decoded in one batch, all outputs
        matched in one lookup; senders and first-seen times fetched for new matches only."""
        txids = self.rpc.call("getrawmempool")
        new = [txid for txid in txids if txid not in self._mempool]
        fetched = self.rpc.batch((("getrawtransaction", (txid, 2)) for txid in new), errors=True)
        self._mempool = {txid: self._mempool[txid] for txid in txids if txid in self._mempool}
        # A transaction that left the mempool meanwhile fails its lookup: skip it.
        self._mempool.update(
            {tx["txid"]: _Tx.decode(tx) for tx in fetched if not isinstance(tx, RPCError)}
        )
        self._mempool_senders = {
            txid: senders
            for txid, senders in self._mempool_senders.items()
            if txid in self._mempool
        }
        self._mempool_times = {
            txid: time for txid, time in self._mempool_times.items() if txid in self._mempool
        }
        hits = _lookup(watched, self._mempool.values())
        matched = [tx for tx in self._mempool.values() if _pays(tx, hits)]
        unknown = [tx for tx in matched if tx.txid not in self._mempool_times]
        senders = self._senders(unknown, self._mempool)
        entries = self.rpc.batch((("getmempoolentry", (tx.txid,)) for tx in unknown), errors=True)
        self._mempool_senders.update(senders)  # both learnt, or neither (a failed call)
        self._mempool_times.update(
            {  # mined meanwhile: the time stays unknown
                tx.txid: None if isinstance(entry, RPCError) else unix_time(entry.get("time"))
                for tx, entry in zip(unknown, entries, strict=True)
            }
        )
        transfers = tuple(
            transfer
            for tx in matched
            for transfer in self._transfers(
                tx, hits, self._mempool_senders[tx.txid], self._mempool_times[tx.txid]
            )
        )
        return Mempool(transfers, frozenset(txids))

    def fee_estimate(self) -> int:
        estimate = self.rpc.call("estimatesmartfee", self.FEE_TARGET_BLOCKS)
        rate = estimate.get("feerate")  # coins per 1000 vB; absent with "errors" on regtest
        if rate is None:
            rate = Decimal(
                str(self.network.options.get("fallback_fee_rate", self.FALLBACK_FEE_RATE))
            )
        return math.ceil(rate * 10**self.network.native_decimals * self.TYPICAL_VSIZE / 1000)

    def close(self) -> None:
        self.rpc.close()

    def _senders(self, txs: list[_Tx], siblings: dict[str, _Tx]) -> dict[str, tuple[str, ...]]:
        """txid -> addresses its inputs spend from, in input order without repeats. Inputs
        without `prevout` are resolved from `siblings` (the same block or mempool) when they
        fund each other, else from their funding transactions fetched in one batch."""
        missing = sorted(
            {
                ref[0]
                for tx in txs
                for ref in tx.inputs
                if isinstance(ref, tuple) and ref[0] not in siblings
            }
        )
        # Without -txindex, confirmed funding transactions fail: their senders stay unknown.
        fetched = self.rpc.batch(
            (("getrawtransaction", (txid, True)) for txid in missing), errors=True
        )
        funding = {
            txid: {output["n"]: output_address(output) for output in tx["vout"]}
            for txid, tx in zip(missing, fetched, strict=True)
            if not isinstance(tx, RPCError)
        }

        def spent(ref: str | tuple[str, int]) -> str | None:
            if isinstance(ref, str):
                return ref
            txid, n = ref
            if txid in siblings:
                return next((a for m, a, _ in siblings[txid].outputs if m == n), None)
            return funding.get(txid, {}).get(n)

        senders = {}
        for tx in txs:
            addresses = []
            for ref in tx.inputs:
                address = spent(ref)
                if address and address not in addresses:
                    addresses.append(address)
            senders[tx.txid] = tuple(addresses)
        return senders

    def _transfers(
        self,
        tx: _Tx,
        hits: set[str],
        senders: tuple[str, ...],
        time: datetime | None,
        *,
        height: int | None = None,
        block_hash: str | None = None,
    ) -> tuple[Transfer, ...]:
        return tuple(
            Transfer(
                network=self.network.code,
                txid=tx.txid,
                index=n,
                to_address=address,
                asset=self.network.native,
                amount=to_satoshi(value),
                from_addresses=senders,
                block_height=height,
                block_hash=block_hash,
                time=time,
            )
            for n, address, value in tx.outputs
            if address in hits
        )


def _lookup(watched: WatchedLookup, txs) -> set[str]:
    """The watched addresses among the outputs of `txs`: one lookup, none when empty."""
    addresses = {address for tx in txs for _, address, _ in tx.outputs}
    return watched(addresses) if addresses else set()


def _pays(tx: _Tx, hits: set[str]) -> bool:
    return any(address in hits for _, address, _ in tx.outputs)
