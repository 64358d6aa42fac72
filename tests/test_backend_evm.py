"""EVMRPCBackend against a real anvil node with the test ERC-20 and the Forwarder deployed
(internal transfers), directly and through a proxy without txpool_content or tracing."""

import dataclasses
import os
import time
from datetime import UTC, datetime

import pytest

from chains.addresses import to_checksum_address
from chains.backends import evm_rpc
from chains.backends.base import Mempool
from chains.backends.evm_rpc import (
    INTERNAL_INDEX,
    NO_TRACING,
    NO_TXPOOL,
    EVMRPCBackend,
)
from tests.nodes import refusing_proxy
from tests.test_backend_bitcoin import counting, everything, watching


@pytest.fixture
def backend(anvil):
    backend = EVMRPCBackend(anvil.network)
    yield backend
    backend.close()


def block_at(backend, height, watched=everything):
    (block,) = backend.blocks(height, height, watched)
    return block


def fresh_address():
    return to_checksum_address(os.urandom(20).hex())


def mined_at(anvil, tx_hash):
    receipt = anvil.w3.eth.wait_for_transaction_receipt(tx_hash)
    return receipt["blockNumber"], receipt["status"]


def test_checksum_address():
    # The EIP-55 specification's examples.
    for address in (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ):
        assert to_checksum_address(address.lower()) == address
    with pytest.raises(ValueError):
        to_checksum_address("0x1234")


def test_native_transfer_in_block(anvil, backend):
    payee = fresh_address()
    tx_hash = anvil.send_eth(payee, 1_234_567_890_123_456_789)
    height, _ = mined_at(anvil, tx_hash)

    block = block_at(backend, height)
    header = anvil.w3.eth.get_block(height)
    assert block.hash == header["hash"].to_0x_hex()
    assert block.time == datetime.fromtimestamp(header["timestamp"], UTC)
    (transfer,) = [t for t in block.transfers if t.to_address == payee]
    assert transfer.time == block.time
    assert (transfer.txid, transfer.index, transfer.asset) == (tx_hash, 0, "ETH")
    assert transfer.amount == 1_234_567_890_123_456_789
    assert transfer.from_addresses == (anvil.accounts[0],)
    assert (transfer.block_height, transfer.block_hash) == (height, block.hash)
    assert transfer.network == "ethereum-local"


def test_token_transfer_in_block(anvil, backend):
    payee = fresh_address()
    tx_hash = anvil.send_token(payee, 1_234_567)
    height, _ = mined_at(anvil, tx_hash)
    (log,) = anvil.w3.eth.get_transaction_receipt(tx_hash)["logs"]

    (transfer,) = block_at(backend, height).transfers
    assert (transfer.txid, transfer.to_address, transfer.asset) == (tx_hash, payee, "USDT")
    assert transfer.time == datetime.fromtimestamp(anvil.w3.eth.get_block(height)["timestamp"], UTC)
    assert transfer.amount == 1_234_567
    assert transfer.index == log["logIndex"] + 1
    assert transfer.from_addresses == (anvil.accounts[0],)
    assert transfer.block_height == height


def test_failed_transactions_are_not_reported(anvil, backend):
    payee = fresh_address()
    # Account 1 holds no USDT: the transfer reverts. Explicit gas skips estimation, so the
    # transaction is mined, as failed, instead of being refused.
    token_tx = anvil.send_token(payee, 1, sender=anvil.accounts[1], gas=100_000)
    # The token contract has no payable function: sending it coin reverts too.
    native_tx = anvil.send_eth(anvil.token_address, 10**18, gas=100_000)
    for tx_hash in (token_tx, native_tx):
        height, status = mined_at(anvil, tx_hash)
        assert status == 0
        assert block_at(backend, height).transfers == ()


