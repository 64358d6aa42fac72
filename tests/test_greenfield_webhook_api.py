"""BTCPay's webhook endpoints on the Greenfield layer: the same endpoints our API manages
(dialect greenfield), sent BTCPay's events signed `BTCPay-Sig`, every answer checked against
swagger.template.webhooks.json."""

import hashlib
import hmac

import pytest
from rest_framework.test import APIClient

from merchants.services import create_api_key
from tests.greenfield_contract import check
from tests.receiver import Receiver
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
    assert callbacks.deliver_invoice_events(invoice["id"]) == 2  # InvoiceCreated first
    [made, request] = receiver.received
    check(SCHEMAS["InvoiceCreated"], made.json())
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
    [delivery, _made] = deliveries  # newest first
    assert (delivery["id"], delivery["status"], delivery["httpCode"]) == (
        body["deliveryId"],
        "HttpSuccess",
        200,
    )
    path = f"{shop.hooks}/{created['id']}/deliveries/{delivery['id']}"
    check("WebhookDeliveryData", shop.get(path).json())
    assert shop.get(f"{path}/request").json() == body


def test_a_redelivery_is_a_new_delivery_of_the_same_event_listed_beside_the_first(
    api, shop, create_invoice, receiver
):
    """As BTCPay's WebhookSender.Redeliver: a new delivery id (the answer), the same event
    and timestamp, `isRedelivery` and the first delivery's id as `originalDeliveryId`, even
    when a redelivery is redelivered; failed ones show as BTCPay shows them."""
    created = create_webhook(
        shop,
        receiver.url,
        authorizedEvents={"everything": False, "specificEvents": ["InvoiceInvalid"]},
    )
    invoice = create_invoice()
    assert api.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    callbacks.deliver_invoice_events(invoice["id"])
    [first] = receiver.bodies()
    deliveries = f"{shop.hooks}/{created['id']}/deliveries"

    receiver.answer(500)
    again = shop.post(f"{deliveries}/{first['deliveryId']}/redeliver")
    assert again.status_code == 200, again.json()
    new_id = again.json()
    assert isinstance(new_id, str) and new_id != first["deliveryId"]
    resent = receiver.received[-1]
    body = resent.json()
    check(SCHEMAS["InvoiceInvalid"], body)
    expected = hmac.new(created["secret"].encode(), resent.body, hashlib.sha256).hexdigest()
    assert resent.headers["BTCPay-Sig"] == f"sha256={expected}"
    assert body == {
        **first,
        "deliveryId": new_id,
        "originalDeliveryId": first["deliveryId"],
        "isRedelivery": True,
    }
    listed = shop.get(deliveries).json()
    check("WebhookDeliveryList", listed)
    assert {d["id"]: d["status"] for d in listed} == {
        first["deliveryId"]: "HttpSuccess",
        new_id: "HttpError",
    }
    failed = shop.get(f"{deliveries}/{new_id}").json()
    check("WebhookDeliveryData", failed)
    assert (failed["status"], failed["httpCode"]) == ("HttpError", 500)
    assert shop.get(f"{deliveries}/{new_id}/request").json() == body
    assert shop.get(f"{deliveries}/{first['deliveryId']}/request").json() == first

    third = shop.post(f"{deliveries}/{new_id}/redeliver").json()
    assert receiver.bodies()[-1]["originalDeliveryId"] == first["deliveryId"]
    assert len({first["deliveryId"], new_id, third}) == 3
    assert len(shop.get(deliveries).json()) == 3
    # Our API still has one event, and its redelivery still resends the endpoint's delivery.
    [event] = api.get("/api/v1/events").json()["data"]
    assert event["event"] == "status_changed" and event["sequence"] == 1
    sent = len(receiver.received)
    assert api.post(f"/api/v1/events/{event['id']}/redeliver").status_code == 200
    assert receiver.bodies()[sent:] == [first]


