"""The Greenfield layer through HTTP, as BTCPay's WooCommerce plugin calls it (its client
library sends `Authorization: token <key>`), every answer checked against BTCPay's own
documents (tests/greenfield_contract.py)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from invoices.models import Invoice
from invoices.services import payer
from tests.greenfield_contract import check
from tests.test_flows import pay


@pytest.fixture
def shop(api):
    """The API client of a merchant, and a Greenfield client with the same key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {api.key}")
    client.store = f"/api/v1/stores/{api.merchant.pk}"
    return client


def create(shop, **body):
    body = {
        "amount": "100.00",
        "currency": "USD",
        "metadata": {"orderId": "wc-42", "buyerEmail": "payer@example.com"},
        "checkout": {
            "paymentMethods": ["USDT-SANDBOX"],
            "redirectURL": "https://shop.example/thanks",
            "speedPolicy": "MediumSpeed",
            "paymentTolerance": 1,
        },
        **body,
    }
    response = shop.post(f"{shop.store}/invoices", body, format="json")
    assert response.status_code == 200, response.json()
    check("InvoiceData", response.json())
    return response.json()


def test_the_plugins_first_calls_describe_key_server_and_store(api, shop):
    key = shop.get("/api/v1/api-keys/current")
    assert key.status_code == 200
    check("ApiKeyData", key.json())
    store_id = str(api.merchant.pk)
    assert f"btcpay.store.cancreateinvoice:{store_id}" in key.json()["permissions"]
    assert api.key not in str(key.json())  # the secret is never echoed

    info = shop.get("/api/v1/server/info").json()
    check("ApplicationServerInfoData", info)
    assert tuple(map(int, info["version"].split("."))) >= (1, 7, 6)

    stores = shop.get("/api/v1/stores").json()
    check("StoreDataList", stores)
    assert [s["id"] for s in stores] == [store_id]
    store = shop.get(shop.store).json()
    check("StoreData", store)
    assert (store["invoiceExpiration"], store["paymentTolerance"]) == (15 * 60, 0.5)

    methods = shop.get(f"{shop.store}/payment-methods").json()
    for method in methods:
        check("GenericPaymentMethodData", method)
    assert "USDT-SANDBOX" in {m["paymentMethodId"] for m in methods}


def test_another_store_is_not_found_in_greenfields_shape(shop, make_merchant):
    other = make_merchant(name="Other")
    response = shop.get(f"/api/v1/stores/{other.merchant.pk}")
    assert response.status_code == 404
    check("ProblemDetails", response.json())
    assert set(response.json()) == {"code", "message"}


def test_a_bad_key_is_refused_in_greenfields_shape(db, client):
    response = client.get("/api/v1/stores", HTTP_AUTHORIZATION="token cg_test_nope.nope")
    assert response.status_code == 401
    check("ProblemDetails", response.json())


def test_a_greenfield_invoice_is_our_invoice(api, shop):
    invoice = create(shop)
    assert invoice["storeId"] == str(api.merchant.pk)
    assert (invoice["status"], invoice["additionalStatus"]) == ("New", "None")
    assert invoice["amount"] == "100.00" and invoice["metadata"]["orderId"] == "wc-42"
    assert invoice["checkoutLink"].endswith(f"/pay/{invoice['id']}")
    ours = api.get(f"/api/v1/invoices/{invoice['id']}").json()
    assert ours["customer_email"] == "payer@example.com"
    assert ours["return_url"] == "https://shop.example/thanks"
    assert Decimal(ours["slippage_percent"]) == 1
    assert ours["metadata"]["orderId"] == "wc-42"
    assert shop.get(f"{shop.store}/invoices/{invoice['id']}").json()["id"] == ours["id"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"amount": 10.5}, "amount"),  # a JSON float is inexact
        ({"amount": "-1"}, "amount"),
        ({"amount": None}, "amount"),  # top-up invoices
        ({"currency": "XXX"}, "currency"),
        ({"checkout": {"redirectURL": "https://evil.example/"}}, "checkout.redirectURL"),
        ({"checkout": {"paymentMethods": ["BTC-LN"]}}, "checkout.paymentMethods"),
        ({"checkout": {"paymentTolerance": 101}}, "checkout.paymentTolerance"),
        ({"metadata": {"buyerEmail": "not an email"}}, "metadata.buyerEmail"),
    ],
)
def test_bad_invoice_requests_are_422_with_greenfield_paths(shop, body, path):
    body = {"amount": "5.00", "currency": "USD", **body}
    before = Invoice.objects.count()
    response = shop.post(f"{shop.store}/invoices", body, format="json")
    assert response.status_code == 422, response.json()
    check("ValidationProblemDetails", response.json())
    assert path in [problem["path"] for problem in response.json()]
    assert Invoice.objects.count() == before


