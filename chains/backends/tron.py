"""TRON backend: a java-tron full node or TronGrid (`rpc_url`; `api_key` is sent as the
`TRON-PRO-API-KEY` header TronGrid asks for).

Two APIs are read, each for what it does best:
- the HTTP API (`/wallet/...`) for blocks: `getblockbylimitnext` returns up to 100 whole
  blocks in one request, each transaction with its contract type, parameters (TRX
  `TransferContract`: owner, to, amount) and execution result (`ret[0].contractRet`);
  `getblock` with `detail: false` gives headers only, for the tip and hash checks;
  `/walletsolidity/getblock` the solidified tip.
- the Ethereum-style JSON-RPC (`/jsonrpc`, or the `jsonrpc_url` option: a full node serves it
  on its own port) for TRC-20: one `eth_getLogs` over the whole range, filtered on the node
  by the configured token contracts and the `Transfer` topic, as BTCPay's USDt plugin does.
  A transfer made through `transferFrom` or by another contract emits the same event from
  the token contract, so it counts; reading every transaction's info per block
  (`gettransactioninfobyblocknum`, as Bitcart does) would cost a request per block and
  carry every contract's logs.
So a range of blocks costs two requests whatever the number of transactions or watched
addresses. Matching comes first: recipients are looked up in one `watched` call per batch;
what matches needs nothing more, since senders and results are already in the block. A
transfer whose transaction's result is not SUCCESS never credits (TRON drops the logs of a
reverted call; the block's result is checked all the same).

Confirmations: every block is read as soon as the node has it, so a payment is pending in
the block that holds it, and its confirmations are its depth under the node's head. TRON
calls a block final once it is solidified (2/3 of the 27 super representatives built on it:
19 deep when they produce normally). With `finality = "solidified"` (the default) a payment
counts as confirmed once its block is solidified *and* as deep as its required
confirmations; when the node's solidity lags (TronGrid's does at times) payments are still
seen and stay pending until solidity passes them, and the network's notice names the lag.
`finality = "confirmations"` lets depth alone decide, for an operator who trusts the
configured number of blocks.

The pending pool is read for its txids only (`/wallet/gettransactionlistfrompending`):
a transaction spends ~3 s there, so a payment is reported once in a block, and the txids
tell whether one a reorganisation took out of its block is waiting to be mined again or
gone. A node or provider that does not serve the list gives `Mempool.txids = None`
(absence then proves nothing), and `capabilities()` says so.

Addresses come as 41-hex from the HTTP API and as 20-byte topics from logs; they are
returned in base58 `T…` (chains.tron_addresses), txids as the node's lowercase hex.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import partial
from typing import Any

import requests
from django.core.exceptions import ImproperlyConfigured

from chains import tron_addresses
from chains.backends.base import (
    Block,
    BlockRef,
    Capabilities,
    ChainBackend,
    Mempool,
    Transfer,
    WatchedLookup,
)
from chains.backends.jsonrpc import RPCError
from chains.registry import Asset, Network

logger = logging.getLogger(__name__)
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
FINALITY = ("solidified", "confirmations")  # the `finality` option's values, default first
MAX_BLOCK_RANGE = 100  # getblockbylimitnext returns at most 100 blocks
TIMEOUT = 30
# Resources a payment to a fresh invoice address consumes. A TRX transfer: ~270 bytes of
# bandwidth, plus the activation of the new account (getCreateAccountFee and
# getCreateNewAccountFeeInSystemContract, burnt by the sender). A TRC-20 transfer() to an
# address that holds none of the token yet: ~130k energy (65k when it already does) and
# ~345 bytes. Energy and bandwidth are priced by the chain parameters, in sun.
TRX_TRANSFER_BANDWIDTH = 270
TOKEN_TRANSFER_BANDWIDTH = 345
TOKEN_TRANSFER_ENERGY = 130_000
PENDING_NOT_READ = (
    "Pending TRON transactions are not read: payments appear once in a block (about 3 s)."
)
NO_PENDING_LIST = (
    "The node does not list its pending transactions: a payment a "
    "reorganisation took out of its block counts as reverted only after "
    "reorg_depth blocks without it."
)


class TronAPIError(Exception):
    """The node answered, but with an error (`{"Error": …}` or a JSON-RPC error)."""


class TronBackend(ChainBackend):
    def __init__(self, network: Network):
        super().__init__(network)
        self.url = network.rpc_url.rstrip("/")
        self.jsonrpc_url = network.options.get("jsonrpc_url") or f"{self.url}/jsonrpc"
        self.session = requests.Session()  # keep-alive, for both APIs
        if api_key := network.options.get("api_key"):
            self.session.headers["TRON-PRO-API-KEY"] = api_key
        self.tokens = {
            tron_addresses.to_hex20(asset.contract): asset
            for asset in network.tokens
            if asset.contract
        }
        self.pending_list: bool | None = None  # does the node list its pending pool?
        self.wait_for_solidity = finality(network) == "solidified"

    # --- transport -------------------------------------------------------------------------

    def _post(self, path: str, body: dict) -> dict:
        response = self.session.post(f"{self.url}{path}", json=body, timeout=TIMEOUT)
        response.raise_for_status()
        data = response.json()
        if "Error" in data:
            raise TronAPIError(f"{path}: {data['Error']}")
        return data

    def _jsonrpc(self, method: str, *params: Any) -> Any:
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        response = self.session.post(self.jsonrpc_url, json=body, timeout=TIMEOUT)
        response.raise_for_status()
        reply = response.json()
        if error := reply.get("error"):
            raise RPCError(method, error.get("code"), str(error.get("message", error)))
        return reply.get("result")

    # --- the interface ---------------------------------------------------------------------

    def header(self, id_or_num: int | str | None = None, *, solidified: bool = False) -> dict:
        """A block without its transactions: the head (or solidified head) when no height or
        id is given; {} when there is none."""
        body: dict = {"detail": False}
        if id_or_num is not None:
            body["id_or_num"] = str(id_or_num)
        data = self._post("/walletsolidity/getblock" if solidified else "/wallet/getblock", body)
        return data if data.get("blockID") else {}

    def tip(self) -> BlockRef:
        """The head, and its solidified block when payments wait for it."""
        head = self.header()
        if not head:
            raise TronAPIError("the node has no head block yet")
        if not self.wait_for_solidity:
            return BlockRef(_height(head), head["blockID"])
        solid = self.header(solidified=True)
        if not solid:
            raise TronAPIError("the node has no solidified block yet")
        return BlockRef(_height(head), head["blockID"], min(_height(solid), _height(head)))

    def block_hash(self, height: int) -> str | None:
        return self.header(height).get("blockID")

    def blocks(self, start: int, stop: int, watched: WatchedLookup) -> list[Block]:
        result = []
        for first in range(start, stop + 1, MAX_BLOCK_RANGE):
            last = min(first + MAX_BLOCK_RANGE - 1, stop)
            datas = self._post(
                "/wallet/getblockbylimitnext", {"startNum": first, "endNum": last + 1}
            ).get("block", [])
            datas.sort(key=_height)
            if [_height(data) for data in datas] != list(range(first, last + 1)):
                raise LookupError(f"{self.network.code}: blocks {first}..{last} not all served")
            logs = self._logs({"fromBlock": hex(first), "toBlock": hex(last)})
            by_block: dict[str, list[dict]] = {data["blockID"]: [] for data in datas}
            if any(_strip(log["blockHash"]) not in by_block for log in logs):
                # A reorganisation between the two requests: logs by hash, block by block.
                logs = [
                    log
                    for data in datas
                    for log in self._logs({"blockHash": "0x" + data["blockID"]})
                ]
            for log in logs:
                by_block[_strip(log["blockHash"])].append(log)
            result += self._assemble(datas, by_block, watched)
        return result

    def mempool(self, watched: WatchedLookup) -> Mempool:
        try:
            data = self._post("/wallet/gettransactionlistfrompending", {})
        except (TronAPIError, requests.HTTPError) as exc:
            if self.pending_list is not False:
                logger.warning("%s: no pending list (%s)", self.network.code, exc)
            self.pending_list = False
            return Mempool((), None)
        self.pending_list = True
        return Mempool((), frozenset(data.get("txId", [])))  # proto3: {} when empty

    def capabilities(self) -> Capabilities:
        notices: tuple[str, ...] = (PENDING_NOT_READ,)
        if self.pending_list is False:
            notices += (NO_PENDING_LIST,)
        return Capabilities(notices=notices)

    def fee_estimate(self) -> int:
        return self.fee_estimate_for(self.network.assets[0])

    def fee_estimate_for(self, asset: Asset) -> int:
        """What the payer burns, in sun, when it has no staked bandwidth or energy (a payer
        who staked pays less; the estimate covers the one who did not)."""
        parameters = {
            p["key"]: p.get("value", 0)
            for p in self._post("/wallet/getchainparameters", {}).get("chainParameter", [])
        }
        bandwidth_price = parameters.get("getTransactionFee", 0)
        if asset.is_native:
            return (
                TRX_TRANSFER_BANDWIDTH * bandwidth_price
                + parameters.get("getCreateAccountFee", 0)
                + parameters.get("getCreateNewAccountFeeInSystemContract", 0)
            )
        return (
            TOKEN_TRANSFER_ENERGY * parameters.get("getEnergyFee", 0)
            + TOKEN_TRANSFER_BANDWIDTH * bandwidth_price
        )

    def genesis_id(self) -> str:
        """The id of block 0: a TRON network's identity (the startup checks compare it)."""
        return self.header(0).get("blockID", "")

    def close(self) -> None:
        self.session.close()

    # --- parsing ---------------------------------------------------------------------------

    def _logs(self, log_filter: dict) -> list[dict]:
        if not self.tokens:
            return []
        log_filter = {**log_filter, "address": list(self.tokens), "topics": [TRANSFER_TOPIC]}
        return [
            log for log in self._jsonrpc("eth_getLogs", log_filter) or [] if not log.get("removed")
        ]

    def _assemble(
        self, datas: list[dict], logs_of: dict[str, list[dict]], watched: WatchedLookup
    ) -> list[Block]:
        """Candidates first (every TRX recipient, every token log's recipient), one watched
        lookup for the lot, then transfers for the matches only."""
        candidates = []  # (block data, transaction or None for a log, transfer fields)
        for data in datas:
            for tx in data.get("transactions", []):
                if fields := _trx_transfer(tx):
                    candidates.append((data, tx, fields))
            for log in logs_of[data["blockID"]]:
                if fields := self._token_transfer(log):
                    candidates.append((data, None, fields))
        hits = (
            watched({fields["to_address"] for _, _, fields in candidates}) if candidates else set()
        )
        transfers_of: dict[str, list[Transfer]] = {data["blockID"]: [] for data in datas}
        positions: dict[str, dict[str, tuple[int, dict]]] = {}  # only for blocks with hits
        for data, _tx, fields in candidates:
            if fields["to_address"] not in hits:
                continue
            block_id = data["blockID"]
            if block_id not in positions:
                positions[block_id] = {
                    tx["txID"]: (position, tx)
                    for position, tx in enumerate(data.get("transactions", []))
                }
            if fields["txid"] not in positions[block_id]:
                raise LookupError(
                    f"{self.network.code}: a log of {fields['txid']} in block "
                    f"{block_id}, which lacks that transaction"
                )
            position, tx = positions[block_id][fields["txid"]]
            if _result(tx) != "SUCCESS":
                continue
            transfers_of[block_id].append(
                Transfer(
                    network=self.network.code,
                    block_height=_height(data),
                    block_hash=block_id,
                    time=_time(data),
                    **fields,
                )
            )
        return [
            Block(
                _height(data),
                data["blockID"],
                _header(data)["parentHash"],
                tuple(
                    sorted(
                        transfers_of[data["blockID"]],
                        key=partial(_in_block_order, positions.get(data["blockID"], {})),
                    )
                ),
                _time(data),
            )
            for data in datas
        ]

    def _token_transfer(self, log: dict) -> dict | None:
        topics, data = log.get("topics", []), _strip(log.get("data", ""))
        # TRC-721 shares the event signature with a 4th indexed topic: not a token amount.
        if len(topics) != 3 or len(data) != 64 or _strip(topics[0]) != TRANSFER_TOPIC[2:]:
            return None
        asset = self.tokens.get("0x" + _strip(log["address"])[-40:].lower())
        if asset is None:  # another contract, whatever symbol it claims
            return None
        try:
            to_address, sender = (
                tron_addresses.from_topic(topics[2]),
                tron_addresses.from_topic(topics[1]),
            )
        except tron_addresses.NotATronAddress:  # not an address-shaped Transfer event
            return None
        return {
            "txid": _strip(log["transactionHash"]),
            "index": int(log["logIndex"], 16) + 1,  # 0 is a TRX transfer's
            "to_address": to_address,
            "asset": asset.code,
            "amount": int(data, 16),
            "from_addresses": (sender,),
        }


