"""BTCPay's plugins against a live gateway in a real Chromium: the authorize flow (the key
arrives at the application's redirect, a local receiver) and the WooCommerce plugin's call
sequence from its key to a refund, with its webhook receiving BTCPay's events, paying on the
sandbox checkout. The authorize
and Connect pages are saved at desktop and phone sizes under var/screenshots/greenfield/."""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from merchants.models import MerchantUser
from tests.browser import screenshot
from tests.greenfield_contract import check
from tests.test_dashboard_browser import log_in, make_user
from tests.test_greenfield_webhooks import SCHEMAS

pytest_plugins = ["tests.browser", "tests.receiver"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

PLUGIN = [  # what BTCPay's WooCommerce plugin asks for
    "btcpay.store.canviewinvoices",
    "btcpay.store.cancreateinvoice",
    "btcpay.store.webhooks.canmodifywebhooks",
    "btcpay.store.canviewstoresettings",
    "btcpay.store.canmodifyinvoices",
]
# The events its webhook asks for (GreenfieldApiWebhook::WEBHOOK_EVENTS), with no secret.
PLUGIN_EVENTS = [
    "InvoiceReceivedPayment",
    "InvoiceProcessing",
    "InvoiceExpired",
    "InvoiceSettled",
    "InvoiceInvalid",
]


def authorize_url(redirect: str, permissions=PLUGIN) -> str:
    query = {
        "applicationName": "WooCommerce",
        "applicationIdentifier": "woocommerce",
        "permissions": permissions,
        "redirect": redirect,
        "strict": "true",
        "selectiveStores": "true",
    }
    return "/api-keys/authorize?" + urlencode(query, doseq=True)


def greenfield(live_server, key: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"token {key}"
    session.base = live_server.url
    return session


def test_the_owner_authorizes_and_the_redirect_receives_the_key(
    api, open_page, live_server, receiver, settings
):
    settings.CALLBACKS_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    make_user(api.merchant, "owner@shop.example")
    page = open_page()
    log_in(page, "owner@shop.example")
    page.goto(authorize_url(receiver.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("WooCommerce asks for an API key")
    expect(page.locator(".permissions li")).to_have_count(len(PLUGIN))
    screenshot(page, "greenfield/authorize")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(receiver.url)
    [arrived] = receiver.received
    form = parse_qs(arrived.body.decode())
    store = str(api.merchant.pk)
    assert form["permissions[]"] == [f"{p}:{store}" for p in PLUGIN]
    [key] = form["apiKey"]
    current = requests.get(
        f"{live_server.url}/api/v1/api-keys/current", headers={"Authorization": f"token {key}"}
    ).json()
    check("ApiKeyData", current)
    assert sorted(current["permissions"]) == sorted(form["permissions[]"])  # and no more
    assert not page.problems


def test_staff_cannot_approve_store_settings(api, open_page, receiver, settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    make_user(api.merchant, "staff@shop.example", MerchantUser.STAFF)
    page = open_page()
    log_in(page, "staff@shop.example")
    page.goto(authorize_url(receiver.url))
    expect(page.locator(".alert-error")).to_contain_text("btcpay.store.canviewstoresettings")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    screenshot(page, "greenfield/authorize-staff")
    assert receiver.received == []


def test_the_connect_page(api, open_page, live_server, settings):
    make_user(api.merchant, "owner@shop.example")
    page = open_page()
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/settings/connect/")
    expect(page.get_by_role("heading", name="What does not work")).to_be_visible()
    expect(page.locator("#gateway-url")).to_have_text(settings.PUBLIC_URL)
    screenshot(page, "greenfield/connect")
    assert not page.problems


def test_the_woocommerce_plugins_calls_from_its_key_to_a_refund(
    api, page, live_server, receiver, second_receiver, settings
):
    """current key → server info → stores → payment methods → create webhook → create
    invoice → pay at its checkoutLink → its webhooks, signed, in order → the invoice Settled
    with its payment → another one marked Invalid → refund the first, open its viewLink.
    A second webhook, made as BTCPay's PHP client makes one given no events (everything),
    hears of the invoice's making first."""
    settings.CALLBACKS_ALLOW_PRIVATE = True  # the shop's receiver listens on 127.0.0.1
    shop = greenfield(live_server, api.key)
    base = f"{live_server.url}/api/v1"

    def get(path, **params):
        response = shop.get(f"{base}{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(path, body):
        response = shop.post(f"{base}{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    current = get("/api-keys/current")
    store = current["permissions"][0].split(":")[1]  # as the plugin reads its store
    assert get("/server/info")["version"]
    assert store in [s["id"] for s in get("/stores")]
    assert "USDT-SANDBOX" in [m["paymentMethodId"] for m in get(f"/stores/{store}/payment-methods")]
    webhook = post(
        f"/stores/{store}/webhooks",
        {
            "url": receiver.url,
            "authorizedEvents": {"everything": False, "specificEvents": PLUGIN_EVENTS},
        },
    )
    check("WebhookDataCreateResult", webhook)
    everything = post(f"/stores/{store}/webhooks", {"url": second_receiver.url})
    assert everything["authorizedEvents"] == {"everything": True, "specificEvents": []}
    order = {
        "amount": "25.00",
        "currency": "USD",
        "metadata": {"orderId": "1001", "buyerEmail": "payer@example.com"},
        "checkout": {"redirectURL": "https://shop.example/order-received/1001"},
    }
    invoice = post(f"/stores/{store}/invoices", order)
    check("InvoiceData", invoice)

    page.goto(urlsplit(invoice["checkoutLink"]).path)
    page.get_by_role("button", name=re.compile(r"^USDT")).click()
    expect(page.locator("#title")).to_have_text("Send the payment")
    page.locator(".sandbox").get_by_role("button", name="Pay exactly").click()
    expect(page.locator("#title")).to_have_text("Confirming your payment")
    page.locator(".sandbox").get_by_role("button", name="Confirm (mine blocks)").click()
    expect(page.locator("#title")).to_have_text("Payment complete")

    for hook, sent in ((webhook, receiver), (everything, second_receiver)):
        for request in sent.received:  # as the plugin checks each one
            secret = hook["secret"].encode()
            expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest()
            assert request.headers["BTCPay-Sig"] == f"sha256={expected}"
            check(SCHEMAS[request.json()["type"]], request.json())
    assert [b["type"] for b in second_receiver.bodies()] == [
        "InvoiceCreated",
        "InvoiceReceivedPayment",
        "InvoiceProcessing",
        "InvoicePaymentSettled",
        "InvoiceSettled",
    ]
    assert {b["invoiceId"] for b in second_receiver.bodies()} == {invoice["id"]}
    bodies = receiver.bodies()
    assert {(b["invoiceId"], b["webhookId"], b["metadata"]["orderId"]) for b in bodies} == {
        (invoice["id"], webhook["id"], "1001")
    }
    assert [b["type"] for b in bodies] == [
        "InvoiceReceivedPayment",
        "InvoiceProcessing",
        "InvoiceSettled",
    ]

    settled = get(f"/stores/{store}/invoices/{invoice['id']}")
    check("InvoiceData", settled)
    assert (settled["status"], settled["additionalStatus"]) == ("Settled", "None")
    [method] = get(f"/stores/{store}/invoices/{invoice['id']}/payment-methods")
    check("InvoicePaymentMethodDataModel", method)
    assert [p["status"] for p in method["payments"]] == ["Settled"]
    assert get(f"/stores/{store}/invoices", orderId="1001")[0]["id"] == invoice["id"]

    other = post(f"/stores/{store}/invoices", {**order, "metadata": {"orderId": "1002"}})
    marked = post(f"/stores/{store}/invoices/{other['id']}/status", {"status": "Invalid"})
    check("InvoiceData", marked)
    assert (marked["status"], marked["additionalStatus"]) == ("Invalid", "Marked")
    assert receiver.bodies()[-1]["type"] == "InvoiceInvalid"

    refund = post(  # as the plugin refunds an order: an amount in the order's currency
        f"/stores/{store}/invoices/{invoice['id']}/refund",
        {
            "refundVariant": "Custom",
            "customAmount": "25.00",
            "customCurrency": "USD",
            "paymentMethod": method["paymentMethodId"],
            "name": "Refund order 1001",
            "description": "Order 1001 refunded",
        },
    )
    check("PullPaymentData", refund)
    assert (refund["amount"], refund["currency"]) == ("25.000000", "USDT")
    page.goto(urlsplit(refund["viewLink"]).path + "#" + urlsplit(refund["viewLink"]).fragment)
    expect(page.locator("#title")).to_have_text("Claim your refund")
    expect(page.locator(".price")).to_have_text("25.00 USDT")
    assert not page.problems
