"""Issue 25 in a real Chromium: a token payment whose QR code holds the plain address (the
amount shown beside it, the fee and exchange notes), and the receipt of a payment completed
short within the merchant's absolute tolerance. Screenshots at desktop and phone sizes in
var/screenshots/ (SCREENSHOTS=1)."""

from __future__ import annotations

import pytest

from tests.browser import decode_qr, screenshot
from tests.test_checkout_browser import DESCRIPTION, expect, sandbox_pay
from tests.test_dashboard_browser import log_in, make_user


@pytest.fixture
def token_invoice(api, create_invoice):
    def new(**body) -> dict:
        return create_invoice(
            price_amount="25.00",
            description=DESCRIPTION,
            pay_currency="USDT",
            network="sandbox",
            **body,
        )

    return new


def test_a_token_with_the_plain_address_qr_shows_the_amount_beside_it(api, token_invoice, page):
    api.merchant.token_qr = "address"
    api.merchant.save(update_fields=["token_qr"])
    invoice = token_invoice()
    page.goto(f"/pay/{invoice['id']}")
    expect(page.locator("#title")).to_have_text("Send the payment")
    assert decode_qr(page.locator("svg.qr").screenshot()) == invoice["address"]
    expect(page.locator("#qr-amount")).to_contain_text("25.00 USDT")
    expect(page.locator(".wallet-link")).to_have_count(0)
    expect(page.locator("#pay-in-full")).to_contain_text("must not be deducted")
    expect(page.locator("#exchange-note")).to_contain_text("Paying from an exchange?")
    screenshot(page, "checkout-token-plain-address")
    assert page.problems == []


def test_a_payment_short_within_the_tolerance_completes_and_the_receipt_shows_it(
    api, token_invoice, page
):
    invoice = token_invoice(underpayment_tolerance="1.00")
    sandbox_pay(api, invoice["id"], amount="24.10")
    page.goto(f"/pay/{invoice['id']}")
    expect(page.locator("#title")).to_have_text("Payment complete")
    expect(page.locator("#shortfall")).to_have_text("0.90 USDT")
    expect(page.locator(".shortfall-note")).to_contain_text("nothing more is due")
    screenshot(page, "checkout-completed-within-tolerance")
    page.select_option("#language", "de")  # the script submits the switcher
    expect(page.locator("#title")).to_have_text("Zahlung abgeschlossen")
    expect(page.locator("#shortfall")).to_have_text("0,90 USDT")
    expect(page.locator(".shortfall-note")).to_contain_text("nichts mehr zu zahlen")
    screenshot(page, "checkout-completed-within-tolerance-de")
    assert page.problems == []


def test_the_dashboard_sets_the_tolerance_and_shows_an_invoice_paid_within_it(
    api, token_invoice, page
):
    make_user(api.merchant, "owner@shop.example")
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/settings/payments/")
    page.get_by_label("Underpayment tolerance").fill("1.00 USD\n0.50 EUR")
    page.get_by_label("The plain address: the payer types the amount shown beside it").check()
    page.get_by_role("button", name="Save payment settings").click()
    expect(page.get_by_label("Underpayment tolerance")).to_have_value("0.50 EUR\n1.00 USD")
    screenshot(page, "dashboard/settings-payments-tolerance")
    api.merchant.refresh_from_db()
    assert (api.merchant.underpayment_tolerance, api.merchant.token_qr) == (
        {"USD": 100, "EUR": 50},
        "address",
    )

    invoice = token_invoice()  # the store's tolerance and QR choice
    assert (invoice["underpayment_tolerance"], invoice["payment_uri"]) == ("1.00", None)
    sandbox_pay(api, invoice["id"], amount="24.10")
    page.goto(f"/dashboard/invoices/{invoice['id']}/")
    expect(page.locator("#shortfall")).to_contain_text("0.90")
    expect(page.locator("#underpayment-tolerance")).to_contain_text("1.00 USD")
    screenshot(page, "dashboard/invoice-within-tolerance")
    assert page.problems == []
