"""Bounded load on a live gateway, printing numbers: 20 clients for 60 s against gunicorn on
loopback, with the worker (`qcluster`), the scanner (`scan`) and the callback delivery
workers (`deliver`) running, as the README deploys them, while one merchant's callback
receiver drips its answers a byte a second.

Each client, for one of three merchants in turn: creates an invoice (10 USD in USDT on the
sandbox), reads it, pays it exactly with the sandbox (confirmed at once), and polls the
payer's status endpoint. Reported: requests, errors, 500s; sandbox payments against
completed invoices (a payment acknowledged whose invoice did not complete is lost; an
invoice with more credit than its one payment is a double credit); callback delays per
merchant (the receiver's arrival time minus the event's `created_at`: p50 and p95 for the
merchants whose receivers answer, and the dripping merchant's first attempts); how long each
process took to stop on SIGTERM to its process group.

Run: .venv/bin/python benchmarks/load.py [--clients 20] [--seconds 60] [--smoke]
On SQLite by default (a scratch file); DATABASE_URL=postgres://… (a scratch database: it is
migrated and written to) and REDIS_URL=redis://… (a db of its own) for the other setup.
Loopback only: the receivers run in this process, callbacks to 127.0.0.1 are allowed.
The merchants are in test mode (their invoices are paid on the sandbox). If a request failed
the numbers are printed and the script exits with an error naming what failed and how:
figures over errors measure nothing. --smoke: 2 clients for 3 s, no dripping receiver (the
test suite).
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="load-"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "0",
    "SANDBOX": "1",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "load-test-only-secret-key-0123456789-abcdef"),
    "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{WORKDIR}/load.sqlite3"),
    "REDIS_URL": os.environ.get("REDIS_URL", ""),
    "ALLOWED_HOSTS": "127.0.0.1",
    "PUBLIC_URL": BASE,
    "CALLBACKS_ALLOW_PRIVATE": "1",
    "LOG_LEVEL": "WARNING",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "Q_WORKERS": "2",
    # The load measures correctness under load, not the per-key limit nor the per-IP limit of
    # the payer's status endpoint (every client polls from 127.0.0.1).
    "API_THROTTLE_RATE": "1000000/min",
    "CHECKOUT_STATUS_RATE": "1000000/min",
}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402

from invoices import rates  # noqa: E402
from invoices.models import Event, Invoice  # noqa: E402
from merchants.services import create_merchant  # noqa: E402
from tests.receiver import Drip, Receiver  # noqa: E402
from webhooks import endpoints  # noqa: E402
from webhooks.models import Delivery  # noqa: E402

WALL = time.time() - time.monotonic()  # the receivers' arrival times, on the wall clock


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.errors = Counter()
        self.first_error: dict[str, str] = {}  # what → the first failure's answer
        self.paid = Counter()  # invoice id → acknowledged sandbox payments
        self.answered: dict[str, str] = {}  # invoice id → the status the payment answered

    def count(self, what, response=None, error=None, expected=(200, 201)):
        with self.lock:
            if error is not None:
                self.errors[f"{what}: {type(error).__name__}"] += 1
                self.first_error.setdefault(what, repr(error))
                return
            self.statuses[response.status_code] += 1
            if response.status_code not in expected:
                self.errors[f"{what}: {response.status_code}"] += 1
                self.first_error.setdefault(what, f"{response.status_code} {response.text[:300]}")


def client(index, keys, deadline, tally):
    session = requests.Session()
    name, key = keys[index % len(keys)]
    session.headers["Authorization"] = f"Bearer {key}"

    def call(what, method, path, **kwargs):
        try:
            response = session.request(method, BASE + path, timeout=30, **kwargs)
        except requests.RequestException as exc:
            tally.count(what, error=exc)
            return None
        tally.count(what, response)
        return response

    while time.monotonic() < deadline:
        created = call(
            "create",
            "POST",
            "/api/v1/invoices",
            json={
                "price_amount": "10.00",
                "price_currency": "USD",
                "pay_currency": "USDT",
                "network": "sandbox",
                "description": f"load {name}",
            },
        )
        if created is None or created.status_code != 201:
            continue
        invoice_id = created.json()["id"]
        call("read", "GET", f"/api/v1/invoices/{invoice_id}")
        paid = call(
            "pay", "POST", f"/api/v1/sandbox/invoices/{invoice_id}/pay", json={"confirm": True}
        )
        if paid is not None and paid.status_code == 200:
            with tally.lock:
                tally.paid[invoice_id] += 1
                tally.answered[invoice_id] = paid.json()["status"]
        call("poll", "GET", f"/pay/{invoice_id}/status", headers={"Authorization": ""})


def start(name, *command):
    log = (WORKDIR / f"{name}.log").open("wb")
    return subprocess.Popen(
        command, cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process) -> float:
    """SIGTERM to the process group, as systemd sends it; seconds until it exited."""
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return float("inf")
    return time.monotonic() - started


def wait_until_up(key, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (
                requests.get(
                    f"{BASE}/api/v1/merchant", timeout=2, headers={"Authorization": f"Bearer {key}"}
                ).status_code
                == 200
            ):
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the web server did not come up; see {WORKDIR}/web.log")


def delays(receiver) -> list[float]:
    """Seconds from each event's creation to its arrival at the receiver."""
    return [
        WALL + arrived - datetime.fromisoformat(body["created_at"]).timestamp()
        for arrived, body in zip(receiver.arrived, receiver.bodies(), strict=False)
    ]


