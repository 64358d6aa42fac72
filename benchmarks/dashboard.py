"""Merchant dashboard speed at scale: the same pages at a merchant with 1,000 invoices and at
one with 1,000,000 (a year of them, about 50,000 completed in the last 30 days), each with a
ratio large/small. Target: the overview and the list at most 1.5x (PostgreSQL).

1. The invoice list (unfiltered, each filter, a deep keyset page) and search (id, order id,
   e-mail, address, txid) at the large merchant, server time per request through the whole
   Django stack. Target p50 <= 100 ms.
2. The overview page and the newest page of the list at both merchants: p50 and the ratio.
3. The CSV export of 100,000 invoices: time, and the peak RSS of a fresh process exporting
   10,000 and then 100,000 rows — equal peaks mean memory does not grow with the rows.

Rows are built as model instances (so a new column gets its default) and written with each
value prepared by its field, as bulk_create would: by COPY on PostgreSQL, executemany on
SQLite; the overview's daily totals are then counted from them (`rebuild_daily_totals`).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/gateway python benchmarks/dashboard.py
     (INVOICES=100000 for a shorter run; without DATABASE_URL on a SQLite file;
     --smoke: a few hundred invoices, for the test suite)
"""

import hashlib
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta

from _setup import boot, percentile, size

INVOICES = size(int(os.environ.get("INVOICES", "1000000")), 300)
SMALL = size(1000, 100)  # the other merchant's invoices
REQUESTS, PAGES, OVERVIEWS = size(30, 2), size(20, 2), size(15, 2)
EXPORTS = size((10_000, 100_000), (100,))  # rows

if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--export":
    # The child of part 3: the database is the parent's, already loaded.
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS, settings.DEBUG = ["testserver"], False
    from merchants.models import MerchantUser

    client = Client()
    client.force_login(MerchantUser.objects.get(user__username="owner@bench.example").user)
    response = client.get(
        "/dashboard/invoices/export.csv", {"archived": "all", "created_from": sys.argv[2]}
    )
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    print(lines - 1, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    sys.exit(0)

boot()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from invoices.models import Invoice, Quote, Transaction  # noqa: E402
from invoices.services.rollups import rebuild  # noqa: E402
from merchants.models import MerchantUser  # noqa: E402
from merchants.services import create_merchant  # noqa: E402

# status, share of invoices (per mille); unresolved ones get a context.
STATUSES = [
    ("completed", 600),
    ("expired", 250),
    ("new", 50),
    ("cancelled", 30),
    ("unresolved", 20),
    ("pending", 20),
    ("refunded", 15),
    ("failed", 10),
    ("declined", 4),
    ("compliance_review", 1),
]
NETWORKS = [("sandbox", "USDT"), ("ethereum", "USDT"), ("tron", "USDT"), ("bitcoin", "BTC")]


STATUS_OF = [status for status, share in STATUSES for _ in range(share)]  # n % 1000 → status
PAID = {"completed", "unresolved", "refunded", "pending", "declined", "compliance_review"}
BATCH = 5000


def batches(merchant, count: int, prefix: str, first_id: int, now):
    """(invoices, quotes, transactions) in batches: `count` invoices of `merchant` over a
    year, a quote with an address for those that picked a currency, a confirmed transaction
    for those that were paid (quotes and transactions numbered from `first_id`). Built as
    model instances, so a new column gets its default."""
    step = timedelta(seconds=365 * 86400 / count)
    for first in range(1, count + 1, BATCH):
        invoices, quotes, transactions = [], [], []
        for n in range(first, min(first + BATCH, count + 1)):
            status, created = STATUS_OF[n % 1000], now - n * step
            price = 1000 + n * 7919 % 500000
            quote = None
            if status != "new":
                network, asset = NETWORKS[n % 4]
                quote = Quote(
                    id=first_id + n,
                    asset=asset,
                    network=network,
                    rate="1",
                    rate_source="static",
                    rate_fetched_at=created,
                    due_amount=price * 10000,
                    address=f"addr-{prefix}{n}",
                    created_at=created,
                )
                quotes.append(quote)
            invoice = Invoice(
                merchant=merchant,
                kind="timed",
                status=status,
                status_context=(
                    ("underpaid", "overpaid", "paid_late")[n % 3]
                    if status == "unresolved"
                    else None
                ),
                archived=n % 20 == 0,
                price_amount=price,
                price_currency="EUR" if n % 5 == 0 else "USD",
                quote=quote,
                foreign_id=f"{prefix}order-{n}",
                description=f"Order {n}",
                customer_email=f"customer{n % 200000}@example.com",
                insurance_percent=0,
                slippage_percent="0.5",
                payment_window_minutes=15,
                late_window_minutes=1440,
                processing_timeout_minutes=1440,
                created_at=created,
                expires_at=created + timedelta(minutes=15),
                selected_at=created if quote else None,
                status_changed_at=created + timedelta(minutes=10),
            )
            invoices.append(invoice)
            if quote:
                quote.invoice = invoice
            if status in PAID:
                transactions.append(
                    Transaction(
                        id=first_id + n,
                        invoice=invoice,
                        quote=quote,
                        network=quote.network,
                        txid=hashlib.sha256(f"tx{prefix}{n}".encode()).hexdigest(),
                        output_index=0,
                        asset=quote.asset,
                        amount=quote.due_amount,
                        to_address=quote.address,
                        from_addresses=["sender"],
                        block_height=100,
                        block_hash="hash",
                        required_confirmations=2,
                        status="confirmed",
                        paid_at=created + timedelta(minutes=2),
                        detected_at=created + timedelta(minutes=2),
                        confirmed_at=created + timedelta(minutes=5),
                    )
                )
        yield invoices, quotes, transactions


def insert(model, objects) -> None:
    """What bulk_create writes (every column, each value prepared by its field, defaults
    included) without compiling the SQL again for each row: several times faster; on
    PostgreSQL by COPY, faster still."""
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    database = connections[DEFAULT_DB_ALIAS]  # not the per-thread proxy: read a million times
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    rows = (
        [field.get_db_prep_save(getattr(row, field.attname), database) for field in fields]
        for row in objects
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})",
                list(rows),
            )