def finality(network: Network) -> str:
    """What confirms a payment on this network (CHAINS_CONFIG `finality`): "solidified"
    (its block solidified and deep enough) or "confirmations" (depth alone)."""
    value = str(network.options.get("finality", FINALITY[0]))
    if value not in FINALITY:
        raise ImproperlyConfigured(
            f"CHAINS_CONFIG [networks.{network.code}] finality must be one of "
            f"{', '.join(FINALITY)}, not {value!r}"
        )
    return value


def _in_block_order(positions: dict[str, tuple[int, dict]], transfer: Transfer) -> tuple[int, int]:
    """Sort key of a block's transfers: their transactions' order, then their own."""
    return positions[transfer.txid][0], transfer.index


def _trx_transfer(tx: dict) -> dict | None:
    """The TRX a TransferContract moves (index 0), None for any other contract."""
    contracts = tx.get("raw_data", {}).get("contract", [])
    if len(contracts) != 1 or contracts[0].get("type") != "TransferContract":
        return None
    value = contracts[0]["parameter"]["value"]
    amount = int(value.get("amount", 0))  # proto3 JSON leaves out zero
    if not amount:
        return None
    return {
        "txid": tx["txID"],
        "index": 0,
        "to_address": tron_addresses.to_base58(value["to_address"]),
        "asset": "TRX",
        "amount": amount,
        "from_addresses": (tron_addresses.to_base58(value["owner_address"]),),
    }


def _header(data: dict) -> dict:
    return data["block_header"]["raw_data"]


def _height(data: dict) -> int:
    return int(_header(data).get("number", 0))  # proto3 JSON leaves out block 0's number


def _time(data: dict) -> datetime:
    return datetime.fromtimestamp(int(_header(data).get("timestamp", 0)) / 1000, tz=UTC)


def _result(tx: dict) -> str:
    ret = tx.get("ret") or [{}]
    return ret[0].get("contractRet", "")


def _strip(value: str) -> str:
    return value.removeprefix("0x").lower()
