"""The payer's receipt e-mail: sent once an invoice completes, when the payer gave an e-mail
(the merchant's `customer_email`, or the one a payment link asked for). Like the refund-claim
e-mail it is sent from the outbox — the invoice's first `status_changed` event to
`completed` — under a lease on that event and stamped `email_sent_at`, so none is lost and a
dead worker's is sent by the minute-ly sweep. Its facts are the event's own snapshot of the
invoice: what the payer paid, at what rate, in which transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from chains import registry
from invoices.models import Event
from webhooks.emails import EMAIL_SENDING, subject_line
from webhooks.notifications import SENDING_LEASE

logger = logging.getLogger(__name__)


def receipts_due(now: datetime):
    """The events whose receipt is still to send: each invoice's first completion, when the
    invoice has a payer e-mail."""
    completed = {"type": "status_changed", "data__status": "completed"}
    earlier = Event.objects.filter(
        invoice=OuterRef("invoice"), sequence__lt=OuterRef("sequence"), **completed
    )
    return (
        Event.objects.filter(email_sent_at__isnull=True, **completed)
        .filter(EMAIL_SENDING.free(now))
        .exclude(invoice__customer_email="")
        .exclude(Exists(earlier))
        .select_related("invoice", "merchant")
    )


def receipt_facts(merchant_name: str, data: dict) -> list[tuple[str, str]]:
    """The receipt's lines from the invoice's payload: merchant, order, price, paid amount
    and asset on its network, rate, each counted transaction (with its explorer link), time."""
    network = registry.get_network(data["network"] or "")
    network_name = network.name if network else data["network"]
    facts = [("Merchant", merchant_name)]
    if data["description"]:
        facts.append(("Order", data["description"]))
    facts += [
        ("Price", f"{data['price_amount']} {data['price_currency']}"),
        ("Paid", f"{data['paid_amount']} {data['pay_currency']} on {network_name}"),
        ("Rate", f"1 {data['pay_currency']} = {data['rate']} {data['price_currency']}"),
    ]
    for tx in data["transactions"]:
        if tx["counted"]:
            facts.append(("Transaction", tx["explorer_url"] or tx["txid"]))
    paid_at = max((tx["paid_at"] or "" for tx in data["transactions"]), default="")
    facts += [("Paid at", paid_at.replace("T", " ")), ("Invoice", data["id"])]
    return facts


def receipt_email(event: Event) -> EmailMultiAlternatives:
    """The receipt, as text and HTML (the team's notification layout)."""
    merchant, data = event.merchant.name, event.data
    subject = subject_line(f"Your receipt from {merchant}")
    context = {
        "subject": subject,
        "merchant": merchant,
        "language": "en",
        "title": f"Paid: {data['price_amount']} {data['price_currency']}",
        "intro": f"Thank you for your payment to {merchant}. This is your receipt.",
        "facts": receipt_facts(merchant, data),
        "action": ("View or print the receipt", f"{settings.PUBLIC_URL}/pay/{data['id']}"),
        "footer": "",
    }
    mail = EmailMultiAlternatives(
        subject,
        render_to_string("notifications/email.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [event.invoice.customer_email],
    )
    mail.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    return mail


def send_receipts(invoice_id=None, now: datetime | None = None) -> int:
    """Send the receipts that are due (of one invoice, or all). Returns how many were sent;
    one that fails is retried by the next sweep."""
    now = now or timezone.now()
    events = receipts_due(now)
    if invoice_id is not None:
        events = events.filter(invoice_id=invoice_id)
    sent = 0
    for event in events:
        if not EMAIL_SENDING.take(
            Event.objects.filter(pk=event.pk, email_sent_at__isnull=True),
            now=now,
            duration=SENDING_LEASE,
        ):
            continue
        try:
            receipt_email(event).send()
        except Exception:
            logger.exception(
                "receipt for invoice %s failed; retried by the sweep", event.invoice_id
            )
            EMAIL_SENDING.release(Event.objects.filter(pk=event.pk))
            continue
        EMAIL_SENDING.release(Event.objects.filter(pk=event.pk), email_sent_at=now)
        sent += 1
    return sent
