"""The merchant dashboard in a real Chromium against a live server: the refund journey from
an underpaid invoice to the payout seen on chain, wallets, API keys, roles, two-factor
sign-in and throttled logins. Every page is saved at desktop and phone sizes under
var/screenshots/dashboard/."""

from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from chains import hd, registry
from chains.backends.base import Transfer
from chains.scanner import ScanReport
from chains.uri import payment_uri
from invoices.models import Event, Invoice, Refund
from invoices.services import reconciliation
from merchants.models import MerchantUser
from tests.browser import PHONE, decode_qr, screenshot
from webhooks import callbacks

pytest_plugins = ["tests.browser", "tests.receiver"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

PASSWORD = "correct horse battery staple"


def shot(page, name: str) -> None:
    screenshot(page, f"dashboard/{name}")


def make_user(merchant, email: str, role: str = MerchantUser.OWNER):
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    MerchantUser.objects.create(user=user, merchant=merchant, role=role)
    return user


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/dashboard/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def sandbox_pay(api, invoice_id, **body) -> dict:
    response = api.post(
        f"/api/v1/sandbox/invoices/{invoice_id}/pay", {"confirm": True, **body}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def expire(invoice_id) -> None:
    """The invoice's timer runs out and the sweeper runs, as its schedule would."""
    now = timezone.now()
    Invoice.objects.filter(pk=invoice_id).update(expires_at=now)
    reconciliation.sweep(now=now + timedelta(seconds=1))


@pytest.fixture
def store(api, create_invoice):
    """A store with an owner and invoices in several states; the underpaid one is returned."""
    api.merchant.name = "Bean There Coffee"
    api.merchant.save(update_fields=["name"])
    make_user(api.merchant, "owner@shop.example")
    paid = create_invoice(
        pay_currency="USDT",
        network="sandbox",
        foreign_id="order-1040",
        description="1 × Espresso beans, 1 kg",
    )
    sandbox_pay(api, paid["id"])
    create_invoice(foreign_id="order-1041", price_amount="12.50", customer_email="a@b.example")
    short = create_invoice(
        pay_currency="USDT",
        network="sandbox",
        foreign_id="order-1042",
        description="2 × Coffee beans, 1 kg",
        customer_email="payer@b.example",
        price_amount="25.00",
    )
    sandbox_pay(api, short["id"], amount="10")
    expire(short["id"])
    assert Invoice.objects.get(pk=short["id"]).status_context == "underpaid"
    return short


def test_refund_journey_from_underpaid_to_paid(api, store, page, open_page, live_server):
    log_in(page, "owner@shop.example")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator(".attention")).to_contain_text("1 unresolved invoice to complete")
    expect(page.locator(".chart .bar")).to_have_count(30)
    shot(page, "01-overview")

    page.locator(".attention li", has_text="unresolved").get_by_role("link").click()
    expect(page.locator(".invoice-row")).to_have_count(1)
    expect(page.locator(".invoice-row")).to_contain_text("order-1042")
    shot(page, "03-invoices-unresolved")
    page.goto("/dashboard/invoices/")
    expect(page.locator(".invoice-row")).to_have_count(3)
    shot(page, "02-invoices")
    page.get_by_label("Search").fill("payer@b.example")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".invoice-row")).to_have_count(1)

    page.locator(".invoice-row a.id").click()
    expect(page.locator("h1")).to_contain_text("Unresolved")
    expect(page.locator(".tx-rows")).to_contain_text("10.00 USDT")
    shot(page, "04-invoice-unresolved")

    page.get_by_role("link", name="Refund", exact=True).click()
    expect(page.get_by_role("heading", name="Refund the payer?")).to_be_visible()
    expect(page.get_by_label(re.compile("Everything received"))).to_be_checked()
    shot(page, "05-confirm-refund")
    page.get_by_role("button", name="Refund").click()

    expect(page.locator(".alert-success")).to_contain_text("Refund the payer: done")
    expect(page.locator("#refund")).to_contain_text("10.00 USDT")
    claim_url = page.locator("#refund .copy-line code").inner_text()
    refund = Refund.objects.get(invoice_id=store["id"])
    assert claim_url.endswith(f"/refund/#{refund.claim_token}")
    assert any(claim_url in message.body for message in mail.outbox)  # the payer's e-mail
    expect(page.locator(".timeline")).to_contain_text("by owner@shop.example")
    shot(page, "06-refund-awaiting-claim")

    payer = open_page()
    payer.goto("/refund/#" + urlsplit(claim_url).fragment)
    address = hd.derive_address("sandbox", hd.new_sandbox_xpub(), 3)
    payer.get_by_label("Your refund address").fill(address)
    payer.get_by_label(re.compile("I checked the address")).check()
    payer.get_by_role("button", name="Send my refund to this address").click()
    expect(payer.locator("#title")).to_have_text("Refund address received")

    page.reload()
    expect(page.locator("#refund")).to_contain_text(address)
    network = registry.get_network("sandbox")
    assert decode_qr(page.locator("#refund svg.qr").screenshot()) == payment_uri(
        network, network.asset("USDT"), address, refund.amount
    )  # the wallet fills it all in
    shot(page, "06b-refund-claimed-qr")
    page.get_by_label("Payout transaction id").fill("not-a-txid")
    page.get_by_role("button", name="Record payout").click()
    expect(page.locator("#refund .field-error")).to_contain_text("64 hexadecimal")
    shot(page, "07-refund-payout-invalid")

    txid = secrets.token_hex(32)
    page.get_by_label("Payout transaction id").fill(txid.upper())
    page.get_by_role("button", name="Record payout").click()
    expect(page.locator(".alert-success")).to_contain_text("Payout recorded")
    expect(page.locator("#refund")).to_contain_text(txid)
    shot(page, "08-refund-payout-recorded")

    # The watcher sees the payout reach the payer's address in a block.
    seen = Transfer(
        "sandbox", txid, 0, address, "USDT", refund.amount, block_height=7, block_hash="ab" * 32
    )
    report = ScanReport(network="sandbox", tip_height=7, transfers=[seen])
    assert reconciliation.match_payouts(report=report) == 1
    page.reload()
    expect(page.locator("#refund h2")).to_contain_text("paid")
    expect(page.locator(".timeline li").last).to_contain_text("paid, seen on chain")
    shot(page, "09-refund-paid")
    # One block later the payout has the network's confirmations: confirmed, no click.
    later = ScanReport(network="sandbox", tip_height=8, transfers=[])
    assert reconciliation.match_payouts(report=later) == 1
    page.reload()
    expect(page.locator("#refund h2")).to_contain_text("paid and confirmed on chain")
    shot(page, "09b-refund-confirmed")
    updates = Event.objects.filter(invoice_id=store["id"], type="refund_updated")
    assert [e.actor for e in updates.order_by("sequence")] == [
        "user:owner@shop.example",
        "payer",
        "user:owner@shop.example",
        "system",
        "system",
    ]
    assert page.problems == []


