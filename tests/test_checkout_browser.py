"""The hosted checkout in a real Chromium against a live server: the payer's whole journey,
every state's screen (screenshots at desktop and phone sizes in var/screenshots/), QR codes
read back with zbar, the page without JavaScript, the refund claim, languages, framing."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from chains import hd
from checkout import states
from invoices import services
from invoices.models import Event, Invoice, Refund
from tests.browser import PHONE, decode_qr, screenshot

pytest_plugins = ["tests.browser"]  # the browser, page and open_page fixtures

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

RETURN = "https://shop.example/thanks?order=1042"
DESCRIPTION = "Order #1042 · 2 × Coffee beans, 1 kg"


@pytest.fixture
def shop(page):
    """The merchant's site, answered by the browser itself: the network is not reachable."""
    page.route("https://shop.example/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<h1>Shop</h1>"))
    return page


def new_invoice(create_invoice, **body) -> dict:
    body = {"price_amount": "25.00", "description": DESCRIPTION, "return_url": RETURN, **body}
    return create_invoice(**body)


def fetch(api, invoice_id) -> dict:
    return api.get(f"/api/v1/invoices/{invoice_id}").json()


def sandbox_pay(api, invoice_id, confirm=True, **body) -> dict:
    response = api.post(f"/api/v1/sandbox/invoices/{invoice_id}/pay",
                        {"confirm": confirm, **body}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def mine(api, blocks=1):
    assert api.post("/api/v1/sandbox/mine", {"blocks": blocks}, format="json").status_code == 200


def choose_usdt(page, invoice_id):
    page.goto(f"/pay/{invoice_id}")
    page.get_by_role("button", name=re.compile(r"^USDT")).click()
    expect(page.locator("#title")).to_have_text("Send the payment")


def expire(invoice_id, now=None):
    """Time passes: the timer runs out and the sweeper runs, as its schedule would."""
    now = now or timezone.now()
    Invoice.objects.filter(pk=invoice_id).update(expires_at=now - timedelta(seconds=1))
    services.sweep(now)


def assert_no_console_errors(page):
    """CSP violations, missing assets and script errors all land in the console."""
    assert page.console_errors == []


def test_pay_and_return_with_success(api, create_invoice, shop):
    invoice = new_invoice(create_invoice)
    shop.goto(f"/pay/{invoice['id']}")
    expect(shop.locator("#title")).to_have_text("Choose a currency")
    expect(shop.locator(".price")).to_have_text("25.00 USD")
    expect(shop.get_by_role("button", name=re.compile(r"^USDT"))).to_contain_text("25.00")
    shop.get_by_role("button", name=re.compile(r"^USDT")).click()

    chosen = fetch(api, invoice["id"])
    expect(shop.locator("#pay-address")).to_have_text(chosen["address"])
    expect(shop.locator("#pay-amount")).to_have_text("25.00 USDT")
    assert decode_qr(shop.locator("svg.qr").screenshot()) == chosen["payment_uri"]
    assert chosen["payment_uri"] == (f"sandbox:{chosen['address']}?amount=25"
                                     "&token=sandbox%3AUSDT")
    expect(shop.locator(".timer-value")).to_have_text(re.compile(r"^1[45]:\d\d$"))

    shop.evaluate("window.sameDocument = true")
    sandbox_pay(api, invoice["id"], confirm=False)
    expect(shop.locator("[data-message]")).to_have_text(
        "Payment seen — waiting for confirmations (0/2).")
    expect(shop.locator("#announcer")).to_have_text(
        "Payment seen — waiting for confirmations (0/2).")
    mine(api)
    expect(shop.locator("[data-message]")).to_contain_text("(1/2)")
    assert shop.evaluate("window.sameDocument") is True  # updated in place, not reloaded
    mine(api)
    expect(shop.locator("#title")).to_have_text("Payment complete")
    expect(shop.locator(".return-auto")).to_be_visible()
    shop.wait_for_url(RETURN + "&paymentStatus=SUCCESS")
    assert_no_console_errors(shop)


def test_expiry_returns_with_failed(api, create_invoice, shop):
    invoice = new_invoice(create_invoice)
    choose_usdt(shop, invoice["id"])
    expire(invoice["id"])
    expect(shop.locator("#title")).to_have_text("Invoice expired")
    expect(shop.locator("svg.qr")).to_have_count(0)
    shop.wait_for_url(RETURN + "&paymentStatus=FAILED")
    assert_no_console_errors(shop)


def test_underpay_then_top_up_with_the_test_panel(api, create_invoice, shop):
    invoice = new_invoice(create_invoice)
    choose_usdt(shop, invoice["id"])
    panel = shop.locator(".sandbox")
    panel.get_by_role("button", name="Underpay").click()
    expect(shop.locator("[data-message]")).to_contain_text("(0/2)")
    panel = shop.locator(".sandbox")
    panel.get_by_role("button", name="Confirm (mine blocks)").click()
    expect(shop.locator("#title")).to_have_text("Pay the remaining amount")

    underpaid = fetch(api, invoice["id"])
    assert (underpaid["status"], underpaid["status_context"]) == ("pending", "underpaid")
    expect(shop.locator("#pay-amount")).to_have_text("12.50 USDT")
    expect(shop.locator(".summary")).to_contain_text("12.50 USDT")
    assert decode_qr(shop.locator("svg.qr").screenshot()) == underpaid["payment_uri"]
    assert "amount=12.5&" in underpaid["payment_uri"]
    screenshot(shop, "05-underpaid")

    shop.locator(".sandbox").get_by_role("button", name="Pay exactly").click()
    expect(shop.locator("#title")).to_have_text("Payment seen")
    screenshot(shop, "06-top-up-seen")
    shop.locator(".sandbox").get_by_role("button", name="Confirm (mine blocks)").click()
    expect(shop.locator("#title")).to_have_text("Payment complete")
    shop.wait_for_url(RETURN + "&paymentStatus=SUCCESS")
    assert fetch(api, invoice["id"])["status"] == "completed"
    assert_no_console_errors(shop)


def test_phone_viewport(api, create_invoice, open_page):
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True,
                      permissions=["clipboard-read", "clipboard-write"])
    invoice = new_invoice(create_invoice, description="A rather long order description that "
                          "has to wrap on a small screen without pushing anything sideways")
    phone.goto(f"/pay/{invoice['id']}")
    screenshot(phone, "01-choose")
    phone.get_by_role("button", name=re.compile(r"^BTC")).click()
    chosen = fetch(api, invoice["id"])
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert decode_qr(phone.locator("svg.qr").screenshot()) == chosen["payment_uri"]
    assert chosen["payment_uri"].startswith(f"sandbox:{chosen['address']}?amount=0.00041667")
    phone.get_by_role("button", name="Copy address").tap()
    expect(phone.get_by_role("button", name="Copied")).to_be_visible()
    assert phone.evaluate("navigator.clipboard.readText()") == chosen["address"]
    expect(phone.get_by_role("link", name="Open in wallet app")).to_have_attribute(
        "href", chosen["payment_uri"])
    screenshot(phone, "02-pay")
    assert_no_console_errors(phone)


