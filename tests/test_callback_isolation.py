"""Callback delivery isolated per merchant, against real HTTP receivers that drip their answer
a byte at a time: each attempt is cut at its wall-clock deadline and logged as a timeout, no
attempt outlives its lease, and while one merchant's receiver drips, real delivery worker
threads (`manage.py deliver`'s) deliver the other merchant's callbacks at once. The tests
with threads need PostgreSQL (CI): SQLite's shared in-memory test database refuses
concurrent writers instead of waiting."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from invoices.models import Event, Invoice
from invoices.services.events import record_event
from tests.receiver import Drip, Hang
from tests.support import DeliveryWorkers, delivery_of, set_callback_url, wait_for
from webhooks import callbacks
from webhooks.models import CallbackSlot, DeliveryAttempt

DEADLINE = 3  # seconds; the default of 10 is checked once, below


@pytest.fixture(autouse=True)
def allow_private(settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    settings.CALLBACKS_TIMEOUT_SECONDS = DEADLINE
    settings.CALLBACKS_PER_MERCHANT = 1


def hooked_merchant(make_merchant, name, url):
    client = make_merchant(name)
    set_callback_url(client.merchant.pk, url)
    return client


def invoices_with_an_event(client, count):
    """`count` invoices of the merchant, each with one event waiting in its outbox."""
    created = []
    for _ in range(count):
        response = client.post(
            "/api/v1/invoices", {"price_amount": "10.00", "price_currency": "USD"}, format="json"
        )
        assert response.status_code == 201
        with transaction.atomic():
            invoice = Invoice.objects.select_for_update().get(pk=response.json()["id"])
            record_event(
                invoice=invoice, event_type="status_changed", actor="test", now=timezone.now()
            )
        created.append(invoice.pk)
    return created


def test_a_dripping_receiver_is_cut_at_the_deadline_and_logged_as_a_timeout(
    make_merchant, receivers
):
    receiver = receivers()
    receiver.always(Drip(0.5))  # every byte well within any socket timeout
    client = hooked_merchant(make_merchant, "Slow", receiver.url)
    [invoice] = invoices_with_an_event(client, 1)
    started = time.monotonic()
    assert callbacks.deliver_due() == 0
    took = time.monotonic() - started
    assert DEADLINE <= took < DEADLINE + 1
    [attempt] = DeliveryAttempt.objects.filter(event__invoice=invoice)
    assert not attempt.succeeded and attempt.status_code is None
    assert attempt.error.startswith("timed out")
    assert DEADLINE * 1000 <= attempt.duration_ms < (DEADLINE + 1) * 1000
    event = delivery_of(Event.objects.get(invoice=invoice))
    assert event.delivered_at is None and event.claimed_until is None
    assert event.next_attempt_at > timezone.now()  # a retry, as for any failure
    assert timedelta(milliseconds=attempt.duration_ms) < callbacks.lease()


def test_the_default_deadline_is_ten_seconds_and_the_lease_outlasts_it(settings):
    """The deadline itself is tested above at DEADLINE (waiting ten seconds would prove
    nothing more); the default is ten seconds, and a lease at it outlasts an attempt."""
    from config import settings as configured  # the module: no test's override

    assert configured.CALLBACKS_TIMEOUT_SECONDS == 10
    settings.CALLBACKS_TIMEOUT_SECONDS = configured.CALLBACKS_TIMEOUT_SECONDS
    assert callbacks.lease() > timedelta(seconds=configured.CALLBACKS_TIMEOUT_SECONDS)


def test_a_body_dripping_after_a_quick_200_is_still_a_timeout(make_merchant, receivers):
    """Connection to last byte: a status line in time does not make a success."""
    receiver = receivers()
    receiver.always(Drip(2.0, body_only=True))  # "ok" needs 4 s
    client = hooked_merchant(make_merchant, "Slow", receiver.url)
    [invoice] = invoices_with_an_event(client, 1)
    callbacks.deliver_due()
    [attempt] = DeliveryAttempt.objects.filter(event__invoice=invoice)
    assert attempt.error.startswith("timed out") and not attempt.succeeded
    assert attempt.duration_ms < (DEADLINE + 1) * 1000


def test_while_one_merchant_drips_the_other_gets_its_callbacks_at_once(
    postgres, make_merchant, receivers
):
    slow, quick = receivers(), receivers()
    slow.always(Drip(0.5))
    # The slow merchant's deliveries are the oldest due, as after a burst of its invoices.
    slow_invoices = invoices_with_an_event(hooked_merchant(make_merchant, "Slow", slow.url), 4)
    quick_invoices = invoices_with_an_event(hooked_merchant(make_merchant, "Quick", quick.url), 3)
    started = time.monotonic()
    with DeliveryWorkers(2):
        assert wait_for(lambda: len(quick.received) == 3, 4 * DEADLINE + 10)
        quick_done = time.monotonic() - started
        assert wait_for(lambda: len(slow.received) == 4, 4 * DEADLINE + 10)
        time.sleep(DEADLINE + 0.5)  # the last slow attempt is cut
    assert quick_done < 1.5, f"the quick merchant waited {quick_done:.1f} s"
    assert all(delivery_of(Event.objects.get(invoice=i)).delivered_at for i in quick_invoices)
    # One worker at a time on the slow receiver: its attempts came one after another,
    # each cut at the deadline, and every queue was tried (the slot holder's turn took them).
    assert len(slow.received) == 4
    gaps = [b - a for a, b in zip(slow.arrived, slow.arrived[1:], strict=False)]
    assert all(gap >= DEADLINE - 0.1 for gap in gaps), gaps
    attempts = DeliveryAttempt.objects.filter(event__invoice__in=slow_invoices)
    assert attempts.count() == 4 and all(a.error.startswith("timed out") for a in attempts)
    assert not CallbackSlot.objects.exclude(lease_until=None).exists()  # all released


def test_a_merchant_gets_as_many_workers_as_it_has_slots(
    settings, postgres, make_merchant, receivers
):
    settings.CALLBACKS_PER_MERCHANT = 2
    slow = receivers()
    slow.always(Drip(0.5))
    invoices_with_an_event(hooked_merchant(make_merchant, "Slow", slow.url), 2)
    started = time.monotonic()
    with DeliveryWorkers(3):
        assert wait_for(lambda: len(slow.received) == 2, 3 * DEADLINE)
        time.sleep(DEADLINE + 0.5)
    assert len(slow.received) == 2
    assert abs(slow.arrived[1] - slow.arrived[0]) < 1  # side by side
    assert time.monotonic() - started < 3 * DEADLINE


def test_an_event_being_sent_is_not_sent_again_by_another_worker(
    settings, postgres, make_merchant, receivers
):
    settings.CALLBACKS_PER_MERCHANT = 2  # the slots let both in: the event's lease must hold
    slow = receivers()
    slow.always(Drip(0.5))
    [invoice] = invoices_with_an_event(hooked_merchant(make_merchant, "Slow", slow.url), 1)
    first = threading.Thread(target=lambda: (callbacks.deliver_due(), connections.close_all()))
    first.start()
    while not slow.received:
        time.sleep(0.05)
    assert callbacks.deliver_due() == 0  # mid-attempt
    first.join()
    assert len(slow.received) == 1
    assert DeliveryAttempt.objects.filter(event__invoice=invoice).count() == 1


def test_a_pass_gives_each_endpoint_one_turn_that_takes_all_its_due_queues(
    settings, make_merchant, receivers
):
    settings.CALLBACKS_PER_MERCHANT = 2
    slow, quick = receivers(), receivers()
    invoices_with_an_event(hooked_merchant(make_merchant, "Slow", slow.url), 5)
    quick_invoices = invoices_with_an_event(hooked_merchant(make_merchant, "Quick", quick.url), 1)
    assert callbacks.deliver_due(timezone.now() + timedelta(seconds=1)) == 6
    assert len(slow.received) == 5  # the slot holder delivered all five
    assert (slow.connections, len(quick.received)) == (1, 1)
    assert delivery_of(Event.objects.get(invoice=quick_invoices[0])).delivered_at


def test_a_busy_merchant_takes_turns_with_the_others(
    postgres, make_merchant, receivers, monkeypatch
):
    monkeypatch.setattr(callbacks, "TURN_SECONDS", 1)
    busy, other = receivers(), receivers()
    busy.always(Hang(0.3))  # slow, not failing: 10 events need 3 s
    invoices_with_an_event(hooked_merchant(make_merchant, "Busy", busy.url), 10)
    invoices_with_an_event(hooked_merchant(make_merchant, "Other", other.url), 1)
    started = time.monotonic()
    with DeliveryWorkers(1):  # one worker: the busy merchant's due queues are the oldest
        assert wait_for(lambda: len(busy.received) == 10, 30)
    assert other.arrived[0] - started < 2  # after the busy merchant's first turn, not all
    assert busy.arrived[-1] > other.arrived[0]  # its next turns came after


def test_a_dripping_endpoint_delays_only_itself_not_the_merchants_other_endpoint(
    postgres, make_merchant, receivers
):
    """Slots are per endpoint: a worker held by one endpoint's slow receiver leaves the
    same merchant's other endpoint to the next worker."""
    slow, quick = receivers(), receivers()
    slow.always(Drip(0.5))
    client = make_merchant("Two endpoints")
    for url in (slow.url, quick.url):
        response = client.post("/api/v1/webhook-endpoints", {"url": url}, format="json")
        assert response.status_code == 201
    invoices_with_an_event(client, 2)
    started = time.monotonic()
    with DeliveryWorkers(2):
        assert wait_for(lambda: len(quick.received) == 2, 3 * DEADLINE + 10)
        quick_done = time.monotonic() - started
        assert wait_for(lambda: len(slow.received) == 2, 3 * DEADLINE + 10)
        time.sleep(DEADLINE + 0.5)
    assert quick_done < 1.5, f"the quick endpoint waited {quick_done:.1f} s"
    assert len(slow.received) == 2  # one after another on its one slot, each cut at 3 s
    assert not CallbackSlot.objects.exclude(lease_until=None).exists()
