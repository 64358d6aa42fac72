"""Whole flows on the sandbox network, through the API and the real scanning pipeline."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from chains.backends import sandbox
from chains.models import SandboxTransfer
from core.errors import ErrorCode, GatewayError
from dashboard import queries
from invoices.models import Event, Invoice, Refund, Transaction
from invoices.services import payer, reconciliation
from worker.tasks import scan_network


@pytest.fixture
def sandbox_invoice(api, create_invoice):
    def make(client=None, **body):
        return create_invoice(client or api, pay_currency="USDT", network="sandbox", **body)

    return make


def pay(client, invoice, amount=None, confirm=True, sender=None):
    body = {"confirm": confirm}
    if amount is not None:
        body["amount"] = amount
    if sender:
        body["sender"] = sender
    response = client.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def get(client, invoice):
    return client.get(f"/api/v1/invoices/{invoice['id']}").json()


def shift_clock(invoice, minutes):
    """Move an invoice's timeline into the past instead of waiting."""
    delta = timedelta(minutes=minutes)
    row = Invoice.objects.get(pk=invoice["id"])
    Invoice.objects.filter(pk=row.pk).update(
        created_at=row.created_at - delta, expires_at=row.expires_at - delta
    )
    Transaction.objects.filter(invoice=row).update(
        paid_at=timezone.now() - delta, detected_at=timezone.now() - delta
    )


def test_exact_payment_goes_pending_then_completed(api, sandbox_invoice):
    invoice = sandbox_invoice()
    seen = pay(api, invoice, confirm=False)
    assert seen["status"] == "pending"
    [tx] = seen["transactions"]
    assert (tx["amount"], tx["status"], tx["confirmations"]) == ("100.000000", "pending", 0)
    assert tx["required_confirmations"] == 2
    sandbox.mine(1)
    scan_network("sandbox")
    assert get(api, invoice)["transactions"][0]["confirmations"] == 1
    assert get(api, invoice)["status"] == "pending"
    sandbox.mine(1)
    scan_network("sandbox")
    done = get(api, invoice)
    assert done["status"] == "completed"
    assert done["paid_amount"] == "100.000000" and done["remaining_amount"] == "0.000000"
    assert done["transactions"][0]["status"] == "confirmed"
    events = list(Event.objects.filter(invoice_id=invoice["id"]).values_list("type", "sequence"))
    assert events == [
        ("transaction_created", 1),
        ("status_changed", 2),
        ("transaction_confirmed", 3),
        ("status_changed", 4),
    ]


def test_events_carry_the_invoice_as_it_was(api, sandbox_invoice):
    invoice = sandbox_invoice()
    pay(api, invoice)
    statuses = [
        e.data["status"]
        for e in Event.objects.filter(invoice_id=invoice["id"], type="status_changed")
    ]
    assert statuses == ["pending", "completed"]


def test_scanning_twice_changes_nothing(api, sandbox_invoice):
    invoice = sandbox_invoice()
    pay(api, invoice)
    events = Event.objects.count()
    scan_network("sandbox")
    scan_network("sandbox")
    assert Transaction.objects.count() == 1
    assert Event.objects.count() == events


def test_underpay_then_top_up_completes(api, sandbox_invoice):
    invoice = sandbox_invoice()
    partial = pay(api, invoice, amount="40")
    assert (partial["status"], partial["status_context"]) == ("pending", "underpaid")
    assert partial["remaining_amount"] == "60.000000"
    assert "uint256" not in partial["payment_uri"] and "amount=60" in partial["payment_uri"]
    done = pay(api, invoice, amount="60")
    assert done["status"] == "completed"
    assert done["paid_amount"] == "100.000000"


def test_underpayment_is_unresolved_at_expiry(api, sandbox_invoice):
    invoice = sandbox_invoice()
    pay(api, invoice, amount="40")
    shift_clock(invoice, 16)
    assert reconciliation.sweep() == 1
    assert (get(api, invoice)["status"], get(api, invoice)["status_context"]) == (
        "unresolved",
        "underpaid",
    )


