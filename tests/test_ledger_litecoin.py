"""The payment ledger on a real Litecoin Core regtest node: the cases a bookkeeper meets —
the remainder from the same wallet, an outage around the expiry, paying twice, refunding the
excess, replacements that pay less, two payments in one block, events that tell the truth."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.test import Client

from chains import scanner
from chains.backends import get_backend
from chains.registry import get_network
from invoices import selectors
from invoices.models import Event, Invoice
from invoices.services import reconciliation
from tests.test_chain_litecoin import FEE, NETWORK, events, shop  # noqa: F401 (fixture)


def event_data(invoice) -> list[dict]:
    return [e.data for e in Event.objects.filter(invoice_id=invoice["id"]).order_by("sequence")]


def test_underpaid_then_the_remainder_from_the_same_wallet_completes(shop):  # noqa: F811
    """Case 1: a UTXO wallet pays the remainder from another of its addresses."""
    invoice = shop.invoice("40.00")  # 0.5 LTC
    shop.pay(invoice, "0.2", sender=shop.sender())
    shop.mine(2)
    shop.scan()
    partial = shop.get(invoice)
    assert (partial["status"], partial["status_context"]) == ("pending", "underpaid")
    assert partial["remaining_amount"] == "0.30000000"
    shop.pay(invoice, partial["remaining_amount"], sender=shop.sender())
    shop.mine(2)
    shop.scan()
    done = shop.get(invoice)
    assert (done["status"], done["status_context"], done["paid_amount"]) == (
        "completed",
        None,
        "0.50000000",
    )
    assert len({tuple(tx["from_addresses"]) for tx in done["transactions"]}) == 2


def test_two_payments_in_one_block_complete_the_invoice(shop):  # noqa: F811
    invoice = shop.invoice()
    shop.pay(invoice, "0.05", sender=shop.sender())
    shop.pay(invoice, "0.05", sender=shop.sender())
    shop.mine(2)
    shop.scan()
    done = shop.get(invoice)
    assert (done["status"], done["paid_amount"], len(done["transactions"])) == (
        "completed",
        "0.10000000",
        2,
    )
    assert shop.received(invoice) == 10_000_000


def test_an_on_time_payment_stays_on_time_through_a_scanner_outage(shop):  # noqa: F811
    """Case 2: paid and mined before the expiry while no scanner ran; the sweep expired it,
    and the scanner comes back an hour later. Judged by the block's time, it completes."""
    invoice = shop.invoice()
    shop.pay(invoice)
    [block_hash, _] = shop.mine(2)
    mined_at = datetime.fromtimestamp(shop.rpc("getblock", block_hash)["time"], UTC)
    Invoice.objects.filter(pk=invoice["id"]).update(expires_at=mined_at + timedelta(seconds=5))
    back = mined_at + timedelta(hours=1)
    reconciliation.sweep(now=back)
    assert shop.get(invoice)["status"] == "expired"
    network = get_network(NETWORK)
    scanner.scan(
        network,
        get_backend(network),
        selectors.watched_addresses,
        lambda report: reconciliation.apply_transfers(report=report, now=back),
    )
    done = shop.get(invoice)
    assert (done["status"], done["status_context"]) == ("completed", None)
    [tx] = done["transactions"]
    assert tx["paid_at"] == mined_at.isoformat().replace("+00:00", "Z")
    assert tx["confirmations"] == 2


