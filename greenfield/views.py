"""BTCPay Greenfield endpoints as thin views over our services and selectors: a store is
the key's merchant (storeId = its id), a Greenfield invoice is our invoice (same id), and
every request is read into our own invoice request and checked by the API's serializer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import Q
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from chains import registry
from core.errors import ErrorCode, GatewayError
from greenfield import errors, mapping, shapes
from greenfield.models import Grant
from greenfield.webhooks import is_manual
from invoices import money
from invoices.api.serializers import InvoiceCreateSerializer
from invoices.api.views import _invoice
from invoices.models import Invoice
from invoices.representation import invoice_payload, refund_payload
from invoices.selectors import offered_methods
from invoices.services import creation, merchant_actions, refunds
from merchants.auth import HasMerchant, actor_of

# The BTCPay Server version whose Greenfield API this layer answers as: plugins compare it
# (the WooCommerce plugin offers refunds from 1.7.6).
VERSION = "2.0.0"

# Our request fields as Greenfield names them, to say a refusal in the client's terms.
GREENFIELD_PATHS = {
    "price_amount": "amount",
    "price_currency": "currency",
    "customer_email": "metadata.buyerEmail",
    "return_url": "checkout.redirectURL",
    "slippage_percent": "checkout.paymentTolerance",
    "metadata": "metadata",
}


def granted(key) -> list[str]:
    """A key's Greenfield permissions (names): what the authorize flow granted it, else what
    its scope holds."""
    grant = Grant.objects.filter(key=key).first()
    return list(grant.permissions) if grant else list(mapping.SCOPE_PERMISSIONS[key.scope])


class GreenfieldView(APIView):
    """`permission`: what the key must hold for the view (per method: `permissions`)."""

    parser_classes = [JSONParser]  # Greenfield clients send fields of their own: ignored
    schema = None  # not in our OpenAPI document: BTCPay's documents are this layer's
    # A key and its merchant, without our API's refusal of unknown query parameters: BTCPay
    # ignores those (its clients send some this layer does not use, e.g.
    # includePaymentMethods).
    permission_classes = [HasMerchant]
    permission = "btcpay.store.canviewstoresettings"
    permissions: dict[str, str] = {}

    def get_exception_handler(self):
        return errors.exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        needed = self.permissions.get(request.method, self.permission)
        if needed and needed not in granted(request.auth):
            raise GatewayError(
                ErrorCode.INSUFFICIENT_SCOPE, message=f"the key does not hold {needed}"
            )

    def store(self, store_id: str):
        """The key's merchant, if the path names it (any other store is not found)."""
        if store_id != str(self.request.user.pk):
            raise GatewayError(ErrorCode.NOT_FOUND)
        return self.request.user

    def offered(self) -> list[tuple[str, str]]:
        methods = offered_methods(merchant=self.request.user, livemode=self.request.auth.livemode)
        return [(asset.code, asset.network) for asset in methods]


def _marked(invoice: Invoice) -> bool:
    """A person (not the chain) made the invoice's last status change."""
    last = (
        invoice.events.filter(type="status_changed")
        .order_by("-sequence")
        .values_list("actor", flat=True)
        .first()
    )
    return last is not None and is_manual(last)


def _invoice_data(invoice: Invoice) -> dict:
    return shapes.invoice_data(invoice_payload(invoice), str(invoice.merchant_id), _marked(invoice))


class CurrentKeyView(GreenfieldView):
    permission = ""  # any key may read itself

    def get(self, request):
        key = request.auth
        permissions = mapping.permissions_of(key.scope, str(request.user.pk), granted(key))
        return Response(shapes.api_key_data(key.display_prefix, key.name, permissions))


class ServerInfoView(GreenfieldView):
    permission = ""

    def get(self, request):
        ids = [mapping.payment_method_id(a, n) for a, n in self.offered()]
        return Response(shapes.server_info(VERSION, ids))


def _store(merchant) -> dict:
    return shapes.store_data(
        str(merchant.pk),
        merchant.name,
        merchant.invoice_ttl_minutes,
        merchant.late_window_minutes,
        str(merchant.slippage_percent),
    )


class StoresView(GreenfieldView):
    def get(self, request):
        return Response([_store(request.user)])


class StoreView(GreenfieldView):
    def get(self, request, store_id):
        return Response(_store(self.store(store_id)))


class StorePaymentMethodsView(GreenfieldView):
    def get(self, request, store_id):
        self.store(store_id)
        return Response([shapes.store_payment_method(a, n) for a, n in self.offered()])


class CheckoutOptions(serializers.Serializer):
    speedPolicy = serializers.ChoiceField(
        choices=list(mapping.SPEED_POLICY_CONFIRMATIONS), required=False, allow_null=True
    )
    paymentMethods = serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True
    )
    expirationMinutes = serializers.IntegerField(
        min_value=1, max_value=60 * 24 * 30, required=False, allow_null=True
    )
    paymentTolerance = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True
    )
    redirectURL = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class CreateInvoiceRequest(serializers.Serializer):
    amount = serializers.JSONField()
    currency = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    metadata = serializers.DictField(required=False, allow_null=True)
    checkout = CheckoutOptions(required=False, allow_null=True)


