"""The overview's daily totals (`DailyTotal`), kept in the transaction that changes an
invoice's status (`writes.change_status`), and rebuilt from the invoices (the data migration's
backfill, `manage.py rebuild_daily_totals`). An invoice is counted as it is inserted by the
database itself (a trigger, invoices/migrations/0017: the same UPSERT of its CREATED bucket),
which spares creation a statement of its own: one cost 0.08 ms of CPU on SQLite and 0.25 ms
on PostgreSQL, a few hundredths of creation's ratio to the one-INSERT baseline.

A status change moves the invoice between buckets with one UPSERT that adds to the counts in the
database (`count = count + …`), never a value read first: two status changes landing in the
same day's bucket at once both count (PostgreSQL locks the row for the second until the first
commits; SQLite's write lock, taken at BEGIN, serializes them). SQLite stores the volume as
text (`UnitsField`), which its `+` would turn into a float beyond 2**63: there the sum is
`units_add`, an exact integer sum registered on each connection (`invoices.apps`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, cast
from uuid import UUID

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import connection, transaction
from django.db.models import Field, Q
from django.db.models.functions import TruncDate

from invoices.lifecycle import Status
from invoices.models import DailyTotal, Invoice
from invoices.selectors import price_totals

# merchant id, livemode, basis, day, status, price currency: one DailyTotal row
Bucket = tuple[UUID, bool, str, date, str, str]
_KEY = ["merchant", "livemode", "basis", "day", "status", "price_currency"]


def day_of(moment: datetime) -> date:
    """The day (UTC) a moment is counted on."""
    return moment.astimezone(UTC).date()


def buckets(invoice: Invoice) -> list[Bucket]:
    """Where the invoice is counted as it is now: the day it was created, in its status;
    and, once completed, the day it was completed."""
    found: list[Bucket] = [
        (
            invoice.merchant_id,
            invoice.livemode,
            DailyTotal.CREATED,
            day_of(invoice.created_at),
            invoice.status,
            invoice.price_currency,
        )
    ]
    if invoice.status == Status.COMPLETED:
        found.append(
            (
                invoice.merchant_id,
                invoice.livemode,
                DailyTotal.COMPLETED,
                day_of(invoice.status_changed_at),
                Status.COMPLETED.value,
                invoice.price_currency,
            )
        )
    return found


def count(invoice: Invoice, before: Iterable[Bucket]) -> None:
    """Count the invoice where it is now, no longer where it was (`before`: its `buckets`
    before the change). One statement, whatever moves; a bucket it stays in is not
    written."""
    moves = Counter(buckets(invoice))
    moves.subtract(before)
    _add(sorted((bucket, n) for bucket, n in moves.items() if n), invoice.price_amount)


def _add(moves: list[tuple[Bucket, int]], price: int) -> None:
    """Add `n` invoices of `price` to each bucket, as one UPSERT. Buckets in one order, so
    two writers lock PostgreSQL's rows in the same order (no deadlock)."""
    if not moves:
        return
    fields = _fields()
    params: list[Any] = []
    for bucket, n in moves:
        values = [*bucket, n, n * price]
        params += [
            field.get_db_prep_value(v, connection) for field, v in zip(fields, values, strict=True)
        ]
    with connection.cursor() as cursor:
        cursor.execute(_upsert(connection.vendor, len(moves)), params)


@cache
def _fields() -> list[Field]:
    """The columns an UPSERT writes: the bucket's, then the count and the volume."""
    return [cast(Field, DailyTotal._meta.get_field(name)) for name in [*_KEY, "count", "volume"]]


@cache
def _upsert(vendor: str, rows: int) -> str:
    """The UPSERT of `rows` buckets (the SQL is the same for each creation or change)."""
    quote = connection.ops.quote_name
    table, count = quote(DailyTotal._meta.db_table), quote("count")
    key = ", ".join(quote(cast(str, field.column)) for field in _fields()[: len(_KEY)])
    row = f"({', '.join(['%s'] * len(_fields()))})"
    volume_sum = (
        f"units_add({table}.volume, excluded.volume)"
        if vendor == "sqlite"
        else f"{table}.volume + excluded.volume"
    )
    return (
        f"INSERT INTO {table} ({key}, {count}, volume) VALUES {', '.join([row] * rows)} "
        f"ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}, "
        f"volume = {volume_sum}"
    )


def units_add(first: str | None, second: str | None) -> str:
    """SQLite's exact sum of two volumes stored as text (`units_add` in SQL)."""
    return str(int(first or 0) + int(second or 0))


def rebuild(apps: Apps = global_apps) -> int:
    """Count every invoice again: the rows are replaced by what the invoices say now (the
    backfill of the migration that made the table; after invoices were written another way
    than the write path). Returns how many rows were written. Status writers wait for it: on
    PostgreSQL the table is locked before the invoices are read, so a change committed
    before is read and one made during is added after; SQLite's write lock holds them."""
    invoices = apps.get_model("invoices", "Invoice").objects.all()
    completed = invoices.filter(status=Status.COMPLETED)
    totals = apps.get_model("invoices", "DailyTotal")
    group = ["merchant_id", "livemode", "day", "status", "price_currency"]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {totals._meta.db_table} IN EXCLUSIVE MODE")
        totals.objects.all().delete()
        found = {
            basis: price_totals(
                chosen.annotate(day=TruncDate(field, tzinfo=UTC)), group, {"all": Q()}
            )
            for basis, chosen, field in (
                (DailyTotal.CREATED, invoices, "created_at"),
                (DailyTotal.COMPLETED, completed, "status_changed_at"),
            )
        }
        rows = [
            totals(
                merchant_id=merchant_id,
                livemode=livemode,
                basis=basis,
                day=day,
                status=status,
                price_currency=currency,
                count=cells["all"].number,
                volume=cells["all"].units,
            )
            for basis, per_bucket in found.items()
            for (merchant_id, livemode, day, status, currency), cells in per_bucket.items()
        ]
        totals.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