def test_transfers_come_in_block_order(anvil, backend):
    anvil.set_automine(False)
    try:
        payee = fresh_address()
        coin_tx = anvil.send_eth(payee, 5)
        token_tx = anvil.send_token(payee, 7)
        anvil.mine()
    finally:
        anvil.set_automine(True)
    height, _ = mined_at(anvil, token_tx)
    transfers = block_at(backend, height).transfers
    assert [(t.txid, t.index, t.asset, t.amount) for t in transfers] == [
        (coin_tx, 0, "ETH", 5),
        (token_tx, 1, "USDT", 7),
    ]


def test_tip_and_block_hash_agree(anvil, backend):
    tip = backend.tip()
    assert tip.height == anvil.w3.eth.block_number
    assert backend.block_hash(tip.height) == tip.hash
    assert backend.block_hash(tip.height + 1) is None
    block = block_at(backend, tip.height)
    assert block.parent_hash == backend.block_hash(tip.height - 1)
    with pytest.raises(LookupError):
        block_at(backend, tip.height + 1)
    with pytest.raises(LookupError):
        backend.blocks(tip.height, tip.height + 1, everything)


def test_reorg_changes_block_hash(anvil, backend):
    snapshot = anvil.rpc("evm_snapshot")
    height, _ = mined_at(anvil, anvil.send_eth(fresh_address(), 1))
    old = backend.block_hash(height)
    assert anvil.rpc("evm_revert", snapshot)
    assert backend.block_hash(height) is None
    height_again, _ = mined_at(anvil, anvil.send_eth(fresh_address(), 2))
    assert height_again == height
    assert backend.block_hash(height) not in (None, old)


def test_mempool_shows_pending_native_transfers(anvil, backend):
    payee = fresh_address()
    anvil.set_automine(False)
    try:
        tx_hash = anvil.send_eth(payee, 42)
        unwatched = anvil.send_eth(fresh_address(), 43)
        mempool = backend.mempool(watching(payee))
        (pending,) = mempool.transfers
        assert (pending.txid, pending.index, pending.amount) == (tx_hash, 0, 42)
        assert pending.from_addresses == (anvil.accounts[0],)
        assert (pending.block_height, pending.time) == (None, None)  # anvil keeps no time
        assert {tx_hash, unwatched} <= mempool.txids
        anvil.mine()
    finally:
        anvil.set_automine(True)
    after = backend.mempool(everything)
    assert tx_hash not in after.txids
    assert all(t.to_address != payee for t in after.transfers)
    assert backend.capabilities().notices == ()


def test_without_txpool_content_the_mempool_is_unknown(anvil, anvil_without_txpool):
    backend = EVMRPCBackend(dataclasses.replace(anvil.network, rpc_url=anvil_without_txpool))
    anvil.set_automine(False)
    try:
        payee = fresh_address()
        anvil.send_eth(payee, 42)
        assert backend.mempool(everything) == Mempool(transfers=(), txids=None)
        assert backend.capabilities().notices == (NO_TXPOOL,)
        anvil.mine()
    finally:
        anvil.set_automine(True)
    # Blocks are read as usual through the same endpoint.
    (transfer,) = block_at(backend, backend.tip().height, watching(payee)).transfers
    assert transfer.amount == 42
    backend.close()


def test_fee_estimate(backend, anvil):
    fee = backend.fee_estimate()
    gas_price = anvil.w3.eth.gas_price
    assert fee == 21_000 * gas_price > 0
    usdt = anvil.network.asset("USDT")
    assert backend.fee_estimate_for(usdt) == 65_000 * gas_price


def test_blocks_equal_single_block_calls(anvil, backend, monkeypatch):
    anvil.send_eth(fresh_address(), 3)
    anvil.send_token(fresh_address(), 4)
    stop = backend.tip().height
    expected = [block_at(backend, h) for h in range(stop - 4, stop + 1)]
    assert backend.blocks(stop - 4, stop, everything) == expected
    monkeypatch.setattr(evm_rpc, "MAX_LOG_RANGE", 2)  # ranges split into 2+2+1 blocks
    assert backend.blocks(stop - 4, stop, everything) == expected


