"""BitcoinRPCBackend against a real Litecoin Core regtest node, plus recorded getblock answers
of Bitcoin Core ≥ 22 (which a Debian machine cannot run) and 0.21."""

import dataclasses
import json
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import responses

from chains.backends.bitcoin_rpc import BitcoinRPCBackend, to_satoshi
from chains.registry import get_network


@pytest.fixture
def backend(litecoind):
    backend = BitcoinRPCBackend(litecoind.network)
    yield backend
    backend.close()


def everything(addresses):
    """A watched lookup that watches every address."""
    return set(addresses)


def watching(*watched):
    """A watched lookup over these addresses that records what it was asked."""

    def lookup(addresses):
        lookup.asked.append(set(addresses))
        return set(addresses) & set(watched)

    lookup.asked = []
    return lookup


def block_at(backend, height, watched=everything):
    (block,) = backend.blocks(height, height, watched)
    return block


def counting(backend, monkeypatch):
    """The JSON-RPC methods the backend calls from now on, one entry per call."""
    methods, batch = [], backend.rpc.batch

    def counted(calls, **kwargs):
        calls = list(calls)
        methods.extend(method for method, _ in calls)
        return batch(calls, **kwargs)

    monkeypatch.setattr(backend.rpc, "batch", counted)
    return methods


def senders_of(node, txid):
    """The addresses a transaction spends from, asked of the node input by input."""
    addresses = []
    for vin in node.rpc("getrawtransaction", txid, True)["vin"]:
        spent = node.rpc("getrawtransaction", vin["txid"], True)["vout"][vin["vout"]]
        addresses += [a for a in spent["scriptPubKey"]["addresses"] if a not in addresses]
    return tuple(addresses)


def test_payment_seen_in_mempool_then_in_block(litecoind, backend):
    address = litecoind.new_address()
    txid = litecoind.rpc("sendtoaddress", address, "1.23456789")

    seen = datetime.now(UTC)
    mempool = backend.mempool(everything)
    assert txid in mempool.txids
    pending = [t for t in mempool.transfers if t.to_address == address]
    assert len(pending) == 1
    transfer = pending[0]
    entry_time = litecoind.rpc("getmempoolentry", txid)["time"]
    assert transfer.time == datetime.fromtimestamp(entry_time, UTC)  # the node's first-seen
    assert abs((transfer.time - seen).total_seconds()) < 5
    assert (transfer.txid, transfer.asset, transfer.amount) == (txid, "LTC", 123_456_789)
    assert transfer.network == "litecoin-regtest"
    assert transfer.from_addresses == senders_of(litecoind, txid)
    assert transfer.from_addresses  # the wallet's own funding address
    assert (transfer.block_height, transfer.block_hash) == (None, None)
    vout = litecoind.rpc("getrawtransaction", txid, True)["vout"]
    assert vout[transfer.index]["scriptPubKey"]["addresses"] == [address]

    block_hash = litecoind.mine(1)[0]
    height = litecoind.rpc("getblockheader", block_hash)["height"]
    block = block_at(backend, height)
    assert (block.height, block.hash) == (height, block_hash)
    assert block.parent_hash == litecoind.rpc("getblockhash", height - 1)
    block_time = datetime.fromtimestamp(litecoind.rpc("getblock", block_hash)["time"], UTC)
    assert block.time == block_time
    mined = [t for t in block.transfers if t.to_address == address]
    assert mined == [
        dataclasses.replace(transfer, block_height=height, block_hash=block_hash, time=block_time)
    ]
    after = backend.mempool(everything)
    assert txid not in after.txids
    assert all(t.txid != txid for t in after.transfers)


def test_coinbase_has_no_sender_and_no_nulldata_transfer(litecoind, backend):
    block_hash = litecoind.mine(1)[0]
    height = litecoind.rpc("getblockheader", block_hash)["height"]
    (coinbase,) = block_at(backend, height).transfers  # the OP_RETURN commitment is left out
    assert coinbase.to_address == litecoind.mining_address
    assert coinbase.from_addresses == ()
    assert coinbase.amount == to_satoshi(
        litecoind.rpc("getblock", block_hash, 2)["tx"][0]["vout"][0]["value"]
    )


