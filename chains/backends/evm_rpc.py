"""EVM JSON-RPC backend: Ethereum and its kin (BSC, Polygon, a local anvil).

A block yields two kinds of transfers:
- native coin: every successful transaction with a value and a recipient (index 0). A
  failed transaction keeps its `value` in the block but moves nothing, so the receipts of
  value-carrying transactions are read (batched) and status 0 ones dropped. Coin moved by
  contract code (internal transactions) is not seen: that would need tracing APIs.
- tokens: `Transfer(address,address,uint256)` logs of the registry's token contracts, from
  eth_getLogs (reverted calls leave no logs). Their index is logIndex + 1, so it can never
  meet the native transfer's 0 in the same transaction.
Addresses are returned EIP-55 checksummed, txids as lowercase 0x-hex.
"""

from __future__ import annotations

from Crypto.Hash import keccak  # pycryptodome, which bip-utils already depends on

from chains.backends.base import Block, BlockRef, ChainBackend, Transfer
from chains.backends.jsonrpc import JSONRPCClient, RPCError
from chains.registry import Asset, Network

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
NATIVE_TRANSFER_GAS = 21_000
TOKEN_TRANSFER_GAS = 65_000  # a transfer() to an address that already holds the token: ~35-55k
MAX_LOG_RANGE = 100  # blocks per eth_getLogs: providers refuse or truncate wide ranges


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def to_checksum_address(address: str) -> str:
    """EIP-55: a hex digit is upper case when the keccak of the lowercase address has a
    nibble ≥ 8 at its position."""
    digits = address.lower().removeprefix("0x")
    if len(digits) != 40 or any(c not in "0123456789abcdef" for c in digits):
        raise ValueError(f"not an EVM address: {address!r}")
    digest = keccak256(digits.encode()).hex()[:40]
    pairs = zip(digits, digest, strict=True)
    return "0x" + "".join(c.upper() if h in "89abcdef" else c for c, h in pairs)


