"""Callback benchmarks, printing numbers:

1. deliveries per second from one worker to a local receiver in its own process (the real
   path: the invoice's queue, a lease, the egress guard with its DNS lookup, a signed POST,
   the attempt log);
2. what writing outbox rows adds to a change: creating an invoice with and without recording
   one event in the same transaction (creation itself records none), and cancelling an
   invoice (which records one) with and without the outbox write. Recording includes the
   invoice snapshot and the enqueue of the delivery task on commit.

Run: DEBUG=1 .venv/bin/python benchmarks/callbacks.py [--smoke]

It sets Django up itself on a throwaway SQLite database in a temporary folder (migrated, then
deleted), with the production settings' django-q ORM broker, so enqueues are real writes and
no task runs inline; query logging is off (DEBUG is turned off inside the script).
"""

import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

from _setup import ROOT, size

sys.path.insert(0, str(ROOT))
WORKDIR = tempfile.mkdtemp(prefix="callbacks-bench-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SANDBOX": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdef"),
        "DATABASE_URL": f"sqlite:///{WORKDIR}/bench.sqlite3",
        "CALLBACKS_ALLOW_PRIVATE": "1",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from invoices import rates  # noqa: E402
from invoices.models import Invoice  # noqa: E402
from invoices.services import creation, events, merchant_actions  # noqa: E402
from merchants.services import create_merchant  # noqa: E402
from tests.receiver import Receiver  # noqa: E402
from webhooks import callbacks, endpoints  # noqa: E402
from webhooks.models import Delivery, DeliveryAttempt  # noqa: E402

INVOICES, EVENTS_PER_INVOICE = size(100, 5), size(10, 2)
CHANGES, ROUNDS = size(200, 5), size(3, 1)


def new_invoice(merchant) -> str:
    request = creation.InvoiceRequest(
        price_amount=10_000, price_currency="USD", livemode=False
    )  # a sandbox (test) invoice
    return creation.create_invoice(merchant=merchant, request=request, actor="bench")["id"]


def record(invoice_id, count=1) -> None:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        for _ in range(count):
            events.record_event(
                invoice=invoice, event_type="status_changed", actor="bench", now=timezone.now()
            )


def serve_receiver(url_pipe) -> None:
    """The receiver runs in its own process, as a merchant's server would: it does not
    compete with the worker for the interpreter lock."""
    url_pipe.send(Receiver().url)
    threading.Event().wait()  # serve until terminated


def deliveries_per_second(merchant) -> tuple[float, float]:
    """Per wall-clock second, and per second of the worker's own CPU time (what a worker
    with a core to itself would reach: the first number drops on a busy machine)."""
    invoice_ids = [new_invoice(merchant) for _ in range(INVOICES)]
    for invoice_id in invoice_ids:
        record(invoice_id, EVENTS_PER_INVOICE)
    started, cpu_started = time.perf_counter(), time.process_time()
    delivered = sum(callbacks.deliver_invoice_events(i) for i in invoice_ids)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    answered = DeliveryAttempt.objects.filter(status_code=200).count()
    assert delivered == answered == INVOICES * EVENTS_PER_INVOICE, (delivered, answered)
    assert not Delivery.objects.filter(delivered_at__isnull=True, invoice_id__in=invoice_ids)
    return delivered / elapsed, delivered / cpu


def seconds_per(action, count) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    return (time.perf_counter() - started) / count


def creation_costs(merchant) -> tuple[float, float]:
    def create_only():
        with transaction.atomic():
            new_invoice(merchant)

    def create_and_record():
        with transaction.atomic():
            record(new_invoice(merchant))

    without, with_ = [], []
    for _ in range(ROUNDS):  # interleaved, so drift hits both alike
        without.append(seconds_per(create_only, CHANGES))
        with_.append(seconds_per(create_and_record, CHANGES))
    return statistics.median(without), statistics.median(with_)


def cancel_costs(merchant) -> tuple[float, float]:
    real_record_event = events.record_event

    def cancel_many():
        ids = iter([new_invoice(merchant) for _ in range(CHANGES)])
        return seconds_per(
            lambda: merchant_actions.cancel(invoice_id=next(ids), actor="bench"), CHANGES
        )

    without, with_ = [], []
    for _ in range(ROUNDS):
        events.record_event = lambda *args, **kwargs: None
        try:
            without.append(cancel_many())
        finally:
            events.record_event = real_record_event
        with_.append(cancel_many())
    return statistics.median(without), statistics.median(with_)


def main() -> None:
    call_command("migrate", verbosity=0)
    rates.refresh_rates()
    parent_end, child_end = multiprocessing.Pipe()
    receiver = multiprocessing.get_context("fork").Process(
        target=serve_receiver, args=(child_end,), daemon=True
    )
    receiver.start()
    try:
        merchant, _ = create_merchant(name="Bench")
        endpoints.set_callback_url(merchant=merchant, url=parent_end.recv(), actor="bench")
        rate, cpu_rate = deliveries_per_second(merchant)
        print(
            f"deliveries/s, one worker, local receiver "
            f"({INVOICES * EVENTS_PER_INVOICE} events over {INVOICES} invoices): {rate:.0f} "
            f"(per second of the worker's CPU time: {cpu_rate:.0f})"
        )
        without, with_ = creation_costs(merchant)
        print(
            f"invoice creation: {without * 1000:.2f} ms without an outbox row, "
            f"{with_ * 1000:.2f} ms with one event recorded; ratio {with_ / without:.2f}"
        )
        without, with_ = cancel_costs(merchant)
        print(
            f"cancel (one status_changed event): {without * 1000:.2f} ms without the outbox "
            f"write, {with_ * 1000:.2f} ms with it; ratio {with_ / without:.2f}"
        )
    finally:
        receiver.terminate()
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
