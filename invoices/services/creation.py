"""Creating invoices: the API's, the dashboard's and the payment links' one code path."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from chains.registry import Asset
from core.errors import ErrorCode, GatewayError
from invoices.models import Invoice, Kind, Quote
from invoices.representation import invoice_payload
from invoices.selectors import _fixed_method, _not_offered, offered_methods
from invoices.services.quoting import quote_for, quotes_for, set_next_address
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
    include_fee: bool = False
    metadata: dict = field(default_factory=dict)
    # "ASSET:network" methods a timed invoice offers (a payment link's choice); empty: all.
    methods: list[str] = field(default_factory=list)
    livemode: bool = True  # from the API key's mode


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
    may_race = bool(invoice.foreign_id) and not _writes_serialized()
    try:
        with transaction.atomic(savepoint=may_race):
            created = _create(
                merchant, invoice, quotes, fixed_method, check_foreign_id=not may_race
            )
    except IntegrityError:  # the foreign_id was taken by a concurrent create
        created = _foreign_id_taken(invoice.foreign_id)
    if isinstance(created, GatewayError):
        raise created
    return created


def _writes_serialized() -> bool:
    """Whether every transaction holds the write lock from its BEGIN (SQLite in IMMEDIATE
    mode, config/settings.py), so a foreign_id found free inside it stays free until its
    INSERT. Then the inserts need no savepoint to turn a taken foreign_id into a 409 within
    the API request's transaction: it is looked up first. Elsewhere (PostgreSQL) a
    concurrent create can take it in between, and the savepoint catches that INSERT's
    error. On SQLite a savepoint costs more than its two statements: every INSERT inside
    one ran two to three times as long (benchmarks/api.py)."""
    return (
        connection.vendor == "sqlite"
        and connection.settings_dict["OPTIONS"].get("transaction_mode") == "IMMEDIATE"
    )


def _foreign_id_used(merchant: Merchant, foreign_id: str) -> bool:
    """Plain SQL, like the wallet read: on the creation path the ORM's compiling of this
    lookup (.exists()) cost eight times the lookup (0.35 ms vs 0.04 ms)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Invoice._meta.db_table} WHERE merchant_id = %s AND foreign_id = %s",
            [
                Invoice._meta.get_field("merchant").get_db_prep_value(merchant.pk, connection),
                foreign_id,
            ],
        )
        return cursor.fetchone() is not None


def _foreign_id_taken(foreign_id: str) -> GatewayError:
    return GatewayError(ErrorCode.FOREIGN_ID_TAKEN, "foreign_id", id=repr(foreign_id))


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
        payment_window_minutes=merchant.payment_window_minutes,
        late_window_minutes=merchant.late_window_minutes,
        processing_timeout_minutes=merchant.processing_timeout_minutes,
        created_at=now,
        status_changed_at=now,
        expires_at=(
            None
            if request.kind == Kind.OPEN
            else now + timedelta(minutes=merchant.invoice_ttl_minutes)
        ),
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
    merchant: Merchant,
    invoice: Invoice,
    quotes: list[Quote],
    fixed_method: Asset | None,
    check_foreign_id: bool,
) -> dict | GatewayError:
    """Write the prepared invoice and its quotes: a fixed invoice's quote goes first with its
    address, so the invoice row is inserted already pointing at it (foreign keys are checked
    at commit), one INSERT each. A refusal is returned, not raised, and found before
    anything is written: raised out of a block without a savepoint, it would spoil the
    request's transaction, which still has to store the answer (Idempotency-Key)."""
    if check_foreign_id and invoice.foreign_id and _foreign_id_used(merchant, invoice.foreign_id):
        return _foreign_id_taken(invoice.foreign_id)
    if fixed_method:
        quote = quotes[0]
        try:
            set_next_address(quote, merchant)
        except GatewayError:  # no wallet of the family (nothing written): not offered after all
            return _not_offered(fixed_method.code, fixed_method.network)
        if not _insert_quotes([quote]):
            return GatewayError(ErrorCode.ADDRESS_IN_USE, "pay_currency")
        invoice.quote, invoice.selected_at = quote, invoice.created_at
        invoice.save(force_insert=True)
    else:
        invoice.save(force_insert=True)
        _insert_quotes(quotes)
    return invoice_payload(invoice, heights={}, new=True)


_QUOTE_FIELDS = [field for field in Quote._meta.concrete_fields if not field.primary_key]


def _insert_quotes(quotes: list[Quote]) -> bool:
    """One INSERT of the new quotes, which then have their ids; False, with nothing written,
    when a quote's address is already another invoice's (one_invoice_per_address: a wallet
    two stores were given), which the INSERT skips instead of failing the request. Written
    out rather than through the ORM: its compiling of the statement (every field's value
    prepared, every column quoted, per call) cost more than the INSERT itself on the
    creation path; the values still go through each field's own preparation."""
    if not quotes:  # an open invoice: quoted once the payer chooses
        return True
    columns = ", ".join(connection.ops.quote_name(field.column) for field in _QUOTE_FIELDS)
    row = f"({', '.join(['%s'] * len(_QUOTE_FIELDS))})"
    params = [
        field.get_db_prep_save(field.pre_save(quote, True), connection)
        for quote in quotes
        for field in _QUOTE_FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Quote._meta.db_table} ({columns}) VALUES "
            f"{', '.join([row] * len(quotes))} "
            "ON CONFLICT (network, address) WHERE address IS NOT NULL DO NOTHING RETURNING id",
            params,
        )
        ids = [quote_id for (quote_id,) in cursor.fetchall()]
    if len(ids) < len(quotes):  # only a fixed invoice's one quote has an address
        return False
    for quote, quote_id in zip(quotes, ids, strict=True):
        quote.pk, quote._state.adding, quote._state.db = quote_id, False, connection.alias
    return True
