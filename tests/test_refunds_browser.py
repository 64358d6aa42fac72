"""Refunding a completed invoice from the dashboard in a real Chromium (issue 23): a part,
then the rest; the refunds list. With SCREENSHOTS=1 the refund form and the refunds list are
saved at 1280×800 and 390×844 under var/screenshots/refunds/."""

from __future__ import annotations

import os

import pytest

from invoices.models import Invoice, Refund
from invoices.services import refunds
from tests.browser import SCREENSHOTS
from tests.test_dashboard_browser import log_in, make_user, sandbox_pay

pytest_plugins = ["tests.browser"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def shot(page, name: str) -> None:
    if not os.environ.get("SCREENSHOTS"):
        return
    (SCREENSHOTS / "refunds").mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / "refunds" / f"{name}-{size}.png", full_page=True)
    page.set_viewport_size(before)


@pytest.fixture
def completed(api, create_invoice):
    make_user(api.merchant, "owner@shop.example")
    invoice = create_invoice(
        pay_currency="USDT", network="sandbox", foreign_id="order-2001", price_amount="25.00"
    )
    assert sandbox_pay(api, invoice["id"])["status"] == "completed"
    return invoice


def test_refund_a_completed_invoice_in_part_then_the_rest(completed, page):
    log_in(page, "owner@shop.example")
    page.goto(f"/dashboard/invoices/{completed['id']}/")
    page.get_by_role("link", name="Refund…").click()
    expect(page.get_by_role("heading", name="Refund the payer")).to_be_visible()
    expect(page.locator(".kv")).to_contain_text("≈ 25.00 USD")
    page.get_by_label("Amount").fill("10")
    page.get_by_label("Reason (optional)").fill("one bag returned")
    shot(page, "01-refund-form")
    page.get_by_role("button", name="Refund").click()

    expect(page.locator(".alert-success")).to_contain_text("Refund offered to the payer")
    expect(page.locator("h1")).to_contain_text("Awaiting the payer's claim")
    expect(page.locator(".card").first).to_contain_text("one bag returned")
    assert Invoice.objects.get(pk=completed["id"]).status == "completed"

    page.goto(f"/dashboard/invoices/{completed['id']}/")
    page.get_by_role("link", name="Refund…").click()
    expect(page.locator(".kv")).to_contain_text("15.00 USDT")
    page.get_by_role("button", name="Refund").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Invoice.objects.get(pk=completed["id"]).status == "refunded"
    assert sorted(r.amount for r in Refund.objects.filter(invoice_id=completed["id"])) == [
        10_000_000,
        15_000_000,
    ]

    page.get_by_role("link", name="Refunds", exact=True).first.click()
    expect(page.locator(".invoice-row")).to_have_count(2)
    shot(page, "02-refunds-list")
    page.get_by_label("Invoice").fill("order-2001")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".invoice-row")).to_have_count(2)
    assert page.problems == []


def test_mark_a_refund_paid_then_cancel_another(completed, page):
    """The refund page's buttons call the API's services: Mark paid with a txid (a wrong one
    is a form error), Cancel on an unpaid refund makes its money refundable again."""
    first = refunds.create_refund(invoice_id=completed["id"], amount="10", actor="test")
    second = refunds.create_refund(invoice_id=completed["id"], actor="test")
    log_in(page, "owner@shop.example")
    page.goto(f"/dashboard/refunds/{first.pk}/")
    page.get_by_label("Transaction id of the payout").fill("not a txid")
    page.get_by_role("button", name="Mark paid").click()
    expect(page.locator(".field-error")).to_contain_text("64")
    page.get_by_label("Transaction id of the payout").fill("ab" * 32)
    shot(page, "03-mark-paid")
    page.get_by_role("button", name="Mark paid").click()
    expect(page.locator(".alert-success")).to_contain_text("Refund marked paid")
    expect(page.locator("h1")).to_contain_text("Paid")
    expect(page.get_by_role("button", name="Mark paid")).to_have_count(0)
    assert Refund.objects.get(pk=first.pk).payout_txid == "ab" * 32

    page.goto(f"/dashboard/refunds/{second.pk}/")
    page.get_by_role("button", name="Cancel refund").click()
    expect(page.locator(".alert-success")).to_contain_text("refundable again")
    expect(page.locator("h1")).to_contain_text("Cancelled")
    assert Refund.objects.get(pk=second.pk).status == Refund.CANCELLED
    assert Invoice.objects.get(pk=completed["id"]).status == "completed"
