"""Readiness: can this gateway take payments right now? Each check names what is wrong in
words an operator can act on; none shows a secret (node errors may carry RPC credentials,
so a failing scan is reported without its message: the admin's chain cursors have it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection

from chains.checks import enabled_networks
from chains.lag import cursor_finality_lag, cursor_lag
from chains.models import ChainCursor
from invoices import rates
from invoices.models import Rate
from webhooks import callbacks

CALLBACK_OVERDUE = timedelta(minutes=5)  # the sweep queues due callbacks every minute


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Check("database", True, connection.vendor)


def broker() -> Check:
    """The task queue answers: Redis is pinged; the ORM broker is the database's table."""
    from django_q.brokers import get_broker
    from django_q.models import OrmQ

    queue = get_broker()
    if settings.Q_CLUSTER.get("orm"):
        OrmQ.objects.exists()
    elif not queue.ping():
        return Check("broker", False, "the broker does not answer")
    return Check("broker", True, f"{queue.queue_size()} tasks queued")


def scanners(now: datetime) -> list[Check]:
    """Each enabled network's scanner against its interval (chains.lag's rule). A node
    whose final block lags its head is named but not failing: payments are still seen."""
    networks = enabled_networks()
    cursors = ChainCursor.objects.in_bulk([network.code for network in networks])
    checks = []
    for network in networks:
        cursor = cursors.get(network.code)
        lag = cursor_lag(network, cursor, now)
        if lag and cursor is not None and cursor.failing_since is not None:
            lag = "the last scan failed (see the chain cursor in the admin)"
        detail = lag or f"scanned up to {cursor.height}"
        if finality := cursor_finality_lag(network, cursor):
            detail += f"; {finality}"
        checks.append(Check(f"scanner:{network.code}", lag is None, detail))
    return checks


def rate_ages(now: datetime) -> dict[str, float | None]:
    """Seconds since each needed pair was fetched (None: no stored rate). The static table,
    read directly when it comes first, is always current."""
    pairs = rates.needed_pairs()
    if rates.static_first():
        return {f"{b}/{q}": 0.0 for b, q in pairs if f"{b}/{q}" in settings.STATIC_RATES}
    stored = {(row.base, row.quote): row.fetched_at for row in Rate.objects.all()}
    return {
        f"{b}/{q}": (now - stored[(b, q)]).total_seconds() if (b, q) in stored else None
        for b, q in pairs
    }


def rates_check(now: datetime) -> Check:
    """Failing when a stored rate is too old to quote with (refreshing stopped) or no pair
    has a rate; pairs no provider has are named but do not fail the check."""
    ages = rate_ages(now)
    limit = settings.RATE_MAX_AGE_SECONDS
    stale = sorted(pair for pair, age in ages.items() if age is not None and age > limit)
    missing = sorted(pair for pair, age in ages.items() if age is None)
    if stale:
        return Check("rates", False, f"older than {limit} s: {', '.join(stale)}")
    if not ages or len(missing) == len(ages):
        return Check("rates", False, "no rate is available")
    oldest = max(age for age in ages.values() if age is not None)
    detail = f"oldest {oldest:.0f} s"
    if missing:
        detail += f"; no provider has {', '.join(missing)}"
    return Check("rates", True, detail)


def callback_backlog(now: datetime) -> Check:
    """Callback queues whose next event was due long ago: the workers are not delivering.
    (A receiver that fails only pushes its retries into the future.)"""
    overdue = len(callbacks.queues_due(now - CALLBACK_OVERDUE))
    minutes = int(CALLBACK_OVERDUE.total_seconds() // 60)
    if overdue:
        return Check(
            "callbacks", False, f"{overdue} callback queues overdue by more than {minutes} minutes"
        )
    return Check("callbacks", True, "none overdue")


def readiness(now: datetime) -> list[Check]:
    """Every check; one that raises is failing with the exception's type (not its text)."""
    checks = []
    for name, run in (
        ("database", database),
        ("broker", broker),
        ("scanners", lambda: scanners(now)),
        ("rates", lambda: rates_check(now)),
        ("callbacks", lambda: callback_backlog(now)),
    ):
        try:
            result = run()
        except Exception as exc:  # an unreachable database or broker is an answer here
            result = Check(name, False, f"{type(exc).__name__}")
        checks += result if isinstance(result, list) else [result]
    return checks
