"""Payment links without a browser: one invoice per payer visit, the limits a link sets
(minimum, maximum, deactivated, ended, sold out) refused with a page and nothing created,
its picture checked by its bytes, and the dashboard's pages scoped to the merchant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from invoices.models import Invoice
from links import selectors
from links.models import LinkInvoice, PaymentLink
from links.services import image_type
from merchants.models import MerchantUser

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def link(api):
    return PaymentLink.objects.create(
        merchant=api.merchant,
        livemode=False,
        name="Donation",
        price_currency="USD",
        amount_min=500,
        amount_max=50000,
    )


def member_client(merchant, email="owner@shop.example", role=MerchantUser.OWNER):
    user = get_user_model().objects.create_user(username=email, email=email, password="pw")
    MerchantUser.objects.create(user=user, merchant=merchant, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_a_visit_makes_one_invoice_however_often_it_is_confirmed(link):
    payer = Client()
    assert payer.get(f"/l/{link.slug}").status_code == 200
    first = payer.post(f"/l/{link.slug}", {"amount": "12,34"})
    assert first.status_code == 302 and first["Location"].startswith("/pay/")
    again = payer.post(f"/l/{link.slug}", {"amount": "12.34"})
    assert again["Location"] == first["Location"]
    invoice = Invoice.objects.get()
    assert (invoice.price_amount, invoice.price_currency) == (1234, "USD")
    assert invoice.metadata == {"payment_link": link.slug}
    assert LinkInvoice.objects.get().link == link
    # Another payer is another visit.
    Client().post(f"/l/{link.slug}", {"amount": "12.34"})
    assert Invoice.objects.count() == 2


def test_a_test_links_page_says_test(link, api):
    assert 'class="test-banner"' in Client().get(f"/l/{link.slug}").content.decode()
    PaymentLink.objects.filter(pk=link.pk).update(livemode=True)
    assert "test-banner" not in Client().get(f"/l/{link.slug}").content.decode()


def test_a_visit_whose_invoice_expired_makes_a_fresh_one(link):
    payer = Client()
    first = payer.post(f"/l/{link.slug}", {"amount": "20"})
    Invoice.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    second = payer.post(f"/l/{link.slug}", {"amount": "20"})
    assert second["Location"] != first["Location"]
    assert Invoice.objects.count() == 2


@pytest.mark.parametrize(
    "amount, message",
    [
        ("4.99", "The amount must be at least 5.00 USD."),
        ("500.01", "The amount must be at most 500.00 USD."),
        ("", "Enter an amount, such as 5.00."),
        ("1.234", "at most 2 decimal places are allowed"),
    ],
)
def test_an_amount_outside_the_link_is_refused_and_creates_nothing(link, amount, message):
    response = Client().post(f"/l/{link.slug}", {"amount": amount})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    "change, text",
    [
        ({"active": False}, "deactivated by the merchant"),
        ({"ends_at": timezone.now() - timedelta(minutes=1)}, "has ended"),
    ],
)
def test_a_closed_link_shows_why_and_creates_nothing(link, change, text):
    PaymentLink.objects.filter(pk=link.pk).update(**change)
    payer = Client()
    page = payer.get(f"/l/{link.slug}")
    assert page.status_code == 410 and text in page.content.decode()
    assert "Continue to payment" not in page.content.decode()
    assert payer.post(f"/l/{link.slug}", {"amount": "10"}).status_code == 410
    assert not Invoice.objects.exists()


def test_a_sold_out_link_takes_no_more_payers(api):
    link = PaymentLink.objects.create(
        merchant=api.merchant,
        livemode=False,
        name="Ticket",
        price_currency="EUR",
        price_amount=2500,
        quantity_limit=1,
    )
    assert Client().post(f"/l/{link.slug}").status_code == 302
    refused = Client().post(f"/l/{link.slug}")
    assert refused.status_code == 410 and "Sold out" in refused.content.decode()
    assert Invoice.objects.count() == 1
    Invoice.objects.update(status="expired")  # the first payer gave up: the ticket is free
    assert Client().post(f"/l/{link.slug}").status_code == 302


def test_an_unknown_link_is_a_404(db):
    assert Client().get("/l/nothing-here").status_code == 404


def test_the_accepted_methods_are_the_only_ones_offered(api):
    link = PaymentLink.objects.create(
        merchant=api.merchant,
        livemode=False,
        name="One coin",
        price_currency="USD",
        price_amount=1000,
        methods=["USDT:sandbox"],
    )
    Client().post(f"/l/{link.slug}")
    invoice = Invoice.objects.get()
    assert {(q.asset, q.network) for q in invoice.quotes.all()} == {("USDT", "sandbox")}


def test_pictures_are_judged_by_their_bytes():
    assert image_type(PNG) == "image/png"
    assert image_type(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert image_type(b"<svg onload=alert(1)>") is None


def test_the_dashboard_makes_lists_and_deactivates_links(api):
    owner = member_client(api.merchant)
    response = owner.post(
        "/dashboard/links/new/",
        {
            "name": "Workshop",
            "price_currency": "EUR",
            "pricing": "fixed",
            "price_amount": "25,00",
            "image": _upload(),
        },
    )
    link = PaymentLink.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboard/links/{link.pk}/"
    assert (link.price_amount, link.image_type) == (2500, "image/png")
    assert Client().get(f"/l/{link.slug}/image")["Content-Type"] == "image/png"
    Client().post(f"/l/{link.slug}")
    detail = owner.get(f"/dashboard/links/{link.pk}/").content.decode()
    assert "Workshop" in detail and "25.00 EUR" in detail and "/l/" + link.slug in detail
    owner.post(f"/dashboard/links/{link.pk}/toggle/")
    link.refresh_from_db()
    assert not link.active
    assert "Deactivated" in owner.get("/dashboard/links/").content.decode()


@pytest.mark.parametrize(
    "zone, stored",
    [("", "2027-03-01T12:00:00+00:00"), ("Europe/Berlin", "2027-03-01T11:00:00+00:00")],
)
def test_a_links_end_is_taken_in_the_zone_it_was_typed_in(api, zone, stored):
    """The browser says its zone (gateway.js); without a script the time is UTC."""
    owner = member_client(api.merchant)
    form = {"name": "Workshop", "price_currency": "EUR", "pricing": "fixed", "price_amount": "5"}
    response = owner.post(
        "/dashboard/links/new/", {**form, "ends_at": "2027-03-01T12:00", "timezone": zone}
    )
    assert response.status_code == 302
    assert PaymentLink.objects.get().ends_at.isoformat() == stored
    refused = owner.post(
        "/dashboard/links/new/", {**form, "ends_at": "2027-03-01T12:00", "timezone": "Mars/Base"}
    )
    assert refused.status_code == 422 and "Unknown time zone." in refused.content.decode()


def test_link_forms_refuse_what_cannot_sell(api):
    owner = member_client(api.merchant)
    response = owner.post(
        "/dashboard/links/new/",
        {
            "name": "Range",
            "price_currency": "USD",
            "pricing": "choose",
            "amount_min": "10",
            "amount_max": "5",
            "image": _upload(b"GIF8"),
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "The maximum is below the minimum." in page
    assert "Upload a PNG, JPEG, GIF or WebP picture." in page
    assert not PaymentLink.objects.exists()


def test_another_merchants_link_is_not_found(api, make_merchant):
    link = PaymentLink.objects.create(
        merchant=api.merchant, livemode=False, name="Mine", price_currency="USD", price_amount=100
    )
    stranger = member_client(make_merchant("Other").merchant, "other@shop.example")
    for url in (f"/dashboard/links/{link.pk}/", f"/dashboard/links/{link.pk}/edit/"):
        assert stranger.get(url).status_code == 404
    assert stranger.post(f"/dashboard/links/{link.pk}/toggle/").status_code == 404


def _upload(data=PNG):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("picture.png", data, content_type="image/png")


def test_racing_confirmations_make_one_invoice_and_respect_the_quantity(postgres, api):
    """Six confirmations of one visit at once make one invoice; six payers racing for the
    last ticket get one invoice and five clear refusals."""
    from core.errors import GatewayError
    from links import services as link_services
    from tests.conftest import run_at_once

    link = PaymentLink.objects.create(
        merchant=api.merchant,
        livemode=False,
        name="Last ticket",
        price_currency="EUR",
        price_amount=2500,
    )
    same_visit = run_at_once(
        6, lambda i: link_services.open_invoice(link_id=link.pk, amount=None, visit="visit-1")
    )
    assert {result[0]["id"] for result in same_visit} == {str(Invoice.objects.get().pk)}

    PaymentLink.objects.filter(pk=link.pk).update(quantity_limit=2)
    results = run_at_once(
        6, lambda i: link_services.open_invoice(link_id=link.pk, amount=None, visit=f"payer-{i}")
    )
    refused = [r for r in results if isinstance(r, GatewayError)]
    assert len(refused) == 5 and all(r.code == "link_unavailable" for r in refused)
    assert Invoice.objects.count() == 2 == LinkInvoice.objects.count()


def test_a_links_takings_are_counted_in_its_currency_only(api, link):
    for amount in ("12.34", "20"):
        Client().post(f"/l/{link.slug}", {"amount": amount})
    Invoice.objects.update(status="completed")  # set up directly: paid and confirmed
    assert selectors.completed_volume(link=link) == 3234
    link.price_currency = "EUR"  # edited since: its euro takings start at nothing
    link.save()
    assert selectors.completed_volume(link=link) == 0
    Client().post(f"/l/{link.slug}", {"amount": "7"})
    Invoice.objects.filter(price_currency="EUR").update(status="completed")
    assert selectors.completed_volume(link=link) == 700
