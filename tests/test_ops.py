"""Operations: /healthz, /readyz naming what is wrong, /metrics behind its token and
computed from the database, JSON-lines logs with the request id that callbacks carry."""

import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chains.models import ChainCursor
from core.logs import JsonFormatter, RequestIdFilter
from invoices.models import Invoice, Rate, Transaction
from ops.metrics import endpoint
from tests.support import set_callback_url
from webhooks.models import Delivery, DeliveryAttempt
from worker import tasks

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def web(db):
    return Client()


@pytest.fixture
def scanned(db):
    """The sandbox scanned just now."""
    tasks.scan_network("sandbox")
    return ChainCursor.objects.get(network="sandbox")


def scrape(web) -> str:
    response = web.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def test_healthz_answers_without_asking_anything(web):
    response = web.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_probes_answer_whatever_host_the_orchestrator_uses(web, scanned):
    for path in ("/healthz", "/readyz"):
        assert web.get(path, HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert web.get("/metrics", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_readyz_is_ok_when_every_check_passes(web, scanned):
    response = web.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "scanner:sandbox", "rates", "callbacks"}


def test_readyz_names_a_scanner_that_stopped(web, scanned, settings):
    overdue = timezone.now() - timedelta(seconds=6 * settings.SCAN_INTERVAL_SECONDS)
    ChainCursor.objects.filter(network="sandbox").update(last_scan_at=overdue)
    response = web.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["scanner:sandbox"]
    assert response.json()["checks"]["scanner:sandbox"]["detail"].startswith("last scanned")


def test_readyz_never_shows_a_node_error_text(web, scanned):
    ChainCursor.objects.filter(network="sandbox").update(
        last_error="ConnectionError: http://user:secret@10.0.0.5:8332 refused",
        failing_since=timezone.now(),
    )
    body = web.get("/readyz").json()
    assert body["failing"] == ["scanner:sandbox"]
    assert "secret" not in json.dumps(body)


def test_readyz_names_stale_rates(web, scanned, settings):
    settings.RATE_PROVIDERS = ["coinbase", "static"]
    tasks.refresh_rates()  # coinbase is unreachable here: static fills every pair
    assert web.get("/readyz").status_code == 200
    Rate.objects.filter(base="BTC", quote="USD").update(
        fetched_at=timezone.now() - timedelta(hours=1)
    )
    body = web.get("/readyz").json()
    assert body["failing"] == ["rates"]
    assert (
        body["checks"]["rates"]["detail"] == f"older than {settings.RATE_MAX_AGE_SECONDS} s: "
        "BTC/USD"
    )


def test_readyz_names_overdue_callbacks(web, scanned, api, create_invoice, settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    set_callback_url(api.merchant.pk, "http://127.0.0.1:9/hook")
    invoice = create_invoice()
    api.post(f"/api/v1/invoices/{invoice['id']}/cancel")  # one event, never enqueued here
    assert web.get("/readyz").status_code == 200  # due, but not for long
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    body = web.get("/readyz").json()
    assert body["failing"] == ["callbacks"]
    assert body["checks"]["callbacks"]["detail"] == (
        "1 callback queues overdue by more than 5 minutes"
    )


def test_metrics_do_not_exist_without_a_token_and_refuse_a_wrong_one(web, settings):
    settings.METRICS_TOKEN = ""
    assert web.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert web.get("/metrics").status_code == 401
    assert web.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_metrics_count_from_the_database(
    web, settings, transactional_db, api, create_invoice, receiver
):
    settings.METRICS_TOKEN, settings.CALLBACKS_ALLOW_PRIVATE = TOKEN, True
    set_callback_url(api.merchant.pk, receiver.url)
    paid = create_invoice(pay_currency="USDT", network="sandbox")
    create_invoice(pay_currency="ETH", network="sandbox")
    create_invoice()  # timed: no network chosen yet
    response = api.post(
        f"/api/v1/sandbox/invoices/{paid['id']}/pay", {"confirm": True}, format="json"
    )
    assert response.json()["status"] == "completed"

    text = scrape(web)
    assert 'gateway_invoices_created_total{network="sandbox"} 2.0' in text
    assert 'gateway_invoices_created_total{network=""} 1.0' in text
    assert 'gateway_invoices_completed_total{network="sandbox"} 1.0' in text
    assert 'gateway_callback_deliveries_total{outcome="delivered"} 4.0' in text
    assert 'gateway_callback_deliveries_total{outcome="error"} 0.0' in text
    assert 'gateway_detection_latency_seconds_count{network="sandbox"} 1.0' in text
    assert 'gateway_detection_latency_seconds_bucket{le="+Inf",network="sandbox"} 1.0' in text
    cursor = ChainCursor.objects.get(network="sandbox")
    assert f'gateway_scanner_height{{network="sandbox"}} {float(cursor.height)}' in text
    assert 'gateway_scanner_lag_blocks{network="sandbox"} 0.0' in text
    assert 'gateway_rate_age_seconds{pair="USDT/USD"} 0.0' in text

    receiver.always(500)
    api.post(f"/api/v1/invoices/{create_invoice()['id']}/cancel")
    text = scrape(web)
    assert 'gateway_callback_deliveries_total{outcome="rejected"} 1.0' in text
    assert f'gateway_callback_backlog{{endpoint="http://127.0.0.1:{receiver.port}"}} 1.0' in text


def test_latency_buckets_are_cumulative_and_summed(web, settings, api, create_invoice):
    settings.METRICS_TOKEN = TOKEN
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    now = timezone.now()
    for i, seconds in enumerate((0.5, 3, 3, 7200)):
        Transaction.objects.create(
            invoice_id=invoice["id"],
            quote_id=Invoice.objects.get(pk=invoice["id"]).quote_id,
            network="sandbox",
            txid=f"tx{i}",
            output_index=0,
            asset="USDT",
            amount=1,
            to_address="x",
            required_confirmations=1,
            paid_at=now - timedelta(seconds=seconds),
            detected_at=now,
        )
    text = scrape(web)
    assert 'gateway_detection_latency_seconds_bucket{le="1",network="sandbox"} 1.0' in text
    assert 'gateway_detection_latency_seconds_bucket{le="5",network="sandbox"} 3.0' in text
    assert 'gateway_detection_latency_seconds_bucket{le="3600",network="sandbox"} 3.0' in text
    assert 'gateway_detection_latency_seconds_bucket{le="+Inf",network="sandbox"} 4.0' in text
    assert 'gateway_detection_latency_seconds_sum{network="sandbox"} 7206.5' in text


def test_endpoint_labels_keep_no_path_or_credentials():
    assert (
        endpoint("https://user:pw@shop.example:8443/hooks/secret-token")
        == "https://shop.example:8443"
    )
    assert endpoint("") == "none"


def test_json_log_lines_carry_the_request_id(
    api, create_invoice, receiver, settings, transactional_db
):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    set_callback_url(api.merchant.pk, receiver.url)
    invoice = create_invoice()
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(handler.format(record))
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logging.getLogger("webhooks.callbacks").addHandler(handler)
    try:
        response = api.post(
            f"/api/v1/invoices/{invoice['id']}/cancel", HTTP_X_REQUEST_ID="req-from-the-proxy-1"
        )
    finally:
        logging.getLogger("webhooks.callbacks").removeHandler(handler)
    assert response["X-Request-Id"] == "req-from-the-proxy-1"
    attempt = DeliveryAttempt.objects.get()
    assert attempt.request_id == "req-from-the-proxy-1"
    assert receiver.received[0].headers["X-Request-Id"] == "req-from-the-proxy-1"
    entry = json.loads(lines[-1])
    assert entry["request_id"] == "req-from-the-proxy-1"
    assert entry["logger"] == "webhooks.callbacks" and "200" in entry["message"]
    events = api.get("/api/v1/events").json()["data"]
    assert events[0]["attempts"][0]["request_id"] == "req-from-the-proxy-1"


def test_a_request_id_that_is_not_sane_is_replaced(web):
    response = web.get("/healthz", HTTP_X_REQUEST_ID="<script>" + "x" * 200)
    assert len(response["X-Request-Id"]) == 32 and "<" not in response["X-Request-Id"]
