"""The outbox: every change a merchant hears about is recorded here, in the transaction
that makes it, with the invoice row locked (`writes.lock_invoice`)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max

from invoices.models import Event, Invoice
from invoices.representation import invoice_payload
from invoices.selectors import tip_heights


def record_event(
    *, invoice: Invoice, event_type: str, actor: str, now: datetime, data: dict | None = None
) -> Event:
    """Write an outbox row in the caller's transaction (the invoice row must be locked) and
    announce it there (`event_recorded`), so what its receivers write commits with it: the
    webhooks app writes a Delivery per webhook endpoint that wants the event and the team's
    notifications (webhooks.receivers), and queues the deliveries once the transaction
    commits; if that enqueue is lost, the minute-ly sweep finds the Delivery rows."""
    last = invoice.events.aggregate(last=Max("sequence"))["last"] or 0
    return _record(invoice, event_type, last + 1, actor, now, data)


def record_created(*, invoice: Invoice, actor: str, now: datetime, data: dict) -> Event:
    """The invoice's making (Event.CREATED, sequence 0: ahead of its every event), written
    in the transaction that inserts it and announced as any event is: only the webhook
    endpoints whose dialect reports it get a delivery."""
    return _record(invoice, Event.CREATED, 0, actor, now, data)


def _record(
    invoice: Invoice, event_type: str, sequence: int, actor: str, now: datetime, data: dict | None
) -> Event:
    from invoices.signals import event_recorded

    event = Event.objects.create(
        merchant_id=invoice.merchant_id,
        invoice=invoice,
        type=event_type,
        sequence=sequence,
        actor=actor,
        created_at=now,
        data=data if data is not None else invoice_payload(invoice),
    )
    event.invoice = invoice
    event_recorded.send(sender=Event, event=event)
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
    change was decided at: the node's, which the cursor does not show yet)."""
    if not event_types:
        return
    data = invoice_payload(invoice, heights={**tip_heights(), **(heights or {})})
    for event_type in event_types:
        record_event(invoice=invoice, event_type=event_type, actor=actor, now=now, data=data)