def test_an_endpoint_asking_for_invoice_created_is_sent_it_first_and_ours_are_not(
    api, shop, create_invoice, receiver, second_receiver
):
    """InvoiceCreated goes to the Greenfield endpoints that ask for it (by name or with
    everything), before the invoice's other events; our dialect's endpoints, our events log
    and our sequences never see it."""
    asking = create_webhook(
        shop,
        receiver.url,
        authorizedEvents={"everything": False, "specificEvents": ["InvoiceCreated"]},
    )
    assert asking["authorizedEvents"]["specificEvents"] == ["InvoiceCreated"]
    everything = create_webhook(shop, second_receiver.url)
    ours = Receiver()
    try:
        api.post("/api/v1/webhook-endpoints", {"url": ours.url}, format="json")
        invoice = create_invoice(metadata={"orderId": "wc-9"})
        assert api.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
        callbacks.deliver_invoice_events(invoice["id"])

        [created] = receiver.bodies()
        check(SCHEMAS["InvoiceCreated"], created)
        assert (created["type"], created["invoiceId"], created["storeId"]) == (
            "InvoiceCreated",
            invoice["id"],
            str(api.merchant.pk),
        )
        assert created["metadata"]["orderId"] == "wc-9" and created["isRedelivery"] is False
        assert_signed(receiver.received[0], asking["secret"])

        bodies = second_receiver.bodies()
        assert [b["type"] for b in bodies] == ["InvoiceCreated", "InvoiceInvalid"]
        for request, body in zip(second_receiver.received, bodies, strict=True):
            check(SCHEMAS[body["type"]], body)
            assert_signed(request, everything["secret"])

        assert [(b["event"], b["sequence"]) for b in ours.bodies()] == [("status_changed", 1)]
        assert "BTCPay-Sig" not in ours.received[0].headers
        for query in ("", f"?invoice={invoice['id']}"):
            events = api.get(f"/api/v1/events{query}").json()["data"]
            assert [(e["event"], e["sequence"]) for e in events] == [("status_changed", 1)]
        logged = api.get(f"/api/v1/webhook-endpoints/{everything['id']}/deliveries").json()
        assert [d["event"] for d in logged["data"]] == ["status_changed"]
        sent = shop.get(f"{shop.hooks}/{everything['id']}/deliveries").json()
        assert [d["id"] for d in sent][::-1] == [b["deliveryId"] for b in bodies]
    finally:
        ours.close()


def assert_signed(request, secret: str) -> None:
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["BTCPay-Sig"] == f"sha256={expected}"


def test_invoice_created_is_recorded_only_while_an_endpoint_wants_it(
    api, shop, create_invoice, receiver
):
    """Creating an invoice writes the created event only for a merchant with an enabled
    Greenfield endpoint that asks for it: a plugin-style webhook, a disabled one, our own
    dialect's or a deleted one make creation write nothing more."""
    from invoices.models import Invoice
    from webhooks.models import Delivery

    def created_deliveries():
        invoice = create_invoice()
        assert Invoice.objects.filter(pk=invoice["id"]).exists()
        return Delivery.objects.filter(invoice_id=invoice["id"]).count()

    hook = create_webhook(
        shop,
        receiver.url,
        authorizedEvents={"everything": False, "specificEvents": ["InvoiceSettled"]},
    )
    api.post("/api/v1/webhook-endpoints", {"url": receiver.url}, format="json")
    assert created_deliveries() == 0
    path = f"{shop.hooks}/{hook['id']}"
    shop.put(path, {"url": receiver.url}, format="json")  # everything
    assert created_deliveries() == 1
    shop.put(path, {"url": receiver.url, "enabled": False}, format="json")
    assert created_deliveries() == 0
    shop.put(path, {"url": receiver.url}, format="json")
    assert created_deliveries() == 1
    shop.delete(path)
    assert created_deliveries() == 0


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
    assert len(listed) == 6 and {d["status"] for d in listed} == {"HttpSuccess"}
