"""BTCPay's webhook endpoints on the Greenfield layer: the same endpoints our API manages
(dialect greenfield), sent BTCPay's events signed `BTCPay-Sig`, every answer checked against
swagger.template.webhooks.json."""

import hashlib
import hmac

import pytest
from rest_framework.test import APIClient

from merchants.services import create_api_key
from tests.greenfield_contract import check
from tests.test_greenfield_webhooks import SCHEMAS
from webhooks import callbacks


@pytest.fixture(autouse=True)
def allow_private(settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True


@pytest.fixture
def shop(api):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {api.key}")
    client.hooks = f"/api/v1/stores/{api.merchant.pk}/webhooks"
    return client


def create_webhook(shop, url, **body):
    response = shop.post(shop.hooks, {"url": url, **body}, format="json")
    assert response.status_code == 200, response.json()
    check("WebhookDataCreateResult", response.json())
    return response.json()


def test_a_webhook_is_one_of_our_endpoints_in_the_greenfield_dialect(api, shop):
    events = ["InvoiceSettled", "InvoiceInvalid"]
    created = create_webhook(
        shop,
        "https://shop.example/wc-api/btcpaygf_default",
        authorizedEvents={"everything": False, "specificEvents": events},
    )
    assert created["secret"] and created["authorizedEvents"]["specificEvents"] == events
    ours = api.get(f"/api/v1/webhook-endpoints/{created['id']}").json()
    assert (ours["dialect"], ours["events"], ours["url"]) == ("greenfield", events, created["url"])

    listed = shop.get(shop.hooks).json()
    check("WebhookDataList", listed)
    assert [w["id"] for w in listed] == [created["id"]]
    path = f"{shop.hooks}/{created['id']}"
    changed = shop.put(path, {"url": "https://shop.example/other", "enabled": False}, format="json")
    assert changed.status_code == 200, changed.json()
    check("WebhookData", changed.json())
    assert changed.json()["authorizedEvents"] == {"everything": True, "specificEvents": []}
    assert api.get(f"/api/v1/webhook-endpoints/{created['id']}").json()["events"] == ["*"]
    assert shop.delete(path).status_code == 200
    assert shop.get(path).status_code == 404


def test_our_own_dialects_endpoints_are_not_greenfield_webhooks(api, shop):
    ours = api.post(
        "/api/v1/webhook-endpoints", {"url": "https://shop.example/cb"}, format="json"
    ).json()
    assert shop.get(shop.hooks).json() == []
    assert shop.get(f"{shop.hooks}/{ours['id']}").status_code == 404


@pytest.mark.parametrize(
    "body, path",
    [
        ({"url": "ftp://shop.example/hook"}, "url"),
        (
            {
                "url": "https://shop.example/hook",
                "authorizedEvents": {"everything": False, "specificEvents": ["invoice_paid"]},
            },
            "authorizedEvents.specificEvents",
        ),
        ({"url": "https://shop.example/hook", "secret": "mine"}, "secret"),
        ({"url": "https://shop.example/hook", "automaticRedelivery": False}, "automaticRedelivery"),
    ],
)
def test_bad_webhooks_are_refused_in_greenfields_shape(api, shop, body, path):
    response = shop.post(shop.hooks, body, format="json")
    assert response.status_code == 422, response.json()
    check("ValidationProblemDetails", response.json())
    assert [p["path"] for p in response.json()] == [path]
    assert not api.get("/api/v1/webhook-endpoints").json()["data"]


def test_an_invoice_key_cannot_manage_webhooks(api):
    key = create_api_key(
        merchant=api.merchant, name="wc", mode="test", scope="invoices", actor="test"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {key}")
    response = client.get(f"/api/v1/stores/{api.merchant.pk}/webhooks")
    assert response.status_code == 403
    check("ProblemDetails", response.json())


def test_deliveries_are_btcpays_events_signed_and_listed_and_redelivered(
    api, shop, create_invoice, receiver
):
    created = create_webhook(shop, receiver.url)
    invoice = create_invoice()
    assert api.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    assert callbacks.deliver_invoice_events(invoice["id"]) == 1
    [request] = receiver.received
    body = request.json()
    check(SCHEMAS["InvoiceInvalid"], body)
    assert (body["type"], body["invoiceId"], body["webhookId"]) == (
        "InvoiceInvalid",
        invoice["id"],
        created["id"],
    )
    assert body["manuallyMarked"] is True and body["isRedelivery"] is False
    expected = hmac.new(created["secret"].encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["BTCPay-Sig"] == f"sha256={expected}"

    deliveries = shop.get(f"{shop.hooks}/{created['id']}/deliveries").json()
    check("WebhookDeliveryList", deliveries)
    [delivery] = deliveries
    assert (delivery["id"], delivery["status"], delivery["httpCode"]) == (
        body["deliveryId"],
        "HttpSuccess",
        200,
    )
    path = f"{shop.hooks}/{created['id']}/deliveries/{delivery['id']}"
    check("WebhookDeliveryData", shop.get(path).json())
    assert shop.get(f"{path}/request").json() == body

    receiver.answer(500)
    again = shop.post(f"{path}/redeliver")
    assert again.status_code == 200 and again.json() == delivery["id"]
    assert receiver.received[-1].body == request.body
    failed = shop.get(path).json()
    assert (failed["status"], failed["httpCode"]) == ("HttpError", 500)


def test_another_stores_webhooks_are_not_found(make_merchant, shop, receiver):
    other = make_merchant(name="Other")
    theirs = other.post(
        "/api/v1/webhook-endpoints",
        {"url": receiver.url, "dialect": "greenfield"},
        format="json",
    ).json()
    assert shop.get(f"{shop.hooks}/{theirs['id']}").status_code == 404
    assert shop.get(f"/api/v1/stores/{other.merchant.pk}/webhooks").status_code == 404


def test_listing_deliveries_takes_a_few_statements_however_many(
    api, shop, create_invoice, receiver, django_assert_max_num_queries
):
    created = create_webhook(shop, receiver.url)
    for _ in range(3):
        invoice = create_invoice()
        assert api.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
        callbacks.deliver_invoice_events(invoice["id"])
    with django_assert_max_num_queries(7):
        listed = shop.get(f"{shop.hooks}/{created['id']}/deliveries").json()
    assert len(listed) == 3 and {d["status"] for d in listed} == {"HttpSuccess"}
