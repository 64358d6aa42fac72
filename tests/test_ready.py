"""Ready from the first minute, checked on a gateway started as an operator starts it:
quotes on the first request, stale rates refused with the pair and age and accepted again
once rates return, /readyz following its scanner."""

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import responses
from django.utils import timezone

from invoices import rates
from invoices.models import Rate

USD_INVOICE = {
    "price_amount": "25.00",
    "price_currency": "USD",
    "pay_currency": "USDT",
    "network": "sandbox",
}
COINBASE_URL = "https://api.coinbase.com/v2/exchange-rates"
RECORDED = Path(__file__).parent / "recorded" / "rates" / "coinbase_exchange_rates_usd.json"


@pytest.fixture
def gateway(live_gateway):
    return live_gateway(SCAN_INTERVAL_SECONDS="0.5")


def test_a_fresh_gateway_quotes_a_usd_invoice_on_its_first_request(gateway):
    key = gateway.create_merchant()
    gateway.start_web()
    gateway.wait_until_up()
    status, invoice = gateway.request("POST", "/api/v1/invoices", USD_INVOICE, key)
    assert status == 201, invoice
    assert (invoice["pay_amount"], invoice["rate"]) == ("25.000000", "1")
    status, timed = gateway.request(
        "POST", "/api/v1/invoices", {"price_amount": "10", "price_currency": "EUR"}, key
    )
    assert status == 201, timed


def test_json_logs_are_one_object_per_line_with_the_request_id(gateway):
    gateway.env["LOG_FORMAT"] = "json"
    gateway.start_web()
    gateway.wait_until_up()
    assert gateway.request("GET", "/api/v1/no-such-thing")[0] == 404
    gateway.stop("web")
    lines = [
        json.loads(line)
        for line in (gateway.folder / "web.log").read_text().splitlines()
        if line.startswith("{")
    ]
    (logged,) = [line for line in lines if line["message"] == "Not Found: /api/v1/no-such-thing"]
    assert logged["level"] == "WARNING" and logged["logger"] == "django.request"
    assert len(logged["request_id"]) == 32


def test_readyz_follows_the_scanner(gateway):
    gateway.start_web()
    gateway.start_scanner()
    gateway.wait_until_up()

    def readiness(expected, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            status, body = gateway.request("GET", "/readyz")
            if status == expected or time.monotonic() > deadline:
                return status, body
            time.sleep(0.25)

    status, body = readiness(200)
    assert status == 200, body
    gateway.stop("scan")
    status, body = readiness(503)
    assert status == 503 and body["failing"] == ["scanner:sandbox"], body
    assert body["checks"]["scanner:sandbox"]["detail"].startswith("last scanned")
    gateway.start_scanner()
    status, body = readiness(200)
    assert status == 200, body


def test_stale_rates_refuse_quotes_naming_pair_and_age_until_rates_return(
    api, settings, monkeypatch
):
    """The worker (refreshing rates) stopped for longer than the limit, then back."""
    monkeypatch.setattr(rates, "_last_refresh", float("-inf"))  # no lookup refreshed yet
    settings.RATE_PROVIDERS = ["coinbase"]
    Rate.objects.all().delete()
    with responses.RequestsMock() as http:
        http.add(
            responses.GET, COINBASE_URL, body=RECORDED.read_text(), content_type="application/json"
        )
        first = api.post("/api/v1/invoices", USD_INVOICE, format="json")
        assert first.status_code == 201, first.json()  # fetched once, synchronously
        assert len(http.calls) == 1

        Rate.objects.update(fetched_at=timezone.now() - timedelta(minutes=25))
        refused = api.post("/api/v1/invoices", USD_INVOICE, format="json")
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "rate_unavailable"
        assert refused.json()["error"]["message"] == (
            "the USDT/USD rate is 25 minutes old; quotes need a rate fetched within 10 minutes"
        )
        assert len(http.calls) == 1  # a stale rate is not fetched by the request

        rates.refresh_rates()  # the worker is back
        again = api.post("/api/v1/invoices", USD_INVOICE, format="json")
        assert again.status_code == 201, again.json()
