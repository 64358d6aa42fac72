"""A Monero address and private view key are checked to belong together: against keys
bip_utils derives from a spend key, and against a real wallet's `query_key`."""

from __future__ import annotations

import pytest
from bip_utils import Monero

from chains.monero_keys import MoneroKeyError, check_view_key

WALLET = Monero.FromPrivateSpendKey(bytes.fromhex("01" + "00" * 31))
OTHER = Monero.FromPrivateSpendKey(bytes.fromhex("02" + "00" * 31))
ADDRESS = str(WALLET.PrimaryAddress())
VIEW_KEY = WALLET.PrivateViewKey().Raw().ToHex()


def test_the_wallets_own_view_key_is_accepted_and_normalised():
    assert check_view_key(f" {ADDRESS} ", f" {VIEW_KEY.upper()} ") == VIEW_KEY


def test_another_wallets_view_key_is_refused():
    with pytest.raises(MoneroKeyError, match="does not belong to this address"):
        check_view_key(ADDRESS, OTHER.PrivateViewKey().Raw().ToHex())


@pytest.mark.parametrize(
    "address",
    [
        str(WALLET.Subaddress(1)),  # a subaddress: its view key is not the wallet's
        ADDRESS[:-1] + ("A" if ADDRESS[-1] != "A" else "B"),  # checksum broken
        ADDRESS[:50],
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "",
    ],
)
def test_what_is_not_a_primary_address_is_refused(address):
    with pytest.raises(MoneroKeyError, match="not a Monero primary address"):
        check_view_key(address, VIEW_KEY)


@pytest.mark.parametrize("key", [VIEW_KEY[:-1], VIEW_KEY + "0", "z" * 64, ""])
def test_a_view_key_that_is_not_64_hex_characters_is_refused(key):
    with pytest.raises(MoneroKeyError, match="64 hexadecimal characters"):
        check_view_key(ADDRESS, key)


def test_a_scalar_no_wallet_makes_is_refused():
    with pytest.raises(MoneroKeyError, match="not a Monero private view key"):
        check_view_key(ADDRESS, "ff" * 32)


def test_a_real_wallets_address_and_view_key_belong_together(monerod):
    monerod.use_payer()
    address = monerod.wallet.call("get_address", account_index=0)["address"]
    view_key = monerod.wallet.call("query_key", key_type="view_key")["key"]
    assert check_view_key(address, view_key) == view_key
    with pytest.raises(MoneroKeyError, match="does not belong"):
        check_view_key(address, VIEW_KEY)