def test_blocks_refetch_by_hash_when_logs_come_from_another_branch(anvil, backend, monkeypatch):
    height, _ = mined_at(anvil, anvil.send_token(fresh_address(), 5))
    expected = block_at(backend, height)
    batch = backend.rpc.batch

    def reorged_logs(calls, **kwargs):
        calls = list(calls)
        results = batch(calls, **kwargs)
        if calls and calls[-1][0] == "eth_getLogs" and "fromBlock" in calls[-1][1][0]:
            results[-1] = [{**log, "blockHash": "0x" + "ee" * 32} for log in results[-1]]
        return results

    monkeypatch.setattr(backend.rpc, "batch", reorged_logs)
    assert backend.blocks(height, height, everything) == [expected]


def test_block_of_200_transfers(anvil, backend):
    """100 coin and 100 token payments in one block. Prints how long reading it takes, once
    the backend has asked the node which tracing method it answers (it asks on the latest
    block: here, before the big one is mined, so anvil traces 200 transactions once)."""
    block_at(backend, backend.tip().height)
    payees = [fresh_address() for _ in range(100)]
    anvil.set_automine(False)
    try:
        for i, payee in enumerate(payees, 1):  # explicit gas: no estimation round trips
            anvil.send_eth(payee, i, gas=21_000)
            anvil.send_token(payee, i, gas=100_000)
        anvil.mine()
    finally:
        anvil.set_automine(True)
    height = backend.tip().height

    started = time.perf_counter()
    block = block_at(backend, height)
    elapsed = time.perf_counter() - started

    assert len(block.transfers) == 200
    got = {(t.to_address, t.asset, t.amount) for t in block.transfers}
    assert got == {(p, asset, i) for i, p in enumerate(payees, 1) for asset in ("ETH", "USDT")}
    print(f"\nanvil blocks() with {len(block.transfers)} transfers: {elapsed * 1000:.1f} ms")


def test_receipts_are_fetched_only_for_matching_transfers(anvil, backend, monkeypatch):
    anvil.set_automine(False)
    try:
        payee = fresh_address()
        for _ in range(5):
            anvil.send_eth(fresh_address(), 1, gas=21_000)
        paid = anvil.send_eth(payee, 2, gas=21_000)
        anvil.mine()
    finally:
        anvil.set_automine(True)
    height, _ = mined_at(anvil, paid)
    backend.capabilities()  # the tracing probe, once per backend
    methods = counting(backend, monkeypatch)
    nobody = watching()
    assert block_at(backend, height, nobody).transfers == ()
    assert len(nobody.asked) == 1 and len(nobody.asked[0]) == 6  # one lookup, all recipients
    assert "eth_getTransactionReceipt" not in methods
    methods.clear()
    (transfer,) = block_at(backend, height, watching(payee)).transfers
    assert transfer.txid == paid
    assert methods.count("eth_getTransactionReceipt") == 1


# --- internal transfers: coin moved by a contract ------------------------------------------


def forward(anvil, function, *args, wei, **tx):
    tx_hash = getattr(anvil.forwarder.functions, function)(*args).transact(
        {"from": anvil.accounts[0], "value": wei, **tx}
    )
    return tx_hash.to_0x_hex()


@pytest.fixture(params=["debug_traceBlockByNumber", "trace_block"])
def tracing(request, anvil, backend):
    """The backend reading internal transfers with either tracing API (anvil has both)."""
    if request.param == "trace_block":
        with refusing_proxy(anvil.rpc_url, {"debug_traceBlockByNumber"}) as url:
            other = EVMRPCBackend(dataclasses.replace(anvil.network, rpc_url=url))
            assert other._tracing() == "trace_block"
            yield other
            other.close()
    else:
        assert backend._tracing() == "debug_traceBlockByNumber"
        yield backend


