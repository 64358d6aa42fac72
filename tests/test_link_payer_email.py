"""A payment link may ask the payer for an e-mail — off, optional or required, the
merchant's choice per link — which the invoice keeps as its `customer_email`, for the receipt
and the refund-claim link."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from invoices.models import Invoice
from links.models import PayerEmail, PaymentLink
from tests.test_links import member_client


@pytest.fixture
def make_link(api):
    def make(payer_email):
        return PaymentLink.objects.create(
            merchant=api.merchant,
            livemode=False,
            name="Workshop",
            price_currency="USD",
            price_amount=2500,
            payer_email=payer_email,
        )

    return make


def test_off_asks_nothing_and_keeps_nothing(make_link):
    link = make_link(PayerEmail.OFF)
    assert b'name="email"' not in Client().get(f"/l/{link.slug}").content
    assert Client().post(f"/l/{link.slug}", {"email": "p@example.com"}).status_code == 302
    assert Invoice.objects.get().customer_email == ""


def test_optional_may_be_left_empty(make_link):
    link = make_link(PayerEmail.OPTIONAL)
    page = Client().get(f"/l/{link.slug}").content.decode()
    assert "Your e-mail (optional)" in page
    assert Client().post(f"/l/{link.slug}", {"email": ""}).status_code == 302
    assert Client().post(f"/l/{link.slug}", {"email": " p@example.com "}).status_code == 302
    assert sorted(Invoice.objects.values_list("customer_email", flat=True)) == [
        "",
        "p@example.com",
    ]


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "Enter your e-mail"), ("not-an-address", "Enter a valid e-mail address.")],
)
def test_required_refuses_a_missing_or_bad_email_and_creates_nothing(make_link, email, message):
    link = make_link(PayerEmail.REQUIRED)
    response = Client().post(f"/l/{link.slug}", {"email": email})
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page and 'aria-invalid="true"' in page
    assert not Invoice.objects.exists()


def test_required_keeps_the_email_on_the_invoice(make_link):
    link = make_link(PayerEmail.REQUIRED)
    response = Client().post(f"/l/{link.slug}", {"email": "payer@example.com"})
    assert response.status_code == 302
    assert Invoice.objects.get().customer_email == "payer@example.com"


def test_the_dashboard_sets_the_choice_per_link(api):
    dashboard = member_client(api.merchant)
    response = dashboard.post(
        "/dashboard/links/new/",
        {
            "name": "Workshop",
            "price_currency": "USD",
            "pricing": "fixed",
            "price_amount": "25.00",
            "payer_email": "required",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    link = PaymentLink.objects.get()
    assert link.payer_email == PayerEmail.REQUIRED
    edit = dashboard.get(f"/dashboard/links/{link.pk}/edit/").content.decode()
    assert re.search(r'name="payer_email" value="required"[^>]*checked', edit)
    assert not re.search(r'name="payer_email" value="off"[^>]*checked', edit)


def test_the_question_is_asked_in_the_payers_language(make_link):
    link = make_link(PayerEmail.REQUIRED)
    german = Client(headers={"accept-language": "de"})
    assert "Ihre E-Mail-Adresse" in german.get(f"/l/{link.slug}").content.decode()
    refused = german.post(f"/l/{link.slug}", {"email": ""}).content.decode()
    assert "Der Händler sendet den Beleg dorthin" in refused
