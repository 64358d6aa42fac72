"""A merchant with no code gets paid, in a real Chromium against a live server: an invoice
made in the dashboard and paid on the sandbox; a payment link where the payer chooses 12.34
USD, opened in a fresh browser, paid, and seen under the link — reloads make no second
invoice, a deactivated link sells nothing; the German dashboard and checkout. Every new
page is saved at desktop and phone sizes under var/screenshots/links/."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from invoices.models import Invoice
from links.models import LinkInvoice, PaymentLink
from tests.browser import screenshot
from tests.test_dashboard_browser import log_in, make_user

pytest_plugins = ["tests.browser"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


def shot(page, name: str) -> None:
    screenshot(page, f"links/{name}")


@pytest.fixture
def owner(api, page):
    api.merchant.name = "Bean There Coffee"
    api.merchant.save(update_fields=["name"])
    make_user(api.merchant, "owner@shop.example")
    log_in(page, "owner@shop.example")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    return page


def pay_on_the_sandbox(page) -> None:
    """Pick USDT on the checkout, then the test panel pays and mines the blocks."""
    page.get_by_role("button", name=re.compile(r"^USDT")).click()
    expect(page.locator("#title")).to_have_text("Send the payment")
    page.locator(".sandbox").get_by_role("button", name="Pay exactly").click()
    expect(page.locator("[data-message]")).to_contain_text("confirmations")
    page.locator(".sandbox").get_by_role("button", name="Confirm (mine blocks)").click()
    expect(page.locator("#title")).to_have_text("Payment complete")


def test_an_invoice_made_in_the_dashboard_is_paid_on_the_sandbox(owner, open_page):
    page = owner
    page.goto("/dashboard/invoices/")
    page.get_by_role("link", name="New invoice").click()
    shot(page, "01-new-invoice")
    page.get_by_label("Price").fill("25.00")
    page.get_by_label("Currency", exact=True).select_option("EUR")
    page.get_by_label("Description").fill("Espresso beans, 1 kg")
    page.get_by_label("Customer e-mail").fill("buyer@example.com")
    page.get_by_label("Return URL (optional)").fill("https://evil.example/back")
    page.get_by_role("button", name="Create the invoice").click()
    expect(page.locator(".field-error")).to_have_text(
        "evil.example is not one of the merchant's allowed return hosts"
    )
    assert not Invoice.objects.exists()
    shot(page, "02-new-invoice-refused")
    page.get_by_label("Return URL (optional)").fill("")
    page.get_by_role("button", name="Create the invoice").click()

    expect(page.get_by_role("heading", name="Send it to your customer")).to_be_visible()
    invoice = Invoice.objects.get()
    link = page.locator("#payment-link").inner_text()
    assert link.endswith(f"/pay/{invoice.pk}")
    expect(page.locator(".qr-card svg.qr")).to_be_visible()
    page.get_by_role("button", name="E-mail the link").click()
    expect(page.locator(".alert-success")).to_contain_text("buyer@example.com")
    shot(page, "03-invoice-share")

    payer = open_page()
    payer.goto(link.removeprefix(link.split("/pay/")[0]))
    expect(payer.locator(".price")).to_have_text("25.00 EUR")
    pay_on_the_sandbox(payer)
    invoice.refresh_from_db()
    assert invoice.status == "completed"
    page.goto(f"/dashboard/invoices/{invoice.pk}/")
    expect(page.locator("h1 .status")).to_have_text("Completed")
    expect(page.locator(".tx-state")).to_contain_text("Confirmed")
    # Confirmed: the count alone, not "5 of 2" (issue 26).
    expect(page.locator(".tx-state")).to_have_text(re.compile(r"^Confirmed · \d+ confirmations$"))
    assert page.problems == [] and payer.problems == []


def picture(folder) -> str:
    """A real PNG, as a merchant's photo would be."""
    from PIL import Image, ImageDraw

    path = folder / "beans.png"
    image = Image.new("RGB", (800, 360), (111, 78, 55))
    ImageDraw.Draw(image).ellipse((300, 80, 500, 280), fill=(230, 200, 160))
    image.save(path)
    return str(path)