def test_other_invoice_pages(api, store, create_invoice, page):
    """Every other page an invoice has: review actions, cancel, archive, the deliveries."""
    log_in(page, "owner@shop.example")
    held = create_invoice(pay_currency="USDT", network="sandbox", foreign_id="order-1044")
    api.merchant.deny_list = ["sbx1qflaggedsender"]
    api.merchant.save(update_fields=["deny_list"])
    sandbox_pay(api, held["id"], sender="sbx1qflaggedsender")
    page.goto(f"/dashboard/invoices/{held['id']}/")
    expect(page.locator("h1")).to_contain_text("Compliance review")
    expect(page.locator(".tx-rows")).to_contain_text("flagged")
    shot(page, "15-invoice-compliance-review")
    page.get_by_role("link", name="Approve").click()
    shot(page, "16-confirm-approve")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("h1")).to_contain_text("Completed")

    fresh = create_invoice(pay_currency="USDT", network="sandbox", foreign_id="order-1043")
    page.goto(f"/dashboard/invoices/{fresh['id']}/")
    shot(page, "10-invoice-new")
    page.get_by_role("link", name="Cancel the invoice").click()
    shot(page, "11-confirm-cancel")
    page.get_by_role("button", name="Cancel the invoice").click()
    expect(page.locator("h1")).to_contain_text("Cancelled")
    page.get_by_role("link", name="Archive").click()
    page.get_by_role("button", name="Archive").click()
    expect(page.locator("h1")).to_contain_text("archived")
    page.goto("/dashboard/invoices/?archived=only")
    expect(page.locator(".invoice-row")).to_have_count(1)
    page.goto("/dashboard/invoices/?status=completed&created_from=2030-01-01")
    expect(page.locator(".empty")).to_be_visible()
    shot(page, "12-invoices-empty")
    page.goto("/dashboard/invoices/?created_from=2030-02-01&created_to=2030-01-01&status=zzz")
    expect(page.locator(".field-error")).to_have_count(2)
    shot(page, "13-invoices-bad-filters")

    # Issue 23: the payer pays the cancelled, archived invoice anyway.
    sandbox_pay(api, fresh["id"])
    page.goto("/dashboard/")
    late = page.locator(".attention li", has_text="order-1043")
    expect(late).to_contain_text("received a payment after it closed")
    shot(page, "13b-overview-paid-after-close")
    late.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Cancelled")
    expect(page.locator(".tx-rows")).to_contain_text("100.00 USDT")
    shot(page, "13c-invoice-paid-after-close")
    assert page.problems == []


