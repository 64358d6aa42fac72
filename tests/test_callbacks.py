"""Callback delivery to a real HTTP receiver on 127.0.0.1: signatures, ordering, retries on a
clock the test controls, timeouts, redirects, the egress guard, and nothing lost or invented
around commits."""

import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from invoices.models import Event, Invoice
from invoices.services import merchant_actions
from invoices.services.events import record_event
from tests.receiver import Hang, Redirect, verify_signature
from tests.support import default_endpoint, delivery_of, set_callback_url
from webhooks import callbacks, dialects, wakeups
from webhooks.models import DeliveryAttempt
from worker import tasks


@pytest.fixture(autouse=True)
def allow_private(settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True


@pytest.fixture
def hooked(api, receiver):
    """The default merchant, with the receiver as its callback URL."""
    set_callback_url(api.merchant.pk, receiver.url)
    return api


@pytest.fixture
def cancelled(hooked, create_invoice):
    """An invoice whose cancellation left one event in the outbox (not sent yet: the test
    transaction never commits, so nothing was enqueued)."""
    invoice = create_invoice()
    assert hooked.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    return Invoice.objects.get(pk=invoice["id"])


def record(invoice, count, now):
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        return [
            record_event(invoice=locked, event_type="status_changed", actor="test", now=now)
            for _ in range(count)
        ]


def attempts(row):
    """The attempts at an event (to any endpoint) or at one delivery."""
    rows = DeliveryAttempt.objects.filter(
        **{"event" if isinstance(row, Event) else "delivery": row}
    )
    return list(rows.order_by("attempted_at", "id"))


def test_signature_verifies_with_plain_hmac_and_a_stale_one_is_rejected(
    hooked, cancelled, receiver
):
    secret = default_endpoint(hooked.merchant.pk).secret
    assert callbacks.deliver_due() == 1
    [request] = receiver.received
    assert request.headers["Content-Type"] == "application/json"
    assert "CryptoGate" in request.headers["User-Agent"]
    assert verify_signature(request.headers["X-Signature"], request.body, secret)
    assert not verify_signature(request.headers["X-Signature"], request.body, "whsec_other")
    assert not verify_signature(request.headers["X-Signature"], request.body + b" ", secret)
    event = Event.objects.get(invoice=cancelled)
    body = request.json()
    assert set(body) == {"id", "event", "created_at", "sequence", "livemode", "data"}
    assert body["livemode"] is False  # the fixture merchant works in test mode
    assert (body["id"], body["event"], body["sequence"]) == (str(event.id), "status_changed", 1)
    assert body["data"]["status"] == "cancelled"

    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    [late] = record(cancelled, 1, ten_minutes_ago)
    callbacks.deliver_due(ten_minutes_ago)
    stale = receiver.received[1]
    assert stale.json()["id"] == str(late.id)
    assert verify_signature(
        stale.headers["X-Signature"], stale.body, secret, tolerance=10**9
    )  # the HMAC is right…
    assert not verify_signature(stale.headers["X-Signature"], stale.body, secret)  # …too old


def test_sandbox_payment_is_delivered_in_order_once_it_commits(
    transactional_db, hooked, create_invoice, receiver
):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    paid = hooked.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json"
    ).json()
    assert paid["status"] == "completed"
    assert tasks.deliver_due_callbacks() == 4  # a delivery worker's pass
    bodies = receiver.bodies()
    # Each event shows the invoice after the change it reports (case 9 of the ledger issue).
    assert [(b["event"], b["data"]["status"]) for b in bodies] == [
        ("transaction_created", "pending"),
        ("status_changed", "pending"),
        ("transaction_confirmed", "completed"),
        ("status_changed", "completed"),
    ]
    confirmed = bodies[2]["data"]["transactions"][0]
    assert confirmed["confirmations"] >= confirmed["required_confirmations"] > 0
    assert [b["sequence"] for b in bodies] == [1, 2, 3, 4]
    assert [b["data"]["transactions"][0]["status"] for b in bodies] == [
        "pending",
        "pending",
        "confirmed",
        "confirmed",
    ]
    events = Event.objects.filter(invoice_id=invoice["id"]).order_by("sequence")
    assert [str(e.id) for e in events] == [b["id"] for b in bodies]
    deliveries = [delivery_of(e) for e in events]
    assert all(d.delivered_at and d.next_attempt_at is None for d in deliveries)


