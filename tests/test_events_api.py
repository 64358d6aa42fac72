"""The events API: the delivery log with filters and pagination, redelivery with the same id,
and the signed test event."""

import pytest
from django.utils import timezone

from invoices.models import Event
from tests.receiver import verify_signature
from tests.support import default_endpoint, delivery_of, set_callback_url
from webhooks import callbacks
from webhooks.models import Delivery, WebhookEndpoint


@pytest.fixture(autouse=True)
def allow_private(settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True


@pytest.fixture
def hooked(api, receiver):
    set_callback_url(api.merchant.pk, receiver.url)
    return api


def cancel(client, invoice):
    assert client.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200


def error_of(response, status):
    assert response.status_code == status, response.json()
    return response.json()["error"]


def test_the_log_lists_events_newest_first_with_their_attempts(hooked, create_invoice, receiver):
    delivered, failing, waiting = create_invoice(), create_invoice(), create_invoice()
    cancel(hooked, delivered)
    callbacks.deliver_due()
    cancel(hooked, failing)
    receiver.answer(500)
    callbacks.deliver_due()
    cancel(hooked, waiting)

    page = hooked.get("/api/v1/events").json()
    assert [e["invoice_id"] for e in page["data"]] == [
        waiting["id"],
        failing["id"],
        delivered["id"],
    ]
    assert page["has_more"] is False and page["next_cursor"] is None
    by_invoice = {e["invoice_id"]: e for e in page["data"]}
    shown = by_invoice[failing["id"]]
    assert (shown["event"], shown["sequence"], shown["delivery_status"]) == (
        "status_changed",
        1,
        "retrying",
    )
    assert shown["data"]["status"] == "cancelled" and shown["next_attempt_at"]
    [attempt] = shown["attempts"]
    assert (attempt["status_code"], attempt["succeeded"], attempt["manual"]) == (500, False, False)
    assert attempt["response_body"] == "not this time" and attempt["url"] == receiver.url
    assert by_invoice[delivered["id"]]["delivery_status"] == "delivered"
    assert by_invoice[waiting["id"]]["delivery_status"] == "pending"

    def ids(query):
        return [e["invoice_id"] for e in hooked.get(f"/api/v1/events?{query}").json()["data"]]

    assert ids(f"invoice={failing['id']}") == [failing["id"]]
    assert ids("delivered=true") == [delivered["id"]]
    assert ids("delivered=false") == [waiting["id"], failing["id"]]
    assert ids("failing=true") == [failing["id"]]
    assert ids("failing=false") == [waiting["id"], delivered["id"]]
    assert ids("type=status_changed&delivered=false&failing=false") == [waiting["id"]]
    assert ids("type=refund_updated") == []

    first = hooked.get("/api/v1/events?limit=2").json()
    assert first["has_more"] is True
    rest = hooked.get(f"/api/v1/events?limit=2&cursor={first['next_cursor']}").json()
    assert [e["id"] for e in first["data"] + rest["data"]] == [e["id"] for e in page["data"]]
    assert rest["has_more"] is False


@pytest.mark.parametrize(
    "query, param",
    [
        ("invoice=nope", "invoice"),
        ("type=paid", "type"),
        ("delivered=yes", "delivered"),
        ("failing=1", "failing"),
        ("limit=many", "limit"),
        ("cursor=xyz", "cursor"),
    ],
)
def test_bad_filters_are_refused_in_the_one_error_shape(api, query, param):
    error = error_of(api.get(f"/api/v1/events?{query}"), 400)
    assert (error["type"], error["param"]) == ("invalid_request", param)


def test_another_merchants_events_are_invisible(hooked, make_merchant, create_invoice):
    other = make_merchant("Other")
    invoice = create_invoice(other)
    cancel(other, invoice)
    event = Event.objects.get(invoice_id=invoice["id"])
    assert hooked.get("/api/v1/events").json()["data"] == []
    error = error_of(hooked.post(f"/api/v1/events/{event.id}/redeliver"), 404)
    assert error["code"] == "not_found"
    assert other.get("/api/v1/events").json()["data"][0]["id"] == str(event.id)


def test_redelivery_sends_the_same_event_id_again(hooked, create_invoice, receiver):
    invoice = create_invoice()
    cancel(hooked, invoice)
    callbacks.deliver_due()
    event = Event.objects.get(invoice_id=invoice["id"])
    response = hooked.post(f"/api/v1/events/{event.id}/redeliver")
    assert response.status_code == 200, response.json()
    shown = response.json()
    assert [(a["manual"], a["succeeded"]) for a in shown["attempts"]] == [
        (False, True),
        (True, True),
    ]
    assert [r.json()["id"] for r in receiver.received] == [str(event.id)] * 2
    assert receiver.received[0].body == receiver.received[1].body
    secret = default_endpoint(hooked.merchant.pk).secret
    assert verify_signature(
        receiver.received[1].headers["X-Signature"], receiver.received[1].body, secret
    )


def test_redelivering_a_given_up_event_delivers_it_and_clears_the_failing_flag(
    hooked, create_invoice, receiver
):
    invoice = create_invoice()
    cancel(hooked, invoice)
    now = timezone.now()
    Delivery.objects.filter(invoice_id=invoice["id"]).update(next_attempt_at=None, failed_at=now)
    WebhookEndpoint.objects.filter(merchant=hooked.merchant).update(failing_since=now)
    event = Event.objects.get(invoice_id=invoice["id"])
    assert hooked.get("/api/v1/events").json()["data"][0]["delivery_status"] == "failed"
    shown = hooked.post(f"/api/v1/events/{event.id}/redeliver").json()
    assert shown["delivery_status"] == "delivered" and shown["delivered_at"]
    assert default_endpoint(hooked.merchant.pk).failing_since is None


def test_a_failed_redelivery_is_logged_and_changes_no_schedule(hooked, create_invoice, receiver):
    invoice = create_invoice()
    cancel(hooked, invoice)
    event = Event.objects.get(invoice_id=invoice["id"])
    receiver.answer(502)
    shown = hooked.post(f"/api/v1/events/{event.id}/redeliver").json()
    assert [(a["manual"], a["status_code"]) for a in shown["attempts"]] == [(True, 502)]
    assert shown["delivery_status"] == "retrying"
    assert shown["next_attempt_at"] == event.created_at.isoformat().replace("+00:00", "Z")


def test_redelivery_needs_a_callback_url_and_a_free_event(api, hooked, create_invoice):
    invoice = create_invoice()
    cancel(hooked, invoice)
    event = Event.objects.get(invoice_id=invoice["id"])
    assert callbacks._claim(delivery_of(event), timezone.now(), scheduled=True)  # being sent
    error = error_of(hooked.post(f"/api/v1/events/{event.id}/redeliver"), 409)
    assert error["code"] == "delivery_in_progress"
    set_callback_url(api.merchant.pk, "")
    error = error_of(api.post(f"/api/v1/events/{event.id}/redeliver"), 422)
    assert (error["code"], error["param"]) == ("no_callback_url", "callback_url")


def test_the_test_callback_is_signed_and_its_result_returned(hooked, receiver):
    response = hooked.post("/api/v1/merchant/test-callback")
    assert response.status_code == 200, response.json()
    result = response.json()
    assert (result["succeeded"], result["status_code"], result["error"]) == (True, 200, None)
    assert result["url"] == receiver.url and result["duration_ms"] >= 0
    [request] = receiver.received
    body = request.json()
    assert (body["event"], body["sequence"], body["data"]) == ("test", 0, {})
    secret = default_endpoint(hooked.merchant.pk).secret
    assert verify_signature(request.headers["X-Signature"], request.body, secret)


def test_the_test_callback_reports_a_refusal_and_a_missing_url(settings, api, hooked):
    settings.CALLBACKS_ALLOW_PRIVATE = False
    result = hooked.post("/api/v1/merchant/test-callback").json()
    assert result["succeeded"] is False and result["status_code"] is None
    assert "a loopback address" in result["error"]
    set_callback_url(api.merchant.pk, "")
    error = error_of(api.post("/api/v1/merchant/test-callback"), 422)
    assert error["code"] == "no_callback_url"
