"""Merchant API speed, each number next to a baseline measured in the same run.

1. Invoice creation through the API (auth, validation, rate, quote, address derivation,
   idempotency, response) against a baseline endpoint behind the same authentication,
   rate limit and per-request transaction that does one INSERT of a comparable invoice
   row, with the SQL statements each one runs.
   They are timed in turn, request by request, so a busy machine slows them alike; the
   ratios are of medians, of wall time and of this process's CPU time. Target >= 0.6.
2. Listing the newest 50 invoices with 1,000 and with 100,000 invoices in the database,
   with the plan the database chose. Target ratio <= 1.5.

Run: python benchmarks/api.py [create|list] [--smoke]   (DATABASE_URL=postgres://… for
PostgreSQL)
"""

import statistics
import sys
import time
import uuid
from datetime import timedelta

from _setup import boot, percentile, report, size

boot()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

import config.urls  # noqa: E402
from invoices import rates  # noqa: E402
from invoices.models import Invoice  # noqa: E402
from merchants.services import create_merchant  # noqa: E402

CREATES, WARM_UP = size(400, 3), size(30, 2)
LIST_REQUESTS = size(200, 3)
SMALL, LARGE = size(1_000, 10), size(100_000, 100)  # invoices of the two listed merchants
PAGE = "/api/v1/invoices?limit=50"


class BaselineInsert(APIView):
    """The floor: same authentication and JSON round trip, one INSERT."""

    def post(self, request):
        now = timezone.now()
        invoice = Invoice.objects.create(
            merchant=request.user,
            price_amount=10000,
            price_currency="USD",
            insurance_percent=0,
            slippage_percent=0,
            payment_window_minutes=15,
            late_window_minutes=1440,
            processing_timeout_minutes=1440,
            created_at=now,
            status_changed_at=now,
            expires_at=now + timedelta(minutes=15),
        )
        return Response({"id": str(invoice.id)}, status=201)


# Under /api/ like the invoice endpoint, so the same middleware runs for both: the key's
# rate-limit headers and the one transaction every API write runs in.
BASELINE_PATH = "/api/v1/bench/baseline"
config.urls.urlpatterns.insert(0, path(BASELINE_PATH.lstrip("/"), BaselineInsert.as_view()))
clear_url_caches()


def timed(call, count):
    samples = []
    for i in range(count):
        start = time.perf_counter()
        response = call(i)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 201), response.content
    return samples


def client_for(name):
    merchant, key = create_merchant(name=name, mode="test")  # sandbox invoices
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return merchant, client


def bulk_invoices(merchant, count, newest):
    """`count` invoices a second apart, the last created at `newest`."""
    batch = []
    for i in range(count):
        created = newest - timedelta(seconds=count - 1 - i)
        batch.append(
            Invoice(
                id=uuid.uuid4(),
                merchant=merchant,
                livemode=False,  # the bench key is a test key
                price_amount=100 + i,
                price_currency="USD",
                insurance_percent=0,
                slippage_percent=0,
                payment_window_minutes=15,
                late_window_minutes=1440,
                processing_timeout_minutes=1440,
                created_at=created,
                status_changed_at=created,
                expires_at=created + timedelta(minutes=15),
            )
        )
        if len(batch) == 5000:
            Invoice.objects.bulk_create(batch)
            batch = []
    Invoice.objects.bulk_create(batch)


def statements(call) -> list[str]:
    """The first word (and table, for writes) of each SQL statement one request runs."""
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code in (200, 201), response.content
    words = []
    for query in queries.captured_queries:
        sql = query["sql"].split()
        table = next((w.strip('"') for w in sql[1:4] if w.strip('"').count("_")), "")
        words.append(sql[0] + (f" {table}" if sql[0] in ("INSERT", "UPDATE") else ""))
    return words


def explain(lister) -> str:
    """The plan of the page query one listing request runs (as captured, with its
    parameters), as the database prints it; on PostgreSQL with the rows each step read."""
    with CaptureQueriesContext(connection) as queries:
        assert lister.get(PAGE).status_code == 200
    page = next(
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "invoices_invoice"' in q["sql"] and "ORDER BY" in q["sql"]
    )
    prefix = (
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + page)
        return "\n".join(" ".join(str(cell) for cell in row) for row in cursor.fetchall())


def main(parts):
    rates.refresh_rates()
    if "create" in parts:
        creation()
    if "list" in parts:
        listing()


