"""Invoice creation reads what it needs in few statements and writes in one INSERT per row,
without changing what it answers."""

import json

import pytest
from rest_framework.test import APIClient

from invoices.api.serializers import InvoiceCreateSerializer
from invoices.models import IdempotencyKey, Invoice, Quote
from merchants.models import Wallet
from merchants.services import create_api_key
from tests.conftest import run_at_once

FIXED = {
    "price_amount": "25.00",
    "price_currency": "USD",
    "pay_currency": "USDT",
    "network": "sandbox",
}


def test_creation_runs_few_statements(api, django_assert_max_num_queries):
    api.post("/api/v1/invoices", FIXED, format="json")  # the key's last_used_at is written
    # Without Redis the rate limits count in the database (the address's failed logins, the
    # key's window) and every API write runs in one transaction, with no savepoint inside:
    # (begin), failures, key, key's counter, wallet index, quote, invoice, (commit).
    with django_assert_max_num_queries(8):
        assert api.post("/api/v1/invoices", FIXED, format="json").status_code == 201
    # (begin), failures, key, key's counter, wallets, invoice, quotes, (commit)
    with django_assert_max_num_queries(8):
        response = api.post(
            "/api/v1/invoices", {"price_amount": "10", "price_currency": "EUR"}, format="json"
        )
    assert response.status_code == 201
    assert Quote.objects.filter(invoice_id=response.json()["id"]).count() == 3
    # With an Idempotency-Key (claimed, then stored: one statement each) and a foreign_id
    # (a savepoint and its release guard the INSERT, on every database).
    with django_assert_max_num_queries(12):
        assert (
            api.post(
                "/api/v1/invoices",
                {**FIXED, "foreign_id": "order-9"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="k",
            ).status_code
            == 201
        )


def test_a_fixed_invoice_points_at_its_quote_and_address(api):
    invoice = api.post("/api/v1/invoices", FIXED, format="json").json()
    stored = Invoice.objects.select_related("quote").get(pk=invoice["id"])
    assert stored.quote.invoice_id == stored.pk and stored.selected_at == stored.created_at
    assert stored.quote.address == invoice["address"] and stored.quote.derivation_index == 0


def test_a_fixed_method_without_its_wallet_is_not_offered_and_nothing_is_written(api):
    Wallet.objects.filter(merchant=api.merchant).delete()
    response = api.post("/api/v1/invoices", FIXED, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "currency_not_offered"
    assert not Invoice.objects.exists() and not Quote.objects.exists()


def test_a_taken_foreign_id_is_a_409_that_writes_nothing_and_is_replayed(api):
    api.post("/api/v1/invoices", {**FIXED, "foreign_id": "order-1"}, format="json")
    for _ in range(2):
        response = api.post(
            "/api/v1/invoices",
            {**FIXED, "foreign_id": "order-1"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k",
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "foreign_id_taken"
    assert response["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == Quote.objects.count() == 1
    assert Wallet.objects.get(merchant=api.merchant, family="sandbox").next_index == 1


@pytest.mark.parametrize("foreign_id", [{"foreign_id": "order-2"}, {}])
def test_a_missing_wallet_is_a_422_kept_for_the_key_and_nothing_is_written(api, foreign_id):
    # Found inside the write (the address claim), with or without a savepoint around it: the
    # request's transaction still stores the refusal.
    Wallet.objects.filter(merchant=api.merchant).delete()
    for _ in range(2):
        response = api.post(
            "/api/v1/invoices",
            {**FIXED, **foreign_id},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k",
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "currency_not_offered"
    assert response["Idempotent-Replayed"] == "true"
    assert not Invoice.objects.exists() and not Quote.objects.exists()


def test_concurrent_creates_of_one_foreign_id_make_one_invoice_and_409s(postgres, api):
    # A key each: one key's rate-limit row would make them wait for each other.
    keys = [create_api_key(merchant=api.merchant, name=f"k{i}", mode="test") for i in range(6)]

    def create(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {keys[i]}")
        response = client.post(
            "/api/v1/invoices",
            {**FIXED, "foreign_id": "race"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"key-{i}",
        )
        return response.status_code, json.loads(response.content)

    results = run_at_once(6, create)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(code for code, _ in results) == [201] + [409] * 5
    assert {body["error"]["code"] for code, body in results if code == 409} == {"foreign_id_taken"}
    assert Invoice.objects.count() == Quote.objects.count() == 1
    assert IdempotencyKey.objects.filter(response_status=409).count() == 5


def test_serializers_do_not_share_their_bound_fields():
    first = InvoiceCreateSerializer(data=FIXED)
    second = InvoiceCreateSerializer(data={**FIXED, "price_amount": 1.5})
    assert first.is_valid() and not second.is_valid()
    assert first.fields["price_amount"] is not second.fields["price_amount"]
    assert first.fields["price_amount"].parent is first
    assert second.errors["price_amount"][0].code == "float"
    assert first.validated_data["price_amount"] == 2500