def test_tip_and_block_hash_agree(litecoind, backend):
    tip = backend.tip()
    assert tip.height == litecoind.rpc("getblockcount")
    assert backend.block_hash(tip.height) == tip.hash
    assert backend.block_hash(tip.height + 1) is None
    block = block_at(backend, tip.height)
    assert (block.height, block.hash) == (tip.height, tip.hash)
    assert block.parent_hash == backend.block_hash(tip.height - 1)
    with pytest.raises(LookupError):
        block_at(backend, tip.height + 1)
    with pytest.raises(LookupError):
        backend.blocks(tip.height, tip.height + 1, everything)


def test_blocks_equal_single_block_calls(litecoind, backend):
    litecoind.rpc("sendtoaddress", litecoind.new_address(), "0.5")
    litecoind.mine(2)
    stop = backend.tip().height
    assert backend.blocks(stop - 3, stop, everything) == [
        block_at(backend, h) for h in range(stop - 3, stop + 1)
    ]


def test_reorg_changes_block_hash(litecoind, backend):
    height = backend.tip().height + 1
    old = litecoind.mine(1)[0]
    assert backend.block_hash(height) == old
    litecoind.rpc("invalidateblock", old)
    assert backend.block_hash(height) is None
    litecoind.mine(2, litecoind.new_address())  # a longer branch, with other coinbases
    new = backend.block_hash(height)
    assert new not in (None, old)
    assert block_at(backend, height).hash == new
    assert block_at(backend, height + 1).parent_hash == new


def test_fee_estimate(backend):
    # Without fee history regtest falls back to 0.0001 LTC/kvB x 141 vB = 1410 sat; once other
    # tests have mined payments, the node's own estimate (just above it) takes over.
    assert 1410 <= backend.fee_estimate() < 2000


def test_block_of_200_transfers(litecoind, backend):
    """100 payments, each spending its own coinbase, in one block: every output and sender
    found. Prints how long reading the block takes."""
    litecoind.mine(100)  # mature coinbases, one per payment, so 100 distinct prevouts
    coins = [c for c in litecoind.rpc("listunspent", 100) if c["amount"] >= 1][:100]
    assert len(coins) == 100
    payees = {}
    for coin in coins:
        payee = litecoind.new_address()
        change = str(coin["amount"] - Decimal("0.1001"))  # 0.0001 LTC fee
        raw = litecoind.rpc(
            "createrawtransaction",
            [{"txid": coin["txid"], "vout": coin["vout"]}],
            {payee: "0.1", coin["address"]: change},
        )
        signed = litecoind.rpc("signrawtransactionwithwallet", raw)["hex"]
        payees[litecoind.rpc("sendrawtransaction", signed)] = (payee, coin["address"])
    height = litecoind.rpc("getblockheader", litecoind.mine(1)[0])["height"]

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        block = block_at(backend, height)
        timings.append(time.perf_counter() - started)

    assert len(block.transfers) == 201  # 100 x (payment + change) + coinbase
    paid = {t.txid: t for t in block.transfers if t.amount == 10_000_000}
    assert {txid: (t.to_address, t.from_addresses[0]) for txid, t in paid.items()} == payees
    print(
        f"\nlitecoind blocks() with {len(block.transfers)} transfers: "
        f"median {statistics.median(timings) * 1000:.1f} ms, best {min(timings) * 1000:.1f} ms"
    )


