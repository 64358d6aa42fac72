"""The dashboard speaks the checkout's languages: the member's own choice, else the
browser's; amounts with the locale's decimal separator; words for every status, context
and confirmation count."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from invoices.models import Kind, Status
from merchants.models import UNRESOLVED_CONTEXTS, Merchant, MerchantUser
from pages import labels
from tests.test_links import member_client


@pytest.fixture
def euro_invoice(api, create_invoice):
    invoice = create_invoice(
        price_amount="25.00",
        price_currency="EUR",
        pay_currency="USDT",
        network="sandbox",
        description="Kaffee",
    )
    api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": False}, format="json")
    return invoice


def test_a_german_member_reads_german_and_25_comma_00(api, euro_invoice):
    owner = member_client(api.merchant)
    MerchantUser.objects.update(language="de")
    listing = owner.get("/dashboard/invoices/").content.decode()
    assert "Rechnungen" in listing and "Neue Rechnung" in listing
    assert "25,00 EUR" in listing and "Ausstehend" in listing
    detail = owner.get(f"/dashboard/invoices/{euro_invoice['id']}/").content.decode()
    assert "Zahlung gesehen" in detail  # the timeline's event, in words
    assert "25,00 EUR" in detail
    assert "0 von " in detail and "Bestätigung" in detail
    assert owner.get("/dashboard/").headers["Content-Language"] == "de"


def test_the_browser_decides_until_the_member_chooses(api):
    owner = member_client(api.merchant)
    page = owner.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").content.decode()
    assert "Resumen" in page and "Enlaces de pago" in page
    MerchantUser.objects.update(language="fr")
    page = owner.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").content.decode()
    assert "Vue d’ensemble" in page and "Liens de paiement" in page


def test_the_login_page_follows_the_browser(db):
    page = Client().get("/dashboard/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "E-Mail" in page and "Passwort" in page


def test_the_german_checkout_shows_25_comma_00(euro_invoice, create_invoice):
    invoice = create_invoice(price_amount="25.00", price_currency="EUR")
    page = Client().get(f"/pay/{invoice['id']}", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<span class="price-amount">25,00</span>' in page
    assert "Währung wählen" in page or "Wählen Sie" in page
    fixed = create_invoice(
        price_amount="25.00", price_currency="EUR", pay_currency="USDT", network="sandbox"
    )
    paying = Client().get(f"/pay/{fixed['id']}", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "27,173914 <span" in paying and 'data-copy="27.173914"' in paying  # copied: plain


@pytest.mark.parametrize("language", ["es", "de", "fr"])
def test_every_status_context_and_kind_has_words_in_each_language(language):
    with translation.override(language):
        for code in Status:
            assert labels.status(code) != code
        for code in UNRESOLVED_CONTEXTS:
            assert labels.context(code) != code
        translated = [str(labels.SHORT_KINDS[code]) for code in Kind.values]
    with translation.override("en"):
        assert translated != [str(labels.SHORT_KINDS[code]) for code in Kind.values]


def test_confirmations_read_n_of_m():
    with translation.override("en"):
        assert labels.confirmations(2, 6) == "2 of 6 confirmations"
        assert labels.confirmations(0, 1) == "0 of 1 confirmation"
    with translation.override("de"):
        assert labels.confirmations(2, 6) == "2 von 6 Bestätigungen"


def test_confirmations_past_the_requirement_read_as_a_count():
    """Not "5 of 2 confirmations" on a confirmed transaction."""
    with translation.override("en"):
        assert labels.confirmations(5, 2) == "5 confirmations"
        assert labels.confirmations(1, 1) == "1 confirmation"
    with translation.override("de"):
        assert labels.confirmations(5, 2) == "5 Bestätigungen"
    with translation.override("fr"):
        assert labels.confirmations(5, 2) == "5 confirmations"


def test_the_banner_the_checkout_amounts_and_the_tolerance_in_german(api, create_invoice):
    """The test-data banner in the member's language; on an underpaid checkout the amounts
    due, received and remaining with the decimal comma of the amount to pay; the
    tolerance's number localized."""
    owner = member_client(api.merchant)
    MerchantUser.objects.update(language="de")
    Merchant.objects.filter(pk=api.merchant.pk).update(slippage_percent="0.5")
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay",
        {"confirm": True, "amount": "10.25"},
        format="json",
    )
    owner.post("/dashboard/mode/", {"mode": "test"})
    overview = owner.get("/dashboard/").content.decode()
    assert "Sie sehen Testrechnungen" in overview and "You are looking at" not in overview
    detail = owner.get(f"/dashboard/invoices/{invoice['id']}/").content.decode()
    assert "± 0,5 %" in detail
    page = Client().get(f"/pay/{invoice['id']}", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    summary = page[page.index('<dl class="summary">') :].split("</dl>")[0]
    assert re.findall(r"<dd>([0-9.,]+) USDT</dd>", summary) == ["100,00", "10,25", "89,75"]


@pytest.mark.parametrize(
    "language, text", [("en", "1234.50"), ("de", "1234,50"), ("fr", "1234,50"), ("es", "1234,50")]
)
def test_amounts_keep_every_digit_with_the_locales_separator(language, text):
    with translation.override(language):
        assert labels.amount("1234.50") == text
        assert labels.amount("0.00041670") == ("0.00041670" if language == "en" else "0,00041670")
        assert labels.money_text("25.00", "EUR") == (
            "25.00 EUR" if language == "en" else "25,00 EUR"
        )


def test_the_services_refusals_read_in_the_members_language(api):
    """One code path, one message: the API's English words, or the member's language."""
    owner = member_client(api.merchant)
    MerchantUser.objects.update(language="de")
    page = owner.post(
        "/dashboard/invoices/new/",
        {"price_amount": "10,001", "price_currency": "EUR", "kind": "timed"},
    ).content.decode()
    assert "höchstens 2 Nachkommastellen sind erlaubt" in page
    page = owner.post(
        "/dashboard/invoices/new/",
        {
            "price_amount": "10",
            "price_currency": "EUR",
            "kind": "timed",
            "return_url": "https://evil.example/",
        },
    ).content.decode()
    assert "evil.example ist keiner der erlaubten Rücksprung-Hosts des Händlers" in page
    over_api = api.post(
        "/api/v1/invoices",
        {"price_amount": "10", "price_currency": "EUR", "return_url": "https://evil.example/"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    ).json()
    assert "evil.example is not one of the merchant's allowed return hosts" in str(over_api)


@pytest.mark.parametrize(
    "language, text",
    [
        ("en", "2026-12-01 20:35"),
        ("de", "01.12.2026 20:35"),
        ("fr", "01/12/2026 20:35"),
        ("es", "01/12/2026 20:35"),
    ],
)
def test_dates_are_written_the_readers_way(language, text):
    from datetime import UTC, datetime

    with translation.override(language):
        assert labels.datetime_text(datetime(2026, 12, 1, 20, 35, 7, tzinfo=UTC)) == text
        assert (
            labels.datetime_text(datetime(2026, 12, 1, 20, 35, 7, tzinfo=UTC), seconds=True)
            == text + ":07"
        )


def test_the_collect_page_reads_german_and_only_owners_find_it_in_the_settings(api):
    owner = member_client(api.merchant)
    staff = member_client(api.merchant, email="staff@shop.example", role=MerchantUser.STAFF)
    MerchantUser.objects.update(language="de")
    page = owner.get("/dashboard/collect/").content.decode()
    assert "<h1>Einsammeln</h1>" in page and "Auszahlungsadresse" in page
    link = '<a href="/dashboard/collect/">Einzahlungen einsammeln</a>'
    assert link in owner.get("/dashboard/settings/").content.decode()
    assert link in owner.get("/dashboard/settings/wallets/").content.decode()
    assert 'href="/dashboard/collect/"' not in staff.get("/dashboard/settings/").content.decode()