def test_callbacks_redeliver_and_test_event(api, store, page, receiver, settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/settings/callbacks/")
    page.get_by_label("Callback URL").fill(receiver.url)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("Callback URL saved")
    receiver.answer(500)
    page.get_by_role("button", name="Send a test event").click()
    expect(page.locator(".alert-error")).to_contain_text("HTTP 500")
    page.get_by_role("button", name="Send a test event").click()
    expect(page.locator(".alert-success")).to_contain_text("Delivered: HTTP 200")
    page.get_by_text("Show the secret").click()
    shot(page, "30-settings-callbacks")
    page.get_by_role("link", name="Rotate the secret").click()
    shot(page, "30-confirm-rotate-secret")
    page.get_by_role("button", name="Rotate the secret").click()
    expect(page.locator(".alert-success")).to_contain_text("New secret made")
    assert [body["event"] for body in receiver.bodies()] == ["test", "test"]

    page.goto(f"/dashboard/invoices/{store['id']}/")
    page.locator(".delivery").first.get_by_role("button", name="Redeliver").click()
    expect(page.locator(".alert-success")).to_contain_text("redelivered: HTTP 200")
    expect(page.locator(".delivery").first).to_contain_text("redelivered")
    shot(page, "14-invoice-deliveries")
    assert receiver.bodies()[-1]["sequence"] == 1


def test_webhook_endpoints_added_disabled_and_redelivered(
    api, store, create_invoice, page, receiver, settings
):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/settings/callbacks/")
    page.get_by_label("URL", exact=True).fill(receiver.url)
    page.get_by_label("status_changed").check()
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.locator(".alert-success")).to_contain_text("The endpoint saved")
    page.get_by_label("URL", exact=True).fill("https://other.example/hooks")
    page.get_by_role("button", name="Add the endpoint").click()
    rows = page.locator("#endpoints .item-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("status_changed")
    rows.nth(1).get_by_role("button", name="Disable").click()
    expect(page.locator("#endpoints .item-row").nth(1)).to_contain_text("disabled")
    shot(page, "31-settings-webhook-endpoints")

    invoice = create_invoice(price_amount="5.00")
    assert api.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    callbacks.deliver_due()
    rows.nth(0).get_by_role("link", name="Edit and deliveries").click()
    expect(page.locator(".delivery")).to_have_count(1)
    page.locator(".delivery").first.get_by_role("button", name="Redeliver").click()
    expect(page.locator(".alert-success")).to_contain_text("Redelivered: HTTP 200")
    expect(page.locator(".delivery").first).to_contain_text("redelivered")
    shot(page, "32-settings-webhook-endpoint")
    assert [body["event"] for body in receiver.bodies()] == ["status_changed"] * 2
    assert page.problems == []


def test_wallet_xpub_shows_derived_addresses(api, store, page):
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/settings/wallets/")
    shot(page, "31-settings-wallets")
    page.get_by_role("link", name="Replace").click()
    page.get_by_label("Account extended public key").fill("xpub-not-a-key")
    page.get_by_role("button", name="Check the key").click()
    expect(page.locator(".field-error")).to_contain_text("not base58")
    shot(page, "32-settings-wallet-invalid")

    xpub = hd.new_sandbox_xpub()
    page.get_by_label("Account extended public key").fill(f"  {xpub[:40]}\n{xpub[40:]} ")
    page.get_by_role("button", name="Check the key").click()
    expected = hd.derive_addresses("sandbox", xpub, 0, 5)
    expect(page.locator(".addresses li")).to_have_text(expected)
    shot(page, "33-settings-wallet-preview")
    before = api.merchant.wallets.get(family="sandbox").next_index
    page.get_by_role("button", name="They match: save the wallet").click()
    expect(page.locator(".alert-success")).to_contain_text("wallet saved")
    expect(page.locator(".addresses li")).to_have_text(expected)
    wallet = api.merchant.wallets.get(family="sandbox")
    assert (wallet.xpub, wallet.next_index) == (xpub, before)  # no index is reused


def test_settings_pages(api, store, page):
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/settings/")
    page.get_by_label("Allowed return hosts").fill("shop.example\nwww.shop.example")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("Store profile saved")
    shot(page, "34-settings-store")
    api.merchant.refresh_from_db()
    assert api.merchant.allowed_return_hosts == ["shop.example", "www.shop.example"]

    page.goto("/dashboard/settings/payments/")
    confirmations = page.get_by_role("spinbutton", name="Sandbox (test network)")
    confirmations.fill("0")
    page.get_by_label("Overpaid").select_option("refund")
    page.get_by_role("button", name="Save payment settings").click()
    expect(page.locator(".field-error")).to_contain_text("At least 1: fewer is not safe")
    shot(page, "35-settings-payments-error")
    confirmations.fill("3")
    page.get_by_role("button", name="Save payment settings").click()
    expect(page.locator(".alert-success")).to_contain_text("Payment settings saved")
    api.merchant.refresh_from_db()
    assert api.merchant.confirmations == {"sandbox": 3}
    assert api.merchant.unresolved_rules["overpaid"] == "refund"
    shot(page, "36-settings-payments")

    page.goto("/dashboard/settings/team/")
    page.get_by_label("E-mail").fill("barista@shop.example")
    page.get_by_role("button", name="Send the invitation").click()
    link = page.locator(".once code").inner_text()
    assert any(link in message.body for message in mail.outbox)
    shot(page, "37-settings-team")

    joiner = page.context.browser.new_context(base_url=page.url.split("/dashboard")[0])
    other = joiner.new_page()
    other.goto(urlsplit(link).path)
    shot(other, "40-accept-invite")
    other.get_by_label("Password", exact=True).fill(PASSWORD)
    other.get_by_label("Password again").fill(PASSWORD)
    other.get_by_role("button", name="Join").click()
    expect(other.get_by_role("heading", name="Overview")).to_be_visible()
    assert MerchantUser.objects.get(user__email="barista@shop.example").role == "staff"
    joiner.close()
    page.goto("/dashboard/settings/team/")
    page.locator("tr", has_text="barista@shop.example").get_by_role("link", name="Remove").click()
    shot(page, "37-confirm-remove-member")
    page.get_by_role("button", name="Remove").click()
    expect(page.locator(".alert-success")).to_contain_text("barista@shop.example was removed")


def test_api_key_created_used_and_revoked(api, store, page, live_server):
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/settings/api-keys/")
    page.get_by_label("Label").fill("shop backend")
    page.get_by_role("button", name="Create the key").click()
    key = page.locator("#api-key").inner_text()
    page.get_by_role("button", name="Copy").click()  # the shared script shows and runs it
    expect(page.locator(".copy-line .copy")).to_have_text("Copied")
    shot(page, "38-settings-api-key-created")
    url = f"{live_server.url}/api/v1/invoices"
    headers = {"Authorization": f"Bearer {key}"}
    assert requests.get(url, headers=headers, timeout=10).status_code == 200

    page.goto("/dashboard/settings/api-keys/")
    expect(page.locator("main")).not_to_contain_text(key)  # shown once, never again
    page.locator(".item-row", has_text="shop backend").get_by_role("link", name="Revoke").click()
    shot(page, "39-confirm-revoke-key")
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.locator(".item-row", has_text="shop backend")).to_contain_text("revoked")
    assert requests.get(url, headers=headers, timeout=10).status_code == 401