def test_coin_forwarded_by_a_contract_is_a_transfer(anvil, tracing):
    payee = fresh_address()
    tx_hash = forward(anvil, "forward", payee, wei=5 * 10**17)
    height, status = mined_at(anvil, tx_hash)
    assert status == 1 and anvil.w3.eth.get_balance(payee) == 5 * 10**17

    block = block_at(tracing, height, watching(payee))
    (transfer,) = block.transfers
    assert (transfer.txid, transfer.to_address, transfer.asset) == (tx_hash, payee, "ETH")
    assert transfer.amount == 5 * 10**17
    assert transfer.index == INTERNAL_INDEX + 1  # the first call under the transaction
    assert transfer.from_addresses == (anvil.forwarder.address,)
    assert (transfer.block_height, transfer.block_hash, transfer.time) == (
        height,
        block.hash,
        block.time,
    )
    # The transaction itself pays the contract, which is watched by nobody here.
    assert block_at(tracing, height, watching(anvil.forwarder.address)).transfers[0].index == 0


def test_each_forwarded_share_is_its_own_transfer(anvil, tracing):
    payees = [fresh_address(), fresh_address()]
    tx_hash = forward(anvil, "split", payees, wei=7)
    height, _ = mined_at(anvil, tx_hash)
    transfers = block_at(tracing, height, watching(*payees)).transfers
    assert [(t.to_address, t.amount, t.index) for t in transfers] == [
        (payees[0], 3, INTERNAL_INDEX + 1),
        (payees[1], 3, INTERNAL_INDEX + 2),
    ]


def test_reverted_forwards_move_nothing(anvil, tracing):
    payee = fresh_address()
    # The whole transaction reverts after the coin was forwarded (gas given: no estimation).
    reverted = forward(anvil, "forwardThenRevert", payee, wei=10**17, gas=200_000)
    # The transaction succeeds, but the call that forwarded the coin was rolled back.
    rolled_back = forward(anvil, "tryForward", anvil.forwarder.address, payee, wei=10**17)
    for tx_hash, expected_status in ((reverted, 0), (rolled_back, 1)):
        height, status = mined_at(anvil, tx_hash)
        assert status == expected_status
        assert block_at(tracing, height, watching(payee)).transfers == ()
    assert anvil.w3.eth.get_balance(payee) == 0


def test_a_block_whose_trace_came_from_another_branch_is_traced_by_hash(
    anvil, backend, monkeypatch
):
    payee = fresh_address()
    height, _ = mined_at(anvil, forward(anvil, "forward", payee, wei=3))
    backend._tracing()
    methods, batch = [], backend.rpc.batch

    def reorged_trace(calls, **kwargs):
        calls = list(calls)
        methods.extend(method for method, _ in calls)
        results = batch(calls, **kwargs)
        return [
            [{**entry, "txHash": "0x" + "ee" * 32} for entry in result]
            if method == "debug_traceBlockByNumber"
            else result
            for (method, _), result in zip(calls, results, strict=True)
        ]

    monkeypatch.setattr(backend.rpc, "batch", reorged_trace)
    (transfer,) = block_at(backend, height, watching(payee)).transfers
    assert (transfer.amount, transfer.index) == (3, INTERNAL_INDEX + 1)
    assert "debug_traceBlockByHash" in methods
    assert backend.capabilities().notices == ()


def test_a_node_without_tracing_says_internal_transfers_are_not_seen(anvil):
    with refusing_proxy(anvil.rpc_url, set(evm_rpc.TRACERS)) as url:
        backend = EVMRPCBackend(dataclasses.replace(anvil.network, rpc_url=url))
        payee = fresh_address()
        height, _ = mined_at(anvil, forward(anvil, "forward", payee, wei=10**17))
        assert block_at(backend, height, watching(payee)).transfers == ()
        assert backend.capabilities().notices == (NO_TRACING,)
        backend.close()