def _our_body(data: dict, offered: list[tuple[str, str]]) -> dict:
    """A Greenfield CreateInvoiceRequest as our API's invoice request body. `orderId` stays
    in the metadata: a shop makes a new invoice for the same order after one expired, while
    our foreign_id is unique."""
    checkout = data.get("checkout") or {}
    metadata = dict(data.get("metadata") or {})
    if data["amount"] is None:
        raise GatewayError(
            ErrorCode.INVALID_AMOUNT, "amount", message="top-up invoices are not supported"
        )
    body: dict = {
        "price_amount": data["amount"],
        "price_currency": data.get("currency") or "USD",
        "metadata": metadata,
    }
    if metadata.get("buyerEmail"):
        body["customer_email"] = metadata["buyerEmail"]
    if checkout.get("redirectURL"):
        body["return_url"] = checkout["redirectURL"]
    if checkout.get("paymentTolerance") is not None:
        body["slippage_percent"] = str(checkout["paymentTolerance"])
    methods = []
    for method_id in checkout.get("paymentMethods") or []:
        try:
            asset, network = mapping.parse_payment_method_id(method_id, offered)
        except KeyError:
            raise GatewayError(
                ErrorCode.INVALID,
                "checkout.paymentMethods",
                message=f"{method_id} is not a payment method of this store",
            ) from None
        methods.append(f"{asset}:{network}")
    body["methods"] = methods
    return body


def _in_greenfield_terms(exc: ValidationError) -> ValidationError:
    detail = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
    return ValidationError({GREENFIELD_PATHS.get(k, k): v for k, v in detail.items()})


VIEW, CREATE, MODIFY = (
    "btcpay.store.canviewinvoices",
    "btcpay.store.cancreateinvoice",
    "btcpay.store.canmodifyinvoices",
)


class StoreInvoicesView(GreenfieldView):
    permissions = {"POST": CREATE, "GET": VIEW}

    def post(self, request, store_id):
        merchant = self.store(store_id)
        given = CreateInvoiceRequest(data=request.data)
        given.is_valid(raise_exception=True)
        body = _our_body(given.validated_data, self.offered())
        methods = body.pop("methods")
        ours = InvoiceCreateSerializer(data=body)
        try:
            ours.is_valid(raise_exception=True)
        except ValidationError as exc:
            raise _in_greenfield_terms(exc) from None
        invoice_request = ours.to_request()
        invoice_request.methods = methods
        invoice_request.livemode = request.auth.livemode
        checkout = given.validated_data.get("checkout") or {}
        if checkout.get("speedPolicy"):
            speed = checkout["speedPolicy"]
            invoice_request.confirmations = mapping.SPEED_POLICY_CONFIRMATIONS[speed]
        invoice_request.ttl_minutes = checkout.get("expirationMinutes")
        try:
            created = creation.create_invoice(
                merchant=merchant, request=invoice_request, actor=actor_of(request)
            )
        except GatewayError as exc:
            if exc.param in GREENFIELD_PATHS:
                raise GatewayError(
                    exc.code, GREENFIELD_PATHS[exc.param], message=exc.message
                ) from None
            raise
        return Response(_invoice_data(Invoice.objects.get(pk=created["id"])))

    def get(self, request, store_id):
        self.store(store_id)
        invoices = Invoice.objects.filter(
            merchant=request.user, livemode=request.auth.livemode
        ).order_by("-created_at", "-pk")
        params = request.query_params
        if order_ids := params.getlist("orderId"):
            invoices = invoices.filter(metadata__orderId__in=order_ids)
        if statuses := params.getlist("status"):
            pairs = Q(pk__in=[])
            for status in statuses:
                for ours, context in mapping.from_greenfield(status):
                    pairs |= Q(status=ours, status_context=context)
            invoices = invoices.filter(pairs)
        if text := params.get("textSearch"):
            invoices = invoices.filter(
                Q(description__icontains=text)
                | Q(customer_email__icontains=text)
                | Q(foreign_id__icontains=text)
                | Q(metadata__orderId__icontains=text)
            )
        for name, lookup in (("startDate", "created_at__gte"), ("endDate", "created_at__lte")):
            if params.get(name):
                invoices = invoices.filter(**{lookup: _unix_param(params, name)})
        skip = _int_param(params, "skip", 0)
        take = min(_int_param(params, "take", 100), 100)
        page = invoices.select_related("quote").prefetch_related("transactions", "refunds")
        return Response([_invoice_data(i) for i in page[skip : skip + take]])