def test_overpayment_is_unresolved_overpaid_and_refunding_the_excess_completes_it(
    api, sandbox_invoice
):
    """The merchant keeps the price: the invoice is completed, the excess refund attached."""
    invoice = sandbox_invoice(customer_email="payer@example.com")
    over = pay(api, invoice, amount="130")
    assert (over["status"], over["status_context"]) == ("unresolved", "overpaid")
    response = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve",
        {"action": "refund", "refund_amount": "excess"},
        format="json",
    )
    refund = response.json()
    assert response.status_code == 200, refund
    assert (refund["amount"], refund["asset"], refund["status"]) == (
        "30.000000",
        "USDT",
        "awaiting_claim",
    )
    assert refund["claim_url"].startswith("http") and "/refund/" in refund["claim_url"]
    assert (get(api, invoice)["status"], get(api, invoice)["status_context"]) == ("completed", None)
    event = Event.objects.get(invoice_id=invoice["id"], type="refund_updated")
    assert event.data["refunds"][0]["claim_url"] == refund["claim_url"]


def test_merchant_can_complete_an_unresolved_invoice(api, sandbox_invoice):
    invoice = sandbox_invoice()
    pay(api, invoice, amount="130")
    response = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "complete"}, format="json"
    )
    assert response.json()["status"] == "completed"
    scan_network("sandbox")
    assert get(api, invoice)["status"] == "completed"


def test_automatic_rule_completes_overpaid_invoices(make_merchant, sandbox_invoice):
    client = make_merchant(unresolved_rules={"overpaid": "complete"})
    invoice = sandbox_invoice(client)
    assert pay(client, invoice, amount="130")["status"] == "completed"
    actors = list(
        Event.objects.filter(invoice_id=invoice["id"], type="status_changed").values_list(
            "actor", flat=True
        )
    )
    assert actors[-1] == "rule"


def test_automatic_rule_refunds_underpaid_invoices_at_expiry(make_merchant, sandbox_invoice):
    client = make_merchant(unresolved_rules={"underpaid": "refund"})
    invoice = sandbox_invoice(client)
    pay(client, invoice, amount="10")
    shift_clock(invoice, 16)
    reconciliation.sweep()
    assert get(client, invoice)["status"] == "refunded"
    assert Refund.objects.get(invoice_id=invoice["id"]).amount == 10_000_000


def test_nothing_paid_expires(api, sandbox_invoice):
    invoice = sandbox_invoice()
    shift_clock(invoice, 16)
    reconciliation.sweep()
    assert get(api, invoice)["status"] == "expired"


def test_late_payment_within_the_late_window_is_paid_late(api, sandbox_invoice):
    invoice = sandbox_invoice()
    shift_clock(invoice, 16)
    reconciliation.sweep()
    assert pay(api, invoice)["status_context"] == "paid_late"


def test_payment_after_the_late_window_is_recorded_not_counted_and_announced(api, sandbox_invoice):
    merchant = api.merchant
    """Issue 23: addresses are watched forever. (Replaces the test that such a payment was
    ignored.) Paid three late windows after expiry: recorded, announced, refundable, and
    the invoice stays expired, in "Needs your attention"."""
    invoice = sandbox_invoice()
    Invoice.objects.filter(pk=invoice["id"]).update(late_window_minutes=1)
    shift_clock(invoice, 15 + 3)
    reconciliation.sweep()
    after = pay(api, invoice)
    assert after["status"] == "expired" and after["paid_amount"] == "0.000000"
    [tx] = after["transactions"]
    assert (tx["amount"], tx["counted"]) == ("100.000000", False)
    assert set(Event.objects.filter(invoice_id=invoice["id"]).values_list("type", flat=True)) >= {
        "transaction_created",
        "transaction_confirmed",
    }
    assert [i.pk for i in queries.paid_after_close(merchant, livemode=False)] == [
        uuid.UUID(invoice["id"])
    ]
    assert Invoice.objects.get(pk=invoice["id"]).ledger().refund_all({}) == {
        ("USDT", "sandbox"): 100_000_000
    }