# Recorded answers. Core ≥ 22: `address`, and `prevout` at verbosity 3 (Bitcoin Core 25).
# 0.29 is the kind of amount a float turns into 28999999 satoshi.
CORE_25_BLOCK = """{
  "hash": "00000000000000000001c9e0d8b5a3f7b0e3e1e6f2c1d4b8a9f0e7d6c5b4a392",
  "confirmations": 3, "height": 840000, "version": 536870912, "nTx": 2, "time": 1713571767,
  "previousblockhash": "0000000000000000000172014ba58d66455762add0512355ad651207918494ab",
  "tx": [
    {"txid": "c0ffee0000000000000000000000000000000000000000000000000000000001",
     "vin": [{"coinbase": "0340d10c", "sequence": 4294967295}],
     "vout": [
       {"value": 3.12501410, "n": 0, "scriptPubKey": {
        "asm": "0 e8df018c7e326cc253faac7e46cdc51e68542c42",
        "desc": "addr(bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq)#x3ak0clf",
        "hex": "0014e8df018c7e326cc253faac7e46cdc51e68542c42",
        "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "type": "witness_v0_keyhash"}},
       {"value": 0.00000000, "n": 1, "scriptPubKey": {"asm": "OP_RETURN aa21a9ed",
        "desc": "raw(6a04aa21a9ed)#k6sw2v3s", "hex": "6a04aa21a9ed", "type": "nulldata"}}]},
    {"txid": "c0ffee0000000000000000000000000000000000000000000000000000000002",
     "vin": [{"txid": "c0ffee0000000000000000000000000000000000000000000000000000000003",
              "vout": 1, "scriptSig": {"asm": "", "hex": ""}, "sequence": 4294967293,
              "prevout": {"generated": false, "height": 839990, "value": 0.50000000,
                          "scriptPubKey": {
                            "address": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
                            "type": "witness_v0_keyhash"}}}],
     "vout": [
       {"value": 0.29000000, "n": 0, "scriptPubKey": {
        "address": "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
        "type": "witness_v1_taproot"}},
       {"value": 0.20998590, "n": 1, "scriptPubKey": {
        "address": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", "type": "witness_v0_keyhash"}}],
     "fee": 0.00001410}]}"""

# Litecoin Core 0.21 (a real regtest answer, trimmed): an `addresses` list, no `prevout`.
CORE_021_BLOCK = """{
  "hash": "bc3307f6e8fd53c8e9808e06e4d34e9b2b23b5c966b4af65b890fcfd1c766671",
  "height": 102, "nTx": 2, "time": 1764590000,
  "previousblockhash": "9df6f838ae8d98f554461066346cf0dde09985fd231f83bac08841cc1aaf0727",
  "tx": [
    {"txid": "d5222e136bd6bd5ef80f1bd4ab2bb88ed20e26ebbe8769dc10f5fbd287640435",
     "vin": [{"ismweb": false, "coinbase": "01660101", "sequence": 4294967295}],
     "vout": [
       {"ismweb": false, "value": 50.00001410, "n": 0, "scriptPubKey": {
        "asm": "0 e290ae44e8e5a6509973037945f3a0665fcd5bd4", "reqSigs": 1,
        "type": "witness_v0_keyhash",
        "addresses": ["rltc1qu2g2u38gukn9pxtnqdu5tuaqve0u6k75sln672"]}},
       {"ismweb": false, "value": 0E-8, "n": 1, "scriptPubKey": {
        "asm": "OP_RETURN aa21a9ed92777b847c1eba4799503ae201bc4a329eb781b0f01d1c38c43c32534f20cb1c",
        "type": "nulldata"}}]},
    {"txid": "3c763119ad7c1c559c6be95ffaec71c02795b46c440e3477fa89a888162a2f7c",
     "vin": [{"ismweb": false,
              "txid": "7013a70f515a3fee26ee474e2b09996362cf1875460a9172d8b51f6273983bef",
              "vout": 0, "scriptSig": {"asm": "", "hex": ""}, "sequence": 4294967294}],
     "vout": [
       {"ismweb": false, "value": 48.76541801, "n": 0, "scriptPubKey": {"reqSigs": 1,
        "type": "witness_v0_keyhash",
        "addresses": ["rltc1qlarz6v0ahujdyu6em2ctfj2psy7qrjgueqcv8j"]}},
       {"ismweb": false, "value": 1.23456789, "n": 1, "scriptPubKey": {"reqSigs": 1,
        "type": "witness_v0_keyhash",
        "addresses": ["rltc1qvnfy3uhkm8clnn3rvw4qvhc23hctgs2aeylunp"]}}]}]}"""

