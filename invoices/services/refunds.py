"""Refunds as a resource: give back what an invoice received, in full or in part, whatever
became of the invoice (PRODUCT.md, Refunds and money after the payment). `create_refund` is
the one way a merchant (API, dashboard, the Greenfield layer) makes one, and `refund_locked`
the one place any request for refunds (`resolve`'s too) is counted and decided."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone

from chains import registry
from core.errors import ErrorCode, GatewayError
from invoices import lifecycle, money, pricing
from invoices.accounting import Method
from invoices.models import Invoice, Refund
from invoices.services.events import record_events
from invoices.services.writes import change_status, lock_invoice, offer_refund


def create_refund(
    *,
    invoice_id,
    amount: str | None = None,
    price_amount: str | None = None,
    asset: str | None = None,
    network: str | None = None,
    reason: str = "",
    actor: str,
) -> Refund:
    """Offer the payer `amount` (a decimal string in the refunded asset) or the worth of
    `price_amount` (in the invoice's price currency, at the rate locked for that asset,
    rounded down) or, with neither, everything of that asset still refundable. The asset is
    the invoice's chosen one unless `asset`/`network` name an extra payment's. Never more
    than was received and not refunded yet: the invoice row is locked, so concurrent
    refunds are counted one after the other. The lifecycle decides the invoice's status."""
    now = timezone.now()
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        quote = invoice.quote
        method = (
            asset or (quote.asset if quote else ""),
            network or (quote.network if quote else ""),
        )
        refunds = list(invoice.refunds.all())
        refundable = invoice.ledger(refunds=refunds).refund_all(invoice.refunded(refunds))
        lifecycle.refund_to_offer(invoice.status, refundable, method, None)  # refuses first
        coin = _coin(method)
        asked = None
        if amount is not None:
            asked = _units(amount, coin.decimals, "amount")
        elif price_amount is not None:
            locked = invoice.quotes.filter(asset=method[0], network=method[1]).first()
            if locked is None:
                raise GatewayError(ErrorCode.RATE_UNAVAILABLE, "price_amount")
            price_decimals = money.price_decimals(invoice.price_currency) or 0
            price_units = _units(price_amount, price_decimals, "price_amount")
            asked = pricing.convert_down(
                price_units, price_decimals, Decimal(locked.rate), coin.decimals
            )
            if asked <= 0:
                raise GatewayError(ErrorCode.AMOUNT_TOO_SMALL, "price_amount")
        [refund] = refund_locked(invoice, {method: asked}, reason, actor, now, refunds)
        return refund


def refund_everything(invoice: Invoice, actor: str, now: datetime) -> list[Refund]:
    """Offer back everything the invoice (its row locked) holds, one refund per asset, the
    status decided once for all of them (so no asset's refund leaves the invoice in a
    status between two): `resolve`'s refund."""
    refunds = list(invoice.refunds.all())
    refundable = invoice.ledger(refunds=refunds).refund_all(invoice.refunded(refunds))
    return refund_locked(invoice, dict.fromkeys(sorted(refundable)), "", actor, now, refunds)


def refund_locked(
    invoice: Invoice,
    wanted: Mapping[Method, int | None],
    reason: str,
    actor: str,
    now: datetime,
    refunds: list[Refund],
) -> list[Refund]:
    """The one place refunds are offered on request (the invoice row locked, `refunds` its
    refunds so far): each of `wanted` (asset, network) gives back its amount, or all that is
    left of it when None, counted against what the ones before it took; then the lifecycle
    decides the invoice's status once (with nothing wanted too: an unresolved invoice whose
    money all went back is `refunded`), with one `refund_updated` per refund."""
    lifecycle.check_refundable(invoice.status)
    refundable = invoice.ledger(refunds=refunds).refund_all(invoice.refunded(refunds))
    made = []
    for method, asked in wanted.items():
        coin = _coin(method)
        units = lifecycle.refund_to_offer(
            invoice.status,
            refundable,
            method,
            asked,
            show=partial(money.format_units, decimals=coin.decimals),
        )
        refundable[method] -= units
        made.append(offer_refund(invoice, method, units, now, reason))
    refunds.extend(made)
    decision = lifecycle.after_refund(
        invoice.facts(), invoice.ledger(refunds=refunds), invoice.refunded(refunds), now
    )
    _announce(invoice, decision, ["refund_updated"] * len(made), actor, now)
    return made