def test_failing_three_times_then_ok_is_four_attempts_one_success(hooked, cancelled, receiver):
    receiver.answer(500, 503, 500)
    event = delivery_of(Event.objects.get(invoice=cancelled))
    start = clock = timezone.now()
    delays = []
    for _ in range(4):
        callbacks.deliver_due(clock)
        event.refresh_from_db()
        if event.delivered_at:
            break
        assert callbacks.deliver_due(event.next_attempt_at - timedelta(seconds=1)) == 0  # not yet
        delays.append(event.next_attempt_at - clock)
        clock = event.next_attempt_at
    assert [a.status_code for a in attempts(event)] == [500, 503, 500, 200]
    assert [a.succeeded for a in attempts(event)] == [False, False, False, True]
    assert len(receiver.received) == 4
    assert len({r.json()["id"] for r in receiver.received}) == 1
    for delay, expected in zip(delays, callbacks.RETRY_DELAYS, strict=False):
        assert expected * 0.9 <= delay <= expected * 1.1
    assert event.delivered_at == clock and clock - start > timedelta(minutes=30)
    assert callbacks.delivery_state(event) == "delivered"


def test_a_later_event_waits_while_an_earlier_one_retries(hooked, cancelled, receiver):
    receiver.answer(500)
    now = timezone.now()
    first = delivery_of(Event.objects.get(invoice=cancelled))
    second, third = record(cancelled, 2, now)
    assert callbacks.deliver_due(now) == 0
    assert [r.json()["sequence"] for r in receiver.received] == [1]
    soon = now + timedelta(seconds=30)
    assert callbacks.queues_due(soon) == []  # the head is not due; the others wait behind it
    assert callbacks.deliver_due(soon) == 0
    assert len(receiver.received) == 1
    first.refresh_from_db()
    assert callbacks.queues_due(first.next_attempt_at) == [(cancelled.pk, first.endpoint_id)]
    assert callbacks.deliver_due(first.next_attempt_at) == 3
    assert [r.json()["sequence"] for r in receiver.received] == [1, 1, 2, 3]
    assert [r.json()["id"] for r in receiver.received[2:]] == [str(second.id), str(third.id)]


def test_a_hanging_receiver_times_out_and_is_retried(settings, hooked, cancelled, receiver):
    settings.CALLBACKS_TIMEOUT_SECONDS = 0.5
    receiver.answer(Hang(5))
    started = time.monotonic()
    assert callbacks.deliver_due() == 0
    assert time.monotonic() - started < 3
    event = delivery_of(Event.objects.get(invoice=cancelled))
    [attempt] = attempts(event)
    assert attempt.status_code is None and attempt.error.startswith("timed out")
    assert callbacks.delivery_state(event) == "retrying"
    assert callbacks.deliver_due(event.next_attempt_at) == 1
    assert [a.status_code for a in attempts(event)] == [None, 200]


def test_a_redirect_is_not_followed(hooked, cancelled, receiver):
    receiver.answer(Redirect(f"http://127.0.0.1:{receiver.port}/elsewhere"))
    assert callbacks.deliver_due() == 0
    assert [r.path for r in receiver.received] == ["/hook"]
    event = delivery_of(Event.objects.get(invoice=cancelled))
    [attempt] = attempts(event)
    assert attempt.status_code == 302 and not attempt.succeeded
    assert attempt.error == f"redirect to http://127.0.0.1:{receiver.port}/elsewhere not followed"
    assert event.next_attempt_at is not None and event.delivered_at is None