def test_without_javascript_the_page_still_says_what_to_pay_and_where(api, create_invoice,
                                                                    open_page):
    plain = open_page(java_script_enabled=False)
    invoice = new_invoice(create_invoice)
    plain.goto(f"/pay/{invoice['id']}")
    plain.get_by_role("button", name=re.compile(r"^ETH")).click()  # a plain form POST
    chosen = fetch(api, invoice["id"])
    expect(plain.locator("#pay-amount")).to_have_text(f"{chosen['pay_amount'].rstrip('0')} ETH")
    expect(plain.locator("#pay-address")).to_have_text(chosen["address"])
    expect(plain.locator(".timer-value")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    expect(plain.get_by_role("button", name="Copy address")).to_be_hidden()
    assert decode_qr(plain.locator("svg.qr").screenshot()) == chosen["payment_uri"]
    screenshot(plain, "07-no-javascript")
    plain.get_by_role("link", name="Pay with another currency").click()
    plain.get_by_role("button", name=re.compile(r"^USDT")).click()
    assert fetch(api, invoice["id"])["pay_currency"] == "USDT"
    expect(plain.locator("#pay-amount")).to_have_text("25.00 USDT")


def test_refund_claim(api, create_invoice, page):
    invoice = new_invoice(create_invoice, pay_currency="USDT", network="sandbox")
    sandbox_pay(api, invoice["id"], amount="30")
    refund = api.post(f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"},
                      format="json").json()
    page.goto(urlsplit(refund["claim_url"]).path)
    expect(page.locator("#title")).to_have_text("Claim your refund")
    expect(page.locator(".price")).to_have_text("30.00 USDT")
    screenshot(page, "20-refund-form")

    field = page.get_by_label("Your refund address")
    confirm = page.get_by_label(re.compile("I checked the address"))
    submit = page.get_by_role("button", name="Send my refund to this address")
    field.fill("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    confirm.check()
    submit.click()
    expect(page.locator("#address-error")).to_have_text(
        "This is a Bitcoin address, but the refund is sent on Sandbox (test network).")
    expect(field).to_have_attribute("aria-invalid", "true")

    address = hd.derive_address("sandbox", hd.new_sandbox_xpub(), 7)
    typo = address[:-1] + ("q" if address[-1] != "q" else "p")
    page.get_by_label("Your refund address").fill(typo)
    page.get_by_label(re.compile("I checked the address")).check()
    submit.click()
    expect(page.locator("#address-error")).to_contain_text("checksum does not match")
    screenshot(page, "21-refund-invalid")

    page.get_by_label("Your refund address").fill(address)
    submit.click()
    expect(page.locator("#confirm-error")).to_have_text("Tick the box to confirm the address.")
    page.get_by_label(re.compile("I checked the address")).check()
    submit.click()
    expect(page.locator("#title")).to_have_text("Refund address received")
    expect(page.locator(".summary")).to_contain_text(address)
    expect(page.get_by_label("Your refund address")).to_have_count(0)
    screenshot(page, "22-refund-claimed")

    stored = Refund.objects.get(pk=refund["id"])
    assert (stored.status, stored.address) == (Refund.AWAITING_PAYOUT, address)
    assert Event.objects.filter(invoice_id=invoice["id"], type="refund_updated",
                                actor="payer").exists()
    assert_no_console_errors(page)


# --- every other state, as the payer sees it when opening the link ------------------------

def _paid(api, create_invoice, **pay):
    invoice = new_invoice(create_invoice, pay_currency="USDT", network="sandbox")
    sandbox_pay(api, invoice["id"], **pay)
    return invoice["id"]


def _expired_unpaid(api, create_invoice):
    invoice = new_invoice(create_invoice, pay_currency="USDT", network="sandbox")
    expire(invoice["id"])
    return invoice["id"]


def _expired_then_paid(api, create_invoice, confirm):
    invoice_id = _expired_unpaid(api, create_invoice)
    sandbox_pay(api, invoice_id, confirm=confirm)
    return invoice_id


def _short(api, create_invoice):
    invoice_id = _paid(api, create_invoice, amount="10")
    expire(invoice_id)
    return invoice_id


def _two_senders(api, create_invoice):
    invoice_id = _paid(api, create_invoice, amount="10", sender="sbx1qfirstpayer")
    sandbox_pay(api, invoice_id, amount="15", sender="sbx1qsecondpayer")
    return invoice_id


def _review(api, create_invoice):
    api.merchant.deny_list = ["sbx1qflagged"]
    api.merchant.save(update_fields=["deny_list"])
    return _paid(api, create_invoice, sender="sbx1qflagged")


def _declined(api, create_invoice):
    invoice_id = _review(api, create_invoice)
    services.review(invoice_id, "decline", "user:test")
    return invoice_id


def _cancelled(api, create_invoice):
    invoice_id = _paid(api, create_invoice, confirm=False)
    assert api.post(f"/api/v1/invoices/{invoice_id}/cancel").status_code == 200
    return invoice_id


def _failed(api, create_invoice):
    invoice_id = _paid(api, create_invoice, confirm=False)
    services.sweep(timezone.now() + timedelta(hours=25))
    return invoice_id


def _refunded(api, create_invoice):
    invoice_id = _paid(api, create_invoice, amount="30")
    api.post(f"/api/v1/invoices/{invoice_id}/resolve", {"action": "refund"}, format="json")
    return invoice_id


def _closed(api, create_invoice):
    invoice = new_invoice(create_invoice)
    api.post(f"/api/v1/invoices/{invoice['id']}/archive")
    return invoice["id"]


STATES = [
    # (screenshot name, make the invoice, expected status, title, paymentStatus on return)
    ("08-completed", lambda a, c: _paid(a, c), "completed", "Payment complete", "SUCCESS"),
    ("09-overpaid", lambda a, c: _paid(a, c, amount="30"), "unresolved",
     "You paid more than the amount due", None),
    ("10-paid-late", lambda a, c: _expired_then_paid(a, c, True), "unresolved",
     "Payment arrived late", None),
    ("11-expired", _expired_unpaid, "expired", "Invoice expired", "FAILED"),
    ("12-expired-with-funds", lambda a, c: _expired_then_paid(a, c, False), "expired",
     "Payment arrived after expiry", "FAILED"),
    ("13-short", _short, "unresolved", "Payment incomplete", None),
    ("14-two-senders", _two_senders, "unresolved", "Payment needs review", None),
    ("15-compliance-review", _review, "compliance_review", "Payment under review", None),
    ("16-declined", _declined, "declined", "Payment declined", "FAILED"),
    ("17-cancelled", _cancelled, "cancelled", "Invoice cancelled", "FAILED"),
    ("18-failed", _failed, "failed", "Payment failed", "FAILED"),
    ("19-refunded", _refunded, "refunded", "Payment refunded", "FAILED"),
    ("19-closed", _closed, "new", "Invoice closed", "FAILED"),
]


@pytest.mark.parametrize("name,make,status,title,payment_status", STATES,
                         ids=[state[0] for state in STATES])
def test_every_state_has_its_screen(api, create_invoice, shop, name, make, status, title,
                                    payment_status):
    invoice_id = make(api, create_invoice)
    assert fetch(api, invoice_id)["status"] == status
    shop.goto(f"/pay/{invoice_id}")
    expect(shop.locator("#title")).to_have_text(title)
    screenshot(shop, name)
    final = status not in ("compliance_review",)
    expect(shop.locator("[data-return]")).to_have_count(1 if final else 0)
    if final:
        # Opened after the end (a receipt looked up later): no automatic redirect.
        expect(shop.locator(".return-auto")).to_be_hidden()
        shop.get_by_role("link", name="Return to Shop").click()
        expected = RETURN if payment_status is None else (
            f"{RETURN}&paymentStatus={payment_status}")
        shop.wait_for_url(expected)
    assert_no_console_errors(shop)


def test_receipt_links_transactions_to_the_explorer(api, create_invoice, page):
    invoice_id = _paid(api, create_invoice)
    page.goto(f"/pay/{invoice_id}")
    txid = fetch(api, invoice_id)["transactions"][0]["txid"]
    expect(page.locator(".receipt")).to_contain_text("25.00 USDT · Sandbox (test network)")
    expect(page.locator(".transactions")).to_contain_text("Confirmed")
    expect(page.locator(".tx-id")).to_contain_text(txid[:20])


def test_languages_browser_default_and_switcher(api, create_invoice, open_page):
    german = open_page(locale="de-DE")
    invoice = new_invoice(create_invoice)
    german.goto(f"/pay/{invoice['id']}")
    expect(german.locator("html")).to_have_attribute("lang", "de")
    expect(german.locator("#title")).to_have_text("Währung wählen")
    screenshot(german, "23-german")
    german.select_option("#language", "es")  # the script submits the switcher
    expect(german.locator("#title")).to_have_text("Elige una moneda")
    german.get_by_role("button", name=re.compile(r"^USDT")).click()
    expect(german.locator("#title")).to_have_text("Envía el pago")
    screenshot(german, "24-spanish-pay")
    german.select_option("#language", "fr")
    expect(german.locator("#title")).to_have_text("Envoyez le paiement")
    assert_no_console_errors(german)


def test_not_found(page):
    response = page.goto("/pay/00000000-0000-4000-8000-000000000000")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    screenshot(page, "25-not-found")


def test_framing_only_for_the_merchants_embed_hosts(api, create_invoice, page, live_server):
    invoice = new_invoice(create_invoice)
    page.route("http://merchant.example/**", lambda route: route.fulfill(
        status=200, content_type="text/html",
        body=f'<iframe src="{live_server.url}/pay/{invoice["id"]}"></iframe>'))
    page.goto("http://merchant.example/checkout")
    page.wait_for_timeout(1000)
    expect(page.frame_locator("iframe").locator("#title")).to_have_count(0)

    api.merchant.embed_hosts = ["http://merchant.example"]
    api.merchant.save(update_fields=["embed_hosts"])
    page.goto("http://merchant.example/checkout")
    expect(page.frame_locator("iframe").locator("#title")).to_have_text("Choose a currency")


def test_status_screen_mapping_matches_the_page(api, create_invoice, page):
    """The poller's `state` is the page's: an unchanged invoice never causes a refetch."""
    invoice = new_invoice(create_invoice)
    page.goto(f"/pay/{invoice['id']}")
    state = page.locator("#checkout").get_attribute("data-state")
    status = page.evaluate(f"fetch('/pay/{invoice['id']}/status').then(r => r.json())")
    assert status["state"] == state
    assert status["screen"] == states.CHOOSE
