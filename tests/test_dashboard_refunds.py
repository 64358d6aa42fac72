"""The dashboard's refunds (issue 23, item 4): a Refund button on an invoice that holds
money, its form (the amount, the worth at the locked rate), the refunds list and a refund's
page, done by the service the API uses."""

from __future__ import annotations

import pytest

from invoices.models import Invoice, Refund
from invoices.services import refunds
from merchants.models import MerchantUser
from tests.test_dashboard import _member, browser, owner, post  # noqa: F401 (fixtures)


@pytest.fixture
def completed(api, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox", foreign_id="A-1")
    response = api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json"
    )
    assert response.json()["status"] == "completed"
    return invoice


def test_a_completed_invoice_is_refunded_in_part_then_in_full(browser, completed):  # noqa: F811
    page = browser.get(f"/dashboard/invoices/{completed['id']}/").content.decode()
    url = f"/dashboard/invoices/{completed['id']}/refunds/new/"
    assert url in page  # the Refund button
    form = browser.get(url).content.decode()
    assert "100.00 USDT" in form and "≈ 100.00 USD" in form  # its worth at the locked rate

    done = post(browser, url, {"method": "USDT sandbox", "amount": "40", "reason": "returned"})
    assert done.status_code == 302, done.content.decode()
    first = Refund.objects.get(invoice_id=completed["id"])
    assert done["Location"] == f"/dashboard/refunds/{first.pk}/"
    assert (first.amount, first.reason) == (40_000_000, "returned")
    assert Invoice.objects.get(pk=completed["id"]).status == "completed"

    too_much = post(browser, url, {"method": "USDT sandbox", "amount": "61"})
    assert too_much.status_code == 422
    assert "at most 60.000000 USDT" in too_much.content.decode()

    assert post(browser, url, {"method": "USDT sandbox", "amount": ""}).status_code == 302
    assert Invoice.objects.get(pk=completed["id"]).status == "refunded"
    page = browser.get(f"/dashboard/invoices/{completed['id']}/").content.decode()
    assert url not in page  # nothing left: no Refund button


def test_the_refunds_list_filters_and_a_refunds_page(browser, completed, api, create_invoice):  # noqa: F811
    first = refunds.create_refund(invoice_id=completed["id"], amount="10", actor="test")
    second = refunds.create_refund(invoice_id=completed["id"], amount="5", actor="test")
    Refund.objects.filter(pk=second.pk).update(
        status=Refund.PAID, address="sbx1qpayer", payout_txid="ab" * 32
    )
    listing = browser.get("/dashboard/refunds/").content.decode()
    assert str(first.pk)[:8] in listing and str(second.pk)[:8] in listing
    claimed_only = browser.get("/dashboard/refunds/", {"status": "awaiting_claim"}).content
    assert str(first.pk)[:8] in claimed_only.decode()
    assert str(second.pk)[:8] not in claimed_only.decode()
    by_order = browser.get("/dashboard/refunds/", {"q": "A-1"}).content.decode()
    assert str(first.pk)[:8] in by_order
    assert (
        str(first.pk)[:8] not in browser.get("/dashboard/refunds/", {"q": "B-2"}).content.decode()
    )
    assert browser.get("/dashboard/refunds/", {"cursor": "nonsense"}).status_code == 200

    page = browser.get(f"/dashboard/refunds/{first.pk}/").content.decode()
    assert "/refund/#" in page  # the claim link to copy
    paid = browser.get(f"/dashboard/refunds/{second.pk}/").content.decode()
    assert "ab" * 32 in paid and "sbx1qpayer" in paid


def test_another_merchants_refund_is_not_found(browser, make_merchant):  # noqa: F811
    other = make_merchant(name="Other")
    invoice = other.post(
        "/api/v1/invoices",
        {
            "price_amount": "10.00",
            "price_currency": "USD",
            "pay_currency": "USDT",
            "network": "sandbox",
        },
        format="json",
    ).json()
    other.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json")
    made = other.post(f"/api/v1/invoices/{invoice['id']}/refunds", {}, format="json").json()
    assert browser.get(f"/dashboard/refunds/{made['id']}/").status_code == 404
    assert browser.get(f"/dashboard/invoices/{invoice['id']}/refunds/new/").status_code == 404


def test_staff_who_may_resolve_may_refund(client, api, completed):
    """Refunding is a money action with today's rule for resolving: owner or staff."""
    client.force_login(_member(api.merchant, "staff@shop.example", MerchantUser.STAFF))
    url = f"/dashboard/invoices/{completed['id']}/refunds/new/"
    assert post(client, url, {"method": "USDT sandbox", "amount": "1"}).status_code == 302
    assert Refund.objects.filter(invoice_id=completed["id"]).count() == 1


def test_a_refund_is_marked_paid_or_cancelled_from_its_page(browser, completed):  # noqa: F811
    first = refunds.create_refund(invoice_id=completed["id"], amount="10", actor="test")
    second = refunds.create_refund(invoice_id=completed["id"], actor="test")
    page = browser.get(f"/dashboard/refunds/{first.pk}/").content.decode()
    assert f"/dashboard/refunds/{first.pk}/mark-paid/" in page
    assert f"/dashboard/refunds/{first.pk}/cancel/" in page

    bad = post(browser, f"/dashboard/refunds/{first.pk}/mark-paid/", {"txid": "nope"})
    assert bad.status_code == 422 and "64" in bad.content.decode()
    done = post(browser, f"/dashboard/refunds/{first.pk}/mark-paid/", {"txid": "ab" * 32})
    assert done.status_code == 302
    paid = Refund.objects.get(pk=first.pk)
    assert (paid.status, paid.payout_txid) == (Refund.PAID, "ab" * 32)
    assert "/mark-paid/" not in browser.get(f"/dashboard/refunds/{first.pk}/").content.decode()

    assert Invoice.objects.get(pk=completed["id"]).status == "refunded"
    assert post(browser, f"/dashboard/refunds/{second.pk}/cancel/", {}).status_code == 302
    assert Refund.objects.get(pk=second.pk).status == Refund.CANCELLED
    assert Invoice.objects.get(pk=completed["id"]).status == "completed"  # 90 USDT held again
    page = browser.get(f"/dashboard/refunds/{second.pk}/").content.decode()
    assert "This refund was cancelled" in page and "/cancel/" not in page
    refused = post(browser, f"/dashboard/refunds/{first.pk}/cancel/", {}, follow=True)
    assert "only a refund not paid yet can be cancelled" in refused.content.decode()
    assert Refund.objects.get(pk=first.pk).status == Refund.PAID
