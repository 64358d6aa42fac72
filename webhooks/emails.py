"""E-mails: to payers, sent from the event outbox so that none is lost, and the dashboard's
(password reset, team invitations, notices), sent by the worker.

No task argument carries a secret: django-q2 keeps a task's arguments in its tables (shown
in the admin), so the tasks get ids and the worker writes the link itself — the reset token
from the user's row, the invitation token from the invitation's (an HMAC with the
SECRET_KEY, like Django's reset tokens). Every subject goes through `subject_line`, so a
store name with a line break cannot make a mail fail.

A refund offered to a payer (an invoice cancelled or declined after receiving funds, or a
refund the merchant chose) records a `refund_updated` event in the same transaction. The
first such event of an invoice carries the refund-claim e-mail when the invoice has a
`customer_email`: a worker takes a lease on it (`Event.email_claimed_until`), sends, then
stamps `email_sent_at`. A worker dying before the stamp means the lease runs out and the
minute-ly sweep sends again: at least once, as with callbacks.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from chains import registry
from core.leases import Lease
from invoices.models import Event, Refund
from invoices.representation import refund_payload
from merchants import invites
from merchants.models import TeamInvite
from pages.amounts import short_amount
from webhooks.notifications import SENDING_LEASE

logger = logging.getLogger(__name__)

SUBJECT_LENGTH = 150
EMAIL_SENDING = Lease(until="email_claimed_until")  # a refund-claim e-mail's, on its event
_NOT_IN_A_HEADER = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def subject_line(text: str) -> str:
    """A subject that is one header line: line breaks, tabs and other control characters
    become single spaces (Django refuses a subject with a newline), and it is shortened."""
    line = _NOT_IN_A_HEADER.sub(" ", text).strip()
    return line if len(line) <= SUBJECT_LENGTH else line[: SUBJECT_LENGTH - 1].rstrip() + "…"


def send(subject: str, body: str, to: str, html: str | None = None) -> None:
    """Every e-mail of the gateway goes out here (with `html`, as its HTML alternative)."""
    send_mail(subject_line(subject), body, settings.DEFAULT_FROM_EMAIL, [to], html_message=html)


def send_password_reset(user_id) -> bool:
    """The password-reset e-mail of an active user with an e-mail address; the reset link
    (valid PASSWORD_RESET_TIMEOUT from now) is made here, not by whoever queued this."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    context = {
        "email": user.email,
        "user": user,
        "public_url": settings.PUBLIC_URL,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    send(
        render_to_string("registration/password_reset_subject.txt", context),
        render_to_string("registration/password_reset_email.txt", context),
        user.email,
    )
    return True


def send_invite(invite_id) -> bool:
    """The invitation e-mail, while the invitation is open."""
    invite = (
        TeamInvite.objects.select_related("merchant", "invited_by")
        .filter(pk=invite_id, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invite is None:
        return False
    inviter = invite.invited_by.email if invite.invited_by else "The store's owner"
    send(
        f"You are invited to {invite.merchant.name}",
        f"Hello,\n\n{inviter} invites you to the payments dashboard of "
        f"{invite.merchant.name}. Open this link within 7 days to choose your password:\n"
        f"{invites.invite_link(invite)}\n",
        invite.email,
    )
    return True


def refund_claims_due(now: datetime):
    """The events whose refund-claim e-mail is still to send: the first `refund_updated`
    of each invoice with a payer e-mail, while its refund waits to be claimed."""
    earlier = Event.objects.filter(
        invoice=OuterRef("invoice"), type="refund_updated", sequence__lt=OuterRef("sequence")
    )
    return (
        Event.objects.filter(
            type="refund_updated",
            email_sent_at__isnull=True,
            invoice__refunds__status=Refund.AWAITING_CLAIM,
        )
        .filter(EMAIL_SENDING.free(now))
        .exclude(invoice__customer_email="")
        .exclude(Exists(earlier))
        .select_related("invoice", "merchant")
    )


def refund_claim_message(
    merchant_name: str, order: str, refunds: list[dict]
) -> tuple[str, str, str]:
    """Subject, text and HTML of the e-mail that gives the payer their claim links (one per
    asset refunded), each with its code on its own line for a browser that runs no script
    (the page then asks for it). Amounts read as everywhere else ("20.00 USDT")."""
    parts, facts = [], []
    for refund in refunds:
        network = registry.get_network(refund["network"])
        amount = f"{short_amount(refund['amount'])} {refund['asset']}"
        where = network.name if network else refund["network"]
        code = refund["claim_url"].rsplit("#", 1)[-1]
        parts.append(
            f"{amount} on {where}:\n{refund['claim_url']}\n"
            f"If the page asks for your refund code, it is: {code}\n"
        )
        facts += [(f"{amount} on {where}", refund["claim_url"]), ("Refund code", code)]
    subject = f"Your refund from {merchant_name}"
    intro = (
        f"{merchant_name} is refunding the payment you made for {order}. "
        "To receive it, open the link and give the address to send it to."
    )
    warning = "The links and the codes are yours alone: do not share them."
    body = f"Hello,\n\n{intro}\n\n" + "\n".join(parts) + f"\n{warning}\n"
    single = refunds[0]["claim_url"] if len(refunds) == 1 else None
    html = render_to_string(
        "notifications/email.html",
        {
            "subject": subject,
            "merchant": merchant_name,
            "title": subject,
            "intro": intro,
            "facts": facts,
            "action": ("Claim your refund", single) if single else None,
            "footer": warning,
            "language": "en",
        },
    )
    return subject, body, html


def send_refund_claim_emails(invoice_id=None, now: datetime | None = None) -> int:
    """Send the refund-claim e-mails that are due (of one invoice, or all). Returns how
    many were sent; one that fails is retried by the next sweep."""
    now = now or timezone.now()
    events = refund_claims_due(now)
    if invoice_id is not None:
        events = events.filter(invoice_id=invoice_id)
    sent = 0
    for event in events:
        unsent = Event.objects.filter(pk=event.pk, email_sent_at__isnull=True)
        if not EMAIL_SENDING.take(unsent, now=now, duration=SENDING_LEASE):
            continue
        invoice = event.invoice
        order = f"order {invoice.foreign_id}" if invoice.foreign_id else f"invoice {invoice.id}"
        waiting = invoice.refunds.filter(status=Refund.AWAITING_CLAIM).order_by(
            "created_at", "asset"
        )
        subject, body, html = refund_claim_message(
            event.merchant.name, order, [refund_payload(refund) for refund in waiting]
        )
        try:
            send(subject, body, invoice.customer_email, html)
        except Exception:
            logger.exception(
                "refund-claim e-mail for invoice %s failed; retried by the sweep", invoice.id
            )
            EMAIL_SENDING.release(Event.objects.filter(pk=event.pk))
            continue
        EMAIL_SENDING.release(Event.objects.filter(pk=event.pk), email_sent_at=now)
        sent += 1
    return sent
