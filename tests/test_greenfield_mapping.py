"""greenfield.mapping: our statuses, methods and scopes in BTCPay's Greenfield terms."""

import hmac
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenfield import mapping
from greenfield.webhooks import signature
from invoices import lifecycle
from merchants.models import SCOPE_ADMIN, SCOPE_INVOICES
from merchants.rules import Context
from tests.greenfield_contract import components

GF_STATUSES = components()["InvoiceStatus"]["enum"]
GF_ADDITIONAL = components()["InvoiceAdditionalStatus"]["enum"]


@given(
    st.sampled_from(list(lifecycle.Status)),
    st.sampled_from([None, *Context]),
    st.booleans(),
)
def test_every_status_and_context_maps_to_one_documented_pair(status, context, marked):
    pair = mapping.to_greenfield(status, context, marked)
    assert pair == mapping.to_greenfield(status, context, marked)  # a function of its input
    assert pair[0] in GF_STATUSES and pair[1] in GF_ADDITIONAL
    assert mapping.GREENFIELD_STATUSES == tuple(sorted(GF_STATUSES, key=GF_STATUSES.index))


@pytest.mark.parametrize(
    ("status", "context", "marked", "expected"),
    [
        ("new", None, False, ("New", "None")),
        ("pending", None, False, ("Processing", "None")),
        ("pending", "underpaid", False, ("New", "PaidPartial")),
        ("completed", None, False, ("Settled", "None")),
        ("completed", "overpaid", False, ("Settled", "PaidOver")),
        ("completed", None, True, ("Settled", "Marked")),
        ("unresolved", "underpaid", False, ("Expired", "PaidPartial")),
        ("unresolved", "paid_late", False, ("Expired", "PaidLate")),
        ("unresolved", "overpaid", False, ("Settled", "PaidOver")),
        ("unresolved", "reverted", False, ("Invalid", "Invalid")),
        ("unresolved", "multiple_senders", False, ("Processing", "None")),
        ("expired", None, False, ("Expired", "None")),
        ("cancelled", None, False, ("Invalid", "Marked")),
        ("declined", None, False, ("Invalid", "Marked")),
        ("refunded", None, False, ("Invalid", "Marked")),
        ("failed", None, False, ("Invalid", "None")),
        ("compliance_review", None, False, ("Processing", "None")),
    ],
)
def test_the_table_reads_as_btcpay_documents_it(status, context, marked, expected):
    assert mapping.to_greenfield(status, context, marked) == expected


@given(st.sampled_from(list(lifecycle.Status)), st.sampled_from([None, *Context]))
def test_a_status_filter_selects_exactly_what_maps_to_it(status, context):
    theirs, _ = mapping.to_greenfield(status, context)
    selected = mapping.from_greenfield(theirs)
    assert all(mapping.to_greenfield(*pair)[0] == theirs for pair in selected)
    assert (status, context) in selected or (status, context) not in mapping._STATUS


def test_marking_is_our_merchant_actions():
    assert mapping.mark_action("Settled", "unresolved") == "complete"
    assert mapping.mark_action("Invalid", "new") == "cancel"
    assert mapping.mark_action("Invalid", "pending") == "cancel"
    assert mapping.mark_action("Invalid", "unresolved") == "refund"


@pytest.mark.parametrize(
    ("asset", "network", "spelt"),
    [
        ("BTC", "bitcoin", "BTC-CHAIN"),
        ("LTC", "litecoin", "LTC-CHAIN"),
        ("USDT", "tron", "USDT-TRON"),
        ("USDT", "ethereum", "USDT-ETHEREUM"),
        ("ETH", "ethereum", "ETH-ETHEREUM"),
        ("USDT", "sandbox", "USDT-SANDBOX"),
    ],
)
def test_payment_method_ids_in_btcpay_spelling(asset, network, spelt):
    assert mapping.payment_method_id(asset, network) == spelt
    offered = [("BTC", "bitcoin"), ("USDT", "tron"), ("USDT", "ethereum"), (asset, network)]
    assert mapping.parse_payment_method_id(spelt.lower(), offered) == (asset, network)


def test_bare_currency_is_btcpay_on_chain_and_unknown_ids_are_refused():
    offered = [("BTC", "bitcoin"), ("USDT", "tron")]
    assert mapping.parse_payment_method_id("BTC", offered) == ("BTC", "bitcoin")
    with pytest.raises(KeyError):
        mapping.parse_payment_method_id("BTC-LN", offered)
    with pytest.raises(KeyError):
        mapping.parse_payment_method_id("USDT", offered)  # a token names its chain


def test_scopes_grant_what_the_woocommerce_plugin_requires():
    required = {
        "btcpay.store.canviewinvoices",
        "btcpay.store.cancreateinvoice",
        "btcpay.store.canviewstoresettings",
        "btcpay.store.canmodifyinvoices",
    }
    for scope in (SCOPE_INVOICES, SCOPE_ADMIN):
        granted = mapping.permissions_of(scope, "m1")
        assert {f"{p}:m1" for p in required} <= set(granted)
    assert "btcpay.store.canmodifystoresettings:m1" not in mapping.permissions_of(
        SCOPE_INVOICES, "m1"
    )


def test_the_signature_is_btcpays_hmac_of_the_raw_body():
    body = b'{"type":"InvoiceSettled"}'
    expected = hmac.new(b"s3cret", body, "sha256").hexdigest()
    assert signature("s3cret", body) == f"sha256={expected}"
    assert signature("other", body) != signature("s3cret", body)


# --- refunds ------------------------------------------------------------------------------

REFUND = {
    "price_amount": "100.00",
    "price_currency": "USD",
    "paid_asset": "BTC",
    "excess": "0.00012345",
}


@pytest.mark.parametrize(
    "variant, extra, expected",
    [
        ("RateThen", {}, {"price_amount": "100.00"}),
        ("Fiat", {"subtract_percentage": Decimal("33.33")}, {"price_amount": "66.67"}),
        ("OverpaidAmount", {}, {"amount": "0.00012345"}),
        ("OverpaidAmount", {"subtract_percentage": Decimal(50)}, {"amount": "0.00006172"}),
        ("Custom", {"custom_amount": "5", "custom_currency": "usd"}, {"price_amount": "5"}),
        ("Custom", {"custom_amount": "0.001"}, {"price_amount": "0.001"}),
        ("Custom", {"custom_amount": "0.001", "custom_currency": "BTC"}, {"amount": "0.001"}),
    ],
)
def test_refund_variants_map_onto_create_refund(variant, extra, expected):
    assert mapping.refund_arguments(variant, **REFUND, **extra) == expected


@pytest.mark.parametrize(
    "variant, extra, field",
    [
        ("CurrentRate", {}, "refundVariant"),
        ("Custom", {}, "customAmount"),
        ("Custom", {"custom_amount": "0"}, "customAmount"),
        ("Custom", {"custom_amount": "1", "custom_currency": "EUR"}, "customCurrency"),
    ],
)
def test_refunds_that_do_not_map_name_the_field(variant, extra, field):
    with pytest.raises(ValueError, match=field):
        mapping.refund_arguments(variant, **REFUND, **extra)
