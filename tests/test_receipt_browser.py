"""The payer's receipt: the paid checkout lists merchant, order, price, paid amount and asset,
rate, transaction (with its explorer link) and time, and prints — or saves as PDF — as that
receipt alone. Chromium prints it (`page.pdf`), poppler turns the PDF into a PNG and its
text, which are read here (and the PNG saved under var/screenshots/receipt/ to look at)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.browser import SCREENSHOTS
from tests.support import unavailable
from tests.test_checkout_browser import fetch, sandbox_pay

pytest_plugins = ["tests.browser"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


@pytest.fixture
def poppler():
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        unavailable("no pdftoppm/pdftotext: run scripts/install-browser.sh (poppler-utils)")


def paid_invoice(api, create_invoice) -> dict:
    api.merchant.name = "Bean There Coffee"
    api.merchant.save(update_fields=["name"])
    invoice = create_invoice(
        price_amount="12.34",
        price_currency="EUR",
        pay_currency="USDT",
        network="sandbox",
        description="2 × Espresso, 1 × Croissant",
    )
    sandbox_pay(api, invoice["id"])
    return fetch(api, invoice["id"])


@pytest.mark.parametrize("language", ["en-US", "de-DE"])
def test_the_receipt_prints_to_a_pdf_of_the_receipt_alone(
    api, create_invoice, open_page, poppler, tmp_path, language
):
    invoice = paid_invoice(api, create_invoice)
    txid = invoice["transactions"][0]["txid"]
    page = open_page(locale=language)
    page.goto(f"/pay/{invoice['id']}")
    receipt = page.locator(".receipt")
    english = language == "en-US"
    expect(receipt).to_contain_text("Bean There Coffee")
    expect(receipt).to_contain_text("2 × Espresso, 1 × Croissant")
    expect(receipt).to_contain_text("12.34 EUR" if english else "12,34 EUR")
    expect(receipt).to_contain_text("Rate" if english else "Kurs")
    expect(page.locator(".tx-id")).to_contain_text(txid[:16])
    expect(page.locator("[data-print]")).to_have_text(
        "Print the receipt or save it as PDF" if english else "Beleg drucken oder als PDF speichern"
    )
    assert page.problems == []

    pdf = tmp_path / "receipt.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A5", print_background=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", pdf, tmp_path / "receipt"], check=True
    )
    text = subprocess.run(
        ["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True, text=True
    ).stdout
    png = (tmp_path / "receipt.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    flat = " ".join(text.split())
    for expected in ("Bean There Coffee", "2 × Espresso, 1 × Croissant", "EUR", "USDT", txid[:12]):
        assert expected in flat, (expected, flat)
    # The receipt alone: none of the page's controls is printed.
    for control in ("Pay exactly", "Language", "Print the receipt", "Sprache", "Beleg drucken"):
        assert control not in flat, control
    if english:
        assert "Rate 1 USDT =" in flat and "Paid" in flat
    if SCREENSHOTS.parent.exists():
        folder = SCREENSHOTS / "receipt"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "receipt.png", folder / f"receipt-{language}.png")
