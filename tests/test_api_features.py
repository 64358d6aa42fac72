"""The API contract of API.md: idempotency, listing, settings, wallets, operator commands."""

import base64
import json
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from chains import hd
from invoices.models import Invoice
from merchants.models import Merchant, MerchantAPIKey
from tests.support import default_endpoint, set_callback_url

URL = "/api/v1/invoices"
BODY = {"price_amount": "12.34", "price_currency": "EUR"}
BIP84_ZPUB = (
    "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868"
    "RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"
)


def test_create_response_has_the_contract_fields(api):
    response = api.post(
        URL,
        {
            **BODY,
            "foreign_id": "order-1",
            "metadata": {"cart": [1, 2]},
            "return_url": "https://shop.example/thanks",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    for field in (
        "id",
        "foreign_id",
        "kind",
        "status",
        "status_context",
        "archived",
        "price_amount",
        "price_currency",
        "pay_currency",
        "network",
        "address",
        "pay_amount",
        "paid_amount",
        "rate",
        "payment_uri",
        "payment_url",
        "created_at",
        "expires_at",
        "transactions",
        "metadata",
    ):
        assert field in body
    assert (body["kind"], body["status"], body["price_amount"]) == ("timed", "new", "12.34")
    assert body["payment_url"].endswith(f"/pay/{body['id']}")
    assert body["metadata"] == {"cart": [1, 2]}
    assert body["pay_currency"] is None and body["address"] is None


def test_fixed_invoice_has_its_address_and_uri_in_the_create_response(api):
    body = api.post(
        URL, {**BODY, "pay_currency": "USDT", "network": "sandbox"}, format="json"
    ).json()
    assert body["kind"] == "fixed"
    assert body["address"].startswith("sbx1q")
    assert body["payment_uri"] == (
        f"sandbox:{body['address']}?amount={body['pay_amount']}&token=sandbox%3AUSDT"
    )


def test_idempotency_key_replays_the_first_response(api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "key-1"}
    first = api.post(URL, BODY, format="json", **headers)
    again = api.post(URL, BODY, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1


def test_idempotency_key_with_another_body_is_409(api):
    api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    response = api.post(
        URL, {**BODY, "price_amount": "99"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_idempotency_keys_are_per_merchant(make_merchant):
    a, b = make_merchant("A"), make_merchant("B")
    assert a.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert b.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert Invoice.objects.count() == 2


def test_list_is_newest_first_with_a_cursor(api):
    ids = [api.post(URL, BODY, format="json").json()["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = api.get(URL, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [invoice["id"] for invoice in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert seen == ids[::-1]


def test_list_filters(api):
    api.post(URL, {**BODY, "foreign_id": "a"}, format="json")
    b = api.post(URL, {**BODY, "foreign_id": "b"}, format="json").json()
    api.post(f"{URL}/{b['id']}/cancel")
    api.post(f"{URL}/{b['id']}/archive")
    assert [i["foreign_id"] for i in api.get(URL, {"status": "cancelled"}).json()["data"]] == ["b"]
    assert [i["foreign_id"] for i in api.get(URL, {"foreign_id": "a"}).json()["data"]] == ["a"]
    assert [i["foreign_id"] for i in api.get(URL, {"archived": "true"}).json()["data"]] == ["b"]
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert api.get(URL, {"created_after": future}).json()["data"] == []
    assert len(api.get(URL, {"created_before": future}).json()["data"]) == 2
    for bad in (
        {"status": "weird"},
        {"archived": "maybe"},
        {"created_after": "yesterday"},
        {"cursor": "!!!"},
        {"limit": "many"},
        {"cursor": base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|x").decode()},
    ):
        assert api.get(URL, bad).status_code == 400


def test_unknown_query_parameters_are_a_400_naming_them(api):
    api.post(URL, {**BODY, "foreign_id": "a"}, format="json")
    for path, query, name in (
        (URL, {"q": "zzz"}, "q"),
        (URL, {"status": "new", "expand": "transactions"}, "expand"),
        ("/api/v1/events", {"invoices": "x"}, "invoices"),
        ("/api/v1/currencies", {"limit": "1"}, "limit"),
    ):
        response = api.get(path, query)
        assert response.status_code == 400, (path, query)
        error = response.json()["error"]
        assert (error["code"], error["param"]) == ("unknown_parameter", name)
        assert error["message"].startswith(f"{name} is not a query parameter of this endpoint")
    assert (
        "cursor, foreign_id, limit, search" in api.get(URL, {"q": "z"}).json()["error"]["message"]
    )
    created = api.post(f"{URL}?expand=x", BODY, format="json")
    assert created.status_code == 400 and Invoice.objects.count() == 1  # nothing written


def test_search_finds_invoices_as_the_dashboards_search_does(api):
    a = api.post(URL, {**BODY, "foreign_id": "order-7"}, format="json").json()
    b = api.post(URL, {**BODY, "pay_currency": "USDT", "network": "sandbox"}, format="json").json()
    api.post(URL, BODY, format="json")

    def found(text):
        return [i["id"] for i in api.get(URL, {"search": text}).json()["data"]]

    assert found("order-7") == [a["id"]]
    assert found(a["id"]) == [a["id"]]
    assert found(b["address"].upper()) == [b["id"]]  # bech32 in either case, as the dashboard
    assert found("zzz") == []


def test_get_and_cancel_by_foreign_id(api):
    created = api.post(URL, {**BODY, "foreign_id": "order-42"}, format="json").json()
    assert api.get(f"{URL}/by-foreign-id/order-42").json()["id"] == created["id"]
    assert api.post(f"{URL}/by-foreign-id/order-42/cancel").json()["status"] == "cancelled"
    assert api.post(f"{URL}/by-foreign-id/order-42/cancel").status_code == 409


def test_currencies_lists_the_offered_methods(api):
    data = api.get("/api/v1/currencies").json()["data"]
    assert {(c["currency"], c["network"], c["decimals"]) for c in data} == {
        ("BTC", "sandbox", 8),
        ("ETH", "sandbox", 18),
        ("USDT", "sandbox", 6),
    }
    assert all(c["confirmations"] == 2 for c in data)


def test_rates_endpoint(api):
    body = api.get("/api/v1/rates", {"base": "BTC", "quote": "USD"}).json()
    assert (body["rate"], body["source"]) == ("60000", "static")
    assert api.get("/api/v1/rates", {"base": "BTC", "quote": "XYZ"}).status_code == 422
    assert api.get("/api/v1/rates").status_code == 400


def test_merchant_settings_round_trip_and_validation(api):
    body = api.get("/api/v1/merchant").json()
    assert body["slippage_percent"] == "0.5000" and "callback_secret" not in body
    changed = api.patch(
        "/api/v1/merchant",
        {
            "invoice_ttl_minutes": 30,
            "slippage_percent": "1.5",
            "allowed_return_hosts": ["Shop.Example"],
            "unresolved_rules": {"overpaid": "complete"},
            "confirmations": {"sandbox": 3},
        },
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    merchant = Merchant.objects.get()
    assert merchant.invoice_ttl_minutes == 30
    assert merchant.allowed_return_hosts == ["shop.example"]
    assert merchant.unresolved_rules["overpaid"] == "complete"
    assert merchant.unresolved_rules["underpaid"] == "review"
    for bad in (
        {"invoice_ttl_minutes": 0},
        {"slippage_percent": "150"},
        {"unresolved_rules": {"overpaid": "ignore"}},
        {"confirmations": {"ethereum": 1}},
        {"enabled_methods": ["DOGE:moon"]},
        {"callback_secret": "mine"},
    ):
        response = api.patch("/api/v1/merchant", bad, format="json")
        assert response.status_code == 400, bad
        assert "error" in response.json()


def test_rotate_secret_returns_the_new_secret_once(api):
    before = set_callback_url(api.merchant.pk, "").secret  # the merchant's default endpoint
    secret = api.post("/api/v1/merchant/rotate-secret").json()["callback_secret"]
    endpoint = default_endpoint(api.merchant.pk)
    assert secret == endpoint.secret != before
    assert endpoint.previous_secret == before


def test_wallets_show_the_first_derived_addresses(api):
    response = api.put("/api/v1/wallets/bitcoin", {"xpub": BIP84_ZPUB}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["first_addresses"][:2] == [
        "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
        "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g",
    ]
    families = [w["family"] for w in api.get("/api/v1/wallets").json()["data"]]
    assert families == ["bitcoin", "sandbox"]


def test_replacing_a_wallet_keeps_the_index_and_existing_addresses(api, create_invoice):
    first = create_invoice(pay_currency="USDT", network="sandbox")
    api.put("/api/v1/wallets/sandbox", {"xpub": hd.new_sandbox_xpub()}, format="json")
    second = create_invoice(pay_currency="USDT", network="sandbox")
    assert api.get(f"{URL}/{first['id']}").json()["address"] == first["address"]
    wallet = api.get("/api/v1/wallets").json()["data"][0]
    assert wallet["next_index"] == 2 and second["address"] != first["address"]


def test_create_merchant_command_prints_json_and_the_key_works(db):
    out = StringIO()
    call_command(
        "create_merchant",
        "Acme",
        "--email",
        "owner@acme.example",
        "--password",
        "long-enough-pass",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    merchant = Merchant.objects.get(pk=result["merchant_id"])
    assert merchant.users.get().user.email == "owner@acme.example"
    assert result["api_key"] not in {k.hashed_key for k in MerchantAPIKey.objects.all()}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {result['api_key']}")
    assert client.get("/api/v1/merchant").json()["name"] == "Acme"


def test_demo_command_seeds_a_sandbox_merchant(db, tmp_path):
    key_file = tmp_path / "demo-api-key"
    out, again = StringIO(), StringIO()
    call_command("demo", key_file=str(key_file), stdout=out)
    call_command("demo", key_file=str(key_file), stdout=again)  # reuses merchant and key
    assert Merchant.objects.filter(name="Demo Store").count() == 1
    key = key_file.read_text().strip()
    assert f"API key:     {key}" in out.getvalue() and f"API key:     {key}" in again.getvalue()
    assert "/admin/" not in out.getvalue()  # no admin user, so no admin URL
    assert "log in as demo@example.com / demo-password-123" in out.getvalue()
    checkout = [line for line in out.getvalue().splitlines() if "Checkout:" in line]
    assert checkout and checkout[0] in again.getvalue()  # the same waiting invoice
    key_file.unlink()  # the key is lost: a new one, and the old one stops working
    call_command("demo", key_file=str(key_file), stdout=StringIO())
    assert key_file.read_text().strip() != key
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {key}").get(URL).status_code == 401
    key = key_file.read_text().strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.post(
        URL,
        {
            "price_amount": "25.00",
            "price_currency": "USD",
            "pay_currency": "USDT",
            "network": "sandbox",
        },
        format="json",
    )
    assert response.status_code == 201


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/invoices" in schema.content
    assert client.get("/api/docs/").status_code == 200
