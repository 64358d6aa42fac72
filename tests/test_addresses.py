"""chains.addresses: refund addresses checked per network — checksums, prefixes, networks.

Valid addresses are published vectors (BIP173, BIP350, BIP86, EIP-55) or encoded here by
bip-utils' own encoders from the secp256k1 generator point, independently of the decoder
path under test.
"""

import pytest
from bip_utils import (
    Base58Encoder,
    P2PKHAddrEncoder,
    P2SHAddrEncoder,
    P2WPKHAddrEncoder,
    TrxAddrEncoder,
)

from chains import hd, registry
from chains.addresses import InvalidAddress, eip55, example_address, validate_address
from chains.backends.sandbox import payer_address
from chains.registry import all_networks

G = bytes.fromhex("0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798")
LTC_LEGACY = P2PKHAddrEncoder.EncodeKey(G, net_ver=b"\x30")  # L…
LTC_SCRIPT = P2SHAddrEncoder.EncodeKey(G, net_ver=b"\x32")  # M…
LTC_SEGWIT = P2WPKHAddrEncoder.EncodeKey(G, hrp="ltc")
LTC_REGTEST = P2WPKHAddrEncoder.EncodeKey(G, hrp="rltc")
TESTNET_LEGACY = P2PKHAddrEncoder.EncodeKey(G, net_ver=b"\x6f")  # m…/n…
TRON = TrxAddrEncoder.EncodeKey(
    bytes.fromhex(
        "0479BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798"
        "483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8"
    )
)


def check(network: str, text: str) -> str:
    return validate_address(registry.network(network), text)


def refused(network: str, text: str) -> str:
    with pytest.raises(InvalidAddress) as info:
        check(network, text)
    return str(info.value)


def flip_last(address: str) -> str:
    """One character changed: what a typo does."""
    return address[:-1] + ("q" if address[-1] != "q" else "p")


@pytest.mark.parametrize(
    "address",
    [
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",  # P2WPKH
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",  # P2WSH, BIP173
        "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",  # taproot, BIP86
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # P2PKH
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # P2SH
    ],
)
def test_bitcoin_addresses_are_accepted(address):
    assert check("bitcoin", address) == address


