"""Monero in Chromium: the checkout shows the invoice's subaddress, the note about exchanges
and subaddresses, and a QR code holding the monero: URI; the dashboard's wallet form takes
the address and view key (screenshots: `make screenshots`)."""

from __future__ import annotations

from bip_utils import Monero

from merchants.models import Wallet
from tests.browser import decode_qr, screenshot
from tests.test_dashboard_browser import PASSWORD, expect, log_in, make_user, shot

WALLET = Monero.FromPrivateSpendKey(bytes.fromhex("03" + "00" * 31))
ADDRESS = str(WALLET.PrimaryAddress())
VIEW_KEY = WALLET.PrivateViewKey().Raw().ToHex()


def monero_on(settings, tmp_path) -> None:
    path = tmp_path / "chains.toml"
    path.write_text(
        '[networks.monero-regtest]\nrpc_url = "http://127.0.0.1:9"\n'
        'daemon_url = "http://127.0.0.1:9"\n'
    )
    settings.CHAINS_CONFIG = str(path)


def test_the_checkout_shows_the_subaddress_its_note_and_the_monero_uri(
    make_merchant, settings, tmp_path, page
):
    monero_on(settings, tmp_path)
    api = make_merchant()
    api.put("/api/v1/wallets/monero", {"address": ADDRESS, "view_key": VIEW_KEY}, format="json")
    invoice = api.post(
        "/api/v1/invoices",
        {
            "price_amount": "48.00",
            "price_currency": "USD",
            "pay_currency": "XMR",
            "network": "monero-regtest",
            "description": "Order #1042",
        },
        format="json",
    ).json()
    page.goto(f"/pay/{invoice['id']}")
    expect(page.locator("#pay-address")).to_have_text(str(WALLET.Subaddress(1)))
    expect(page.locator("#pay-amount")).to_have_text("0.30 XMR")
    expect(page.locator("#subaddress-note")).to_contain_text("Some exchanges cannot withdraw")
    assert decode_qr(page.locator("svg.qr").screenshot()) == invoice["payment_uri"]
    assert invoice["payment_uri"] == (
        f"monero:{invoice['address']}?tx_amount=0.3&tx_description=Order%20%231042"
    )
    screenshot(page, "checkout/monero-pay")
    assert page.problems == []


def test_the_dashboard_wallet_form_takes_the_address_and_view_key(
    make_merchant, settings, tmp_path, page
):
    monero_on(settings, tmp_path)
    api = make_merchant()
    make_user(api.merchant, "owner@shop.example")
    log_in(page, "owner@shop.example", PASSWORD)
    page.goto("/dashboard/settings/wallets/monero/")
    other = Monero.FromPrivateSpendKey(bytes.fromhex("04" + "00" * 31)).PrivateViewKey()
    page.get_by_label("Primary address").fill(ADDRESS)
    page.get_by_label("Private view key").fill(other.Raw().ToHex())
    page.get_by_role("button", name="Check and save").click()
    expect(page.locator(".field-error")).to_contain_text("does not belong to this address")
    shot(page, "34-settings-monero-wallet-refused")
    page.get_by_label("Primary address").fill(ADDRESS)
    page.get_by_label("Private view key").fill(VIEW_KEY)
    page.get_by_role("button", name="Check and save").click()
    expect(page.locator(".alert-success")).to_contain_text("Monero wallet saved")
    expect(page.locator("#wallet-monero ~ * .addresses li, .addresses li").first).to_be_visible()
    assert str(WALLET.Subaddress(1)) in page.content() and VIEW_KEY not in page.content()
    shot(page, "35-settings-wallets-monero")
    assert Wallet.objects.get(merchant=api.merchant, family="monero").view_key() == VIEW_KEY
    assert page.problems == []
