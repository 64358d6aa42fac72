"""Parsing API input into service requests. Amounts and percentages are decimal strings,
as the schema says (a JSON number is refused: a float may already be inexact); amounts are
read by `money.to_units` alone."""

import re
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chains import registry
from core.errors import ErrorCode, GatewayError
from invoices import merchant_settings, money, validation
from invoices.api import schema
from invoices.models import Kind
from invoices.representation import DECIMAL_STRING
from invoices.services.creation import InvoiceRequest
from merchants import services as merchant_services
from merchants.models import (
    PERCENT,
    UNRESOLVED_ACTIONS,
    UNRESOLVED_CONTEXTS,
    Merchant,
    TokenQR,
)

PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error instead of a silent default."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        serializers.ErrorDetail(
                            "expected a JSON object", code=ErrorCode.INVALID_REQUEST
                        )
                    ]
                }
            )
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    unknown[0]: [
                        serializers.ErrorDetail(
                            f"unknown field {unknown[0]!r}", code=ErrorCode.UNKNOWN_FIELD
                        )
                    ]
                }
            )
        # A number where the schema says string is refused too (DRF would read 0 as "0").
        for name, value in data.items():
            if isinstance(self.fields[name], serializers.CharField) and not isinstance(
                value, str | None
            ):
                raise serializers.ValidationError(
                    {name: [serializers.ErrorDetail("must be a string", code="invalid")]}
                )
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "pattern": money.AMOUNT_PATTERN,
        "maxLength": money.AMOUNT_MAX_LENGTH,
        "example": "10.50",
        "description": "an exact decimal string (never a JSON number), greater than 0, with "
        "at most the currency's decimals, below 10^15 of its whole units",
    }
)
class AmountField(serializers.Field):
    """An amount, kept as the text sent until its currency's decimals are known, then read
    by `money.to_units` (the one parser of amounts)."""

    default_error_messages = {
        "float": 'send this as a decimal string, e.g. "10.50": JSON floats are inexact',
        "invalid_amount": 'must be a decimal string, such as "10.50", not a JSON number',
    }

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        if not isinstance(data, str):
            self.fail("invalid_amount")
        return data

    def to_representation(self, value):
        return str(value)


TOLERANCE_AMOUNT: dict[str, object] = {
    "type": "string",
    "pattern": money.AMOUNT_PATTERN,
    "maxLength": money.AMOUNT_MAX_LENGTH,
    "example": "1.00",
    "description": "an exact decimal string in the price currency, 0 or more, with at most "
    "its decimals",
}


@extend_schema_field(TOLERANCE_AMOUNT)
class ToleranceAmountField(AmountField):
    """An underpayment tolerance, kept as the text sent until the price currency's decimals
    are known, then read by `money.tolerance_to_units` (zero allowed)."""


@extend_schema_field({"type": "object", "additionalProperties": TOLERANCE_AMOUNT})
class ToleranceSettingField(serializers.JSONField):
    """The merchant's {price currency: amount} tolerances: decimal strings outside, base
    units of each currency inside (`merchant_settings.underpayment_tolerance`)."""

    def to_representation(self, value):
        return {
            code: money.format_units(units, money.price_decimals(code) or 0)
            for code, units in value.items()
        }


@extend_schema_field(DECIMAL_STRING)
class DecimalStringField(serializers.Field):
    """A plain decimal within bounds and with at most `places` decimals: no exponent, so a
    value like "1e-999999999" cannot make the database render a billion zeros."""

    default_error_messages = {
        "float": 'send this as a decimal string, e.g. "10.50": JSON floats are inexact',
        "invalid": 'must be a decimal string, such as "10.50"',
        "range": "must be within {low} and {high}",
        "places": "at most {places} decimal places are allowed",
    }

    def __init__(self, low, high, places, **kwargs):
        self.low, self.high, self.places = low, high, places
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        if not isinstance(data, str):
            self.fail("invalid")
        if not PLAIN_DECIMAL.fullmatch(data):
            self.fail("invalid")
        value = Decimal(data)
        if not self.low <= value <= self.high:
            self.fail("range", low=self.low, high=self.high)
        if -value.as_tuple().exponent > self.places:
            self.fail("places", places=self.places)
        return value

    def to_representation(self, value):
        return str(value)


def percent_field(**kwargs):
    return DecimalStringField(
        low=Decimal(0), high=Decimal(100), places=PERCENT["decimal_places"], **kwargs
    )


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class HttpUrlField(serializers.URLField):
    def to_internal_value(self, data):
        return merchant_settings.http_url(super().to_internal_value(data))


