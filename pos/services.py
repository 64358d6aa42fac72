"""The point of sale's use cases: a press of *Charge* makes an invoice through
`invoices.services.creation.create_invoice` (the API's own code path), once per press; the
counter reads back the invoices its terminal made and nothing else; the owner rotates the
terminal's secret link."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import ErrorCode, GatewayError
from invoices import money
from invoices.models import IdempotencyKey, Invoice
from invoices.services.creation import InvoiceRequest, create_invoice
from pos import sale
from pos.models import Sale, Terminal, new_slug

MAX_PRESS_KEY = 64


def terminal_for(slug: str, *, lock: bool = False) -> Terminal:
    """The active terminal behind a secret link (its row locked with `lock`, inside a
    transaction); not_found for a rotated, deactivated or made-up one (the page then 404s,
    saying nothing about why)."""
    terminals = Terminal.objects.select_related("merchant")
    if lock:
        terminals = terminals.select_for_update(of=("self",))
    found = terminals.filter(slug=slug, active=True).first()
    if found is None:
        raise GatewayError(ErrorCode.NOT_FOUND, message=_("This point of sale does not exist."))
    return found


def charge(*, slug: str, press: str, amount=None, items=None, tip=None) -> tuple[dict, bool]:
    """The invoice of one press of *Charge*: `press` is the page's key for that press, so a
    double tap or a retry returns the same invoice (and the same key with another order is a
    idempotency_key_reused). Returns (payload, created). Raises GatewayError, having created
    nothing."""
    if not isinstance(press, str) or not 8 <= len(press) <= MAX_PRESS_KEY:
        raise GatewayError(
            ErrorCode.INVALID, "key", message=_("The page sent no valid key; reload it.")
        )
    with transaction.atomic():
        terminal = terminal_for(slug, lock=True)
        order = sale.order(
            name=terminal.name,
            decimals=money.price_decimals(terminal.currency) or 0,
            products=terminal.products,
            tip_percents=terminal.tip_percents,
            amount=amount,
            items=items,
            tip=tip,
        )
        key = f"pos:{terminal.pk}:{press}"
        request_hash = hashlib.sha256(
            json.dumps([order.total, order.description]).encode()
        ).hexdigest()
        replay = IdempotencyKey.objects.filter(merchant=terminal.merchant, key=key).first()
        if replay:  # the terminal row is locked: no concurrent press makes a second one
            if replay.request_hash != request_hash:
                raise GatewayError(
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "key",
                    message=_("This press was for another amount."),
                )
            return replay.response, False
        decimals = money.price_decimals(terminal.currency) or 0
        payload = create_invoice(
            merchant=terminal.merchant,
            request=InvoiceRequest(
                price_amount=order.total,
                price_currency=terminal.currency,
                description=order.description,
                metadata={
                    "pos": terminal.name,
                    "subtotal": money.format_units(order.subtotal, decimals),
                    "tip": money.format_units(order.tip, decimals),
                },
                livemode=terminal.livemode,
            ),
            actor=f"pos:{terminal.pk}",
        )
        IdempotencyKey.objects.create(
            merchant=terminal.merchant,
            key=key,
            request_hash=request_hash,
            response_status=201,
            response=payload,
        )
        Sale.objects.create(terminal=terminal, invoice_id=payload["id"])
        return payload, True


def sale_invoice(*, slug: str, invoice_id) -> Invoice:
    """An invoice this terminal made; not_found for any other (another terminal's, the API's,
    another merchant's): the link reads nothing it did not create."""
    terminal = terminal_for(slug)
    found = Invoice.objects.filter(pk=invoice_id, pos_sale__terminal=terminal).first()
    if found is None:
        raise GatewayError(ErrorCode.NOT_FOUND, message=_("This sale does not exist."))
    return found


def rotate(*, terminal: Terminal) -> Terminal:
    """A new secret link; the old one answers 404 from now on."""
    terminal.slug = new_slug()
    terminal.save(update_fields=["slug"])
    return terminal
