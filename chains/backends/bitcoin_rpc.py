"""Bitcoin Core JSON-RPC backend: Bitcoin, Litecoin and their test networks.

Every output paying an address becomes a Transfer (index = vout n). Amounts are converted to
satoshi from the exact decimal text of the response, never through a float. Sender addresses
come from the spent outputs: Bitcoin Core ≥ 23 puts them in the block itself (`prevout` with
getblock verbosity 3, getrawtransaction verbosity 2 since 25); older nodes (Litecoin Core
0.21) ignore the higher verbosity, so the funding transactions are fetched in one batched call
per block, which needs `-txindex` for confirmed ones. Without it, and without `prevout`,
`from_addresses` stays empty.
"""

from __future__ import annotations

import math
from decimal import Decimal

from chains.backends.base import Block, BlockRef, ChainBackend, Transfer
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
        self._mempool: dict[str, tuple[Transfer, ...]] = {}  # txid -> its transfers

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

    def block(self, height: int) -> Block:
        return self.blocks(height, height)[0]

    def blocks(self, start: int, stop: int) -> list[Block]:
        heights = range(start, stop + 1)
        hashes = self.rpc.batch((("getblockhash", (h,)) for h in heights), errors=True)
        for height, block_hash in zip(heights, hashes, strict=True):
            if isinstance(block_hash, RPCError):
                if block_hash.code == HEIGHT_OUT_OF_RANGE:
                    raise LookupError(f"{self.network.code}: no block at height {height}")
                raise block_hash
        return [self._block(block_hash) for block_hash in hashes]

    def mempool(self) -> list[Transfer]:
        """Transfers of unconfirmed transactions. Transactions already decoded by an earlier
        call are kept, so a poll fetches only the newcomers."""
        txids = self.rpc.call("getrawmempool")
        new = [txid for txid in txids if txid not in self._mempool]
        fetched = self.rpc.batch((("getrawtransaction", (txid, 2)) for txid in new), errors=True)
        # A transaction that left the mempool meanwhile fails its lookup: skip it.
        txs = [tx for tx in fetched if not isinstance(tx, RPCError)]
        senders = self._senders(txs)
        self._mempool = {txid: self._mempool[txid] for txid in txids if txid in self._mempool}
        for tx in txs:
            self._mempool[tx["txid"]] = self._transfers(tx, senders)
        return [transfer for transfers in self._mempool.values() for transfer in transfers]

    def fee_estimate(self) -> int:
        estimate = self.rpc.call("estimatesmartfee", self.FEE_TARGET_BLOCKS)
        rate = estimate.get("feerate")  # coins per 1000 vB; absent with "errors" on regtest
        if rate is None:
            rate = Decimal(str(self.network.options.get("fallback_fee_rate",
                                                        self.FALLBACK_FEE_RATE)))
        return math.ceil(rate * 10**self.network.native_decimals * self.TYPICAL_VSIZE / 1000)

    def _block(self, block_hash: str) -> Block:
        data = self.rpc.call("getblock", block_hash, 3)
        height, txs = data["height"], data["tx"]
        senders = self._senders(txs)
        transfers = tuple(
            transfer
            for tx in txs
            for transfer in self._transfers(tx, senders, height=height, block_hash=block_hash)
        )
        # The genesis block has no previousblockhash.
        return Block(height, block_hash, data.get("previousblockhash", "0" * 64), transfers)

    def _senders(self, txs: list[dict]) -> dict[str, tuple[str, ...]]:
        """txid -> addresses its inputs spend from, in input order without repeats. Inputs
        without `prevout` are resolved from the same transactions when they fund each other,
        else from their funding transactions fetched in one batch."""
        known = {tx["txid"]: tx for tx in txs}
        missing = sorted({
            vin["txid"]
            for tx in txs
            for vin in tx["vin"]
            if "txid" in vin and "prevout" not in vin and vin["txid"] not in known
        })
        # Without -txindex, confirmed funding transactions fail: their senders stay unknown.
        fetched = self.rpc.batch((("getrawtransaction", (txid, True)) for txid in missing),
                                 errors=True)
        known.update({txid: tx for txid, tx in zip(missing, fetched, strict=True)
                      if not isinstance(tx, RPCError)})
        senders = {}
        for tx in txs:
            addresses = []
            for vin in tx["vin"]:
                if "prevout" in vin:
                    spent = vin["prevout"]
                elif vin.get("txid") in known:
                    spent = known[vin["txid"]]["vout"][vin["vout"]]
                else:  # coinbase, or a funding transaction the node cannot show
                    continue
                address = output_address(spent)
                if address and address not in addresses:
                    addresses.append(address)
            senders[tx["txid"]] = tuple(addresses)
        return senders

    def _transfers(
        self, tx: dict, senders: dict[str, tuple[str, ...]], *,
        height: int | None = None, block_hash: str | None = None,
    ) -> tuple[Transfer, ...]:
        return tuple(
            Transfer(
                network=self.network.code,
                txid=tx["txid"],
                index=output["n"],
                to_address=address,
                asset=self.network.native,
                amount=to_satoshi(output["value"]),
                from_addresses=senders.get(tx["txid"], ()),
                block_height=height,
                block_hash=block_hash,
            )
            for output in tx["vout"]
            if (address := output_address(output))
        )