class CallbackUrlField(HttpUrlField):
    """Refused at once when the egress guard could never deliver to it (a numeric host
    trick, no host); where it resolves is checked again at every delivery."""

    def to_internal_value(self, data):
        return merchant_settings.callback_url(super().to_internal_value(data))


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class InvoiceCreateSerializer(StrictSerializer):
    price_amount = AmountField()
    price_currency = serializers.CharField(max_length=16)
    kind = serializers.ChoiceField(choices=Kind.values, required=False)
    pay_currency = serializers.CharField(max_length=16, required=False, allow_null=True)
    network = serializers.CharField(max_length=32, required=False, allow_null=True)
    foreign_id = serializers.CharField(max_length=255, required=False, allow_null=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    customer_email = serializers.EmailField(required=False, allow_blank=True)
    callback_url = CallbackUrlField(max_length=2000, required=False, allow_blank=True)
    return_url = HttpUrlField(max_length=2000, required=False, allow_blank=True)
    insurance_percent = percent_field(required=False)
    slippage_percent = percent_field(required=False)
    underpayment_tolerance = ToleranceAmountField(
        required=False,
        help_text="the shortfall accepted as paid, in price_currency (e.g. an exchange's "
        "withdrawal fee); default: the merchant's for that currency",
    )
    token_qr = serializers.ChoiceField(
        choices=TokenQR.values,
        required=False,
        help_text="a token payment's QR code: `uri` (EIP-681) or `address` (the plain "
        "address, the amount beside it); default: the merchant's",
    )
    include_fee = StrictBooleanField(required=False)
    metadata = serializers.DictField(required=False)

    def get_fields(self):
        """DRF deep-copies the declared fields for every serializer, re-running each field's
        __init__: on invoice creation, the hottest request, that was a third of validating.
        A field keeps nothing per request until it is bound, and binding sets the copy's own
        attributes, so a shallow copy of each is enough (made directly: `copy.copy` spent
        three quarters of its time finding out how to copy)."""
        return {name: _shallow_copy(field) for name, field in self._declared_fields.items()}

    def validate_price_currency(self, value):
        value = value.upper()
        if money.price_decimals(value) is None:
            raise serializers.ValidationError(
                f"unknown currency {value!r}", code=ErrorCode.UNKNOWN_CURRENCY
            )
        return value

    def validate_network(self, value):
        if value is not None and registry.get_network(value) is None:
            raise serializers.ValidationError(
                f"unknown network {value!r}", code=ErrorCode.UNKNOWN_NETWORK
            )
        return value

    def validate_pay_currency(self, value):
        if value is not None and not registry.is_crypto(value):
            raise serializers.ValidationError(
                f"unknown pay currency {value!r}", code=ErrorCode.UNKNOWN_CURRENCY
            )
        return value.upper() if value else value

    def validate_metadata(self, value):
        return validation.check_metadata(value)

    def validate(self, attrs):
        try:
            units = money.to_units(
                attrs["price_amount"], money.price_decimals(attrs["price_currency"])
            )
        except GatewayError as exc:
            raise serializers.ValidationError(
                {"price_amount": [serializers.ErrorDetail(exc.message, code=exc.code)]}
            ) from None
        kind = attrs.get("kind") or (Kind.FIXED if attrs.get("pay_currency") else Kind.TIMED)
        if kind == Kind.FIXED and not attrs.get("pay_currency"):
            raise serializers.ValidationError(
                {
                    "pay_currency": [
                        serializers.ErrorDetail(
                            "a fixed invoice needs pay_currency",
                            code=ErrorCode.PAY_CURRENCY_REQUIRED,
                        )
                    ]
                }
            )
        if kind != Kind.FIXED and attrs.get("pay_currency"):
            raise serializers.ValidationError(
                {
                    "kind": [
                        serializers.ErrorDetail(
                            f"a {kind} invoice lets the payer choose: omit pay_currency or "
                            "use kind fixed",
                            code=ErrorCode.INVALID_KIND,
                        )
                    ]
                }
            )
        if "underpayment_tolerance" in attrs:
            try:
                attrs["underpayment_tolerance"] = money.tolerance_to_units(
                    attrs["underpayment_tolerance"], money.price_decimals(attrs["price_currency"])
                )
            except GatewayError as exc:
                raise serializers.ValidationError(
                    {
                        "underpayment_tolerance": [
                            serializers.ErrorDetail(exc.message, code=exc.code)
                        ]
                    }
                ) from None
        attrs["price_amount"], attrs["kind"] = units, kind
        return attrs

    def to_request(self) -> InvoiceRequest:
        data = {k: v for k, v in self.validated_data.items() if v is not None}
        return InvoiceRequest(**data)


class ResolveSerializer(StrictSerializer):
    action = serializers.ChoiceField(choices=schema.RESOLVE_ACTIONS)
    refund_amount = serializers.ChoiceField(
        choices=schema.REFUND_AMOUNTS,
        required=False,
        default="received",
        help_text="`excess`: refund only what was paid beyond the amount due",
    )


class RefundCreateSerializer(StrictSerializer):
    amount = AmountField(required=False, help_text="in the refunded asset")
    price_amount = AmountField(
        required=False,
        help_text="a value in the invoice's price currency, refunded at its locked rate "
        "(rounded down: the payer never gets more than that value's worth)",
    )
    asset = serializers.CharField(
        max_length=16, required=False, help_text="an extra payment's asset (default: the chosen)"
    )
    network = serializers.CharField(max_length=32, required=False)
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        if "amount" in attrs and "price_amount" in attrs:
            raise serializers.ValidationError(
                {
                    "price_amount": [
                        serializers.ErrorDetail(
                            "give amount or price_amount, not both", code=ErrorCode.INVALID
                        )
                    ]
                }
            )
        return attrs


class RefundMarkPaidSerializer(StrictSerializer):
    txid = serializers.CharField(max_length=200, help_text="the payout transaction's id")


class ReviewSerializer(StrictSerializer):
    action = serializers.ChoiceField(choices=schema.REVIEW_ACTIONS)


class SandboxPaySerializer(StrictSerializer):
    amount = AmountField(required=False)
    confirm = StrictBooleanField(required=False, default=False)
    sender = serializers.CharField(max_length=128, required=False)


class MineSerializer(StrictSerializer):
    blocks = serializers.IntegerField(min_value=1, max_value=1000, default=1)


class WalletSerializer(StrictSerializer):
    xpub = serializers.CharField(max_length=300)


class MoneroWalletSerializer(StrictSerializer):
    """The `monero` family's body: the primary address and the private view key (checked to
    belong together, stored sealed, never shown again)."""

    address = serializers.CharField(max_length=120, help_text="the primary address (4…)")
    view_key = serializers.CharField(
        max_length=80, write_only=True, help_text="the private view key (64 hex characters)"
    )


_STRINGS = {"type": "array", "items": {"type": "string"}}


def _json(shape: dict, help_text: str) -> serializers.JSONField:
    """A JSON setting, documented with its shape (validated by the validate_* methods), never
    null. The shape is put on a class of its own: DRF rebuilds each declared field from its
    class and arguments, so a shape set on the instance was lost, and the schema allowed
    anything, null included, for what the server refuses."""
    field_class = type("JSONSetting", (serializers.JSONField,), {})
    return extend_schema_field(shape)(field_class)(required=False, help_text=help_text)


class MerchantSerializer(serializers.ModelSerializer, StrictSerializer):
    """The settings a merchant changes over the API (secrets are rotated, never set); the
    webhooks app's subclass adds the callback URL, its default webhook endpoint's."""

    slippage_percent = percent_field(required=False)
    insurance_percent = percent_field(required=False)
    underpayment_tolerance = ToleranceSettingField(
        required=False,
        help_text="price currency → the shortfall an invoice priced in it accepts as paid "
        '(e.g. {"USD": "1.00"}); with slippage_percent the larger allowance applies',
    )
    token_qr = serializers.ChoiceField(
        choices=TokenQR.values,
        required=False,
        help_text="a token payment's QR code: `uri` (EIP-681) or `address` (the plain address)",
    )
    allowed_return_hosts = _json(_STRINGS, "hosts a return_url may point to")
    embed_hosts = _json(_STRINGS, "hosts that may embed the payment page in a frame")
    enabled_methods = _json(_STRINGS, "`ASSET:network` keys; empty: every method with a wallet")
    confirmations = _json(
        {"type": "object", "additionalProperties": {"type": "integer"}},
        "network code → confirmations (never below its safe minimum)",
    )
    unresolved_rules = _json(
        {
            "type": "object",
            "additionalProperties": {"type": "string", "enum": list(UNRESOLVED_ACTIONS)},
        },
        f"context ({', '.join(UNRESOLVED_CONTEXTS)}) → what to do with it",
    )
    deny_list = _json(_STRINGS, "sender addresses whose payments go to compliance_review")

    class Meta:
        model = Merchant
        fields = [
            "id",
            "name",
            "logo_url",
            "allowed_return_hosts",
            "embed_hosts",
            "enabled_methods",
            "confirmations",
            "invoice_ttl_minutes",
            "payment_window_minutes",
            "late_window_minutes",
            "processing_timeout_minutes",
            "slippage_percent",
            "underpayment_tolerance",
            "insurance_percent",
            "token_qr",
            "unresolved_rules",
            "deny_list",
        ]
        read_only_fields = ["id"]

    def update(self, instance, validated_data):
        """Saved by the service the dashboard uses too (context `actor`: who changed it)."""
        return merchant_services.update_settings(
            merchant=instance, changes=validated_data, actor=self.context["actor"]
        )

    def validate_allowed_return_hosts(self, value):
        return merchant_settings.hosts(value, "allowed_return_hosts")

    def validate_embed_hosts(self, value):
        return merchant_settings.hosts(value, "embed_hosts")

    def validate_deny_list(self, value):
        return merchant_settings.string_list(value, "deny_list")

    def validate_enabled_methods(self, value):
        return merchant_settings.enabled_methods(value)

    def validate_underpayment_tolerance(self, value):
        return merchant_settings.underpayment_tolerance(value)

    def validate_confirmations(self, value):
        return merchant_settings.confirmations(value)

    def validate_unresolved_rules(self, value):
        return merchant_settings.unresolved_rules(
            value, self.instance.unresolved_rules if self.instance else None
        )
