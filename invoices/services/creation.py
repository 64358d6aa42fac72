"""Creating invoices: the API's, the dashboard's and the payment links' one code path."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast
from urllib.parse import urlsplit

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from chains.registry import Asset
from core.errors import ErrorCode, GatewayError
from invoices.models import Invoice, Kind, Quote
from invoices.representation import invoice_payload
from invoices.selectors import _fixed_method, _not_offered, offered_methods
from invoices.services.events import record_created
from invoices.services.quoting import (
    quote_for,
    quotes_for,
    release_address,
    set_next_address,
)
from merchants.models import Merchant

logger = logging.getLogger(__name__)


@dataclass
class InvoiceRequest:
    price_amount: int
    price_currency: str
    kind: str = Kind.TIMED
    pay_currency: str | None = None
    network: str | None = None
    foreign_id: str | None = None
    description: str = ""
    customer_email: str = ""
    callback_url: str = ""
    return_url: str = ""
    insurance_percent: Decimal | None = None
    slippage_percent: Decimal | None = None
    # Base units of price_currency; None: the merchant's tolerance for that currency.
    underpayment_tolerance: int | None = None
    token_qr: str | None = None  # None: the merchant's
    include_fee: bool = False
    metadata: dict = field(default_factory=dict)
    # "ASSET:network" methods a timed invoice offers (a payment link's choice); empty: all.
    methods: list[str] = field(default_factory=list)
    livemode: bool = True  # from the API key's mode
    # This invoice's own timer and confirmations (Greenfield's expirationMinutes and
    # speedPolicy); None: the merchant's.
    ttl_minutes: int | None = None
    confirmations: int | None = None


def check_return_url(*, merchant: Merchant, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GatewayError(ErrorCode.INVALID_RETURN_URL, "return_url")
    allowed = {host.lower().strip() for host in merchant.allowed_return_hosts}
    if parts.hostname.lower() not in allowed:
        raise GatewayError(ErrorCode.RETURN_URL_NOT_ALLOWED, "return_url", host=parts.hostname)


def create_invoice(*, merchant: Merchant, request: InvoiceRequest, actor: str) -> dict:
    """Create an invoice; returns its payload. (Retries are made safe by the API's
    Idempotency-Key, invoices.api.idempotency.)

    Everything that only reads (methods, rates, which may be fetched once) happens before
    the transaction, so the write lock is held for the inserts alone."""
    if request.return_url:
        check_return_url(merchant=merchant, url=request.return_url)
    fixed_method = None
    if request.kind == Kind.FIXED:
        if not request.pay_currency:
            raise GatewayError(ErrorCode.PAY_CURRENCY_REQUIRED, "pay_currency")
        fixed_method = _fixed_method(
            merchant, request.pay_currency, request.network, request.livemode
        )
    now = timezone.now()
    invoice, quotes = _prepare(merchant, request, fixed_method, now)
    payload = None
    try:
        with _writing(savepoint=bool(invoice.foreign_id)):
            _create(merchant, invoice, quotes, fixed_method)
            if merchant.records_invoice_creation:  # a webhook endpoint wants to hear of it
                payload = invoice_payload(invoice, heights={}, new=True)
                record_created(invoice=invoice, actor=actor, now=now, data=payload)
    except IntegrityError:
        if not invoice.foreign_id:  # another constraint, and no savepoint: not a refusal
            raise
        raise GatewayError(  # taken, by a concurrent create perhaps
            ErrorCode.FOREIGN_ID_TAKEN, "foreign_id", id=repr(invoice.foreign_id)
        ) from None
    return payload or invoice_payload(invoice, heights={}, new=True)


def _writing(*, savepoint: bool) -> AbstractContextManager[None]:
    """Where the inserts run, by one rule on every database: in a savepoint when the invoice
    has a foreign_id, whose unique index may refuse the INSERT (it is not looked up first: a
    concurrent create could take it in between), so the refusal undoes the address and the
    quotes and leaves the caller's transaction usable; otherwise in the caller's transaction
    when there is one (the API's), or in a transaction of their own.

    Not `atomic(savepoint=False)` inside the caller's: an exception raised out of that
    marks the caller's transaction as spoilt, and the API's must still store the refusal
    for the Idempotency-Key (a wallet found missing, nothing written yet). A refusal leaves
    nothing written (a refused address's index is given back first), and an error after
    it (a 500) rolls the request back: the API's transaction ends so
    (config.middleware.atomic_api_writes).

    The rule's price on SQLite, where the write lock taken at BEGIN made a lookup enough:
    a create with a foreign_id took 0.11 ms more CPU than with the lookup (0.91 ms against
    0.80, the savepoint's journal kept in memory, config/settings.py; medians of 300). With
    an Idempotency-Key and a foreign_id a create runs at 0.60 of the one-INSERT baseline on
    SQLite (CPU; 0.64 wall) and 0.62 on PostgreSQL (CPU; 0.67 wall), benchmarks/api.py,
    medians of three runs."""
    if connection.in_atomic_block and not savepoint:
        return nullcontext()
    return transaction.atomic()


def _prepare(
    merchant: Merchant, request: InvoiceRequest, fixed_method: Asset | None, now: datetime
) -> tuple[Invoice, list[Quote]]:
    """The unsaved invoice and the quotes it offers (a fixed invoice: its one quote). A timed
    invoice leaves out, and logs, the methods without a rate; it fails only if none has."""
    invoice = Invoice(
        merchant=merchant,
        livemode=request.livemode,
        kind=request.kind,
        price_amount=request.price_amount,
        price_currency=request.price_currency,
        foreign_id=request.foreign_id or None,
        description=request.description,
        customer_email=request.customer_email,
        callback_url=request.callback_url,
        return_url=request.return_url,
        metadata=request.metadata,
        include_fee=request.include_fee,
        insurance_percent=(
            merchant.insurance_percent
            if request.insurance_percent is None
            else request.insurance_percent
        ),
        slippage_percent=(
            merchant.slippage_percent
            if request.slippage_percent is None
            else request.slippage_percent
        ),
        underpayment_tolerance=(
            merchant.underpayment_tolerance.get(request.price_currency, 0)
            if request.underpayment_tolerance is None
            else request.underpayment_tolerance
        ),
        token_qr=request.token_qr or merchant.token_qr,
        payment_window_minutes=merchant.payment_window_minutes,
        late_window_minutes=merchant.late_window_minutes,
        processing_timeout_minutes=merchant.processing_timeout_minutes,
        created_at=now,
        status_changed_at=now,
        expires_at=(
            None
            if request.kind == Kind.OPEN
            else now + timedelta(minutes=request.ttl_minutes or merchant.invoice_ttl_minutes)
        ),
        required_confirmations=request.confirmations,
    )
    if fixed_method:
        return invoice, [quote_for(invoice=invoice, asset=fixed_method, now=now)]
    methods = offered_methods(merchant=merchant, livemode=request.livemode)
    if request.kind == Kind.TIMED and request.methods:  # a payment link's choice
        methods = [asset for asset in methods if asset.method in request.methods]
    if not methods:
        raise GatewayError(ErrorCode.NO_PAYMENT_METHODS)
    if request.kind != Kind.TIMED:
        return invoice, []
    quotes, refused = [], []
    for asset, quote in zip(
        methods, quotes_for(invoice=invoice, assets=methods, now=now), strict=True
    ):
        if isinstance(quote, GatewayError):
            refused.append(quote)
            logger.warning(
                "timed invoice for merchant %s leaves out %s on %s: %s",
                merchant.pk,
                asset.code,
                asset.network,
                quote.message,
            )
        else:
            quotes.append(quote)
    if not quotes:
        raise refused[0]
    return invoice, quotes


def _create(
    merchant: Merchant, invoice: Invoice, quotes: list[Quote], fixed_method: Asset | None
) -> None:
    """Write the prepared invoice and its quotes, one INSERT each: a fixed invoice's quote
    goes first with its address, so the invoice row is inserted already pointing at it
    (foreign keys are checked at commit). An address another store's invoice has (a wallet
    two stores were given before set_wallet refused that) is address_in_use, its index
    given back: whichever path and transaction the create runs in, the store is refused
    alike until it sets a wallet of its own, as the refusal asks (the payer's choice of a
    method is refused so too, invoices.services.payer). The database counts the invoice
    into the overview's daily totals as it inserts it (invoices/migrations/0017)."""
    if fixed_method:
        quote = quotes[0]
        try:
            set_next_address(quote, merchant)
        except GatewayError:  # no wallet of the family (nothing written): not offered after all
            raise _not_offered(fixed_method.code, fixed_method.network) from None
        if not _insert_unless_address_used(quote):
            release_address(quote, merchant)
            raise GatewayError(ErrorCode.ADDRESS_IN_USE, "pay_currency")
        invoice.quote, invoice.selected_at = quote, invoice.created_at
        invoice.save(force_insert=True)
    else:
        invoice.save(force_insert=True)
        Quote.objects.bulk_create(quotes)  # none for an open invoice: quoted once chosen


# Concrete fields: each has its column (typed str | None for the others).
_QUOTE_FIELDS = [field for field in Quote._meta.concrete_fields if not field.primary_key]


def _insert_unless_address_used(quote: Quote) -> bool:
    """INSERT the quote, which then has its id; False, with nothing written, when its
    address is already another invoice's (one_invoice_per_address).

    Creation's one statement not through the ORM: the ORM cannot insert-or-skip and say
    which (bulk_create(ignore_conflicts=True) sets no primary key), and a failed INSERT
    would spoil the API's transaction where there is no savepoint. The ORM's way, an
    .exists() of the address and then bulk_create, leaves the address to a concurrent create
    in between (PostgreSQL), is one statement more and cost 0.30 ms
    of CPU against this statement's 0.08 ms on SQLite, 0.67 ms against 0.17 ms on
    PostgreSQL (one quote, in process, medians of 1,300). The values still go through each
    field's own preparation."""
    columns = ", ".join(
        connection.ops.quote_name(cast(str, field.column)) for field in _QUOTE_FIELDS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Quote._meta.db_table} ({columns}) "
            f"VALUES ({', '.join(['%s'] * len(_QUOTE_FIELDS))}) "
            "ON CONFLICT (network, address) WHERE address IS NOT NULL DO NOTHING RETURNING id",
            [
                field.get_db_prep_save(field.pre_save(quote, True), connection)
                for field in _QUOTE_FIELDS
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    quote.pk, quote._state.adding, quote._state.db = row[0], False, connection.alias
    return True
