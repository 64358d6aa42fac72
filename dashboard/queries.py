"""The dashboard's reads: the invoice list (filters, search, keyset pages), the CSV export and
the overview's aggregates. Every query starts from `invoices_of(merchant)`, so nothing of
another merchant can be listed, counted or exported."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError as ModelValidationError
from django.db.models import F, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from rest_framework.exceptions import ValidationError as CursorError

from chains import registry
from chains.lag import cursor_finality_lag, cursor_lag
from chains.models import ChainCursor
from dashboard import present
from invoices import accounting, lifecycle, money
from invoices.api.pagination import keyset_page
from invoices.models import DailyTotal, Invoice, Refund, Status, Transaction
from invoices.representation import invoice_payload
from invoices.selectors import daily_totals, offered_methods, search, tip_heights
from invoices.services import rollups
from merchants.models import Merchant
from pages import labels
from pages.amounts import display_amount
from webhooks.endpoints import failing_endpoints_since

PAGE_SIZE = 50
EXPORT_CHUNK = 1000
CHART_DAYS = 30
COUNT_LIMIT = 1000  # "1000+" is as useful as an exact count, and costs a bounded read


def invoices_of(merchant: Merchant, livemode: bool) -> QuerySet:
    """The merchant's invoices of one mode: live and test data are never mixed."""
    return Invoice.objects.filter(merchant=merchant, livemode=livemode)


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    status: str = ""
    context: str = ""
    created_from: date | None = None
    created_to: date | None = None
    network: str = ""
    archived: str = "exclude"  # exclude | only | all
    refund: str = ""  # a refund status
    q: str = ""
    pos: str = ""  # a point of sale's id: the invoices it made
    livemode: bool = True


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered(merchant: Merchant, filters: Filters) -> QuerySet:
    invoices = invoices_of(merchant, filters.livemode)
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.context:
        invoices = invoices.filter(status_context=filters.context)
    if filters.created_from:
        invoices = invoices.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to:
        invoices = invoices.filter(
            created_at__lt=_day_start(filters.created_to + timedelta(days=1))
        )
    if filters.network:
        invoices = invoices.filter(quote__network=filters.network)
    if filters.refund:
        invoices = invoices.filter(
            pk__in=Refund.objects.filter(status=filters.refund).values("invoice_id")
        )
    if filters.archived != "all":
        invoices = invoices.filter(archived=filters.archived == "only")
    if filters.pos:
        invoices = invoices.filter(pos_sale__terminal_id=filters.pos)
    if filters.q:
        invoices = search(invoices, filters.q)
    return invoices


class BadCursor(ValueError):
    """A page cursor the dashboard did not hand out (edited or truncated)."""


LIST_FIELDS = (
    "created_at",
    "foreign_id",
    "status",
    "status_context",
    "archived",
    "price_amount",
    "price_currency",
    "customer_email",
    # what a row's ledger reads (`Invoice.ledger`, `Invoice.facts`): a deferred one would
    # cost a query per row
    "slippage_percent",
    "underpayment_tolerance",
    "expires_at",
    "late_window_minutes",
    "processing_timeout_minutes",
    "status_changed_at",
    "review_decision",
    "quote__asset",
    "quote__network",
    "quote__due_amount",
    "quote__rate",  # the underpayment tolerance is converted at it
)


def page(invoices: QuerySet, cursor: str) -> tuple[list[Invoice], str | None]:
    """One keyset page, newest first, and the cursor of the next (the API's pagination).
    Only the columns a list row shows are read: at 50 rows a page, converting the rest
    would cost more than the query."""
    amounts = Transaction.objects.only(  # what the ledger reads
        "invoice_id",
        "quote_id",
        "asset",
        "network",
        "amount",
        "status",
        "from_addresses",
        "paid_at",
        "detected_at",
        "flagged",
    )
    try:
        rows, _, next_cursor = keyset_page(
            invoices.select_related("quote")
            .only(*LIST_FIELDS)
            .prefetch_related(Prefetch("transactions", queryset=amounts)),
            {"cursor": cursor, "limit": PAGE_SIZE},
        )
    except (CursorError, ModelValidationError, TypeError) as exc:
        raise BadCursor(str(exc)) from None
    return rows, next_cursor


# --- the export ---------------------------------------------------------------------------------


class _Echo:
    """A file whose write returns the line: csv.writer then yields rows for streaming."""

    def write(self, value):
        return value


