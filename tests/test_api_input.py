"""Bad input gets a clear 4xx in the one error shape, and writes nothing."""

import pytest
from rest_framework.test import APIClient

from chains.hd import new_sandbox_xpub
from invoices.models import Invoice

URL = "/api/v1/invoices"


def assert_error(response, status, code, param=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"type", "code", "message", "param"}
    assert error["code"] == code, error
    assert error["message"]
    if param is not None:
        assert error["param"] == param, error
    return error


@pytest.mark.parametrize(
    "body,code,param",
    [
        ({"price_amount": "0"}, "invalid_amount", "price_amount"),
        ({"price_amount": "-5.00"}, "invalid_amount", "price_amount"),
        ({"price_amount": "1" + "0" * 70}, "amount_too_large", "price_amount"),
        ({"price_amount": "1.001"}, "too_precise", "price_amount"),
        ({"price_amount": 10.5}, "float", "price_amount"),
        ({"price_amount": "ten"}, "invalid_amount", "price_amount"),
        ({"price_currency": "XYZ"}, "unknown_currency", "price_currency"),
        ({"pay_currency": "DOGE"}, "unknown_currency", "pay_currency"),
        ({"pay_currency": "USDT", "network": "mars"}, "unknown_network", "network"),
        ({"kind": "weekly"}, "invalid_choice", "kind"),
        ({"kind": "fixed"}, "pay_currency_required", "pay_currency"),
        ({"kind": "timed", "pay_currency": "USDT"}, "invalid_kind", "kind"),
        ({"return_url": "ftp://shop.example/back"}, "invalid_url", "return_url"),
        ({"return_url": "javascript:alert(1)"}, "invalid_url", "return_url"),
        ({"callback_url": "http://2130706433/hook"}, "invalid_callback_url", "callback_url"),
        ({"insurance_percent": "101"}, "range", "insurance_percent"),
        ({"slippage_percent": "-1"}, "range", "slippage_percent"),
        ({"include_fee": "yes"}, "invalid", "include_fee"),
        ({"foreign_id": "x" * 256}, "max_length", "foreign_id"),
        ({"colour": "red"}, "unknown_field", "colour"),
    ],
)
def test_invalid_fields_are_refused(api, body, code, param):
    response = api.post(
        URL, {"price_amount": "10.00", "price_currency": "USD", **body}, format="json"
    )
    error = assert_error(response, 400, code, param)
    assert error["type"] == "invalid_request"
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    "body,code",
    [
        ({"pay_currency": "BTC", "network": "bitcoin"}, "currency_not_offered"),  # network off
        ({"pay_currency": "LTC"}, "currency_not_offered"),  # no litecoin wallet / network
        ({"return_url": "https://evil.example/back"}, "return_url_not_allowed"),
    ],
)
def test_business_refusals_are_422(api, body, code):
    response = api.post(
        URL, {"price_amount": "10.00", "price_currency": "USD", **body}, format="json"
    )
    assert_error(response, 422, code)
    assert not Invoice.objects.exists()


def test_a_merchant_without_the_method_in_its_enabled_list_is_refused(make_merchant):
    client = make_merchant(enabled_methods=["ETH:sandbox"])
    response = client.post(
        URL,
        {
            "price_amount": "10",
            "price_currency": "USD",
            "pay_currency": "USDT",
            "network": "sandbox",
        },
        format="json",
    )
    assert_error(response, 422, "currency_not_offered", "pay_currency")


