"""TRON addresses in their three spellings (chains.tron_addresses), against published
pairs: TRON's documentation (the address-format page and its transaction examples, where
the same transaction shows `T…` with `visible: true` and `41…` in `raw_data_hex`), and the
USDT contract as TronScan and the Ethereum-style JSON-RPC show it."""

import pytest

from chains import tron_addresses as ta
from tests.tron_node import to_hex21

# (base58, 21-byte hex)
PUBLISHED = [
    ("TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL", "418840E6C55B9ADA326D211D818C34A994AECED808"),
    ("TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxMW", "415a523b449890854c8fc460ab602df9f31fe4293f"),
    ("TRGhNNfnmgLegT4zHNjEqDSADjgmnHvubJ", "41a7d8a35b260395c14aa456297662092ba3b76fc0"),
    ("TPswDDCAWhJAZGdHPidFg5nEf8TkNToDX1", "4198927ffb9f554dc4a453c64b2e553a02d6df514b"),
    ("TUznHJfHe6gdYY7gvWmf6bNZHuPHDZtowf", "41d0b69631440f0a494bb51f7eee68ff5c593c00f0"),
    ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"),
]


@pytest.mark.parametrize(("base58", "hex21"), PUBLISHED)
def test_round_trips_between_the_three_spellings(base58, hex21):
    assert to_hex21(base58) == hex21.lower()
    assert ta.to_base58(hex21) == base58
    hex20 = ta.to_hex20(base58)
    assert hex20 == "0x" + hex21[2:].lower()
    assert ta.to_base58(hex20) == base58 == ta.to_base58(hex20[2:])
    assert ta.from_topic("0x" + "00" * 12 + hex20[2:]) == base58


def test_usdt_contract_as_the_json_rpc_shows_it():
    # TRON's JSON-RPC gives contract addresses as the 20 bytes after 41, like an EVM node.
    assert (
        ta.to_base58("0xa614f803b6fd780986a42c78ec9c7f77e6ded13c")
        == "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", "checksum"),  # last character changed
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "not a TRON address"),  # Bitcoin: version 0x00
        ("0l", "not base58check"),
        ("42a614f803b6fd780986a42c78ec9c7f77e6ded13c", "not base58check"),  # 21 bytes, not 0x41
    ],
)
def test_refuses_what_is_not_a_tron_address(text, why):
    with pytest.raises(ta.NotATronAddress, match=why):
        ta.to_base58(text)


def test_a_topic_with_bits_above_the_address_is_refused():
    with pytest.raises(ta.NotATronAddress):
        ta.from_topic("0x" + "01" + "00" * 11 + "a614f803b6fd780986a42c78ec9c7f77e6ded13c")