def test_staff_cannot_open_api_keys_or_callbacks(api, store, page):
    make_user(api.merchant, "staff@shop.example", MerchantUser.STAFF)
    log_in(page, "staff@shop.example")
    page.goto("/dashboard/settings/")
    for tab in ("API keys", "Wallets", "Callbacks", "Team"):
        expect(page.locator(".tabs")).not_to_contain_text(tab)
    assert page.goto("/dashboard/settings/callbacks/").status == 403
    response = page.goto("/dashboard/settings/api-keys/")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("Only the store's owners")
    shot(page, "41-staff-forbidden")


def test_two_factor_sign_in(api, store, page, open_page):
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/account/")
    shot(page, "42-account")
    page.get_by_role("link", name="Set up").click()
    shot(page, "43-two-factor-setup")
    device = TOTPDevice.objects.get(user__email="owner@shop.example")
    page.get_by_label("Code from your app").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".field-error")).to_contain_text("not right")
    time.sleep(1.1)  # django-otp makes each wrong code wait longer: 1 s after the first
    device.refresh_from_db()
    page.get_by_label("Code from your app").fill(_code(device))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".alert-success")).to_contain_text("Two-factor sign-in is on")

    later = open_page()
    log_in(later, "owner@shop.example")
    expect(later.get_by_role("heading", name="Enter your code")).to_be_visible()
    shot(later, "44-login-verify")
    later.goto("/dashboard/invoices/")  # no way around the second step
    expect(later.get_by_role("heading", name="Enter your code")).to_be_visible()
    device.refresh_from_db()
    later.get_by_label("Code from your app").fill(_code(device, later=True))
    later.get_by_role("button", name="Continue").click()
    expect(later.get_by_role("heading", name="Invoices")).to_be_visible()
    later.goto("/dashboard/account/two-factor/")
    expect(later.get_by_role("heading", name="Turn off two-factor sign-in")).to_be_visible()
    shot(later, "45-two-factor-off")


