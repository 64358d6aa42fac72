"""The TRON backend against the test node, through the backend interface: what a block
yields, what it costs in requests, the tip it follows, fees, and what it refuses to count."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from chains import registry, tron_addresses
from chains.backends.base import BlockRef, Mempool
from chains.backends.tron import NO_PENDING_LIST, PENDING_NOT_READ, TronBackend
from tests.test_chain_litecoin import configure_chains
from tests.tron_node import Account, to_hex21

USDT = tron_addresses.to_base58("41" + "a1" * 20)  # the local network's USDT contract
FAKE_USDT = tron_addresses.to_base58("41" + "f0" * 20)  # another contract calling itself USDT
ROUTER = tron_addresses.to_base58("41" + "bb" * 20)


def tron_config(node, extra: str = "") -> str:
    return f"""
[networks.tron-local]
rpc_url = "{node.url}"
genesis = "{node.genesis_id}"
{extra}
[[networks.tron-local.tokens]]
symbol = "USDT"
contract = "{to_hex21(USDT)}"
decimals = 6
"""


@pytest.fixture
def backend(tron_node, settings, tmp_path):
    configure_chains(settings, tmp_path, tron_config(tron_node, 'api_key = "k-123"'))
    backend = TronBackend(registry.get_network("tron-local"))
    yield backend
    backend.close()


class Watch:
    """A watched-address lookup that remembers what it was asked."""

    def __init__(self, *addresses):
        self.addresses, self.calls = set(addresses), []

    def __call__(self, candidates):
        self.calls.append(set(candidates))
        return candidates & self.addresses


def test_token_contracts_from_the_config_are_stored_in_base58():
    assert (
        registry.get_network("tron").asset("USDT").contract == "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    )


def test_trx_and_trc20_transfers_to_watched_addresses(backend, tron_node):
    alice, bob = Account.new(), Account.new()
    shop, other = Account.new().address, Account.new().address
    trx = tron_node.send_trx(alice, shop, 12_500_000)
    tron_node.send_trx(alice, other, 1)
    usdt = tron_node.send_token(bob, USDT, shop, 30_000_000)
    tron_node.mine()
    watch = Watch(shop)
    [block] = backend.blocks(1, 1, watch)
    assert [(t.txid, t.index, t.asset, t.amount, t.from_addresses) for t in block.transfers] == [
        (trx, 0, "TRX", 12_500_000, (alice.address,)),
        (usdt, 1, "USDT", 30_000_000, (bob.address,)),
    ]
    assert {t.to_address for t in block.transfers} == {shop}
    assert block.transfers[0].block_hash == block.hash == tron_node.blocks[1]["blockID"]
    assert block.parent_hash == tron_node.genesis_id
    assert block.time == block.transfers[0].time
    assert block.time == datetime.fromtimestamp(
        tron_node.blocks[1]["block_header"]["raw_data"]["timestamp"] / 1000, tz=UTC
    )
    assert watch.calls == [{shop, other}]  # one lookup for the block, all its candidates
    assert tron_node.headers["TRON-PRO-API-KEY"] == "k-123"


def test_transfer_from_and_a_transfer_made_by_another_contract_count(backend, tron_node):
    holder, spender, caller = Account.new(), Account.new(), Account.new()
    shop = Account.new().address
    pulled = tron_node.send_token(spender, USDT, shop, 5_000_000, holder=holder.address)
    routed = tron_node.send_token(caller, USDT, shop, 7_000_000, via=ROUTER)
    tron_node.mine()
    [block] = backend.blocks(1, 1, Watch(shop))
    assert [(t.txid, t.amount, t.from_addresses) for t in block.transfers] == [
        (pulled, 5_000_000, (holder.address,)),  # the holder, whoever spent the allowance
        (routed, 7_000_000, (caller.address,)),
    ]


def test_failed_calls_and_other_contracts_never_credit(backend, tron_node):
    payer, shop = Account.new(), Account.new().address
    tron_node.send_token(payer, USDT, shop, 1_000_000, result="REVERT")
    # A node that kept the log of a failed call: the block's result still says no.
    tron_node.send_token(
        payer, USDT, shop, 2_000_000, result="OUT_OF_ENERGY", logs_despite_failure=True
    )
    tron_node.send_token(payer, FAKE_USDT, shop, 3_000_000)
    tron_node.mine()
    [block] = backend.blocks(1, 1, Watch(shop))
    assert block.transfers == ()


def test_a_block_costs_two_requests_whatever_it_holds(backend, tron_node):
    payer = Account.new()
    shops = [Account.new().address for _ in range(10)]
    tron_node.fill(200, token=USDT)
    for shop in shops:
        tron_node.send_token(payer, USDT, shop, 1_000_000)
    tron_node.mine()
    tron_node.fill(200, token=USDT)
    tron_node.mine()
    tron_node.requests.clear()
    watch = Watch(*shops)
    blocks = backend.blocks(1, 2, watch)
    assert [len(b.transfers) for b in blocks] == [10, 0]
    assert dict(tron_node.requests) == {"/wallet/getblockbylimitnext": 1, "jsonrpc eth_getLogs": 1}
    assert len(watch.calls) == 1 and len(watch.calls[0]) == 10 + 200 + 200  # every recipient


def test_logs_from_a_branch_that_replaced_the_blocks_are_read_again_by_hash(backend, tron_node):
    payer, shop = Account.new(), Account.new().address
    txid = tron_node.send_token(payer, USDT, shop, 1_000_000)
    tron_node.mine()
    # The chain reorganises between the blocks request and the logs request.
    tron_node.after["/wallet/getblockbylimitnext"] = lambda: tron_node.reorg(1, longer_by=0)
    [block] = backend.blocks(1, 1, Watch(shop))
    assert block.transfers == ()  # the block read is the orphaned one: its logs by its hash
    assert tron_node.requests["jsonrpc eth_getLogs"] == 2
    [block] = backend.blocks(1, 1, Watch(shop))
    assert [t.txid for t in block.transfers] == [txid]


def test_the_tip_is_the_head_with_its_solidified_height(backend, tron_node):
    tron_node.mine(30)
    tip = backend.tip()
    assert (tip.height, tip.hash, tip.final_height) == (30, tron_node.blocks[30]["blockID"], 12)
    tron_node.solidified = 5  # solidity lags: the head is read all the same
    assert (backend.tip().height, backend.tip().final_height) == (30, 5)
    assert backend.block_hash(30) == tron_node.blocks[30]["blockID"]
    assert backend.block_hash(31) is None


def test_the_pending_pool_gives_txids_only(backend, tron_node):
    assert backend.mempool(Watch()) == Mempool((), frozenset())
    txid = tron_node.send_trx(Account.new(), Account.new().address, 1)
    watch = Watch()
    assert backend.mempool(watch) == Mempool((), frozenset({txid}))
    assert watch.calls == []
    assert backend.capabilities().notices == (PENDING_NOT_READ,)


def test_a_node_without_a_pending_list_is_said_so(backend, tron_node):
    tron_node.pending_list = False  # answers 404, as a provider that disabled it
    assert backend.mempool(Watch()) == Mempool((), None)
    assert backend.capabilities().notices == (PENDING_NOT_READ, NO_PENDING_LIST)


def test_fees_from_the_chain_parameters(backend):
    trx, usdt = backend.network.assets
    # 270 bytes at 1000 sun, plus the new account's 0.1 + 1 TRX.
    assert backend.fee_estimate_for(trx) == backend.fee_estimate() == 1_370_000
    # 130,000 energy at 100 sun, plus 345 bytes at 1000 sun: 13.345 TRX.
    assert backend.fee_estimate_for(usdt) == 13_345_000


def test_the_genesis_id(backend, tron_node):
    assert backend.genesis_id() == tron_node.genesis_id


def test_with_depth_finality_the_solidified_block_is_not_read(tron_node, settings, tmp_path):
    configure_chains(
        settings, tmp_path, tron_config(tron_node, 'confirmations = 5\nfinality = "confirmations"')
    )
    network = registry.get_network("tron-local")
    assert network.required_confirmations(10**6) == 5
    tron_node.mine(30)
    tron_node.solidified = 5
    assert TronBackend(network).tip() == BlockRef(30, tron_node.blocks[30]["blockID"])
    assert tron_node.requests["/walletsolidity/getblock"] == 0


def test_a_token_contract_with_a_typo_is_refused_when_the_config_is_read(settings, tmp_path):
    configure_chains(
        settings,
        tmp_path,
        """
[networks.tron]
rpc_url = "https://api.trongrid.io"
[[networks.tron.tokens]]
symbol = "USDC"
contract = "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz9"
decimals = 6
""",
    )
    with pytest.raises(ImproperlyConfigured, match=r"\[networks.tron\].*checksum"):
        registry.get_network("tron")


def test_a_transfer_event_whose_topics_are_not_addresses_is_skipped(backend, tron_node):
    shop = Account.new().address
    tron_node.send_token(Account.new(), USDT, shop, 5)
    tron_node.pending[-1].logs[0]["topics"][2] = "ff" * 32  # 32 bytes, not a padded address
    tron_node.send_trx(Account.new(), shop, 7)
    tron_node.mine()
    [block] = backend.blocks(1, 1, Watch(shop))
    assert [t.amount for t in block.transfers] == [7]  # the scan goes on
