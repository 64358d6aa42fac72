"""The hosted checkout in a real Chromium against a live server: the payer's whole journey,
every state's screen (screenshots at desktop and phone sizes in var/screenshots/), QR codes
read back with zbar, the page without JavaScript, the refund claim, languages, framing."""

from __future__ import annotations

import re
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from chains import hd
from checkout import states
from invoices.models import Event, Invoice, Refund
from invoices.services import merchant_actions, reconciliation
from tests.browser import PHONE, decode_qr, let_time_pass, screenshot
from tests.support import serve_in_thread

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

DESCRIPTION = "Order #1042 · 2 × Coffee beans, 1 kg"
# static/checkout/checkout.js: how often the page polls, how long before it sends the payer back.
POLL_MS = 3000
RETURN_MS = 5000


@pytest.fixture
def shop_url(api, live_server):
    """The merchant's return page. On the live server itself (a 404 there is fine): the
    browser cannot reach other hosts, and requests it is redirected to are not routable."""
    api.merchant.allowed_return_hosts = ["localhost"]
    api.merchant.save(update_fields=["allowed_return_hosts"])
    return f"{live_server.url}/thanks?order=1042"


@pytest.fixture
def new_invoice(create_invoice, shop_url):
    def new(**body) -> dict:
        return create_invoice(
            **{"price_amount": "25.00", "description": DESCRIPTION, "return_url": shop_url, **body}
        )

    return new


def fetch(api, invoice_id) -> dict:
    return api.get(f"/api/v1/invoices/{invoice_id}").json()


def sandbox_pay(api, invoice_id, confirm=True, **body) -> dict:
    response = api.post(
        f"/api/v1/sandbox/invoices/{invoice_id}/pay", {"confirm": confirm, **body}, format="json"
    )
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
    Invoice.objects.filter(pk=invoice_id).update(expires_at=now)
    reconciliation.sweep(now=now)


def next_poll(page):
    """The page's next status poll, now: the server changed; the page finds out on its own."""
    let_time_pass(page, POLL_MS)


def returns_to(page, url):
    """The page counts down its seconds, then sends the payer back to the shop."""
    let_time_pass(page, RETURN_MS)
    page.wait_for_url(url)


def assert_no_problems(page):
    """No script error, CSP violation, missing asset or failed fetch on the way."""
    assert page.problems == []


def test_pay_and_return_with_success(api, new_invoice, shop_url, page):
    invoice = new_invoice()
    page.goto(f"/pay/{invoice['id']}")
    expect(page.locator("#title")).to_have_text("Choose a currency")
    expect(page.locator(".price")).to_have_text("25.00 USD")
    expect(page.get_by_role("button", name=re.compile(r"^USDT"))).to_contain_text("25.00")
    page.get_by_role("button", name=re.compile(r"^USDT")).click()

    chosen = fetch(api, invoice["id"])
    expect(page.locator("#pay-address")).to_have_text(chosen["address"])
    expect(page.locator("#pay-amount")).to_have_text("25.00 USDT")
    assert decode_qr(page.locator("svg.qr").screenshot()) == chosen["payment_uri"]
    assert chosen["payment_uri"] == (f"sandbox:{chosen['address']}?amount=25&token=sandbox%3AUSDT")
    expect(page.locator(".timer-value")).to_have_text(re.compile(r"^1[45]:\d\d$"))

    page.evaluate("window.sameDocument = true")
    sandbox_pay(api, invoice["id"], confirm=False)
    next_poll(page)
    expect(page.locator("[data-message]")).to_have_text(
        "Payment seen — waiting for confirmations (0/2)."
    )
    expect(page.locator("#announcer")).to_have_text(
        "Payment seen — waiting for confirmations (0/2)."
    )
    screenshot(page, "03-seen")
    mine(api)
    next_poll(page)
    expect(page.locator("[data-message]")).to_contain_text("(1/2)")
    assert page.evaluate("window.sameDocument") is True  # updated in place, not reloaded
    mine(api)
    next_poll(page)
    expect(page.locator("#title")).to_have_text("Payment complete")
    expect(page.locator(".return-auto")).to_be_visible()
    assert_no_problems(page)
    returns_to(page, shop_url + "&paymentStatus=SUCCESS")


