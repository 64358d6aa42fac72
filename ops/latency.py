"""Recording detection latency: how long after the chain's time (mempool first-seen or block
time) the gateway first recorded a payment."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from chains.backends.base import Transfer
from ops.models import LATENCY_BUCKETS, DetectionLatency


def bucket_of(seconds: float) -> int:
    """The index of the first bucket whose upper bound holds `seconds` (len() for +Inf)."""
    return bisect.bisect_left(LATENCY_BUCKETS, seconds)


def observe(network: str, seconds: float) -> None:
    seconds = max(seconds, 0.0)
    rows = DetectionLatency.objects.filter(network=network, bucket=bucket_of(seconds))
    if rows.update(count=F("count") + 1, seconds=F("seconds") + seconds):
        return
    try:
        with transaction.atomic():
            DetectionLatency.objects.create(network=network, bucket=bucket_of(seconds),
                                            count=1, seconds=seconds)
    except IntegrityError:  # another process created the row meanwhile
        rows.update(count=F("count") + 1, seconds=F("seconds") + seconds)


def observe_new(transfers: Iterable[Transfer], recorded: set[tuple[str, int]],
                now: datetime) -> None:
    """Observe the transfers of `recorded` ((txid, index) first written by this scan) whose
    chain time is known."""
    for transfer in transfers:
        if transfer.time is not None and (transfer.txid, transfer.index) in recorded:
            observe(transfer.network, (now - transfer.time).total_seconds())