def creation():
    _, client = client_for("bench")
    fixed = {
        "price_amount": "100.00",
        "price_currency": "USD",
        "pay_currency": "USDT",
        "network": "sandbox",
    }
    calls = {
        "baseline: auth + one INSERT": lambda i: client.post(BASELINE_PATH, fixed, format="json"),
        "create fixed (quote + derived address)": lambda i: client.post(
            "/api/v1/invoices",
            {**fixed, "foreign_id": f"f{i}"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"k{i}",
        ),
        "create fixed, no Idempotency-Key": lambda i: client.post(
            "/api/v1/invoices", {**fixed, "foreign_id": f"n{i}"}, format="json"
        ),
        "create timed (every method quoted)": lambda i: client.post(
            "/api/v1/invoices", {"price_amount": "100.00", "price_currency": "USD"}, format="json"
        ),
    }
    for call in calls.values():  # warm up
        timed(lambda i, call=call: call(CREATES + 100 + i), WARM_UP)
    counts = {
        name: statements(lambda call=call: call(CREATES + 1000)) for name, call in calls.items()
    }
    samples = {name: [] for name in calls}
    cpu = {name: [] for name in calls}  # this process's CPU: steady on a shared machine
    for i in range(CREATES):
        for name, call in calls.items():
            started = time.thread_time()
            samples[name] += timed(lambda _, call=call, i=i: call(i), 1)
            cpu[name].append(time.thread_time() - started)

    print(
        "Invoice creation (in-process WSGI, one client, "
        f"{CREATES} requests each, interleaved, database: {connection.vendor})"
    )
    medians = {}
    for name, times in samples.items():
        report(name, times)
        medians[name] = statistics.median(times)
        print(f"{'':<44} {len(counts[name])} SQL statements: {', '.join(counts[name])}")
    for label, per_request in (
        ("wall", medians),
        ("CPU", {n: statistics.median(t) for n, t in cpu.items()}),
    ):
        base, fixed_ms, bare_ms, timed_ms = per_request.values()
        print(
            f"ratio ({label} time) fixed/baseline {base / fixed_ms:.2f} (without "
            f"Idempotency-Key {base / bare_ms:.2f})   timed/baseline {base / timed_ms:.2f}"
        )
    print(
        "(throughput at the median; target >= 0.6. On SQLite the database runs in this "
        "process, so CPU time is the measure a busy machine does not disturb)\n"
    )


def listing():
    print(f"List newest 50 ({LIST_REQUESTS} requests each)")
    results, listers = {}, {}
    # The small merchant's invoices are older than all of the large one's, so that its
    # newest page ends up below the large one's newer rows: a plan walking the time index
    # would read through them.
    newest = {SMALL: timezone.now() - timedelta(days=2), LARGE: timezone.now()}
    for count in (SMALL, LARGE):
        merchant, lister = client_for(f"list-{count}")
        listers[count] = lister
        started = time.perf_counter()
        bulk_invoices(merchant, count, newest[count])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # what autovacuum would have done by now
                cursor.execute("ANALYZE")
        print(f"  seeded {count:,} invoices in {time.perf_counter() - started:.1f} s")
        print("  plan: " + explain(lister).replace("\n", "\n        "))
        timed(lambda i, c=lister: c.get(PAGE), WARM_UP)
        print(f"  {len(statements(lambda c=lister: c.get(PAGE)))} SQL statements per page")
        samples, cpu = [], []
        for _ in range(LIST_REQUESTS):
            started = time.thread_time()
            samples += timed(lambda i, c=lister: c.get(PAGE), 1)
            cpu.append(time.thread_time() - started)
        results[count] = (percentile(samples, 50), percentile(cpu, 50))
        report(f"list 50 of {count:,}", samples)
    (wall_small, cpu_small), (wall_large, cpu_large) = results[SMALL], results[LARGE]
    print(
        f"ratio p50 {LARGE:,} / {SMALL:,}: {wall_large / wall_small:.2f} wall time, "
        f"{cpu_large / cpu_small:.2f} CPU time (target <= 1.5)"
    )
    print(
        f"  plan of the merchant with {SMALL:,} among {SMALL + LARGE:,}: "
        + explain(listers[SMALL]).replace("\n", "\n        ")
    )
    # The same two merchants again, one request each in turn: a busy machine slows both.
    turns = {SMALL: [], LARGE: []}
    for _ in range(LIST_REQUESTS):
        for count, lister in listers.items():
            turns[count] += timed(lambda i, c=lister: c.get(PAGE), 1)
    print(
        f"ratio p50 interleaved, the merchant with {LARGE:,} / the one with {SMALL:,}: "
        f"{percentile(turns[LARGE], 50) / percentile(turns[SMALL], 50):.2f}"
    )


if __name__ == "__main__":
    main([part for part in sys.argv[1:] if part != "--smoke"] or ["create", "list"])