def test_expiry_returns_with_failed(api, new_invoice, shop_url, page):
    invoice = new_invoice()
    choose_usdt(page, invoice["id"])
    expire(invoice["id"])
    next_poll(page)
    expect(page.locator("#title")).to_have_text("Invoice expired")
    expect(page.locator("svg.qr")).to_have_count(0)
    assert_no_problems(page)
    returns_to(page, shop_url + "&paymentStatus=FAILED")


def test_underpay_then_top_up_with_the_test_panel(api, new_invoice, shop_url, page):
    invoice = new_invoice()
    choose_usdt(page, invoice["id"])
    panel = page.locator(".sandbox")
    panel.get_by_role("button", name="Underpay").click()
    expect(page.locator("[data-message]")).to_contain_text("(0/2)")
    panel = page.locator(".sandbox")
    panel.get_by_role("button", name="Confirm (mine blocks)").click()
    expect(page.locator("#title")).to_have_text("Pay the remaining amount")

    underpaid = fetch(api, invoice["id"])
    assert (underpaid["status"], underpaid["status_context"]) == ("pending", "underpaid")
    expect(page.locator("#pay-amount")).to_have_text("12.50 USDT")
    expect(page.locator(".summary")).to_contain_text("12.50 USDT")
    assert decode_qr(page.locator("svg.qr").screenshot()) == underpaid["payment_uri"]
    assert "amount=12.5&" in underpaid["payment_uri"]
    screenshot(page, "05-underpaid")

    page.locator(".sandbox").get_by_role("button", name="Pay exactly").click()
    expect(page.locator("#title")).to_have_text("Confirming your payment")
    screenshot(page, "06-top-up-seen")
    page.locator(".sandbox").get_by_role("button", name="Confirm (mine blocks)").click()
    expect(page.locator("#title")).to_have_text("Payment complete")
    assert_no_problems(page)
    returns_to(page, shop_url + "&paymentStatus=SUCCESS")
    assert fetch(api, invoice["id"])["status"] == "completed"


