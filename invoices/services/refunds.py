"""Refunds as a resource: give back what an invoice received, in full or in part, whatever
became of the invoice (PRODUCT.md, Refunds and money after the payment). `create_refund` is
the one way a merchant (API, dashboard, `resolve`'s callers, the Greenfield layer) makes one."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from chains import registry
from core.errors import ErrorCode, GatewayError
from invoices import lifecycle, money, pricing
from invoices.models import Refund
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
        chain = registry.get_network(method[1])
        coin = chain.asset(method[0]) if chain else None
        refunds = list(invoice.refunds.all())
        refundable = invoice.ledger(refunds=refunds).refund_all(invoice.refunded(refunds))
        lifecycle.refund_to_offer(invoice.status, refundable, method, None)  # refuses first
        if coin is None:  # received on a network no longer configured
            raise GatewayError(ErrorCode.NETWORK_UNAVAILABLE)
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
        units = lifecycle.refund_to_offer(
            invoice.status,
            refundable,
            method,
            asked,
            show=lambda value: money.format_units(value, coin.decimals),
        )
        refund = offer_refund(invoice, method, units, now, reason)
        refunds.append(refund)
        decision = lifecycle.after_refund(
            invoice.facts(), invoice.ledger(refunds=refunds), invoice.refunded(refunds), now
        )
        if (decision.status, decision.context) == (invoice.status, invoice.status_context):
            record_events(invoice, ["refund_updated"], actor, now)
        else:
            change_status(
                invoice,
                decision.status,
                decision.context,
                actor=actor,
                now=now,
                followed_by=["refund_updated"],
            )
        return refund


def _units(text: str, decimals: int, field: str) -> int:
    """The amount parser every amount goes through, naming the field at fault."""
    try:
        return money.to_units(text, decimals)
    except GatewayError as refusal:
        refusal.param = field
        raise