def test_after_the_retry_window_the_endpoint_is_failing_and_new_events_still_queue(
    hooked, cancelled, receiver
):
    receiver.always(500)
    event = delivery_of(Event.objects.get(invoice=cancelled))
    clock = timezone.now()
    while event.next_attempt_at is not None:
        callbacks.deliver_due(clock)
        event.refresh_from_db()
        clock = event.next_attempt_at or clock
    tries = attempts(event)
    assert tries[-1].attempted_at - tries[0].attempted_at >= timedelta(days=3)
    assert 10 <= len(tries) <= 13
    assert (event.failed_at, callbacks.delivery_state(event)) == (clock, "failed")
    assert default_endpoint(hooked.merchant.pk).failing_since == clock

    receiver.always(200)  # the receiver is healthy again
    later = clock + timedelta(hours=1)
    [new] = record(cancelled, 1, later)
    # queued even though the endpoint is failing
    assert delivery_of(new).next_attempt_at == later
    assert callbacks.deliver_due(later) == 1
    assert default_endpoint(hooked.merchant.pk).failing_since is None


def test_after_a_rotation_both_secrets_sign_for_a_day(hooked, cancelled, receiver):
    old = default_endpoint(hooked.merchant.pk).secret
    new = hooked.post("/api/v1/merchant/rotate-secret").json()["callback_secret"]
    callbacks.deliver_due()
    request = receiver.received[0]
    assert request.headers["X-Signature"].count("v1=") == 2
    assert verify_signature(request.headers["X-Signature"], request.body, new)
    assert verify_signature(request.headers["X-Signature"], request.body, old)

    day_later = timezone.now() + timedelta(hours=24, minutes=1)
    record(cancelled, 1, day_later)
    callbacks.deliver_due(day_later)
    request = receiver.received[1]
    assert request.headers["X-Signature"].count("v1=") == 1
    receiver_clock = day_later.timestamp()
    assert verify_signature(request.headers["X-Signature"], request.body, new, receiver_clock)
    assert not verify_signature(request.headers["X-Signature"], request.body, old, receiver_clock)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://2130706433:{port}/hook",
        "http://0177.0.0.1:{port}/hook",
        "http://127.1:{port}/hook",
        "http://0x7f.0.0.1:{port}/hook",
    ],
)
def test_the_guard_refuses_private_targets_and_logs_why(settings, hooked, cancelled, receiver, url):
    settings.CALLBACKS_ALLOW_PRIVATE = False
    settings.CALLBACKS_TIMEOUT_SECONDS = 1  # were the guard to let it through
    set_callback_url(hooked.merchant.pk, url.format(port=receiver.port))
    assert callbacks.deliver_due() == 0
    [attempt] = attempts(Event.objects.get(invoice=cancelled))
    assert attempt.error.startswith("refused: ") and attempt.status_code is None
    assert receiver.received == []


def test_a_name_resolving_to_a_private_address_is_refused(
    settings, monkeypatch, hooked, cancelled, receiver
):
    settings.CALLBACKS_ALLOW_PRIVATE = False
    import socket

    def fake_dns(host, port, *args, **kwargs):
        assert host == "hooks.example"
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    set_callback_url(hooked.merchant.pk, "https://hooks.example/")
    callbacks.deliver_due()
    [attempt] = attempts(Event.objects.get(invoice=cancelled))
    assert attempt.error == (
        "refused: hooks.example resolves to 10.0.0.1, a private address; "
        "callbacks only go to public addresses"
    )


def test_no_callback_url_leaves_the_event_in_the_log_and_blocks_nothing(
    api, create_invoice, receiver
):
    invoice = create_invoice()
    api.post(f"/api/v1/invoices/{invoice['id']}/cancel")
    record(Invoice.objects.get(pk=invoice["id"]), 1, timezone.now())
    assert callbacks.deliver_due() == 0
    events = Event.objects.filter(invoice_id=invoice["id"])
    assert [callbacks.event_state(list(e.deliveries.all())) for e in events] == [
        "no_endpoint",
        "no_endpoint",
    ]
    assert not DeliveryAttempt.objects.exists()
    assert callbacks.queues_due(timezone.now()) == []


