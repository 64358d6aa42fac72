"""Schemathesis over every operation of the served schema, with a valid key and real ids
(an invoice, its foreign_id, an event), against a live server: no 5xx, no operation answers
without the key, every response is one the schema describes (status, content type, headers,
body), and a request the schema forbids is refused. Bounded: 25 examples per operation, a
fixed seed (reproducible in CI; change it locally to explore); about a minute. Below it,
what fuzzing found, as regression tests."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest

from invoices import rates
from invoices.models import Event
from merchants.models import TEST
from merchants.services import create_merchant
from tests.support import set_callback_url, unavailable

SEED = 20261201
CHECKS = [
    "not_a_server_error",
    "ignored_auth",
    # The response-conformance checks: the server answers only what the schema says.
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    # And refuses what the schema forbids (an empty filter, a number for a decimal string).
    "negative_data_rejection",
]


@pytest.fixture
def shop(db, settings, receiver):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    rates.refresh_rates()
    merchant, key = create_merchant(name="Fuzz Shop", mode=TEST)  # the sandbox is test mode
    set_callback_url(merchant.pk, receiver.url)
    merchant.refresh_from_db()
    return merchant, key


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_the_server_and_the_schema_in_agreement(shop, live_server, tmp_path):
    from invoices.services import creation, merchant_actions

    executable = Path(sys.executable).with_name("schemathesis")
    if not executable.exists() and not shutil.which("schemathesis"):
        unavailable("schemathesis is not installed: bash scripts/setup.sh")
    merchant, key = shop
    invoice = creation.create_invoice(
        merchant=merchant,
        request=creation.InvoiceRequest(
            price_amount=2500,
            price_currency="USD",
            kind="fixed",
            pay_currency="USDT",
            network="sandbox",
            foreign_id="fuzz-1",
            livemode=False,
        ),
        actor="test",
    )
    cancelled = creation.create_invoice(
        merchant=merchant,
        request=creation.InvoiceRequest(price_amount=100, price_currency="USD", livemode=False),
        actor="test",
    )
    merchant_actions.cancel(invoice_id=cancelled["id"], actor="test")
    event = Event.objects.get(invoice_id=cancelled["id"])
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        + "".join(
            f"{name} = {json.dumps(value)}\n"
            for name, value in {
                "invoice_id": invoice["id"],
                "foreign_id": "fuzz-1",
                "event_id": str(event.id),
                "family": "sandbox",
                "base": "BTC",
                "quote": "USD",
            }.items()
        )
    )
    run = subprocess.run(
        [
            str(executable),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Bearer {key}",
            "--checks",
            ",".join(CHECKS),
            "--max-examples",
            "25",
            "--seed",
            str(SEED),
            "--generation-database",
            "none",
            "--workers",
            "1",
            "--no-color",
            "--warnings",
            "off",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )  # its caches stay there
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    served = json.loads(urlopen(f"{live_server.url}/api/schema/?format=json").read())
    operations = sum(
        method in {"get", "post", "put", "patch", "delete"}
        for path in served["paths"].values()
        for method in path
    )
    assert f"{operations}/{operations}" in summary, summary  # every operation was tested
    assert "failed" not in summary.lower(), summary


# --- what fuzzing found (each fixed in the API's validation) ------------------------------


@pytest.mark.parametrize("value", ["1e-999999999", "1E2", "0.00001", "Infinity", "NaN"])
def test_a_percentage_is_a_plain_decimal_with_at_most_four_places(api, value):
    """ "1e-999999999" passed the 0–100 range check and then made the database render a
    billion digits (SQLite hung, PostgreSQL answered 500)."""
    response = api.post(
        "/api/v1/invoices",
        {"price_amount": "1", "price_currency": "USD", "insurance_percent": value},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["param"] == "insurance_percent"


def test_a_percentage_with_four_places_is_kept_exactly(api):
    response = api.post(
        "/api/v1/invoices",
        {"price_amount": "1", "price_currency": "USD", "slippage_percent": "0.1234"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["slippage_percent"] == "0.1234"


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_date_filter_past_the_calendar_in_utc_is_a_400(api, moment):
    """An offset that pushes the moment past year 9999 (or before year 1) in UTC overflowed
    when the filter was converted for the database: a 500 on SQLite."""
    response = api.get("/api/v1/invoices", {"created_after": moment})
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["param"] == "created_after"
