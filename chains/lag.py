"""Whether a network's scanner keeps up. One rule, read by the dashboard's alert and by
/readyz, measured against the same SCAN_INTERVAL_SECONDS that `manage.py scan` waits; and
whether the node's final block (TRON's solidified one) lags its head, which keeps payments
pending longer than usual without losing them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from chains.models import ChainCursor
from chains.registry import Network

OVERDUE_INTERVALS = 5  # a scanner that missed this many passes has stopped or stalls


def scan_interval() -> timedelta:
    return timedelta(seconds=settings.SCAN_INTERVAL_SECONDS)


def _last_scanned(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return _("last scanned %(seconds)s seconds ago") % {"seconds": seconds}
    return _("last scanned %(minutes)s minutes ago") % {"minutes": seconds // 60}


def scanner_lag(
    block_seconds: int,
    height: int | None,
    node_tip: int | None,
    last_scan_at: datetime | None,
    failing_since: datetime | None,
    now: datetime,
    interval: timedelta,
) -> str | None:
    """Why a network's payments may show up late, or None while its scanner keeps up: never
    scanned, failing (since when, never the error's text: it may name the node's host, port
    or credentials), not run for five scan intervals, or more than ten minutes of blocks
    behind the node."""
    if last_scan_at is None:
        return _("not scanned yet")
    if failing_since is not None:
        minutes = int((now - failing_since).total_seconds() // 60)
        if minutes < 2:
            return _("its node cannot be read; it is retried automatically")
        return _("its node cannot be read for %(minutes)s minutes; it is retried automatically") % {
            "minutes": minutes
        }
    if now - last_scan_at > OVERDUE_INTERVALS * interval:
        return _last_scanned((now - last_scan_at).total_seconds())
    behind = (node_tip or 0) - (height or 0)
    if behind > max(2, 600 // max(block_seconds, 1)):
        return _("%(count)s blocks behind the node") % {"count": behind}
    return None


def cursor_lag(network: Network, cursor: ChainCursor | None, now: datetime) -> str | None:
    """scanner_lag of a network from its cursor (None: never scanned)."""
    return scanner_lag(
        network.block_seconds,
        getattr(cursor, "height", None),
        getattr(cursor, "node_tip", None),
        getattr(cursor, "last_scan_at", None),
        getattr(cursor, "failing_since", None),
        now,
        scan_interval(),
    )


def finality_lag(
    confirmations: int, block_seconds: int, node_tip: int | None, final: int | None
) -> str | None:
    """The node's final block further under its head than the network's confirmations and a
    minute of blocks (TRON: its solidity lags), or None. Payments are still seen; they stay
    pending until the final block passes them."""
    if node_tip is None or final is None:
        return None
    behind = node_tip - final
    if behind <= confirmations + 60 // max(block_seconds, 1):
        return None
    return _(
        "the node's solidified block is %(count)s blocks behind its head: payments stay "
        "pending until it catches up"
    ) % {"count": behind}


def cursor_finality_lag(network: Network, cursor: ChainCursor | None) -> str | None:
    """finality_lag of a network from its cursor."""
    return finality_lag(
        network.confirmations,
        network.block_seconds,
        getattr(cursor, "node_tip", None),
        getattr(cursor, "final_height", None),
    )
