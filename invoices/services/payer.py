"""The payer's actions: choosing the currency to pay in, giving an e-mail (for the receipt
and a refund link), and naming a refund's address."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chains import addresses, registry
from core.errors import ErrorCode, GatewayError
from invoices import lifecycle
from invoices.models import Invoice, Kind, Refund
from invoices.selectors import find_method
from invoices.services.events import record_event
from invoices.services.quoting import check_address_free, quote_for, set_next_address
from invoices.services.writes import lock_invoice
from merchants.models import PayerEmail


def select_currency(
    *,
    invoice_id,
    asset_code: str,
    network_code: str | None,
    actor: str = "payer",
    now: datetime | None = None,
) -> Invoice:
    """Lock the rate (an open invoice starts its payment window) and derive the address.
    The payer may switch until a payment is seen."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        refusal = lifecycle.can_switch_currency(
            invoice.status,
            invoice.kind,
            invoice.transactions.exists(),
            invoice.archived,
            invoice.expires_at,
            now,
        )
        if refusal == ErrorCode.INVOICE_NOT_NEW:
            lifecycle.check_action("select_currency", invoice.status)
        if refusal:
            raise GatewayError(refusal)
        asset = find_method(
            merchant=invoice.merchant,
            asset_code=asset_code,
            network_code=network_code,
            livemode=invoice.livemode,
        )
        quote = invoice.quotes.filter(asset=asset.code, network=asset.network).first()
        if quote is None:
            if invoice.kind == Kind.TIMED:
                raise GatewayError(
                    ErrorCode.CURRENCY_NOT_OFFERED,
                    "pay_currency",
                    message=gettext_lazy("%(asset)s on %(network)s has no rate for this invoice"),
                    asset=asset.code,
                    network=asset.network,
                )
            quote = quote_for(invoice=invoice, asset=asset, now=now)
        if not quote.address:
            set_next_address(quote, invoice.merchant)
            check_address_free(quote)
            quote.save()
        invoice.quote, invoice.selected_at = quote, now
        if invoice.kind == Kind.OPEN and invoice.expires_at is None:
            invoice.expires_at = now + timedelta(minutes=invoice.payment_window_minutes)
        invoice.save(update_fields=["quote", "selected_at", "expires_at"])
        return invoice


def payer_email(*, setting: str, text: str) -> str:
    """The e-mail a payer gave, as `setting` (the store's or a payment link's) asks for it:
    off keeps none, optional may be empty, required must be given. A GatewayError (param
    "email") when it is refused."""
    text = (text or "").strip()
    if setting == PayerEmail.OFF:
        return ""
    if not text and setting == PayerEmail.REQUIRED:
        raise GatewayError(
            ErrorCode.REQUIRED,
            "email",
            message=gettext_lazy("Enter your e-mail: the merchant sends the receipt there."),
        )
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise GatewayError(
                ErrorCode.INVALID, "email", message=gettext_lazy("Enter a valid e-mail address.")
            ) from None
    return text


def give_email(*, invoice_id, email: str) -> Invoice:
    """The payer's e-mail on an invoice that has none yet and still awaits payment, as the
    store's setting asks for it. An e-mail already there (the merchant's, or given before)
    is never replaced: whoever holds the checkout link must not redirect the refund link."""
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        if invoice.customer_email:
            raise GatewayError(ErrorCode.EMAIL_GIVEN, "email")
        if invoice.status not in (lifecycle.Status.NEW, lifecycle.Status.PENDING):
            raise GatewayError(
                ErrorCode.INVOICE_NOT_NEW,
                message=gettext_lazy("This invoice no longer takes an e-mail."),
            )
        email = payer_email(setting=invoice.merchant.payer_email, text=email)
        if not email:
            return invoice
        invoice.customer_email = email
        invoice.save(update_fields=["customer_email"])
        return invoice


def claim(*, token: str, address: str, now: datetime | None = None) -> Refund:
    """Store the payer's refund address, checked for the refund's network, and hand the
    refund to the merchant for payout. The address is locked once given: a second claim is
    refused, so whoever holds the link later cannot redirect the money."""
    now = now or timezone.now()
    invoice_id = (
        Refund.objects.filter(claim_token=token).values_list("invoice_id", flat=True).first()
    )
    if invoice_id is None:
        raise GatewayError(ErrorCode.REFUND_NOT_FOUND)
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)  # first, as every writer: see lock_invoice
        refund = Refund.objects.select_for_update().get(claim_token=token)
        status = lifecycle.refund_after_claim(refund.status)
        if status is None:
            raise GatewayError(ErrorCode.REFUND_CLAIMED, "address")
        network = registry.get_network(refund.network)
        if network is None:
            raise GatewayError(
                ErrorCode.NETWORK_UNAVAILABLE,
                message=_("This network is not available; contact the merchant."),
            )
        try:
            refund.address = addresses.validate_address(network, address)
        except addresses.InvalidAddress as exc:
            raise GatewayError(ErrorCode.INVALID_ADDRESS, "address", message=str(exc)) from None
        refund.status, refund.claimed_at = status, now
        refund.save(update_fields=["address", "status", "claimed_at"])
        record_event(invoice=invoice, event_type="refund_updated", actor="payer", now=now)
        return refund
