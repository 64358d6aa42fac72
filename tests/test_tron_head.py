"""TRON read at the head (issue 25): every block is read as soon as the node has it, a
payment's confirmations are its depth under the node's head, and it counts as confirmed once
its block is solidified (`finality = "solidified"`, the default) or deep enough
(`finality = "confirmations"`). A node whose solidity lags still shows payments, pending,
and says so in /readyz and the dashboard."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone, translation

from chains import registry
from chains.backends.tron import TronBackend
from dashboard import queries
from invoices.models import Event, Transaction
from tests.test_chain_litecoin import configure_chains
from tests.test_tron_backend import tron_config
from tests.test_tron_flows import DEPTH, NETWORK, Shop


@pytest.fixture
def lagging(tron_node, make_merchant, settings, tmp_path):
    """A node whose solidified block is 19 under its head, as java-tron's is when the super
    representatives produce normally (TronGrid's at best)."""
    configure_chains(settings, tmp_path, tron_config(tron_node))
    tron_node.solid_depth = DEPTH
    tron_node.mine(25)
    shop = Shop(tron_node, make_merchant())
    shop.scan()
    return shop


def depth(shop, txid) -> int:
    """head − height + 1 on the node itself."""
    return shop.node.height - Transaction.objects.get(txid=txid).block_height + 1


def event_confirmations(invoice) -> list[tuple[str, int]]:
    """What each callback said of the payment's confirmations."""
    return [
        (event.type, event.data["transactions"][0]["confirmations"])
        for event in Event.objects.filter(invoice_id=invoice["id"]).order_by("sequence")
    ]


def notices(shop) -> list[str]:
    return [
        item["text"] for item in queries.needs_action(shop.client.merchant, timezone.now(), False)
    ]


def test_a_payment_in_the_newest_block_is_pending_without_another_block(lagging):
    invoice = lagging.invoice("USDT")
    txid = lagging.pay(invoice)
    [block_id] = lagging.node.mine()  # and no block after it
    lagging.scan()
    seen = lagging.get(invoice)
    assert seen["status"] == "pending"
    [tx] = seen["transactions"]
    assert (tx["txid"], tx["block_height"], tx["confirmations"]) == (txid, lagging.node.height, 1)
    assert Transaction.objects.get(txid=txid).block_hash == block_id
    assert event_confirmations(invoice) == [("transaction_created", 1), ("status_changed", 1)]


def test_confirmations_are_the_depth_under_the_head_and_solidity_confirms(lagging):
    invoice = lagging.invoice("TRX")
    txid = lagging.pay(invoice)
    lagging.node.mine(DEPTH)  # 19 deep, the solidified block is the one under it
    lagging.scan()
    seen = lagging.get(invoice)
    assert seen["transactions"][0]["confirmations"] == depth(lagging, txid) == DEPTH
    assert seen["status"] == "pending"  # 19 deep, yet not solidified
    lagging.node.mine()
    lagging.scan()
    done = lagging.get(invoice)
    assert done["status"] == "completed"
    assert done["transactions"][0]["confirmations"] == depth(lagging, txid) == DEPTH + 1
    assert event_confirmations(invoice)[-2:] == [
        ("transaction_confirmed", DEPTH + 1),
        ("status_changed", DEPTH + 1),
    ]


def test_a_frozen_solidified_height_keeps_payments_pending_until_it_passes_them(lagging):
    node = lagging.node
    node.solidified = node.solid_height()  # TronGrid's solidity stops; blocks keep coming
    invoice = lagging.invoice("USDT")
    txid = lagging.pay(invoice)
    node.mine(80)
    lagging.scan()
    lagging.scan()  # the scan reads 100 blocks at most: now at the head
    seen = lagging.get(invoice)
    assert seen["status"] == "pending"  # seen, not lost, not confirmed
    [tx] = seen["transactions"]
    assert (
        (tx["status"], tx["confirmations"])
        == ("pending", depth(lagging, txid))
        == (
            "pending",
            80,
        )
    )
    behind = node.height - node.solidified
    lag = f"the node's solidified block is {behind} blocks behind its head"
    assert any(lag in text for text in notices(lagging))
    with translation.override("de"):
        assert any(f"{behind} Blöcke hinter" in text for text in notices(lagging))
    ready = Client().get("/readyz").json()["checks"][f"scanner:{NETWORK}"]
    assert ready["ok"] and lag in ready["detail"]  # named, not failing: payments are seen
    payer = Client().get(f"/pay/{invoice['id']}/status").json()
    assert payer["message"] == (  # deep enough: what it waits on is finality, not blocks
        "Payment seen and deep enough — waiting for the network to finalize its block."
    )

    node.solidified = None  # solidity catches up, past the payment
    node.mine()
    lagging.scan()
    assert lagging.get(invoice)["status"] == "completed"
    assert not any("solidified" in text for text in notices(lagging))


def test_depth_alone_confirms_when_the_operator_says_so(
    tron_node, make_merchant, settings, tmp_path
):
    configure_chains(settings, tmp_path, tron_config(tron_node, 'finality = "confirmations"'))
    tron_node.mine(25)
    tron_node.solidified = 3  # far behind: not asked for
    shop = Shop(tron_node, make_merchant())
    shop.scan()
    invoice = shop.invoice("TRX")
    shop.pay(invoice)
    tron_node.mine(DEPTH - 1)
    shop.scan()
    assert shop.get(invoice)["status"] == "pending"
    tron_node.mine()
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"  # 19 deep, never solidified
    assert not any("solidified" in text for text in notices(shop))


def test_an_unknown_finality_is_refused(tron_node, settings, tmp_path):
    configure_chains(settings, tmp_path, tron_config(tron_node, 'finality = "fast"'))
    with pytest.raises(ImproperlyConfigured, match="finality must be one of solidified"):
        TronBackend(registry.get_network(NETWORK))