def load(merchant, other) -> None:
    """INVOICES invoices of `merchant` and SMALL of `other`, then their daily totals. One
    transaction per batch: Django's foreign keys are deferred, so each invoice is written
    once, with its quote's id, before the quote."""
    now = timezone.now()
    first_id = max(
        model.objects.aggregate(last=Max("id"))["last"] or 0 for model in (Quote, Transaction)
    )
    for owner, count, prefix in ((merchant, INVOICES, "a"), (other, SMALL, "b")):
        for invoices, quotes, transactions in batches(owner, count, prefix, first_id, now):
            with transaction.atomic():
                insert(Invoice, invoices)
                insert(Quote, quotes)
                insert(Transaction, transactions)
        first_id += count
    with connection.cursor() as cursor:
        # The next quote or transaction the gateway makes gets a free id.
        for sql in connection.ops.sequence_reset_sql(no_style(), [Quote, Transaction]):
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    rebuild()  # written around the write path: counted as `rebuild_daily_totals` does


def measure(client, name: str, params: dict) -> float:
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get("/dashboard/invoices/", params)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    p50 = percentile(samples, 50)
    rows = response.content.count(b'class="invoice-row"')
    print(f"  {name:<36} p50 {p50:7.1f} ms   p99 {percentile(samples, 99):7.1f} ms   rows {rows}")
    return p50