def test_a_block_the_node_cannot_trace_is_read_without_its_internal_transfers(
    anvil, backend, monkeypatch
):
    payee = fresh_address()
    height, _ = mined_at(anvil, anvil.send_eth(payee, 9))
    backend._tracing()
    batch = backend.rpc.batch

    def untraceable(calls, **kwargs):
        calls = list(calls)
        results = batch(calls, **kwargs)
        return [
            evm_rpc.RPCError(method, -32000, "required historical state unavailable")
            if method == "debug_traceBlockByNumber"
            else result
            for (method, _), result in zip(calls, results, strict=True)
        ]

    monkeypatch.setattr(backend.rpc, "batch", untraceable)
    (transfer,) = block_at(backend, height, watching(payee)).transfers
    assert transfer.amount == 9
    (notice,) = backend.capabilities().notices
    assert notice.startswith("internal transfers of some blocks were not read")
    assert f"block {height}: required historical state unavailable" in notice


def test_call_tracer_frames_under_a_failed_frame_move_nothing():
    """A recorded callTracer answer's shape: a frame's `error` voids its whole subtree;
    DELEGATECALL and STATICCALL move no coin; positions count every frame depth first."""
    a, b, c = ("0x" + f"{n:040x}" for n in (10, 11, 12))
    trace = [
        {
            "txHash": "0xaa",
            "result": {
                "type": "CALL",
                "from": a,
                "to": b,
                "value": "0x5",
                "calls": [
                    {
                        "type": "CALL",
                        "from": b,
                        "to": c,
                        "value": "0x1",
                        "error": "execution reverted",
                        "calls": [{"type": "CALL", "from": c, "to": a, "value": "0x1"}],
                    },
                    {"type": "STATICCALL", "from": b, "to": c},
                    {"type": "DELEGATECALL", "from": b, "to": c, "value": "0x5"},
                    {"type": "CALL", "from": b, "to": c, "value": "0x2"},
                ],
            },
        }
    ]
    failures = []
    assert list(evm_rpc._call_tracer(trace, ["0xaa"], failures)) == [("0xaa", 5, b, c, 2)]
    assert failures == []
    with pytest.raises(evm_rpc._Reorged):
        list(evm_rpc._call_tracer(trace, ["0xbb"], failures))
    # anvil with a bare --prune-history, geth without the state: per transaction errors.
    pruned = [{"txHash": "0xbb", "error": "Resource not found"}, *trace]
    assert list(evm_rpc._call_tracer(pruned, ["0xbb", "0xaa"], failures)) == [("0xaa", 5, b, c, 2)]
    assert failures == ["Resource not found"]


def test_parity_traces_under_a_failed_frame_move_nothing():
    """trace_block's documented shape: the same tree as a flat list with traceAddress."""
    a, b, c = ("0x" + f"{n:040x}" for n in (10, 11, 12))
    block = "0x" + "cc" * 32

    def frame(path, action, kind="call", **extra):
        return {
            "action": action,
            "blockHash": block,
            "blockNumber": 7,
            "traceAddress": path,
            "subtraces": 0,
            "transactionHash": "0xaa",
            "transactionPosition": 0,
            "type": kind,
            **extra,
        }

    trace = [
        frame([], {"callType": "call", "from": a, "to": b, "value": "0x5"}),
        frame([0], {"callType": "call", "from": b, "to": c, "value": "0x1"}, error="Reverted"),
        frame([0, 0], {"callType": "call", "from": c, "to": a, "value": "0x1"}),
        frame([1], {"callType": "delegatecall", "from": b, "to": c, "value": "0x5"}),
        frame([2], {"callType": "call", "from": b, "to": c, "value": "0x2"}),
        frame([3], {"address": b, "refundAddress": a, "balance": "0x3"}, kind="suicide"),
        {
            "action": {"author": a, "value": "0x10", "rewardType": "block"},
            "blockHash": block,
            "blockNumber": 7,
            "traceAddress": [],
            "type": "reward",
        },
    ]
    assert list(evm_rpc._parity_traces(trace, ["0xaa"], block)) == [
        ("0xaa", 4, b, c, 2),
        ("0xaa", 5, b, a, 3),
    ]
    with pytest.raises(evm_rpc._Reorged):
        list(evm_rpc._parity_traces(trace, ["0xaa"], "0x" + "dd" * 32))
