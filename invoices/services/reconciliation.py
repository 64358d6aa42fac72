"""What the chain and the clock decide: transfers a scan saw become transactions and
statuses, refund payouts are matched, expiry and timeouts applied. Each invoice is changed
under its row lock, as `lifecycle` decides, through `writes`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from chains import registry, screening
from chains.scanner import ScanReport
from invoices import accounting, lifecycle
from invoices.models import Invoice, Quote, Refund, Status, Transaction
from invoices.services.events import record_event
from invoices.services.writes import in_lock_order, lock_invoice, reevaluate

# --- what the chain says ------------------------------------------------------------------


def _required_confirmations(
    invoice: Invoice, network: registry.Network, quote: Quote, amount: int
) -> int:
    """Amount tiers weigh what is at stake: the whole amount due, or the payment when it is
    larger, so that paying in slices cannot lower the bar. The merchant's override replaces
    the tiers; the network's safe minimum still holds."""
    override = invoice.merchant.confirmations.get(network.code)
    return network.required_confirmations(
        max(amount, quote.due_amount), int(override) if override else None
    )


def apply_transfers(*, report: ScanReport, now: datetime | None = None) -> None:
    """Turn what a scan observed into transactions and invoice statuses. Idempotent: the
    same report applied twice (or by two racing scanners) changes nothing the second time.
    Each invoice is handled under its row lock, in a fixed order so racing scanners cannot
    deadlock."""
    now = now or timezone.now()
    network = registry.get_network(report.network)
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
    affected = set(by_invoice) | set(
        open_txs.filter(
            status=Transaction.PENDING,
            block_height__lte=report.tip_height + 1 - F("required_confirmations"),
        ).values_list("invoice_id", flat=True)
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
    tx_key, observed: dict, report: ScanReport, network: registry.Network
) -> lifecycle.ChainView:
    transfer = observed.get(tx_key)
    in_block = transfer is not None and transfer.block_hash is not None
    mempool = report.mempool_txids
    return lifecycle.ChainView(
        tip=report.tip_height,
        seen_block=(transfer.block_height, transfer.block_hash) if in_block else None,
        seen_in_mempool=(transfer is not None and not in_block)
        or (mempool is not None and tx_key[0] in mempool),
        rollback_above=report.rollback_above,
        mempool_known=mempool is not None,
        reorg_depth=network.reorg_depth,
    )


def _apply_to_invoice(
    invoice: Invoice, network: registry.Network, observed: list, report: ScanReport, now: datetime
) -> None:
    """Bring one invoice's transactions in line with the chain (new ones recorded, known ones
    reconciled by `lifecycle.reconcile`), then re-evaluate it; every event is rendered after
    all of it, confirmations counted at the scanned tip."""
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
            _view(key, seen, report, network),
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
    for quote, transfer in observed:
        if (transfer.txid, transfer.index) in known:
            continue
        tx = _record_transaction(invoice, network, quote, transfer, report, now)
        events.append("transaction_created")
        if tx.status == Transaction.CONFIRMED:  # first seen already deep (after an outage)
            events.append("transaction_confirmed")
    reevaluate(invoice=invoice, now=now, events=events, heights={network.code: report.tip_height})


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
    if (
        in_block
        and lifecycle.confirmations(tx.block_height, report.tip_height) >= tx.required_confirmations
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


def match_payouts(*, network: str, transfers, now: datetime | None = None) -> int:
    """Mark paid each refund whose recorded payout transaction reached its address in a
    block (a transaction only in the mempool may still be replaced). Idempotent. Returns
    how many refunds were completed."""
    now = now or timezone.now()
    mined = {
        (t.txid.lower(), t.to_address, t.asset) for t in transfers if t.block_height is not None
    }
    if not mined:
        return 0
    due = list(
        Refund.objects.filter(
            network=network,
            status=Refund.AWAITING_PAYOUT,
            payout_txid__in={seen[0] for seen in mined},
        ).values_list("pk", "invoice_id", "payout_txid", "address", "asset")
    )
    paid = 0
    for pk, invoice_id, txid, address, asset in due:
        if (txid, address, asset) not in mined:
            continue
        with transaction.atomic():
            invoice = lock_invoice(invoice_id)
            refund = Refund.objects.select_for_update().get(pk=pk)
            status = lifecycle.refund_after_payout(refund.status, refund.payout_txid, txid)
            if status is None:  # paid meanwhile, or its payout replaced
                continue
            refund.status, refund.paid_at = status, now
            refund.save(update_fields=["status", "paid_at"])
            record_event(invoice=invoice, event_type="refund_updated", actor="system", now=now)
            paid += 1
    return paid
