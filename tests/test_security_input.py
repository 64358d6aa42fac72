"""Input that can be stored can be read: unstorable strings, NUL bytes, deep nesting and
out-of-range dates are 400s (or 404s) in the error shape, never a 500 and never a row that
breaks every later read. Run on PostgreSQL too (CI does): NUL is what PostgreSQL refuses.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gw_x pytest tests/test_security_input.py
"""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from chains.models import SandboxBlock, SandboxTransfer
from invoices import sandbox as sandbox_payments
from invoices.models import Invoice, Transaction
from tests.conftest import run_at_once

URL = "/api/v1/invoices"
BODY = {
    "price_amount": "10.00",
    "price_currency": "USD",
    "pay_currency": "USDT",
    "network": "sandbox",
}


def raw_post(client, path, text: str):
    return client.generic(
        "POST", path, text.encode("utf-8", "surrogatepass"), content_type="application/json"
    )


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    if code:
        assert error["code"] == code, error
    return error


def test_a_lone_surrogate_is_refused_before_anything_is_written(api):
    """The finding: "\\ud800" in metadata answered 500 but committed the invoice, and every
    later read of it answered 500."""
    body = json.dumps(BODY)[:-1] + ', "metadata": {"note": "\\ud800"}}'
    error = assert_error(raw_post(api, URL, body), 400, "invalid_text")
    assert error["param"] == "metadata.note"
    assert not Invoice.objects.exists()
    assert api.get(URL).status_code == 200


@pytest.mark.parametrize(
    "field,value",
    [
        ("description", "\\udfff tail"),
        ("foreign_id", "a\\u0000b"),
        ("description", "x\\u0000"),
        ("customer_email", "a\\ud83d@b.example"),
    ],
)
def test_unstorable_strings_in_any_field_are_400(api, field, value):
    body = json.dumps(BODY)[:-1] + f', "{field}": "{value}"}}'
    assert_error(raw_post(api, URL, body), 400, "invalid_text")
    assert not Invoice.objects.exists()


def test_an_unstorable_metadata_key_is_400(api):
    body = json.dumps(BODY)[:-1] + ', "metadata": {"\\ud800": 1}}'
    assert_error(raw_post(api, URL, body), 400, "invalid_text")


def test_valid_unicode_is_kept(api):
    metadata = {"emoji": "😀", "名前": "テスト", "nested": {"a": [1, {"b": "ü"}]}}
    invoice = api.post(URL, {**BODY, "metadata": metadata}, format="json").json()
    assert api.get(f"{URL}/{invoice['id']}").json()["metadata"] == metadata


