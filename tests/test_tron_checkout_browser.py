"""A TRON invoice paid in the browser's checkout, in TRX and in USDT-TRC20: the page shows
the `T…` address, a QR code of the plain address (TRON wallets share no payment URI) with
the amount beside it, and follows the payment to completion as the test node mines."""

import re

import pytest

from tests.browser import decode_qr, screenshot
from tests.test_chain_litecoin import configure_chains
from tests.test_checkout_browser import next_poll
from tests.test_tron_backend import tron_config
from tests.test_tron_flows import DEPTH, Shop, confirm

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


@pytest.fixture
def shop(tron_node, make_merchant, settings, tmp_path):
    configure_chains(settings, tmp_path, tron_config(tron_node))
    tron_node.mine(3)
    shop = Shop(tron_node, make_merchant())
    shop.scan()
    return shop


@pytest.mark.parametrize(("asset", "amount"), [("USDT", "30.00"), ("TRX", "150.00")])
def test_tron_payment_in_the_checkout(shop, page, asset, amount):
    invoice = shop.invoice(asset, description="Order #2077 · 1 × Desk lamp")
    page.goto(f"/pay/{invoice['id']}")
    expect(page.locator("#title")).to_have_text("Send the payment")
    expect(page.locator("#pay-address")).to_have_text(invoice["address"])
    assert re.fullmatch(r"T[1-9A-HJ-NP-Za-km-z]{33}", invoice["address"])
    expect(page.locator("#pay-amount")).to_have_text(f"{amount} {asset}")
    expect(page.locator("#qr-amount")).to_contain_text(f"{amount} {asset}")
    expect(page.locator(".wallet-link")).to_have_count(0)
    assert decode_qr(page.locator("svg.qr").screenshot()) == invoice["address"]
    expect(page.locator(".network")).to_contain_text("Tron (local node)")
    screenshot(page, f"30-tron-{asset.lower()}")

    shop.pay(invoice)
    shop.node.mine()
    shop.scan()
    next_poll(page)
    expect(page.locator("[data-message]")).to_have_text(
        f"Payment seen — waiting for confirmations (1/{DEPTH})."
    )
    screenshot(page, f"31-tron-{asset.lower()}-seen")
    confirm(shop)
    next_poll(page)
    expect(page.locator("#title")).to_have_text("Payment complete")
    assert page.problems == []