def test_a_payment_link_with_a_chosen_amount(owner, open_page, live_server, tmp_path):
    page = owner
    page.get_by_role("link", name="Payment links").click()
    expect(page.locator(".empty")).to_contain_text("No payment links yet")
    shot(page, "04-links-empty")
    page.get_by_role("link", name="New payment link").click()
    page.get_by_label("Name").fill("Tip jar")
    page.get_by_label("Description").fill("Thank you for the coffee!")
    page.get_by_label("Currency", exact=True).select_option("USD")
    page.get_by_label("The payer chooses the amount").check()
    page.get_by_label("Minimum amount").fill("1")
    page.get_by_label("Maximum amount").fill("0.50")
    page.get_by_role("button", name="Create the link").click()
    expect(page.locator(".field-error")).to_have_text("The maximum is below the minimum.")
    shot(page, "05-link-form-refused")
    page.get_by_label("Maximum amount").fill("500")
    page.get_by_label("Image (optional)").set_input_files(picture(tmp_path))  # chosen again
    page.get_by_role("button", name="Create the link").click()

    expect(page.get_by_role("heading", name=re.compile("Tip jar"))).to_be_visible()
    link = PaymentLink.objects.get()
    public = page.locator("#link-url").inner_text()
    assert public == f"http://127.0.0.1:8000/l/{link.slug}"
    expect(page.locator(".qr-card svg.qr")).to_be_visible()
    shot(page, "06-link-detail-new")

    payer = open_page()
    payer.goto(f"/l/{link.slug}")
    expect(payer.get_by_role("heading", name="Tip jar")).to_be_visible()
    expect(payer.locator("img.link-image")).to_have_js_property("naturalWidth", 800)
    expect(payer.locator(".hint").first).to_have_text("Between 1.00 and 500.00.")
    shot(payer, "07-public-link")
    payer.get_by_label("Amount (USD)").fill("0.99")
    payer.get_by_role("button", name="Continue to payment").click()
    expect(payer.locator(".field-error")).to_have_text("The amount must be at least 1.00 USD.")
    assert not Invoice.objects.exists()
    shot(payer, "08-public-link-refused")
    payer.get_by_label("Amount (USD)").fill("12.34")
    payer.get_by_role("button", name="Continue to payment").click()
    expect(payer.locator("#title")).to_have_text("Choose a currency")
    expect(payer.locator(".price")).to_have_text("12.34 USD")
    checkout = payer.url
    payer.reload()  # the checkout again: nothing new
    payer.goto(f"/l/{link.slug}")  # the link page again…
    payer.reload()
    payer.get_by_label("Amount (USD)").fill("12.34")
    payer.get_by_role("button", name="Continue to payment").click()  # …confirmed again
    assert payer.url == checkout
    assert Invoice.objects.count() == 1
    pay_on_the_sandbox(payer)

    page.reload()
    expect(page.locator("#link-invoices .item-row")).to_have_count(1)
    expect(page.locator("#link-invoices")).to_contain_text("Completed")
    expect(page.locator("#completed-volume")).to_have_text("12.34 USD")
    shot(page, "09-link-detail-paid")
    page.goto("/dashboard/links/")
    expect(page.locator(".item-row")).to_contain_text("Tip jar")
    expect(page.locator(".item-row")).to_contain_text("1.00 to 500.00 USD, payer's choice")
    shot(page, "10-links")
    assert LinkInvoice.objects.filter(link=link).count() == 1
    assert page.problems == [] and payer.problems == []


def test_a_deactivated_link_shows_its_page_and_creates_nothing(api, owner, open_page):
    page = owner
    link = PaymentLink.objects.create(
        merchant=api.merchant,
        name="Workshop ticket",
        description="Saturday, 10:00",
        price_currency="EUR",
        price_amount=2500,
    )
    payer = open_page()
    payer.goto(f"/l/{link.slug}")
    expect(payer.locator(".price")).to_have_text("25.00 EUR")

    page.goto(f"/dashboard/links/{link.pk}/")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".alert-success")).to_contain_text("deactivated")
    expect(page.locator("h1 .status")).to_have_text("Deactivated")
    page.get_by_role("link", name="Edit").click()
    shot(page, "11-link-edit")

    payer.get_by_role("button", name="Continue to payment").click()  # the page was open
    expect(payer.locator(".alert-error")).to_have_text(
        "This payment link has been deactivated by the merchant."
    )
    payer.goto(f"/l/{link.slug}")
    expect(payer.get_by_role("heading", name="Workshop ticket")).to_be_visible()
    expect(payer.get_by_role("button", name="Continue to payment")).to_have_count(0)
    shot(payer, "12-public-link-deactivated")
    assert not Invoice.objects.exists()


def test_german_dashboard_and_checkout(api, owner, open_page, create_invoice):
    page = owner
    invoice = create_invoice(
        price_amount="25.00", price_currency="EUR", description="Espressobohnen"
    )
    page.goto("/dashboard/account/preferences/")
    shot(page, "13-preferences")
    page.get_by_label("Dashboard language").select_option("de")
    page.get_by_label("A payer claimed a refund").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_have_text("Ihre Auswahl ist gespeichert.")
    page.get_by_role("link", name="Rechnungen").click()
    row = page.locator(".invoice-row")
    expect(row).to_contain_text("25,00 EUR")
    expect(row).to_contain_text("Neu")
    shot(page, "14-invoices-de")
    page.get_by_role("link", name="Neue Rechnung").click()
    expect(page.get_by_label("Preis")).to_be_visible()
    shot(page, "15-new-invoice-de")
    page.goto("/dashboard/links/")
    shot(page, "16-links-de")

    payer = open_page(locale="de-DE")
    payer.goto(f"/pay/{invoice['id']}")
    expect(payer.locator(".price")).to_have_text("25,00 EUR")
    expect(payer.locator("#title")).to_have_text("Währung wählen")
    shot(payer, "17-checkout-de")
    assert page.problems == [] and payer.problems == []


