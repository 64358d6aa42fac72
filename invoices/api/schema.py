"""The OpenAPI contract: typed components for what the API returns, the errors each
operation can answer, the bearer scheme, the response headers and the callbacks as webhooks.

The views build their JSON in `invoices.representation`; these serializers only describe it
(they never render), so a generated client gets typed models. The generated-client and
schemathesis tests hold the two together.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    OpenApiWebhook,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers

from chains.hd import FAMILIES
from core.errors import ErrorCode, ErrorType
from invoices.lifecycle import Context, Status, TxStatus
from invoices.models import Event, Kind, Refund

# Enum sets, named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
INVOICE_STATUSES = [status.value for status in Status]
INVOICE_KINDS = Kind.values
STATUS_CONTEXTS = [context.value for context in Context]
TRANSACTION_STATUSES = [status.value for status in TxStatus]
REFUND_STATUSES = [Refund.AWAITING_CLAIM, Refund.AWAITING_PAYOUT, Refund.PAID]
EVENT_TYPES = list(Event.TYPES)
DELIVERY_STATUSES = ["delivered", "pending", "retrying", "failed", "no_endpoint"]
RESOLVE_ACTIONS = ["complete", "refund"]
REVIEW_ACTIONS = ["approve", "decline"]
REFUND_AMOUNTS = ["received", "excess"]
WALLET_FAMILIES = list(FAMILIES)
ERROR_TYPES = [error_type.value for error_type in ErrorType]
ERROR_CODES = [code.value for code in ErrorCode]  # the one catalogue: core/errors.py

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
DECIMAL_STRING = {
    "type": "string",
    "pattern": DECIMAL_PATTERN,
    "example": "10.50",
    "description": "an exact decimal string (never a JSON number)",
}


def component(name: str) -> dict:
    """A reference to a named component (an enum named in ENUM_NAME_OVERRIDES), for places
    drf-spectacular's enum naming does not reach: parameters and webhooks."""
    return {"$ref": f"#/components/schemas/{name}"}


@extend_schema_field(DECIMAL_STRING)
class DecimalString(serializers.CharField):
    """An exact amount rendered as a decimal string."""


def nullable(field_class, **kwargs):
    return field_class(allow_null=True, **kwargs)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "merchants.auth.ApiKeyAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer <api key>` (`cg_live_…` or `cg_test_…`)",
        }


# --- components ---------------------------------------------------------------------------


class TransactionSerializer(serializers.Serializer):
    txid = serializers.CharField()
    index = serializers.IntegerField(help_text="the output (UTXO) or log index in the tx")
    asset = serializers.CharField()
    network = serializers.CharField()
    amount = DecimalString()
    from_addresses = serializers.ListField(child=serializers.CharField())
    confirmations = serializers.IntegerField()
    required_confirmations = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TRANSACTION_STATUSES)
    counted = serializers.BooleanField(
        help_text="false for an extra payment in another method or asset"
    )
    flagged = serializers.BooleanField(help_text="a sender is on a sanctions or deny list")
    block_height = nullable(serializers.IntegerField)
    explorer_url = serializers.CharField()
    paid_at = serializers.DateTimeField(help_text="mempool first-seen or block time")
    detected_at = serializers.DateTimeField()
    confirmed_at = nullable(serializers.DateTimeField)
    reverted_at = nullable(serializers.DateTimeField)

    class Meta:
        ref_name = "Transaction"


class RefundSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    invoice_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=REFUND_STATUSES)
    amount = DecimalString()
    currency = serializers.CharField()
    network = serializers.CharField()
    claim_url = serializers.URLField(help_text="the payer's page to give a refund address")
    address = nullable(serializers.CharField)
    payout_txid = nullable(serializers.CharField)
    created_at = serializers.DateTimeField()
    claimed_at = nullable(serializers.DateTimeField)
    paid_at = nullable(serializers.DateTimeField)

    class Meta:
        ref_name = "Refund"


class InvoiceSerializer(serializers.Serializer):
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
    rate = nullable(DecimalString)
    payment_uri = nullable(serializers.CharField)
    payment_url = serializers.URLField()
    description = serializers.CharField(allow_blank=True)
    customer_email = serializers.CharField(allow_blank=True)
    callback_url = nullable(serializers.URLField)
    return_url = nullable(serializers.URLField)
    insurance_percent = DecimalString()
    slippage_percent = DecimalString()
    include_fee = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    expires_at = nullable(serializers.DateTimeField)
    transactions = TransactionSerializer(many=True)
    refunds = RefundSerializer(many=True)
    metadata = serializers.DictField()

    class Meta:
        ref_name = "Invoice"


