"""Issue 25: an absolute underpayment tolerance in the price currency (per merchant, per
invoice) and the QR choice for token payments, through the API, the dashboard and the
checkout, on the sandbox (USDT at 1 USD)."""

from __future__ import annotations

import pytest
from django.test import Client

from chains import registry
from chains.uri import payment_uri
from merchants.models import Merchant
from tests.test_flows import get, pay
from tests.test_links import member_client

URL = "/api/v1/invoices"
USD_25 = {"price_amount": "25.00", "price_currency": "USD"}


def usdt(create_invoice, client=None, **body):
    return create_invoice(client, pay_currency="USDT", network="sandbox", **{**USD_25, **body})


def test_24_10_of_25_00_usd_with_a_one_dollar_tolerance_completes_and_shows_the_shortfall(
    api, create_invoice
):
    invoice = usdt(create_invoice, underpayment_tolerance="1.00")
    assert invoice["underpayment_tolerance"] == "1.00"
    done = pay(api, invoice, amount="24.10")
    assert (done["status"], done["status_context"]) == ("completed", None)
    assert (done["shortfall_amount"], done["remaining_amount"]) == ("0.900000", "0.900000")
    page = Client().get(f"/pay/{invoice['id']}").content.decode()
    assert 'id="shortfall"' in page and "0.90 USDT" in page


def test_23_90_of_25_00_usd_is_short_beyond_the_tolerance(api, create_invoice):
    invoice = usdt(create_invoice, underpayment_tolerance="1.00")
    short = pay(api, invoice, amount="23.90")
    assert (short["status"], short["status_context"]) == ("pending", "underpaid")
    assert (short["shortfall_amount"], short["remaining_amount"]) == ("0.000000", "1.100000")


def test_the_merchant_tolerance_is_copied_per_currency_and_an_invoice_overrides_it(
    api, create_invoice
):
    changed = api.patch(
        "/api/v1/merchant", {"underpayment_tolerance": {"usd": "1", "JPY": "0"}}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["underpayment_tolerance"] == {"USD": "1.00"}  # a zero drops it
    assert Merchant.objects.get().underpayment_tolerance == {"USD": 100}  # base units

    merchants = usdt(create_invoice)
    assert merchants["underpayment_tolerance"] == "1.00"
    assert pay(api, merchants, amount="24.10")["status"] == "completed"

    none = usdt(create_invoice, underpayment_tolerance="0")
    assert none["underpayment_tolerance"] == "0.00"
    assert pay(api, none, amount="24.10")["status_context"] == "underpaid"

    euros = create_invoice(pay_currency="USDT", network="sandbox", price_currency="EUR")
    assert euros["underpayment_tolerance"] == "0.00"  # no EUR tolerance: none


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("-1.00", "invalid_amount"),
        ("1.001", "too_precise"),
        (1, "invalid_amount"),
        (1.0, "float"),
        ("1e2", "invalid_amount"),
        ("", "invalid_amount"),
    ],
)
def test_a_bad_invoice_tolerance_is_refused_in_the_error_shape(api, value, code):
    response = api.post(URL, {**USD_25, "underpayment_tolerance": value}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, "underpayment_tolerance"), error
    assert error["message"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"USD": "-1"}, "invalid_amount"),
        ({"USD": "0.001"}, "too_precise"),
        ({"USD": 1}, "invalid_amount"),
        ({"XYZ": "1"}, "unknown_currency"),
        (["USD", "1"], "invalid"),
    ],
)
def test_a_bad_merchant_tolerance_is_refused_in_the_error_shape(api, value, code):
    response = api.patch("/api/v1/merchant", {"underpayment_tolerance": value}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, "underpayment_tolerance"), error
    assert Merchant.objects.get().underpayment_tolerance == {}


