"""The Monero regtest fixture: a funded wallet whose payment a view-only wallet sees."""

from __future__ import annotations


def test_payer_wallet_has_unlocked_coins(monerod):
    monerod.use_payer()
    balance = monerod.wallet.call("get_balance", account_index=0)
    assert balance["unlocked_balance"] > 0
    assert monerod.height() > monerod.MATURE_BLOCKS
