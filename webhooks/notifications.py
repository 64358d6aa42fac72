"""The team's notification e-mails, and to a customer a payment link: the sending side of
the `Notification` outbox (merchants.notifications writes the rows, choosing who hears what).

The invoice events' notifications are written here, in the event's own transaction
(`on_event`, connected to the event's creation). The worker sends the rows (`send_due`,
each minute, and right after the commit) under a lease, retrying a failing mail server
with backoff. Rows are rendered at sending time in the person's language, as plain text
and HTML.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.leases import Lease
from merchants.models import Notification
from merchants.notifications import PAYMENT_REQUEST, REFUND_SENT, notify, queue_sending
from pages import labels
from pages.amounts import short_amount

logger = logging.getLogger(__name__)

SENDING_LEASE = timedelta(minutes=5)  # far longer than one e-mail takes to hand over
SENDING = Lease(until="claimed_until")  # a notification's: the worker sending it

NEEDS_ACTION = ("unresolved", "compliance_review", "declined")
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)  # then every 6 h
RETRY_WINDOW = timedelta(days=3)
CHANGE_LOOKBACK = 20  # events one change can record: a scan's transactions, then the status


# --- decisions ------------------------------------------------------------------------------


def invoice_kinds(event_type: str, before: dict | None, after: dict) -> list[str]:
    """Which notifications an invoice event makes, from the invoice before and after it
    (the previous event's snapshot, None for the first)."""
    before = before or {"status": "new", "status_context": None, "refunds": []}
    kinds = []
    moved = (before["status"], before.get("status_context")) != (
        after["status"],
        after.get("status_context"),
    )
    if event_type == "status_changed" and moved:
        if after["status"] == "completed" and before["status"] != "completed":
            kinds.append("payment_completed")
        elif after["status"] in NEEDS_ACTION:
            kinds.append("needs_action")
    if event_type == "refund_updated" and claimed_refunds(before, after):
        kinds.append("refund_claimed")
    if event_type == "refund_updated" and paid_refunds(before, after):
        kinds.append("refund_paid")
    return kinds


def _moved(before: dict, after: dict, was: str, now: str) -> list[dict]:
    earlier = {refund["id"]: refund["status"] for refund in before.get("refunds") or []}
    return [
        refund
        for refund in after.get("refunds") or []
        if refund["status"] == now and earlier.get(refund["id"]) == was
    ]


def claimed_refunds(before: dict, after: dict) -> list[dict]:
    """The refunds whose payer gave an address in this change (there is one per asset)."""
    return _moved(before, after, "awaiting_claim", "claimed")


def paid_refunds(before: dict, after: dict) -> list[dict]:
    """The refunds whose payout the scanner saw on chain in this change."""
    return _moved(before, after, "claimed", "paid")


def retry_at(attempts: int, created_at: datetime, now: datetime) -> datetime | None:
    """When to try a failed e-mail again after `attempts` tries, or None once the retry
    window since it was written has passed."""
    if now - created_at >= RETRY_WINDOW:
        return None
    return now + RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def dashboard_url(name: str, *args) -> str:
    return settings.PUBLIC_URL + reverse(name, args=args)


def request_payment(invoice, to_email: str, language: str, now: datetime | None = None) -> None:
    """E-mail the invoice's payment link to a customer (the dashboard's button); each
    press sends one e-mail."""
    now = now or timezone.now()
    Notification.objects.create(
        merchant_id=invoice.merchant_id,
        kind=PAYMENT_REQUEST,
        key=f"payment_request:{invoice.pk}:{now.timestamp()}",
        to_email=to_email,
        language=language,
        created_at=now,
        next_attempt_at=now,
        context={
            "merchant": invoice.merchant.name,
            "description": invoice.description,
            "price": [_price(invoice)[0], invoice.price_currency],
            "payment_url": f"{settings.PUBLIC_URL}/pay/{invoice.pk}",
        },
    )
    queue_sending()


def _price(invoice) -> tuple[str, str]:
    from invoices import money

    decimals = money.price_decimals(invoice.price_currency) or 0
    return money.format_units(invoice.price_amount, decimals), invoice.price_currency


def on_event(event) -> None:
    """The notifications an invoice event makes (connected to the event's creation, so they
    are written in its transaction)."""
    if event.type not in ("status_changed", "refund_updated"):
        return
    # The invoice before this change: the latest earlier snapshot that differs (the events
    # of one change all carry the invoice as it is after it).
    data = event.data
    earlier = (
        type(event)
        .objects.filter(invoice_id=event.invoice_id, sequence__lt=event.sequence)
        .order_by("-sequence")
        .values_list("data", flat=True)[:CHANGE_LOOKBACK]
    )
    previous = next((snapshot for snapshot in earlier if snapshot != data), None)
    for kind in invoice_kinds(event.type, previous, data):
        context = {
            "invoice": data["id"],
            "foreign_id": data.get("foreign_id"),
            "status": data["status"],
            "status_context": data.get("status_context"),
            "price": [data["price_amount"], data["price_currency"]],
            "paid": [data.get("paid_amount"), data.get("pay_currency")],
            "network": data.get("network"),
            "at": data.get("created_at"),
        }
        if kind in ("refund_claimed", "refund_paid"):
            moved = claimed_refunds if kind == "refund_claimed" else paid_refunds
            [refund, *_others] = moved(previous or {}, data)
            context["refund"] = [refund["amount"], refund["asset"]]
            context["network"], context["address"] = refund["network"], refund["address"]
            context["txid"] = refund.get("txid")
        notify(event.merchant_id, kind, f"event:{event.pk}:{kind}", context, event.created_at)
        if kind == "refund_paid" and data.get("customer_email"):
            _tell_payer(event, context, data["customer_email"])


def _tell_payer(event, context: dict, to_email: str) -> None:
    """The payer hears that their refund was sent (the notification outbox, as a payment
    request: retried, once per event)."""
    Notification.objects.get_or_create(
        key=f"event:{event.pk}:{REFUND_SENT}",
        to_email=to_email,
        defaults={
            "merchant_id": event.merchant_id,
            "kind": REFUND_SENT,
            "language": settings.LANGUAGE_CODE,
            "created_at": event.created_at,
            "next_attempt_at": event.created_at,
            "context": {**context, "merchant": event.merchant.name},
        },
    )
    queue_sending()


# --- the message ------------------------------------------------------------------------------

SETTINGS_WHAT = {
    "wallet": gettext_lazy("A wallet was changed"),
    "callback_url": gettext_lazy("The callback URL was changed"),
    "callback_secret": gettext_lazy("The callback secret was rotated"),
}


def _when(text: str | None) -> str:
    if not text:
        return ""
    from django.utils.dateparse import parse_datetime
    from django.utils.formats import date_format

    moment = parse_datetime(text.replace("Z", "+00:00"))
    return f"{date_format(moment, 'DATETIME_FORMAT')} UTC" if moment else text


def _network(code: str | None) -> str:
    from chains import registry

    network = registry.get_network(code) if code else None
    return labels.network_name(code, network.name if network else (code or ""))


def message(notification: Notification, merchant_name: str) -> dict:
    """Subject, opening line, facts and the button of an e-mail, in the active language."""
    c, kind = notification.context, notification.kind
    facts, action = [], None
    if kind == PAYMENT_REQUEST:
        subject = _("Payment request from %(merchant)s") % {"merchant": c["merchant"]}
        intro = _("%(merchant)s asks you to pay %(amount)s.") % {
            "merchant": c["merchant"],
            "amount": labels.money_text(*c["price"]),
        }
        if c.get("description"):
            facts.append((_("For"), c["description"]))
        action = (_("Pay now"), c["payment_url"])
        return {
            "subject": subject,
            "title": subject,
            "intro": intro,
            "facts": facts,
            "action": action,
        }
    if kind == REFUND_SENT:
        subject = _("Your refund from %(merchant)s was sent") % {"merchant": c["merchant"]}
        refund, asset = c["refund"]
        facts = [
            (_("Refund"), labels.money_text(short_amount(refund), asset)),
            (_("Network"), _network(c["network"])),
            (_("Refund address"), c["address"]),
            (_("Transaction"), c.get("txid") or "—"),
        ]
        intro = _("%(merchant)s sent your refund; it is on its way to your wallet.") % {
            "merchant": c["merchant"]
        }
        return {
            "subject": subject,
            "title": subject,
            "intro": intro,
            "facts": facts,
            "action": None,
        }
    if "invoice" in c:
        order = c.get("foreign_id") or c["invoice"][:8]
        facts = [
            (_("Invoice"), c["invoice"]),
            (_("Order id"), c.get("foreign_id") or "—"),
            (_("Price"), labels.money_text(*c["price"])),
        ]
        action = (_("Open the invoice"), dashboard_url("dashboard:invoice", c["invoice"]))
    if kind == "payment_completed":
        subject = _("Payment completed: %(order)s") % {"order": order}
        intro = _("The invoice is paid and confirmed; the funds are in your wallet.")
        if c["paid"][1]:
            paid, asset = c["paid"]
            facts.append(
                (
                    _("Received"),
                    f"{labels.money_text(short_amount(paid), asset)} · {_network(c['network'])}",
                )
            )
    elif kind == "needs_action":
        subject = _("Invoice needs action: %(order)s") % {"order": order}
        state = labels.status(c["status"])
        if c.get("status_context"):
            state = f"{state} · {labels.context(c['status_context'])}"
        intro = _("This invoice waits for your decision.")
        facts.append((_("Status"), state))
    elif kind == "refund_claimed":
        subject = _("Refund claimed: %(order)s") % {"order": order}
        intro = _(
            "The payer gave the address to refund to. Send the refund from your "
            "wallet, then record its transaction on the invoice."
        )
        refund, asset = c["refund"]
        facts += [
            (_("Refund"), labels.money_text(short_amount(refund), asset)),
            (_("Network"), _network(c["network"])),
            (_("Payout address"), c["address"]),
        ]
    elif kind == "refund_paid":
        subject = _("Refund paid: %(order)s") % {"order": order}
        intro = _("A transaction paying the refund reached the payer's address on chain.")
        refund, asset = c["refund"]
        facts += [
            (_("Refund"), labels.money_text(short_amount(refund), asset)),
            (_("Network"), _network(c["network"])),
            (_("Payout address"), c["address"]),
            (_("Transaction"), c.get("txid") or "—"),
        ]
    elif kind == "callbacks_failing":
        subject = _("Callbacks are failing")
        intro = _(
            "An event ran out of retries: your endpoint did not accept callbacks for "
            "three days. New events keep queueing and are sent when it answers."
        )
        facts = [(_("Endpoint"), c["endpoint"]), (_("Since"), _when(c["at"]))]
        action = (_("Callback settings"), dashboard_url("dashboard:settings_callbacks"))
    elif kind == "callbacks_recovered":
        subject = _("Callbacks are delivered again")
        intro = _("Your endpoint accepted a callback again.")
        facts = [(_("Endpoint"), c["endpoint"]), (_("At"), _when(c["at"]))]
    elif kind == "settings_changed":
        subject = _("Settings changed: %(what)s") % {"what": SETTINGS_WHAT[c["what"]]}
        intro = _("If you did not expect this change, check your settings and your team now.")
        facts = [
            (_("Change"), SETTINGS_WHAT[c["what"]]),
            (_("Details"), c.get("detail") or "—"),
            (_("By"), c["actor"]),
            (_("At"), _when(c["at"])),
        ]
        action = (_("Open the settings"), dashboard_url("dashboard:settings"))
    else:  # api_key_created
        subject = _("New API key: %(name)s") % {"name": c["name"]}
        intro = _(
            "A new API key can now create invoices for your store. If you did not "
            "expect it, revoke it."
        )
        facts = [
            (_("Label"), c["name"]),
            (_("Prefix"), c["prefix"]),
            (_("By"), c["actor"]),
            (_("At"), _when(c["at"])),
        ]
        action = (_("API keys"), dashboard_url("dashboard:settings_api_keys"))
    return {
        "subject": f"[{merchant_name}] {subject}",
        "title": subject,
        "intro": intro,
        "facts": facts,
        "action": action,
    }


def render(notification: Notification, merchant_name: str) -> EmailMultiAlternatives:
    with translation.override(notification.language or settings.LANGUAGE_CODE):
        content = message(notification, merchant_name)
        context = {
            **content,
            "merchant": merchant_name,
            "language": translation.get_language(),
            "footer": _(
                "You get this e-mail as a member of %(merchant)s. Choose which "
                "e-mails you get on your account page."
            )
            % {"merchant": merchant_name}
            if notification.kind not in (PAYMENT_REQUEST, REFUND_SENT)
            else "",
        }
        text = render_to_string("notifications/email.txt", context)
        html = render_to_string("notifications/email.html", context)
    mail = EmailMultiAlternatives(
        content["subject"], text, settings.DEFAULT_FROM_EMAIL, [notification.to_email]
    )
    mail.attach_alternative(html, "text/html")
    return mail


# --- sending ----------------------------------------------------------------------------------


def send_due(now: datetime | None = None) -> int:
    """Send the notifications that are due; one the mail server refuses is tried again
    later. Returns how many were sent."""
    sent = 0
    due = (
        Notification.objects.filter(next_attempt_at__lte=now or timezone.now())
        .filter(SENDING.free(now or timezone.now()))
        .select_related("merchant")
        .order_by("next_attempt_at")[:500]
    )
    for notification in due:
        at = now or timezone.now()
        if not SENDING.take(
            Notification.objects.filter(pk=notification.pk, next_attempt_at__isnull=False),
            now=at,
            duration=SENDING_LEASE,
        ):
            continue
        attempts = notification.attempts + 1
        try:
            render(notification, notification.merchant.name).send()
        except Exception as exc:
            logger.warning(
                "notification %s to %s failed: %s", notification.pk, notification.to_email, exc
            )
            SENDING.release(
                Notification.objects.filter(pk=notification.pk),
                attempts=attempts,
                last_error=str(exc)[:500],
                next_attempt_at=retry_at(attempts, notification.created_at, at),
            )
            continue
        SENDING.release(
            Notification.objects.filter(pk=notification.pk),
            attempts=attempts,
            sent_at=at,
            next_attempt_at=None,
            last_error="",
        )
        sent += 1
    return sent
