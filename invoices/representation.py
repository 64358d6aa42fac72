"""What the API returns and the callbacks send, each shape defined once.

Every response shape is a `Shape`: a DRF serializer whose declared fields drf-spectacular
documents (the OpenAPI components) and from which `render` writes the JSON, in the
fields' order. A field reads its `source` attribute of the object rendered; a value the
object does not hold (an amount in its asset's decimals, a count of confirmations) is given
to `render` by name, already as JSON. The `*_payload` functions work those values out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models.manager import BaseManager
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from chains import registry
from chains.uri import payment_uri
from core.errors import ErrorCode, ErrorType
from invoices import lifecycle, money, pricing
from invoices.accounting import Ledger
from invoices.lifecycle import Context, RefundStatus, Status, TxStatus
from invoices.models import Event, Invoice, Kind, Refund, Transaction
from invoices.selectors import tip_heights
from merchants import services as merchant_services
from merchants.models import TokenQR


def iso_time(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def confirmations(tx: Transaction, heights: dict[str, int]) -> int:
    if tx.status == Transaction.REVERTED:
        return 0
    return lifecycle.confirmations(tx.block_height, heights.get(tx.network))


def _asset(network_code: str, asset_code: str) -> registry.Asset:
    network = registry.get_network(network_code)
    asset = network.asset(asset_code) if network else None
    return asset or registry.Asset(asset_code, network_code, 0)


def payment_url(invoice: Invoice) -> str:
    return f"{settings.PUBLIC_URL}/pay/{invoice.id}"


# --- enums (named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]) ---------------------------

INVOICE_STATUSES = [status.value for status in Status]
INVOICE_KINDS = Kind.values
TOKEN_QR = TokenQR.values
STATUS_CONTEXTS = [context.value for context in Context]
TRANSACTION_STATUSES = [status.value for status in TxStatus]
REFUND_STATUSES = [status.value for status in RefundStatus]
EVENT_TYPES = list(Event.TYPES)
DELIVERY_STATUSES = ["delivered", "pending", "retrying", "failed", "no_endpoint"]
WALLET_FAMILIES = list(merchant_services.WALLET_FAMILIES)
ERROR_TYPES = [error_type.value for error_type in ErrorType]
ERROR_CODES = [code.value for code in ErrorCode]  # the one catalogue: core/errors.py

# --- fields -------------------------------------------------------------------------------

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
DECIMAL_STRING = {
    "type": "string",
    "pattern": DECIMAL_PATTERN,
    "example": "10.50",
    "description": "an exact decimal string (never a JSON number)",
}


@extend_schema_field(DECIMAL_STRING)
class DecimalString(serializers.CharField):
    """An exact amount rendered as a decimal string."""


def nullable(field_class, **kwargs):
    return field_class(allow_null=True, **kwargs)


def blank_as_null(field_class, **kwargs):
    """A text column left blank ("") when empty, which the JSON shows as null."""
    field = nullable(field_class, **kwargs)
    field.blank_as_null = True
    return field


def stored(shape: type[Shape], **kwargs) -> Shape:
    """JSON kept as it was written then (an event's invoice): documented as `shape`,
    written as stored."""
    field = shape(**kwargs)
    field.stored = True
    return field


def _decimal_string(value) -> str:
    return value if isinstance(value, str) else format(value, "f")


def _or_null(value):
    return value or None


# What a field's value becomes in the JSON when read from the object (None stays null);
# the other field classes hold JSON values already.
_CONVERT: list[tuple[type[serializers.Field], Callable[[Any], Any]]] = [
    (DecimalString, _decimal_string),
    (serializers.DateTimeField, iso_time),
    (serializers.UUIDField, str),
]
_AS_IS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.BooleanField,
    serializers.IntegerField,
    serializers.DictField,
    serializers.ListField,
    serializers.JSONField,
)

Renderer = Callable[[Any, dict[str, Any]], dict]


# (Comments, not docstrings, on the shapes: drf-spectacular publishes a docstring.)
class Shape(serializers.Serializer):
    # A response shape. `render` replaces DRF's `to_representation`, which took eight times
    # as long (74 transactions of a listing: 2.3 ms against 0.28 ms) copying the fields per
    # serializer and looking each value up generically: the first call with a given set
    # of `values` writes a function building the dict in one expression, as the
    # hand-written payloads did (and as dataclasses write their __init__).

    _renderers: dict[tuple[str, ...], Renderer]

    @classmethod
    def render(cls, obj: Any = None, **values: Any) -> dict:
        """`obj` rendered in this shape; `values`: JSON values of the fields it does not
        hold (all of them when there is no object)."""
        renderers = cls.__dict__.get("_renderers")
        if renderers is None:
            renderers = cls._renderers = {}
        names = tuple(values)
        renderer = renderers.get(names)
        if renderer is None:
            renderer = renderers[names] = cls._compile(names)
        return renderer(obj, values)

    @classmethod
    def _compile(cls, given: tuple[str, ...]) -> Renderer:
        unknown = set(given) - set(cls._declared_fields)
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
        namespace: dict[str, Any] = {}
        items = []
        for name, field in cls._declared_fields.items():
            source = field.source or name
            value = "obj" if source == "*" else f"obj.{source}"
            if name in given:
                value = f"values[{name!r}]"
            elif convert := _converter(name, field):
                namespace[f"convert_{name}"] = convert
                value = f"None if (v := {value}) is None else convert_{name}(v)"
            items.append(f"{name!r}: {value}")
        source_code = "def render(obj, values):\n    return {" + ", ".join(items) + "}"
        exec(compile(source_code, f"<{cls.__name__}.render>", "exec"), namespace)
        return namespace["render"]

    def to_representation(self, instance):
        return self.render(instance)


def _converter(name: str, field: serializers.Field) -> Callable[[Any], Any] | None:
    if getattr(field, "stored", False):
        return None
    if getattr(field, "blank_as_null", False):
        return _or_null
    if isinstance(field, Shape):
        return field.render
    if isinstance(field, serializers.ListSerializer) and isinstance(field.child, Shape):
        child = field.child.render

        def items(value: Iterable) -> list:
            return [
                child(item) for item in (value.all() if isinstance(value, BaseManager) else value)
            ]

        return items
    for field_class, convert in _CONVERT:
        if isinstance(field, field_class):
            return convert
    if isinstance(field, _AS_IS):
        return None
    raise TypeError(f"{name}: no JSON rendering for {type(field).__name__}")


# --- invoices -----------------------------------------------------------------------------


class TransactionResponse(Shape):
    txid = serializers.CharField()
    index = serializers.IntegerField(
        source="output_index", help_text="the output (UTXO) or log index in the tx"
    )
    asset = serializers.CharField()
    network = serializers.CharField()
    amount = DecimalString()
    counted = serializers.BooleanField(
        help_text="false for an extra payment in another method or asset"
    )
    from_addresses = serializers.ListField(child=serializers.CharField())
    confirmations = serializers.IntegerField()
    required_confirmations = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TRANSACTION_STATUSES)
    flagged = serializers.BooleanField(help_text="a sender is on a sanctions or deny list")
    block_height = nullable(serializers.IntegerField)
    explorer_url = serializers.CharField()
    paid_at = serializers.DateTimeField(help_text="mempool first-seen or block time")
    detected_at = serializers.DateTimeField()
    confirmed_at = nullable(serializers.DateTimeField)
    reverted_at = nullable(serializers.DateTimeField)

    class Meta:
        ref_name = "Transaction"


class RefundResponse(Shape):
    id = serializers.UUIDField()
    invoice = serializers.UUIDField(source="invoice_id")
    asset = serializers.CharField()
    network = serializers.CharField()
    amount = DecimalString(help_text="in the refunded asset")
    price_amount = nullable(
        DecimalString,
        help_text="the amount's value in the invoice's price currency at the rate locked "
        "for the asset; null when no rate was locked for it",
    )
    status = serializers.ChoiceField(choices=REFUND_STATUSES)
    claim_url = serializers.URLField(help_text="the payer's page to give a refund address")
    address = blank_as_null(serializers.CharField)
    txid = blank_as_null(serializers.CharField, source="payout_txid")
    confirmations = serializers.IntegerField(
        help_text="of the payout transaction once seen in a block; 0 before, or when it was "
        "marked paid (a payout the gateway cannot see)"
    )
    reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    paid_at = nullable(serializers.DateTimeField)

    class Meta:
        ref_name = "Refund"


class InvoiceResponse(Shape):
    id = serializers.UUIDField()
    foreign_id = nullable(serializers.CharField)
    kind = serializers.ChoiceField(choices=INVOICE_KINDS)
    status = serializers.ChoiceField(choices=INVOICE_STATUSES)
    status_context = nullable(serializers.ChoiceField, choices=STATUS_CONTEXTS)
    archived = serializers.BooleanField()
    livemode = serializers.BooleanField(help_text="false for an invoice made with a test key")
    price_amount = DecimalString()
    price_currency = serializers.CharField()
    pay_currency = nullable(serializers.CharField, help_text="null until chosen")
    network = nullable(serializers.CharField, help_text="null until chosen")
    address = nullable(serializers.CharField, help_text="null until chosen")
    pay_amount = nullable(DecimalString, help_text="due in the chosen asset")
    fee_amount = nullable(DecimalString)
    paid_amount = DecimalString()
    remaining_amount = nullable(DecimalString)
    excess_amount = nullable(
        DecimalString, help_text="paid beyond the amount due, in the chosen asset"
    )
    refunded_amount = nullable(
        DecimalString, help_text="offered back by refunds so far, in the chosen asset"
    )
    shortfall_amount = nullable(
        DecimalString,
        help_text="what the payment is short of pay_amount although it counts as paid "
        "(within slippage_percent or underpayment_tolerance), in the chosen asset",
    )
    rate = nullable(DecimalString)
    payment_uri = nullable(
        serializers.CharField,
        help_text="null on TRON, and for a token when token_qr is `address`",
    )
    payment_url = serializers.URLField()
    description = serializers.CharField(allow_blank=True)
    customer_email = serializers.CharField(allow_blank=True)
    callback_url = blank_as_null(serializers.URLField)
    return_url = blank_as_null(serializers.URLField)
    insurance_percent = DecimalString()
    slippage_percent = DecimalString()
    underpayment_tolerance = DecimalString(
        help_text="the shortfall accepted as paid, in price_currency, converted at the "
        "chosen rate and rounded down; with slippage_percent the larger allowance applies"
    )
    token_qr = serializers.ChoiceField(
        choices=TOKEN_QR,
        help_text="a token payment's QR code: `uri` (EIP-681) or `address` (the plain "
        "address, the amount shown beside it)",
    )
    include_fee = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    expires_at = nullable(serializers.DateTimeField)
    transactions = TransactionResponse(many=True)
    refunds = RefundResponse(many=True)
    metadata = serializers.DictField()

    class Meta:
        ref_name = "Invoice"


def transaction_payload(
    tx: Transaction, ledger: Ledger, heights: dict[str, int], chosen=None
) -> dict:
    network = registry.get_network(tx.network)
    return TransactionResponse.render(
        tx,
        amount=money.format_units(tx.amount, _asset(tx.network, tx.asset).decimals),
        counted=ledger.is_counted(tx.as_payment(chosen)),
        confirmations=confirmations(tx, heights),
        explorer_url=network.tx_url(tx.txid) if network else "",
    )


def refund_payload(
    refund: Refund, invoice: Invoice | None = None, heights: dict[str, int] | None = None
) -> dict:
    """`invoice`: the refund's, when the caller has it (with its quotes prefetched for many);
    `heights` lets a list share one cursor query."""
    invoice = invoice or refund.invoice
    heights = tip_heights() if heights is None else heights
    decimals = _asset(refund.network, refund.asset).decimals
    rate = _locked_rate(invoice, refund.asset, refund.network)
    price_decimals = money.price_decimals(invoice.price_currency) or 0
    return RefundResponse.render(
        refund,
        amount=money.format_units(refund.amount, decimals),
        price_amount=None
        if rate is None
        else money.format_units(
            pricing.price_value(refund.amount, decimals, rate, price_decimals), price_decimals
        ),
        # The code after "#": browsers never send it, so no access log records it.
        claim_url=f"{settings.PUBLIC_URL}/refund/#{refund.claim_token}",
        confirmations=lifecycle.confirmations(
            refund.payout_block_height, heights.get(refund.network)
        )
        if refund.status in (RefundStatus.PAID, RefundStatus.CONFIRMED)
        else 0,  # a reverted payout, or none
    )


def _locked_rate(invoice: Invoice, asset: str, network: str) -> Decimal | None:
    """The rate locked for (asset, network) on the invoice: the chosen quote's, else the
    other quotes' (an extra payment in another offered asset)."""
    quote = invoice.quote
    if quote is None or (quote.asset, quote.network) != (asset, network):
        quote = next(
            (q for q in invoice.quotes.all() if (q.asset, q.network) == (asset, network)), None
        )
    return Decimal(quote.rate) if quote else None


def invoice_payload(
    invoice: Invoice, heights: dict[str, int] | None = None, new: bool = False
) -> dict:
    """`heights` lets a list share one cursor query; quote, transactions and refunds should
    be prefetched by the caller when rendering many. A `new` invoice has neither
    transactions nor refunds, which saves their queries on the create path."""
    heights = tip_heights() if heights is None else heights
    quote = invoice.quote
    asset = _asset(quote.network, quote.asset) if quote else None
    transactions = (
        [] if new else sorted(invoice.transactions.all(), key=lambda tx: (tx.detected_at, tx.pk))
    )
    refunds = [] if new else list(invoice.refunds.all())
    ledger = None if new else invoice.ledger(transactions, refunds)
    paid, remaining = (ledger.paid, ledger.remaining) if ledger else (0, None)
    if remaining is None and quote:
        remaining = quote.due_amount

    def units(amount):
        return money.format_units(amount, asset.decimals) if asset else None

    uri = None
    if quote and quote.address:
        network = registry.get_network(quote.network)
        if network and asset:
            uri = (
                payment_uri(
                    network,
                    asset,
                    quote.address,
                    remaining or quote.due_amount,
                    invoice.description,
                    token_uri=invoice.token_uri,
                )
                or None
            )  # TRON, or a plain-address token: none
    return InvoiceResponse.render(
        invoice,
        price_amount=money.format_units(
            invoice.price_amount, money.price_decimals(invoice.price_currency) or 0
        ),
        pay_currency=quote.asset if quote else None,
        network=quote.network if quote else None,
        address=quote.address if quote else None,
        pay_amount=units(quote.due_amount) if quote else None,
        fee_amount=units(quote.fee_amount) if quote else None,
        paid_amount=units(paid) if asset else "0",
        remaining_amount=units(remaining) if quote else None,
        excess_amount=units(ledger.excess if ledger else 0) if quote else None,
        shortfall_amount=units(ledger.shortfall if ledger else 0) if quote else None,
        refunded_amount=units(invoice.refunded(refunds).get((quote.asset, quote.network), 0))
        if quote
        else None,
        rate=quote.rate if quote else None,
        payment_uri=uri,
        payment_url=payment_url(invoice),
        underpayment_tolerance=money.format_units(
            invoice.underpayment_tolerance, money.price_decimals(invoice.price_currency) or 0
        ),
        transactions=[transaction_payload(tx, ledger, heights, quote) for tx in transactions]
        if ledger
        else [],
        refunds=[refund_payload(refund, invoice, heights) for refund in refunds],
    )


ResolveResult = PolymorphicProxySerializer(
    component_name="ResolveResult",
    serializers=[InvoiceResponse, RefundResponse],
    resource_type_field_name=None,
    help_text="`complete` (or a refund of only the excess) answers with the invoice; "
    "`refund` answers with the refund, whose `claim_url` the payer uses.",
)


# --- events and callbacks -----------------------------------------------------------------


class DeliveryAttemptResponse(Shape):
    attempted_at = serializers.DateTimeField()
    url = serializers.URLField()
    manual = serializers.BooleanField(help_text="a redelivery the merchant asked for")
    succeeded = serializers.BooleanField()
    status_code = nullable(serializers.IntegerField)
    duration_ms = serializers.IntegerField()
    response_body = serializers.CharField(allow_blank=True, help_text="the first KB")
    error = blank_as_null(serializers.CharField)
    request_id = blank_as_null(
        serializers.CharField, help_text="the `X-Request-Id` it was sent with, as in our logs"
    )

    class Meta:
        ref_name = "DeliveryAttempt"


class EventResponse(Shape):
    # Rendered with `delivery_status` given (the webhooks app works it out).

    id = serializers.UUIDField()
    event = serializers.ChoiceField(source="type", choices=EVENT_TYPES)
    livemode = serializers.BooleanField(source="invoice.livemode")
    invoice_id = serializers.UUIDField()
    sequence = serializers.IntegerField(help_text="per invoice, from 1")
    created_at = serializers.DateTimeField()
    actor = serializers.CharField()
    delivery_status = serializers.ChoiceField(choices=DELIVERY_STATUSES)
    delivered_at = nullable(serializers.DateTimeField)
    next_attempt_at = nullable(serializers.DateTimeField)
    failed_at = nullable(serializers.DateTimeField)
    attempts = DeliveryAttemptResponse(source="delivery_attempts", many=True)
    data = stored(InvoiceResponse, help_text="the invoice as the API showed it then")

    class Meta:
        ref_name = "Event"


class CallbackEventResponse(Shape):
    id = serializers.UUIDField(help_text="stable across retries and redeliveries: dedupe on it")
    event = extend_schema_field({"$ref": "#/components/schemas/EventType"})(
        serializers.CharField(source="type")
    )
    created_at = serializers.DateTimeField()
    sequence = serializers.IntegerField(help_text="per invoice; events arrive in this order")
    livemode = serializers.BooleanField(source="invoice.livemode")
    data = stored(InvoiceResponse)

    class Meta:
        ref_name = "CallbackEvent"


class TestCallbackEventResponse(Shape):
    # Rendered from values only: the test event is no stored event.

    id = serializers.UUIDField()
    event = serializers.ChoiceField(choices=["test"])
    created_at = serializers.DateTimeField()
    sequence = serializers.IntegerField()
    data = serializers.DictField(help_text="empty")

    class Meta:
        ref_name = "TestCallbackEvent"


# --- payment methods, wallets, merchant, sandbox ------------------------------------------


class CurrencyResponse(Shape):
    # Rendered from a `registry.Asset`, given what its network says.

    currency = serializers.CharField(source="code")
    network = serializers.CharField()
    network_name = serializers.CharField()
    decimals = serializers.IntegerField()
    contract = nullable(serializers.CharField)
    confirmations = serializers.IntegerField()

    class Meta:
        ref_name = "Currency"


def currency_payload(asset: registry.Asset, confirmation_overrides: dict[str, int]) -> dict:
    network = registry.network(asset.network)
    return CurrencyResponse.render(
        asset,
        network_name=network.name,
        contract=asset.contract if network.kind != "sandbox" else None,
        confirmations=network.required_confirmations(0, confirmation_overrides.get(network.code)),
    )


class RateResponse(Shape):
    # Rendered from a `rates.RateQuote`, given the pair asked for.

    base = serializers.CharField()
    quote = serializers.CharField()
    rate = DecimalString(source="value", help_text="units of `quote` for one `base`")
    source = serializers.CharField()
    fetched_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Rate"


class WalletResponse(Shape):
    family = serializers.ChoiceField(choices=WALLET_FAMILIES)
    xpub = serializers.CharField()
    next_index = serializers.IntegerField()
    first_addresses = serializers.ListField(child=serializers.CharField())
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Wallet"


def wallet_payload(wallet) -> dict:
    return WalletResponse.render(
        wallet, first_addresses=merchant_services.wallet_addresses(wallet, 0, 5)
    )


class CallbackSecretResponse(Shape):
    callback_secret = serializers.CharField(help_text="shown once")

    class Meta:
        ref_name = "CallbackSecret"


class SandboxHeightResponse(Shape):
    height = serializers.IntegerField()

    class Meta:
        ref_name = "SandboxHeight"


# --- pages --------------------------------------------------------------------------------


def page_of(name: str, item: type[Shape]) -> type[Shape]:
    """A list response, rendered from values: its items rendered, `has_more`, `next_cursor`."""
    return type(
        f"{name}Page",
        (Shape,),
        {
            "data": item(many=True),
            "has_more": serializers.BooleanField(),
            "next_cursor": nullable(
                serializers.CharField, help_text="pass as `cursor` for the next page"
            ),
            "Meta": type("Meta", (), {"ref_name": f"{name}Page"}),
        },
    )


InvoicePage = page_of("Invoice", InvoiceResponse)
RefundPage = page_of("Refund", RefundResponse)
EventPage = page_of("Event", EventResponse)
CurrencyPage = page_of("Currency", CurrencyResponse)
WalletPage = page_of("Wallet", WalletResponse)


# --- errors -------------------------------------------------------------------------------


class ErrorDetailResponse(Shape):
    type = serializers.ChoiceField(choices=ERROR_TYPES)
    code = serializers.ChoiceField(
        choices=ERROR_CODES, help_text="stable, e.g. `invalid_amount`, `not_found` (README)"
    )
    message = serializers.CharField()
    param = nullable(serializers.CharField, help_text="the field or parameter at fault")

    class Meta:
        ref_name = "ErrorDetail"


class ErrorResponse(Shape):
    # Every API error: {"error": {"type", "code", "message", "param"}}.

    error = ErrorDetailResponse(source="*")

    class Meta:
        ref_name = "Error"


class ApiError(NamedTuple):
    type: str
    code: str
    message: str
    param: str | None = None
