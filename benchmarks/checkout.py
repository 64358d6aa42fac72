"""Checkout speed: server time to render the payment page and the status endpoint (p50 and
p95 over many requests), and the bytes of a first load (HTML, CSS, JS, icons, uncompressed;
the target is 100 KB).

    .venv/bin/python benchmarks/checkout.py [--requests 300] [--smoke]

Runs against a throwaway SQLite database with DEBUG off, through Django's full middleware
stack (the test client, no network), and prints the numbers.
"""

from __future__ import annotations

import argparse
import atexit
import gzip
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def first_load(client, path: str) -> tuple[int, dict[str, int]]:
    """Bytes of the page at `path` and of every asset it references from /static/."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    html = client.get(path).content
    parts = {path: len(html)}
    for url in dict.fromkeys(re.findall(rb'(?:src|href)="(/static/[^"]+)"', html)):
        name = url.decode()[len(settings.STATIC_URL) :]
        parts[name] = Path(finders.find(name)).stat().st_size
    return sum(parts.values()), parts


def weigh(client, path: str) -> tuple[int, int, dict[str, int]]:
    """The first load of `path`: bytes uncompressed, gzipped (how it usually travels), and
    each part's uncompressed size."""
    from django.contrib.staticfiles import finders

    total, parts = first_load(client, path)
    compressed = len(gzip.compress(client.get(path).content))
    for name in list(parts)[1:]:
        compressed += len(gzip.compress(Path(finders.find(name)).read_bytes()))
    return total, compressed, parts


def timed(client, path: str, count: int) -> tuple[float, float]:
    """(p50, p95) in milliseconds of GET `path`, after a few warm-up requests."""
    for _ in range(5):
        assert client.get(path).status_code == 200
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="5 requests each (the test suite)")
    options = parser.parse_args()
    count = 5 if options.smoke else options.requests

    sys.path.insert(0, str(ROOT))
    workdir = tempfile.mkdtemp(prefix="checkout-bench-")
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    os.environ["DEBUG"] = "0"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    # One client polls the status endpoint thousands of times a minute here: the per-IP
    # limit a payer's browser stays far below would answer 429.
    os.environ["CHECKOUT_STATUS_RATE"] = "1000000/min"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from chains.backends import sandbox
    from invoices import rates
    from invoices.models import Invoice
    from invoices.services import creation, payer
    from merchants.services import create_merchant
    from worker.tasks import scan_network

    call_command("migrate", verbosity=0)
    rates.refresh_rates()
    merchant, _ = create_merchant(name="Benchmark Coffee Roasters")
    merchant.allowed_return_hosts = ["shop.example"]
    merchant.save()
    payload = creation.create_invoice(
        merchant=merchant,
        request=creation.InvoiceRequest(
            price_amount=2500,
            price_currency="USD",
            description="Order #1042 · 2 × Coffee beans",
            return_url="https://shop.example/thanks",
            livemode=False,
        ),
        actor="benchmark",
    )
    invoice_id = payload["id"]
    page, status = f"/pay/{invoice_id}", f"/pay/{invoice_id}/status"
    client = Client(HTTP_HOST="localhost")  # no test instrumentation: real render times

    rows = [("page: choose a currency", *timed(client, page, count))]
    loads = [("choose screen", *weigh(client, page))]
    payer.select_currency(invoice_id=invoice_id, asset_code="USDT", network_code="sandbox")
    rows.append(("page: pay (address, QR)", *timed(client, page, count)))
    rows.append(("status endpoint: new", *timed(client, status, count)))
    loads.append(("pay screen", *weigh(client, page)))

    chosen = Invoice.objects.select_related("quote").get(pk=invoice_id).quote
    sandbox.broadcast(chosen.address, chosen.asset, chosen.due_amount, "sbx1qbenchmarkpayer")
    scan_network(sandbox.NETWORK)
    rows.append(("page: payment seen (1 tx)", *timed(client, page, count)))
    rows.append(("status endpoint: pending", *timed(client, status, count)))

    print(f"Checkout server time, {count} requests each (SQLite, DEBUG off, full middleware):")
    for name, p50, p95 in rows:
        print(f"  {name:<28} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")
    for screen, total, compressed, parts in loads:
        print(
            f"First load of the {screen}: {total:,} bytes uncompressed "
            f"({compressed:,} gzipped), budget 100,000"
        )
        for name, size in parts.items():
            print(f"  {size:>7,}  {name}")


if __name__ == "__main__":
    main()
