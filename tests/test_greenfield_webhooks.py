"""The Greenfield webhook dialect: our recorded events, from real flows on the sandbox, as
the events BTCPay sends, each checked against swagger.template.webhooks.json."""

import json
from decimal import Decimal

import pytest

from chains.backends import sandbox
from greenfield import webhooks
from invoices.models import Event
from invoices.services import merchant_actions, payer, reconciliation
from tests.greenfield_contract import check
from tests.test_flows import pay, shift_clock
from worker.tasks import scan_network

SCHEMAS = {
    "InvoiceCreated": "WebhookInvoiceEvent",
    "InvoiceReceivedPayment": "WebhookInvoiceReceivedPaymentEvent",
    "InvoicePaymentSettled": "WebhookInvoicePaymentSettledEvent",
    "InvoiceProcessing": "WebhookInvoiceProcessingEvent",
    "InvoiceSettled": "WebhookInvoiceSettledEvent",
    "InvoiceExpired": "WebhookInvoiceExpiredEvent",
    "InvoiceInvalid": "WebhookInvoiceInvalidEvent",
}


def greenfield_events(invoice_id, store_id):
    sent = []
    for event in Event.objects.filter(invoice_id=invoice_id).order_by("sequence"):
        for body in webhooks.events(event.type, event.actor, event.data, store_id):
            delivery = webhooks.envelope(
                body, delivery_id=f"d{event.sequence}", webhook_id="w1", timestamp=1_800_000_000
            )
            check(SCHEMAS[body["type"]], delivery)
            sent.append(delivery)
    return sent


@pytest.fixture
def picked(api, create_invoice):
    def make(**body):
        invoice = create_invoice(api, metadata={"orderId": "wc-7"}, **body)
        payer.select_currency(
            invoice_id=invoice["id"], asset_code="USDT", network_code="sandbox", actor="payer"
        )
        return api.get(f"/api/v1/invoices/{invoice['id']}").json()

    return make


def test_a_paid_invoice_sends_payment_processing_and_settled_in_order(api, picked):
    invoice = picked()
    pay(api, invoice, confirm=False)
    sandbox.mine(2)
    scan_network("sandbox")
    sent = greenfield_events(invoice["id"], str(api.merchant.pk))
    assert [e["type"] for e in sent] == [
        "InvoiceReceivedPayment",
        "InvoiceProcessing",
        "InvoicePaymentSettled",
        "InvoiceSettled",
    ]
    received, processing, _, settled = sent
    assert received["afterExpiration"] is False
    assert received["paymentMethodId"] == "USDT-SANDBOX"
    assert received["payment"]["status"] == "Processing"
    assert received["metadata"]["orderId"] == "wc-7"
    assert processing["overPaid"] is False
    assert (settled["manuallyMarked"], settled["overPaid"]) == (False, False)
    assert {e["invoiceId"] for e in sent} == {invoice["id"]}


def test_an_overpaid_invoice_settles_overpaid(api, picked):
    invoice = picked()
    pay(api, invoice, amount=str(Decimal(invoice["pay_amount"]) + 1))
    *_, settled = greenfield_events(invoice["id"], str(api.merchant.pk))
    assert (settled["type"], settled["overPaid"]) == ("InvoiceSettled", True)


def test_a_cancelled_invoice_is_invalid_manually_marked(api, picked):
    invoice = picked()
    merchant_actions.cancel(invoice_id=invoice["id"], actor="api_key:abc")
    [invalid] = greenfield_events(invoice["id"], str(api.merchant.pk))
    assert (invalid["type"], invalid["manuallyMarked"]) == ("InvoiceInvalid", True)


def test_an_underpaid_invoice_expires_partially_paid(api, picked):
    invoice = picked()
    pay(api, invoice, amount=str(Decimal(invoice["pay_amount"]) / 2))
    shift_clock(invoice, 60 * 24)
    reconciliation.sweep()
    *_, expired = greenfield_events(invoice["id"], str(api.merchant.pk))
    assert (expired["type"], expired["partiallyPaid"]) == ("InvoiceExpired", True)


def test_a_redelivery_names_the_original_and_the_signature_covers_the_raw_body():
    body = {"type": "InvoiceSettled", "invoiceId": "i", "storeId": "s", "metadata": {}}
    again = webhooks.envelope(
        body, delivery_id="d2", webhook_id="w", timestamp=1, original_delivery_id="d1"
    )
    assert (again["isRedelivery"], again["originalDeliveryId"]) == (True, "d1")
    raw = json.dumps(again).encode()
    assert webhooks.signature("k", raw) != webhooks.signature("k", raw + b" ")
