"""Issue 23 on a real Litecoin Core regtest node: every address ever issued is watched (money
reaching a closed invoice is recorded, announced and refundable), and a claimed refund is
seen paid, then confirmed, on chain."""

from datetime import timedelta

from django.utils import timezone

from dashboard import queries
from invoices.models import Event, Invoice, Refund
from invoices.services import payer, reconciliation
from tests.test_chain_litecoin import NETWORK, events, shop  # noqa: F401 (fixture)


def closed_with_money(shop) -> list[str]:  # noqa: F811
    return [str(i.pk) for i in queries.paid_after_close(shop.client.merchant, livemode=False)]


def test_a_cancelled_invoice_paid_anyway_is_recorded_announced_and_needs_attention(shop):  # noqa: F811
    invoice = shop.invoice("40.00")  # 0.5 LTC
    assert shop.client.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    shop.pay(invoice)
    shop.scan()
    seen = shop.get(invoice)
    assert (seen["status"], seen["paid_amount"]) == ("cancelled", "0.00000000")
    [tx] = seen["transactions"]
    assert (tx["amount"], tx["counted"], tx["status"]) == ("0.50000000", False, "pending")
    assert events(invoice)[-1] == "transaction_created"
    shop.mine(2)
    shop.scan()
    assert shop.get(invoice)["transactions"][0]["status"] == "confirmed"
    assert events(invoice)[-2:] == ["transaction_created", "transaction_confirmed"]
    assert shop.get(invoice)["status"] == "cancelled"
    assert closed_with_money(shop) == [invoice["id"]]
    assert Invoice.objects.get(pk=invoice["id"]).ledger().refund_all({}) == {
        ("LTC", NETWORK): 50_000_000
    }


def test_a_payment_three_late_windows_after_expiry_is_recorded_with_its_event(shop):  # noqa: F811
    """The issue's reproduction: invoice_ttl_minutes 1, late_window_minutes 1, 0.5 LTC paid
    after the late window (here three of them) was ignored."""
    merchant = shop.client.merchant
    merchant.invoice_ttl_minutes, merchant.late_window_minutes = 1, 1
    merchant.save()
    invoice = shop.invoice("40.00")
    Invoice.objects.filter(pk=invoice["id"]).update(
        expires_at=timezone.now() - timedelta(minutes=3)
    )
    reconciliation.sweep()
    assert shop.get(invoice)["status"] == "expired"
    shop.pay(invoice)
    shop.mine(2)
    shop.scan()
    late = shop.get(invoice)
    assert (late["status"], late["paid_amount"]) == ("expired", "0.00000000")
    assert [(tx["amount"], tx["counted"]) for tx in late["transactions"]] == [("0.50000000", False)]
    assert "transaction_created" in events(invoice)
    assert closed_with_money(shop) == [invoice["id"]]
    page = shop.client.get(f"/pay/{invoice['id']}").content.decode()
    assert "arrived after this invoice was closed" in page


def claimed_refund(shop, pays="0.13") -> Refund:  # noqa: F811
    """A 0.1 LTC invoice paid `pays`; its excess refunded and claimed to a node address."""
    invoice = shop.invoice()
    shop.pay(invoice, pays)
    shop.mine(2)
    shop.scan()
    offered = shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/resolve",
        {"action": "refund", "refund_amount": "excess"},
        format="json",
    ).json()
    token = offered["claim_url"].rsplit("#", 1)[1]
    return payer.claim(token=token, address=shop.node.new_address())


def test_a_claimed_refund_paid_from_another_wallet_is_paid_then_confirmed(shop):  # noqa: F811
    refund = claimed_refund(shop)
    assert (refund.status, refund.amount) == (Refund.CLAIMED, 3_000_000)
    txid = shop.rpc("sendtoaddress", refund.address, "0.03")  # the merchant's own wallet
    shop.scan()
    refund.refresh_from_db()
    assert refund.status == Refund.CLAIMED  # in the mempool: not paid yet
    shop.mine(1)
    shop.scan()
    refund.refresh_from_db()
    assert (refund.status, refund.payout_txid) == (Refund.PAID, txid)
    shop.mine(1)
    shop.scan()
    refund.refresh_from_db()
    assert (refund.status, refund.confirmed_at is not None) == (Refund.CONFIRMED, True)
    updates = Event.objects.filter(invoice_id=refund.invoice_id, type="refund_updated")
    assert [e.data["refunds"][0]["status"] for e in updates.order_by("sequence")][-2:] == [
        "paid",
        "confirmed",
    ]
    shop.mine(1)
    assert shop.scan() is not None and Refund.objects.get(pk=refund.pk).status == "confirmed"


def test_less_than_the_refund_does_not_pay_it(shop):  # noqa: F811
    refund = claimed_refund(shop)
    shop.rpc("sendtoaddress", refund.address, "0.02999999")
    shop.mine(3)
    shop.scan()
    refund.refresh_from_db()
    assert (refund.status, refund.payout_txid) == (Refund.CLAIMED, "")
