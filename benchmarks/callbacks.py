"""Callback benchmarks, printing numbers:

1. delivered/s through the real queue and workers as deployed: one merchant's 1,000 events
   (200 invoices × 5) recorded in one transaction, whose commit wakes `manage.py deliver` (a
   separate process, the default CALLBACKS_WORKERS; CALLBACKS_PER_MERCHANT gives an endpoint
   one of them), timed from the commit to the last arrival at a local receiver in a process
   of its own (HTTP/1.1, keep-alive). Against a floor measured in the same run: the same
   signed POSTs (each delivery's body and signature, made beforehand) sent by one plain
   Python loop over a `requests.Session` to the same receiver. Target: a ratio ≥ 0.25.
2. what writing outbox rows adds to a change: creating an invoice with and without recording
   one event in the same transaction (creation itself records none), and cancelling an
   invoice (which records one) with and without the outbox write. Recording includes the
   invoice snapshot, the deliveries' INSERT and the wake-up on commit (ms per event).

Run: .venv/bin/python benchmarks/callbacks.py [--smoke]
on a throwaway SQLite database in a temporary folder (migrated, then deleted; no Redis: the
workers look every half second), or on PostgreSQL + Redis:
DATABASE_URL=postgres://…/scratch REDIS_URL=redis://127.0.0.1:6379/N .venv/bin/python
benchmarks/callbacks.py (a scratch database and Redis db: migrated and written to).
Query logging is off (DEBUG=0); callbacks to 127.0.0.1 are allowed. --smoke: 20 events.
"""

import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
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
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{WORKDIR}/bench.sqlite3",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "CALLBACKS_ALLOW_PRIVATE": "1",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
)

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from invoices import rates  # noqa: E402
from invoices.models import Invoice  # noqa: E402
from invoices.services import creation, events, merchant_actions  # noqa: E402
from merchants.services import create_merchant  # noqa: E402
from tests.receiver import Receiver  # noqa: E402
from webhooks import dialects, endpoints  # noqa: E402
from webhooks.models import Delivery  # noqa: E402

INVOICES, EVENTS_PER_INVOICE = size(200, 10), size(5, 2)
TOTAL = INVOICES * EVENTS_PER_INVOICE
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


def serve_receiver(pipe) -> None:
    """The receiver runs in its own process, as a merchant's server would: it does not
    compete with the sender for the interpreter lock. Asked ("wait", count, seconds), it
    answers how many requests came and the first and last arrival (monotonic, the same
    clock in every process); ("reset",) forgets them."""
    receiver = Receiver()
    pipe.send(receiver.url)
    while True:
        command = pipe.recv()
        if command[0] == "reset":
            receiver.received.clear()
            receiver.arrived.clear()
            pipe.send(None)
            continue
        _, count, seconds = command
        deadline = time.monotonic() + seconds
        while len(receiver.arrived) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        arrived = list(receiver.arrived)
        pipe.send((len(arrived), arrived[0] if arrived else 0, arrived[-1] if arrived else 0))


def start_workers():
    """`manage.py deliver` as deployed, once it says it runs."""
    log = open(f"{WORKDIR}/deliver.log", "w+b")  # noqa: SIM115 (the process keeps it)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "deliver"],
        cwd=ROOT,
        env=os.environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while b"delivering callbacks" not in open(f"{WORKDIR}/deliver.log", "rb").read():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(open(f"{WORKDIR}/deliver.log", errors="replace").read())
        time.sleep(0.1)
    return process


def through_the_workers(merchant, receiver) -> tuple[float, float]:
    """Delivered/s: from the commit recording every event to the last arrival."""
    invoice_ids = [new_invoice(merchant) for _ in range(INVOICES)]
    workers = start_workers()
    try:
        with transaction.atomic():
            for invoice_id in invoice_ids:
                record(invoice_id, EVENTS_PER_INVOICE)
        committed = time.monotonic()
        receiver.send(("wait", TOTAL, 600))
        count, first, last = receiver.recv()
    finally:
        os.killpg(workers.pid, signal.SIGTERM)
        workers.wait(timeout=120)
    assert count == TOTAL, f"{count} of {TOTAL} arrived; see {WORKDIR}/deliver.log"
    assert not Delivery.objects.filter(delivered_at__isnull=True).exists()
    return TOTAL / (last - committed), first - committed


def floor(url, receiver) -> float:
    """The same signed POSTs from one plain loop over a requests.Session, per second."""
    now = timezone.now()
    requests_made = []
    for delivery in Delivery.objects.select_related(
        "event__invoice", "endpoint__merchant", "invoice"
    ).order_by("invoice_id", "sequence"):
        dialect = dialects.get(delivery.endpoint.dialect)
        assert dialect is not None
        body = dialect.body(delivery)
        signature = dialect.sign([delivery.endpoint.secret], now, body)
        requests_made.append(
            (body, {"Content-Type": "application/json", "User-Agent": "bench", **signature})
        )
    receiver.send(("reset",))
    receiver.recv()
    with requests.Session() as session:
        started = time.monotonic()
        for body, headers in requests_made:
            assert session.post(url, data=body, headers=headers, timeout=10).status_code == 200
        elapsed = time.monotonic() - started
    receiver.send(("wait", len(requests_made), 10))
    assert receiver.recv()[0] == len(requests_made)
    return len(requests_made) / elapsed


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
    connection.close()  # the receiver's process is forked: it must not share the connection
    parent_end, child_end = multiprocessing.Pipe()
    receiver = multiprocessing.get_context("fork").Process(
        target=serve_receiver, args=(child_end,), daemon=True
    )
    receiver.start()
    try:
        url = parent_end.recv()
        merchant, _ = create_merchant(name=f"Bench {time.time_ns()}")
        endpoints.set_callback_url(merchant=merchant, url=url, actor="bench")
        Delivery.objects.all().delete()  # a reused scratch database's earlier runs
        rate, first = through_the_workers(merchant, parent_end)
        loop = floor(url, parent_end)
        database = connection.vendor + (" + Redis" if os.environ["REDIS_URL"] else "")
        print(
            f"delivered/s through `manage.py deliver` ({TOTAL} events over {INVOICES} "
            f"invoices of one merchant, {database}, default workers): {rate:.0f} "
            f"(first arrival {first * 1000:.0f} ms after the commit)"
        )
        print(f"floor: the same signed POSTs from one requests.Session loop: {loop:.0f}/s")
        print(f"ratio to the floor: {rate / loop:.2f} (target >= 0.25)")
        without, with_ = creation_costs(merchant)
        print(
            f"invoice creation: {without * 1000:.2f} ms without an outbox row, "
            f"{with_ * 1000:.2f} ms with one event recorded; ratio {with_ / without:.2f}; "
            f"recording an event: {(with_ - without) * 1000:.2f} ms"
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
