"""Invoices made by hand in the dashboard go through the API's service: the same checks and
messages, nothing half-made when refused, and the link e-mailed to the customer."""

from __future__ import annotations

import pytest
from django.core import mail

from invoices.models import Invoice
from tests.test_links import member_client
from webhooks.notifications import send_due


@pytest.fixture
def owner(api):
    return member_client(api.merchant)


def test_an_invoice_made_by_hand_is_the_apis_invoice(owner, api):
    response = owner.post(
        "/dashboard/invoices/new/",
        {
            "price_amount": "25,00",
            "price_currency": "EUR",
            "kind": "timed",
            "description": "Repair",
            "customer_email": "c@d.example",
            "foreign_id": "R-1",
            "return_url": "https://shop.example/thanks",
        },
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/invoices/{invoice.pk}/share/"
    assert (invoice.price_amount, invoice.price_currency, invoice.foreign_id) == (
        2500,
        "EUR",
        "R-1",
    )
    assert invoice.quotes.exists()  # timed: rates locked for every offered method
    assert invoice.events.count() == 0
    via_api = api.get(f"/api/v1/invoices/{invoice.pk}").json()
    assert via_api["description"] == "Repair"
    share = owner.get(response["Location"]).content.decode()
    assert f"/pay/{invoice.pk}" in share and "<svg" in share


@pytest.mark.parametrize(
    "body, field_message",
    [
        ({"price_amount": "0"}, "the amount must be greater than 0"),
        ({"price_amount": "1.001"}, "at most 2 decimal places are allowed"),
        ({"kind": "fixed"}, "a fixed invoice needs pay_currency"),
        (
            {"return_url": "https://evil.example/"},
            "evil.example is not one of the merchant&#x27;s allowed return hosts",
        ),
    ],
)
def test_refusals_carry_the_apis_messages_and_create_nothing(owner, body, field_message):
    response = owner.post(
        "/dashboard/invoices/new/",
        {"price_amount": "10", "price_currency": "USD", "kind": "timed", **body},
    )
    assert response.status_code == 422
    assert field_message in response.content.decode()
    assert not Invoice.objects.exists()


def test_a_taken_order_id_is_refused_as_over_the_api(owner, create_invoice):
    create_invoice(foreign_id="A-1")
    response = owner.post(
        "/dashboard/invoices/new/",
        {"price_amount": "10", "price_currency": "USD", "kind": "timed", "foreign_id": "A-1"},
    )
    assert response.status_code == 422
    assert "an invoice with foreign_id &#x27;A-1&#x27; exists" in response.content.decode()
    assert Invoice.objects.count() == 1


def test_a_fixed_invoice_gets_its_address_at_once(owner):
    owner.post(
        "/dashboard/invoices/new/",
        {
            "price_amount": "10",
            "price_currency": "USD",
            "kind": "fixed",
            "pay_method": "USDT:sandbox",
        },
    )
    invoice = Invoice.objects.get()
    assert invoice.quote.address and invoice.quote.asset == "USDT"


def test_the_link_is_e_mailed_to_the_customer(owner, create_invoice):
    invoice = create_invoice(price_amount="12.50", description="Two mugs")
    response = owner.post(
        f"/dashboard/invoices/{invoice['id']}/share/", {"email": "buyer@x.example"}
    )
    assert response.status_code == 302
    send_due()
    [message] = mail.outbox
    assert message.to == ["buyer@x.example"]
    assert f"/pay/{invoice['id']}" in message.body and "12.50 USD" in message.body
    assert "Two mugs" in message.alternatives[0][0]
