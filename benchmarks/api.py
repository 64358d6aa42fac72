"""Merchant API speed, each number next to a baseline measured in the same run.

1. Invoice creation through the API (auth, validation, rate, quote, address derivation,
   idempotency, response) against a baseline endpoint behind the same authentication that
   does one INSERT of a comparable invoice row. Target ratio >= 0.5.
2. Listing the newest 50 invoices with 1,000 and with 100,000 invoices in the database.
   Target ratio <= 1.5.

Run: python benchmarks/api.py   (DATABASE_URL=postgres://… to measure on PostgreSQL)
"""

import time
import uuid
from datetime import timedelta

from _setup import boot, percentile, report

boot()

from django.db import connection  # noqa: E402
from django.urls import clear_url_caches, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

import config.urls  # noqa: E402
from invoices import rates  # noqa: E402
from invoices.models import Invoice  # noqa: E402
from merchants.services import create_merchant  # noqa: E402

CREATES = 400
LIST_REQUESTS = 200


class BaselineInsert(APIView):
    """The floor: same authentication and JSON round trip, one INSERT."""

    def post(self, request):
        now = timezone.now()
        invoice = Invoice.objects.create(
            merchant=request.user, price_amount=10000, price_currency="USD",
            insurance_percent=0, slippage_percent=0, payment_window_minutes=15,
            late_window_minutes=1440, processing_timeout_minutes=1440, created_at=now,
            status_changed_at=now, expires_at=now + timedelta(minutes=15))
        return Response({"id": str(invoice.id)}, status=201)


config.urls.urlpatterns.append(path("bench/baseline", BaselineInsert.as_view()))
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
    merchant, key = create_merchant(name, mode="test")  # sandbox invoices
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return merchant, client


def bulk_invoices(merchant, count):
    now = timezone.now()
    batch = []
    for i in range(count):
        created = now - timedelta(seconds=count - i)
        batch.append(Invoice(
            id=uuid.uuid4(), merchant=merchant, livemode=False,  # the bench key is a test key
            price_amount=100 + i, price_currency="USD",
            insurance_percent=0, slippage_percent=0, payment_window_minutes=15,
            late_window_minutes=1440, processing_timeout_minutes=1440, created_at=created,
            status_changed_at=created, expires_at=created + timedelta(minutes=15)))
        if len(batch) == 5000:
            Invoice.objects.bulk_create(batch)
            batch = []
    Invoice.objects.bulk_create(batch)


def main():
    rates.refresh_rates()
    _, client = client_for("bench")
    fixed = {"price_amount": "100.00", "price_currency": "USD", "pay_currency": "USDT",
             "network": "sandbox"}
    timed(lambda i: client.post("/bench/baseline", fixed, format="json"), 30)  # warm up
    timed(lambda i: client.post("/api/v1/invoices", fixed, format="json"), 30)

    print("Invoice creation (in-process WSGI, one client, "
          f"{CREATES} requests each, database: {connection.vendor})")
    base = report("baseline: auth + one INSERT", timed(
        lambda i: client.post("/bench/baseline", fixed, format="json"), CREATES))
    fixed_rate = report("create fixed (quote + derived address)", timed(
        lambda i: client.post("/api/v1/invoices", {**fixed, "foreign_id": f"f{i}"},
                              format="json", HTTP_IDEMPOTENCY_KEY=f"k{i}"), CREATES))
    timed_rate = report("create timed (3 quotes, lazy address)", timed(
        lambda i: client.post("/api/v1/invoices", {"price_amount": "100.00",
                                                   "price_currency": "USD"}, format="json"),
        CREATES))
    print(f"ratio fixed/baseline {fixed_rate / base:.2f}   timed/baseline "
          f"{timed_rate / base:.2f}   (target >= 0.5)\n")

    print(f"List newest 50 ({LIST_REQUESTS} requests each)")
    results = {}
    for count in (1_000, 100_000):
        merchant, lister = client_for(f"list-{count}")
        started = time.perf_counter()
        bulk_invoices(merchant, count)
        print(f"  seeded {count:,} invoices in {time.perf_counter() - started:.1f} s")
        timed(lambda i, c=lister: c.get("/api/v1/invoices?limit=50"), 20)
        samples = timed(lambda i, c=lister: c.get("/api/v1/invoices?limit=50"), LIST_REQUESTS)
        results[count] = percentile(samples, 50)
        report(f"list 50 of {count:,}", samples)
    print(f"ratio p50 100,000 / 1,000: {results[100_000] / results[1_000]:.2f} "
          "(target <= 1.5)")


if __name__ == "__main__":
    main()