CORE_021_FUNDING_TX = """{
  "txid": "7013a70f515a3fee26ee474e2b09996362cf1875460a9172d8b51f6273983bef",
  "vin": [{"coinbase": "510101", "sequence": 4294967295}],
  "vout": [{"value": 50.00000000, "n": 0, "scriptPubKey": {"reqSigs": 1,
            "type": "witness_v0_keyhash",
            "addresses": ["rltc1qu2g2u38gukn9pxtnqdu5tuaqve0u6k75sln672"]}}]}"""


def fake_node(answers):
    """Answers JSON-RPC batches from recorded JSON text: answers[method](params) gives the
    result as JSON text, or a (code, message) error."""
    calls = []

    def reply(request):
        parts = []
        for call in json.loads(request.body):
            calls.append((call["method"], call["params"]))
            answer = answers[call["method"]](call["params"])
            if isinstance(answer, tuple):
                error = json.dumps({"code": answer[0], "message": answer[1]})
                parts.append(f'{{"id": {call["id"]}, "result": null, "error": {error}}}')
            else:
                parts.append(f'{{"id": {call["id"]}, "result": {answer}, "error": null}}')
        return 200, {}, "[" + ",".join(parts) + "]"

    responses.add_callback(responses.POST, "http://node.test/", callback=reply)
    return calls


def recorded_backend(code):
    return BitcoinRPCBackend(dataclasses.replace(get_network(code), rpc_url="http://node.test/"))