def test_paying_twice_after_completion_is_completed_overpaid_and_the_excess_refundable(shop):  # noqa: F811
    """Case 5."""
    invoice = shop.invoice()
    shop.pay(invoice)
    shop.mine(2)
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"
    shop.pay(invoice)
    shop.mine(2)
    shop.scan()
    twice = shop.get(invoice)
    assert (twice["status"], twice["status_context"]) == ("completed", "overpaid")
    assert (twice["paid_amount"], twice["excess_amount"]) == ("0.20000000", "0.10000000")
    assert events(invoice)[-1] == "status_changed"
    assert event_data(invoice)[-1]["status_context"] == "overpaid"
    response = shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/resolve",
        {"action": "refund", "refund_amount": "excess"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["amount"] == "0.10000000"
    after = shop.get(invoice)
    assert (after["status"], after["status_context"]) == ("completed", None)


def test_refunding_only_the_excess_keeps_the_price_and_tells_everyone_it_is_paid(shop):  # noqa: F811
    """Case 6: the checkout says paid and offers the claim link, the return URL gets SUCCESS,
    the merchant's backend hears `completed`."""
    shop.client.merchant.allowed_return_hosts = ["shop.example"]
    shop.client.merchant.save()
    invoice = shop.invoice(return_url="https://shop.example/done")
    shop.pay(invoice, "0.13")
    shop.mine(2)
    shop.scan()
    assert shop.get(invoice)["status_context"] == "overpaid"
    refund = shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/resolve",
        {"action": "refund", "refund_amount": "excess"},
        format="json",
    ).json()
    assert refund["amount"] == "0.03000000"
    after = shop.get(invoice)
    assert (after["status"], after["paid_amount"], after["excess_amount"]) == (
        "completed",
        "0.13000000",
        "0.03000000",
    )
    assert [e["status"] for e in event_data(invoice)[-2:]] == ["completed", "completed"]
    assert events(invoice)[-2:] == ["status_changed", "refund_updated"]

    payer = Client()
    page = payer.get(f"/pay/{invoice['id']}").content.decode()
    assert "Payment complete" in page and "Claim your refund" in page
    assert refund["claim_url"].split("/refund/")[1] in page
    back = payer.get(f"/pay/{invoice['id']}/return")
    assert back.status_code == 302 and "paymentStatus=SUCCESS" in back["Location"]


def test_a_replacement_paying_less_leaves_the_invoice_underpaid_and_no_event_sums_both(shop):  # noqa: F811
    """Case 9 and the bumpfee case: the original is gone, the replacement counts, and no
    callback ever shows both."""
    invoice = shop.invoice()
    payer = shop.sender()
    coins = shop.rpc("listunspent", 1, 9_999_999, [payer])
    inputs = [{"txid": c["txid"], "vout": c["vout"]} for c in coins]
    total = sum(c["amount"] for c in coins)

    def spend(pay: str, fee: Decimal) -> str:
        raw = shop.rpc(
            "createrawtransaction",
            inputs,
            {invoice["address"]: pay, payer: str(total - Decimal(pay) - fee)},
            0,
            True,
        )
        return shop.rpc("signrawtransactionwithwallet", raw)["hex"]

    original = shop.rpc("sendrawtransaction", spend("0.1", FEE))
    shop.scan()
    assert shop.get(invoice)["status"] == "pending"
    # Litecoin Core's mempool refuses replacements: a miner takes it directly.
    shop.rpc("generateblock", shop.node.mining_address, [spend("0.05", FEE * 3)])
    shop.mine()
    shop.scan()
    after = shop.get(invoice)
    txs = {tx["txid"]: tx for tx in after["transactions"]}
    assert txs[original]["status"] == "reverted"
    assert (after["status"], after["status_context"], after["paid_amount"]) == (
        "pending",
        "underpaid",
        "0.05000000",
    )
    assert all(Decimal(data["paid_amount"]) <= Decimal("0.1") for data in event_data(invoice))
    assert event_data(invoice)[-1]["paid_amount"] == "0.05000000"


def test_confirmation_events_count_confirmations_at_the_new_tip(shop):  # noqa: F811
    """Case 9: `transaction_confirmed` and `status_changed(completed)` say 2/2, not 0/2."""
    invoice = shop.invoice()
    shop.pay(invoice)
    shop.scan()
    shop.mine(2)
    shop.scan()
    assert events(invoice) == [
        "transaction_created",
        "status_changed",
        "transaction_confirmed",
        "status_changed",
    ]
    for data in event_data(invoice)[2:]:
        [tx] = data["transactions"]
        assert (tx["confirmations"], tx["required_confirmations"]) == (2, 2)
        assert data["status"] == "completed"