def test_bech32_is_stored_lowercase_and_pasted_whitespace_is_dropped():
    assert (
        check("bitcoin", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")
        == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    )
    assert (
        check("bitcoin", " bc1qar0srrr7xfkvy5l643l\nydnw9re59gtzzwf5mdq \t")
        == "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    )


@pytest.mark.parametrize(
    "address,reason",
    [
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx", "checksum does not match"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "checksum does not match"),
        # witness v1 with a bech32 (not bech32m) checksum, BIP350
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "checksum"),
        # v0 with a 16-byte program, BIP350
        ("bc1qr508d6qejxtdg4y5r3zarvaryv98gj9p", "not a valid Bitcoin address"),
        # witness v2: valid text, but no wallet gives such addresses yet
        ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "not a valid Bitcoin address"),
        ("bc1qAr0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "not a valid Bitcoin address"),  # mixed case
        ("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "test network"),
        ("bcrt1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "test network"),
        (TESTNET_LEGACY, "test network"),
        (LTC_SEGWIT, "is for Litecoin"),
        (LTC_LEGACY, "is for Litecoin"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "is for Ethereum"),
        ("hello", "not a valid Bitcoin address"),
        ("", "Enter the address"),
    ],
)
def test_bitcoin_refusals_say_why(address, reason):
    assert reason in refused("bitcoin", address)


def test_litecoin_accepts_its_own_forms():
    for address in (LTC_LEGACY, LTC_SCRIPT, LTC_SEGWIT):
        assert check("litecoin", address) == address


@pytest.mark.parametrize(
    "address,reason",
    [
        (LTC_REGTEST, "test network"),  # a regtest address is refused for mainnet
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "is for Bitcoin"),  # 0x05: Bitcoin's script form
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "is for Bitcoin"),
        (flip_last(LTC_SEGWIT), "checksum"),
    ],
)
def test_litecoin_refusals(address, reason):
    assert reason in refused("litecoin", address)


def test_litecoin_regtest_takes_regtest_and_refuses_mainnet():
    assert check("litecoin-regtest", LTC_REGTEST) == LTC_REGTEST
    assert check("litecoin-regtest", TESTNET_LEGACY) == TESTNET_LEGACY
    assert "is for Litecoin" in refused("litecoin-regtest", LTC_SEGWIT)


@pytest.mark.parametrize(
    "address",
    [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ],
)
def test_eip55_vectors(address):
    assert eip55(address[2:].lower()) == address[2:]
    for network in ("ethereum", "bsc", "polygon", "ethereum-local"):
        assert check(network, address) == address


def test_evm_unchecksummed_forms_are_accepted_and_stored_checksummed():
    """EIP-55: all-lowercase and all-uppercase carry no checksum; exchanges show them so."""
    assert (
        check("ethereum", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
        == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )
    assert (
        check("ethereum", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED")
        == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )


@pytest.mark.parametrize(
    "address,reason",
    [
        ("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "checksum does not match"),  # wrong mix
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "0x followed by 40"),
        ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x followed by 40"),
        ("0xZaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x followed by 40"),
        ("0x0000000000000000000000000000000000000000", "zero address"),
        ("0xdAC17F958D2ee523a2206206994597C13D831ec7", "contract address"),  # USDT itself
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "is for Bitcoin"),
        (TRON, "0x followed by 40"),
    ],
)
def test_evm_refusals(address, reason):
    assert reason in refused("ethereum", address)


def test_tron():
    assert TRON.startswith("T")
    assert check("tron", TRON) == TRON
    assert "checksum" in refused("tron", flip_last(TRON))
    assert "contract address" in refused("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    assert "is for Ethereum" in refused("tron", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    assert "is for Bitcoin" in refused("tron", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    # base58check of the right length but another version byte
    other = Base58Encoder.CheckEncode(b"\x42" + bytes(20))
    assert "not a valid Tron (TRC-20) address" in refused("tron", other)


def test_sandbox_takes_its_derived_addresses_only():
    address = hd.derive_address("sandbox", hd.new_sandbox_xpub(), 3)
    assert check("sandbox", address.upper()) == address
    assert "checksum" in refused("sandbox", flip_last(address))
    assert "is for Bitcoin" in refused("sandbox", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    assert "is for Bitcoin" in refused("sandbox", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    assert "not a valid" in refused("sandbox", "sbx1qnotanaddress")


def test_the_sandbox_payer_shown_as_sender_is_a_sandbox_address():
    """The sender the sandbox makes up is shown on the invoice: the refund form takes it."""
    sender = payer_address("an invoice id")
    assert sender.startswith("sbx1q") and check("sandbox", sender) == sender
    assert payer_address("an invoice id") == sender != payer_address("another")


@pytest.mark.parametrize("code", sorted(all_networks()))
def test_the_example_shown_to_payers_is_an_address_of_the_network(code):
    example = example_address(registry.network(code))
    assert check(code, example) == example


def test_monero_refunds_take_primary_addresses_and_subaddresses_checksummed():
    from bip_utils import Monero

    wallet = Monero.FromPrivateSpendKey(bytes.fromhex("05" + "00" * 31))
    primary, sub = str(wallet.PrimaryAddress()), str(wallet.Subaddress(3))
    for code in ("monero", "monero-regtest"):
        assert check(code, primary) == primary and check(code, f" {sub}\n") == sub
        typo = primary[:-1] + ("A" if primary[-1] != "A" else "B")
        for wrong in (typo, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", primary[:40]):
            with pytest.raises(InvalidAddress, match="not a valid Monero"):
                check(code, wrong)
