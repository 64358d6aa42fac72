"""Follows one network's chain and mempool and reports what reached watched addresses.

One scan: take the network's lease (one scanner per network across all workers), snapshot
the mempool, check that the block under the cursor is still in the best chain, walk the
blocks from the cursor towards the tip in bounded batches, detect reorganisations by parent
hash, and hand one `ScanReport` to the sink. The cursor moves only after the sink succeeded,
so a crash means the same blocks are read again — the sink is idempotent. The backend matches
against the watched addresses itself (one lookup per batch of blocks and one per mempool
pass, whatever the number of watched addresses) before it fetches anything for the matches.
What the node cannot show (its capability notices) is recorded on the cursor at each scan.

Confirmations are counted at the node's tip (`ScanReport.node_tip`), not at the height the
scan reached: after an outage a payment the catch-up reads is as deep as the chain says.

A node outage is quiet (chains.outages): a failing scan is recorded on the cursor, logged
once a minute per network (one line with the error's class and a short message without
credentials; a traceback only for the first failure of an outage that is not a transport
error), and the network is not scanned again until its backoff has passed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from chains import outages
from chains.backends.base import ChainBackend, Transfer
from chains.models import ChainCursor, ScannedBlock
from chains.registry import Network
from core.leases import Lease, owner_token

logger = logging.getLogger(__name__)

MAX_BLOCKS_PER_SCAN = 100
# Blocks per backend request. The lease is renewed before each request, so one must take
# well under LEASE: 10 full Bitcoin blocks are read in seconds.
BLOCKS_PER_REQUEST = 10
KEEP_BLOCK_HASHES = 200
# A scanner that dies keeps its network until the lease runs out: 20 s, so another scanner
# (`manage.py scan` passes every few seconds) takes over within 30 s. A live scan renews it
# before every request; one slower than this loses the network to another scanner, which
# is safe (the sink is idempotent and the cursor moves only under the lease).
LEASE = timedelta(seconds=20)
START_DEPTH = 20  # a new cursor starts this far below the tip (the sandbox: at genesis)
CURSOR_LEASE = Lease(until="lease_until", owner="lease_owner")


@dataclass
class ScanReport:
    network: str
    tip_height: int  # scanned up to here
    # To watched addresses only: the blocks' in block order, then (when the scan reached the
    # tip) the mempool's. Each carries its `time` (block timestamp or first-seen, or None).
    transfers: list[Transfer] = field(default_factory=list)
    rollback_above: int | None = None  # a reorganisation: blocks above this were orphaned
    # All txids in the mempool snapshot, given only when the scan reached the node's tip and
    # the node has a mempool API: then an unconfirmed transaction that is in neither the
    # mempool nor a block is gone. None otherwise: absence then proves nothing.
    mempool_txids: set[str] | None = None
    # False when the node has no mempool API (most hosted EVM endpoints): mempool_txids is
    # then None even at the tip, and unconfirmed transactions are never seen there.
    mempool_api: bool = True
    reached_tip: bool = False  # tip_height is the node's tip: the mempool was looked at
    # The node's tip at this scan (None: tip_height): confirmations are counted at `head`.
    node_tip: int | None = None
    # The highest block the node calls final (TRON's solidified block) when payments wait
    # for it as well as for their depth; None when depth alone decides.
    final_height: int | None = None

    @property
    def head(self) -> int:
        """Where confirmations are counted (head - height + 1): the node's tip, also while
        the scan catches up far below it."""
        return self.tip_height if self.node_tip is None else max(self.node_tip, self.tip_height)


class WatchedLookup(Protocol):
    """Which of these addresses of the network are watched."""

    def __call__(self, *, network: str, addresses: set[str]) -> set[str]: ...


class Sink(Protocol):
    """Applies what a scan saw; idempotent."""

    def __call__(self, *, report: ScanReport) -> None: ...


def _take_lease(network: str) -> ChainCursor | None:
    """The cursor, leased to this scan under a token of its own: two scans never share a
    lease, not even two threads of one process."""
    ChainCursor.objects.get_or_create(network=network)
    taken = CURSOR_LEASE.take(
        ChainCursor.objects.filter(network=network),
        now=timezone.now(),
        duration=LEASE,
        owner=owner_token(),
    )
    return ChainCursor.objects.get(network=network) if taken else None


def _ours(cursor: ChainCursor) -> QuerySet[ChainCursor]:
    return CURSOR_LEASE.held(ChainCursor.objects.filter(network=cursor.network), cursor.lease_owner)


def _renew(cursor: ChainCursor) -> bool:
    """False when the lease ran out and another scan took it: this one's view is stale."""
    if CURSOR_LEASE.renew(
        ChainCursor.objects.filter(network=cursor.network),
        owner=cursor.lease_owner,
        now=timezone.now(),
        duration=LEASE,
    ):
        return True
    logger.warning("%s: the lease ran out during the scan; it stops", cursor.network)
    return False


def _release(cursor: ChainCursor, **changes) -> None:
    CURSOR_LEASE.release(
        ChainCursor.objects.filter(network=cursor.network),
        owner=cursor.lease_owner,
        last_scan_at=timezone.now(),
        **changes,
    )


