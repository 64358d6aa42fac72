"""EVM JSON-RPC backend: Ethereum and its kin (BSC, Polygon, a local anvil).

A block yields three kinds of transfers. Match first, fetch after: the recipients of all three
in a batch of blocks go to the `watched` lookup in one call, and only then are the receipts
of the matching transactions read.
- native coin sent by a transaction: a transaction with a value and a recipient (index 0).
  A failed transaction keeps its `value` in the block but moves nothing, so the receipts of
  the *matching* value-carrying transactions are read (batched) and status 0 ones dropped.
- native coin moved by contract code (internal transfers: a wallet contract, a payment
  router, a batch payout): call frames carrying a value inside a transaction, read from
  `debug_traceBlockByNumber` with the call tracer (geth, anvil…) or else `trace_block`
  (Erigon, Nethermind…), whichever the node answers first (probed once). A failed frame
  (`error`) moved nothing, nor did any frame under it. Index: INTERNAL_INDEX + the frame's
  position in the transaction's call tree, depth first, the transaction itself being
  position 0 (so the first nested call is INTERNAL_INDEX + 1). Both APIs list frames in that
  order, so the index does not depend on which one the node has. Without either, internal
  transfers are not seen, and capabilities() says so.
- tokens: `Transfer(address,address,uint256)` logs of the registry's token contracts, from
  eth_getLogs (reverted calls leave no logs), matched on their `to` topic. Index
  logIndex + 1.
The index ranges never meet: 0; 1 to INTERNAL_INDEX (a block holds far fewer logs);
above INTERNAL_INDEX, below 2**31 (what the database's index column holds).

Addresses are returned EIP-55 checksummed, txids as lowercase 0x-hex. A mined transfer's
time is its block's timestamp; pending transfers (txpool_content) have none: the node does
not say when it first saw them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chains.addresses import to_checksum_address
from chains.backends.base import (
    Block,
    BlockRef,
    Capabilities,
    ChainBackend,
    Mempool,
    Transfer,
    WatchedLookup,
    unix_time,
)
from chains.backends.jsonrpc import Call, JSONRPCClient, RPCError
from chains.registry import Asset, Network

__all__ = ["EVMRPCBackend"]

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
NATIVE_TRANSFER_GAS = 21_000
TOKEN_TRANSFER_GAS = 65_000  # a transfer() to an address that already holds the token: ~35-55k
MAX_LOG_RANGE = 100  # blocks per eth_getLogs: providers refuse or truncate wide ranges
INTERNAL_INDEX = 1_000_000_000
TRACERS = ("debug_traceBlockByNumber", "trace_block")  # in the order they are tried
# JSON-RPC codes for "this node does not offer the method" (EIP-1474 and providers).
METHOD_MISSING = {-32601, -32600, -32004}
NO_TRACING = (
    "internal transfers (coin moved by contracts) are not seen: the node answers "
    "neither debug_traceBlockByNumber nor trace_block"
)
NO_TXPOOL = (
    "payments are seen only once mined: the node does not answer txpool_content (no mempool)"
)
# Call-tracer frame types that move coin to `to`; DELEGATECALL and STATICCALL move none, and
# CALLCODE's value stays with the caller.
MOVING_FRAMES = {"CALL", "CREATE", "CREATE2", "SELFDESTRUCT"}
_UNPROBED = object()


def _trace_params(tracer: str, block: str) -> tuple:
    return (block, {"tracer": "callTracer"}) if tracer == TRACERS[0] else (block,)


class EVMRPCBackend(ChainBackend):
    def __init__(self, network: Network):
        super().__init__(network)
        self.rpc = JSONRPCClient(network.rpc_url)
        self.tokens = {asset.contract.lower(): asset for asset in network.tokens if asset.contract}
        self._tracer: object = _UNPROBED  # then the tracing method the node answers, or None
        self._untraced: str | None = None  # the last block the node failed to trace, and why
        self._txpool = True  # until the node says it has no txpool_content

    def tip(self) -> BlockRef:
        head = self.rpc.call("eth_getBlockByNumber", "latest", False)
        return BlockRef(int(head["number"], 16), head["hash"])

    def block_hash(self, height: int) -> str | None:
        header = self.rpc.call("eth_getBlockByNumber", hex(height), False)
        return header["hash"] if header else None

    def blocks(self, start: int, stop: int, watched: WatchedLookup) -> list[Block]:
        """Up to MAX_LOG_RANGE blocks per round: one batch for the blocks, their traces and
        their logs (a single eth_getLogs over the range), one lookup of every recipient,
        one batch for the receipts of the matching native transfers."""
        tracer = self._tracing()
        result = []
        for first in range(start, stop + 1, MAX_LOG_RANGE):
            last = min(first + MAX_LOG_RANGE - 1, stop)
            heights = range(first, last + 1)
            calls: list[Call] = [("eth_getBlockByNumber", (hex(h), True)) for h in heights]
            if tracer:
                calls += [(tracer, _trace_params(tracer, hex(h))) for h in heights]
            if self.tokens:
                calls.append(
                    ("eth_getLogs", (self._log_filter(fromBlock=hex(first), toBlock=hex(last)),))
                )
            replies = self.rpc.batch(calls, errors=True)
            datas = _raise_errors(replies[: len(heights)])
            if None in datas:
                raise LookupError(f"{self.network.code}: no block in {first}..{last}")
            traces = replies[len(heights) : 2 * len(heights)] if tracer else [None] * len(heights)
            logs = _raise_errors(replies[-1:])[0] if self.tokens else []
            try:
                result += self._assemble(datas, traces, logs, watched)
            except _Reorged:  # logs or traces came from another branch: fetch by hash
                result += [self._block(height, watched) for height in heights]
        return result

    def mempool(self, watched: WatchedLookup) -> Mempool:
        """Pending native transfers, from `txpool_content` (geth, anvil…); `txids` holds its
        pending and queued hashes. Without that method (most hosted endpoints) nothing is
        known: `txids` is None. Pending token and internal transfers are left out: a token
        transfer's index (its log index) is only known once mined, and pending calls are
        not traced."""
        if not self._txpool:
            return Mempool((), None)
        try:
            pool = self.rpc.call("txpool_content")
        except RPCError as exc:
            self._txpool = exc.code not in METHOD_MISSING  # else a passing failure
            return Mempool((), None)
        txids = frozenset(
            tx["hash"].lower()
            for part in ("pending", "queued")
            for by_nonce in pool.get(part, {}).values()
            for tx in by_nonce.values()
        )
        pending = [
            tx
            for by_nonce in pool.get("pending", {}).values()
            for tx in by_nonce.values()
            if _pays(tx)
        ]
        hits = _lookup(watched, {to_checksum_address(tx["to"]) for tx in pending})
        return Mempool(
            tuple(
                self._native(tx, None, None, None)
                for tx in pending
                if to_checksum_address(tx["to"]) in hits
            ),
            txids,
        )

    def fee_estimate(self) -> int:
        return self.fee_estimate_for(self.network.assets[0])

    def fee_estimate_for(self, asset: Asset) -> int:
        """What sending `asset` costs, in wei of the native coin: the node's gas price (base
        fee plus a suggested tip) times the gas of a plain or a token transfer."""
        gas = NATIVE_TRANSFER_GAS if asset.is_native else TOKEN_TRANSFER_GAS
        return gas * int(self.rpc.call("eth_gasPrice"), 16)

    def capabilities(self) -> Capabilities:
        notices = []
        if self._tracing() is None:
            notices.append(NO_TRACING)
        elif self._untraced:
            notices.append(
                f"internal transfers of some blocks were not read, the last {self._untraced}"
            )
        if not self._txpool:
            notices.append(NO_TXPOOL)
        return Capabilities(tuple(notices))

    def close(self) -> None:
        self.rpc.close()

    def _tracing(self) -> str | None:
        """The tracing method the node answers, asked once (on the latest block)."""
        if self._tracer is _UNPROBED:
            found = None
            for tracer in TRACERS:
                try:
                    self.rpc.call(tracer, *_trace_params(tracer, "latest"))
                except RPCError:
                    continue
                found = tracer
                break
            self._tracer = found
        return self._tracer if isinstance(self._tracer, str) else None

    def _log_filter(self, **where) -> dict:
        return {**where, "address": list(self.tokens), "topics": [TRANSFER_TOPIC]}

    def _block(self, height: int, watched: WatchedLookup) -> Block:
        """One block, its logs and trace asked by its hash: consistent even while the chain
        reorganises (trace_block takes only a number: its answer is checked instead)."""
        data = self.rpc.call("eth_getBlockByNumber", hex(height), True)
        if data is None:
            raise LookupError(f"{self.network.code}: no block at height {height}")
        tracer, calls = self._tracing(), list[Call]()
        if tracer == TRACERS[0]:
            calls.append(("debug_traceBlockByHash", (data["hash"], {"tracer": "callTracer"})))
        elif tracer:
            calls.append((tracer, (hex(height),)))
        if self.tokens:
            calls.append(("eth_getLogs", (self._log_filter(blockHash=data["hash"]),)))
        replies = self.rpc.batch(calls, errors=True)
        logs = _raise_errors(replies[-1:])[0] if self.tokens else []
        try:
            return self._assemble([data], replies[:1] if tracer else [None], logs, watched)[0]
        except _Reorged:
            raise RPCError(
                tracer or "eth_getLogs", None, f"block {height} changed while it was read"
            ) from None

    def _assemble(
        self, datas: list[dict], traces: list, logs: list[dict], watched: WatchedLookup
    ) -> list[Block]:
        """Blocks from full block objects, their traces (a reply, an RPCError, or None
        without tracing) and their token logs: recipients matched in one lookup, then the
        receipts of the matching native transfers in one batch."""
        logs_of: dict[str, list[dict]] = {data["hash"]: [] for data in datas}
        for log in logs:
            if log["blockHash"] not in logs_of:
                raise _Reorged
            logs_of[log["blockHash"]].append(log)
        internal_of = {
            data["hash"]: list(self._internal(data, trace))
            for data, trace in zip(datas, traces, strict=True)
        }
        candidates = {
            to_checksum_address(tx["to"])
            for data in datas
            for tx in data["transactions"]
            if _pays(tx)
        }
        candidates |= {to for frames in internal_of.values() for _, _, _, to, _ in frames}
        tokens = {
            data["hash"]: [t for log in logs_of[data["hash"]] if (t := self._token(log, data))]
            for data in datas
        }
        candidates |= {t.to_address for transfers in tokens.values() for t in transfers}
        hits = _lookup(watched, candidates)

        paying = {
            tx["hash"]
            for data in datas
            for tx in data["transactions"]
            if _pays(tx) and to_checksum_address(tx["to"]) in hits
        }
        receipts = self.rpc.batch(("eth_getTransactionReceipt", (txid,)) for txid in paying)
        if None in receipts:
            raise RPCError("eth_getTransactionReceipt", None, "receipt not available yet")
        failed = {r["transactionHash"] for r in receipts if r.get("status") == "0x0"}

        blocks = []
        for data in datas:
            height, block_hash = int(data["number"], 16), data["hash"]
            time = _time(data)
            txs = data["transactions"]
            order = {tx["hash"].lower(): position for position, tx in enumerate(txs)}
            transfers = [
                self._native(tx, height, block_hash, time)
                for tx in txs
                if tx["hash"] in paying and tx["hash"] not in failed
            ]
            transfers += [
                Transfer(
                    network=self.network.code,
                    txid=txid,
                    index=INTERNAL_INDEX + position,
                    to_address=to,
                    asset=self.network.native,
                    amount=value,
                    from_addresses=(sender,),
                    block_height=height,
                    block_hash=block_hash,
                    time=time,
                )
                for txid, position, sender, to, value in internal_of[block_hash]
                if to in hits
            ]
            transfers += [t for t in tokens[block_hash] if t.to_address in hits]
            transfers.sort(key=lambda t: (order[t.txid], t.index))
            blocks.append(
                Block(height, block_hash, data["parentHash"], tuple(transfers), time=time)
            )
        return blocks

    def _internal(self, data: dict, trace) -> Iterator[tuple[str, int, str, str, int]]:
        """(txid, position, from, to, wei) of each coin-moving nested frame of the block
        that did not fail, from either tracing API's answer. An answer that does not match
        the block's transactions belongs to another branch."""
        if trace is None:
            return
        if isinstance(trace, RPCError):  # e.g. state no longer kept for an old block
            self._untraced = f"block {int(data['number'], 16)}: {trace.message}"
            return
        txids, failures = [tx["hash"].lower() for tx in data["transactions"]], list[str]()
        frames = (
            _call_tracer(trace, txids, failures)
            if self._tracer == TRACERS[0]
            else _parity_traces(trace, txids, data["hash"])
        )
        for txid, position, sender, to, value in frames:
            yield txid, position, to_checksum_address(sender), to_checksum_address(to), value
        if failures:
            self._untraced = f"block {int(data['number'], 16)}: {failures[-1]}"

    def _native(self, tx: dict, height: int | None, block_hash: str | None, time) -> Transfer:
        return Transfer(
            network=self.network.code,
            txid=tx["hash"].lower(),
            index=0,
            to_address=to_checksum_address(tx["to"]),
            asset=self.network.native,
            amount=int(tx["value"], 16),
            from_addresses=(to_checksum_address(tx["from"]),),
            block_height=height,
            block_hash=block_hash,
            time=time,
        )

    def _token(self, log: dict, data: dict) -> Transfer | None:
        topics, value = log["topics"], log["data"]
        # ERC-721 shares the event signature with a 4th indexed topic: not a token amount.
        if log.get("removed") or len(topics) != 3 or len(value) != 66:
            return None
        return Transfer(
            network=self.network.code,
            txid=log["transactionHash"].lower(),
            index=int(log["logIndex"], 16) + 1,
            to_address=to_checksum_address(topics[2][-40:]),
            asset=self.tokens[log["address"].lower()].code,
            amount=int(value, 16),
            from_addresses=(to_checksum_address(topics[1][-40:]),),
            block_height=int(data["number"], 16),
            block_hash=data["hash"],
            time=_time(data),
        )


