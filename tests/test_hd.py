"""chains.hd: address derivation from account xpubs. Pure: no Django, no database.

Account keys are derived here from the BIP39 test mnemonic with bip-utils' own BIP44/84
classes, independently of the code under test, and checked against published addresses.
"""

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from bip_utils import (
    Base58Decoder,
    Base58Encoder,
    Bip32Slip10Secp256k1,
    Bip39SeedGenerator,
    Bip44,
    Bip44Changes,
    Bip44Coins,
    Bip84,
    Bip84Coins,
    SegwitBech32Decoder,
)

# With `-p no:django` nothing puts the project root on sys.path (pytest-django does).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from chains import hd  # noqa: E402
from core.errors import ErrorCode, GatewayError  # noqa: E402

MNEMONIC = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)
SEED = Bip39SeedGenerator(MNEMONIC).Generate()

# BIP84 test vectors (github.com/bitcoin/bips/blob/master/bip-0084.mediawiki).
BIP84_ZPUB = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"  # noqa: E501
BIP84_ADDRESSES = [
    "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
    "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g",
]
# m/44'/60'/0'/0/0 of the test mnemonic, as every Ethereum wallet shows it.
EVM_ADDRESS = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
# m/44'/195'/0'/0/0: the address the Ledger Tron app's own test script expects, also what
# Ian Coleman's BIP39 tool and Trust Wallet Core give; bip-utils agrees.
TRON_ADDRESS = "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
# m/84'/2'/0'/0/0 and /0/1 (Trust Wallet Core, Electrum-LTC).
LTC_ADDRESSES = [
    "ltc1qjmxnz78nmc8nq77wuxh25n2es7rzm5c2rkk4wh",
    "ltc1qwlezpr3890hcp6vva9twqh27mr6edadreqvhnn",
]


def account(cls, coin):
    """The BIP44/84 account node (m/purpose'/coin'/0') of the test mnemonic."""
    return cls.FromSeed(SEED, coin).Purpose().Coin().Account(0)


def account_xpub(cls, coin) -> str:
    return account(cls, coin).PublicKey().ToExtended()


def to_tpub(xpub: str) -> str:
    """A testnet account key as tpub, the form litecoind's descriptors accept (they reject
    ttub/vpub): the form the gateway stores for the litecoin-regtest family."""
    return hd.validate_xpub("litecoin-regtest", xpub)


def with_version(key: str, version_hex: str) -> str:
    """The same key under other version bytes (what another wallet would export)."""
    return Base58Encoder.CheckEncode(
        bytes.fromhex(version_hex) + Base58Decoder.CheckDecode(key)[4:]
    )


def test_families():
    assert hd.FAMILIES == (
        "bitcoin",
        "litecoin",
        "litecoin-regtest",
        "bitcoin-testnet",
        "litecoin-testnet",
        "evm",
        "tron",
        "sandbox",
    )


def test_bip84_vectors_from_published_zpub():
    assert account_xpub(Bip84, Bip84Coins.BITCOIN) == BIP84_ZPUB
    assert hd.validate_xpub("bitcoin", BIP84_ZPUB) == BIP84_ZPUB
    assert hd.derive_address("bitcoin", BIP84_ZPUB, 0) == BIP84_ADDRESSES[0]
    assert hd.derive_address("bitcoin", BIP84_ZPUB, 1) == BIP84_ADDRESSES[1]


def test_bitcoin_key_with_xpub_version_bytes_gives_same_addresses():
    xpub = with_version(BIP84_ZPUB, "0488b21e")
    assert xpub.startswith("xpub")
    assert hd.derive_addresses("bitcoin", xpub, 0, 2) == BIP84_ADDRESSES
    assert hd.validate_xpub("bitcoin", xpub) == BIP84_ZPUB  # stored in one canonical form


def test_whitespace_in_pasted_key_is_ignored():
    pasted = f"  {BIP84_ZPUB[:40]}\n{BIP84_ZPUB[40:80]} {BIP84_ZPUB[80:]}\t\n"
    assert hd.validate_xpub("bitcoin", pasted) == BIP84_ZPUB
    assert hd.derive_address("bitcoin", pasted, 0) == BIP84_ADDRESSES[0]


def test_evm_known_address_checksummed():
    xpub = account_xpub(Bip44, Bip44Coins.ETHEREUM)
    assert hd.validate_xpub("evm", xpub) == xpub
    assert hd.derive_address("evm", xpub, 0) == EVM_ADDRESS