class EVMRPCBackend(ChainBackend):
    def __init__(self, network: Network):
        super().__init__(network)
        self.rpc = JSONRPCClient(network.rpc_url)
        self.tokens = {asset.contract.lower(): asset for asset in network.tokens}

    def tip(self) -> BlockRef:
        head = self.rpc.call("eth_getBlockByNumber", "latest", False)
        return BlockRef(int(head["number"], 16), head["hash"])

    def block_hash(self, height: int) -> str | None:
        header = self.rpc.call("eth_getBlockByNumber", hex(height), False)
        return header["hash"] if header else None

    def block(self, height: int) -> Block:
        data = self.rpc.call("eth_getBlockByNumber", hex(height), True)
        if data is None:
            raise LookupError(f"{self.network.code}: no block at height {height}")
        # Logs by block hash: the same block even if a reorg replaced it meanwhile.
        return self._assemble([data], {"blockHash": data["hash"]})[0]

    def blocks(self, start: int, stop: int) -> list[Block]:
        """Up to MAX_LOG_RANGE blocks per round: one batch for the blocks, one for their
        logs (a single eth_getLogs over the range) and receipts."""
        result = []
        for first in range(start, stop + 1, MAX_LOG_RANGE):
            last = min(first + MAX_LOG_RANGE - 1, stop)
            heights = range(first, last + 1)
            datas = self.rpc.batch(("eth_getBlockByNumber", (hex(h), True)) for h in heights)
            if None in datas:
                raise LookupError(f"{self.network.code}: no block in {first}..{last}")
            try:
                result += self._assemble(datas, {"fromBlock": hex(first), "toBlock": hex(last)})
            except _Reorged:  # logs by number came from another branch: fetch by hash
                result += [self.block(height) for height in heights]
        return result

    def mempool(self) -> list[Transfer]:
        """Pending native transfers, from `txpool_content` (geth, anvil…); nodes and
        providers without it give none. Pending token transfers are left out: their index
        (the log index) is only known once mined."""
        try:
            pool = self.rpc.call("txpool_content")
        except RPCError:
            return []
        return [
            transfer
            for by_nonce in pool.get("pending", {}).values()
            for tx in by_nonce.values()
            if (transfer := self._native(tx, None, None))
        ]

    def fee_estimate(self) -> int:
        return self.fee_estimate_for(self.network.assets[0])

    def fee_estimate_for(self, asset: Asset) -> int:
        """What sending `asset` costs, in wei of the native coin: the node's gas price (base
        fee plus a suggested tip) times the gas of a plain or a token transfer."""
        gas = NATIVE_TRANSFER_GAS if asset.is_native else TOKEN_TRANSFER_GAS
        return gas * int(self.rpc.call("eth_gasPrice"), 16)

    def _assemble(self, datas: list[dict], log_filter: dict) -> list[Block]:
        """Blocks from full block objects: their token logs and the receipts of their
        value-carrying transactions come in one batch."""
        paying = [tx["hash"] for data in datas for tx in data["transactions"]
                  if tx.get("to") and int(tx["value"], 16)]
        calls = [("eth_getTransactionReceipt", (txid,)) for txid in paying]
        if self.tokens:
            log_filter = {**log_filter, "address": list(self.tokens), "topics": [TRANSFER_TOPIC]}
            calls.append(("eth_getLogs", (log_filter,)))
        replies = self.rpc.batch(calls)
        logs = replies.pop() if self.tokens else []
        if None in replies:
            raise RPCError("eth_getTransactionReceipt", None, "receipt not available yet")
        failed = {r["transactionHash"] for r in replies if r.get("status") == "0x0"}

        logs_of: dict[str, list[dict]] = {data["hash"]: [] for data in datas}
        for log in logs:
            if log["blockHash"] not in logs_of:
                raise _Reorged
            logs_of[log["blockHash"]].append(log)
        blocks = []
        for data in datas:
            height, block_hash = int(data["number"], 16), data["hash"]
            txs = data["transactions"]
            order = {tx["hash"].lower(): position for position, tx in enumerate(txs)}
            transfers = [
                transfer
                for tx in txs
                if tx["hash"] not in failed and (transfer := self._native(tx, height, block_hash))
            ]
            transfers += [
                transfer
                for log in logs_of[block_hash]
                if (transfer := self._token(log, height, block_hash))
            ]
            transfers.sort(key=lambda t: (order[t.txid], t.index))
            blocks.append(Block(height, block_hash, data["parentHash"], tuple(transfers)))
        return blocks

    def _native(self, tx: dict, height: int | None, block_hash: str | None) -> Transfer | None:
        value = int(tx["value"], 16)
        if not value or not tx.get("to"):  # no coin moved, or a contract creation
            return None
        return Transfer(
            network=self.network.code,
            txid=tx["hash"].lower(),
            index=0,
            to_address=to_checksum_address(tx["to"]),
            asset=self.network.native,
            amount=value,
            from_addresses=(to_checksum_address(tx["from"]),),
            block_height=height,
            block_hash=block_hash,
        )

    def _token(self, log: dict, height: int, block_hash: str) -> Transfer | None:
        topics, data = log["topics"], log["data"]
        # ERC-721 shares the event signature with a 4th indexed topic: not a token amount.
        if log.get("removed") or len(topics) != 3 or len(data) != 66:
            return None
        return Transfer(
            network=self.network.code,
            txid=log["transactionHash"].lower(),
            index=int(log["logIndex"], 16) + 1,
            to_address=to_checksum_address(topics[2][-40:]),
            asset=self.tokens[log["address"].lower()].code,
            amount=int(data, 16),
            from_addresses=(to_checksum_address(topics[1][-40:]),),
            block_height=height,
            block_hash=block_hash,
        )


class _Reorged(Exception):
    """Logs fetched by block number belong to blocks other than the ones fetched."""