def _time(data: dict):
    return unix_time(int(data["timestamp"], 16))


def _pays(tx: dict) -> bool:
    """A transaction that sends coin to an account (a contract creation has no `to`)."""
    return bool(tx.get("to")) and int(tx["value"], 16) > 0


def _lookup(watched: WatchedLookup, addresses: set[str]) -> set[str]:
    return watched(addresses) if addresses else set()


def _raise_errors(replies: list) -> list:
    for reply in replies:
        if isinstance(reply, RPCError):
            raise reply
    return replies


def _call_tracer(
    trace: list[dict], txids: list[str], failures: list[str]
) -> Iterator[tuple[str, int, str, str, int]]:
    """debug_traceBlockByNumber with the call tracer: one {txHash, result: frame} per
    transaction, in block order; frames nest in `calls`. A transaction the node could not
    trace is {txHash, error} (e.g. its state was pruned): its error goes to `failures`."""
    if len(trace) != len(txids):
        raise _Reorged
    for txid, entry in zip(txids, trace, strict=True):
        if entry.get("txHash", txid).lower() != txid:
            raise _Reorged
        if "result" not in entry:
            failures.append(str(entry.get("error", "no trace")))
            continue
        position = 0
        stack = [(entry["result"], False)]  # depth first, without recursion (1024 deep)
        while stack:
            frame, dead = stack.pop()
            dead = dead or "error" in frame
            value = int(frame.get("value") or "0x0", 16)
            if (
                position
                and not dead
                and value
                and frame.get("to")
                and frame.get("type") in MOVING_FRAMES
            ):
                yield txid, position, frame["from"], frame["to"], value
            position += 1
            stack += [(child, dead) for child in reversed(frame.get("calls") or ())]