def cancel_refund(*, refund_id, actor: str) -> Refund:
    """Withdraw a refund not paid yet (offered by mistake, or settled another way): it no
    longer counts against what is refundable, and the lifecycle decides where that takes
    its invoice (a `refunded` one that holds money again is judged again)."""
    now = timezone.now()
    with transaction.atomic():
        invoice, refund = _lock(refund_id)
        status = lifecycle.refund_after_cancel(refund.status)
        if status is None:
            raise GatewayError(ErrorCode.REFUND_NOT_CANCELLABLE, status=refund.status)
        refund.status = status
        refund.save(update_fields=["status"])
        refunds = list(invoice.refunds.all())
        decision = lifecycle.after_refund_cancelled(
            invoice.facts(),
            invoice.ledger(refunds=refunds),
            invoice.ledger(refunds=()),
            invoice.refunded(refunds),
            now,
        )
        _announce(invoice, decision, ["refund_updated"], actor, now)
        return refund


def mark_refund_paid(*, refund_id, txid: str, actor: str) -> Refund:
    """The merchant paid the refund where the gateway cannot see it (an exchange, another
    chain's wallet): `paid` at once with that transaction id, not waiting for the scanner,
    which leaves it paid (`paid_manually`: not in a block it scans is no revert)."""
    now = timezone.now()
    with transaction.atomic():
        invoice, refund = _lock(refund_id)
        status = lifecycle.refund_marked_paid(refund.status)
        if status is None:
            raise GatewayError(ErrorCode.REFUND_NOT_PAYABLE, "txid", status=refund.status)
        network = registry.get_network(refund.network)
        if network is None:
            raise GatewayError(ErrorCode.NETWORK_UNAVAILABLE)
        refund.payout_txid = validate_txid(network=network, text=txid, field="txid")
        refund.status, refund.paid_at, refund.paid_manually = status, now, True
        refund.save(update_fields=["payout_txid", "status", "paid_at", "paid_manually"])
        record_events(invoice, ["refund_updated"], actor, now)
        return refund


_HEX64 = re.compile(r"(?:0x)?([0-9a-fA-F]{64})")


def validate_txid(*, network: registry.Network, text: str, field: str = "payout_txid") -> str:
    """The payout transaction id in the form the network's explorers and nodes use (EVM:
    0x + 64 hex; every other chain: 64 hex), or a GatewayError naming `field`."""
    match = _HEX64.fullmatch("".join((text or "").split()))
    if match is None:
        example = "0x followed by 64" if network.kind == "evm" else "64"
        raise GatewayError(ErrorCode.INVALID_TXID, field, network=network.name, example=example)
    digits = match.group(1).lower()
    return "0x" + digits if network.kind == "evm" else digits


def _lock(refund_id) -> tuple[Invoice, Refund]:
    """The refund's invoice locked first, as every writer does, then the refund."""
    invoice_id = Refund.objects.filter(pk=refund_id).values_list("invoice_id", flat=True).get()
    invoice = lock_invoice(invoice_id)
    return invoice, Refund.objects.select_for_update().get(pk=refund_id)


def _announce(
    invoice: Invoice, decision: lifecycle.Decision, events: list[str], actor: str, now: datetime
) -> None:
    if (decision.status, decision.context) == (invoice.status, invoice.status_context):
        record_events(invoice, events, actor, now)
    else:
        change_status(
            invoice, decision.status, decision.context, actor=actor, now=now, followed_by=events
        )


def _coin(method: Method) -> registry.Asset:
    chain = registry.get_network(method[1])
    coin = chain.asset(method[0]) if chain else None
    if coin is None:  # received on a network no longer configured
        raise GatewayError(ErrorCode.NETWORK_UNAVAILABLE)
    return coin


def _units(text: str, decimals: int, field: str) -> int:
    """The amount parser every amount goes through, naming the field at fault."""
    try:
        return money.to_units(text, decimals)
    except GatewayError as refusal:
        refusal.param = field
        raise
