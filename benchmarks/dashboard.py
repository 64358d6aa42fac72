"""Merchant dashboard speed at scale.

1. The invoice list (unfiltered, each filter, a deep keyset page) and search (id, order id,
   e-mail, address, txid) with 1,000,000 invoices of one merchant, server time per request
   through the whole Django stack. Target p50 <= 100 ms.
2. The overview page at the same size.
3. The CSV export of 100,000 invoices: time, and the peak RSS of a fresh process exporting
   10,000 and then 100,000 rows — equal peaks mean memory does not grow with the rows.

Rows are bulk-loaded with INSERT … SELECT generate_series, so PostgreSQL is required.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/gateway python benchmarks/dashboard.py
     (INVOICES=100000 for a shorter run)
"""

import os
import resource
import subprocess
import sys
import time
from datetime import timedelta

from _setup import boot, percentile

INVOICES = int(os.environ.get("INVOICES", "1000000"))
REQUESTS = 30

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

if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit(
        "benchmarks/dashboard.py loads its rows with PostgreSQL's generate_series: "
        "set DATABASE_URL=postgres://…"
    )
boot()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from invoices.models import Invoice, Quote, Transaction  # noqa: E402
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


def _status_case() -> str:
    """SQL choosing a status from n by the shares above."""
    parts, upper = [], 0
    for status, share in STATUSES:
        upper += share
        parts.append(f"WHEN mod(n, 1000) < {upper} THEN '{status}'")
    return "CASE " + " ".join(parts) + " END"


def load(merchant, other) -> None:
    """1M invoices of `merchant` over a year (and a few of `other`), a quote with an address
    for those that picked a currency, a transaction for those that were paid. One
    transaction: Django's foreign keys are deferred, so quotes (with known ids) go in first
    and each invoice is written once, with its quote."""
    invoice, quote, tx = (Invoice._meta.db_table, Quote._meta.db_table, Transaction._meta.db_table)
    networks = "ARRAY[" + ",".join(f"'{n}'" for n, _ in NETWORKS) + "]"
    assets = "ARRAY[" + ",".join(f"'{a}'" for _, a in NETWORKS) + "]"
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        for merchant_id, count, prefix, first_quote in (
            (merchant.pk, INVOICES, "a", 0),
            (other.pk, 1000, "b", INVOICES),
        ):
            cursor.execute("DROP TABLE IF EXISTS bench_rows")
            cursor.execute(
                f"""
                CREATE TEMP TABLE bench_rows AS
                SELECT n, md5('{prefix}' || n)::uuid AS id, {_status_case()} AS status,
                    %s::timestamptz - n * interval '1 second' * (365.0 * 86400 / %s) AS created,
                    CASE WHEN {_status_case()} <> 'new' THEN {first_quote} + n END AS quote_id
                FROM generate_series(1, %s) AS n
            """,
                [now, count, count],
            )
            cursor.execute(f"""
                INSERT INTO {quote} (id, invoice_id, asset, network, rate, rate_source,
                    rate_fetched_at, fee_amount, due_amount, address, derivation_index,
                    created_at)
                SELECT quote_id, id, ({assets})[1 + mod(n, 4)], ({networks})[1 + mod(n, 4)],
                    '1', 'static', created, 0, (1000 + mod(n::bigint * 7919, 500000)) * 10000,
                    'addr-{prefix}' || n, NULL, created
                FROM bench_rows WHERE quote_id IS NOT NULL
            """)
            cursor.execute(
                f"""
                INSERT INTO {invoice} (id, merchant_id, kind, status, status_context, archived,
                    price_amount, price_currency, quote_id, foreign_id, description,
                    customer_email, callback_url, return_url, metadata, insurance_percent,
                    slippage_percent, include_fee, payment_window_minutes, late_window_minutes,
                    processing_timeout_minutes, created_at, expires_at, selected_at,
                    status_changed_at, review_decision)
                SELECT id, %s, 'timed', status,
                    CASE WHEN status = 'unresolved' THEN (ARRAY['underpaid', 'overpaid',
                        'paid_late'])[1 + mod(n, 3)] END,
                    mod(n, 20) = 0, 1000 + mod(n::bigint * 7919, 500000),
                    CASE WHEN mod(n, 5) = 0 THEN 'EUR' ELSE 'USD' END, quote_id,
                    '{prefix}order-' || n, 'Order ' || n,
                    'customer' || mod(n, 200000) || '@example.com', '', '', '{{}}', 0, 0.5,
                    false, 15, 1440, 1440, created, created + interval '15 min',
                    CASE WHEN quote_id IS NOT NULL THEN created END,
                    created + interval '10 min', ''
                FROM bench_rows
            """,
                [merchant_id],
            )
            cursor.execute(f"""
                INSERT INTO {tx} (invoice_id, quote_id, network, txid, output_index, asset,
                    amount, to_address, from_addresses, block_height, block_hash,
                    required_confirmations, status, flagged, detected_at, confirmed_at)
                SELECT r.id, q.id, q.network, md5('tx' || q.id) || md5('tx2' || q.id), 0,
                    q.asset, q.due_amount, q.address, '["sender"]', 100, 'hash', 2,
                    'confirmed', false, r.created + interval '2 min',
                    r.created + interval '5 min'
                FROM bench_rows r JOIN {quote} q ON q.id = r.quote_id
                WHERE r.status IN ('completed', 'unresolved', 'refunded', 'pending',
                                   'declined', 'compliance_review')
            """)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{quote}', 'id'), (SELECT max(id) FROM {quote}))"
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {invoice}; ANALYZE {quote}; ANALYZE {tx};")


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
    # A deep page: the cursor after 20 pages.
    params = {}
    for _ in range(20):
        next_link = client.get("/dashboard/invoices/", params).content.split(b'rel="next"')[0]
        cursor = next_link.rsplit(b"cursor=", 1)[1].split(b'"')[0].split(b"&")[0].decode()
        params = {"cursor": cursor}
    month_start = (timezone.now() - timedelta(days=200)).date()
    print("\nInvoice list and search (server time, Django test client):")
    cases = {
        "newest 50 (archived hidden)": {},
        "page 21 (keyset cursor)": params,
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

    samples = []
    for _ in range(5):
        start = time.perf_counter()
        assert client.get("/dashboard/").status_code == 200
        samples.append((time.perf_counter() - start) * 1000)
    print(
        f"\nOverview page (counts, volumes, chart, needs-action): p50 "
        f"{percentile(samples, 50):.0f} ms"
    )

    print("\nCSV export (a fresh process each, streaming to the end):")
    newest = Invoice.objects.filter(merchant=merchant).order_by("-created_at")
    for rows in (10_000, 100_000):
        if rows > INVOICES:
            continue
        since = newest[rows - 1].created_at.date().isoformat()
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


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


main()
