"""Refunds after the merchant chose them: the payer names the address (the claim link), the
merchant records the payout, and the scanner sees the payout land."""

from __future__ import annotations

import re
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


# --- the merchant's side: the payout --------------------------------------------------------

_HEX64 = re.compile(r"(?:0x)?([0-9a-fA-F]{64})")


def validate_txid(network: registry.Network, text: str) -> str:
    """The payout transaction id in the form the network's explorers and nodes use (EVM:
    0x + 64 hex; every other chain: 64 hex), or ServiceError saying what is wrong."""
    match = _HEX64.fullmatch("".join((text or "").split()))
    if match is None:
        example = "0x followed by 64" if network.kind == "evm" else "64"
        raise ServiceError("invalid_txid",
                           _("A %(network)s transaction id is %(example)s hexadecimal "
                             "characters.") % {"network": network.name, "example": example},
                           "payout_txid")
    digits = match.group(1).lower()
    return "0x" + digits if network.kind == "evm" else digits


def record_payout(invoice_id, txid: str, actor: str, now: datetime | None = None,
                  refund_id=None) -> Refund:
    """The merchant says which transaction pays the refund out; the watcher completes the
    refund when it sees that transaction reach the claimed address. It can be corrected
    until then (a mistyped id, or a payout the merchant had to send again). An invoice may
    hold several refunds (one per asset): `refund_id` names one, else the first."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        chosen = invoice.refunds.select_for_update().order_by("created_at", "asset")
        refund = (chosen.filter(pk=refund_id) if refund_id else chosen).first()
        if refund is None:
            raise NotFound("refund_not_found", _("This invoice has no refund."))
        if refund.status != Refund.AWAITING_PAYOUT:
            raise Conflict("refund_not_awaiting_payout",
                           _("The payer has not given a refund address yet.")
                           if refund.status == Refund.AWAITING_CLAIM
                           else _("This refund is already paid."), "payout_txid")
        network = registry.get_network(refund.network)
        if network is None:
            raise ServiceError("network_unavailable", _("This network is not available."))
        refund.payout_txid = validate_txid(network, txid)
        refund.save(update_fields=["payout_txid"])
        record_event(invoice, "refund_updated", actor, now)
        return refund


def payout_addresses(network: str, addresses: set[str]) -> set[str]:
    """Which of these addresses a refund payout is awaited at: the scanner watches them
    alongside the invoices' addresses."""
    return set(Refund.objects.filter(network=network, status=Refund.AWAITING_PAYOUT,
                                     address__in=addresses).values_list("address", flat=True))


def match_payouts(network: str, transfers, now: datetime | None = None) -> int:
    """Mark paid each refund whose recorded payout transaction reached its address in a
    block (a transaction only in the mempool may still be replaced). Idempotent. Returns
    how many refunds were completed."""
    now = now or timezone.now()
    mined = {(t.txid.lower(), t.to_address, t.asset) for t in transfers
             if t.block_height is not None}
    if not mined:
        return 0
    due = list(Refund.objects.filter(network=network, status=Refund.AWAITING_PAYOUT,
                                     payout_txid__in={seen[0] for seen in mined})
               .values_list("pk", "invoice_id", "payout_txid", "address", "asset"))
    paid = 0
    for pk, invoice_id, txid, address, asset in due:
        if (txid, address, asset) not in mined:
            continue
        with transaction.atomic():
            invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
            refund = Refund.objects.select_for_update().get(pk=pk)
            if refund.status != Refund.AWAITING_PAYOUT or refund.payout_txid != txid:
                continue
            refund.status, refund.paid_at = Refund.PAID, now
            refund.save(update_fields=["status", "paid_at"])
            record_event(invoice, "refund_updated", "system", now)
            paid += 1
    return paid