def test_paid_invoice_settles_and_lists_its_payment(api, shop):
    invoice = create(shop)
    # The payer picks USDT on the sandbox at checkout (its page's service), then pays.
    payer.select_currency(
        invoice_id=invoice["id"], asset_code="USDT", network_code="sandbox", actor="payer"
    )
    pay(api, invoice)
    settled = shop.get(f"{shop.store}/invoices/{invoice['id']}").json()
    check("InvoiceData", settled)
    assert (settled["status"], settled["additionalStatus"]) == ("Settled", "None")
    assert settled["paidAmount"] == "100.00"
    methods = shop.get(f"{shop.store}/invoices/{invoice['id']}/payment-methods").json()
    for method in methods:
        check("InvoicePaymentMethodDataModel", method)
    [method] = methods
    assert method["paymentMethodId"] == "USDT-SANDBOX"
    [payment] = method["payments"]
    assert payment["status"] == "Settled" and payment["value"] == method["amount"]

    listed = shop.get(f"{shop.store}/invoices", {"status": "Settled"}).json()
    check("InvoiceDataList", listed)
    assert [i["id"] for i in listed] == [invoice["id"]]
    assert (
        shop.get(f"{shop.store}/invoices", {"orderId": "wc-42"}).json()[0]["id"] == (invoice["id"])
    )
    assert shop.get(f"{shop.store}/invoices", {"orderId": "wc-43"}).json() == []
    assert shop.get(f"{shop.store}/invoices", {"status": "New"}).json() == []


def test_marking_invalid_cancels_and_says_marked(shop):
    invoice = create(shop)
    response = shop.post(
        f"{shop.store}/invoices/{invoice['id']}/status", {"status": "Invalid"}, format="json"
    )
    assert response.status_code == 200, response.json()
    check("InvoiceData", response.json())
    assert (response.json()["status"], response.json()["additionalStatus"]) == (
        "Invalid",
        "Marked",
    )
    assert Invoice.objects.get(pk=invoice["id"]).status == "cancelled"


def test_marking_settled_what_our_rules_refuse_is_an_error_not_a_change(shop):
    invoice = create(shop)
    response = shop.post(
        f"{shop.store}/invoices/{invoice['id']}/status", {"status": "Settled"}, format="json"
    )
    assert response.status_code == 409, response.json()
    check("ProblemDetails", response.json())
    assert Invoice.objects.get(pk=invoice["id"]).status == "new"


def test_one_key_works_in_both_apis_with_either_keyword(api, shop):
    invoice = create(shop)
    bearer, token = APIClient(), APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {api.key}")
    token.credentials(HTTP_AUTHORIZATION=f"token {api.key}")
    assert token.get(f"/api/v1/invoices/{invoice['id']}").status_code == 200
    assert bearer.get(f"{shop.store}/invoices/{invoice['id']}").status_code == 200
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Basic {api.key}")
    assert other.get(f"/api/v1/invoices/{invoice['id']}").status_code == 401