def test_phone_viewport(api, new_invoice, open_page):
    phone = open_page(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    invoice = new_invoice(
        description="A rather long order description that "
        "has to wrap on a small screen without pushing anything sideways"
    )
    phone.goto(f"/pay/{invoice['id']}")
    screenshot(phone, "01-choose")
    phone.get_by_role("button", name=re.compile(r"^BTC")).click()
    chosen = fetch(api, invoice["id"])
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert decode_qr(phone.locator("svg.qr").screenshot()) == chosen["payment_uri"]
    assert chosen["payment_uri"].startswith(f"sandbox:{chosen['address']}?amount=0.00041667")
    phone.get_by_role("button", name="Copy address").tap()
    expect(phone.locator("#pay-address + .copy")).to_have_text("Copied")
    assert phone.evaluate("navigator.clipboard.readText()") == chosen["address"]
    expect(phone.get_by_role("link", name="Open in wallet app")).to_have_attribute(
        "href", chosen["payment_uri"]
    )
    screenshot(phone, "02-pay")
    assert_no_problems(phone)


def test_keyboard_only(api, new_invoice, page):
    invoice = new_invoice()
    page.goto(f"/pay/{invoice['id']}")
    focused = []
    for _ in range(5):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                "(e => e.id || e.textContent.trim().split(/\\s+/)[0])(document.activeElement)"
            )
        )
    assert focused == ["Back", "BTC", "ETH", "USDT", "language"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # back on ETH
    page.keyboard.press("Enter")
    expect(page.locator("#title")).to_have_text("Send the payment")
    assert fetch(api, invoice["id"])["pay_currency"] == "ETH"
    assert_no_problems(page)


def test_without_javascript_the_page_still_says_what_to_pay_and_where(api, new_invoice, open_page):
    plain = open_page(java_script_enabled=False)
    invoice = new_invoice()
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


def test_refund_claim(api, new_invoice, page):
    invoice = new_invoice(pay_currency="USDT", network="sandbox")
    sandbox_pay(api, invoice["id"], amount="30")
    refund = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    ).json()
    page.goto("/refund/#" + urlsplit(refund["claim_url"]).fragment)
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
        "This address is for Bitcoin, but the refund is sent on Sandbox (test network)."
    )
    expect(field).to_have_attribute("aria-invalid", "true")

    address = hd.derive_address("sandbox", hd.new_sandbox_xpub(), 7)
    typo = address[:-1] + ("q" if address[-1] != "q" else "p")
    page.get_by_label("Your refund address").fill(typo)
    page.get_by_label(re.compile("I checked the address")).check()
    submit.click()
    expect(page.locator("#address-error")).to_contain_text("checksum does not match")
    screenshot(page, "21-refund-invalid")

    page.get_by_label("Your refund address").fill(address)
    page.get_by_label(re.compile("I checked the address")).uncheck()
    submit.click()
    expect(page.locator("#confirm-error")).to_have_text("Tick the box to confirm the address.")
    page.get_by_label(re.compile("I checked the address")).check()
    submit.click()
    expect(page.locator("#title")).to_have_text("Refund address received")
    expect(page.locator(".summary")).to_contain_text(address)
    expect(page.get_by_label("Your refund address")).to_have_count(0)
    screenshot(page, "22-refund-claimed")

    stored = Refund.objects.get(pk=refund["id"])
    assert (stored.status, stored.address) == (Refund.CLAIMED, address)
    assert Event.objects.filter(
        invoice_id=invoice["id"], type="refund_updated", actor="payer"
    ).exists()
    assert_no_problems(page)


def test_refund_link_keeps_its_code_out_of_every_url(api, new_invoice, page):
    """The browser asks for /refund/ only (the code is after #); the script posts the code
    and takes it out of the address bar."""
    invoice = new_invoice(pay_currency="USDT", network="sandbox")
    sandbox_pay(api, invoice["id"], amount="30")
    refund = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    ).json()
    code = urlsplit(refund["claim_url"]).fragment
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"/refund/#{code}")
    expect(page.locator(".price")).to_have_text("30.00 USDT")
    assert code not in page.url
    assert [url for url in requested if code in url] == []
    assert_no_problems(page)


def test_without_javascript_the_refund_page_asks_for_the_code(api, new_invoice, open_page):
    invoice = new_invoice(pay_currency="USDT", network="sandbox")
    sandbox_pay(api, invoice["id"], amount="30")
    refund = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    ).json()
    plain = open_page(java_script_enabled=False)
    plain.goto("/refund/#" + urlsplit(refund["claim_url"]).fragment)
    expect(plain.get_by_label("Refund code")).to_be_visible()
    screenshot(plain, "23-refund-code")
    plain.get_by_label("Refund code").fill("not-the-right-code-at-all")
    plain.get_by_role("button", name="Open my refund").click()
    expect(plain.get_by_role("alert")).to_contain_text("This refund code is not valid")
    screenshot(plain, "24-refund-code-wrong")
    plain.get_by_label("Refund code").fill(urlsplit(refund["claim_url"]).fragment)
    plain.get_by_role("button", name="Open my refund").click()
    expect(plain.locator(".price")).to_have_text("30.00 USDT")
    plain.get_by_label("Your refund address").fill(
        hd.derive_address("sandbox", hd.new_sandbox_xpub(), 9)
    )
    plain.get_by_label(re.compile("I checked the address")).check()
    plain.get_by_role("button", name="Send my refund to this address").click()
    expect(plain.locator("#title")).to_have_text("Refund address received")


