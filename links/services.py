"""Payment links' use cases: what a link may sell now, and the invoice a payer's visit
makes — through `invoices.services.creation.create_invoice`, the API's own code path.
Its reads are in `links.selectors`."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ErrorCode, GatewayError
from invoices import money
from invoices.models import IdempotencyKey, Invoice, Status
from invoices.services.creation import InvoiceRequest, create_invoice
from invoices.services.payer import payer_email
from links.models import LinkInvoice, PaymentLink
from links.selectors import held

IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
MAX_IMAGE_BYTES = 1024 * 1024


def image_type(data: bytes) -> str | None:
    """The picture's type from its first bytes (not its name or the browser's word), or
    None when it is not a PNG, JPEG, GIF or WebP."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)), None)


def awaiting_payment(*, invoice: Invoice, now: datetime) -> bool:
    return (
        invoice.status == Status.NEW
        and not invoice.archived
        and not (invoice.expires_at and now >= invoice.expires_at)
    )


def unavailable_reason(
    *, link: PaymentLink, now: datetime, held_count: int | None = None
) -> str | None:
    """Why the link cannot take a payment now, in the payer's words; None when it can."""
    if not link.active:
        return _("This payment link has been deactivated by the merchant.")
    if link.ends_at and now >= link.ends_at:
        return _("This payment link has ended.")
    if link.quantity_limit is not None:
        count = held(link=link) if held_count is None else held_count
        if count >= link.quantity_limit:
            return _("Sold out: this payment link has no items left.")
    return None


def price_units(*, link: PaymentLink, amount: str | None) -> int:
    """The price of this visit: the link's fixed price, or the payer's amount checked
    against the minimum and maximum. GatewayError (param "amount") when it is refused."""
    if link.price_amount is not None:
        return link.price_amount
    decimals = money.price_decimals(link.price_currency) or 0
    try:
        units = money.to_units(normalise_amount(amount or ""), decimals)
    except GatewayError as exc:
        if exc.code == ErrorCode.INVALID_AMOUNT:
            example = money.format_units(link.amount_min or 10**decimals, decimals)
            raise GatewayError(
                exc.code,
                "amount",
                message=_("Enter an amount, such as %(example)s."),
                example=example,
            ) from None
        exc.param = "amount"
        raise
    if link.amount_min is not None and units < link.amount_min:
        raise GatewayError(
            ErrorCode.AMOUNT_TOO_SMALL,
            "amount",
            message=_("The amount must be at least %(min)s %(cur)s."),
            min=money.format_units(link.amount_min, decimals),
            cur=link.price_currency,
        )
    if link.amount_max is not None and units > link.amount_max:
        raise GatewayError(
            ErrorCode.AMOUNT_TOO_LARGE,
            "amount",
            message=_("The amount must be at most %(max)s %(cur)s."),
            max=money.format_units(link.amount_max, decimals),
            cur=link.price_currency,
        )
    return units


def normalise_amount(text: str) -> str:
    """ "12,34" as typed with a decimal comma (the dashboard's German, Spanish and French)
    is 12.34; nothing else is changed, so spaces, grouping characters and "1.234,50" reach
    `money.to_units` as typed and are refused there."""
    if "," in text and "." not in text and text.count(",") == 1:
        return text.replace(",", ".")
    return text


def open_invoice(
    *, link_id, amount: str | None, visit: str, email: str = "", now: datetime | None = None
) -> tuple[dict, bool]:
    """The invoice of one payer's visit: made once per (visit, price), so a reload or a
    double click returns the same invoice. `visit` is the payer session's token for this
    link. Raises a GatewayError (link_unavailable, visit_over, an amount's), having created
    nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        link = PaymentLink.objects.select_for_update().select_related("merchant").get(pk=link_id)
        units = price_units(link=link, amount=amount)
        customer_email = payer_email(setting=link.payer_email, text=email)
        key = f"link:{link.pk}:{visit}:{units}"
        request_hash = hashlib.sha256(key.encode()).hexdigest()
        replay = IdempotencyKey.objects.filter(merchant=link.merchant, key=key).first()
        if replay:  # the link row is locked: no concurrent visit can make a second one
            if not awaiting_payment(invoice=Invoice.objects.get(pk=replay.response["id"]), now=now):
                raise GatewayError(ErrorCode.VISIT_OVER)
            return replay.response, False
        if reason := unavailable_reason(link=link, now=now):
            raise GatewayError(ErrorCode.LINK_UNAVAILABLE, message=reason)
        payload = create_invoice(
            merchant=link.merchant,
            request=InvoiceRequest(
                price_amount=units,
                price_currency=link.price_currency,
                description=link.name,
                customer_email=customer_email,
                methods=list(link.methods),
                metadata={"payment_link": link.slug},
                livemode=link.livemode,
            ),
            actor=f"link:{link.slug}",
        )
        IdempotencyKey.objects.create(
            merchant=link.merchant,
            key=key,
            request_hash=request_hash,
            response_status=201,
            response=payload,
        )
        LinkInvoice.objects.create(link=link, invoice_id=payload["id"])
        return payload, True
