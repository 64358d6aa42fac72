"""The point of sale in a real Chromium: the owner makes a terminal in the dashboard (test
mode), a cashier charges 12.34 on its keypad on a phone-sized screen, the payer pays on the
sandbox, the counter plays its tone, shows Paid and returns to the keypad; the sale is
listed under its terminal; a rotated link is dead. Every new page is saved at 1280×800 and
390×844, in English and German, under var/screenshots/pos/ (SCREENSHOTS=1)."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest

from invoices.models import Invoice
from pos.models import Sale, Terminal
from tests.browser import SCREENSHOTS, let_time_pass
from tests.test_checkout_browser import sandbox_pay
from tests.test_dashboard_browser import PASSWORD, log_in, make_user

pytest_plugins = ["tests.browser"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

PHONE = {"width": 390, "height": 844}
# Counts the notes the page plays: the tone is made with the Web Audio API, no file.
COUNT_TONES = """
window.tones = 0;
const make = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.tones += 1;
  return make.call(this);
};
"""


def shot(page, name: str) -> None:
    """The page at 1280×800 and 390×844 (SCREENSHOTS=1), for people to look at."""
    if not os.environ.get("SCREENSHOTS"):
        return
    folder = SCREENSHOTS / "pos"
    folder.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for size, viewport in (("desktop", {"width": 1280, "height": 800}), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=folder / f"{name}-{size}.png", full_page=True)
    page.set_viewport_size(before)


@pytest.fixture
def owner(api, page):
    api.merchant.name = "Bean There Coffee"
    api.merchant.save(update_fields=["name"])
    make_user(api.merchant, "owner@shop.example")
    log_in(page, "owner@shop.example")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator(".test-strip")).to_be_visible()  # no live key yet: test mode
    return page


def test_a_cashier_charges_12_34_and_the_counter_shows_paid(api, owner, open_page):
    page = owner
    page.get_by_role("link", name="Point of sale").click()
    shot(page, "01-dashboard-empty")
    page.get_by_role("link", name="New point of sale").click()
    page.get_by_label("Name").fill("Front counter")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Tips in percent (optional)").fill("10, abc")
    page.get_by_role("button", name="Create the point of sale").click()
    expect(page.locator(".field-error")).to_contain_text("abc is not a percentage")
    shot(page, "02-dashboard-form-refused")
    page.get_by_label("Tips in percent (optional)").fill("10, 15")
    page.get_by_label("Products (optional)").fill("Espresso = 2.50\nCroissant = 1.95")
    page.get_by_role("button", name="Create the point of sale").click()
    expect(page.locator(".alert-success")).to_contain_text("Point of sale created")
    terminal = Terminal.objects.get()
    assert (terminal.livemode, terminal.tip_percents) == (False, ["10", "15"])
    shot(page, "03-dashboard-list")

    cashier = open_page(viewport=PHONE)
    cashier.add_init_script(COUNT_TONES)
    link = page.locator(".pos-terminal .mono a").get_attribute("href")
    assert link.endswith(f"/pos/{terminal.slug}")
    cashier.goto(urlsplit(link).path)
    expect(cashier.locator("#pos-charge")).to_be_disabled()
    for key in ("1", "2", ".", "3", "4"):
        cashier.locator(f'.pos-key[data-key="{key}"]').click()
    expect(cashier.locator("#pos-amount")).to_have_text("12.34")
    cashier.get_by_label("10 %").check()
    expect(cashier.locator("#pos-total")).to_have_text("13.58")  # 1.234 tip, rounded up
    cashier.get_by_label("No tip").check()
    shot(cashier, "04-keypad")
    cashier.get_by_role("button", name="Charge").dblclick()  # a double tap: one sale

    frame = cashier.frame_locator("#pos-frame")
    expect(frame.locator("#title")).to_have_text("Choose a currency")
    frame.get_by_role("button", name=re.compile(r"^USDT")).click()
    expect(frame.locator("#title")).to_have_text("Send the payment")
    expect(frame.locator(".shell-counter .qr")).to_be_visible()
    invoice = Invoice.objects.get()
    assert (invoice.price_amount, invoice.price_currency) == (1234, "USD")
    assert Sale.objects.get().terminal == terminal
    qr_width = frame.locator(".qr").bounding_box()["width"]
    assert qr_width >= 300, qr_width  # scannable across a counter, on a 390 px phone
    shot(cashier, "05-checkout-at-the-counter")

    sandbox_pay(api, invoice.pk)  # the payer's wallet pays; the sandbox mines it
    let_time_pass(cashier, 2500)
    expect(cashier.locator("#paid-view")).to_be_visible()
    expect(cashier.locator(".pos-paid-word")).to_have_text("Paid")
    assert cashier.evaluate("window.tones") == 2
    shot(cashier, "06-paid")
    let_time_pass(cashier, 4500)
    expect(cashier.locator("#keypad-view")).to_be_visible()
    expect(cashier.locator("#pos-amount")).to_have_text("0.00")
    assert cashier.problems == []

    # The sale is in the dashboard, under its terminal.
    page.goto("/dashboard/pos/")
    page.get_by_role("link", name="1 sale").click()
    expect(page.locator("#id_pos")).to_have_value(str(terminal.pk))
    expect(page.get_by_text(str(invoice.pk)[:8])).to_be_visible()
    shot(page, "07-dashboard-sales")

    # A new link: the old one is dead.
    old = cashier.url
    page.goto("/dashboard/pos/")
    page.get_by_role("button", name="Make a new link").click()
    expect(page.locator(".alert-success")).to_contain_text("no longer opens")
    assert cashier.goto(old).status == 404


def test_the_german_counter(api, open_page):
    terminal = Terminal.objects.create(
        merchant=api.merchant,
        livemode=False,
        name="Theke",
        currency="EUR",
        products=[{"name": "Espresso", "price": 250}, {"name": "Croissant", "price": 195}],
        tip_percents=["10", "12.5"],
    )
    cashier = open_page(viewport=PHONE, locale="de-DE")
    cashier.goto(f"/pos/{terminal.slug}")
    expect(cashier.locator("html")).to_have_attribute("lang", "de")
    cashier.get_by_role("button", name=re.compile("^Espresso")).click()
    cashier.get_by_role("button", name=re.compile("^Espresso")).click()
    cashier.get_by_role("button", name=re.compile("^Croissant")).click()
    expect(cashier.locator("#pos-amount")).to_have_text("6,95")
    cashier.get_by_label("12,5 %").check()
    expect(cashier.locator("#pos-total")).to_have_text("7,82")  # 0.86875 rounded up
    shot(cashier, "08-keypad-de")
    cashier.get_by_role("button", name="Kassieren").click()
    frame = cashier.frame_locator("#pos-frame")
    expect(frame.locator("#title")).to_have_text("Währung wählen")
    invoice = Invoice.objects.get()
    assert invoice.price_amount == 782
    assert invoice.description == "Theke: 2 × Espresso, 1 × Croissant · Trinkgeld 12.5 %"
    shot(cashier, "09-checkout-de")
    cashier.get_by_role("button", name="Zurück zum Ziffernblock").click()
    expect(cashier.locator("#pos-amount")).to_have_text("0,00")
    assert cashier.problems == []


def test_the_german_dashboard_pages(api, open_page):
    Terminal.objects.create(
        merchant=api.merchant, livemode=False, name="Theke", currency="EUR", tip_percents=["10"]
    )
    make_user(api.merchant, "owner@shop.example")
    page = open_page(locale="de-DE")
    page.goto("/dashboard/login/")
    page.locator("input[type=email], input[name=username]").first.fill("owner@shop.example")
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("main button[type=submit], form button[type=submit]").first.click()
    page.goto("/dashboard/pos/")
    expect(page.get_by_role("heading", name="Kasse", exact=True)).to_be_visible()
    shot(page, "10-dashboard-list-de")
    page.get_by_role("link", name="Neue Kasse").click()
    expect(page.get_by_label("Trinkgeld in Prozent (optional)")).to_be_visible()
    shot(page, "11-dashboard-form-de")
    assert page.problems == []