# --- every other state, as the payer sees it when opening the link ------------------------


def _paid(api, new_invoice, **pay):
    invoice = new_invoice(pay_currency="USDT", network="sandbox")
    sandbox_pay(api, invoice["id"], **pay)
    return invoice["id"]


def _expired_unpaid(api, new_invoice):
    invoice = new_invoice(pay_currency="USDT", network="sandbox")
    expire(invoice["id"])
    return invoice["id"]


def _expired_then_paid(api, new_invoice, confirm):
    invoice_id = _expired_unpaid(api, new_invoice)
    sandbox_pay(api, invoice_id, confirm=confirm)
    return invoice_id


def _short(api, new_invoice):
    invoice_id = _paid(api, new_invoice, amount="10")
    expire(invoice_id)
    return invoice_id


def _two_senders(api, new_invoice):
    invoice_id = _paid(api, new_invoice, amount="10", sender="sbx1qfirstpayer")
    sandbox_pay(api, invoice_id, amount="15", sender="sbx1qsecondpayer")
    return invoice_id


def _review(api, new_invoice):
    api.merchant.deny_list = ["sbx1qflagged"]
    api.merchant.save(update_fields=["deny_list"])
    return _paid(api, new_invoice, sender="sbx1qflagged")


def _declined(api, new_invoice):
    invoice_id = _review(api, new_invoice)
    merchant_actions.review(invoice_id=invoice_id, action="decline", actor="user:test")
    return invoice_id


def _cancelled(api, new_invoice):
    invoice_id = _paid(api, new_invoice, confirm=False)
    assert api.post(f"/api/v1/invoices/{invoice_id}/cancel").status_code == 200
    return invoice_id


def _paid_after_cancel(api, new_invoice):
    """Issue 23: the QR was still on the payer's screen when the merchant cancelled."""
    invoice = new_invoice(pay_currency="USDT", network="sandbox")
    assert api.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    sandbox_pay(api, invoice["id"])
    return invoice["id"]


def _failed(api, new_invoice):
    invoice_id = _paid(api, new_invoice, confirm=False)
    reconciliation.sweep(now=timezone.now() + timedelta(hours=25))
    return invoice_id


def _refunded(api, new_invoice):
    invoice_id = _paid(api, new_invoice, amount="30")
    api.post(f"/api/v1/invoices/{invoice_id}/resolve", {"action": "refund"}, format="json")
    return invoice_id


def _closed(api, new_invoice):
    invoice = new_invoice()
    api.post(f"/api/v1/invoices/{invoice['id']}/archive")
    return invoice["id"]


STATES = [
    # (screenshot name, make the invoice, expected status, title, paymentStatus on return)
    ("08-completed", lambda a, n: _paid(a, n), "completed", "Payment complete", "SUCCESS"),
    (
        "09-overpaid",
        lambda a, n: _paid(a, n, amount="30"),
        "unresolved",
        "You paid more than the amount due",
        None,
    ),
    (
        "10-paid-late",
        lambda a, n: _expired_then_paid(a, n, True),
        "unresolved",
        "Payment arrived late",
        None,
    ),
    ("11-expired", _expired_unpaid, "expired", "Invoice expired", "FAILED"),
    (
        "12-expired-with-funds",
        lambda a, n: _expired_then_paid(a, n, False),
        "expired",
        "Payment arrived after expiry",
        "FAILED",
    ),
    ("13-short", _short, "unresolved", "Payment incomplete", None),
    ("14-two-senders", _two_senders, "unresolved", "Payment needs review", None),
    ("15-compliance-review", _review, "compliance_review", "Payment under review", None),
    ("16-declined", _declined, "declined", "Payment declined", "FAILED"),
    ("17-cancelled", _cancelled, "cancelled", "Invoice cancelled", "FAILED"),
    ("18-failed", _failed, "failed", "Payment failed", "FAILED"),
    ("19-refunded", _refunded, "refunded", "Payment refunded", "FAILED"),
    ("19-closed", _closed, "new", "Invoice closed", "FAILED"),
    (
        "20-paid-after-close",
        _paid_after_cancel,
        "cancelled",
        "Payment arrived after the invoice closed",
        "FAILED",
    ),
]