def test_refunding_the_excess_answers_a_pull_payment_whose_view_link_is_the_claim(api, shop):
    invoice = create(shop)
    payer.select_currency(
        invoice_id=invoice["id"], asset_code="USDT", network_code="sandbox", actor="payer"
    )
    due = api.get(f"/api/v1/invoices/{invoice['id']}").json()["pay_amount"]
    pay(api, invoice, amount=str(Decimal(due) + 5))
    overpaid = shop.get(f"{shop.store}/invoices/{invoice['id']}").json()
    assert (overpaid["status"], overpaid["additionalStatus"]) == ("Settled", "PaidOver")
    response = shop.post(
        f"{shop.store}/invoices/{invoice['id']}/refund",
        {"refundVariant": "OverpaidAmount"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    check("PullPaymentData", response.json())
    [refund] = api.get(f"/api/v1/invoices/{invoice['id']}").json()["refunds"]
    assert response.json()["viewLink"] == refund["claim_url"]
    assert response.json()["amount"] == refund["amount"] == "5.000000"


def overpaid(api, shop, extra=5):
    """An invoice paid `extra` USDT beyond its 100 USD (the sandbox's rate is 1)."""
    invoice = create(shop)
    payer.select_currency(
        invoice_id=invoice["id"], asset_code="USDT", network_code="sandbox", actor="payer"
    )
    due = api.get(f"/api/v1/invoices/{invoice['id']}").json()["pay_amount"]
    pay(api, invoice, amount=str(Decimal(due) + extra))
    return invoice


@pytest.mark.parametrize(
    "body, amount",
    [
        ({"refundVariant": "RateThen"}, "100.000000"),
        ({"refundVariant": "Fiat", "subtractPercentage": "10"}, "90.000000"),
        ({"refundVariant": "OverpaidAmount", "subtractPercentage": "50"}, "2.500000"),
        (
            {"refundVariant": "Custom", "customAmount": "12.34", "customCurrency": "USD"},
            "12.340000",
        ),
        (
            {
                "refundVariant": "Custom",
                "customAmount": "3.5",
                "customCurrency": "USDT",
                "paymentMethod": "USDT-SANDBOX",
            },
            "3.500000",
        ),
    ],
)
def test_each_refund_variant_makes_our_refund_of_what_it_means(api, shop, body, amount):
    invoice = overpaid(api, shop)
    response = shop.post(f"{shop.store}/invoices/{invoice['id']}/refund", body, format="json")
    assert response.status_code == 200, response.json()
    check("PullPaymentData", response.json())
    [refund] = api.get(f"/api/v1/invoices/{invoice['id']}").json()["refunds"]
    assert (refund["amount"], refund["asset"]) == (amount, "USDT")
    assert response.json()["viewLink"] == refund["claim_url"]


@pytest.mark.parametrize(
    "body, path",
    [
        ({"refundVariant": "CurrentRate"}, "refundVariant"),
        ({"refundVariant": "Custom"}, "customAmount"),
        (
            {"refundVariant": "Custom", "customAmount": "1", "customCurrency": "EUR"},
            "customCurrency",
        ),
        ({"refundVariant": "RateThen", "paymentMethod": "BTC-CHAIN"}, "paymentMethod"),
    ],
)
def test_refunds_that_do_not_map_are_refused_and_make_nothing(api, shop, body, path):
    invoice = overpaid(api, shop)
    response = shop.post(f"{shop.store}/invoices/{invoice['id']}/refund", body, format="json")
    assert response.status_code == 422, response.json()
    check("ValidationProblemDetails", response.json())
    assert [p["path"] for p in response.json()] == [path]
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["refunds"] == []


def test_a_refund_beyond_what_was_received_is_refused(api, shop):
    invoice = overpaid(api, shop)
    response = shop.post(
        f"{shop.store}/invoices/{invoice['id']}/refund",
        {"refundVariant": "Custom", "customAmount": "106", "customCurrency": "USDT"},
        format="json",
    )
    assert response.status_code == 409, response.json()
    check("ProblemDetails", response.json())
    assert response.json()["code"] == "refund_too_large"
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["refunds"] == []


def test_refunding_a_new_invoice_is_refused_in_greenfields_shape(shop):
    invoice = create(shop)
    response = shop.post(
        f"{shop.store}/invoices/{invoice['id']}/refund", {"refundVariant": "Custom"}, format="json"
    )
    assert response.status_code == 422
    check("ValidationProblemDetails", response.json())
    response = shop.post(
        f"{shop.store}/invoices/{invoice['id']}/refund",
        {"refundVariant": "RateThen"},
        format="json",
    )
    assert response.status_code == 409
    check("ProblemDetails", response.json())


def test_the_invoice_list_filters_as_the_plugin_asks(shop):
    first = create(shop)
    second = create(shop, metadata={"orderId": "wc-43", "buyerEmail": "b@example.com"})
    listed = shop.get(f"{shop.store}/invoices").json()
    check("InvoiceDataList", listed)
    assert [i["id"] for i in listed] == [second["id"], first["id"]]  # newest first
    assert [i["id"] for i in shop.get(f"{shop.store}/invoices", {"skip": 1}).json()] == [
        first["id"]
    ]
    assert len(shop.get(f"{shop.store}/invoices", {"take": 1}).json()) == 1
    extra = shop.get(f"{shop.store}/invoices", {"includePaymentMethods": "true"})
    assert len(extra.json()) == 2  # BTCPay's parameters this layer does not use are ignored
    found = shop.get(f"{shop.store}/invoices", {"textSearch": "b@example"}).json()
    assert [i["id"] for i in found] == [second["id"]]
    created = first["createdTime"]
    assert len(shop.get(f"{shop.store}/invoices", {"startDate": created}).json()) == 2
    assert shop.get(f"{shop.store}/invoices", {"endDate": created - 3600}).json() == []
    both = shop.get(f"{shop.store}/invoices", {"status": ["New", "Settled"]}).json()
    assert len(both) == 2
    refused = shop.get(f"{shop.store}/invoices", {"skip": "-1"})
    assert refused.status_code == 422
    check("ValidationProblemDetails", refused.json())
    assert refused.json()[0]["path"] == "skip"


def test_the_php_clients_nulls_for_absent_options_are_accepted(shop):
    """btcpayserver-greenfield-php sends `metadata` and `checkout` as null when unset."""
    body = {"amount": "5.00", "currency": "USD", "metadata": None, "checkout": None}
    response = shop.post(f"{shop.store}/invoices", body, format="json")
    assert response.status_code == 200, response.json()
    check("InvoiceData", response.json())


def test_no_payment_method_is_listed_before_the_payer_picks_one(shop):
    invoice = create(shop)
    response = shop.get(f"{shop.store}/invoices/{invoice['id']}/payment-methods")
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize("policy, confirmations", [("LowSpeed", 6), ("LowMediumSpeed", 2)])
def test_speed_policy_and_expiration_minutes_are_the_invoices_own(api, shop, policy, confirmations):
    checkout = {"paymentMethods": ["USDT-SANDBOX"], "speedPolicy": policy, "expirationMinutes": 42}
    invoice = create(shop, checkout=checkout)
    assert invoice["expirationTime"] - invoice["createdTime"] == 42 * 60
    payer.select_currency(
        invoice_id=invoice["id"], asset_code="USDT", network_code="sandbox", actor="payer"
    )
    pay(api, invoice, confirm=False)
    [tx] = api.get(f"/api/v1/invoices/{invoice['id']}").json()["transactions"]
    assert tx["required_confirmations"] == confirmations
    # Another invoice keeps the store's timer and confirmations.
    other = create(shop, checkout={"paymentMethods": ["USDT-SANDBOX"]})
    assert other["expirationTime"] - other["createdTime"] == api.merchant.invoice_ttl_minutes * 60


def test_an_expiration_beyond_a_month_is_refused(shop):
    response = shop.post(
        f"{shop.store}/invoices",
        {"amount": "1", "checkout": {"expirationMinutes": 60 * 24 * 31}},
        format="json",
    )
    assert response.status_code == 422
    assert [p["path"] for p in response.json()] == ["checkout.expirationMinutes"]