@pytest.mark.parametrize(
    "metadata,code",
    [
        ({f"k{i}": i for i in range(51)}, "metadata_too_many_keys"),
        ({"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}, "metadata_too_deep"),
        ({"blob": "x" * (16 * 1024)}, "metadata_too_large"),
        ({"blob": "é" * (8 * 1024)}, "metadata_too_large"),  # 16 KB as UTF-8 JSON, 8 K characters
    ],
)
def test_metadata_limits(api, metadata, code):
    assert_error(api.post(URL, {**BODY, "metadata": metadata}, format="json"), 400, code)


def test_metadata_at_the_limits_is_accepted(api):
    metadata = {f"k{i}": "v" for i in range(48)}  # + deep + blob = 50
    metadata["deep"] = {"b": {"c": {"d": {"e": 1}}}}
    metadata["blob"] = "x" * (16 * 1024 - len(json.dumps(metadata, separators=(",", ":"))) - 20)
    response = api.post(URL, {**BODY, "metadata": metadata}, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("levels", [25, 1000, 100_000])
def test_deep_nesting_is_400(api, levels):
    body = json.dumps(BODY)[:-1] + ', "metadata": {"a": ' + "[" * levels + "]" * levels + "}}"
    assert_error(raw_post(api, URL, body), 400, "malformed_json")


@pytest.mark.parametrize(
    "field,value",
    [
        ("deny_list", ["bad\x00addr"]),
        ("deny_list", [f"addr{i}" for i in range(201)]),
        ("allowed_return_hosts", ["h" * 300]),
        ("embed_hosts", ["\ud800.example"]),
        ("enabled_methods", ["USDT:sandbox\x00"]),
        ("name", "Shop\x00"),
    ],
)
def test_settings_lists_and_strings_are_checked(api, field, value):
    before = api.get("/api/v1/merchant").json()
    text = json.dumps({field: value}, ensure_ascii=True)
    assert_error(
        api.generic("PATCH", "/api/v1/merchant", text.encode(), content_type="application/json"),
        400,
    )
    assert api.get("/api/v1/merchant").json() == before


@pytest.mark.parametrize(
    "query",
    [
        "created_after=9999-12-31T23:59:59-14:00",
        "created_before=0001-01-01T00:00:00%2B14:00",
        "created_after=0001-01-01T00:00:00%2B00:01",
    ],
)
def test_out_of_range_dates_are_400(api, query):
    assert_error(api.get(f"{URL}?{query}"), 400)


@pytest.mark.parametrize(
    "raw",
    [
        "9999-12-31T23:59:59-14:00|7bd0c1f2-8b9a-4c39-9e84-0b2f5c0a2a11",
        "0001-01-01T00:00:00+14:00|7bd0c1f2-8b9a-4c39-9e84-0b2f5c0a2a11",
        "2026-01-01T00:00:00|7bd0c1f2-8b9a-4c39-9e84-0b2f5c0a2a11",
    ],
)
def test_forged_cursors_are_400(api, raw):
    cursor = base64.urlsafe_b64encode(raw.encode()).decode()
    assert_error(api.get(f"{URL}?cursor={cursor}"), 400)


@pytest.mark.parametrize("pk", ["99999999999999999999", "-5", "0"])
def test_forged_event_cursors_with_huge_ids_are_400(api, pk):
    cursor = base64.urlsafe_b64encode(f"2026-01-01T00:00:00+00:00|{pk}".encode()).decode()
    response = api.get(f"/api/v1/events?cursor={cursor}")
    if response.status_code != 200:  # events keyed by uuid take the uuid path instead
        assert_error(response, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/invoices?foreign_id=%00",
        "/api/v1/invoices?status=new%00",
        "/api/v1/events?invoice=%00",
        "/api/v1/rates?base=BTC%00&quote=USD",
    ],
)
def test_nul_in_api_queries_is_400(api, path):
    assert_error(api.get(path), 400, "invalid_text")


@pytest.mark.parametrize(
    "path", ["/api/v1/invoices/by-foreign-id/%00", "/api/v1/invoices/by-foreign-id/a%00b/cancel"]
)
def test_nul_in_api_paths_is_404(api, path):
    assert_error(api.get(path), 404, "not_found")


def test_nul_in_headers_is_400(api):
    response = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k\x00")
    assert_error(response, 400, "invalid_text")
    bad_key = Client().get(URL, HTTP_AUTHORIZATION="Bearer cg_live_\x00.x")
    assert_error(bad_key, 400, "invalid_text")


@pytest.mark.parametrize(
    "path", ["/refund/%00", "/pay/%00", "/pay/%00/status", "/dashboard/invoices/%00/"]
)
def test_nul_in_page_paths_is_404(db, client, path):
    assert client.get(path).status_code == 404


def test_nul_in_page_queries_and_forms_is_400(db, client):
    assert client.get("/dashboard/invoices/?q=%00").status_code == 400
    assert (
        client.post("/dashboard/login/", {"username": "a\x00", "password": "x"}).status_code == 400
    )
    assert (
        client.post("/dashboard/password-reset/", {"email": "a@b.example\x00"}).status_code == 400
    )


def test_a_failed_request_changes_nothing(api, create_invoice, monkeypatch):
    """The 500 body says "nothing was changed": a sandbox payment credited before a later
    step failed must be undone with the request."""
    invoice = create_invoice(**BODY)

    def broken_mining(_invoice):
        raise RuntimeError("the node went away")

    monkeypatch.setattr(sandbox_payments, "mine_pending", broken_mining)
    api.raise_request_exception = False
    response = api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json"
    )
    error = assert_error(response, 500, "internal_error")
    assert "nothing was changed" in error["message"]
    assert not Transaction.objects.exists() and not SandboxTransfer.objects.exists()
    assert Invoice.objects.get(pk=invoice["id"]).status == "new"


def test_concurrent_sandbox_mining_and_paying_never_fails(postgres, make_merchant):
    """The race: miners woken on the locked tip built on the old tip and hit the unique
    height (500 after the payment was credited). Real threads on PostgreSQL."""
    clients = [make_merchant(f"Shop {i}") for i in range(3)]
    invoices = [
        client.post(URL, BODY, format="json").json() for client in clients for _ in range(3)
    ]

    def work(i):
        client = clients[i % 3]
        if i % 3 == 0:
            return client.post("/api/v1/sandbox/mine", {"blocks": 2}, format="json").status_code
        invoice = invoices[(i % 3) * 3 + (i // 3) % 3]  # one of this client's own
        return client.post(
            f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json"
        ).status_code

    results = run_at_once(12, work)
    assert results == [200] * 12, results
    heights = list(SandboxBlock.objects.values_list("height", flat=True))
    assert len(heights) == len(set(heights)) and sorted(heights) == list(range(len(heights)))
    for transfer in SandboxTransfer.objects.all():  # every payment credited exactly once
        assert Transaction.objects.filter(txid=transfer.txid).count() == 1
