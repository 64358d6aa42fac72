"""What the chain and the clock decide: transfers a scan saw become transactions and
statuses, refund payouts are matched, expiry and timeouts applied. Each invoice is changed
under its row lock, as `lifecycle` decides, through `writes`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from chains import registry, screening
from chains.backends.base import Transfer
from chains.scanner import ScanReport
from invoices import accounting, lifecycle
from invoices.models import Invoice, Quote, Refund, Status, Transaction
from invoices.services.events import record_event
from invoices.services.writes import in_lock_order, lock_invoice, reevaluate

logger = logging.getLogger(__name__)

# --- what the chain says ------------------------------------------------------------------


def _required_confirmations(
    invoice: Invoice, network: registry.Network, quote: Quote, amount: int
) -> int:
    """Amount tiers weigh what is at stake: the whole amount due, or the payment when it is
    larger, so that paying in slices cannot lower the bar. The invoice's own count, else the
    merchant's override, replaces the tiers; the network's safe minimum still holds."""
    override = invoice.required_confirmations
    if override is None:
        merchants = invoice.merchant.confirmations.get(network.code)
        override = int(merchants) if merchants else None
    return network.required_confirmations(max(amount, quote.due_amount), override)


def apply_transfers(*, report: ScanReport, now: datetime | None = None) -> None:
    """Turn what a scan observed into transactions and invoice statuses. Idempotent: the
    same report applied twice (or by two racing scanners) changes nothing the second time.
    Each invoice is handled under its row lock, in a fixed order so racing scanners cannot
    deadlock."""
    now = now or timezone.now()
    network = registry.network(report.network)
    quotes = {
        q.address: q
        for q in Quote.objects.filter(
            network=network.code, address__in={t.to_address for t in report.transfers}
        )
    }
    by_invoice: dict = {}
    for transfer in report.transfers:
        if quote := quotes.get(transfer.to_address):
            by_invoice.setdefault(quote.invoice_id, []).append((quote, transfer))
    open_txs = Transaction.objects.filter(network=network.code).exclude(status=Transaction.REVERTED)
    deep = Q(block_height__lte=report.head + 1 - F("required_confirmations"))
    if report.final_height is not None:
        deep &= Q(block_height__lte=report.final_height)
    affected = set(by_invoice) | set(
        open_txs.filter(deep, status=Transaction.PENDING).values_list("invoice_id", flat=True)
    )
    if report.rollback_above is not None:
        affected |= set(
            open_txs.filter(block_height__gt=report.rollback_above).values_list(
                "invoice_id", flat=True
            )
        )
    # Unmined transactions that left the mempool, or outlived their reorg grace: only these
    # can change without being observed, so a busy mempool costs no invoice a lock per scan.
    # Compared here rather than in SQL: a mempool holds far more txids than a query binds.
    seen = (
        report.mempool_txids | {t.txid for t in report.transfers}
        if report.mempool_txids is not None
        else None
    )
    for invoice_id, txid, unmined_at in open_txs.filter(block_height__isnull=True).values_list(
        "invoice_id", "txid", "unmined_at_height"
    ):
        if (seen is not None and txid not in seen) or (
            unmined_at is not None and report.tip_height - unmined_at >= network.reorg_depth
        ):
            affected.add(invoice_id)
    for invoice_id in in_lock_order(affected):
        with transaction.atomic():
            invoice = lock_invoice(invoice_id)
            _apply_to_invoice(invoice, network, by_invoice.get(invoice_id, []), report, now)


def _view(
    transfer: Transfer | None, txid: str, report: ScanReport, network: registry.Network
) -> lifecycle.ChainView:
    """What this scan says of one transaction (`transfer`: the scan's transfer of it)."""
    in_block = transfer is not None and transfer.block_hash is not None
    mempool = report.mempool_txids
    return lifecycle.ChainView(
        tip=report.tip_height,
        head=report.head,
        final_height=report.final_height,
        seen_block=(transfer.block_height, transfer.block_hash)
        if transfer and transfer.block_height is not None and transfer.block_hash is not None
        else None,
        seen_in_mempool=(transfer is not None and not in_block)
        or (mempool is not None and txid in mempool),
        rollback_above=report.rollback_above,
        mempool_known=mempool is not None,
        reorg_depth=network.reorg_depth,
    )


def _apply_to_invoice(
    invoice: Invoice, network: registry.Network, observed: list, report: ScanReport, now: datetime
) -> None:
    """Bring one invoice's transactions in line with the chain (new ones recorded, known ones
    reconciled by `lifecycle.reconcile`), then re-evaluate it; every event is rendered after
    all of it, confirmations counted at the node's tip (also while the scan catches up). A
    payment on a network of the other mode (`registry.serves`) is never credited: play money
    settles no live invoice, and a test invoice takes no real money."""
    if observed and not registry.serves(network, invoice.livemode):
        logger.warning(
            "%s: payment to invoice %s ignored: a %s invoice is not paid on a %s network",
            network.code,
            invoice.pk,
            "live" if invoice.livemode else "test",
            "test" if network.test else "real",
        )
        observed = []
    known = {
        (tx.txid, tx.output_index): tx for tx in invoice.transactions.filter(network=network.code)
    }
    seen = {(t.txid, t.index): t for _, t in observed}
    events: list[str] = []
    for key, tx in known.items():
        change = lifecycle.reconcile(
            lifecycle.TxFacts(
                tx.status,
                tx.block_height,
                tx.block_hash,
                tx.required_confirmations,
                tx.unmined_at_height,
            ),
            _view(seen.get(key), key[0], report, network),
        )
        fields = {
            "status": change.status,
            "block_height": change.block_height,
            "block_hash": change.block_hash,
            "unmined_at_height": change.unmined_at,
            "confirmed_at": (
                (tx.confirmed_at or now) if change.status == Transaction.CONFIRMED else None
            ),
            "reverted_at": (
                (tx.reverted_at or now) if change.status == Transaction.REVERTED else None
            ),
        }
        updates = {name: value for name, value in fields.items() if getattr(tx, name) != value}
        if updates:
            for name, value in updates.items():
                setattr(tx, name, value)
            tx.save(update_fields=list(updates))
        if change.event:
            events.append(change.event)
    recorded = []
    for quote, transfer in observed:
        if (transfer.txid, transfer.index) in known:
            continue
        tx = _record_transaction(invoice, network, quote, transfer, report, now)
        recorded.append(tx.pk)
        events.append("transaction_created")
        if tx.status == Transaction.CONFIRMED:  # first seen already deep (after an outage)
            events.append("transaction_confirmed")
    reevaluate(invoice=invoice, now=now, events=events, heights={network.code: report.head})
    if recorded and invoice.status_changed_at < now:  # they left its status as it was
        Transaction.objects.filter(pk__in=recorded).update(after_close=True)


def _record_transaction(
    invoice: Invoice,
    network: registry.Network,
    quote: Quote,
    transfer,
    report: ScanReport,
    now: datetime,
) -> Transaction:
    """A transfer seen for the first time: the payer's first payment to an address they had
    switched away from makes that method the chosen one (`accounting.switched_method`)."""
    has_payments = invoice.transactions.exists()
    current = (invoice.quote.asset, invoice.quote.network) if invoice.quote else None
    if (
        accounting.switched_method(
            current, has_payments, (quote.asset, quote.network), transfer.asset
        )
        != current
    ):
        invoice.quote = quote
        invoice.save(update_fields=["quote"])
    in_block = transfer.block_hash is not None
    tx = Transaction.objects.create(
        invoice=invoice,
        quote=quote,
        network=network.code,
        txid=transfer.txid,
        output_index=transfer.index,
        asset=transfer.asset,
        amount=transfer.amount,
        to_address=transfer.to_address,
        from_addresses=list(transfer.from_addresses),
        block_height=transfer.block_height,
        block_hash=transfer.block_hash,
        required_confirmations=_required_confirmations(invoice, network, quote, transfer.amount),
        flagged=screening.is_flagged(transfer.from_addresses, invoice.merchant.deny_list),
        paid_at=min(transfer.time or now, now),
        detected_at=now,
    )
    if in_block and lifecycle.settled(
        tx.block_height, report.head, tx.required_confirmations, report.final_height
    ):
        tx.status, tx.confirmed_at = Transaction.CONFIRMED, now
        tx.save(update_fields=["status", "confirmed_at"])
    return tx


def sweep(*, now: datetime | None = None) -> int:
    """Apply what time alone decides: expiry and processing timeouts. Returns how many
    invoices changed."""
    now = now or timezone.now()
    due = set(
        Invoice.objects.filter(
            status__in=[Status.NEW, Status.PENDING], expires_at__lte=now
        ).values_list("id", flat=True)
    )
    for invoice_id, paid_at, timeout in Transaction.objects.filter(
        status=Transaction.PENDING,
        invoice__status__in=[Status.PENDING, Status.EXPIRED, Status.UNRESOLVED],
    ).values_list("invoice_id", "paid_at", "invoice__processing_timeout_minutes"):
        if now - paid_at >= timedelta(minutes=timeout):
            due.add(invoice_id)
    return sum(_reevaluated(invoice_id, now) for invoice_id in in_lock_order(due))


def expire_if_due(invoice: Invoice, *, now: datetime | None = None) -> bool:
    """An invoice whose timer has run out, expired when someone looks at it (the checkout's
    poll, an API read) rather than at the next minute's sweep: what the sweep would do,
    done now. True when its status changed (the caller reloads it)."""
    now = now or timezone.now()
    due = invoice.expires_at is not None and invoice.expires_at <= now
    if not due or invoice.status not in (Status.NEW, Status.PENDING):
        return False
    return _reevaluated(invoice.pk, now)


def _reevaluated(invoice_id, now: datetime) -> bool:
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        before = invoice.status
        reevaluate(invoice=invoice, now=now)
        return invoice.status != before


# --- refund payouts --------------------------------------------------------------------------


# What following a payout changes on its refund (the status first).
PAYOUT_FIELDS = [
    "status",
    "payout_txid",
    "payout_block_height",
    "payout_block_hash",
    "payout_unmined_at",
    "paid_at",
    "confirmed_at",
]


def _payouts_to_follow(network: str, report: ScanReport) -> set:
    """The refunds this scan may move: claimed ones whose address it saw paid in a block,
    paid ones (few: until their payout confirms) but those the merchant marked paid with a
    payout the gateway cannot see, and confirmed ones whose block a reorganisation
    orphaned."""
    mined_to = {t.to_address for t in report.transfers if t.block_height is not None}
    refunds = Refund.objects.filter(network=network)
    follow = Q(status=Refund.CLAIMED, address__in=mined_to) | Q(
        status=Refund.PAID, paid_manually=False
    )
    if report.rollback_above is not None:
        follow |= Q(status=Refund.CONFIRMED, payout_block_height__gt=report.rollback_above)
    return set(refunds.filter(follow).values_list("pk", "invoice_id"))


def _payout_seen(refund: Refund, mined: dict) -> tuple[str, Transfer] | None:
    """The mined transaction paying the claimed refund, if this scan saw one: at least the
    amount of its asset to its address, from any sender (the merchant's wallet), or the
    transaction the merchant recorded as its payout, whatever it paid."""
    for txid, transfers in mined.items():
        paid = sum(
            t.amount for t in transfers if (t.to_address, t.asset) == (refund.address, refund.asset)
        )
        recorded = bool(refund.payout_txid) and refund.payout_txid == txid
        if paid and lifecycle.refund_seen_paid(refund.status, refund.amount, paid, recorded):
            return txid, next(t for t in transfers if t.to_address == refund.address)
    return None


def match_payouts(*, report: ScanReport, now: datetime | None = None) -> int:
    """Follow refund payouts on the chain, on every network kind the scanner reports (UTXO
    outputs, EVM native and token transfers, TRON): a claimed refund becomes `paid` once a
    block carries a transaction paying it (`_payout_seen`), `confirmed` at the network's
    confirmations, and `claimed` again if that transaction leaves the chain (as
    `lifecycle.reconcile` follows an invoice's transactions). Each change is a
    `refund_updated` event. Idempotent. Returns how many refunds changed."""
    now = now or timezone.now()
    network = registry.network(report.network)
    mined: dict[str, list[Transfer]] = {}
    for t in report.transfers:
        if t.block_height is not None:
            mined.setdefault(t.txid.lower(), []).append(t)
    changed = 0
    for pk, invoice_id in sorted(_payouts_to_follow(network.code, report), key=lambda r: str(r[1])):
        with transaction.atomic():
            invoice = lock_invoice(invoice_id)
            refund = Refund.objects.select_for_update().get(pk=pk)
            before = [getattr(refund, name) for name in PAYOUT_FIELDS]
            if refund.status == Refund.CLAIMED and (seen := _payout_seen(refund, mined)):
                txid, transfer = seen
                refund.status, refund.payout_txid, refund.paid_at = Refund.PAID, txid, now
                refund.payout_block_height, refund.payout_block_hash = (
                    transfer.block_height,
                    transfer.block_hash or "",  # blank: none (the column is not null)
                )
            if refund.status in (Refund.PAID, Refund.CONFIRMED):
                _follow_payout(refund, network, mined, report, now)
            if [getattr(refund, name) for name in PAYOUT_FIELDS] == before:
                continue
            refund.save(update_fields=PAYOUT_FIELDS)
            if refund.status != before[0]:
                record_event(invoice=invoice, event_type="refund_updated", actor="system", now=now)
                changed += 1
    return changed


def _follow_payout(
    refund: Refund, network: registry.Network, mined: dict, report: ScanReport, now: datetime
) -> None:
    """A paid refund's payout against this scan, as `lifecycle.reconcile` decides for a
    transaction; `lifecycle.refund_after_chain` turns that into the refund's status."""
    transfer = next(
        (t for t in mined.get(refund.payout_txid, ()) if t.to_address == refund.address), None
    )
    change = lifecycle.reconcile(
        refund.payout_facts(network.required_confirmations(refund.amount, None)),
        _view(transfer, refund.payout_txid, report, network),
    )
    status = lifecycle.refund_after_chain(refund.status, change)
    if status == Refund.CLAIMED:  # the payout left the chain: the payer is owed again
        refund.payout_txid, refund.paid_at, refund.confirmed_at = "", None, None
        change = lifecycle.TxChange(status, None, None, None, None)
    refund.status = status
    refund.payout_block_height, refund.payout_block_hash = (
        change.block_height,
        change.block_hash or "",
    )
    refund.payout_unmined_at = change.unmined_at
    refund.confirmed_at = (refund.confirmed_at or now) if status == Refund.CONFIRMED else None