def main() -> None:
    merchant, _ = create_merchant(name="Bench store")
    other, _ = create_merchant(name="Other store")
    user = get_user_model().objects.create_user("owner@bench.example", "owner@bench.example")
    MerchantUser.objects.create(user=user, merchant=merchant)
    small_user = get_user_model().objects.create_user("small@bench.example", "small@bench.example")
    MerchantUser.objects.create(user=small_user, merchant=other)
    started = time.perf_counter()
    load(merchant, other)
    total = Invoice.objects.count()
    print(
        f"{connection.vendor}: loaded {total:,} invoices in {time.perf_counter() - started:.0f} s"
    )

    client = Client()
    client.force_login(user)
    sample = (
        Invoice.objects.filter(merchant=merchant, status="completed")
        .select_related("quote")
        .order_by("created_at")[INVOICES // 3]
    )
    txid = Transaction.objects.filter(invoice=sample).values_list("txid", flat=True)[0]
    # A deep page: the cursor after PAGES pages.
    params = {}
    for _ in range(PAGES):
        next_link = client.get("/dashboard/invoices/", params).content.split(b'rel="next"')[0]
        cursor = next_link.rsplit(b"cursor=", 1)[1].split(b'"')[0].split(b"&")[0].decode()
        params = {"cursor": cursor}
    month_start = (timezone.now() - timedelta(days=200)).date()
    print("\nInvoice list and search (server time, Django test client):")
    cases = {
        "newest 50 (archived hidden)": {},
        f"page {PAGES + 1} (keyset cursor)": params,
        "status=completed": {"status": "completed"},
        "status=unresolved": {"status": "unresolved"},
        "status=compliance_review": {"status": "compliance_review"},
        "context=overpaid": {"context": "overpaid"},
        "archived only": {"archived": "only"},
        "network=bitcoin": {"network": "bitcoin"},
        "one month, 200 days ago": {
            "created_from": month_start.isoformat(),
            "created_to": (month_start + timedelta(days=30)).isoformat(),
        },
        "status + network + month": {
            "status": "expired",
            "network": "tron",
            "created_from": month_start.isoformat(),
        },
        "search: invoice id": {"q": str(sample.pk)},
        "search: order id": {"q": sample.foreign_id},
        "search: customer e-mail (any case)": {"q": sample.customer_email.upper()},
        "search: address": {"q": sample.quote.address},
        "search: txid": {"q": txid},
        "search: no match": {"q": "nothing-like-this"},
    }
    worst = max(measure(client, name, case) for name, case in cases.items())
    print(f"  worst p50: {worst:.1f} ms (target <= 100 ms)")

    small = Client()
    small.force_login(small_user)
    print(f"\nAt {INVOICES:,} invoices against {SMALL:,} (p50, server time; target ratio <= 1.5):")
    for name, url, count in (
        ("Overview page (counts, volumes, chart, needs-action)", "/dashboard/", OVERVIEWS),
        ("Invoice list, newest 50", "/dashboard/invoices/", REQUESTS),
    ):
        large_p50, small_p50 = (
            percentile(timed_pages(each, url, count), 50) for each in (client, small)
        )
        print(
            f"  {name:<54} {large_p50:7.1f} ms against {small_p50:6.1f} ms   "
            f"ratio {large_p50 / small_p50:.2f}"
        )

    print("\nCSV export (a fresh process each, streaming to the end):")
    newest = Invoice.objects.filter(merchant=merchant).order_by("-created_at")
    for wanted in EXPORTS:
        if wanted > INVOICES:
            continue
        since = newest[wanted - 1].created_at.date().isoformat()
        start = time.perf_counter()
        child = subprocess.run(
            [sys.executable, __file__, "--export", since],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "DATABASE_URL": _database_url()},
        )
        seconds = time.perf_counter() - start
        exported, peak_kb = child.stdout.split()[-2:]
        print(
            f"  {int(exported):>7,} rows in {seconds:5.1f} s "
            f"({int(exported) / seconds:,.0f} rows/s), peak RSS {int(peak_kb) / 1024:.0f} MB"
        )


def timed_pages(client, url: str, count: int) -> list[float]:
    """Server times (ms) of `count` requests of one page, after one to warm up."""
    assert client.get(url).status_code == 200
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


main()
