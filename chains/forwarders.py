"""Deposit addresses that forward to a merchant's payout (issue 28), computed offline.

An address is the CREATE2 address of an EIP-1167 minimal proxy of the DepositForwarder
that the ForwarderFactory (contracts/) created with itself: keccak256(0xff ++ factory ++
keccak256(payout ++ salt) ++ keccak256(clone creation code))[12:]. Because the payout is
hashed into the CREATE2 salt, the address fixes where its funds can ever go; nothing is
deployed until the funds are collected. `factory_code_problem` says whether the code at a
configured factory address is ours (startup refuses forwarder mode otherwise).

Pure: no node, no database. bip_utils (for Keccak-256) is imported where it is needed,
as in chains/hd.py.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from chains.addresses import to_checksum_address

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
# EIP-1167: creation prefix + runtime up to the implementation address, then the rest.
CLONE_PREFIX = bytes.fromhex("3d602d80600a3d3981f3363d3d373d3d3d363d73")
CLONE_SUFFIX = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")


def keccak(data: bytes) -> bytes:
    from bip_utils import Kekkak256  # see chains/hd.py

    return Kekkak256.QuickDigest(data)


def _address_bytes(address: str) -> bytes:
    """20 bytes of an EVM address given as 0x-hex in any case."""
    return bytes.fromhex(to_checksum_address(address)[2:])


def implementation_address(factory: str) -> str:
    """The DepositForwarder the factory's constructor creates: the factory's first CREATE
    (contract nonces start at 1, EIP-161), keccak256(rlp([factory, 1]))[12:]."""
    rlp = b"\xd6\x94" + _address_bytes(factory) + b"\x01"
    return to_checksum_address(keccak(rlp)[12:].hex())


def clone_code(implementation: str) -> bytes:
    """The 55-byte EIP-1167 creation code of a clone delegating to `implementation`."""
    return CLONE_PREFIX + _address_bytes(implementation) + CLONE_SUFFIX


def payout_salt(payout: str, salt: int) -> bytes:
    """The CREATE2 salt: keccak256(abi.encode(payout, salt)), as the factory's _salt."""
    if not 0 <= salt < 2**256:
        raise ValueError(f"salt out of range: {salt}")
    return keccak(_address_bytes(payout).rjust(32, b"\0") + salt.to_bytes(32, "big"))


def create2_address(deployer: str, salt: bytes, code_hash: bytes) -> str:
    """EIP-1014: keccak256(0xff ++ deployer ++ salt ++ keccak256(init code))[12:]."""
    digest = keccak(b"\xff" + _address_bytes(deployer) + salt + code_hash)
    return to_checksum_address(digest[12:].hex())


def deposit_address(factory: str, payout: str, salt: int) -> str:
    """The deposit address for (payout, salt) under `factory` (its depositAddress)."""
    code_hash = keccak(clone_code(implementation_address(factory)))
    return create2_address(factory, payout_salt(payout, salt), code_hash)


@cache
def artifact(name: str) -> dict:
    """A committed contract artifact (contracts/<name>.json: ABI and bytecode)."""
    return json.loads((CONTRACTS / f"{name}.json").read_text())


def expected_runtime(name: str, immutables: list[bytes]) -> bytes:
    """The runtime code `name` has once deployed: its compiled runtime with each immutable
    (in declaration order, which solc numbers in order) written where solc references it."""
    compiled = artifact(name)
    code = bytearray.fromhex(compiled["deployedBytecode"][2:])
    references = sorted(compiled["immutableReferences"].items(), key=lambda kv: int(kv[0]))
    if len(references) != len(immutables):
        raise ValueError(f"{name} has {len(references)} immutables, not {len(immutables)}")
    for (_, places), value in zip(references, immutables, strict=True):
        for place in places:
            code[place["start"] : place["start"] + place["length"]] = value.rjust(32, b"\0")
    return bytes(code)


def factory_code_problem(factory: str, factory_code: bytes, implementation_code: bytes) -> str:
    """Why the code at `factory` (and at its implementation) is not our ForwarderFactory,
    or "" when it is, byte for byte."""
    implementation = implementation_address(factory)
    impl_bytes = _address_bytes(implementation)
    expected_factory = expected_runtime(
        "ForwarderFactory", [impl_bytes, keccak(clone_code(implementation))]
    )
    if not factory_code:
        return f"no contract at {factory}"
    if factory_code != expected_factory:
        return f"the code at {factory} is not the ForwarderFactory in contracts/"
    if implementation_code != expected_runtime("DepositForwarder", [_address_bytes(factory)]):
        return f"the code at {implementation} is not the DepositForwarder in contracts/"
    return ""


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def collect_calldata(payout: str, salts: list[int], tokens: list[str]) -> bytes:
    """The ABI-encoded call `collect(payout, salts, tokens)` of the factory: the selector,
    the payout, the two arrays' offsets, then each array as its length and its items."""
    selector = keccak(b"collect(address,uint256[],address[])")[:4]
    head_size = 3 * 32
    salts_part = _word(len(salts)) + b"".join(_word(salt) for salt in salts)
    tokens_part = _word(len(tokens)) + b"".join(
        _address_bytes(token).rjust(32, b"\0") for token in tokens
    )
    return (
        selector
        + _address_bytes(payout).rjust(32, b"\0")
        + _word(head_size)
        + _word(head_size + len(salts_part))
        + salts_part
        + tokens_part
    )


def balance_of_calldata(holder: str) -> bytes:
    """The ABI-encoded call `balanceOf(holder)` of an ERC-20."""
    return keccak(b"balanceOf(address)")[:4] + _address_bytes(holder).rjust(32, b"\0")
