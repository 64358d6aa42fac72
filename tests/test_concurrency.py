"""Races designed for, proven with real threads on PostgreSQL."""

import json

from rest_framework.test import APIClient

from chains.backends.base import Transfer
from chains.scanner import ScanReport
from invoices.models import Event, IdempotencyKey, Invoice, Quote, Transaction
from invoices.services import payer, reconciliation
from tests.conftest import run_at_once

THREADS = 6


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_the_same_transfer_applied_at_once_is_credited_once(postgres, api, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    transfer = Transfer(
        network="sandbox",
        txid="ab" * 32,
        index=0,
        to_address=invoice["address"],
        asset="USDT",
        amount=100_000_000,
        from_addresses=("sbx1qpayer",),
        block_height=5,
        block_hash="h5",
    )
    report = ScanReport("sandbox", tip_height=10, transfers=[transfer])
    results = run_at_once(THREADS, lambda i: reconciliation.apply_transfers(report=report))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert Transaction.objects.count() == 1
    assert Event.objects.filter(type="transaction_created").count() == 1
    assert Invoice.objects.get(pk=invoice["id"]).status == "completed"
    assert Event.objects.filter(type="status_changed", data__status="completed").count() == 1


def test_invoices_choosing_a_currency_at_once_get_different_indexes(postgres, api, create_invoice):
    invoices = [create_invoice(kind="open")["id"] for _ in range(THREADS)]
    results = run_at_once(
        THREADS,
        lambda i: payer.select_currency(
            invoice_id=invoices[i], asset_code="USDT", network_code="sandbox"
        ),
    )
    assert [r for r in results if isinstance(r, Exception)] == []
    quotes = Quote.objects.filter(address__isnull=False)
    assert sorted(q.derivation_index for q in quotes) == list(range(THREADS))
    assert len({q.address for q in quotes}) == THREADS


def test_creates_with_one_idempotency_key_at_once_make_one_invoice(postgres, api):
    body = {"price_amount": "10.00", "price_currency": "USD", "foreign_id": "race-1"}

    def create(i):
        response = _client(api.key).post(
            "/api/v1/invoices", body, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
        )
        return response.status_code, json.loads(response.content)

    results = run_at_once(THREADS, create)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert Invoice.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    created = [body for code, body in results if code == 201]
    conflicts = [body for code, body in results if code == 409]
    assert created and all(b == created[0] for b in created)
    assert len(created) + len(conflicts) == THREADS


def test_endpoint_changes_at_once_leave_creation_recorded_as_the_endpoints_say(postgres, api):
    """Merchant.records_invoice_creation is worked out from the merchant's endpoints under
    its row lock: a change to one endpoint made at the same moment as a change to another
    still leaves it saying whether an endpoint wants to hear of invoices' making."""
    from merchants.models import Merchant
    from webhooks import endpoints
    from webhooks.models import WebhookEndpoint

    hook = endpoints.create_endpoint(
        merchant=api.merchant,
        url="https://shop.example/gf",
        actor="test",
        dialect="greenfield",
        events=["InvoiceSettled"],
    )
    other = endpoints.create_endpoint(
        merchant=api.merchant, url="https://shop.example/cb", actor="test"
    )
    for round in range(12):
        wanted = round % 2 == 0

        def change(i, wanted=wanted):
            endpoint, changes = (
                (hook, {"events": ["*"] if wanted else ["InvoiceSettled"]})
                if i % 2 == 0
                else (other, {"enabled": wanted})
            )
            endpoints.update_endpoint(
                endpoint=WebhookEndpoint.objects.get(pk=endpoint.pk), changes=changes, actor="t"
            )

        assert run_at_once(2, change) == [None, None]
        merchant = Merchant.objects.get(pk=api.merchant.pk)
        assert merchant.records_invoice_creation is wanted, round
