"""The payer's side of a refund: naming the address it is paid to (the claim link)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chains import addresses, registry
from invoices.models import Invoice, Refund
from invoices.services import Conflict, NotFound, ServiceError, record_event


def claim(token: str, address: str, now: datetime | None = None) -> Refund:
    """Store the payer's refund address, checked for the refund's network, and hand the
    refund to the merchant for payout. The address is locked once given: a second claim is
    refused, so whoever holds the link later cannot redirect the money."""
    now = now or timezone.now()
    invoice_id = (Refund.objects.filter(claim_token=token)
                  .values_list("invoice_id", flat=True).first())
    if invoice_id is None:
        raise NotFound("refund_not_found", "no refund has this claim link")
    with transaction.atomic():
        # The invoice first, as every service locks it: the outbox sequence depends on it.
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        refund = Refund.objects.select_for_update().get(claim_token=token)
        if refund.status != Refund.AWAITING_CLAIM:
            raise Conflict("refund_claimed", _("A refund address was already given."),
                           "address")
        network = registry.get_network(refund.network)
        if network is None:
            raise ServiceError("network_unavailable",
                               _("This network is not available; contact the merchant."))
        try:
            refund.address = addresses.validate_address(network, address)
        except addresses.InvalidAddress as exc:
            raise ServiceError("invalid_address", str(exc), "address") from None
        refund.status, refund.claimed_at = Refund.AWAITING_PAYOUT, now
        refund.save(update_fields=["address", "status", "claimed_at"])
        record_event(invoice, "refund_updated", "payer", now)
        return refund
