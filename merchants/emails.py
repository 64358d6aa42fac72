"""E-mails to payers, sent from the event outbox so that none is lost.

A refund offered to a payer (an invoice cancelled or declined after receiving funds, or a
refund the merchant chose) records a `refund_updated` event in the same transaction. The
first such event of an invoice carries the refund-claim e-mail when the invoice has a
`customer_email`: a worker takes a lease on it (`Event.email_claimed_until`), sends, then
stamps `email_sent_at`. A worker dying before the stamp means the lease runs out and the
minute-ly sweep sends again: at least once, as with callbacks.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.utils import timezone

from chains import registry
from invoices.models import Event, Refund
from invoices.representation import refund_payload
from merchants.outbox import SENDING_LEASE, take_lease, unleased

logger = logging.getLogger(__name__)


def refund_claims_due(now: datetime):
    """The events whose refund-claim e-mail is still to send: the first `refund_updated`
    of each invoice with a payer e-mail, while its refund waits to be claimed."""
    earlier = Event.objects.filter(invoice=OuterRef("invoice"), type="refund_updated",
                                   sequence__lt=OuterRef("sequence"))
    return (Event.objects.filter(type="refund_updated", email_sent_at__isnull=True,
                                 invoice__refunds__status=Refund.AWAITING_CLAIM)
            .filter(unleased("email_claimed_until", now))
            .exclude(invoice__customer_email="").exclude(Exists(earlier))
            .select_related("invoice", "merchant"))


def refund_claim_message(merchant_name: str, order: str, refund: dict) -> tuple[str, str]:
    """Subject and body of the e-mail that gives the payer their claim link."""
    network = registry.get_network(refund["network"])
    subject = f"Your refund from {merchant_name}"
    body = (f"Hello,\n\n{merchant_name} is refunding the payment you made for {order}: "
            f"{refund['amount']} {refund['currency']} on "
            f"{network.name if network else refund['network']}.\n\n"
            "To receive it, open this link and give the address to send it to:\n"
            f"{refund['claim_url']}\n\n"
            "The link is yours alone: do not share it.\n")
    return subject, body


def send_refund_claim_emails(invoice_id=None, now: datetime | None = None) -> int:
    """Send the refund-claim e-mails that are due (of one invoice, or all). Returns how
    many were sent; one that fails is retried by the next sweep."""
    now = now or timezone.now()
    events = refund_claims_due(now)
    if invoice_id is not None:
        events = events.filter(invoice_id=invoice_id)
    sent = 0
    for event in events:
        if not take_lease(Event.objects.filter(pk=event.pk, email_sent_at__isnull=True),
                          "email_claimed_until", now, SENDING_LEASE):
            continue
        invoice = event.invoice
        order = f"order {invoice.foreign_id}" if invoice.foreign_id else f"invoice {invoice.id}"
        subject, body = refund_claim_message(event.merchant.name, order,
                                             refund_payload(invoice.refunds.filter(status=Refund.AWAITING_CLAIM).first()))
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invoice.customer_email])
        except Exception:
            logger.exception("refund-claim e-mail for invoice %s failed; retried by the sweep",
                             invoice.id)
            Event.objects.filter(pk=event.pk).update(email_claimed_until=None)
            continue
        Event.objects.filter(pk=event.pk).update(email_sent_at=now, email_claimed_until=None)
        sent += 1
    return sent