def test_malformed_json(api):
    response = api.generic("POST", URL, '{"price_amount": ', content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_wrong_content_type(api):
    response = api.generic("POST", URL, "price_amount=1", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_body_must_be_an_object(api):
    assert_error(api.post(URL, [1, 2], format="json"), 400, "invalid_request")


@pytest.mark.parametrize(
    "header,code",
    [
        (None, "missing_api_key"),
        ("Bearer", "invalid_api_key"),
        ("Token abc.def", "invalid_api_key"),
        ("Bearer abc.def", "invalid_api_key"),
    ],
)
def test_missing_or_malformed_key_is_401(db, header, code):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(URL)
    assert_error(response, 401, code)
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_key_is_401(api):
    api.merchant.api_keys.update(revoked=True)
    assert_error(api.get(URL), 401, "invalid_api_key")


def test_a_tampered_key_with_a_real_prefix_is_401(api):
    prefix = api.key.split(".")[0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {prefix}.{'x' * 32}")
    assert_error(client.get(URL), 401, "invalid_api_key")


def test_unknown_route_and_bad_ids_are_404_in_the_error_shape(api):
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(api.get("/api/v1/invoices/not-a-uuid"), 404, "not_found")


def test_method_not_allowed_is_405(api):
    assert_error(api.delete(URL), 405, "method_not_allowed")


def test_throttling_is_per_key_and_in_the_error_shape(api, make_merchant, settings):
    settings.API_THROTTLE_RATE = "3/day"  # a fixed window: none ends mid-test
    for _ in range(3):
        assert api.get(URL).status_code == 200
    response = api.get(URL)
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0
    other = make_merchant("Other")
    assert other.get(URL).status_code == 200  # another key has its own budget


def test_another_merchants_invoice_is_404_everywhere(make_merchant, create_invoice):
    owner, stranger = make_merchant("Owner"), make_merchant("Stranger")
    invoice = create_invoice(owner, foreign_id="order-7", pay_currency="USDT", network="sandbox")
    base = f"/api/v1/invoices/{invoice['id']}"
    assert_error(stranger.get(base), 404, "not_found")
    assert_error(stranger.get("/api/v1/invoices/by-foreign-id/order-7"), 404, "not_found")
    for action in ("cancel", "archive", "resolve", "review"):
        assert_error(
            stranger.post(f"{base}/{action}", {"action": "complete"}, format="json"),
            404,
            "not_found",
        )
    assert_error(
        stranger.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {}, format="json"),
        404,
        "not_found",
    )
    assert stranger.get("/api/v1/invoices").json()["data"] == []
    assert owner.get(base).status_code == 200


def test_reused_foreign_id_is_409(api, create_invoice):
    create_invoice(foreign_id="order-1")
    response = api.post(
        URL, {"price_amount": "1", "price_currency": "USD", "foreign_id": "order-1"}, format="json"
    )
    assert_error(response, 409, "foreign_id_taken", "foreign_id")
    assert Invoice.objects.count() == 1


def test_foreign_ids_are_unique_per_merchant_only(make_merchant, create_invoice):
    create_invoice(make_merchant("A"), foreign_id="same")
    create_invoice(make_merchant("B"), foreign_id="same")
    assert Invoice.objects.count() == 2


def test_cancelling_a_completed_invoice_is_409(api, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json")
    error = assert_error(api.post(f"/api/v1/invoices/{invoice['id']}/cancel"), 409, "invalid_state")
    assert "completed" in error["message"]


def test_resolving_an_invoice_that_is_not_unresolved_is_409(api, create_invoice):
    invoice = create_invoice()
    response = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "complete"}, format="json"
    )
    assert_error(response, 409, "invalid_state")
    response = api.post(
        f"/api/v1/invoices/{invoice['id']}/review", {"action": "approve"}, format="json"
    )
    assert_error(response, 409, "invalid_state")


def test_unknown_resolve_action_is_400(api, create_invoice):
    invoice = create_invoice()
    response = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "shrug"}, format="json"
    )
    assert_error(response, 400, "invalid_choice", "action")


@pytest.mark.parametrize(
    "family,xpub,fragment",
    [
        ("bitcoin", "not-a-key", ""),
        ("bitcoin", new_sandbox_xpub(), "testnet"),
        (
            "evm",
            "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868R"
            "vUUkgDKf31mGDtKsAYz2oz2AGutZYs",
            "",
        ),
        ("dogecoin", "xpub", "unknown wallet family"),
    ],
)
def test_invalid_or_wrong_family_xpub_is_refused(api, family, xpub, fragment):
    error = assert_error(
        api.put(f"/api/v1/wallets/{family}", {"xpub": xpub}, format="json"),
        400,
        "invalid_xpub",
        "xpub",
    )
    assert fragment.lower() in error["message"].lower()
