"""The checkout asks the payer for an e-mail when the store says so (off / optional /
required) and the invoice has none: an optional one beside the payment, a required one
before it. A given e-mail is never replaced, and the counter's screen never asks."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from checkout import states
from invoices.models import Invoice
from merchants.models import PayerEmail
from pos.models import Terminal
from tests.test_links import member_client


def ask(api, setting):
    api.merchant.payer_email = setting
    api.merchant.save(update_fields=["payer_email"])


@pytest.mark.parametrize(
    ("setting", "has_email", "screen", "counter", "question"),
    [
        ("off", False, states.CHOOSE, False, ""),
        ("optional", False, states.CHOOSE, False, "optional"),
        ("required", False, states.PAY, False, "required"),
        ("required", True, states.PAY, False, ""),
        ("required", False, states.COMPLETED, False, ""),
        ("required", False, states.EXPIRED, False, ""),
        ("required", False, states.PAY, True, ""),
    ],
)
def test_when_the_page_asks(setting, has_email, screen, counter, question):
    assert states.email_question(setting, has_email, screen, counter) == question


def test_off_asks_nothing(api, create_invoice):
    page = Client().get(f"/pay/{create_invoice()['id']}").content.decode()
    assert 'name="email"' not in page and "USDT" in page


def test_optional_asks_beside_the_payment_and_keeps_the_answer(api, create_invoice):
    ask(api, PayerEmail.OPTIONAL)
    invoice = create_invoice()
    payer = Client()
    page = payer.get(f"/pay/{invoice['id']}").content.decode()
    assert "Your e-mail (optional)" in page and 'name="method"' in page
    given = payer.post(f"/pay/{invoice['id']}/email", {"email": "payer@example.com"})
    assert given.status_code == 302
    assert Invoice.objects.get(pk=invoice["id"]).customer_email == "payer@example.com"
    assert 'name="email"' not in payer.get(f"/pay/{invoice['id']}").content.decode()
    # Someone else with the link cannot redirect the receipt or the refund link.
    again = payer.post(f"/pay/{invoice['id']}/email", {"email": "thief@example.com"})
    assert again.status_code == 409
    assert Invoice.objects.get(pk=invoice["id"]).customer_email == "payer@example.com"


def test_required_shows_the_payment_once_an_email_is_given(api, create_invoice):
    ask(api, PayerEmail.REQUIRED)
    invoice = create_invoice()
    payer = Client()
    page = payer.get(f"/pay/{invoice['id']}").content.decode()
    assert "Your e-mail" in page and 'name="method"' not in page
    for bad, message in (("", "Enter your e-mail"), ("nope", "Enter a valid e-mail address.")):
        refused = payer.post(f"/pay/{invoice['id']}/email", {"email": bad})
        assert refused.status_code == 422 and message in refused.content.decode()
    assert Invoice.objects.get(pk=invoice["id"]).customer_email == ""
    payer.post(f"/pay/{invoice['id']}/email", {"email": "payer@example.com"})
    assert 'name="method"' in payer.get(f"/pay/{invoice['id']}").content.decode()


def test_the_merchants_email_is_kept_and_not_asked_for(api, create_invoice):
    ask(api, PayerEmail.REQUIRED)
    invoice = create_invoice(customer_email="known@example.com")
    assert 'name="email"' not in Client().get(f"/pay/{invoice['id']}").content.decode()
    assert (
        Client().post(f"/pay/{invoice['id']}/email", {"email": "x@example.com"}).status_code == 409
    )


def test_the_counter_does_not_ask(api):
    ask(api, PayerEmail.REQUIRED)
    terminal = Terminal.objects.create(
        merchant=api.merchant, livemode=False, name="Counter", currency="USD"
    )
    made = Client().post(
        f"/pos/{terminal.slug}/charge",
        json.dumps({"key": "press-0001", "amount": "5.00"}),
        content_type="application/json",
    )
    page = Client().get(made.json()["checkout_url"]).content.decode()
    assert 'name="email"' not in page and 'name="method"' in page


def test_the_store_chooses_in_its_payment_settings(api):
    dashboard = member_client(api.merchant)
    page = dashboard.get("/dashboard/settings/payments/").content.decode()
    assert 'name="payer_email"' in page
    form = {
        "invoice_ttl_minutes": 15,
        "payment_window_minutes": 15,
        "late_window_minutes": 60,
        "processing_timeout_minutes": 60,
        "slippage_percent": "0.5",
        "insurance_percent": "0",
        "payer_email": "optional",
        **{f"rule_{c}": r for c, r in api.merchant.unresolved_rules.items()},
    }
    response = dashboard.post("/dashboard/settings/payments/", form)
    assert response.status_code == 302, response.content.decode()[:800]
    api.merchant.refresh_from_db()
    assert api.merchant.payer_email == PayerEmail.OPTIONAL