def csv_lines(invoices: QuerySet):
    """The export, a line at a time: the API's representation of each invoice (its amounts
    from the accounting ledger) with the columns accountants ask for, read in chunks on a
    server-side cursor so memory stays flat however many rows there are. The header names
    each amount column's unit."""
    writer = csv.writer(_Echo())
    yield writer.writerow([header for header, _key in present.CSV_COLUMNS])
    heights = tip_heights()
    rows = (
        invoices.select_related("quote")
        .prefetch_related("transactions", "refunds")
        .order_by("-created_at", "-pk")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    for invoice in rows:
        data = invoice_payload(invoice, heights)
        quote, refunded = invoice.quote, None
        if quote:  # the pay amount is written with the pay asset's decimals
            decimals = len(data["pay_amount"].partition(".")[2])
            staged = accounting.totals(
                (present.REFUND_STAGES[refund.status], refund.amount)
                for refund in invoice.refunds.all()
                if (refund.asset, refund.network) == (quote.asset, quote.network)
                and lifecycle.refund_counts(refund.status)
            )
            refunded = {
                stage: money.format_units(staged.get(stage, accounting.Total(0, 0)).units, decimals)
                for stage in set(present.REFUND_STAGES.values())
            }
        yield writer.writerow(present.csv_values(data, refunded))


# --- refunds ------------------------------------------------------------------------------------


def refunds_of(
    merchant: Merchant,
    livemode: bool,
    *,
    q: str = "",
    status: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
) -> QuerySet:
    """The merchant's refunds (in the mode shown), narrowed by the refunds page's filters:
    `q` finds their invoices as the invoice list's search does (`selectors.search`)."""
    found = Refund.objects.filter(
        invoice__merchant=merchant, invoice__livemode=livemode
    ).select_related("invoice")
    if status:
        found = found.filter(status=status)
    if created_from:
        found = found.filter(created_at__gte=_day_start(created_from))
    if created_to:
        found = found.filter(created_at__lt=_day_start(created_to + timedelta(days=1)))
    if q := q.strip():
        found = found.filter(invoice__in=search(Invoice.objects.filter(merchant=merchant), q))
    return found


def refund_page(found: QuerySet, params) -> tuple[list, bool, str | None]:
    """One page of the refunds list; a cursor not made here starts from the newest."""
    try:
        return keyset_page(found, {"cursor": params.get("cursor"), "limit": PAGE_SIZE})
    except (CursorError, ModelValidationError):
        return keyset_page(found, {"limit": PAGE_SIZE})


# --- the overview -------------------------------------------------------------------------------


PERIODS = {
    "today": gettext_lazy("Today"),
    "7d": gettext_lazy("7 days"),
    "30d": gettext_lazy("30 days"),
}


def _first_days(now: datetime) -> dict[str, date]:
    """Each period's first day (UTC): whole days, today's included, as the chart's bars."""
    today = rollups.day_of(now)
    return {"today": today, "7d": today - timedelta(days=6), "30d": today - timedelta(days=29)}


def _amounts(cells: Mapping[str, Mapping[str, int]], period: str) -> str:
    return " · ".join(
        f"{labels.amount(display_amount(units, money.price_decimals(c) or 0))} {c}"
        for c, units in sorted(cells[period].items())
        if units
    )


def status_table(merchant: Merchant, now: datetime, livemode: bool) -> list[dict]:
    """Per status: how many invoices were created today, in 7 and in 30 days, and their
    price volume (one total per price currency: dollars and euros do not add up). Read from
    the daily totals: a row per day, status and currency, however many invoices."""
    firsts = _first_days(now)
    totals = daily_totals(merchant, livemode, DailyTotal.CREATED, firsts["30d"])
    rows = []
    for status in Status:
        counts, volumes = {}, {}
        for period, first in firsts.items():
            per_currency = accounting.regroup(
                (currency, total)
                for (day, row_status, currency), total in totals.items()
                if row_status == status and day >= first
            )
            counts[period] = sum(total.number for total in per_currency.values())
            volumes[period] = {currency: total.units for currency, total in per_currency.items()}
        if counts["30d"]:
            rows.append(
                {
                    "status": status,
                    "tone": present.TONES[status],
                    "periods": [
                        {"label": PERIODS[p], "count": counts[p], "volume": _amounts(volumes, p)}
                        for p in firsts
                    ],
                }
            )
    return rows


def completed_chart(
    merchant: Merchant, now: datetime, currency: str = "", livemode: bool = True
) -> dict | None:
    """Completed volume per day (UTC) over 30 days, in `currency` or else the price currency
    with the most completed invoices; None when nothing was completed. Read from the daily
    totals of the days invoices were completed."""
    first_day = rollups.day_of(now) - timedelta(days=CHART_DAYS - 1)
    totals = daily_totals(merchant, livemode, DailyTotal.COMPLETED, first_day)
    per_currency = accounting.regroup(
        (row_currency, total) for (_, _, row_currency), total in totals.items()
    )
    counts = {row_currency: total.number for row_currency, total in per_currency.items()}
    counts = {row_currency: number for row_currency, number in counts.items() if number}
    if not counts:
        return None
    currencies = sorted(counts, key=lambda c: (-counts[c], c))
    chosen = currency if currency in counts else currencies[0]
    per_day = {
        day: total.units
        for (day, _, row_currency), total in totals.items()
        if row_currency == chosen
    }
    days = [first_day + timedelta(days=i) for i in range(CHART_DAYS)]
    decimals = money.price_decimals(chosen) or 0
    chart = present.bar_chart([(day, per_day.get(day, 0)) for day in days], decimals)
    return {
        "chart": chart,
        "currency": chosen,
        "currencies": currencies,
        "total": display_amount(per_currency[chosen].units, decimals),
    }


AFTER_CLOSE_SHOWN = 10  # invoices listed one by one in "Needs your attention"


def paid_after_close(merchant: Merchant, livemode: bool) -> list[Invoice]:
    """Ended invoices (archived or not) holding money that arrived after they closed and is
    not refunded yet (`Ledger.after_close`), oldest payment first: the merchant has to give
    it back."""
    ids = (
        Transaction.objects.filter(
            Q(invoice__status__in=lifecycle.MERCHANT_OWNED | {lifecycle.EXPIRED})
            | Q(invoice__status=lifecycle.NEW, invoice__archived=True),
            invoice__merchant=merchant,
            invoice__livemode=livemode,
            after_close=True,  # its few, by their own index: not every transaction
            detected_at__gt=F("invoice__status_changed_at"),
        )
        .exclude(status=Transaction.REVERTED)
        .order_by("detected_at")
        .values_list("invoice_id", flat=True)[:COUNT_LIMIT]
    )
    found = []
    invoices = Invoice.objects.prefetch_related("transactions", "refunds").select_related("quote")
    for invoice in invoices.filter(pk__in=set(ids)):
        ledger = invoice.ledger()
        if ledger.after_close and ledger.refund_all(invoice.refunded()):
            found.append(invoice)
    return found


def needs_action(merchant: Merchant, now: datetime, livemode: bool) -> list[dict]:
    """What the merchant should look at first, each with where to go for it."""
    open_invoices = invoices_of(merchant, livemode).filter(archived=False)
    items = []
    for status, words in (
        (
            Status.UNRESOLVED,
            lambda n: ngettext(
                "%(count)s unresolved invoice to complete or refund",
                "%(count)s unresolved invoices to complete or refund",
                n,
            ),
        ),
        (
            Status.COMPLIANCE_REVIEW,
            lambda n: ngettext(
                "%(count)s payment held for compliance review",
                "%(count)s payments held for compliance review",
                n,
            ),
        ),
    ):
        if count := open_invoices.filter(status=status)[:COUNT_LIMIT].count():
            shown = f"{COUNT_LIMIT}+" if count >= COUNT_LIMIT else str(count)
            items.append(
                {
                    "tone": "warning",
                    "text": words(count) % {"count": shown},
                    "query": f"status={status}",
                }
            )
    for invoice in paid_after_close(merchant, livemode)[:AFTER_CLOSE_SHOWN]:
        items.append(
            {
                "tone": "warning",
                "text": gettext(
                    "Invoice %(invoice)s (%(status)s) received a payment after it closed: "
                    "refund it to the payer"
                )
                % {
                    "invoice": invoice.foreign_id or str(invoice.pk)[:8],
                    "status": labels.status(invoice.status),
                },
                "href": reverse("dashboard:invoice", args=[invoice.pk]),
            }
        )
    payouts = Refund.objects.filter(
        invoice__merchant=merchant,
        invoice__livemode=livemode,
        status=Refund.CLAIMED,
        payout_txid="",
    ).count()
    if payouts:
        items.append(
            {
                "tone": "warning",
                "text": ngettext(
                    "%(count)s claimed refund to pay out",
                    "%(count)s claimed refunds to pay out",
                    payouts,
                )
                % {"count": payouts},
                "query": "refund=claimed&archived=all",
            }
        )
    if failing_since := failing_endpoints_since(merchant):
        items.append(
            {
                "tone": "error",
                "kind": "callbacks",
                "text": gettext("Callbacks to your endpoint are failing since %(since)s UTC")
                % {"since": labels.datetime_text(failing_since)},
            }
        )
    networks = {asset.network for asset in offered_methods(merchant=merchant, livemode=livemode)}
    cursors = {
        cursor.network: cursor for cursor in ChainCursor.objects.filter(network__in=networks)
    }
    for code in sorted(networks):
        network, cursor = registry.network(code), cursors.get(code)
        if lag := cursor_lag(network, cursor, now):
            items.append(
                {
                    "tone": "error",
                    "text": gettext("%(network)s: %(lag)s; payments on it may show late")
                    % {"network": labels.network_name(code, network.name), "lag": lag},
                }
            )
        if finality := cursor_finality_lag(network, cursor):
            items.append(
                {
                    "tone": "warning",
                    "text": f"{labels.network_name(code, network.name)}: {finality}",
                }
            )
        for notice in getattr(cursor, "notices", None) or ():  # what its node cannot show
            items.append(
                {"tone": "warning", "text": f"{labels.network_name(code, network.name)}: {notice}"}
            )
    return items
