"""What a security audit found (issue 26), each as a regression test: an over-long login name,
bodies Django refuses before the API sees them, a live key on the sandbox, and places where
the schema and the server disagreed."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

from chains.models import SandboxBlock
from merchants.services import create_api_key

LONG_NAME = "a" * 300 + "@shop.example"


# --- logins: a name longer than django-axes' varchar(255) ---------------------------------


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/dashboard/login/", {}),
        ("/admin/login/", {"otp_token": "123456"}),
    ],
)
def test_a_login_name_over_255_characters_is_a_form_error(db, url, fields):
    """It was a 500 on PostgreSQL (django-axes stored it in a varchar(255)); run this file
    with DATABASE_URL=postgres://… too."""
    response = Client().post(url, {"username": LONG_NAME, "password": "wrong", **fields})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_a_long_but_valid_login_name_still_counts_as_a_failure(db):
    Client().post("/dashboard/login/", {"username": "b" * 140 + "@x.io", "password": "wrong"})
    assert AccessAttempt.objects.count() == 1


# --- bodies Django refuses before the API's parsers ---------------------------------------


def test_a_body_over_the_upload_limit_is_a_413_in_the_error_shape(api):
    body = b'{"description": "' + b"x" * 3_000_000 + b'"}'
    response = api.post("/api/v1/invoices", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "request_too_large"
    assert response.json()["error"]["type"] == "invalid_request"


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_a_multipart_body_without_a_boundary_is_a_400_in_the_error_shape(api, content_type):
    response = api.post("/api/v1/invoices", data=b"price_amount=1", content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request",
        "code": "malformed_request",
        "message": "the request body could not be read; send JSON (Content-Type: application/json)",
        "param": None,
    }


def test_pages_keep_their_html_400(db):
    response = Client().post(
        "/dashboard/login/", data=b"x", content_type="multipart/form-data; boundary="
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# --- the sandbox is for test keys --------------------------------------------------------


@pytest.fixture
def live_key(api):
    client = APIClient()
    key = create_api_key(merchant=api.merchant, name="live", mode="live", scope="admin")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.mark.parametrize(
    "path",
    ["/api/v1/sandbox/mine", "/api/v1/sandbox/invoices/00000000-0000-0000-0000-000000000000/pay"],
)
def test_a_live_key_may_not_use_the_sandbox(live_key, path):
    response = live_key.post(path, {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "permission_error"
    assert response.json()["error"]["code"] == "test_key_required"
    assert not SandboxBlock.objects.exists()  # not even the genesis block was made


def test_a_test_key_still_mines(api):
    response = api.post("/api/v1/sandbox/mine", {"blocks": 2}, format="json")
    assert response.status_code == 200, response.json()


# --- the schema and the server agree ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/invoices?status=", "status"),
        ("/api/v1/invoices?archived=", "archived"),
        ("/api/v1/events?invoice=", "invoice"),
        ("/api/v1/events?type=", "type"),
    ],
)
def test_an_empty_filter_is_refused_not_ignored(api, path, param):
    response = api.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


@pytest.mark.parametrize("value", ["", " ", "k" * 256])
def test_an_idempotency_key_outside_the_schemas_bounds_is_refused(api, value):
    response = api.post("/api/v1/sandbox/mine", {}, format="json", HTTP_IDEMPOTENCY_KEY=value)
    assert response.status_code == 400


def test_the_schema_bounds_the_idempotency_key_and_refuses_null_settings(api):
    schema = Client().get("/api/schema/?format=json").json()
    header = next(
        p
        for p in schema["paths"]["/api/v1/invoices"]["post"]["parameters"]
        if p["name"] == "Idempotency-Key"
    )
    assert header["schema"] | {"pattern": "x"} == {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "x",
    }
    patched = schema["components"]["schemas"]["PatchedMerchantRequest"]["properties"]
    for name in ("allowed_return_hosts", "embed_hosts", "enabled_methods", "deny_list"):
        assert patched[name]["type"] == "array", patched[name]  # so not null
    assert patched["confirmations"]["type"] == "object"
    response = api.patch("/api/v1/merchant", {"allowed_return_hosts": None}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "allowed_return_hosts"


# --- one wallet, one store ----------------------------------------------------------------

BIP84_ZPUB = (
    "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868"
    "RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"
)
SANDBOX_INVOICE = {
    "price_amount": "10.00",
    "price_currency": "USD",
    "pay_currency": "USDT",
    "network": "sandbox",
}


def _as_xpub(zpub: str) -> str:
    """The same account key under the plain xpub prefix."""
    from bip_utils import Base58Decoder, Base58Encoder

    return Base58Encoder.CheckEncode(
        bytes.fromhex("0488b21e") + Base58Decoder.CheckDecode(zpub)[4:]
    )


@pytest.fixture
def two_stores(make_merchant):
    return make_merchant("First"), make_merchant("Second")


def test_a_wallet_another_store_uses_is_refused_over_the_api(two_stores):
    first, second = two_stores
    assert (
        first.put("/api/v1/wallets/bitcoin", {"xpub": BIP84_ZPUB}, format="json").status_code == 200
    )
    for pasted in (BIP84_ZPUB, _as_xpub(BIP84_ZPUB)):  # the same key under another prefix too
        response = second.put("/api/v1/wallets/bitcoin", {"xpub": pasted}, format="json")
        assert response.status_code == 409, response.json()
        assert response.json()["error"]["code"] == "xpub_in_use"
        assert response.json()["error"]["param"] == "xpub"
    assert not second.merchant.wallets.filter(family="bitcoin").exists()
    # The store that has it may set it again.
    assert (
        first.put("/api/v1/wallets/bitcoin", {"xpub": BIP84_ZPUB}, format="json").status_code == 200
    )


def test_a_wallet_another_store_uses_is_refused_in_the_dashboard(two_stores):
    from tests.test_links import member_client

    first, second = two_stores
    sandbox_xpub = first.merchant.wallets.get(family="sandbox").xpub
    owner = member_client(second.merchant)
    for step in ("preview", "save"):
        response = owner.post(
            "/dashboard/settings/wallets/sandbox/", {"xpub": sandbox_xpub, "step": step}
        )
        assert response.status_code == 422
        assert "Another store on this gateway already uses this wallet" in response.content.decode()
    assert second.merchant.wallets.get(family="sandbox").xpub != sandbox_xpub


def test_two_stores_given_one_wallet_before_the_check_get_a_clean_error(two_stores, client):
    """Wallets shared before the check existed: the second store's invoice would be handed
    an address the first store's invoice has, and the database refused it with a 500."""
    from invoices.models import Invoice
    from merchants.models import Wallet

    first, second = two_stores
    shared = first.merchant.wallets.get(family="sandbox").xpub
    Wallet.objects.filter(merchant=second.merchant, family="sandbox").update(xpub=shared)
    assert first.post("/api/v1/invoices", SANDBOX_INVOICE, format="json").status_code == 201
    response = second.post("/api/v1/invoices", SANDBOX_INVOICE, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["error"]["code"] == "address_in_use"
    assert not Invoice.objects.filter(merchant=second.merchant).exists()
    # A payer choosing the method on a timed invoice is told the same, not shown a 500.
    timed = second.post(
        "/api/v1/invoices", {"price_amount": "10.00", "price_currency": "USD"}, format="json"
    ).json()
    Wallet.objects.filter(merchant=second.merchant, family="sandbox").update(next_index=0)
    page = client.post(f"/pay/{timed['id']}", {"method": "USDT:sandbox"})
    assert page.status_code in (409, 422), page.status_code
    assert not Invoice.objects.get(pk=timed["id"]).quotes.filter(address__isnull=False).exists()


def test_a_refused_address_writes_nothing_whoever_asks(two_stores):
    """One rule for the refusal on every path and database: the index is given back, so the
    store is refused the same way until it sets a wallet of its own (as the refusal asks),
    never handed the other store's addresses one refusal at a time."""
    from invoices.models import Invoice
    from merchants.models import Wallet
    from tests.test_links import member_client

    first, second = two_stores
    shared = first.merchant.wallets.get(family="sandbox").xpub
    Wallet.objects.filter(merchant=second.merchant, family="sandbox").update(xpub=shared)
    for _ in range(2):
        assert first.post("/api/v1/invoices", SANDBOX_INVOICE, format="json").status_code == 201
    owner = member_client(second.merchant)
    attempts = [
        # In the API's transaction, which commits to keep the answer for the Idempotency-Key.
        lambda: second.post("/api/v1/invoices", SANDBOX_INVOICE, format="json"),
        lambda: second.post(
            "/api/v1/invoices", SANDBOX_INVOICE, format="json", HTTP_IDEMPOTENCY_KEY="k"
        ),
        # In a savepoint (a foreign_id), and in a transaction of their own (the dashboard).
        lambda: second.post(
            "/api/v1/invoices", {**SANDBOX_INVOICE, "foreign_id": "o-1"}, format="json"
        ),
        lambda: owner.post(
            "/dashboard/invoices/new/",
            {
                "price_amount": "10.00",
                "price_currency": "USD",
                "kind": "fixed",
                "pay_method": "USDT:sandbox",
            },
        ),
    ]
    for attempt in attempts * 2:
        response = attempt()
        assert response.status_code in (409, 422), response.status_code
        assert Wallet.objects.get(merchant=second.merchant, family="sandbox").next_index == 0
    assert (
        "address_in_use"
        in second.post("/api/v1/invoices", SANDBOX_INVOICE, format="json").json()["error"]["code"]
    )
    assert not Invoice.objects.filter(merchant=second.merchant).exists()