def test_an_event_whose_wake_up_was_lost_is_delivered_by_the_sweep(
    transactional_db, monkeypatch, hooked, create_invoice, receiver
):
    invoice = create_invoice()
    lost = []
    monkeypatch.setattr(wakeups, "notify", lambda: lost.append("wake-up"))
    assert hooked.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    monkeypatch.undo()  # the process that committed died before its wake-up reached a worker
    assert lost == ["wake-up"]
    assert receiver.received == []
    assert tasks.deliver_due_callbacks() == 1
    assert [b["event"] for b in receiver.bodies()] == ["status_changed"]
    assert tasks.deliver_due_callbacks() == 0
    assert len(receiver.received) == 1


def test_a_worker_dying_mid_send_is_taken_over_when_its_lease_ends(hooked, cancelled, receiver):
    now = timezone.now()
    event = delivery_of(Event.objects.get(invoice=cancelled))
    assert callbacks._claim(event, now, scheduled=True)  # …and the worker is killed here
    assert callbacks.queues_due(now) == []
    assert callbacks.deliver_due(now) == 0
    after_lease = now + callbacks.lease() + timedelta(seconds=1)
    assert callbacks.queues_due(after_lease) == [(cancelled.pk, event.endpoint_id)]
    assert callbacks.deliver_due(after_lease) == 1
    assert len(receiver.received) == 1


def test_a_rolled_back_change_sends_nothing(transactional_db, hooked, create_invoice, receiver):
    invoice = create_invoice()
    with pytest.raises(RuntimeError), transaction.atomic():
        merchant_actions.cancel(invoice_id=invoice["id"], actor="test")
        raise RuntimeError("the change fails after the event was written")
    assert not Event.objects.exists()
    assert tasks.deliver_due_callbacks() == 0
    assert receiver.received == []
    assert Invoice.objects.get().status == "new"


def test_egress_errors_of_an_unreachable_receiver_are_logged(hooked, cancelled, receiver):
    set_callback_url(hooked.merchant.pk, f"http://127.0.0.1:{receiver.port}/hook")
    receiver.close()  # nobody listens any more
    assert callbacks.deliver_due() == 0
    [attempt] = attempts(Event.objects.get(invoice=cancelled))
    assert attempt.error.startswith("connection failed: ") and attempt.duration_ms >= 0


def test_the_retry_schedule_backs_off_with_jitter_for_at_least_three_days():
    first = timezone.now()
    minutes = [1, 5, 30, 120, 360, 720, 720, 720]
    for attempts, delay in enumerate(minutes, start=1):
        now = first + timedelta(hours=attempts)
        assert callbacks.next_attempt_at(attempts, first, now, 0) == now + timedelta(minutes=delay)
        assert callbacks.next_attempt_at(attempts, first, now, 1) == now + timedelta(
            minutes=delay * 1.1
        )
        assert callbacks.next_attempt_at(attempts, first, now, -1) == now + timedelta(
            minutes=delay * 0.9
        )
    almost = first + timedelta(days=3) - timedelta(seconds=1)
    assert callbacks.next_attempt_at(11, first, almost, 0) == almost + timedelta(hours=12)
    assert callbacks.next_attempt_at(12, first, first + timedelta(days=3), 0) is None


def test_the_signature_header_carries_one_v1_per_secret():
    header = dialects.signature_header(["new", "old"], 1700000000, b'{"a":1}')
    timestamp, new, old = header.split(",")
    assert timestamp == "t=1700000000"
    assert new == "v1=" + hmac.new(b"new", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert old == "v1=" + hmac.new(b"old", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    rotated = timezone.now()
    assert callbacks.signing_secrets("new", "old", rotated, rotated) == ["new", "old"]
    assert callbacks.signing_secrets("new", "old", rotated, rotated + timedelta(hours=24)) == [
        "new"
    ]
    assert callbacks.signing_secrets("new", "", None, rotated) == ["new"]
