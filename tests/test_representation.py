"""Each response shape is defined once (`invoices.representation`): what the API and the
callbacks send has exactly the fields the OpenAPI document lists for it, in its order."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from chains import hd
from invoices.representation import Shape
from webhooks import callbacks, endpoints


@pytest.fixture(scope="module")
def components(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()["components"]["schemas"]


def fields(components, name):
    return list(components[name]["properties"])


def ok(response):
    assert response.status_code in (200, 201), response.json()
    return response.json()


def test_every_response_has_the_documented_fields_in_order(
    settings, components, api, create_invoice, receiver
):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    endpoints.set_callback_url(merchant=api.merchant, url=receiver.url, actor="test")
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    assert list(invoice) == fields(components, "Invoice")
    pay = f"/api/v1/sandbox/invoices/{invoice['id']}/pay"
    paid = ok(api.post(pay, {"amount": "130", "confirm": True}, format="json"))
    [transaction] = paid["transactions"]
    assert list(transaction) == fields(components, "Transaction")
    resolve = f"/api/v1/invoices/{invoice['id']}/resolve"
    body = {"action": "refund", "refund_amount": "excess"}
    refund = ok(api.post(resolve, body, format="json"))
    assert list(refund) == fields(components, "Refund")
    listed = ok(api.get("/api/v1/invoices"))
    assert list(listed) == fields(components, "InvoicePage")
    assert list(listed["data"][0]["refunds"][0]) == fields(components, "Refund")

    callbacks.deliver_due()
    sent = receiver.received[0].json()
    assert list(sent) == fields(components, "CallbackEvent")
    # The invoice is the event's stored snapshot: PostgreSQL's jsonb keeps its keys, not
    # their order, so the callback's data is compared as a set of fields.
    assert sorted(sent["data"]) == sorted(fields(components, "Invoice"))
    events = ok(api.get("/api/v1/events"))
    assert list(events) == fields(components, "EventPage")
    assert list(events["data"][0]) == fields(components, "Event")
    assert list(events["data"][-1]["attempts"][0]) == fields(components, "DeliveryAttempt")
    tested = ok(api.post("/api/v1/merchant/test-callback"))
    assert list(tested) == fields(components, "DeliveryAttempt")
    assert list(receiver.received[-1].json()) == fields(components, "TestCallbackEvent")

    currencies = ok(api.get("/api/v1/currencies"))
    assert list(currencies) == fields(components, "CurrencyPage")
    assert list(currencies["data"][0]) == fields(components, "Currency")
    rate = ok(api.get("/api/v1/rates?base=BTC&quote=USD"))
    assert list(rate) == fields(components, "Rate")
    assert list(ok(api.post("/api/v1/merchant/rotate-secret"))) == fields(
        components, "CallbackSecret"
    )
    assert list(ok(api.post("/api/v1/sandbox/mine"))) == fields(components, "SandboxHeight")
    error = api.get("/api/v1/invoices/00000000-0000-0000-0000-000000000000").json()
    assert list(error) == fields(components, "Error")
    assert list(error["error"]) == fields(components, "ErrorDetail")


def test_blank_columns_are_null_and_wallets_are_listed_in_their_shape(
    components, api, create_invoice
):
    invoice = create_invoice()
    assert (invoice["callback_url"], invoice["return_url"], invoice["transactions"]) == (
        None,
        None,
        [],
    )
    xpub = {"xpub": hd.new_sandbox_xpub()}
    assert list(ok(api.put("/api/v1/wallets/sandbox", xpub, format="json"))) == fields(
        components, "Wallet"
    )
    wallets = ok(api.get("/api/v1/wallets"))
    assert list(wallets) == fields(components, "WalletPage")
    assert list(wallets["data"][0]) == fields(components, "Wallet")


class Point(Shape):
    x = serializers.IntegerField()
    label = serializers.CharField(source="name")


def test_a_shape_renders_its_fields_in_order_from_sources_and_given_values():
    class Named:
        x, name = 1, "a"

    assert Point.render(Named()) == {"x": 1, "label": "a"}
    assert Point.render(Named(), label="b") == {"x": 1, "label": "b"}
    assert list(Point.render(label="c", x=2)) == ["x", "label"]


def test_a_value_for_no_field_or_a_field_with_no_json_rendering_is_refused():
    with pytest.raises(TypeError, match="no field y"):
        Point.render(x=1, label="a", y=2)

    class Price(Shape):
        amount = serializers.DecimalField(max_digits=10, decimal_places=2)

    with pytest.raises(TypeError, match="amount: no JSON rendering for DecimalField"):
        Price.render(object())