def test_notification_e_mails_read_well(api, page, create_invoice):
    """The HTML part of a team notification and of a payment request, drawn by Chromium."""
    from django.core import mail

    from tests.test_notifications import pay
    from webhooks import notifications

    api.merchant.name = "Bean There Coffee"
    api.merchant.save(update_fields=["name"])
    make_user(api.merchant, "owner@shop.example")
    invoice = create_invoice(
        pay_currency="USDT",
        network="sandbox",
        foreign_id="order-1043",
        customer_email="buyer@example.com",
        description="Espresso beans",
    )
    pay(api, invoice["id"])
    notifications.request_payment(Invoice.objects.get(pk=invoice["id"]), "buyer@example.com", "en")
    notifications.send_due()
    by_subject = {message.subject: message for message in mail.outbox}
    completed = by_subject["[Bean There Coffee] Payment completed: order-1043"]
    request = by_subject["Payment request from Bean There Coffee"]
    for name, message in (
        ("18-email-payment-completed", completed),
        ("19-email-payment-request", request),
    ):
        page.set_content(message.alternatives[0][0])
        expect(page.get_by_role("link")).to_have_count(1)
        shot(page, name)


def test_the_link_form_shows_the_chosen_pricings_fields_and_the_browsers_zone(api, open_page):
    """Only the fields of the chosen pricing; the end date in the browser's zone, named."""
    make_user(api.merchant, "owner@shop.example")
    page = open_page(timezone_id="Europe/Berlin")
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/links/new/")
    expect(page.locator("#id_price_amount")).to_be_visible()
    expect(page.locator("#id_amount_min")).to_be_hidden()
    expect(page.locator("#id_ends_at ~ .hint")).to_have_text("In your time zone, Europe/Berlin.")
    shot(page, "link-form-fixed")
    page.get_by_label("The payer chooses the amount").check()
    expect(page.locator("#id_price_amount")).to_be_hidden()
    expect(page.locator("#id_amount_min")).to_be_visible()
    shot(page, "link-form-choose")
    page.get_by_label("Name").fill("Workshop")
    page.get_by_label("Currency", exact=True).select_option("USD")
    page.get_by_label("Ends at (optional)").fill("2027-03-01T12:00")
    page.get_by_role("button", name="Create the link").click()
    expect(page.get_by_role("heading", name=re.compile("Workshop"))).to_be_visible()
    link = PaymentLink.objects.get()
    assert link.ends_at.isoformat() == "2027-03-01T11:00:00+00:00"
    page.goto(f"/dashboard/links/{link.pk}/edit/")
    expect(page.get_by_label("Ends at (optional)")).to_have_value("2027-03-01T12:00")


@pytest.mark.parametrize("language", ["en-US", "de-DE"])
def test_the_pages_issue_26_changed(api, open_page, create_invoice, language):
    """An underpaid test checkout, its refund claim, a test link's page and the dashboard's
    invoice page, each as a payer or owner reads them (saved for people to look at)."""
    german = language == "de-DE"
    api.merchant.slippage_percent = "0.5"
    api.merchant.save(update_fields=["slippage_percent"])
    make_user(api.merchant, "owner@shop.example")
    invoice = create_invoice(pay_currency="USDT", network="sandbox", price_amount="25.00")
    api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay",
        {"confirm": True, "amount": "10.25"},
        format="json",
    )
    payer = open_page(locale=language)
    payer.goto(f"/pay/{invoice['id']}")
    expect(payer.locator("dl.summary")).to_contain_text("10,25" if german else "10.25")
    expect(payer.locator(".test-banner")).to_be_visible()
    shot(payer, f"issue26-underpaid-{language}")
    Invoice.objects.filter(pk=invoice["id"]).update(expires_at=timezone.now())
    payer.reload()
    expect(payer.locator(".sandbox")).to_have_count(0)
    shot(payer, f"issue26-expired-{language}")
    refund = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    ).json()
    payer.goto("/refund/#" + refund["claim_url"].rsplit("#", 1)[1])
    expect(payer.locator("#address-example")).to_contain_text("sbx1q")
    expect(payer.locator(".test-banner")).to_be_visible()
    shot(payer, f"issue26-refund-claim-{language}")
    link = PaymentLink.objects.create(
        merchant=api.merchant, livemode=False, name="Tip jar", price_currency="USD"
    )
    payer.goto(f"/l/{link.slug}")
    expect(payer.locator(".test-banner")).to_be_visible()
    shot(payer, f"issue26-link-{language}")
    owner = open_page(locale=language)
    owner.goto("/dashboard/login/")
    owner.fill("input[name=username]", "owner@shop.example")
    owner.fill("input[name=password]", "correct horse battery staple")
    owner.click("button[type=submit]")
    owner.wait_for_url("**/dashboard/")
    if not owner.locator(".test-strip").count():  # a store with a live key starts live
        owner.locator(".mode-switch").click()
    expect(owner.locator(".test-strip")).to_contain_text(
        "Sie sehen Testrechnungen" if german else "You are looking at test invoices"
    )
    owner.goto(f"/dashboard/invoices/{invoice['id']}/")
    expect(owner.locator("main")).to_contain_text("± 0,5 %" if german else "± 0.5 %")
    shot(owner, f"issue26-invoice-{language}")
    assert payer.problems == [] and owner.problems == []
