"""What the payer and the merchant see of the ledger, in a real Chromium: an overpaid invoice
whose excess is refunded reads as paid with a claim link; an extra payment in another asset is
shown and marked as not counted; each refund has its own card in the dashboard. Saved under
var/screenshots/ledger/."""

from __future__ import annotations

import pytest

from chains.backends import sandbox
from invoices.models import Invoice, Quote
from invoices.sandbox import mine_pending
from tests.browser import screenshot
from tests.test_dashboard_browser import log_in, make_user
from worker.tasks import scan_network

pytest_plugins = ["tests.browser"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


@pytest.fixture
def refunded_excess(api, create_invoice):
    """A USDT invoice paid 1.5 times and sent 0.1 ETH by mistake, its surplus refunded."""
    api.merchant.name = "Bean There Coffee"
    api.merchant.save(update_fields=["name"])
    invoice = create_invoice(pay_currency="USDT", network="sandbox", description="2 × espresso")
    quote = Quote.objects.get(invoice_id=invoice["id"])
    sandbox.broadcast(quote.address, "USDT", quote.due_amount * 3 // 2, "sbx1qpayer")
    sandbox.broadcast(quote.address, "ETH", 10**17, "sbx1qpayer")
    scan_network("sandbox")
    mine_pending(Invoice.objects.get(pk=invoice["id"]))
    response = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve",
        {"action": "refund", "refund_amount": "excess"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return invoice


def test_the_payer_sees_a_paid_invoice_with_the_excess_to_claim(page, refunded_excess):
    page.goto(f"/pay/{refunded_excess['id']}")
    expect(page.get_by_role("heading", name="Payment complete")).to_be_visible()
    expect(page.locator(".refund-offer")).to_have_count(2)
    expect(page.locator(".refund-offer").first).to_contain_text("Claim your refund")
    expect(page.locator(".tx-extra")).to_contain_text("not counted toward this invoice")
    screenshot(page, "ledger/checkout-completed-excess-refunded")
    page.locator(".refund-offer a").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.problems == []


def test_the_merchant_sees_the_extra_payment_and_one_refund_per_asset(api, page, refunded_excess):
    make_user(api.merchant, "owner@bean.example")
    log_in(page, "owner@bean.example")
    page.wait_for_url("**/dashboard/")
    page.wait_for_load_state("load")
    page.goto(f"/dashboard/invoices/{refunded_excess['id']}/")
    expect(page.get_by_text("extra payment · not counted · refundable")).to_be_visible()
    expect(page.locator("section[aria-labelledby^='refund-title-']")).to_have_count(2)
    expect(page.get_by_text("paid beyond the amount due")).to_be_visible()
    screenshot(page, "ledger/dashboard-invoice-extra-and-refunds")
    assert page.problems == []