def test_tron_known_address():
    xpub = account_xpub(Bip44, Bip44Coins.TRON)
    assert hd.validate_xpub("tron", xpub) == xpub
    assert hd.derive_address("tron", xpub, 0) == TRON_ADDRESS


def test_litecoin_mainnet():
    zpub = account_xpub(Bip84, Bip84Coins.LITECOIN)
    assert hd.validate_xpub("litecoin", zpub) == zpub
    assert hd.derive_addresses("litecoin", zpub, 0, 2) == LTC_ADDRESSES
    for version in ("0488b21e", "019da462"):  # xpub, Ltub
        other = with_version(zpub, version)
        assert hd.validate_xpub("litecoin", other) == zpub
        assert hd.derive_address("litecoin", other, 1) == LTC_ADDRESSES[1]


def test_litecoin_regtest_and_to_tpub():
    node = account(Bip84, Bip84Coins.LITECOIN_TESTNET)
    ttub = node.PublicKey().ToExtended()
    assert ttub.startswith("ttub")
    assert hd.validate_xpub("litecoin-regtest", ttub).startswith("tpub")
    address = hd.derive_address("litecoin-regtest", ttub, 0)
    assert address.startswith("rltc1q")
    # Same witness program as bip-utils' Litecoin testnet address: only the hrp differs.
    tltc = node.Change(Bip44Changes.CHAIN_EXT).AddressIndex(0).PublicKey().ToAddress()
    assert SegwitBech32Decoder.Decode("rltc", address) == SegwitBech32Decoder.Decode("tltc", tltc)

    tpub = to_tpub(ttub)
    assert tpub.startswith("tpub")
    assert Base58Decoder.CheckDecode(tpub)[4:] == Base58Decoder.CheckDecode(ttub)[4:]
    expected_pubkey = (
        node.Change(Bip44Changes.CHAIN_EXT).AddressIndex(3).PublicKey().RawCompressed().ToBytes()
    )
    derived = Bip32Slip10Secp256k1.FromExtendedKey(with_version(tpub, "0488b21e")).DerivePath("0/3")
    assert derived.PublicKey().RawCompressed().ToBytes() == expected_pubkey
    assert hd.derive_addresses("litecoin-regtest", tpub, 0, 3) == hd.derive_addresses(
        "litecoin-regtest", ttub, 0, 3
    )
    assert to_tpub(tpub) == tpub


def test_to_tpub_rejects_mainnet_key():
    with pytest.raises(GatewayError, match="needs a testnet"):
        to_tpub(BIP84_ZPUB)


def test_new_sandbox_xpub():
    first, second = hd.new_sandbox_xpub(), hd.new_sandbox_xpub()
    assert first != second
    assert first.startswith("tpub")
    assert hd.validate_xpub("sandbox", first) == first
    addresses = hd.derive_addresses("sandbox", first, 0, 3)
    assert all(a.startswith("sbx1q") for a in addresses)
    assert len(set(addresses)) == 3
    assert addresses != hd.derive_addresses("sandbox", second, 0, 3)


def test_sandbox_accepts_vpub():
    vpub = account_xpub(Bip84, Bip84Coins.BITCOIN_TESTNET)
    assert vpub.startswith("vpub")
    tpub = hd.validate_xpub("sandbox", vpub)
    assert tpub.startswith("tpub")
    assert hd.derive_address("sandbox", vpub, 0) == hd.derive_address("sandbox", tpub, 0)


def _private(cls, coin) -> str:
    return account(cls, coin).PrivateKey().ToExtended()


def _depth_key(path: str) -> str:
    return Bip32Slip10Secp256k1.FromSeed(SEED).DerivePath(path).PublicKey().ToExtended()


def _bad_point_key() -> str:
    raw = Base58Decoder.CheckDecode(BIP84_ZPUB)
    return Base58Encoder.CheckEncode(raw[:46] + b"\xff" * 32)  # x beyond the field prime


