"""Test mode in a real Chromium: the checkout's TEST banner and the dashboard's "Test data"
switch, with screenshots at desktop and phone sizes in var/screenshots/security/."""

from __future__ import annotations

import pytest

from merchants.services import create_api_key, set_wallet
from tests.browser import screenshot
from tests.test_dashboard_browser import log_in, make_user
from tests.test_security_test_mode import BIP84_ZPUB, BODY, client_for, real_network  # noqa: F401

pytest_plugins = ["tests.browser"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


@pytest.fixture
def shop(make_merchant, real_network):  # noqa: F811
    client = make_merchant("Bean There Coffee", mode="live")
    set_wallet(merchant=client.merchant, family="bitcoin", xpub=BIP84_ZPUB)
    make_user(client.merchant, "owner@shop.example")
    return client


def test_checkout_banner_says_test_on_test_invoices_only(shop, open_page):
    test = client_for(shop.merchant, "test")
    test_invoice = test.post(
        "/api/v1/invoices", {**BODY, "description": "2 × Coffee beans"}, format="json"
    ).json()
    live_invoice = shop.post(
        "/api/v1/invoices", {**BODY, "description": "2 × Coffee beans"}, format="json"
    ).json()
    page = open_page()
    page.goto(f"/pay/{test_invoice['id']}")
    banner = page.locator(".test-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("TEST")
    expect(page.get_by_text("Sandbox (test network)").first).to_be_visible()
    screenshot(page, "security/01-checkout-test-banner")
    page.goto(f"/pay/{live_invoice['id']}")
    expect(page.locator(".test-banner")).to_have_count(0)
    expect(page.get_by_text("Sandbox (test network)")).to_have_count(0)
    screenshot(page, "security/02-checkout-live")
    assert not page.problems


def test_dashboard_switch_shows_test_then_live_data(shop, open_page):
    test = client_for(shop.merchant, "test")
    test.post("/api/v1/invoices", {**BODY, "foreign_id": "play-7"}, format="json")
    shop.post("/api/v1/invoices", {**BODY, "foreign_id": "order-1041"}, format="json")
    # A live key: the store starts on live data.
    create_api_key(merchant=shop.merchant, name="backend")
    page = open_page()
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/invoices/")
    switch = page.get_by_role("switch", name="Test data")
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.get_by_text("order-1041")).to_be_visible()
    expect(page.get_by_text("play-7")).to_have_count(0)
    screenshot(page, "security/03-dashboard-live")
    switch.click()
    expect(page).to_have_url(f"{page.url.split('/dashboard')[0]}/dashboard/invoices/")
    expect(page.get_by_role("switch", name="Test data")).to_have_attribute("aria-checked", "true")
    expect(page.locator(".test-strip")).to_be_visible()
    expect(page.get_by_text("play-7")).to_be_visible()
    expect(page.get_by_text("order-1041")).to_have_count(0)
    screenshot(page, "security/04-dashboard-test")
    page.goto("/dashboard/settings/api-keys/")
    screenshot(page, "security/05-api-keys")
    assert not page.problems
