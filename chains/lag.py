"""Whether a network's scanner keeps up. One rule, read by the dashboard's alert and by
/readyz, measured against the same SCAN_INTERVAL_SECONDS that `manage.py scan` waits."""

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
    last_error: str,
    now: datetime,
    interval: timedelta,
) -> str | None:
    """Why a network's payments may show up late, or None while its scanner keeps up: never
    scanned, failing, not run for five scan intervals, or more than ten minutes of blocks
    behind the node."""
    if last_scan_at is None:
        return _("not scanned yet")
    if last_error:
        return _("the last scan failed: %(error)s") % {"error": last_error[:160]}
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
        getattr(cursor, "last_error", ""),
        now,
        scan_interval(),
    )
