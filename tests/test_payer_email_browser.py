"""The payer's e-mail in a real Chromium: a payment link that requires one refuses to go on
without it, keeps it on the invoice, and once the sandbox pays, the payer's receipt is mailed
there; the checkout asks (optionally) when the store says so. Pages saved at 1280×800 and
390×844, in English and German, under var/screenshots/pos/ (SCREENSHOTS=1)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from invoices.models import Invoice
from links.models import PaymentLink
from merchants.models import PayerEmail
from tests.test_checkout_browser import sandbox_pay
from tests.test_pos_browser import PHONE, shot

pytest_plugins = ["tests.browser"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


@pytest.fixture
def link(api):
    api.merchant.name = "Bean There Coffee"
    api.merchant.save(update_fields=["name"])
    return PaymentLink.objects.create(
        merchant=api.merchant,
        livemode=False,
        name="Coffee workshop",
        price_currency="EUR",
        price_amount=2500,
        payer_email=PayerEmail.REQUIRED,
    )


def test_a_required_email_gets_the_receipt(api, link, open_page):
    payer = open_page(viewport=PHONE)
    payer.goto(f"/l/{link.slug}")
    shot(payer, "20-link-email-required")
    payer.get_by_role("button", name="Continue to payment").click()
    expect(payer.locator("#email-error")).to_have_text(
        "Enter your e-mail: the merchant sends the receipt there."
    )
    assert not Invoice.objects.exists()
    shot(payer, "21-link-email-refused")
    payer.get_by_label("Your e-mail").fill("payer@example.com")
    payer.get_by_role("button", name="Continue to payment").click()
    expect(payer.locator("#title")).to_have_text("Choose a currency")
    invoice = Invoice.objects.get()
    assert invoice.customer_email == "payer@example.com"
    payer.get_by_role("button", name=re.compile(r"^USDT")).click()
    sandbox_pay(api, invoice.pk)
    payer.reload()
    expect(payer.locator("#title")).to_have_text("Payment complete")
    [receipt] = [m for m in mail.outbox if m.subject == "Your receipt from Bean There Coffee"]
    assert receipt.to == ["payer@example.com"] and "25.00 EUR" in receipt.body
    assert payer.problems == []


@pytest.mark.parametrize("language", ["en-US", "de-DE"])
def test_the_checkout_asks_when_the_store_says_so(api, link, create_invoice, open_page, language):
    api.merchant.payer_email = PayerEmail.OPTIONAL
    api.merchant.save(update_fields=["payer_email"])
    invoice = create_invoice(price_amount="12.34", description="2 × Espresso")
    payer = open_page(viewport=PHONE, locale=language)
    payer.goto(f"/pay/{invoice['id']}")
    english = language == "en-US"
    label = "Your e-mail (optional)" if english else "Ihre E-Mail-Adresse (optional)"
    expect(payer.get_by_label(label)).to_be_visible()
    shot(payer, f"22-checkout-email-optional-{language[:2]}")
    payer.get_by_label(label).fill("payer@example.com")
    payer.get_by_role(
        "button", name="Send me the receipt" if english else "Beleg an mich senden"
    ).click()
    expect(payer.get_by_label(label)).to_have_count(0)
    assert Invoice.objects.get(pk=invoice["id"]).customer_email == "payer@example.com"
    german_link = open_page(locale=language)
    german_link.goto(f"/l/{link.slug}")
    shot(german_link, f"23-link-email-{language[:2]}")
    assert payer.problems == [] and german_link.problems == []
