"""EVMRPCBackend against a real anvil node with the test ERC-20 deployed."""

import os
import statistics
import time

import pytest

from chains.backends import evm_rpc
from chains.backends.evm_rpc import EVMRPCBackend, to_checksum_address


@pytest.fixture
def backend(anvil):
    return EVMRPCBackend(anvil.network)


def fresh_address():
    return to_checksum_address(os.urandom(20).hex())


def mined_at(anvil, tx_hash):
    receipt = anvil.w3.eth.wait_for_transaction_receipt(tx_hash)
    return receipt["blockNumber"], receipt["status"]


def test_checksum_address():
    # The EIP-55 specification's examples.
    for address in ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
                    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"):
        assert to_checksum_address(address.lower()) == address
    with pytest.raises(ValueError):
        to_checksum_address("0x1234")


def test_native_transfer_in_block(anvil, backend):
    payee = fresh_address()
    tx_hash = anvil.send_eth(payee, 1_234_567_890_123_456_789)
    height, _ = mined_at(anvil, tx_hash)

    block = backend.block(height)
    assert block.hash == anvil.w3.eth.get_block(height)["hash"].to_0x_hex()
    (transfer,) = [t for t in block.transfers if t.to_address == payee]
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

    (transfer,) = backend.block(height).transfers
    assert (transfer.txid, transfer.to_address, transfer.asset) == (tx_hash, payee, "USDT")
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
        assert backend.block(height).transfers == ()


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
    transfers = backend.block(height).transfers
    assert [(t.txid, t.index, t.asset, t.amount) for t in transfers] == [
        (coin_tx, 0, "ETH", 5), (token_tx, 1, "USDT", 7)]


def test_tip_and_block_hash_agree(anvil, backend):
    tip = backend.tip()
    assert tip.height == anvil.w3.eth.block_number
    assert backend.block_hash(tip.height) == tip.hash
    assert backend.block_hash(tip.height + 1) is None
    block = backend.block(tip.height)
    assert block.parent_hash == backend.block_hash(tip.height - 1)
    with pytest.raises(LookupError):
        backend.block(tip.height + 1)
    with pytest.raises(LookupError):
        backend.blocks(tip.height, tip.height + 1)


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
        (pending,) = [t for t in backend.mempool() if t.to_address == payee]
        assert (pending.txid, pending.index, pending.amount) == (tx_hash, 0, 42)
        assert pending.from_addresses == (anvil.accounts[0],)
        assert pending.block_height is None
        anvil.mine()
    finally:
        anvil.set_automine(True)
    assert all(t.to_address != payee for t in backend.mempool())


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
    expected = [backend.block(h) for h in range(stop - 4, stop + 1)]
    assert backend.blocks(stop - 4, stop) == expected
    monkeypatch.setattr(evm_rpc, "MAX_LOG_RANGE", 2)  # ranges split into 2+2+1 blocks
    assert backend.blocks(stop - 4, stop) == expected


def test_blocks_refetch_by_hash_when_logs_come_from_another_branch(anvil, backend, monkeypatch):
    height, _ = mined_at(anvil, anvil.send_token(fresh_address(), 5))
    expected = backend.block(height)
    batch = backend.rpc.batch

    def reorged_logs(calls, **kwargs):
        calls = list(calls)
        results = batch(calls, **kwargs)
        if calls[-1][0] == "eth_getLogs" and "fromBlock" in calls[-1][1][0]:
            results[-1] = [{**log, "blockHash": "0x" + "ee" * 32} for log in results[-1]]
        return results

    monkeypatch.setattr(backend.rpc, "batch", reorged_logs)
    assert backend.blocks(height, height) == [expected]


def test_block_of_200_transfers(anvil, backend):
    """100 coin and 100 token payments in one block. Prints how long block() takes."""
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

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        block = backend.block(height)
        timings.append(time.perf_counter() - started)

    assert len(block.transfers) == 200
    got = {(t.to_address, t.asset, t.amount) for t in block.transfers}
    assert got == {(p, asset, i) for i, p in enumerate(payees, 1) for asset in ("ETH", "USDT")}
    print(f"\nanvil block() with {len(block.transfers)} transfers: "
          f"median {statistics.median(timings) * 1000:.1f} ms, best {min(timings) * 1000:.1f} ms")
