"""Amounts are `^[0-9]+(\\.[0-9]+)?$` within the currency's decimals and below 10**15 of its
whole units, wherever one comes in (the API's invoice price and sandbox payment, the
dashboard's invoice and payment-link forms, a payer's amount on a link), all read by
`money.to_units`; the schema says so. Decimal() and int() read other digit scripts,
"_", signs and spaces as numbers, and a price of forty nines was accepted and paid."""

from __future__ import annotations

import pytest
from django.test import Client

from core.errors import GatewayError
from invoices import money
from invoices.models import Invoice
from links.models import PaymentLink
from tests.test_links import member_client

LENIENT = [
    "١٢",  # Arabic-Indic digits
    "２５",  # full-width digits
    "1_000",
    "+25",
    ".5",
    "25.",
    " 25 ",
    "25\n",
    "9" * 40,
    "1e3",
    "-5",
    "0x19",
    "",
]


@pytest.mark.parametrize("text", LENIENT)
def test_the_parser_refuses_what_is_not_a_plain_amount(text):
    with pytest.raises(GatewayError):
        money.to_units(text, 2)


@pytest.mark.parametrize(
    ("text", "decimals", "units"),
    [
        ("999999999999999.99", 2, 10**17 - 1),
        ("999999999999999", 0, 10**15 - 1),
        ("000000000000000025.50", 2, 2550),  # zeros do not count as digits…
        ("25.5000", 2, 2550),
    ],
)
def test_the_largest_amounts_are_taken(text, decimals, units):
    assert money.to_units(text, decimals) == units


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1000000000000000", "amount_too_large"),
        ("1" + "0" * 70, "amount_too_large"),
        ("0" * 40 + "1", "invalid_amount"),  # …but the string stays within its maxLength
    ],
)
def test_above_the_maximum_is_refused(text, code):
    with pytest.raises(GatewayError) as error:
        money.to_units(text, 2)
    assert error.value.code == code


@pytest.mark.parametrize("amount", [*LENIENT, 25, True, None, ["25"]])
def test_the_api_refuses_a_lenient_price_naming_the_field(api, amount):
    response = api.post(
        "/api/v1/invoices", {"price_amount": amount, "price_currency": "USD"}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["param"] == "price_amount"
    assert not Invoice.objects.exists()


def test_the_api_takes_the_largest_price(api):
    response = api.post(
        "/api/v1/invoices",
        {"price_amount": "999999999999999.99", "price_currency": "USD"},
        format="json",
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("amount", ["+1", "1_0", " 1", 1])
def test_a_sandbox_payment_amount_is_strict_too(api, amount):
    invoice = api.post(
        "/api/v1/invoices",
        {
            "price_amount": "10",
            "price_currency": "USD",
            "pay_currency": "USDT",
            "network": "sandbox",
        },
        format="json",
    ).json()
    response = api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"amount": amount}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["param"] == "amount"


def test_the_schema_gives_the_pattern_and_the_length(db):
    schema = Client().get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    for component, field in (
        ("InvoiceCreateRequest", "price_amount"),
        ("SandboxPayRequest", "amount"),
    ):
        prop = components[component]["properties"][field]
        assert prop["type"] == "string"
        assert prop["pattern"] == "^[0-9]+(\\.[0-9]+)?$"
        assert prop["maxLength"] == money.AMOUNT_MAX_LENGTH == 34


@pytest.mark.parametrize("amount", LENIENT[:-1])
def test_the_dashboards_invoice_form_refuses_a_lenient_price(api, amount):
    response = member_client(api.merchant).post(
        "/dashboard/invoices/new/",
        {"price_amount": amount, "price_currency": "USD", "kind": "timed"},
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Invoice.objects.exists()


def test_the_dashboard_still_takes_a_decimal_comma(api):
    response = member_client(api.merchant).post(
        "/dashboard/invoices/new/",
        {"price_amount": "12,50", "price_currency": "EUR", "kind": "timed"},
    )
    assert response.status_code == 302
    assert Invoice.objects.get().price_amount == 1250


@pytest.mark.parametrize("field", ["price_amount", "amount_min", "amount_max"])
@pytest.mark.parametrize("amount", ["٥", "+5", " 5", "1_0", "9" * 20])
def test_the_payment_link_form_refuses_a_lenient_amount(api, field, amount):
    pricing = "fixed" if field == "price_amount" else "choose"
    response = member_client(api.merchant).post(
        "/dashboard/links/new/",
        {"name": "Range", "price_currency": "USD", "pricing": pricing, field: amount},
    )
    assert response.status_code == 422
    assert not PaymentLink.objects.exists()


@pytest.mark.parametrize("amount", ["١٢", "+12", " 12 ", "1_2", "9" * 40])
def test_a_payer_cannot_name_a_lenient_amount_on_a_link(api, amount):
    link = PaymentLink.objects.create(
        merchant=api.merchant, livemode=False, name="Tip", price_currency="USD"
    )
    response = Client().post(f"/l/{link.slug}", {"amount": amount})
    assert response.status_code == 422
    assert not Invoice.objects.exists()


def test_every_asset_fits_the_amount_length():
    from chains import registry

    assets = [asset for network in registry.all_networks().values() for asset in network.assets]
    assert max(asset.decimals for asset in assets) <= money.MAX_DECIMALS
    assert max(money.FIAT_DECIMALS.values()) <= money.MAX_DECIMALS