def test_a_cancelled_invoice_paid_anyway_records_the_payment_for_a_refund(api, sandbox_invoice):
    merchant = api.merchant
    invoice = sandbox_invoice()
    assert api.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    after = pay(api, invoice, confirm=False)
    assert after["status"] == "cancelled" and after["paid_amount"] == "0.000000"
    assert [tx["counted"] for tx in after["transactions"]] == [False]
    assert Event.objects.filter(invoice_id=invoice["id"], type="transaction_created").exists()
    [item] = [
        item
        for item in queries.needs_action(merchant, timezone.now(), livemode=False)
        if "after it closed" in item["text"]
    ]
    assert item["href"] == f"/dashboard/invoices/{invoice['id']}/"
    page = api.get(f"/pay/{invoice['id']}").content.decode()
    assert "arrived after this invoice was closed" in page


def test_two_senders_are_unresolved(api, sandbox_invoice):
    invoice = sandbox_invoice()
    pay(api, invoice, amount="50", sender="sbx1qalice")
    done = pay(api, invoice, amount="50", sender="sbx1qbob")
    assert (done["status"], done["status_context"]) == ("unresolved", "multiple_senders")


def test_unconfirmed_past_the_processing_timeout_fails(api, sandbox_invoice):
    invoice = sandbox_invoice()
    pay(api, invoice, confirm=False)
    shift_clock(invoice, 24 * 60 + 1)
    reconciliation.sweep()
    assert get(api, invoice)["status"] == "failed"


def test_a_payment_that_vanishes_from_the_mempool_is_reverted(api, sandbox_invoice):
    invoice = sandbox_invoice()
    assert pay(api, invoice, confirm=False)["status"] == "pending"
    SandboxTransfer.objects.all().delete()  # dropped: replaced or double spent
    scan_network("sandbox")
    after = get(api, invoice)
    assert after["status"] == "new"
    assert after["transactions"][0]["status"] == "reverted"
    assert after["paid_amount"] == "0.000000"
    assert Event.objects.filter(invoice_id=invoice["id"], type="transaction_reverted").exists()


def test_deny_listed_sender_goes_to_review_then_approve_completes(make_merchant, sandbox_invoice):
    client = make_merchant(deny_list=["SBX1QBADGUY"])
    invoice = sandbox_invoice(client)
    assert pay(client, invoice, sender="sbx1qbadguy")["status"] == "compliance_review"
    response = client.post(
        f"/api/v1/invoices/{invoice['id']}/review", {"action": "approve"}, format="json"
    )
    assert response.json()["status"] == "completed"


def test_declined_review_offers_a_refund(make_merchant, sandbox_invoice):
    client = make_merchant(deny_list=["sbx1qbadguy"])
    invoice = sandbox_invoice(client)
    pay(client, invoice, sender="sbx1qbadguy")
    response = client.post(
        f"/api/v1/invoices/{invoice['id']}/review", {"action": "decline"}, format="json"
    )
    assert response.json()["status"] == "declined"
    assert Refund.objects.get(invoice_id=invoice["id"]).status == Refund.AWAITING_CLAIM
    refund = client.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    ).json()
    assert refund["amount"] == "100.000000"
    assert Refund.objects.filter(invoice_id=invoice["id"]).count() == 1


def test_cancel_with_funds_received_creates_a_refund(api, sandbox_invoice):
    invoice = sandbox_invoice(foreign_id="order-9")
    pay(api, invoice, confirm=False)
    response = api.post("/api/v1/invoices/by-foreign-id/order-9/cancel")
    assert response.json()["status"] == "cancelled"
    assert Refund.objects.get(invoice_id=invoice["id"]).amount == 100_000_000


def test_archived_new_invoice_stops_accepting_payment(api, sandbox_invoice):
    """Issue 23: its payment is recorded (watched forever) but pays nothing."""
    invoice = sandbox_invoice()
    assert api.post(f"/api/v1/invoices/{invoice['id']}/archive").json()["archived"] is True
    paid = pay(api, invoice)
    assert paid["status"] == "new" and paid["paid_amount"] == "0.000000"
    assert [tx["counted"] for tx in paid["transactions"]] == [False]
    assert queries.paid_after_close(api.merchant, livemode=False)[0].pk == uuid.UUID(invoice["id"])
    assert api.post(f"/api/v1/invoices/{invoice['id']}/unarchive").json()["archived"] is False
    changes = Event.objects.filter(invoice_id=invoice["id"], type="status_changed")
    assert [e.data["archived"] for e in changes] == [True, False]
    assert all(e.actor.startswith("api_key:") for e in changes)