def _fork_height(backend: ChainBackend, network: str, below: int) -> int:
    """The highest height under `below` where our stored hash is still in the best chain."""
    stored = dict(
        ScannedBlock.objects.filter(network=network, height__lt=below).values_list("height", "hash")
    )
    for height in sorted(stored, reverse=True):
        if backend.block_hash(height) == stored[height]:
            return height
    return min(stored, default=below) - 1


def _rewind(backend: ChainBackend, report: ScanReport, below: int) -> tuple[int, str | None]:
    """Step back to the fork point under `below`: what the report holds above it was read
    from orphaned blocks. Returns the height and hash to continue from."""
    fork = _fork_height(backend, report.network, below)
    logger.warning("%s: reorganisation, rolling back above %s", report.network, fork)
    report.rollback_above = (
        fork if report.rollback_above is None else min(fork, report.rollback_above)
    )
    report.transfers = [
        t for t in report.transfers if t.block_height is None or t.block_height <= fork
    ]
    return fork, backend.block_hash(fork) if fork >= 0 else None


def scan(
    network: Network,
    backend: ChainBackend,
    watched: WatchedLookup,
    sink: Sink,
    max_blocks: int = MAX_BLOCKS_PER_SCAN,
    now: datetime | None = None,
) -> ScanReport | None:
    """Scan once; None when another scan holds (or took over) the network's lease, or while
    its node's backoff runs (`now`: the clock the backoff and the outage log read). A
    failing scan raises `outages.ScanFailed` once its failure is recorded and logged."""
    now = now or timezone.now()
    if ChainCursor.objects.filter(network=network.code, retry_at__gt=now).exists():
        return None  # a failing node's backoff runs
    cursor = _take_lease(network.code)
    if cursor is None:
        return None

    def lookup(addresses: set[str]) -> set[str]:
        return watched(network=network.code, addresses=addresses)

    try:
        mempool = backend.mempool(lookup)  # before the tip: a transaction mined meanwhile is
        tip = backend.tip()  # then in a block at or below this tip, never lost between the two
        height = cursor.height
        if height is None:
            height = -1 if network.kind == "sandbox" else max(tip.height - START_DEPTH, -1)
        previous_hash = cursor.hash or None
        report = ScanReport(
            network.code, tip_height=height, node_tip=tip.height, final_height=tip.final_height
        )
        # A reorganisation to a branch no longer than ours adds no block whose parent could
        # tell: compare the cursor's own block first.
        if previous_hash and backend.block_hash(height) != previous_hash:
            height, previous_hash = _rewind(backend, report, height + 1)
        stop = min(tip.height, height + max_blocks)
        new_hashes: dict[int, str] = {}
        while height < stop:
            if not _renew(cursor):
                return None
            for block in backend.blocks(height + 1, min(stop, height + BLOCKS_PER_REQUEST), lookup):
                if previous_hash and block.parent_hash != previous_hash:
                    height, previous_hash = _rewind(backend, report, block.height)
                    new_hashes = {h: v for h, v in new_hashes.items() if h <= height}
                    break
                report.transfers += block.transfers
                new_hashes[block.height] = block.hash
                height, previous_hash = block.height, block.hash
        report.tip_height = height
        report.mempool_api = mempool.txids is not None
        if height >= tip.height:
            report.reached_tip = True
            # Read before the tip, the mempool may still list a payment mined since: its
            # block has reported it, with the block's height and hash.
            in_blocks = {(t.txid, t.index) for t in report.transfers}
            report.transfers += [t for t in mempool.transfers if (t.txid, t.index) not in in_blocks]
            if mempool.txids is not None:
                report.mempool_txids = set(mempool.txids)
        if not _renew(cursor):
            return None
        sink(report=report)
        notices = list(backend.capabilities().notices)
        with transaction.atomic():
            if not _ours(cursor).select_for_update().exists():
                logger.warning(
                    "%s: the lease ran out while applying; the cursor stays", network.code
                )
                return None
            if report.rollback_above is not None:
                ScannedBlock.objects.filter(
                    network=network.code, height__gt=report.rollback_above
                ).delete()
            ScannedBlock.objects.filter(network=network.code, height__in=new_hashes).delete()
            ScannedBlock.objects.bulk_create(
                [
                    ScannedBlock(network=network.code, height=h, hash=v)
                    for h, v in new_hashes.items()
                ]
            )
            ScannedBlock.objects.filter(
                network=network.code, height__lte=height - KEEP_BLOCK_HASHES
            ).delete()
            _release(
                cursor,
                height=height,
                hash=previous_hash or "",
                node_tip=tip.height,
                final_height=tip.final_height,
                last_error="",
                notices=notices,
                **outages.recovered(network.code, cursor.failures, cursor.failing_since, now),
            )
        return report
    except Exception as exc:
        failure = outages.failed(
            network.code, exc, cursor.failures, cursor.failing_since, cursor.failure_logged_at, now
        )
        _release(cursor, **failure)
        raise outages.ScanFailed(network.code) from exc