def first_attempts(receiver) -> list[float]:
    """Seconds from each event's creation to the first request for it at the receiver."""
    first: dict[str, float] = {}
    for delay, body in zip(delays(receiver), receiver.bodies(), strict=False):
        first.setdefault(body["id"], delay)
    return list(first.values())


def summary(values) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p95 = ordered[min(int(len(ordered) * 0.95), len(ordered) - 1)]
    return (
        f"{len(values)} events, p50 {statistics.median(ordered):.2f} s, "
        f"p95 {p95:.2f} s, max {ordered[-1]:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="qcluster workers (Q_WORKERS)")
    parser.add_argument("--smoke", action="store_true", help="2 clients for 3 s, no drip")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="merchant A's receiver answers at once too (to compare)",
    )
    options = parser.parse_args()
    if options.smoke:  # no dripping receiver: stopping the worker would wait for its cut
        options.clients, options.seconds, options.baseline = 2, 3, True

    ENV["Q_WORKERS"] = str(options.workers)
    call_command("migrate", verbosity=0)
    rates.refresh_rates()
    dripping, quick_b, quick_c = Receiver(), Receiver(), Receiver()
    if not options.baseline:
        dripping.always(Drip(1.0))
    keys, merchants = [], {}
    stamp = int(time.time())
    for name, receiver in (("A (dripping receiver)", dripping), ("B", quick_b), ("C", quick_c)):
        merchant, key = create_merchant(name=f"Load {name} {stamp}", mode="test")
        endpoints.set_callback_url(merchant=merchant, url=receiver.url, actor="bench")
        keys.append((name, key))
        merchants[name] = (merchant, receiver)

    python = sys.executable
    processes = {
        "web": start(
            "web",
            str(Path(python).with_name("gunicorn")),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
        ),
        "qcluster": start("qcluster", python, "manage.py", "qcluster"),
        "scan": start("scan", python, "manage.py", "scan", "--network", "sandbox"),
        "deliver": start("deliver", python, "manage.py", "deliver"),
    }
    stopped = {}
    try:
        wait_until_up(keys[0][1])
        tally = Tally()
        deadline = time.monotonic() + options.seconds
        threads = [
            threading.Thread(target=client, args=(i, keys, deadline, tally))
            for i in range(options.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Let the quick merchants' callbacks drain (the dripping one's never succeed).
        quick = [merchants["B"][0], merchants["C"][0]]
        drain_until = time.monotonic() + 90
        while (
            Delivery.objects.filter(
                endpoint__merchant__in=quick, next_attempt_at__isnull=False
            ).exists()
            and time.monotonic() < drain_until
        ):
            time.sleep(1)
        for name in ("web", "scan", "deliver", "qcluster"):
            stopped[name] = stop(processes[name])
    finally:
        for name, process in processes.items():
            if process.poll() is None:
                stopped.setdefault(name, stop(process))
        for receiver in (dripping, quick_b, quick_c):
            receiver.close()

    database = django.db.connection.vendor + (" + Redis" if ENV["REDIS_URL"] else "")
    print(
        f"Load: {options.clients} clients, {options.seconds:g} s, {database}, gunicorn 2×4, "
        f"qcluster ({options.workers} workers), scan, deliver ({options.workers} workers, "
        f"{ENV.get('CALLBACKS_PER_MERCHANT') or max(1, options.workers // 2)} per endpoint)"
        + (", no dripping receiver" if options.baseline else "")
    )
    total = sum(tally.statuses.values())
    print(
        f"  requests: {total} ({total / options.seconds:.0f}/s); by status: "
        f"{dict(sorted(tally.statuses.items()))}"
    )
    print(
        f"  errors: {sum(tally.errors.values())} {dict(tally.errors) or ''}; "
        f"500s: {sum(n for s, n in tally.statuses.items() if s >= 500)}"
    )

    ours = Invoice.objects.filter(merchant__in=[m for m, _ in merchants.values()])
    credited = {str(k): n for k, n in ours.annotate(n=Count("transactions")).values_list("pk", "n")}
    status = {str(k): v for k, v in ours.values_list("pk", "status")}
    paid = dict(tally.paid)
    lost = [i for i in paid if not credited.get(i)]
    double = [i for i, n in credited.items() if n > max(paid.get(i, 0), 1)]
    unacknowledged = [i for i, n in credited.items() if n and i not in paid]
    said_completed = [i for i in paid if tally.answered[i] == "completed"]
    left = Counter(status[i] for i in paid if status[i] != "completed")
    print(
        f"  sandbox payments acknowledged: {sum(paid.values())} ({len(said_completed)} "
        f"answered completed); completed invoices: "
        f"{sum(1 for i in paid if status[i] == 'completed')}; lost (no credit): {len(lost)}; "
        f"double credits: {len(double)}; credited though the answer was an error: "
        f"{len(unacknowledged)}; answered completed but not completed: "
        f"{sum(1 for i in said_completed if status[i] != 'completed')}; "
        f"paid but not completed at the end: {dict(left) or 0}"
    )

    for name, (merchant, receiver) in merchants.items():
        events = Event.objects.filter(merchant=merchant)
        if receiver is dripping and not options.baseline:
            tried = events.filter(delivery_attempts__isnull=False).distinct().count()
            print(
                f"  callbacks {name}: {events.count()} events, {tried} tried, "
                f"{len(receiver.received)} requests received, each cut at 10 s (none can "
                f"succeed); event to first attempt: {summary(first_attempts(receiver))}"
            )
        else:
            waiting = Delivery.objects.filter(
                endpoint__merchant=merchant, delivered_at__isnull=True
            ).count()
            print(
                f"  callbacks {name}: {summary(delays(receiver))}; "
                f"{waiting} of {events.count()} not delivered"
            )
    print(
        "  stop on SIGTERM to the process group: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stopped.items())
    )
    print(f"  logs: {WORKDIR}")
    if tally.errors or not paid:
        raise SystemExit(
            "load.py: requests failed, these numbers measure nothing; first failures: "
            + (
                "; ".join(f"{what}: {answer}" for what, answer in tally.first_error.items())
                or "no invoice was paid"
            )
        )


if __name__ == "__main__":
    main()