def test_open_invoice_starts_its_window_when_the_payer_picks(api, create_invoice):
    invoice = create_invoice(kind="open")
    assert invoice["expires_at"] is None and invoice["address"] is None
    payer.select_currency(invoice_id=invoice["id"], asset_code="USDT", network_code="sandbox")
    picked = get(api, invoice)
    assert picked["address"].startswith("sbx1q") and picked["expires_at"]
    assert pay(api, picked)["status"] == "completed"


def test_timed_invoice_locks_a_rate_for_every_method_and_derives_lazily(api, create_invoice):
    from invoices.models import Quote

    invoice = create_invoice(price_amount="30.00")
    quotes = Quote.objects.filter(invoice_id=invoice["id"])
    assert {(q.asset, q.due_amount) for q in quotes} == {
        ("BTC", 50_000),
        ("ETH", 10_000_000_000_000_000),
        ("USDT", 30_000_000),
    }
    assert all(q.address is None for q in quotes)
    payer.select_currency(invoice_id=invoice["id"], asset_code="BTC", network_code="sandbox")
    payer.select_currency(invoice_id=invoice["id"], asset_code="ETH", network_code="sandbox")
    chosen = get(api, invoice)
    assert (chosen["pay_currency"], chosen["pay_amount"]) == ("ETH", "0.010000000000000000")
    addresses = [q.address for q in Quote.objects.filter(invoice_id=invoice["id"]) if q.address]
    assert len(set(addresses)) == 2


def test_currency_cannot_change_once_a_payment_is_seen(api, create_invoice):
    invoice = create_invoice()
    payer.select_currency(invoice_id=invoice["id"], asset_code="USDT", network_code="sandbox")
    pay(api, invoice, confirm=False)
    with pytest.raises(GatewayError) as refused:
        payer.select_currency(invoice_id=invoice["id"], asset_code="ETH", network_code="sandbox")
    assert refused.value.code == ErrorCode.INVALID_STATE


def test_insurance_and_fee_are_in_the_amount_due(api, create_invoice):
    invoice = create_invoice(
        price_amount="75.00", insurance_percent="5", pay_currency="USDT", network="sandbox"
    )
    assert invoice["pay_amount"] == "78.750000"
    with_fee = create_invoice(
        price_amount="75.00", pay_currency="USDT", network="sandbox", include_fee=True
    )
    # the sandbox fee is 1000 satoshi of its native BTC = 0.6 USD at 60000 USD/BTC
    assert with_fee["fee_amount"] == "0.600000"
    assert with_fee["pay_amount"] == "75.600000"


def test_eighteen_decimal_amounts_round_up_to_eight_decimals(api, create_invoice):
    invoice = create_invoice(price_amount="25.00", pay_currency="ETH", network="sandbox")
    # 25 / 3000 = 0.0083333… ETH: the payer is asked for 0.00833334, never less
    assert invoice["pay_amount"] == "0.008333340000000000"


def test_crypto_priced_invoice_same_asset_uses_rate_one(api, create_invoice):
    invoice = create_invoice(
        price_amount="0.5", price_currency="ETH", pay_currency="ETH", network="sandbox"
    )
    assert (invoice["rate"], invoice["pay_amount"]) == ("1", "0.500000000000000000")


def test_stale_rates_are_refused(api, create_invoice, settings):
    from invoices.models import Rate

    settings.RATE_PROVIDERS = ["coinbase", "static"]  # stored rates, not the static table
    Rate.objects.update(fetched_at=timezone.now() - timedelta(hours=1))
    response = api.post(
        "/api/v1/invoices",
        {
            "price_amount": "1",
            "price_currency": "USD",
            "pay_currency": "USDT",
            "network": "sandbox",
        },
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "rate_unavailable"
    assert "old" in response.json()["error"]["message"]
    assert not Invoice.objects.exists()
