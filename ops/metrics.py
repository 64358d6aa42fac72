"""Prometheus metrics, computed from the database at scrape time: every web process reports
the same numbers however many gunicorn workers, scanners and task workers there are, and a
restart loses nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit

from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector

from chains.checks import enabled_networks
from chains.models import ChainCursor
from invoices.models import Event, Invoice, Status, Transaction
from ops import checks
from webhooks.models import Delivery, DeliveryAttempt

# Upper bounds in seconds of the detection-latency buckets (then +Inf).
LATENCY_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


def endpoint(url: str) -> str:
    """A callback URL as a label: scheme and host only (paths may carry tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else "none"


def outcome(status_code: int | None) -> str:
    if status_code is None:
        return "error"  # no answer, or refused by the egress guard
    return "delivered" if 200 <= status_code < 300 else "rejected"


class GatewayCollector(Collector):
    def collect(self):
        now = timezone.now()
        yield from self._invoices()
        yield self._latency()
        yield from self._scanners(now)
        yield from self._callbacks()
        ages = GaugeMetricFamily(
            "gateway_rate_age_seconds",
            "Seconds since the rate of a pair was fetched",
            labels=["pair"],
        )
        for pair, age in sorted(checks.rate_ages(now).items()):
            if age is not None:
                ages.add_metric([pair], age)
        yield ages

    def _invoices(self):
        created = CounterMetricFamily(
            "gateway_invoices_created",
            "Invoices created, by the network of their payment "
            "method (empty while the payer has not chosen)",
            labels=["network"],
        )
        for network, count in (
            Invoice.objects.values_list("quote__network").annotate(n=Count("id")).order_by()
        ):
            created.add_metric([network or ""], count)
        yield created
        completed = CounterMetricFamily(
            "gateway_invoices_completed",
            "Invoices that reached completed, by network",
            labels=["network"],
        )
        reached = (
            Event.objects.filter(type="status_changed", data__status=Status.COMPLETED)
            .values_list("invoice__quote__network")
            .annotate(n=Count("invoice", distinct=True))
            .order_by()
        )
        for network, count in reached:
            completed.add_metric([network or ""], count)
        yield completed

    def _latency(self):
        """From each payment's chain time (mempool first-seen or block time: `paid_at`) to
        the gateway recording it (`detected_at`), bucketed by the database."""
        family = HistogramMetricFamily(
            "gateway_detection_latency_seconds",
            "From the chain's time of a payment (mempool or block) to the gateway recording it",
            labels=["network"],
        )
        latency = ExpressionWrapper(F("detected_at") - F("paid_at"), output_field=DurationField())
        buckets = {
            f"le_{i}": Count("id", filter=Q(latency__lte=timedelta(seconds=bound)))
            for i, bound in enumerate(LATENCY_BUCKETS)
        }
        rows = (
            Transaction.objects.annotate(latency=latency)
            .values("network")
            .annotate(total=Count("id"), seconds=Sum("latency"), **buckets)
            .order_by()
        )
        for row in sorted(rows, key=lambda row: row["network"]):
            series = [(str(bound), row[f"le_{i}"]) for i, bound in enumerate(LATENCY_BUCKETS)]
            series.append(("+Inf", row["total"]))
            family.add_metric(
                [row["network"]], series, (row["seconds"] or timedelta()).total_seconds()
            )
        return family

    def _scanners(self, now):
        networks = enabled_networks()
        cursors = ChainCursor.objects.in_bulk([network.code for network in networks])
        height = GaugeMetricFamily(
            "gateway_scanner_height", "Height scanned up to", labels=["network"]
        )
        tip = GaugeMetricFamily(
            "gateway_node_tip", "The node's tip at the last scan", labels=["network"]
        )
        lag = GaugeMetricFamily(
            "gateway_scanner_lag_blocks", "Blocks the scanner is behind", labels=["network"]
        )
        age = GaugeMetricFamily(
            "gateway_scanner_last_scan_age_seconds",
            "Seconds since the last scan",
            labels=["network"],
        )
        failing = GaugeMetricFamily(
            "gateway_scanner_failing", "1 if the last scan failed", labels=["network"]
        )
        for network in networks:
            cursor = cursors.get(network.code)
            if cursor is None or cursor.height is None:
                continue
            label = [network.code]
            height.add_metric(label, cursor.height)
            if cursor.node_tip is not None:
                tip.add_metric(label, cursor.node_tip)
                lag.add_metric(label, max(cursor.node_tip - cursor.height, 0))
            if cursor.last_scan_at is not None:
                age.add_metric(label, (now - cursor.last_scan_at).total_seconds())
            failing.add_metric(label, 1 if cursor.last_error else 0)
        return height, tip, lag, age, failing

    def _callbacks(self):
        deliveries = CounterMetricFamily(
            "gateway_callback_deliveries",
            "Callback delivery attempts by outcome (delivered: "
            "2xx; rejected: another status; error: no answer)",
            labels=["outcome"],
        )
        outcomes = Counter()
        for status_code, count in (
            DeliveryAttempt.objects.values_list("status_code").annotate(n=Count("id")).order_by()
        ):
            outcomes[outcome(status_code)] += count
        for name in ("delivered", "rejected", "error"):
            deliveries.add_metric([name], outcomes[name])
        yield deliveries
        backlog = GaugeMetricFamily(
            "gateway_callback_backlog",
            "Deliveries waiting to be sent, by endpoint host",
            labels=["endpoint"],
        )
        waiting = Counter()
        for url, count in (
            Delivery.objects.filter(next_attempt_at__isnull=False)
            .annotate(  # callbacks.target_url, in SQL
                url=Case(
                    When(
                        endpoint__is_default=True,
                        then=Coalesce(NullIf("invoice__callback_url", Value("")), "endpoint__url"),
                    ),
                    default="endpoint__url",
                )
            )
            .values_list("url")
            .annotate(n=Count("id"))
            .order_by()
        ):
            waiting[endpoint(url or "")] += count
        for name, count in sorted(waiting.items()):
            backlog.add_metric([name], count)
        yield backlog
