"""The merchant's actions on an invoice: resolve, review, cancel, archive, and the payout
of a refund the payer claimed."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chains import registry
from core.errors import ErrorCode, GatewayError
from invoices import lifecycle
from invoices.models import Invoice, Refund
from invoices.services.events import record_event, record_events
from invoices.services.refunds import refund_everything, validate_txid
from invoices.services.writes import apply_action, lock_invoice, reevaluate


def resolve(*, invoice_id, action: str, actor: str, refund_amount: str = "received"):
    """Complete or refund an unresolved or declined invoice (or an overpaid completed one);
    `refund_amount="excess"` refunds only what was paid beyond the amount due and keeps (or
    makes) the invoice completed. Returns the invoice and the refund in its chosen asset
    (or the first one), if any."""
    now = timezone.now()
    if action == "refund" and refund_amount == "excess":
        action = "refund_excess"
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        if action == "refund" and invoice.status != lifecycle.DECLINED:
            lifecycle.check_action(action, invoice.status, invoice.status_context)
            refunds = refund_everything(invoice, actor, now)  # as POST /refunds does
        else:
            refunds = apply_action(invoice, action, actor, now)
        if action == "refund" and not refunds:  # offered already (a declined invoice's)
            refunds = list(invoice.refunds.all())
        chosen = (invoice.quote.asset, invoice.quote.network) if invoice.quote else None
        refunds.sort(key=lambda r: (r.asset, r.network) != chosen)
        return invoice, (refunds[0] if refunds else None)


def review(*, invoice_id, action: str, actor: str) -> Invoice:
    """Approve (normal evaluation resumes) or decline a compliance review (the payer is
    offered everything back)."""
    now = timezone.now()
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        lifecycle.check_action(action, invoice.status)
        if action == "approve":
            invoice.review_decision = "approved"
            invoice.save(update_fields=["review_decision"])
            reevaluate(invoice=invoice, now=now, actor=actor)
        else:
            invoice.review_decision = "declined"
            invoice.save(update_fields=["review_decision"])
            apply_action(invoice, "decline", actor, now)
        return invoice


def cancel(*, invoice_id, actor: str) -> Invoice:
    """Cancel from new or pending; money already received is offered back to the payer."""
    now = timezone.now()
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        apply_action(invoice, "cancel", actor, now)
        return invoice


def set_archived(*, invoice_id, archived: bool, actor: str) -> Invoice:
    """Hide (or show again) an invoice; an archived new invoice stops accepting payment.
    `archived` is part of the invoice the merchant hears about, so the change is an event."""
    now = timezone.now()
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        if invoice.archived != archived:
            invoice.archived = archived
            invoice.save(update_fields=["archived"])
            record_events(invoice, ["status_changed"], actor, now)
        return invoice


# --- the payout of a refund ----------------------------------------------------------------


def record_payout(
    *, invoice_id, txid: str, actor: str, now: datetime | None = None, refund_id=None
) -> Refund:
    """The merchant says which transaction pays the refund out; the watcher completes the
    refund when it sees that transaction reach the claimed address. It can be corrected
    until then (a mistyped id, or a payout the merchant had to send again). An invoice may
    hold several refunds (one per asset): `refund_id` names one, else the first."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        chosen = invoice.refunds.select_for_update().order_by("created_at", "asset")
        refund = (chosen.filter(pk=refund_id) if refund_id else chosen).first()
        if refund is None:
            raise GatewayError(ErrorCode.REFUND_NOT_FOUND, message=_("This invoice has no refund."))
        if refund.status != Refund.CLAIMED:
            raise GatewayError(
                ErrorCode.REFUND_NOT_AWAITING_PAYOUT,
                "payout_txid",
                message=None
                if refund.status == Refund.AWAITING_CLAIM
                else _("This refund is already paid."),
            )
        network = registry.get_network(refund.network)
        if network is None:
            raise GatewayError(ErrorCode.NETWORK_UNAVAILABLE)
        refund.payout_txid = validate_txid(network=network, text=txid)
        refund.save(update_fields=["payout_txid"])
        record_event(invoice=invoice, event_type="refund_updated", actor=actor, now=now)
        return refund