def _code(device: TOTPDevice, later: bool = False) -> str:
    """The app's current code (the next step's when the current one was just used)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if later:
        totp.time = totp.time + device.step
    return str(totp.token()).zfill(device.digits)


def test_login_throttled_and_password_reset(api, store, page, settings):
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shot(page, "50-login")
    log_in(page, "owner@shop.example", "wrong password")
    expect(page.locator(".alert-error")).to_contain_text("do not match a login")
    shot(page, "51-login-failed")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(page, "owner@shop.example", "wrong password")
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
    shot(page, "52-login-locked")
    log_in(page, "owner@shop.example")  # even the right password waits out the cool-off
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()

    page.goto("/dashboard/password-reset/")
    shot(page, "53-password-reset")
    page.get_by_label("E-mail").fill("owner@shop.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    shot(page, "54-password-reset-sent")
    link = re.search(r"https?://\S+/dashboard/password-reset/\S+/", mail.outbox[-1].body)[0]
    page.goto(urlsplit(link).path)
    page.get_by_label("New password", exact=True).fill("a new passphrase for beans")
    page.get_by_label("New password confirmation").fill("a new passphrase for beans")
    shot(page, "55-password-reset-confirm")
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_role("heading", name="Password saved")).to_be_visible()
    shot(page, "56-password-reset-complete")


# Overview, Invoices, Refunds, Payment links, Point of sale, Settings, Account.
MENU_ENTRIES = 7


@pytest.mark.parametrize("language", ["en-US", "de-DE"])
def test_the_top_menu_fits_a_phone_and_reaches_every_entry(api, store, open_page, language):
    """390×844: nothing wider than the screen; the menu button opens the navigation and
    every entry can be seen and followed (without a script the entries wrap instead)."""
    page = open_page(PHONE, locale=language)
    _log_in_any_language(page)
    page.goto("/dashboard/")

    def overflow() -> int:
        return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow() <= 0
    nav = page.locator("#dashboard-nav")
    expect(nav).to_be_hidden()
    shot(page, f"menu-closed-{language}")
    page.locator(".menu-button").click()
    entries = nav.get_by_role("link")
    assert entries.count() == MENU_ENTRIES
    for index in range(MENU_ENTRIES):
        box = entries.nth(index).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert overflow() <= 0
    shot(page, f"menu-open-{language}")
    last = entries.nth(MENU_ENTRIES - 1)
    href = last.get_attribute("href")
    last.click()
    page.wait_for_url(f"**{href}")
    plain = open_page(PHONE, locale=language, java_script_enabled=False)
    _log_in_any_language(plain)
    plain.goto("/dashboard/")
    assert plain.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    links = plain.locator("#dashboard-nav").get_by_role("link")
    for index in range(MENU_ENTRIES):
        box = links.nth(index).bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"]
    shot(plain, f"menu-no-script-{language}")
    desktop = open_page(locale=language)
    _log_in_any_language(desktop)
    desktop.goto("/dashboard/")
    expect(desktop.locator(".menu-button")).to_be_hidden()
    expect(desktop.locator("#dashboard-nav")).to_be_visible()


def _log_in_any_language(page) -> None:
    page.goto("/dashboard/login/")
    page.fill("input[name=username]", "owner@shop.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