class DeliveryAttemptSerializer(serializers.Serializer):
    attempted_at = serializers.DateTimeField()
    url = serializers.URLField()
    manual = serializers.BooleanField(help_text="a redelivery the merchant asked for")
    succeeded = serializers.BooleanField()
    status_code = nullable(serializers.IntegerField)
    duration_ms = serializers.IntegerField()
    response_body = serializers.CharField(allow_blank=True, help_text="the first KB")
    error = nullable(serializers.CharField)

    class Meta:
        ref_name = "DeliveryAttempt"


class EventSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    event = serializers.ChoiceField(choices=EVENT_TYPES)
    livemode = serializers.BooleanField()
    invoice_id = serializers.UUIDField()
    sequence = serializers.IntegerField(help_text="per invoice, from 1")
    created_at = serializers.DateTimeField()
    actor = serializers.CharField()
    delivery_status = serializers.ChoiceField(choices=DELIVERY_STATUSES)
    delivered_at = nullable(serializers.DateTimeField)
    next_attempt_at = nullable(serializers.DateTimeField)
    failed_at = nullable(serializers.DateTimeField)
    attempts = DeliveryAttemptSerializer(many=True)
    data = InvoiceSerializer(help_text="the invoice as the API showed it then")

    class Meta:
        ref_name = "Event"


class CurrencySerializer(serializers.Serializer):
    currency = serializers.CharField()
    network = serializers.CharField()
    network_name = serializers.CharField()
    decimals = serializers.IntegerField()
    contract = nullable(serializers.CharField)
    confirmations = serializers.IntegerField()

    class Meta:
        ref_name = "Currency"


class RateSerializer(serializers.Serializer):
    base = serializers.CharField()
    quote = serializers.CharField()
    rate = DecimalString(help_text="units of `quote` for one `base`")
    source = serializers.CharField()
    fetched_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Rate"


class WalletOutSerializer(serializers.Serializer):
    family = serializers.ChoiceField(choices=WALLET_FAMILIES)
    xpub = serializers.CharField()
    next_index = serializers.IntegerField()
    first_addresses = serializers.ListField(child=serializers.CharField())
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Wallet"


class CallbackSecretSerializer(serializers.Serializer):
    callback_secret = serializers.CharField(help_text="shown once")

    class Meta:
        ref_name = "CallbackSecret"


class SandboxHeightSerializer(serializers.Serializer):
    height = serializers.IntegerField()

    class Meta:
        ref_name = "SandboxHeight"


class ErrorDetailSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ERROR_TYPES)
    code = serializers.ChoiceField(
        choices=ERROR_CODES, help_text="stable, e.g. `invalid_amount`, `not_found` (README)"
    )
    message = serializers.CharField()
    param = nullable(serializers.CharField, help_text="the field or parameter at fault")

    class Meta:
        ref_name = "ErrorDetail"


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


def _page(name, item):
    return type(
        f"{name}PageSerializer",
        (serializers.Serializer,),
        {
            "data": item(many=True),
            "has_more": serializers.BooleanField(),
            "next_cursor": nullable(
                serializers.CharField, help_text="pass as `cursor` for the next page"
            ),
            "Meta": type("Meta", (), {"ref_name": f"{name}Page"}),
        },
    )


InvoicePage = _page("Invoice", InvoiceSerializer)
EventPage = _page("Event", EventSerializer)
CurrencyPage = _page("Currency", CurrencySerializer)
WalletPage = _page("Wallet", WalletOutSerializer)

ResolveResult = PolymorphicProxySerializer(
    component_name="ResolveResult",
    serializers=[InvoiceSerializer, RefundSerializer],
    resource_type_field_name=None,
    help_text="`complete` (or a refund of only the excess) answers with the invoice; "
    "`refund` answers with the refund, whose `claim_url` the payer uses.",
)


# --- errors, parameters ------------------------------------------------------------------

_ERRORS = {
    400: "invalid_request: a field or parameter is malformed (`param` names it)",
    401: "authentication_error: no API key, or an invalid or revoked one",
    403: "permission_error: `insufficient_scope`, the key's scope does not allow this; "
    "`test_key_required`, a sandbox operation asked with a live key",
    404: "not_found: no such resource for this key's merchant",
    409: "the resource's state does not allow this, or the Idempotency-Key was used with "
    "another request or is still being processed",
    415: "the body is not JSON",
    422: "the request is understood but cannot be done (the `code` says why)",
    429: "rate_limit_error: too many requests; wait `Retry-After` seconds",
}


