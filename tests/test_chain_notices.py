"""What a node cannot show reaches the operator and the merchant: a scan records its
backend's capability notices on the network's cursor, shown in the admin and in the
dashboard's network notice; a node without a mempool API gives a report whose mempool
proves nothing (mempool_txids None)."""

import pytest

from chains import scanner
from chains.backends import evm_rpc, get_backend
from chains.models import ChainCursor
from chains.registry import get_network
from dashboard import queries
from invoices import selectors
from invoices.services import reconciliation
from tests.nodes import refusing_proxy
from tests.test_chain_evm import NETWORK, Shop
from tests.test_chain_litecoin import configure_chains


def chains_at(settings, tmp_path, anvil, rpc_url):
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.{NETWORK}]
rpc_url = "{rpc_url}"
confirmations = 2

[[networks.{NETWORK}.tokens]]
symbol = "USDT"
contract = "{anvil.token_address}"
decimals = 6
""",
    )


def scan():
    network = get_network(NETWORK)
    return scanner.scan(
        network, get_backend(network), selectors.watched_addresses, reconciliation.apply_transfers
    )


@pytest.fixture
def hosted(anvil, make_merchant, settings, tmp_path):
    """ethereum-local through an endpoint without txpool_content and without tracing, as
    many hosted providers are; a merchant offering it."""
    with refusing_proxy(anvil.rpc_url, {"txpool_content", *evm_rpc.TRACERS}) as url:
        chains_at(settings, tmp_path, anvil, url)
        yield Shop(anvil, make_merchant())


def test_a_hosted_endpoint_s_limits_are_recorded_and_shown(hosted, operator_client):
    invoice = hosted.invoice("ETH")
    hosted.node.set_automine(False)
    try:
        hosted.pay(invoice)
        report = scan()
        tip = hosted.node.w3.eth.block_number  # the payment waits unmined
    finally:
        hosted.node.set_automine(True)  # which mines the payment
    assert report.reached_tip and report.tip_height == tip
    assert (report.mempool_api, report.mempool_txids, report.transfers) == (False, None, [])
    notices = [evm_rpc.NO_TRACING, evm_rpc.NO_TXPOOL]
    assert ChainCursor.objects.get(network=NETWORK).notices == notices

    texts = [
        item["text"]
        for item in queries.needs_action(
            hosted.client.merchant, ChainCursor.objects.get().last_scan_at, livemode=False
        )
    ]
    name = get_network(NETWORK).name
    assert [f"{name}: {notice}" for notice in notices] == [t for t in texts if "node" in t]
    page = operator_client.get("/admin/chains/chaincursor/")
    assert evm_rpc.NO_TRACING.encode() in page.content

    report = scan()  # mined: seen in its block, with the block's time
    (transfer,) = report.transfers
    assert transfer.block_height == report.tip_height and transfer.time is not None


def test_a_full_node_records_no_notice(anvil, make_merchant, settings, tmp_path):
    chains_at(settings, tmp_path, anvil, anvil.rpc_url)
    ChainCursor.objects.create(network=NETWORK, notices=["an old notice"])
    report = scan()
    assert report.mempool_api and report.mempool_txids is not None
    assert ChainCursor.objects.get(network=NETWORK).notices == []
