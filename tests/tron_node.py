"""A TRON node for tests: no java-tron runs on these machines, so this one keeps a chain in
memory and serves it over a real HTTP server in the shapes java-tron and TronGrid use.

The shapes follow the recorded responses in tests/recorded/tron/ (published TronGrid and
java-tron documentation examples; tests/test_tron_node.py checks the two agree). The
transactions are real: TransferContract and TriggerSmartContract `raw_data` serialised to
the protobuf bytes java-tron hashes (`raw_data_hex`, txID = its SHA-256, checked against
published transactions) and signed with secp256k1 like any TRON wallet does. A TRC-20
call is "executed" by this node as the token contract would: a `Transfer` log on success,
none on a reverted call.

Served: POST /wallet/getblock, /walletsolidity/getblock, /wallet/getblockbylimitnext,
/wallet/gettransactionlistfrompending, /wallet/getchainparameters, and JSON-RPC
`eth_getLogs` / `eth_blockNumber` at /jsonrpc.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from eth_keys import keys

from chains import tron_addresses
from tests.support import serve_in_thread

TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
TRANSFER_URL = "type.googleapis.com/protocol.TransferContract"
TRIGGER_URL = "type.googleapis.com/protocol.TriggerSmartContract"
TRANSFER = bytes.fromhex("a9059cbb")  # transfer(address,uint256)
TRANSFER_FROM = bytes.fromhex("23b872dd")  # transferFrom(address,address,uint256)
BLOCK_MS = 3000  # a TRON slot
LAG_MS = 600_000  # block times trail the clock by at most this: tests mine in bursts
# Mainnet's values in the recorded getchainparameters (sun per bandwidth byte / energy unit).
CHAIN_PARAMETERS = [
    {"key": "getMaintenanceTimeInterval", "value": 21600000},
    {"key": "getCreateAccountFee", "value": 100000},
    {"key": "getTransactionFee", "value": 1000},
    {"key": "getCreateNewAccountFeeInSystemContract", "value": 1000000},
    {"key": "getAllowUpdateAccountName"},  # proto3 JSON leaves out a zero value
    {"key": "getEnergyFee", "value": 100},
]


def to_hex21(address: str) -> str:
    """`41…` (lowercase), as the HTTP API takes and returns addresses."""
    return tron_addresses.raw_bytes(address).hex()


@pytest.fixture
def tron_node():
    """A fresh chain (the genesis only) served on a free port: `tron_node.url`."""
    node = TronNode()
    server = node.serve()
    node.url = server.url
    yield node
    server.close()


# --- protobuf, the few fields a transfer needs ---------------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value) if value else b""


def _bytes(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value if value else b""


def serialize_raw(raw: dict) -> bytes:
    """Transaction.raw as java-tron serialises it (fields in number order)."""
    [contract] = raw["contract"]
    value = contract["parameter"]["value"]
    if contract["type"] == "TransferContract":
        kind, body = (
            1,
            (
                _bytes(1, bytes.fromhex(value["owner_address"]))
                + _bytes(2, bytes.fromhex(value["to_address"]))
                + _int(3, value.get("amount", 0))
            ),
        )
    else:
        kind, body = (
            31,
            (
                _bytes(1, bytes.fromhex(value["owner_address"]))
                + _bytes(2, bytes.fromhex(value["contract_address"]))
                + _int(3, value.get("call_value", 0))
                + _bytes(4, bytes.fromhex(value.get("data", "")))
            ),
        )
    any_ = _bytes(1, contract["parameter"]["type_url"].encode()) + _bytes(2, body)
    return (
        _bytes(1, bytes.fromhex(raw["ref_block_bytes"]))
        + _bytes(4, bytes.fromhex(raw["ref_block_hash"]))
        + _int(8, raw["expiration"])
        + _bytes(11, _int(1, kind) + _bytes(2, any_))
        + _int(14, raw["timestamp"])
        + _int(18, raw.get("fee_limit", 0))
    )


# --- accounts and transactions -------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    key: keys.PrivateKey

    @classmethod
    def new(cls) -> Account:
        return cls(keys.PrivateKey(secrets.token_bytes(32)))

    @property
    def hex21(self) -> str:
        return "41" + self.key.public_key.to_canonical_address().hex()

    @property
    def address(self) -> str:
        return tron_addresses.to_base58(self.hex21)

    def sign(self, tx: dict) -> dict:
        """The signature a TRON wallet makes: secp256k1 over the txID, r‖s‖recovery id."""
        signature = self.key.sign_msg_hash(bytes.fromhex(tx["txID"]))
        return {**tx, "signature": [signature.to_bytes().hex()]}


def _timestamp(block: dict) -> int:
    """A block's time (ms): a slot after its parent's, never more than LAG_MS behind now."""
    return block["block_header"]["raw_data"]["timestamp"]


def _word(value: int | str) -> bytes:
    if isinstance(value, str):  # an address
        return bytes(12) + tron_addresses.raw_bytes(value)[1:]
    return value.to_bytes(32, "big")


@dataclass
class Pending:
    tx: dict
    logs: list[dict] = field(default_factory=list)  # (contract hex20, topics, data) dicts


class TronNode:
    """The chain, the pending transactions, and what the HTTP server was asked."""

    def __init__(self):
        self.blocks: list[dict] = []
        self.logs: dict[str, list[dict]] = {}  # txID -> its logs
        self.pending: list[Pending] = []
        self.solidified: int | None = None  # None: `solid_depth` blocks under the head
        self.solid_depth = 18  # java-tron: 18 or 19, as the super representatives produce
        self.requests: Counter = Counter()
        self.fail_next: dict[str, int] = {}  # path -> HTTP status to answer once
        self.after: dict[str, object] = {}  # path -> a callable run once after answering it
        self.headers: dict[str, str] = {}  # of the last request
        self.pending_list = True  # False: a provider that does not serve the pending pool
        self.branch = 0  # changes block ids after a reorganisation
        self.lock = threading.RLock()
        self.url = ""  # set by the fixture once served
        self._mine_block([])

    # --- what tests do ---

    @property
    def height(self) -> int:
        return len(self.blocks) - 1

    @property
    def genesis_id(self) -> str:
        return self.blocks[0]["blockID"]

    def _raw(self, contract_type: str, type_url: str, value: dict, **extra) -> dict:
        head = self.blocks[-1]
        now = _timestamp(head) + BLOCK_MS + len(self.pending)
        return {
            "contract": [
                {"parameter": {"value": value, "type_url": type_url}, "type": contract_type}
            ],
            "ref_block_bytes": f"{self.height & 0xFFFF:04x}",
            "ref_block_hash": head["blockID"][16:32],
            "expiration": now + 60_000,
            "timestamp": now,
            **extra,
        }

    def _submit(self, sender: Account, raw: dict, result: str, logs: list[dict]) -> str:
        raw_hex = serialize_raw(raw).hex()
        txid = hashlib.sha256(bytes.fromhex(raw_hex)).hexdigest()
        tx = sender.sign(
            {
                "ret": [{"contractRet": result}],
                "txID": txid,
                "raw_data": raw,
                "raw_data_hex": raw_hex,
            }
        )
        with self.lock:
            self.pending.append(Pending(tx, logs))
        return tx["txID"]

    def send_trx(self, sender: Account, to: str, amount: int) -> str:
        raw = self._raw(
            "TransferContract",
            TRANSFER_URL,
            {"amount": amount, "owner_address": sender.hex21, "to_address": to_hex21(to)},
        )
        return self._submit(sender, raw, "SUCCESS", [])

    def send_token(
        self,
        sender: Account,
        token: str,
        to: str,
        amount: int,
        *,
        holder: str | None = None,
        via: str | None = None,
        result: str = "SUCCESS",
        logs_despite_failure: bool = False,
    ) -> str:
        """A TRC-20 transfer of `token`: `transfer` by the holder, `transferFrom` when
        `holder` is someone else (the sender spends an allowance), or a call to another
        contract `via` that moves the token itself (a router, a multisend). A `result` other
        than SUCCESS is a reverted call: no log (unless a test asks for a misbehaving node)."""
        holder = holder or sender.address
        if via:
            call, data = via, b"\x12\x34\x56\x78" + _word(to) + _word(amount)
        elif holder != sender.address:
            call, data = token, TRANSFER_FROM + _word(holder) + _word(to) + _word(amount)
        else:
            call, data = token, TRANSFER + _word(to) + _word(amount)
        raw = self._raw(
            "TriggerSmartContract",
            TRIGGER_URL,
            {"data": data.hex(), "owner_address": sender.hex21, "contract_address": to_hex21(call)},
            fee_limit=100_000_000,
        )
        logs = []
        if result == "SUCCESS" or logs_despite_failure:
            logs = [
                {
                    "address": tron_addresses.to_hex20(token)[2:],
                    "topics": [TRANSFER_TOPIC, _word(holder).hex(), _word(to).hex()],
                    "data": _word(amount).hex(),
                }
            ]
        return self._submit(sender, raw, result, logs)

    def fill(self, count: int, token: str | None = None) -> None:
        """`count` transactions paying nobody watched: TRX transfers, and transfers of
        `token` (when given) every other one, between fresh accounts."""
        payer = Account.new()
        for i in range(count):
            to = tron_addresses.to_base58(secrets.token_hex(20))
            if token and i % 2:
                self.send_token(payer, token, to, 1_000_000 + i)
            else:
                self.send_trx(payer, to, 1_000_000 + i)

    def mine(self, count: int = 1) -> list[str]:
        """Blocks over the pending transactions (all in the first); their ids."""
        with self.lock:
            ids = []
            for _ in range(count):
                pending, self.pending = self.pending, []
                ids.append(self._mine_block(pending))
            return ids

    def reorg(self, depth: int, *, drop: set[str] = frozenset(), longer_by: int = 1) -> None:
        """Replace the top `depth` blocks by `depth + longer_by` others: their transactions
        are mined again in the first new block, except the `drop`ped ones."""
        with self.lock:
            orphaned, self.blocks = self.blocks[-depth:], self.blocks[:-depth]
            self.branch += 1
            again = []
            for block in orphaned:
                for tx in block.get("transactions", []):
                    logs = self.logs.pop(tx["txID"])
                    if tx["txID"] not in drop:
                        again.append(Pending(tx, logs))
            self.pending = again + self.pending
            self.mine(depth + longer_by)

    def _mine_block(self, pending: list[Pending]) -> str:
        height = len(self.blocks)
        parent = self.blocks[-1]["blockID"] if self.blocks else "00" * 32
        raw = {
            "number": height,
            "txTrieRoot": hashlib.sha256(
                "".join(p.tx["txID"] for p in pending).encode()
            ).hexdigest(),
            "witness_address": "41" + hashlib.sha256(f"sr{self.branch}".encode()).hexdigest()[:40],
            "parentHash": parent,
            "version": 31,
            "timestamp": max(
                _timestamp(self.blocks[-1]) + BLOCK_MS if self.blocks else 0,
                int(time.time() * 1000) - LAG_MS,
            ),
        }
        if not height:
            del raw["number"]  # proto3 JSON leaves out zero: the genesis has no "number"
        digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
        block = {
            "blockID": f"{height:016x}" + digest[16:],
            "block_header": {"raw_data": raw, "witness_signature": secrets.token_hex(65)},
        }
        if pending:
            block["transactions"] = [p.tx for p in pending]
        for p in pending:
            self.logs[p.tx["txID"]] = p.logs
        self.blocks.append(block)
        return block["blockID"]

    # --- what the HTTP API answers ---

    def solid_height(self) -> int:
        if self.solidified is None:
            return self.height - self.solid_depth
        return min(self.solidified, self.height)

    def _find(self, id_or_num: str | None, top: int) -> dict | None:
        if id_or_num is None:
            return self.blocks[top]
        if id_or_num.isdigit():
            height = int(id_or_num)
            return self.blocks[height] if 0 <= height <= top else None
        return next((b for b in self.blocks[: top + 1] if b["blockID"] == id_or_num), None)

    def http(self, path: str, body: dict) -> dict:
        with self.lock:
            if path in ("/wallet/getblock", "/walletsolidity/getblock"):
                top = self.height if path.startswith("/wallet/") else max(self.solid_height(), 0)
                block = self._find(body.get("id_or_num"), top)
                if block is None:
                    return {}
                if body.get("detail"):
                    return block
                return {k: v for k, v in block.items() if k != "transactions"}
            if path == "/wallet/getblockbylimitnext":
                start, end = int(body["startNum"]), int(body["endNum"])
                if end <= start or end - start > 100:
                    return {
                        "Error": "class java.lang.IllegalArgumentException : "
                        "startNum or endNum is invalid"
                    }
                found = self.blocks[start:end]
                return {"block": found} if found else {}
            if path == "/wallet/gettransactionlistfrompending" and self.pending_list:
                txids = [p.tx["txID"] for p in self.pending]
                return {"txId": txids} if txids else {}  # proto3 JSON: {} when empty
            if path == "/wallet/getchainparameters":
                return {"chainParameter": CHAIN_PARAMETERS}
        raise KeyError(path)

    def jsonrpc(self, method: str, params: list) -> object:
        with self.lock:
            if method == "eth_blockNumber":
                return hex(self.height)
            if method == "eth_getLogs":
                return self._get_logs(params[0])
        raise KeyError(method)

    def _get_logs(self, log_filter: dict) -> list[dict]:
        if "blockHash" in log_filter:
            wanted = log_filter["blockHash"].removeprefix("0x")
            blocks = [b for b in self.blocks if b["blockID"] == wanted]
        else:
            blocks = self.blocks[
                int(log_filter["fromBlock"], 16) : int(log_filter["toBlock"], 16) + 1
            ]
        addresses = log_filter.get("address") or []
        addresses = {
            a.removeprefix("0x").lower()[-40:]
            for a in ([addresses] if isinstance(addresses, str) else addresses)
        }
        topic0 = {t.removeprefix("0x") for t in (log_filter.get("topics") or [None])[:1] if t}
        out = []
        for block in blocks:
            index = 0
            height = int(block["block_header"]["raw_data"].get("number", 0))
            for position, tx in enumerate(block.get("transactions", [])):
                for log in self.logs.get(tx["txID"], []):
                    if (not addresses or log["address"] in addresses) and (
                        not topic0 or log["topics"][0] in topic0
                    ):
                        out.append(
                            {
                                "logIndex": hex(index),
                                "blockHash": "0x" + block["blockID"],
                                "blockNumber": hex(height),
                                "transactionIndex": hex(position),
                                "transactionHash": "0x" + tx["txID"],
                                "address": "0x" + log["address"],
                                "data": "0x" + log["data"],
                                "topics": ["0x" + t for t in log["topics"]],
                                "removed": False,
                            }
                        )
                    index += 1
        return out

    # --- the server ---

    def serve(self, port: int = 0) -> TronServer:
        """Served on a free port, or on `port` (a node that comes back)."""
        return TronServer(self, port)


class TronServer:
    def __init__(self, node: TronNode, port: int = 0):
        self.node = node
        handler = type("Handler", (_Handler,), {"node": node})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        serve_in_thread(self.httpd)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the backend's session expects
    node: TronNode

    def log_message(self, *args):  # quiet test output
        pass

    def do_POST(self):  # noqa: N802 (the stdlib's name)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        node = self.node
        node.headers = dict(self.headers)
        try:
            return self._answer(node, body)
        finally:
            if hook := node.after.pop(self.path, None):
                hook()

    def _answer(self, node: TronNode, body: dict):
        if status := node.fail_next.pop(self.path, None):
            return self._reply(status, {"Error": "unavailable"})
        try:
            if self.path == "/jsonrpc":
                node.requests[f"jsonrpc {body['method']}"] += 1
                try:
                    result = {"result": node.jsonrpc(body["method"], body.get("params", []))}
                except KeyError:
                    result = {"error": {"code": -32601, "message": "method not found"}}
                return self._reply(200, {"jsonrpc": "2.0", "id": body.get("id"), **result})
            node.requests[self.path] += 1
            return self._reply(200, node.http(self.path, body))
        except KeyError:
            return self._reply(404, {"Error": f"no such endpoint {self.path}"})

    def _reply(self, status: int, data) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
