"""Webhook endpoints: each gets the events it wants, signed with its own secret, on a queue
and slots of its own; the API that manages them; the dialect seam; and the migration that
made the old single callback URL the first endpoint."""

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from invoices.models import Event
from invoices.services import merchant_actions
from merchants.models import MerchantUser
from tests.receiver import Receiver, verify_signature
from tests.support import default_endpoint, set_callback_url
from webhooks import callbacks, dialects
from webhooks.models import CallbackSlot, Delivery, DeliveryAttempt, WebhookEndpoint


@pytest.fixture(autouse=True)
def allow_private(settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True


@pytest.fixture
def second():
    server = Receiver()
    yield server
    server.close()


def add_endpoint(client, url, **body):
    response = client.post("/api/v1/webhook-endpoints", {"url": url, **body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def cancel(client, invoice):
    assert client.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200


def error_of(response, status):
    assert response.status_code == status, response.json()
    return response.json()["error"]


# --- delivery ----------------------------------------------------------------------------------


def test_two_endpoints_get_the_same_event_each_signed_with_its_own_secret(
    api, create_invoice, receiver, second
):
    first = add_endpoint(api, receiver.url)
    other = add_endpoint(api, second.url)
    assert first["secret"] != other["secret"]
    invoice = create_invoice()
    cancel(api, invoice)
    assert callbacks.deliver_due() == 2
    [one], [two] = receiver.received, second.received
    assert one.body == two.body and one.json()["event"] == "status_changed"
    assert verify_signature(one.headers["X-Signature"], one.body, first["secret"])
    assert verify_signature(two.headers["X-Signature"], two.body, other["secret"])
    assert not verify_signature(one.headers["X-Signature"], one.body, other["secret"])
    assert not verify_signature(two.headers["X-Signature"], two.body, first["secret"])
    event = Event.objects.get(invoice_id=invoice["id"])
    assert {str(d.endpoint_id) for d in event.deliveries.all()} == {first["id"], other["id"]}


def test_deliveries_are_written_in_the_events_transaction_and_roll_back_with_it(
    transactional_db, api, create_invoice, receiver
):
    add_endpoint(api, receiver.url)
    invoice = create_invoice()
    with pytest.raises(RuntimeError), transaction.atomic():
        merchant_actions.cancel(invoice_id=invoice["id"], actor="test")
        assert Delivery.objects.filter(invoice_id=invoice["id"]).count() == 1  # not yet sent
        raise RuntimeError("the change fails after its event was written")
    assert not Delivery.objects.exists() and not Event.objects.exists()
    assert callbacks.deliver_due() == 0 and receiver.received == []


def test_a_disabled_endpoint_gets_nothing_and_an_enabled_one_still_does(
    api, create_invoice, receiver, second
):
    off = add_endpoint(api, receiver.url, enabled=False)
    add_endpoint(api, second.url)
    invoice = create_invoice()
    cancel(api, invoice)
    assert callbacks.deliver_due() == 1
    assert receiver.received == [] and len(second.received) == 1
    assert not Delivery.objects.filter(endpoint_id=off["id"]).exists()


def test_an_endpoint_disabled_with_deliveries_owed_sends_them_once_enabled(
    api, create_invoice, receiver
):
    endpoint = add_endpoint(api, receiver.url)
    invoice = create_invoice()
    cancel(api, invoice)
    api.patch(f"/api/v1/webhook-endpoints/{endpoint['id']}", {"enabled": False}, format="json")
    assert callbacks.deliver_due() == 0
    assert callbacks.queues_due(timezone.now()) == []
    assert receiver.received == []
    api.patch(f"/api/v1/webhook-endpoints/{endpoint['id']}", {"enabled": True}, format="json")
    assert callbacks.deliver_due() == 1


def test_an_endpoint_subscribed_to_some_events_gets_only_those(
    api, create_invoice, receiver, second
):
    add_endpoint(api, receiver.url, events=["transaction_created"])
    add_endpoint(api, second.url)  # every event
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    paid = api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json"
    )
    assert paid.status_code == 200
    callbacks.deliver_due()
    assert [b["event"] for b in receiver.bodies()] == ["transaction_created"]
    assert [b["event"] for b in second.bodies()] == [
        "transaction_created",
        "status_changed",
        "transaction_confirmed",
        "status_changed",
    ]


def test_an_invoices_own_callback_url_replaces_the_default_endpoint_only(
    api, create_invoice, receiver, second
):
    default = set_callback_url(api.merchant.pk, "https://never.example/hook")
    add_endpoint(api, second.url)
    invoice = create_invoice(callback_url=receiver.url)
    cancel(api, invoice)
    assert callbacks.deliver_due() == 2
    [own] = receiver.received
    assert verify_signature(own.headers["X-Signature"], own.body, default.secret)
    assert len(second.received) == 1


def test_a_failing_endpoint_delays_only_itself(api, create_invoice, receiver, second):
    """Its queue waits behind its failing head; the other endpoint's queue of the same
    invoice goes on."""
    failing = add_endpoint(api, receiver.url)
    add_endpoint(api, second.url)
    receiver.always(500)
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json")
    callbacks.deliver_due()
    assert len(second.received) == 4
    assert [b["sequence"] for b in receiver.bodies()] == [1]  # its head, retrying
    waiting = Delivery.objects.filter(endpoint_id=failing["id"], delivered_at__isnull=True)
    assert waiting.count() == 4


def test_a_slow_endpoint_holding_its_slots_delays_only_itself(
    settings, api, create_invoice, receiver, second
):
    """A worker stuck on a slow endpoint holds that endpoint's slots, not the merchant's:
    the merchant's other endpoint is served by the next worker at once."""
    settings.CALLBACKS_PER_MERCHANT = 1
    slow = add_endpoint(api, receiver.url)
    quick = add_endpoint(api, second.url)
    invoice = create_invoice()
    cancel(api, invoice)
    assert callbacks.take_slot(slow["id"])  # a worker waiting on the slow receiver
    assert callbacks.deliver_due() == 1
    assert receiver.received == [] and len(second.received) == 1
    assert CallbackSlot.objects.filter(endpoint_id=quick["id"], lease_until=None).exists()
    held = CallbackSlot.objects.get(endpoint_id=slow["id"])
    assert held.lease_until > timezone.now()
    # Once that worker's lease runs out, the slow endpoint's delivery goes too.
    CallbackSlot.objects.filter(pk=held.pk).update(lease_until=timezone.now())
    assert callbacks.deliver_due() == 1
    assert len(receiver.received) == 1


def test_a_pass_delivers_each_endpoints_queue(api, create_invoice, receiver, second):
    add_endpoint(api, receiver.url)
    add_endpoint(api, second.url)
    invoice = create_invoice()
    cancel(api, invoice)
    assert callbacks.deliver_due(timezone.now() + timedelta(seconds=1)) == 2
    assert [b["data"]["id"] for b in receiver.bodies() + second.bodies()] == [invoice["id"]] * 2


# --- redelivery and the deliveries log ----------------------------------------------------------


def test_a_delivery_is_listed_and_redelivered_with_the_same_event_id(
    api, create_invoice, receiver, second
):
    endpoint = add_endpoint(api, receiver.url)
    add_endpoint(api, second.url)
    invoice = create_invoice()
    cancel(api, invoice)
    receiver.answer(500)
    callbacks.deliver_due()
    page = api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries").json()
    [delivery] = page["data"]
    assert (delivery["event"], delivery["status"], delivery["invoice_id"]) == (
        "status_changed",
        "retrying",
        invoice["id"],
    )
    assert [a["status_code"] for a in delivery["attempts"]] == [500]
    response = api.post(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/{delivery['id']}/redeliver"
    )
    assert response.status_code == 200, response.json()
    shown = response.json()
    assert shown["status"] == "delivered" and shown["delivered_at"]
    assert [(a["manual"], a["status_code"]) for a in shown["attempts"]] == [
        (False, 500),
        (True, 200),
    ]
    assert [r.json()["id"] for r in receiver.received] == [delivery["event_id"]] * 2
    assert len(second.received) == 1  # the other endpoint is not sent it again


def test_the_events_log_filters_by_endpoint(api, create_invoice, receiver, second):
    first = add_endpoint(api, receiver.url, events=["refund_updated"])
    add_endpoint(api, second.url)
    invoice = create_invoice()
    cancel(api, invoice)
    assert api.get(f"/api/v1/events?endpoint={first['id']}").json()["data"] == []
    assert len(api.get("/api/v1/events").json()["data"]) == 1
    error = error_of(api.get("/api/v1/events?endpoint=nope"), 400)
    assert error["param"] == "endpoint"


# --- the API --------------------------------------------------------------------------------


def test_endpoints_are_created_read_changed_rotated_and_deleted(api):
    created = add_endpoint(api, "https://shop.example/hooks", events=["status_changed"])
    assert created["secret"].startswith("whsec_")
    assert (created["url"], created["events"], created["dialect"], created["enabled"]) == (
        "https://shop.example/hooks",
        ["status_changed"],
        "cryptogate",
        True,
    )
    path = f"/api/v1/webhook-endpoints/{created['id']}"
    shown = api.get(path).json()
    assert "secret" not in shown and shown["default"] is False
    changed = api.patch(path, {"events": ["*"], "enabled": False}, format="json").json()
    assert (changed["events"], changed["enabled"]) == (["*"], False)
    rotated = api.post(f"{path}/rotate-secret").json()
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert rotated["secret"] == endpoint.secret != created["secret"]
    assert endpoint.previous_secret == created["secret"]
    listed = api.get("/api/v1/webhook-endpoints").json()
    assert [e["id"] for e in listed["data"]] == [created["id"]] and not listed["has_more"]
    assert api.delete(path).json()["id"] == created["id"]
    assert error_of(api.get(path), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "body, param",
    [
        ({"url": "ftp://shop.example/hooks"}, "url"),
        ({"url": "http://2130706433/hook"}, "url"),
        ({"url": "https://shop.example/hooks", "events": ["paid"]}, "events"),
        ({"url": "https://shop.example/hooks", "events": []}, "events"),
        ({"url": "https://shop.example/hooks", "dialect": "soap"}, "dialect"),
        ({"url": "https://shop.example/hooks", "secret": "mine"}, "secret"),
    ],
)
def test_bad_endpoints_are_refused_in_the_one_error_shape(api, body, param):
    response = api.post("/api/v1/webhook-endpoints", body, format="json")
    assert response.status_code in (400, 422), response.json()
    assert response.json()["error"]["param"] == param
    assert not WebhookEndpoint.objects.exists()


def test_the_default_endpoint_cannot_be_deleted_and_is_the_merchants_callback_url(api):
    assert api.get("/api/v1/merchant").json()["callback_url"] == ""
    api.patch("/api/v1/merchant", {"callback_url": "https://shop.example/cb"}, format="json")
    [default] = api.get("/api/v1/webhook-endpoints").json()["data"]
    assert (default["url"], default["default"]) == ("https://shop.example/cb", True)
    path = f"/api/v1/webhook-endpoints/{default['id']}"
    api.patch(path, {"url": "https://shop.example/other"}, format="json")
    assert api.get("/api/v1/merchant").json()["callback_url"] == "https://shop.example/other"
    assert error_of(api.delete(path), 409)["code"] == "default_endpoint"
    # A blank callback_url keeps the endpoint (and the secret invoices' own URLs use).
    api.patch("/api/v1/merchant", {"callback_url": ""}, format="json")
    assert default_endpoint(api.merchant.pk).url == ""
    assert api.get("/api/v1/merchant").json()["callback_url"] == ""


def test_another_merchants_endpoint_is_a_404(api, make_merchant, create_invoice, receiver):
    other = make_merchant("Other")
    theirs = add_endpoint(other, receiver.url)
    invoice = create_invoice(other)
    cancel(other, invoice)
    delivery = Delivery.objects.get(endpoint_id=theirs["id"])
    path = f"/api/v1/webhook-endpoints/{theirs['id']}"
    assert error_of(api.get(path), 404)["code"] == "not_found"
    error_of(api.patch(path, {"enabled": False}, format="json"), 404)
    error_of(api.delete(path), 404)
    error_of(api.post(f"{path}/rotate-secret"), 404)
    error_of(api.get(f"{path}/deliveries"), 404)
    error_of(api.post(f"{path}/deliveries/{delivery.pk}/redeliver"), 404)
    error_of(api.get(f"/api/v1/events?endpoint={theirs['id']}"), 404)
    assert api.get("/api/v1/webhook-endpoints").json()["data"] == []
    assert WebhookEndpoint.objects.get(pk=theirs["id"]).enabled
    assert receiver.received == [] and not DeliveryAttempt.objects.exists()


def test_a_delivery_of_another_endpoint_is_a_404_under_this_one(api, create_invoice, receiver):
    mine = add_endpoint(api, receiver.url)
    other = add_endpoint(api, "https://shop.example/other")
    invoice = create_invoice()
    cancel(api, invoice)
    theirs = Delivery.objects.get(endpoint_id=other["id"])
    path = f"/api/v1/webhook-endpoints/{mine['id']}/deliveries/{theirs.pk}/redeliver"
    error_of(api.post(path), 404)


def test_an_endpoint_url_the_egress_guard_refuses_is_refused_when_saved(api, settings):
    """The API and the dashboard check an endpoint's URL as they check the merchant's
    callback URL (core.egress.check_callback_url), and save nothing."""
    settings.CALLBACKS_ALLOW_PRIVATE = False
    refused = api.post("/api/v1/webhook-endpoints", {"url": "http://10.0.0.1/hook"}, format="json")
    error = error_of(refused, 400)
    assert (error["code"], error["param"]) == ("invalid_callback_url", "url")
    assert "10.0.0.1" in error["message"]
    assert not WebhookEndpoint.objects.filter(merchant=api.merchant).exists()
    endpoint = add_endpoint(api, "https://hooks.example/ok")
    path = f"/api/v1/webhook-endpoints/{endpoint['id']}"
    error = error_of(api.patch(path, {"url": "http://127.0.0.1:8000/"}, format="json"), 400)
    assert error["code"] == "invalid_callback_url"
    assert WebhookEndpoint.objects.get(pk=endpoint["id"]).url == "https://hooks.example/ok"

    user = get_user_model().objects.create_user(username="o@shop.example", password="x")
    MerchantUser.objects.create(user=user, merchant=api.merchant, role=MerchantUser.OWNER)
    page = Client()
    page.force_login(user)
    added = page.post("/dashboard/settings/callbacks/new/", {"url": "http://10.0.0.1/hook"})
    assert added.status_code == 422 and "a private address" in added.content.decode()
    changed = page.post(
        f"/dashboard/settings/callbacks/{endpoint['id']}/",
        {"url": "http://127.0.0.1:8000/", "enabled": "on"},
    )
    assert changed.status_code == 422 and "loopback" in changed.content.decode()
    assert list(WebhookEndpoint.objects.values_list("url", flat=True)) == [
        "https://hooks.example/ok"
    ]


# --- the dialect seam -------------------------------------------------------------------------


def test_a_registered_dialect_signs_and_shapes_its_endpoints_bodies(
    monkeypatch, api, create_invoice, receiver
):
    """What the Greenfield layer will do: register a dialect; its endpoints are then sent
    its event types, bodies and signature, and ours stay as they are."""
    monkeypatch.setitem(
        dialects.DIALECTS,
        "greenfield",
        dialects.Dialect(
            name="greenfield",
            event_types=("InvoiceInvalid",),
            event_type=lambda e: "InvoiceInvalid" if e.type == "status_changed" else None,
            body=lambda d: (
                b'{"type":"InvoiceInvalid","invoiceId":"%s"}' % str(d.event.invoice_id).encode()
            ),
            sign=lambda secrets, now, body: {
                "BTCPay-Sig": "sha256="
                + hmac.new(secrets[0].encode(), body, hashlib.sha256).hexdigest()
            },
        ),
    )
    refused = api.post(
        "/api/v1/webhook-endpoints",
        {"url": receiver.url, "dialect": "greenfield", "events": ["status_changed"]},
        format="json",
    )
    assert error_of(refused, 422)["param"] == "events"  # its own event names, not ours
    created = add_endpoint(api, receiver.url, dialect="greenfield", events=["InvoiceInvalid"])
    invoice = create_invoice()
    cancel(api, invoice)
    assert callbacks.deliver_due() == 1
    [request] = receiver.received
    assert request.json() == {"type": "InvoiceInvalid", "invoiceId": invoice["id"]}
    expected = hmac.new(created["secret"].encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["BTCPay-Sig"] == f"sha256={expected}"
    assert "X-Signature" not in request.headers


# --- the migration ------------------------------------------------------------------------------

BEFORE = [  # main's leaves before endpoints
    ("invoices", "0010_refund_payout_on_chain"),
    ("merchants", "0009_merchant_payer_email"),
    ("webhooks", "0001_initial"),
]


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_the_callback_url_the_default_endpoint_and_keeps_delivery_state():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Merchant = apps.get_model("merchants", "Merchant")
    Invoice = apps.get_model("invoices", "Invoice")
    Event = apps.get_model("invoices", "Event")
    Attempt = apps.get_model("webhooks", "DeliveryAttempt")
    now = timezone.now()
    hooked = Merchant.objects.create(
        name="Hooked",
        callback_url="https://shop.example/hook",
        callback_secret="whsec_current",
        previous_callback_secret="whsec_previous",
        callback_secret_rotated_at=now,
        callback_failing_since=now,
    )
    per_invoice = Merchant.objects.create(name="Per invoice", callback_secret="whsec_own")
    Merchant.objects.create(name="Silent")

    def invoice(merchant, **fields):
        return Invoice.objects.create(
            merchant=merchant,
            price_amount=100,
            price_currency="USD",
            insurance_percent=0,
            slippage_percent=0,
            payment_window_minutes=15,
            late_window_minutes=60,
            processing_timeout_minutes=60,
            created_at=now,
            status_changed_at=now,
            **fields,
        )

    paid = invoice(hooked)
    states = {
        1: {"delivered_at": now},
        2: {"failed_at": now},
        3: {"next_attempt_at": now + timedelta(minutes=5)},
        4: {"next_attempt_at": now},
    }
    events = {
        sequence: Event.objects.create(
            merchant=hooked,
            invoice=paid,
            type="status_changed",
            sequence=sequence,
            actor="system",
            data={},
            created_at=now,
            **state,
        )
        for sequence, state in states.items()
    }
    Attempt.objects.create(
        event=events[3],
        url="https://shop.example/hook",
        attempted_at=now,
        status_code=500,
        duration_ms=5,
    )
    own = invoice(per_invoice, callback_url="https://own.example/hook")
    Event.objects.create(
        merchant=per_invoice,
        invoice=own,
        type="status_changed",
        sequence=1,
        actor="system",
        data={},
        created_at=now,
        next_attempt_at=now,
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    endpoint = WebhookEndpoint.objects.get(merchant_id=hooked.pk)
    assert (endpoint.url, endpoint.secret, endpoint.previous_secret, endpoint.is_default) == (
        "https://shop.example/hook",
        "whsec_current",
        "whsec_previous",
        True,
    )
    assert endpoint.secret_rotated_at == now and endpoint.failing_since == now
    assert (endpoint.dialect, endpoint.events, endpoint.enabled) == ("cryptogate", ["*"], True)
    deliveries = {d.sequence: d for d in Delivery.objects.filter(endpoint=endpoint)}
    assert [callbacks.delivery_state(deliveries[n]) for n in (1, 2, 3, 4)] == [
        "delivered",
        "failed",
        "retrying",
        "pending",
    ]
    assert deliveries[3].next_attempt_at == now + timedelta(minutes=5)
    assert DeliveryAttempt.objects.get().delivery == deliveries[3]
    own_endpoint = WebhookEndpoint.objects.get(merchant_id=per_invoice.pk)
    assert (own_endpoint.url, own_endpoint.secret) == ("", "whsec_own")
    assert Delivery.objects.get(endpoint=own_endpoint).next_attempt_at == now
    assert WebhookEndpoint.objects.count() == 2  # the silent merchant had nothing to keep
    # Undone, the columns are back as they were.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    old = apps.get_model("merchants", "Merchant").objects
    back = old.get(pk=hooked.pk)
    assert (back.callback_url, back.callback_secret, back.previous_callback_secret) == (
        "https://shop.example/hook",
        "whsec_current",
        "whsec_previous",
    )
    assert old.get(pk=per_invoice.pk).callback_secret == "whsec_own"
    assert len({m.callback_secret for m in old.all()}) == 3
    old_events = apps.get_model("invoices", "Event").objects.filter(invoice_id=paid.pk)
    assert [
        (e.delivered_at is not None, e.failed_at is not None, e.next_attempt_at)
        for e in old_events.order_by("sequence")
    ] == [
        (True, False, None),
        (False, True, None),
        (False, False, now + timedelta(minutes=5)),
        (False, False, now),
    ]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    endpoint = WebhookEndpoint.objects.get(merchant_id=hooked.pk)
    own_endpoint = WebhookEndpoint.objects.get(merchant_id=per_invoice.pk)

    # The queues the worker sees: #3 heads the first (#4 waits behind it) until it is due.
    assert callbacks.queues_due(now) == [(own.pk, own_endpoint.pk)]
    assert sorted(callbacks.queues_due(now + timedelta(minutes=5)), key=str) == sorted(
        [(paid.pk, endpoint.pk), (own.pk, own_endpoint.pk)], key=str
    )