def test_token_qr_address_leaves_the_uri_out_for_tokens_per_merchant_and_invoice(
    api, create_invoice
):
    assert usdt(create_invoice)["payment_uri"].startswith("sandbox:")  # the default: a URI
    assert api.patch("/api/v1/merchant", {"token_qr": "address"}, format="json").status_code == 200
    plain = usdt(create_invoice)
    assert (plain["token_qr"], plain["payment_uri"]) == ("address", None)
    page = Client().get(f"/pay/{plain['id']}").content.decode()
    assert 'id="qr-amount"' in page and "Open in wallet app" not in page
    assert usdt(create_invoice, token_qr="uri")["payment_uri"].startswith("sandbox:")
    refused = api.post(URL, {**USD_25, "token_qr": "memo"}, format="json").json()["error"]
    assert (refused["code"], refused["param"]) == ("invalid_choice", "token_qr")


def test_the_checkout_says_not_to_deduct_a_fee(api, create_invoice):
    invoice = usdt(create_invoice)
    page = Client().get(f"/pay/{invoice['id']}").content.decode()
    assert "must not be deducted" in page


def test_the_dashboard_payment_settings_set_the_tolerance_and_the_token_qr(api):
    dashboard = member_client(api.merchant)
    page = dashboard.get("/dashboard/settings/payments/").content.decode()
    assert 'name="underpayment_tolerance"' in page and 'name="token_qr"' in page
    form = {
        "invoice_ttl_minutes": 15,
        "payment_window_minutes": 15,
        "late_window_minutes": 60,
        "processing_timeout_minutes": 60,
        "slippage_percent": "0.5",
        "insurance_percent": "0",
        "underpayment_tolerance": "1.00 USD\n\n0.5 eur\n",
        "token_qr": "address",
        **{f"rule_{c}": r for c, r in api.merchant.unresolved_rules.items()},
    }
    response = dashboard.post("/dashboard/settings/payments/", form)
    assert response.status_code == 302, response.content.decode()[:800]
    api.merchant.refresh_from_db()
    assert api.merchant.underpayment_tolerance == {"USD": 100, "EUR": 50}
    assert api.merchant.token_qr == "address"
    shown = dashboard.get("/dashboard/settings/payments/").content.decode()
    assert "0.50 EUR\n1.00 USD" in shown
    for bad in ("1.00", "1.001 USD", "-1 USD", "1.00 XYZ"):
        refused = dashboard.post(
            "/dashboard/settings/payments/", {**form, "underpayment_tolerance": bad}
        )
        assert refused.status_code == 422, bad
        assert b"Nothing was saved" in refused.content
    api.merchant.refresh_from_db()
    assert api.merchant.underpayment_tolerance == {"USD": 100, "EUR": 50}


def test_the_dashboard_invoice_shows_the_tolerance_and_the_shortfall(api, create_invoice):
    invoice = usdt(create_invoice, underpayment_tolerance="1.00")
    pay(api, invoice, amount="24.10")
    page = member_client(api.merchant).get(f"/dashboard/invoices/{invoice['id']}/")
    text = page.content.decode()
    assert 'id="shortfall"' in text and "0.90" in text
    assert 'id="underpayment-tolerance"' in text and "1.00 USD" in text
    assert get(api, invoice)["status"] == "completed"


def test_the_plain_address_choice_leaves_out_token_uris_only():
    """EIP-681 for a token names the contract first, which some wallets take for the
    recipient; a native coin's URI names the address itself and stays."""
    ethereum = registry.network("ethereum")
    usdt, eth = ethereum.asset("USDT"), ethereum.asset("ETH")
    address = "0x" + "ab" * 20
    assert payment_uri(ethereum, usdt, address, 25_000_000).startswith(f"ethereum:{usdt.contract}")
    assert payment_uri(ethereum, usdt, address, 25_000_000, token_uri=False) == ""
    assert payment_uri(ethereum, eth, address, 10**16, token_uri=False) == (
        f"ethereum:{address}@1?value={10**16}"
    )
