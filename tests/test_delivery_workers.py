"""The delivery workers (`manage.py deliver`, webhooks.dispatcher) against real HTTP
receivers: recording an event queues no task and wakes the workers over one Redis
connection, an endpoint's deliveries share one kept-alive connection, and real worker
threads keep each invoice's order and deliver everything once. The tests with several
worker threads need PostgreSQL (CI): SQLite's shared in-memory test database refuses
concurrent writers instead of waiting."""

import time
from collections import defaultdict

import django_q.tasks
import pytest
import redis
from django.db import transaction
from django.utils import timezone

from invoices.models import Invoice
from invoices.services.events import record_event
from tests.receiver import Hang
from tests.support import DeliveryWorkers as Workers
from tests.support import redis_test_url, set_callback_url, unavailable, wait_for
from webhooks import callbacks, wakeups
from webhooks.models import CallbackSlot, Delivery


@pytest.fixture(autouse=True)
def allow_private(settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True


def invoices_with_events(client, invoices, events):
    """`invoices` invoices of the merchant, each with `events` events recorded (one
    transaction per event, as changes record them)."""
    created = []
    for _ in range(invoices):
        response = client.post(
            "/api/v1/invoices", {"price_amount": "10.00", "price_currency": "USD"}, format="json"
        )
        assert response.status_code == 201
        for _ in range(events):
            with transaction.atomic():
                invoice = Invoice.objects.select_for_update().get(pk=response.json()["id"])
                record_event(
                    invoice=invoice, event_type="status_changed", actor="test", now=timezone.now()
                )
        created.append(invoice.pk)
    return created


def test_recording_events_queues_no_task_and_wakes_the_workers_over_one_connection(
    transactional_db, settings, monkeypatch, make_merchant, receiver
):
    url = redis_test_url()
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        unavailable(f"needs Redis at {url} (REDIS_TEST_URL): {exc}")
    settings.REDIS_URL = url
    wakeups._client_of.cache_clear()  # this process has not woken anyone yet
    redis.Redis.from_url(url).delete(wakeups.key())
    queued, connections = [], []
    real_async_task, real_connect = django_q.tasks.async_task, redis.connection.Connection._connect
    monkeypatch.setattr(
        django_q.tasks,
        "async_task",
        lambda *args, **kwargs: queued.append(args) or real_async_task(*args, **kwargs),
    )
    monkeypatch.setattr(
        redis.connection.Connection,
        "_connect",
        lambda self: connections.append(self) or real_connect(self),
    )
    client = make_merchant("Busy")
    set_callback_url(client.merchant.pk, receiver.url)

    invoices_with_events(client, 4, 5)

    assert queued == []
    assert len(connections) == 1
    assert Delivery.objects.filter(delivered_at=None).count() == 20
    assert redis.Redis.from_url(url).llen(wakeups.key()) == wakeups.KEPT  # bounded
    assert callbacks.deliver_due() == 20


def test_a_transaction_recording_several_events_wakes_the_workers_once_it_commits(
    transactional_db, monkeypatch, make_merchant, receiver
):
    woken = []
    monkeypatch.setattr(wakeups, "notify", lambda: woken.append("wake-up"))
    client = make_merchant("Busy")
    set_callback_url(client.merchant.pk, receiver.url)
    response = client.post(
        "/api/v1/invoices", {"price_amount": "10.00", "price_currency": "USD"}, format="json"
    )
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=response.json()["id"])
        for _ in range(3):
            record_event(
                invoice=invoice, event_type="status_changed", actor="test", now=timezone.now()
            )
        assert woken == []  # nothing is due before the commit
    assert woken == ["wake-up"]
    assert Delivery.objects.filter(invoice=invoice, delivered_at=None).count() == 3


def test_an_endpoints_deliveries_go_in_order_over_one_kept_alive_connection(
    make_merchant, receiver
):
    client = make_merchant("Busy")
    set_callback_url(client.merchant.pk, receiver.url)
    invoices = invoices_with_events(client, 5, 3)
    assert callbacks.deliver_due() == 15
    assert receiver.connections == 1
    sequences = defaultdict(list)
    for body in receiver.bodies():
        sequences[body["data"]["id"]].append(body["sequence"])
    assert sequences == {str(invoice): [1, 2, 3] for invoice in invoices}


def test_a_cut_attempt_closes_its_connection_and_the_turn_goes_on(
    settings, make_merchant, receiver
):
    settings.CALLBACKS_TIMEOUT_SECONDS = 0.5
    client = make_merchant("Busy")
    set_callback_url(client.merchant.pk, receiver.url)
    first, second, third = invoices_with_events(client, 3, 2)
    receiver.answer(500, Hang(2))  # the first two heads fail: their second events wait
    assert callbacks.deliver_due() == 2
    assert [(b["data"]["id"], b["sequence"]) for b in receiver.bodies()] == [
        (str(first), 1),
        (str(second), 1),
        (str(third), 1),
        (str(third), 2),
    ]
    # A 500 is an answer: the connection carries on. The cut one is closed; the next
    # attempt opens (and checks) a new one.
    assert receiver.connections == 2


def test_worker_threads_deliver_each_invoices_events_once_and_in_order(
    postgres, settings, make_merchant, receivers
):
    settings.CALLBACKS_PER_MERCHANT = 2  # two workers on one endpoint at once
    first, second = receivers(), receivers()
    client = make_merchant("Busy")
    for url in (first.url, second.url):
        response = client.post("/api/v1/webhook-endpoints", {"url": url}, format="json")
        assert response.status_code == 201
    with Workers(4):
        invoices = invoices_with_events(client, 12, 4)
        assert wait_for(lambda: len(first.received) + len(second.received) >= 96, 60)
        time.sleep(0.5)  # nothing more arrives
    for receiver in (first, second):
        sequences = defaultdict(list)
        for body in receiver.bodies():
            sequences[body["data"]["id"]].append(body["sequence"])
        assert sequences == {str(invoice): [1, 2, 3, 4] for invoice in invoices}
    assert not Delivery.objects.filter(delivered_at=None).exists()
    assert not CallbackSlot.objects.exclude(lease_until=None).exists()  # all released


def test_workers_woken_by_a_commit_deliver_within_moments(postgres, make_merchant, receivers):
    receiver = receivers()
    client = make_merchant("Quick")
    set_callback_url(client.merchant.pk, receiver.url)
    with Workers(2):
        time.sleep(0.3)  # the workers have looked and found nothing: they wait
        started = time.monotonic()
        invoices_with_events(client, 1, 1)
        assert wait_for(lambda: receiver.received, 5)
        assert receiver.arrived[0] - started < 2
