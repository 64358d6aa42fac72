"""The overview reads daily totals (`DailyTotal`), kept by the write path: what it shows equals
what the invoices add up to, whatever their lifecycles, and it reads no invoice."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import queries
from invoices import money
from invoices.lifecycle import Status
from invoices.models import DailyTotal, Invoice, Transaction
from invoices.services import reconciliation, rollups, writes
from pages.amounts import display_amount
from tests.conftest import run_at_once
from tests.test_flows import pay, shift_clock

NOW = datetime(2026, 3, 15, 0, 30, tzinfo=UTC)  # half an hour into a day: edges matter
CURRENCIES = ["USD", "EUR", "ETH"]  # ETH: 18 decimals, volumes far beyond 2**63


def table_cells(table: list[dict]) -> dict:
    return {
        (row["status"], period["label"]): (period["count"], period["volume"])
        for row in table
        for period in row["periods"]
    }


def test_the_overview_reads_the_daily_totals_not_the_invoices(api, create_invoice):
    for _ in range(3):
        create_invoice(price_amount="7.00")
    paid = create_invoice(pay_currency="USDT", network="sandbox", price_amount="20.00")
    api.post(f"/api/v1/sandbox/invoices/{paid['id']}/pay", {"confirm": True}, format="json")
    with CaptureQueriesContext(connection) as read:
        table = queries.status_table(api.merchant, datetime.now(UTC), False)
        chart = queries.completed_chart(api.merchant, datetime.now(UTC), livemode=False)
    assert [query["sql"] for query in read if "invoices_invoice" in query["sql"]] == []
    assert len(read) == 2  # one read of the days for each, however many invoices
    cells = table_cells(table)
    assert cells[("new", "Today")] == (3, "21.00 USD")
    assert cells[("completed", "30 days")] == (1, "20.00 USD")
    assert chart is not None and chart["total"] == "20.00"


def test_a_create_and_each_status_change_move_the_totals_in_their_transaction(create_invoice):
    invoice = create_invoice(price_amount="5.00", price_currency="EUR")
    created = DailyTotal.objects.get(basis=DailyTotal.CREATED)
    assert (created.status, created.count, created.volume) == ("new", 1, 500)
    try:
        with transaction.atomic():
            locked = writes.lock_invoice(invoice["id"])
            writes.change_status(locked, "completed", None, actor="test", now=datetime.now(UTC))
            assert {(t.basis, t.status, t.count) for t in DailyTotal.objects.all()} == {
                ("created", "new", 0),
                ("created", "completed", 1),
                ("completed", "completed", 1),
            }
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert {(t.basis, t.status, t.count) for t in DailyTotal.objects.all()} == {
        ("created", "new", 1)
    }


def _invoice(merchant, livemode: bool, price: int, currency: str, created: datetime) -> Invoice:
    """An invoice as creation writes it (the database counts it as it inserts it)."""
    invoice = Invoice.objects.create(
        merchant=merchant,
        livemode=livemode,
        price_amount=price,
        price_currency=currency,
        insurance_percent=0,
        slippage_percent=0,
        payment_window_minutes=15,
        late_window_minutes=60,
        processing_timeout_minutes=60,
        created_at=created,
        status_changed_at=created,
    )
    return invoice


def _direct(merchant, livemode: bool) -> tuple[dict, dict]:
    """What the overview shows, added up from the invoices themselves."""
    today = NOW.date()
    firsts = {
        "Today": today,
        "7 days": today - timedelta(days=6),
        "30 days": today - timedelta(days=29),
    }
    table: dict = defaultdict(lambda: [0, defaultdict(int)])
    completed: dict = defaultdict(lambda: defaultdict(int))
    for invoice in Invoice.objects.filter(merchant=merchant, livemode=livemode):
        for label, first in firsts.items():
            if rollups.day_of(invoice.created_at) >= first:
                cell = table[(invoice.status, label)]
                cell[0] += 1
                cell[1][invoice.price_currency] += invoice.price_amount
        changed = rollups.day_of(invoice.status_changed_at)
        if invoice.status == Status.COMPLETED and changed >= firsts["30 days"]:
            completed[invoice.price_currency][changed] += invoice.price_amount
    return table, completed


lifecycles = st.lists(
    st.tuples(
        st.sampled_from([True, False]),  # livemode
        st.integers(min_value=1, max_value=10**33),  # price, base units
        st.sampled_from(CURRENCIES),
        st.integers(min_value=0, max_value=40 * 24),  # created, hours before NOW
        st.lists(  # status changes: (status, hours after creation)
            st.tuples(st.sampled_from(list(Status)), st.integers(min_value=0, max_value=48)),
            max_size=4,
        ),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lifecycles=lifecycles)
def test_the_overview_equals_a_direct_sum_over_any_lifecycles(make_merchant, lifecycles):
    merchant = make_merchant().merchant
    with transaction.atomic():
        for livemode, price, currency, hours, changes in lifecycles:
            created = NOW - timedelta(hours=hours)
            invoice = _invoice(merchant, livemode, price, currency, created)
            for status, after in changes:
                moment = min(created + timedelta(hours=after), NOW)
                locked = writes.lock_invoice(invoice.pk)
                writes.change_status(locked, status, None, actor="test", now=moment)
        for livemode in (True, False):
            table, completed = _direct(merchant, livemode)
            shown = table_cells(queries.status_table(merchant, NOW, livemode))
            for (status, label), (count, volume) in shown.items():
                expected_count, volumes = table.get((status, label), (0, {}))
                assert count == expected_count
                assert volume == queries._amounts({label: volumes}, label)
            assert {key for key, (count, _) in shown.items() if count} == {
                key for key, (count, _) in table.items() if count
            }
            for currency in CURRENCIES:
                chart = queries.completed_chart(merchant, NOW, currency, livemode)
                if not completed.get(currency):
                    assert chart is None or chart["currency"] != currency
                    continue
                assert chart is not None and chart["currency"] == currency
                decimals = money.price_decimals(currency) or 0
                assert chart["total"] == display_amount(sum(completed[currency].values()), decimals)
                assert {bar.day: bar.label for bar in chart["chart"].bars} == {
                    bar.day: display_amount(completed[currency].get(bar.day, 0), decimals)
                    for bar in chart["chart"].bars
                }
        kept = _rows()
        rollups.rebuild()  # the direct aggregate over the invoices, written anew
        assert _rows() == kept
        transaction.set_rollback(True)


def _rows() -> set:
    return {
        (t.merchant_id, t.livemode, t.basis, t.day, t.status, t.price_currency, t.count, t.volume)
        for t in DailyTotal.objects.all()
        if t.count
    }


def test_rebuild_counts_invoices_written_around_the_write_path_and_is_idempotent(create_invoice):
    for _ in range(2):
        create_invoice(price_amount="3.00")
    Invoice.objects.update(status="expired")  # around the write path: the totals lag
    call_command("rebuild_daily_totals")
    first = _rows()
    call_command("rebuild_daily_totals")
    assert _rows() == first
    assert {(row[4], row[6], row[7]) for row in first if row[2] == "created"} == {
        ("expired", 2, 600)
    }


def test_concurrent_status_changes_in_one_bucket_all_count(postgres, api, create_invoice):
    made = [create_invoice(price_amount="2.00")["id"] for _ in range(6)]
    now = datetime.now(UTC)

    def complete(i: int) -> None:
        with transaction.atomic():
            invoice = writes.lock_invoice(made[i])
            writes.change_status(invoice, "completed", None, actor="test", now=now)

    assert run_at_once(len(made), complete) == [None] * len(made)
    totals = {(t.basis, t.status): (t.count, t.volume) for t in DailyTotal.objects.all()}
    assert totals == {
        ("created", "new"): (0, 0),
        ("created", "completed"): (6, 1200),
        ("completed", "completed"): (6, 1200),
    }


def test_payments_after_close_are_marked_and_read_by_their_own_index(api, create_invoice):
    """The overview's "paid after it closed" reads the few transactions recorded after their
    invoice's last status change (`after_close`), not every transaction of the merchant."""
    paid = create_invoice(pay_currency="USDT", network="sandbox")
    pay(api, paid)  # an ordinary payment: it changes the status
    late = create_invoice(pay_currency="USDT", network="sandbox")
    Invoice.objects.filter(pk=late["id"]).update(late_window_minutes=1)
    shift_clock(late, 15 + 3)
    reconciliation.sweep()  # expired, and past its late window
    pay(api, late)  # stays expired
    assert dict(Transaction.objects.values_list("invoice_id", "after_close")) == {
        UUID(paid["id"]): False,
        UUID(late["id"]): True,
    }
    assert [invoice.pk for invoice in queries.paid_after_close(api.merchant, False)] == [
        UUID(late["id"])
    ]