@pytest.mark.parametrize(
    "name,make,status,title,payment_status", STATES, ids=[state[0] for state in STATES]
)
def test_every_state_has_its_screen(
    api, new_invoice, shop_url, page, name, make, status, title, payment_status
):
    invoice_id = make(api, new_invoice)
    assert fetch(api, invoice_id)["status"] == status
    page.goto(f"/pay/{invoice_id}")
    expect(page.locator("#title")).to_have_text(title)
    screenshot(page, name)
    final = status not in ("compliance_review",)
    expect(page.locator("[data-return]")).to_have_count(1 if final else 0)
    assert_no_problems(page)
    if final:
        # Opened after the end (a receipt looked up later): no automatic redirect.
        expect(page.locator(".return-auto")).to_be_hidden()
        page.get_by_role("link", name="Return to Shop").click()
        expected = (
            shop_url if payment_status is None else (f"{shop_url}&paymentStatus={payment_status}")
        )
        page.wait_for_url(expected)


def test_receipt_links_transactions_to_the_explorer(api, new_invoice, page):
    invoice_id = _paid(api, new_invoice)
    page.goto(f"/pay/{invoice_id}")
    txid = fetch(api, invoice_id)["transactions"][0]["txid"]
    expect(page.locator(".receipt")).to_contain_text("25.00 USDT · Sandbox (test network)")
    expect(page.locator(".transactions")).to_contain_text("Confirmed")
    expect(page.locator(".tx-id")).to_contain_text(txid[:20])


def test_languages_browser_default_and_switcher(api, new_invoice, open_page):
    german = open_page(locale="de-DE")
    invoice = new_invoice()
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
    assert_no_problems(german)


def test_not_found(page):
    response = page.goto("/pay/00000000-0000-4000-8000-000000000000")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    screenshot(page, "25-not-found")


@pytest.fixture
def merchant_site():
    """The merchant's own site: a real server on another origin (127.0.0.1, another port),
    serving a page that frames whatever `merchant_site.frame` names."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = f'<iframe src="{server.frame}" width="400" height="600"></iframe>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    server.url = f"http://127.0.0.1:{server.server_port}"
    serve_in_thread(server)
    yield server
    server.shutdown()
    server.server_close()


def test_framing_only_for_the_merchants_embed_hosts(
    api, new_invoice, page, live_server, merchant_site
):
    invoice = new_invoice()
    merchant_site.frame = f"{live_server.url}/pay/{invoice['id']}"
    page.goto(merchant_site.url)
    page.wait_for_timeout(1000)
    expect(page.frame_locator("iframe").locator("#title")).to_have_count(0)
    assert page.frames[1].url != merchant_site.frame  # an error page instead

    api.merchant.embed_hosts = [merchant_site.url]
    api.merchant.save(update_fields=["embed_hosts"])
    page.goto(merchant_site.url)
    expect(page.frame_locator("iframe").locator("#title")).to_have_text("Choose a currency")


def test_status_screen_mapping_matches_the_page(api, new_invoice, page):
    """The poller's `state` is the page's: an unchanged invoice never causes a refetch."""
    invoice = new_invoice()
    page.goto(f"/pay/{invoice['id']}")
    state = page.locator("#checkout").get_attribute("data-state")
    status = page.evaluate(f"fetch('/pay/{invoice['id']}/status').then(r => r.json())")
    assert status["state"] == state
    assert status["screen"] == states.CHOOSE