def _parity_traces(
    trace: list[dict], txids: list[str], block_hash: str
) -> Iterator[tuple[str, int, str, str, int]]:
    """trace_block: a flat list of frames in depth-first order, each with its
    transaction and `traceAddress` (its path in the call tree); block rewards have no
    transaction. A frame is dead when it or a frame above it has an `error`."""
    position: dict[str, int] = {}
    failed, known = set(), set(txids)
    for frame in trace:
        txid = (frame.get("transactionHash") or "").lower()
        if not txid:
            continue
        if frame.get("blockHash") != block_hash or txid not in known:
            raise _Reorged
        at = position[txid] = position.get(txid, -1) + 1
        path = tuple(frame.get("traceAddress") or ())
        if "error" in frame:
            failed.add((txid, path))
        if not at or any((txid, path[:depth]) in failed for depth in range(len(path) + 1)):
            continue
        action: dict[str, Any] = frame.get("action") or {}
        kind = frame.get("type")
        if kind == "call" and action.get("callType") == "call":
            sender, to, value = action["from"], action.get("to"), action.get("value")
        elif kind == "create":
            sender, to = action["from"], (frame.get("result") or {}).get("address")
            value = action.get("value")
        elif kind == "suicide":
            sender, to, value = (
                action["address"],
                action.get("refundAddress"),
                action.get("balance"),
            )
        else:
            continue
        if to and value and int(value, 16):
            yield txid, at, sender, to, int(value, 16)


class _Reorged(Exception):
    """Logs or traces fetched by block number belong to blocks other than the ones fetched."""
