"""The hosted checkout without a browser: its pure decisions, its views through Django's
test client (headers, forms, bad input, the return redirect, the refund claim) and its
translations. The journey in a real browser is in test_checkout_browser.py."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from chains import hd
from chains.addresses import validate_address
from chains.registry import get_network
from checkout import states
from core.errors import ErrorCode, GatewayError
from invoices import lifecycle as lc
from invoices.models import Event, Invoice, Refund, Transaction
from invoices.services import payer
from pages import amounts
from pages.security import embed_sources, image_origin

LOCALE = Path(__file__).resolve().parents[1] / "locale"
STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


# --- pure decisions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status,context,archived,chosen,received,remaining,timer_over,screen",
    [
        ("new", None, False, False, 0, 0, False, states.CHOOSE),
        ("new", None, False, True, 0, 100, False, states.PAY),
        ("new", None, False, True, 0, 100, True, states.EXPIRED),  # the sweeper has not run yet
        ("new", None, True, True, 0, 100, False, states.CLOSED),
        ("pending", None, False, True, 100, 0, False, states.SEEN),
        ("pending", "underpaid", False, True, 40, 60, False, states.UNDERPAID),
        ("pending", "underpaid", False, True, 100, 0, False, states.SEEN),  # top-up on its way
        ("compliance_review", None, False, True, 100, 0, False, states.REVIEW),
        ("completed", None, False, True, 100, 0, False, states.COMPLETED),
        ("completed", None, True, True, 100, 0, False, states.COMPLETED),
        ("unresolved", "overpaid", False, True, 120, 0, True, states.OVERPAID),
        ("unresolved", "underpaid", False, True, 40, 60, True, states.SHORT),
        ("unresolved", "paid_late", False, True, 100, 0, True, states.PAID_LATE),
        ("unresolved", "multiple_senders", False, True, 100, 0, False, states.SENDERS),
        ("unresolved", "reverted", False, True, 0, 100, False, states.REVERTED),
        ("unresolved", "something_new", False, True, 0, 100, False, states.UNRESOLVED),
        ("expired", None, False, True, 0, 100, True, states.EXPIRED),
        ("expired", None, False, True, 100, 0, True, states.EXPIRED_FUNDS),
        ("cancelled", None, False, True, 0, 100, False, states.CANCELLED),
        ("failed", None, False, True, 100, 0, False, states.FAILED),
        ("declined", None, False, True, 100, 0, False, states.DECLINED),
        ("refunded", None, False, True, 100, 0, False, states.REFUNDED),
    ],
)
def test_screen(status, context, archived, chosen, received, remaining, timer_over, screen):
    assert (
        states.screen(
            status,
            context,
            archived=archived,
            chosen=chosen,
            received=received,
            remaining=remaining,
            timer_over=timer_over,
        )
        == screen
    )


@pytest.mark.parametrize(
    "status,archived,final,payment_status",
    [
        ("new", False, False, None),
        ("pending", False, False, None),
        ("compliance_review", False, False, None),
        ("completed", False, True, "SUCCESS"),
        ("completed", True, True, "SUCCESS"),
        ("unresolved", False, True, None),
        ("unresolved", True, True, None),
        ("expired", False, True, "FAILED"),
        ("cancelled", False, True, "FAILED"),
        ("failed", False, True, "FAILED"),
        ("declined", False, True, "FAILED"),
        ("refunded", False, True, "FAILED"),
        ("new", True, True, "FAILED"),
    ],
)
def test_payment_status(status, archived, final, payment_status):
    assert states.is_final(status, archived) is final
    assert states.payment_status(status, archived) == payment_status


def test_every_status_has_a_screen_and_a_return_decision():
    for status in lc.FINAL | {lc.NEW, lc.PENDING, lc.COMPLIANCE_REVIEW}:
        assert states.screen(
            status, None, archived=False, chosen=True, received=0, remaining=1, timer_over=False
        )


def test_return_url_sets_payment_status_once_and_keeps_the_rest():
    assert (
        states.return_url("https://shop.example/done?order=7", "SUCCESS")
        == "https://shop.example/done?order=7&paymentStatus=SUCCESS"
    )
    assert (
        states.return_url("https://shop.example/done?paymentStatus=SUCCESS&a=1#top", "FAILED")
        == "https://shop.example/done?a=1&paymentStatus=FAILED#top"
    )
    assert (
        states.return_url("https://shop.example/done?a=&b=2", None)
        == "https://shop.example/done?a=&b=2"
    )


@pytest.mark.parametrize(
    "units,decimals,shown",
    [
        (2_500_000, 6, "2.50"),
        (41_667, 8, "0.00041667"),
        (100, 0, "100"),
        (0, 6, "0.00"),
        (1, 18, "0.000000000000000001"),
        (10**18, 18, "1.00"),
        (123_450, 2, "1234.50"),
        (5, 1, "0.5"),
    ],
)
def test_display_amount(units, decimals, shown):
    assert amounts.display_amount(units, decimals) == shown


def test_clock_and_confirmations():
    assert [states.clock(s) for s in (0, 59, 899, 3600, 90061)] == [
        "0:00",
        "0:59",
        "14:59",
        "1:00:00",
        "25:01:01",
    ]
    assert states.confirmations([]) is None
    assert states.confirmations([(5, 2), (1, 3)]) == (1, 3)
    assert states.confirmations([(9, 3)]) == (3, 3)


def test_embed_sources_cannot_write_policy():
    assert embed_sources(
        [
            "shop.example",
            "http://localhost:8080",
            "*.example.com",
            "evil.example; script-src *",
            "",
            "https://a.example/path",
            " spaced.example ",
        ]
    ) == [
        "https://shop.example",
        "http://localhost:8080",
        "https://*.example.com",
        "https://spaced.example",
    ]
    assert embed_sources(None) == []
    assert image_origin("https://cdn.shop.example/logo.png") == "https://cdn.shop.example"
    assert image_origin("http://cdn.shop.example/logo.png") is None
    assert image_origin("https://x.example;/a.png") is None
    assert image_origin("") is None


# --- the page -------------------------------------------------------------------------------


@pytest.fixture
def invoice(create_invoice):
    return create_invoice(
        price_amount="25.00",
        description="Order 42",
        return_url="https://shop.example/done?order=42",
    )


def page(client, invoice_id, **headers):
    return client.get(f"/pay/{invoice_id}", **headers)


def choose(client, invoice_id, method="USDT:sandbox"):
    return client.post(f"/pay/{invoice_id}", {"method": method})


def test_page_headers_and_no_inline_script_or_style(client, invoice):
    response = page(client, invoice["id"])
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == STRICT_CSP
    assert response["X-Frame-Options"] == "DENY"
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "<style" not in html


def test_embedding_is_allowed_only_for_the_merchants_hosts(client, api, invoice):
    api.merchant.embed_hosts = ["shop.example", "bad; script-src *"]
    api.merchant.logo_url = "https://cdn.shop.example/logo.svg"
    api.merchant.save()
    response = page(client, invoice["id"])
    assert "frame-ancestors 'self' https://shop.example" in response["Content-Security-Policy"]
    assert "img-src 'self' https://cdn.shop.example;" in response["Content-Security-Policy"]
    assert "script-src *" not in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


def test_choosing_a_currency_locks_rate_and_address(client, api, invoice):
    html = page(client, invoice["id"]).content.decode()
    assert "Choose a currency" in html and "25.00" in html
    for method in ("BTC:sandbox", "ETH:sandbox", "USDT:sandbox"):
        assert f'value="{method}"' in html
    response = choose(client, invoice["id"])
    assert response.status_code == 302 and response["Location"] == f"/pay/{invoice['id']}"
    chosen = api.get(f"/api/v1/invoices/{invoice['id']}").json()
    assert chosen["pay_currency"] == "USDT" and chosen["address"]
    html = page(client, invoice["id"]).content.decode()
    assert chosen["address"] in html and "25.00" in html
    assert "Send only USDT on Sandbox (test network)" in html
    assert 'href="?change=1"' in html


def test_the_payer_can_switch_until_a_payment_is_seen(client, api, invoice):
    choose(client, invoice["id"])
    html = client.get(f"/pay/{invoice['id']}?change=1").content.decode()
    assert "Choose a currency" in html and 'aria-current="true"' in html
    choose(client, invoice["id"], "BTC:sandbox")
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["pay_currency"] == "BTC"
    api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": False}, format="json")
    html = client.get(f"/pay/{invoice['id']}?change=1").content.decode()
    assert "Confirming your payment" in html and 'href="?change=1"' not in html
    response = choose(client, invoice["id"], "USDT:sandbox")
    assert response.status_code == 409
    assert "A payment was already seen" in response.content.decode()
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["pay_currency"] == "BTC"


def test_the_choice_is_a_csrf_protected_post(invoice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/pay/{invoice['id']}", {"method": "USDT:sandbox"}).status_code == 403
    html = strict.get(f"/pay/{invoice['id']}").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = strict.post(
        f"/pay/{invoice['id']}", {"method": "USDT:sandbox", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "form,message",
    [
        ({"method": "DOGE:sandbox"}, "Choose one of the listed currencies."),
        ({"method": "USDT"}, "Choose one of the listed currencies."),
        ({"method": "x" * 5000}, "Choose one of the listed currencies."),
        ({}, "Choose a currency to pay with."),
    ],
)
def test_bad_choices_are_form_errors(client, invoice, form, message):
    response = client.post(f"/pay/{invoice['id']}", form)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_an_expired_invoice_refuses_a_choice_on_the_page(client, invoice):
    Invoice.objects.filter(pk=invoice["id"]).update(expires_at=timezone.now())
    response = choose(client, invoice["id"])
    assert response.status_code == 409
    html = response.content.decode()
    assert "Invoice expired" in html and "This invoice has expired." in html


def test_the_checkout_and_the_api_show_an_invoice_expired_on_time(client, api, create_invoice):
    """No sweep runs here: the checkout's poll (and an API read) expire a due invoice
    within a moment of its timer, not up to a minute later."""
    polled, read = create_invoice(), create_invoice()
    ends = timezone.now() + timedelta(seconds=1)
    Invoice.objects.filter(pk__in=[polled["id"], read["id"]]).update(expires_at=ends)
    assert client.get(f"/pay/{polled['id']}/status").json()["status"] == "new"
    time.sleep(max(0, (ends - timezone.now()).total_seconds()) + 0.1)
    status = client.get(f"/pay/{polled['id']}/status").json()
    assert (status["status"], status["final"]) == ("expired", True)
    assert api.get(f"/api/v1/invoices/{read['id']}").json()["status"] == "expired"
    for invoice in (polled, read):
        expired = Invoice.objects.get(pk=invoice["id"])
        assert expired.status == "expired"
        assert [e.type for e in expired.events.all()] == ["status_changed"]


def test_a_fixed_invoice_goes_straight_to_payment(client, create_invoice):
    fixed = create_invoice(pay_currency="USDT", network="sandbox")
    html = client.get(f"/pay/{fixed['id']}?change=1").content.decode()
    assert "Send the payment" in html and fixed["address"] in html
    assert 'href="?change=1"' not in html
    assert choose(client, fixed["id"], "BTC:sandbox").status_code == 409


def test_an_open_invoice_shows_estimates_and_starts_its_window_on_choice(client, create_invoice):
    open_invoice = create_invoice(kind="open", price_amount="30.00")
    html = page(client, open_invoice["id"]).content.decode()
    assert "Amounts are estimates" in html and "30.00" in html
    assert "Time left" not in html
    choose(client, open_invoice["id"])
    assert Invoice.objects.get(pk=open_invoice["id"]).expires_at is not None
    assert "Time left" in page(client, open_invoice["id"]).content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/pay/not-a-uuid",
        f"/pay/{uuid.UUID(int=1)}",
        "/pay/%00",
        f"/pay/{'9' * 3000}",
    ],
)
def test_unknown_links_are_a_404_page(db, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_unknown_methods_are_refused(client, invoice):
    assert client.put(f"/pay/{invoice['id']}").status_code == 405
    assert client.post(f"/pay/{invoice['id']}/status").status_code == 405
    assert client.get(f"/pay/{invoice['id']}/sandbox").status_code == 405


def test_status_endpoint(client, api, invoice):
    assert client.get(f"/pay/{uuid.uuid4()}/status").status_code == 404
    status = client.get(f"/pay/{invoice['id']}/status").json()
    assert status["screen"] == "choose" and status["final"] is False
    assert status["return_url"] is None and 890 < status["seconds_left"] <= 900
    choose(client, invoice["id"])
    api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": False}, format="json")
    status = client.get(f"/pay/{invoice['id']}/status").json()
    assert status["screen"] == "seen" and status["confirmations"] == [0, 2]
    assert status["message"] == "Payment seen — waiting for confirmations (0/2)."
    api.post("/api/v1/sandbox/mine", {"blocks": 2}, format="json")
    status = client.get(f"/pay/{invoice['id']}/status").json()
    assert (status["status"], status["screen"], status["final"]) == ("completed", "completed", True)
    assert status["return_url"] == f"/pay/{invoice['id']}/return"


def test_return_redirect_is_checked_against_allowed_hosts_again(client, api, invoice):
    response = client.get(f"/pay/{invoice['id']}/return")
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example/done?order=42"  # not ended: no status
    Invoice.objects.filter(pk=invoice["id"]).update(status="cancelled")
    assert (
        client.get(f"/pay/{invoice['id']}/return")["Location"]
        == "https://shop.example/done?order=42&paymentStatus=FAILED"
    )
    api.merchant.allowed_return_hosts = ["other.example"]
    api.merchant.save()
    response = client.get(f"/pay/{invoice['id']}/return")
    assert response.status_code == 404
    html = page(client, invoice["id"]).content.decode()
    assert f"/pay/{invoice['id']}/return" not in html


def test_a_completed_invoice_returns_with_success(client, api, create_invoice):
    paid = create_invoice(
        pay_currency="USDT", network="sandbox", return_url="https://shop.example/done"
    )
    api.post(f"/api/v1/sandbox/invoices/{paid['id']}/pay", {"confirm": True}, format="json")
    assert (
        client.get(f"/pay/{paid['id']}/return")["Location"]
        == "https://shop.example/done?paymentStatus=SUCCESS"
    )


def test_receipt_links_transactions_to_the_explorer(client, api, create_invoice):
    paid = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(f"/api/v1/sandbox/invoices/{paid['id']}/pay", {"confirm": True}, format="json")
    Transaction.objects.filter(invoice_id=paid["id"]).update(network="ethereum")
    txid = Transaction.objects.get(invoice_id=paid["id"]).txid
    html = page(client, paid["id"]).content.decode()
    assert (
        f'href="https://etherscan.io/tx/{txid}" target="_blank" rel="noopener noreferrer"' in html
    )


@pytest.mark.parametrize(
    "status,context,title",
    [
        ("unresolved", "reverted", "Payment reversed"),
        ("unresolved", "something_new", "Payment needs review"),
        ("refunded", None, "Payment refunded"),
    ],
)
def test_rare_states_render(client, create_invoice, status, context, title):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    Invoice.objects.filter(pk=invoice["id"]).update(status=status, status_context=context)
    assert title in page(client, invoice["id"]).content.decode()


def test_sandbox_panel(client, api, settings, invoice):
    assert "Sandbox test panel" not in page(client, invoice["id"]).content.decode()
    choose(client, invoice["id"])
    assert "Sandbox test panel" in page(client, invoice["id"]).content.decode()
    response = client.post(f"/pay/{invoice['id']}/sandbox", {"action": "over"})
    assert response.status_code == 302
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["paid_amount"] == "27.500000"
    response = client.post(f"/pay/{invoice['id']}/sandbox", {"action": "steal"})
    assert response.status_code == 409
    settings.SANDBOX = False
    assert client.post(f"/pay/{invoice['id']}/sandbox", {"action": "exact"}).status_code == 409
    assert "Sandbox test panel" not in page(client, invoice["id"]).content.decode()


# --- languages ------------------------------------------------------------------------------


def test_browser_language_is_the_default_and_the_cookie_wins(client, invoice):
    response = page(client, invoice["id"], HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert response["Content-Language"] == "de"
    assert "Accept-Language" in response["Vary"]
    html = response.content.decode()
    assert '<html lang="de"' in html and "Währung wählen" in html
    response = client.post("/i18n/setlang/", {"language": "fr", "next": f"/pay/{invoice['id']}"})
    assert response.status_code == 302 and response["Location"] == f"/pay/{invoice['id']}"
    html = page(client, invoice["id"], HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Choisissez une devise" in html


def test_the_merchant_api_keeps_english(api):
    response = api.post(
        "/api/v1/invoices",
        {"price_amount": "0", "price_currency": "USD"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code in (400, 422)
    assert "greater than" in response.content.decode()


def _catalog(po: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file (plural forms joined), refusing fuzzy entries."""
    text = po.read_text()
    assert "#, fuzzy" not in text.split("\n\n", 1)[1], f"{po} has fuzzy entries"
    entries = {}
    for block in text.split("\n\n")[1:]:

        def strings(keyword, block=block):
            found = re.findall(rf'^{keyword}(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M)
            return ["".join(re.findall(r'"(.*)"', part)) for part in found]

        ids, translations = strings("msgid"), strings("msgstr")
        if ids:
            entries[ids[0]] = "|".join(translations)
    return entries


@pytest.mark.parametrize("language", ["es", "de", "fr"])
def test_translations_are_complete_and_compiled(language):
    from django.utils.translation import trans_real

    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    catalog = _catalog(po)
    assert len(catalog) > 100
    missing = [msgid for msgid, msgstr in catalog.items() if not msgstr.replace("|", "")]
    assert missing == [], f"untranslated in {language}: {missing}"
    compiled = trans_real.translation(language)
    stale = [
        msgid
        for msgid in catalog
        if "%" not in msgid
        and "\\" not in msgid
        and compiled.gettext(msgid) == msgid
        and catalog[msgid] != msgid
    ]
    assert stale == [], f"the .mo of {language} is older than its .po: {stale[:3]}"


# --- the refund claim -----------------------------------------------------------------------


@pytest.fixture
def refund(api, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay",
        {"amount": "130", "confirm": True},
        format="json",
    )
    data = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    ).json()
    return Refund.objects.get(pk=data["id"])


