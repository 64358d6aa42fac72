"""The Monero backend on a real monerod --regtest, through a monero-wallet-rpc that holds
only view-only wallets: a payment to an invoice's subaddress is seen in the pool with its
exact amount, then in its block; another subaddress never sees it; the cost of a pass does
not grow with the number of watched subaddresses."""

from __future__ import annotations

import time

import pytest

from chains.backends import monero
from chains.monero_keys import subaddress

PICONERO = 10**12


@pytest.fixture(scope="module")
def shop(monerod):
    """A merchant's wallet: its address and view key (the spend key stays in the payer's
    RPC); the backend watches it with 3 subaddresses given to invoices."""
    address, view_key = monerod.new_wallet("shop")
    made = [monerod.wallet.call("create_address", account_index=0)["address"] for _ in range(2)]
    monerod.use_payer()
    return address, view_key, made


@pytest.fixture
def backend(monerod, shop, monkeypatch):
    address, view_key, _ = shop
    monkeypatch.setattr(monero, "_source", lambda: [monero.WatchWallet(address, view_key, 3)])
    backend = monero.MoneroBackend(monerod.network)
    yield backend
    backend.close()


def test_subaddresses_are_derived_as_the_wallet_makes_them(shop):
    address, view_key, made = shop
    assert [subaddress(address, view_key, i) for i in (1, 2)] == made


def test_a_payment_is_seen_in_the_pool_then_in_its_block_and_only_by_its_subaddress(
    monerod, shop, backend
):
    address, view_key, _ = shop
    first, second = (subaddress(address, view_key, i) for i in (1, 2))
    amount = 1_234_567_890_123  # 1.234567890123 XMR: every one of the 12 decimals
    txid = monerod.pay(first, amount)
    sent_at = time.monotonic()  # the first pass also makes the watch wallet (generate_from_keys)

    pool = backend.mempool(lambda addresses: addresses & {first})
    latency = time.monotonic() - sent_at
    [seen] = pool.transfers
    assert (seen.txid, seen.to_address, seen.amount, seen.asset) == (txid, first, amount, "XMR")
    assert seen.block_height is None and txid in pool.txids
    assert seen.from_addresses == ()  # Monero shows no sender
    assert backend.mempool(lambda addresses: addresses & {second}).transfers == ()
    # The watch wallet knows every subaddress given to invoices (1 … 3), beyond its lookahead.
    known = backend.wallet.call("get_address", account_index=0)["addresses"]
    assert [a["address"] for a in known[1:]] == [
        subaddress(address, view_key, i) for i in (1, 2, 3)
    ]

    height = monerod.mine(1)
    tip = backend.tip()
    assert tip.height == height
    [block] = backend.blocks(tip.height, tip.height, lambda addresses: addresses & {first})
    [mined] = block.transfers
    assert (mined.txid, mined.amount, mined.index) == (txid, amount, seen.index)
    assert (
        (mined.block_height, mined.block_hash)
        == (tip.height, tip.hash)
        == (
            block.height,
            backend.block_hash(tip.height),
        )
    )
    assert block.parent_hash == backend.block_hash(tip.height - 1)
    assert backend.mempool(lambda addresses: addresses & {first}).transfers == ()
    print(
        f"\nMonero pool detection latency (transfer sent → first mempool() answer): {latency:.2f} s"
    )


@pytest.mark.parametrize("invoices", [10, 1000])
def test_a_pass_costs_the_same_calls_for_10_or_1000_open_invoices(monerod, shop, backend, invoices):
    address, view_key, _ = shop
    watched = {subaddress(address, view_key, i) for i in range(1, invoices + 1)}
    backend.mempool(lambda addresses: addresses & watched)  # the watch wallet exists and is open
    before = backend.wallet.calls + backend.daemon.calls
    started = time.monotonic()
    backend.mempool(lambda addresses: addresses & watched)
    tip = backend.tip()
    backend.blocks(tip.height, tip.height, lambda addresses: addresses & watched)
    calls = backend.wallet.calls + backend.daemon.calls - before
    print(
        f"\nMonero scan pass, {invoices} open invoices: {calls} RPC calls, "
        f"{time.monotonic() - started:.2f} s"
    )
    # mempool: refresh, get_transfers, pool hashes; tip; blocks: headers, refresh, get_transfers
    assert calls == 7


def test_two_merchants_share_one_wallet_rpc_by_opening_their_wallets_in_turn(
    monerod, shop, monkeypatch
):
    """Each merchant's watch wallet is opened in turn, in the pool read and in the block read:
    an open, a refresh and a get_transfers per merchant and read."""
    other_address, other_view_key = monerod.new_wallet("other-shop")
    monerod.use_payer()
    address, view_key, _ = shop
    other = subaddress(other_address, other_view_key, 1)
    monkeypatch.setattr(
        monero,
        "_source",
        lambda: [
            monero.WatchWallet(address, view_key, 3),
            monero.WatchWallet(other_address, other_view_key, 1),
        ],
    )
    backend = monero.MoneroBackend(monerod.network)
    try:
        txid = monerod.pay(other, PICONERO)
        [seen] = backend.mempool(lambda addresses: addresses & {other}).transfers
        assert (seen.txid, seen.amount) == (txid, PICONERO)
        before, started = backend.wallet.calls + backend.daemon.calls, time.monotonic()
        backend.mempool(lambda addresses: addresses & {other})
        tip = backend.tip()
        backend.blocks(tip.height, tip.height, lambda addresses: addresses & {other})
        calls = backend.wallet.calls + backend.daemon.calls - before
        print(
            f"\nMonero scan pass, 2 merchants on one wallet RPC: {calls} RPC calls, "
            f"{time.monotonic() - started:.2f} s"
        )
        assert calls == 7 + 8  # per read: 2 opens, and refresh + get_transfers once more
    finally:
        backend.close()
        monerod.mine(1)  # the payment leaves the pool for the tests after