def _int_param(params, name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise GatewayError(ErrorCode.INVALID, name, message="a whole number")
    return int(value)


def _unix_param(params, name: str) -> datetime:
    return datetime.fromtimestamp(_int_param(params, name, 0), tz=UTC)


class StoreInvoiceView(GreenfieldView):
    permission = VIEW

    def get(self, request, store_id, invoice_id):
        self.store(store_id)
        return Response(_invoice_data(_invoice(request, invoice_id)))


class InvoicePaymentMethodsView(GreenfieldView):
    permission = VIEW

    def get(self, request, store_id, invoice_id):
        self.store(store_id)
        payload = invoice_payload(_invoice(request, invoice_id))
        return Response(shapes.invoice_payment_methods(payload))


class MarkStatus(serializers.Serializer):
    status = serializers.ChoiceField(choices=[mapping.SETTLED, mapping.INVALID])


class InvoiceStatusView(GreenfieldView):
    permission = MODIFY

    def post(self, request, store_id, invoice_id):
        self.store(store_id)
        invoice = _invoice(request, invoice_id)
        given = MarkStatus(data=request.data)
        given.is_valid(raise_exception=True)
        action = mapping.mark_action(given.validated_data["status"], invoice.status)
        if action == "cancel":
            merchant_actions.cancel(invoice_id=invoice.pk, actor=actor_of(request))
        else:
            merchant_actions.resolve(invoice_id=invoice.pk, action=action, actor=actor_of(request))
        return Response(_invoice_data(_invoice(request, invoice_id)))


class RefundRequest(serializers.Serializer):
    refundVariant = serializers.ChoiceField(choices=mapping.REFUND_VARIANTS)
    paymentMethod = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    name = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    subtractPercentage = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True
    )
    customAmount = serializers.DecimalField(
        max_digits=40, decimal_places=18, required=False, allow_null=True, coerce_to_string=True
    )
    customCurrency = serializers.CharField(required=False, allow_null=True, allow_blank=True)


# Why a refund request does not map onto ours, by the field at fault.
REFUND_REFUSALS = {
    "refundVariant": "CurrentRate is not offered: a refund is priced at the rate locked when "
    "the invoice was paid (RateThen, Fiat)",
    "customAmount": "a Custom refund needs a customAmount above 0",
    "customCurrency": "a Custom refund is in the invoice's currency or the asset paid",
}


def _refund_method(invoice: Invoice, method_id: str | None) -> tuple[str, str]:
    """The (asset, network) refunded: the one named among the invoice's payment methods, or
    the one the payer chose (none yet: create_refund says why nothing can be refunded)."""
    if not method_id:
        return (invoice.quote.asset, invoice.quote.network) if invoice.quote else ("", "")
    quoted = list(invoice.quotes.values_list("asset", "network"))
    try:
        return mapping.parse_payment_method_id(method_id, quoted)
    except KeyError:
        raise GatewayError(
            ErrorCode.INVALID, "paymentMethod", message=f"{method_id} was not offered"
        ) from None


def _refund_arguments(invoice: Invoice, data: dict, method: tuple[str, str]) -> dict[str, str]:
    chosen = invoice.quote
    decimals = money.price_decimals(invoice.price_currency) or 0
    excess = 0
    if chosen is not None and (chosen.asset, chosen.network) == method:
        excess = invoice.ledger().refundable_excess
    if data["refundVariant"] == "OverpaidAmount" and excess <= 0:
        raise GatewayError(ErrorCode.NOTHING_TO_REFUND, message="nothing was overpaid")
    chain = registry.get_network(method[1])
    coin = chain.asset(method[0]) if chain else None
    custom = data.get("customAmount")
    try:
        return mapping.refund_arguments(
            data["refundVariant"],
            price_amount=money.format_units(invoice.price_amount, decimals),
            price_currency=invoice.price_currency,
            paid_asset=method[0],
            excess=money.format_units(excess, coin.decimals if coin else 0),
            custom_amount=None if custom is None else str(custom),
            custom_currency=data.get("customCurrency"),
            subtract_percentage=data.get("subtractPercentage") or Decimal(0),
        )
    except ValueError as refused:
        field = str(refused)
        raise GatewayError(ErrorCode.INVALID, field, message=REFUND_REFUSALS[field]) from None


class InvoiceRefundView(GreenfieldView):
    """Our refund (refunds.create_refund) as the Greenfield pull payment the plugin shows
    the customer: its `viewLink` is the payer's claim page."""

    permission = MODIFY

    def post(self, request, store_id, invoice_id):
        self.store(store_id)
        invoice = _invoice(request, invoice_id)
        given = RefundRequest(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        asset, network = _refund_method(invoice, data.get("paymentMethod"))
        arguments = _refund_arguments(invoice, data, (asset, network))
        refund = refunds.create_refund(
            invoice_id=invoice.pk,
            asset=asset,
            network=network,
            reason=(data.get("description") or "")[:500],
            actor=actor_of(request),
            **arguments,
        )
        return Response(
            shapes.pull_payment(
                refund_payload(refund),
                name=data.get("name") or f"Refund {invoice.pk}",
                description=data.get("description") or "",
            )
        )