@responses.activate
def test_core_25_block_uses_address_and_prevout():
    calls = fake_node(
        {
            "getblockhash": lambda params: json.dumps(json.loads(CORE_25_BLOCK)["hash"]),
            "getblock": lambda params: CORE_25_BLOCK,
        }
    )
    block = block_at(recorded_backend("bitcoin"), 840000)
    assert [(t.index, t.to_address, t.amount, t.from_addresses) for t in block.transfers] == [
        (0, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", 312_501_410, ()),
        (
            0,
            "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
            29_000_000,
            ("bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",),
        ),
        (
            1,
            "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
            20_998_590,
            ("bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",),
        ),
    ]
    assert {t.asset for t in block.transfers} == {"BTC"}
    assert block.transfers[1].block_height == 840000
    assert block.time == block.transfers[1].time == datetime(2024, 4, 20, 0, 9, 27, tzinfo=UTC)
    assert [method for method, _ in calls] == ["getblockhash", "getblock"]  # no prevout lookups


@responses.activate
def test_core_021_block_uses_addresses_list_and_funding_transactions():
    calls = fake_node(
        {
            "getblockhash": lambda params: json.dumps(json.loads(CORE_021_BLOCK)["hash"]),
            "getblock": lambda params: CORE_021_BLOCK,
            "getrawtransaction": lambda params: CORE_021_FUNDING_TX,
        }
    )
    block = block_at(recorded_backend("litecoin-regtest"), 102)
    miner = "rltc1qu2g2u38gukn9pxtnqdu5tuaqve0u6k75sln672"
    assert [(t.index, t.to_address, t.amount, t.from_addresses) for t in block.transfers] == [
        (0, miner, 5_000_001_410, ()),
        (0, "rltc1qlarz6v0ahujdyu6em2ctfj2psy7qrjgueqcv8j", 4_876_541_801, (miner,)),
        (1, "rltc1qvnfy3uhkm8clnn3rvw4qvhc23hctgs2aeylunp", 123_456_789, (miner,)),
    ]
    assert block.parent_hash == "9df6f838ae8d98f554461066346cf0dde09985fd231f83bac08841cc1aaf0727"
    assert calls[-1] == (
        "getrawtransaction",
        ["7013a70f515a3fee26ee474e2b09996362cf1875460a9172d8b51f6273983bef", True],
    )


@responses.activate
def test_without_txindex_senders_stay_unknown():
    fake_node(
        {
            "getblockhash": lambda params: json.dumps(json.loads(CORE_021_BLOCK)["hash"]),
            "getblock": lambda params: CORE_021_BLOCK,
            "getrawtransaction": lambda params: (-5, "No such mempool transaction. Use -txindex"),
        }
    )
    block = block_at(recorded_backend("litecoin-regtest"), 102)
    assert [t.from_addresses for t in block.transfers] == [(), (), ()]


def recorded_021(funding=CORE_021_FUNDING_TX):
    return fake_node(
        {
            "getblockhash": lambda params: json.dumps(json.loads(CORE_021_BLOCK)["hash"]),
            "getblock": lambda params: CORE_021_BLOCK,
            "getrawtransaction": lambda params: funding,
        }
    )


@responses.activate
def test_outputs_are_matched_in_one_lookup_before_any_sender_is_fetched():
    calls = recorded_021()
    backend = recorded_backend("litecoin-regtest")
    payee = "rltc1qvnfy3uhkm8clnn3rvw4qvhc23hctgs2aeylunp"
    nobody = watching()
    assert block_at(backend, 102, nobody).transfers == ()
    assert nobody.asked == [
        {
            payee,
            "rltc1qlarz6v0ahujdyu6em2ctfj2psy7qrjgueqcv8j",
            "rltc1qu2g2u38gukn9pxtnqdu5tuaqve0u6k75sln672",
        }
    ]
    assert [method for method, _ in calls] == ["getblockhash", "getblock"]  # no sender lookup

    calls.clear()
    (transfer,) = block_at(backend, 102, watching(payee)).transfers
    assert (transfer.index, transfer.to_address, transfer.amount) == (1, payee, 123_456_789)
    assert transfer.from_addresses == ("rltc1qu2g2u38gukn9pxtnqdu5tuaqve0u6k75sln672",)
    assert [method for method, _ in calls] == ["getblockhash", "getblock", "getrawtransaction"]


def test_a_batch_of_blocks_is_matched_in_one_lookup(litecoind, backend):
    payees = [litecoind.new_address() for _ in range(3)]
    for payee in payees:
        litecoind.rpc("sendtoaddress", payee, "0.01")
        litecoind.mine(1)
    stop = backend.tip().height
    lookup = watching(*payees)
    blocks = backend.blocks(stop - 2, stop, lookup)
    assert len(lookup.asked) == 1
    assert [[t.to_address for t in block.transfers] for block in blocks] == [[p] for p in payees]
    assert all(t.time == block.time for block in blocks for t in block.transfers)


def test_mempool_fetches_only_newcomers_and_senders_only_of_matches(
    litecoind, backend, monkeypatch
):
    litecoind.mine(1)  # an empty mempool; the payment spends a confirmed coin
    payee, other = litecoind.new_address(), litecoind.new_address()
    paid = litecoind.rpc("sendtoaddress", payee, "0.02")
    unwatched = litecoind.rpc("sendtoaddress", other, "0.03")
    funding = {vin["txid"] for vin in litecoind.rpc("getrawtransaction", paid, True)["vin"]}
    lookup = watching(payee)
    methods = counting(backend, monkeypatch)
    mempool = backend.mempool(lookup)
    assert mempool.txids == {paid, unwatched}
    assert [t.txid for t in mempool.transfers] == [paid]
    assert len(lookup.asked) == 1 and {payee, other} <= lookup.asked[0]
    # Both newcomers decoded, then only the match's funding transactions and first-seen time.
    assert methods == [
        "getrawmempool",
        *["getrawtransaction"] * (2 + len(funding)),
        "getmempoolentry",
    ]

    methods.clear()
    again = backend.mempool(lookup)
    assert again == mempool
    assert methods == ["getrawmempool"]  # nothing new: one call
    litecoind.mine(1)


def test_to_satoshi_is_exact():
    assert to_satoshi(Decimal("0.29")) == 29_000_000
    assert to_satoshi(Decimal("20999999.99999999")) == 2_099_999_999_999_999
    with pytest.raises(ValueError):
        to_satoshi(Decimal("0.000000001"))