@pytest.mark.parametrize(
    ("family", "key", "message"),
    [
        (
            "bitcoin",
            account_xpub(Bip44, Bip44Coins.BITCOIN_TESTNET),
            "this key is for Bitcoin testnet (tpub), the bitcoin family needs a mainnet zpub/xpub",
        ),
        (
            "bitcoin",
            account_xpub(Bip84, Bip84Coins.BITCOIN_TESTNET),
            "the bitcoin family needs a mainnet",
        ),
        (
            "litecoin-regtest",
            BIP84_ZPUB,
            "the litecoin-regtest family needs a testnet tpub/vpub/ttub",
        ),
        ("sandbox", account_xpub(Bip44, Bip44Coins.ETHEREUM), "the sandbox family needs a testnet"),
        ("evm", BIP84_ZPUB, "the evm family needs a mainnet xpub (m/44'/60'/0')"),
        ("bitcoin", with_version(BIP84_ZPUB, "049d7cb2"), "nested SegWit"),  # ypub
        (
            "bitcoin",
            _private(Bip44, Bip44Coins.BITCOIN),
            "this is a private key; paste the account's public key",
        ),
        ("bitcoin", _private(Bip84, Bip84Coins.BITCOIN), "this is a private key"),
        ("sandbox", _private(Bip44, Bip44Coins.BITCOIN_TESTNET), "this is a private key"),
        ("bitcoin", "not a key at all", "not an extended public key"),
        ("bitcoin", "0OIl", "not an extended public key"),
        ("bitcoin", "zpub…", "not an extended public key"),
        ("bitcoin", BIP84_ZPUB[:-4], "checksum mismatch — the key was not copied completely"),
        ("bitcoin", BIP84_ZPUB[:-1] + "t", "checksum mismatch"),
        ("bitcoin", Base58Encoder.CheckEncode(b"\x04\xb2\x47\x46\x03"), "wrong length"),
        ("bitcoin", "", "no key given"),
        ("bitcoin", "   \n", "no key given"),
        ("foo", BIP84_ZPUB, "unknown wallet family 'foo'"),
        ("bitcoin", _depth_key("m"), "this is not an account-level key"),
        (
            "evm",
            _depth_key("m/44'/60'/0'/0"),
            "not an account-level key (it has depth 4; expected depth 3, m/44'/60'/0')",
        ),
        ("bitcoin", _bad_point_key(), "not a valid public key"),
        ("bitcoin", with_version(BIP84_ZPUB, "deadbeef"), "unrecognised key type"),
    ],
)
def test_rejections(family, key, message):
    with pytest.raises(GatewayError) as excinfo:
        hd.validate_xpub(family, key)
    assert message in str(excinfo.value)
    assert (excinfo.value.code, excinfo.value.param) == (ErrorCode.INVALID_XPUB, "xpub")
    with pytest.raises(GatewayError):
        hd.derive_address(family, key, 0)


def test_electrum_depth_one_zpub_is_accepted_for_bitcoin():
    zpub = with_version(_depth_key("m/0'"), "04b24746")
    assert hd.validate_xpub("bitcoin", zpub) == zpub
    assert hd.derive_address("bitcoin", zpub, 0).startswith("bc1q")


def test_determinism_and_batch():
    first = hd.derive_address("bitcoin", BIP84_ZPUB, 7)
    hd._account.cache_clear()
    assert hd.derive_address("bitcoin", BIP84_ZPUB, 7) == first
    batch = hd.derive_addresses("bitcoin", BIP84_ZPUB, 0, 5)
    assert batch == [hd.derive_address("bitcoin", BIP84_ZPUB, i) for i in range(5)]
    assert len(set(batch)) == 5
    assert hd.derive_addresses("bitcoin", BIP84_ZPUB, 3, 2) == batch[3:5]
    assert hd.derive_addresses("bitcoin", BIP84_ZPUB, 0, 0) == []


def test_index_bounds():
    assert hd.derive_address("evm", account_xpub(Bip44, Bip44Coins.ETHEREUM), 2**31 - 1).startswith(
        "0x"
    )
    for index in (-1, 2**31):
        with pytest.raises(ValueError, match="index"):
            hd.derive_address("bitcoin", BIP84_ZPUB, index)
    with pytest.raises(ValueError, match="count"):
        hd.derive_addresses("bitcoin", BIP84_ZPUB, 0, -1)


def test_concurrent_derivation_matches_sequential():
    xpub = account_xpub(Bip44, Bip44Coins.TRON)
    expected = hd.derive_addresses("tron", xpub, 0, 40)
    hd._account.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda i: hd.derive_address("tron", xpub, i), range(40)))
    assert got == expected