@pytest.fixture
def sandbox_address():
    return hd.derive_address("sandbox", hd.new_sandbox_xpub(), 0)


def test_the_claim_page_shows_a_valid_example_and_takes_the_sender_it_was_paid_from(client, refund):
    """The sandbox's made-up sender is shown on the invoice; the payer may claim to it."""
    opened = client.post("/refund/", {"token": refund.claim_token}).content.decode()
    example = re.search(r'placeholder="(sbx1[0-9a-z]+)"', opened).group(1)
    network = get_network("sandbox")
    assert validate_address(network, example) == example
    assert 'class="test-banner"' in opened  # a test invoice's refund
    german = client.post(
        "/refund/", {"token": refund.claim_token}, HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    amount = amounts.display_amount(refund.amount, 6)
    assert f'<span class="price-amount">{amount.replace(".", ",")}</span>' in german
    assert "Sandbox (Testnetz)" in german and "test network" not in german
    (sender,) = refund.invoice.transactions.get().from_addresses
    response = client.post(
        "/refund/",
        {"token": refund.claim_token, "step": "claim", "confirm": "on", "address": sender},
    )
    assert response.status_code == 200, re.findall(r'field-error"[^>]*>(.*?)<', response.text)
    refund.refresh_from_db()
    assert (refund.status, refund.address) == (Refund.AWAITING_PAYOUT, sender)


def test_an_expired_checkout_offers_no_sandbox_payment(client, invoice):
    choose(client, invoice["id"])
    assert "Sandbox test panel" in page(client, invoice["id"]).content.decode()
    Invoice.objects.filter(pk=invoice["id"]).update(expires_at=timezone.now())
    html = page(client, invoice["id"]).content.decode()
    assert "Invoice expired" in html and "Sandbox test panel" not in html
    assert "Pay exactly" not in html


def test_refund_claim_page(client, refund, sandbox_address):
    """The code is posted, never in a URL; each answer is the page itself."""
    opened = client.get("/refund/")
    assert opened.status_code == 200
    assert opened["Content-Security-Policy"] == STRICT_CSP
    assert 'name="token"' in opened.content.decode()  # asks for the code (no script)

    response = client.post("/refund/", {"token": refund.claim_token})
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == STRICT_CSP
    assert "130.00" in response.content.decode()
    claim = {"token": refund.claim_token, "step": "claim"}

    response = client.post(
        "/refund/",
        {**claim, "confirm": "on", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
    )
    assert response.status_code == 422
    assert (
        "This is a Ethereum address" in response.content.decode()
        or "is for Ethereum" in response.content.decode()
    )
    refund.refresh_from_db()
    assert (refund.status, refund.address) == (Refund.AWAITING_CLAIM, "")

    response = client.post("/refund/", {**claim, "address": sandbox_address})
    assert response.status_code == 422
    assert "Tick the box" in response.content.decode()

    response = client.post(
        "/refund/", {**claim, "address": f"  {sandbox_address.upper()} ", "confirm": "on"}
    )
    assert response.status_code == 200
    assert "Refund address received" in response.content.decode()
    refund.refresh_from_db()
    assert (refund.status, refund.address) == (Refund.AWAITING_PAYOUT, sandbox_address)
    event = Event.objects.filter(invoice=refund.invoice, type="refund_updated").last()
    assert event.actor == "payer"

    # Locked: a second claim (whoever holds the link) changes nothing.
    other = hd.derive_address("sandbox", hd.new_sandbox_xpub(), 1)
    response = client.post("/refund/", {**claim, "address": other, "confirm": "on"})
    assert response.status_code == 200
    assert sandbox_address in response.content.decode()
    refund.refresh_from_db()
    assert refund.address == sandbox_address


def test_refund_links_carry_the_code_where_no_server_sees_it(api, refund):
    claim_url = api.get(f"/api/v1/invoices/{refund.invoice_id}").json()["refunds"][0]["claim_url"]
    assert claim_url.endswith(f"/refund/#{refund.claim_token}")


def test_old_refund_links_are_sent_behind_the_fragment(client, refund):
    response = client.get(f"/refund/{refund.claim_token}")
    assert response.status_code == 302
    assert response["Location"] == f"/refund/#{refund.claim_token}"
    assert client.get("/refund/%00").status_code == 404  # a NUL in a path is never a page


@pytest.mark.parametrize(
    "token", ["unknown-but-well-formed-code", "x" * 500, "../../etc", "é" * 20]
)
def test_unknown_refund_codes_are_a_404_page(db, client, token):
    response = client.post("/refund/", {"token": token})
    assert response.status_code == 404
    assert "This refund code is not valid" in response.content.decode()


def test_a_refund_code_with_a_nul_byte_is_refused_before_any_lookup(db, client):
    assert client.post("/refund/", {"token": "a\x00b"}).status_code == 400


def test_refund_claim_service(refund, sandbox_address):
    with pytest.raises(GatewayError) as missing:
        payer.claim(token="no-such-token", address=sandbox_address)
    assert missing.value.code == ErrorCode.REFUND_NOT_FOUND
    with pytest.raises(GatewayError) as refused:
        payer.claim(
            token=refund.claim_token, address="bcrt1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
        )
    assert refused.value.code == "invalid_address" and refused.value.param == "address"
    now = timezone.now() - timedelta(minutes=1)
    claimed = payer.claim(token=refund.claim_token, address=sandbox_address, now=now)
    assert (claimed.status, claimed.claimed_at) == (Refund.AWAITING_PAYOUT, now)
    with pytest.raises(GatewayError) as claimed_twice:
        payer.claim(token=refund.claim_token, address=sandbox_address)
    assert claimed_twice.value.code == ErrorCode.REFUND_CLAIMED


def test_assets_are_served_by_the_app_itself(client, invoice):
    """With DEBUG off, as in production: WhiteNoise serves them, no CDN, no other server."""
    html = page(client, invoice["id"]).content.decode()
    assets = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    assert {
        "/static/css/gateway.css",
        "/static/checkout/checkout.css",
        "/static/js/gateway.js",
        "/static/checkout/checkout.js",
    } <= assets
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        b"".join(response.streaming_content)
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert [link for link in links if link.startswith(("http:", "https:", "//"))] == []


def test_first_load_fits_the_budget(client, invoice):
    from benchmarks.checkout import first_load

    choose(client, invoice["id"])
    total, parts = first_load(client, f"/pay/{invoice['id']}")
    assert total <= 100_000, parts
