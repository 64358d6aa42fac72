"""The one write path of an invoice's status: lock its row (`lock_invoice`), let
`lifecycle` decide (`reevaluate` for what the payments and the clock say, `apply_action`
for a merchant's action or rule), then `change_status` saves the new status and records
the event. Nothing else assigns `Invoice.status` (tests/test_write_path.py checks it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from invoices import lifecycle
from invoices.accounting import Method
from invoices.models import Invoice, Refund
from invoices.services import rollups
from invoices.services.events import record_events

# What a status change writes: the status, its context and when it changed. Nothing else
# rides along: an action that also changes another field (a review's decision, the archive
# flag) saves that field itself.
STATUS_FIELDS = ["status", "status_context", "status_changed_at"]


def lock_invoice(invoice_id: UUID | str) -> Invoice:
    """The invoice, its row locked for the rest of the transaction, with its chosen quote and
    its merchant. Every writer locks the invoice first, before its refunds or transactions:
    the outbox sequence depends on it, and one order means no deadlock."""
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("quote", "merchant")
        .get(pk=invoice_id)
    )


def in_lock_order(invoice_ids: Iterable[UUID]) -> list[UUID]:
    """The order a writer that visits several invoices locks them in: by primary key
    (Saleor's rule, payment/lock_objects.py), so two such writers never each hold one the
    other waits for. A UUID's text sorts as PostgreSQL's uuid and SQLite's hex column do."""
    return sorted(invoice_ids, key=str)


def change_status(
    invoice: Invoice,
    status: str,
    context: str | None,
    *,
    actor: str,
    now: datetime,
    preceded_by: Sequence[str] = (),
    followed_by: Sequence[str] = (),
    heights: dict[str, int] | None = None,
) -> None:
    """The one function that changes an invoice's status (its row locked by `lock_invoice`,
    the status decided by `lifecycle`). Saves `STATUS_FIELDS` only and records
    `status_changed` between the events that led to it (`preceded_by`: what a scan saw of
    its transactions) and those it brings (`followed_by`: the refunds it offers), all
    rendered once, with the invoice as it is after all of them. The overview's daily totals
    move with it, in the same transaction (`rollups.count`)."""
    before = rollups.buckets(invoice)
    invoice.status, invoice.status_context, invoice.status_changed_at = status, context, now
    invoice.save(update_fields=STATUS_FIELDS)
    rollups.count(invoice, before)
    record_events(
        invoice, [*preceded_by, "status_changed", *followed_by], actor, now, heights=heights
    )


def reevaluate(
    *,
    invoice: Invoice,
    now: datetime,
    actor: str = "system",
    events: list[str] | None = None,
    heights: dict[str, int] | None = None,
) -> None:
    """Apply what the lifecycle decides now (the invoice row must be locked), recording the
    transaction `events` that led here and the status change with the invoice as it is
    after them; then the merchant's automatic rule when the invoice became unresolved."""
    decision = lifecycle.evaluate(invoice.facts(), invoice.ledger(), now)
    if (decision.status, decision.context) == (invoice.status, invoice.status_context):
        record_events(invoice, events or [], actor, now, heights=heights)
        return
    change_status(
        invoice,
        decision.status,
        decision.context,
        actor=actor,
        now=now,
        preceded_by=events or [],
        heights=heights,
    )
    if action := lifecycle.automatic_action(decision, invoice.merchant.unresolved_rules):
        apply_action(invoice, action, "rule", now, heights)


def apply_action(
    invoice: Invoice, action: str, actor: str, now: datetime, heights: dict[str, int] | None = None
) -> list[Refund]:
    """Carry out a merchant action (or the merchant's automatic rule) as `lifecycle.target`
    decides: the refunds it offers, one per asset, and the new status, with their events
    (the invoice row must be locked)."""
    target = lifecycle.target(action, invoice.facts(), invoice.ledger(), invoice.refunded())
    refunds = [
        offer_refund(invoice, method, amount, now)
        for method, amount in sorted(target.refunds.items())
    ]
    change_status(
        invoice,
        target.status,
        target.context,
        actor=actor,
        now=now,
        followed_by=["refund_updated"] * len(refunds),
        heights=heights,
    )
    return refunds


def offer_refund(
    invoice: Invoice, method: Method, amount: int, now: datetime, reason: str = ""
) -> Refund:
    """Write one refund the lifecycle decided (the invoice row locked): `amount` base units
    of `method` (asset, network), awaiting the payer's address. Its event is the caller's,
    recorded with the status change it may bring."""
    asset, network = method
    return Refund.objects.create(
        invoice=invoice, asset=asset, network=network, amount=amount, reason=reason, created_at=now
    )
