"""The outbox: every change a merchant hears about is recorded here, in the transaction
that makes it, with the invoice row locked (`writes.lock_invoice`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max

from invoices.models import Event, Invoice
from invoices.representation import invoice_payload
from invoices.selectors import scanned_heights


def record_event(
    *, invoice: Invoice, event_type: str, actor: str, now: datetime, data: dict | None = None
) -> Event:
    """Write an outbox row in the caller's transaction (the invoice row must be locked) and,
    once that commits, announce it (`event_recorded`: webhooks queues its delivery); if the
    enqueue is lost, the minute-ly sweep finds the row (each receiver is robust: a failing
    queue cannot fail a change that has committed)."""
    from invoices.signals import event_recorded

    last = invoice.events.aggregate(last=Max("sequence"))["last"] or 0
    event = Event.objects.create(
        merchant_id=invoice.merchant_id,
        invoice=invoice,
        type=event_type,
        sequence=last + 1,
        actor=actor,
        created_at=now,
        data=data if data is not None else invoice_payload(invoice),
        next_attempt_at=now,
    )
    announced = {"event_id": event.pk, "invoice_id": invoice.pk, "type": event_type}
    transaction.on_commit(lambda: event_recorded.send_robust(sender=Event, **announced))
    return event


def record_events(
    invoice: Invoice,
    event_types: list[str],
    actor: str,
    now: datetime,
    *,
    heights: dict[str, int] | None = None,
) -> None:
    """Record events rendered once, after the change they report (`heights`: the tip the
    change was decided at, which the scan cursor does not show yet)."""
    if not event_types:
        return
    data = invoice_payload(invoice, heights={**scanned_heights(), **(heights or {})})
    for event_type in event_types:
        record_event(invoice=invoice, event_type=event_type, actor=actor, now=now, data=data)
