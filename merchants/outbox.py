"""Sending rows of an outbox at least once: a worker takes a row's lease before sending it,
so two workers never send it together, and a worker that dies mid-send only delays it until
the lease runs out and the sweep takes it again. Used by the payer's refund-claim e-mails
(`Event.email_claimed_until`) and the team's notifications (`Notification.claimed_until`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

SENDING_LEASE = timedelta(minutes=5)  # far longer than one e-mail takes to hand over


def unleased(field: str, now: datetime) -> Q:
    """Rows no worker holds now: never leased, or the lease ran out."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lte": now})


def take_lease(rows: QuerySet, field: str, now: datetime,
               lease: timedelta = SENDING_LEASE) -> bool:
    """Lease the one row `rows` selects, if no one holds it; one UPDATE, so of two racing
    workers exactly one wins."""
    return rows.filter(unleased(field, now)).update(**{field: now + lease}) == 1
