"""Boot Django for a benchmark on a throwaway database: a temporary SQLite file (deleted at
exit) unless DATABASE_URL is set (then a fresh `<name>_bench` database next to it is used).

Every benchmark takes `--smoke`: the same code at a size that runs in seconds, so the test
suite runs each one (tests/test_benchmarks.py) and a change that breaks a benchmark fails
there; its numbers mean nothing."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE = "--smoke" in sys.argv[1:]


def size(full, smoke):
    """`full`, or `smoke` in a `--smoke` run."""
    return smoke if SMOKE else full


def boot() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    url = os.environ.get("DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = url.rstrip("/") + "_bench"
    else:
        folder = tempfile.mkdtemp(prefix="gateway-bench-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    if connection.vendor == "postgresql":
        setup_databases(verbosity=0, interactive=False)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(len(ordered) * p / 100), len(ordered) - 1)]


def report(name: str, samples_ms: list[float]) -> float:
    """Print and return requests per second for a list of per-request times."""
    total = sum(samples_ms) / 1000
    rate = len(samples_ms) / total
    print(
        f"{name:<44} {rate:8.0f} req/s   p50 {percentile(samples_ms, 50):6.2f} ms   "
        f"p99 {percentile(samples_ms, 99):6.2f} ms"
    )
    return rate


def watch(
    merchant, addresses: list[str], *, asset: str, network: str, rate: str, due_amount: int
) -> None:
    """Open invoices whose quotes hold these addresses, in bulk (after `boot()`)."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from invoices.models import Invoice, Quote

    now = timezone.now()
    for start in range(0, len(addresses), 5000):
        chunk = addresses[start : start + 5000]
        invoices = [
            Invoice(
                id=uuid.uuid4(),
                merchant=merchant,
                kind="fixed",
                price_amount=10_000,
                price_currency="USD",
                insurance_percent=0,
                slippage_percent=0,
                payment_window_minutes=15,
                late_window_minutes=1440,
                processing_timeout_minutes=1440,
                created_at=now,
                status_changed_at=now,
                expires_at=now + timedelta(days=1),
            )
            for _ in chunk
        ]
        Invoice.objects.bulk_create(invoices)
        Quote.objects.bulk_create(
            [
                Quote(
                    invoice=invoice,
                    asset=asset,
                    network=network,
                    rate=rate,
                    rate_source="static",
                    rate_fetched_at=now,
                    due_amount=due_amount,
                    address=address,
                    derivation_index=0,
                    created_at=now,
                )
                for invoice, address in zip(invoices, chunk, strict=True)
            ]
        )