def errors(*codes) -> dict:
    """Error responses: 401 and 429 always, plus the given statuses."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=_ERRORS[code])
        for code in sorted({401, 429, *codes})
    }


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    OpenApiParameter.HEADER,
    description="Retry safely: the same key and body within 24 h return the first response "
    "(with `Idempotent-Replayed: true`); the same key with another body is a 409. "
    "1 to 255 characters, not all blank.",
)
CURSOR = OpenApiParameter("cursor", str, description="`next_cursor` of the previous page")
LIMIT = OpenApiParameter("limit", int, description="page size, 1 to 100 (default 50)")

# --- headers (added to every response by `postprocess`) ------------------------------------

HEADERS = {
    "RateLimit-Limit": {
        "description": "requests allowed per window for this API key",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "requests left in the current window",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "seconds until the window resets",
        "schema": {"type": "integer"},
    },
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "integer"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored first response "
        "to a request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


_BY_ID = {"invoice_id": "$response.body#/id"}
_BY_FOREIGN_ID = {"foreign_id": "$response.body#/foreign_id"}
# OpenAPI links: what a response's ids let a client (or a stateful fuzzer) call next.
LINKS = {
    ("createInvoice", "201"): {
        **{
            name: _BY_ID
            for name in (
                "getInvoice",
                "cancelInvoice",
                "archiveInvoice",
                "unarchiveInvoice",
                "resolveInvoice",
                "reviewInvoice",
                "paySandboxInvoice",
            )
        },
        "getInvoiceByForeignId": _BY_FOREIGN_ID,
        "cancelInvoiceByForeignId": _BY_FOREIGN_ID,
    },
    ("listEvents", "200"): {"redeliverEvent": {"event_id": "$response.body#/data/0/id"}},
}


def postprocess(result, generator, request, public):
    """Reference the rate-limit headers from every response, `Retry-After` from every 429
    and `Idempotent-Replayed` from the successes of operations taking an Idempotency-Key;
    add the links; give the webhooks their signature header (OpenApiWebhook takes no parameters)."""
    result.setdefault("components", {})["headers"] = HEADERS
    for path in result.get("paths", {}).values():
        for operation in path.values():
            idempotent = any(
                p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])
            )
            for status, response in operation.get("responses", {}).items():
                names = list(RATE_LIMIT_HEADERS)
                if status == "429":
                    names.append("Retry-After")
                if idempotent and status.startswith("2"):
                    names.append("Idempotent-Replayed")
                response["headers"] = {
                    name: {"$ref": f"#/components/headers/{name}"} for name in names
                }
                if links := LINKS.get((operation.get("operationId"), status)):
                    response["links"] = {
                        target: {"operationId": target, "parameters": params}
                        for target, params in links.items()
                    }
    for name, webhook in result.get("webhooks", {}).items():
        webhook["post"].update(operationId=name, parameters=[SIGNATURE_HEADER])
    return result


# --- callbacks ----------------------------------------------------------------------------


class CallbackEventSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="stable across retries and redeliveries: dedupe on it")
    event = extend_schema_field(component("EventType"))(serializers.CharField())
    livemode = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    sequence = serializers.IntegerField(help_text="per invoice; events arrive in this order")
    data = InvoiceSerializer()

    class Meta:
        ref_name = "CallbackEvent"


SIGNATURE_HEADER = {
    "name": "X-Signature",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": '`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; for 24 h '
    "after a rotation a second `v1=` signed with the old secret is included.",
}

invoice_event = OpenApiWebhook(
    name="invoiceEvent",
    decorator=extend_schema(
        summary="An invoice changed",
        description="POSTed to the invoice's `callback_url` (or the merchant's). Any 2xx within "
        "10 s counts as delivered; otherwise it is retried with backoff for 3 days.",
        request=CallbackEventSerializer,
        responses={200: OpenApiResponse(description="received")},
    ),
)

_test_event = type(
    "TestCallbackEventSerializer",
    (serializers.Serializer,),
    {
        "id": serializers.UUIDField(),
        "event": serializers.ChoiceField(choices=["test"]),
        "created_at": serializers.DateTimeField(),
        "sequence": serializers.IntegerField(),
        "data": serializers.DictField(help_text="empty"),
        "Meta": type("Meta", (), {"ref_name": "TestCallbackEvent"}),
    },
)

test_event = OpenApiWebhook(
    name="testEvent",
    decorator=extend_schema(
        summary="A test event (POST /merchant/test-callback)",
        request=_test_event,
        responses={200: OpenApiResponse(description="received")},
    ),
)
