"""Rate limits that hold across processes (an atomic counter in Redis or the database, not
the per-process local-memory cache), failed authentications throttled per client IP, the
RateLimit headers on API responses, and the anonymous pages' limits."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests
from django.core import mail
from django.test import Client

from merchants import throttling
from tests.conftest import run_at_once
from tests.support import redis_test_url, unavailable

REDIS_URL = redis_test_url()
URL = "/api/v1/currencies"


def redis_or_skip() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        unavailable(f"needs Redis at {REDIS_URL} (REDIS_TEST_URL): {exc}")
    return REDIS_URL


@pytest.fixture(params=["database", "redis"])
def counter_backend(request, settings):
    if request.param == "redis":
        settings.REDIS_URL = redis_or_skip()
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": settings.REDIS_URL,
            }
        }
    return request.param


# --- the counter --------------------------------------------------------------------------


def test_the_counter_is_atomic_under_threads(transactional_db, counter_backend):
    """Threads need real row locks in the database: PostgreSQL (SQLite's in-memory test
    database refuses concurrent writers; the SQLite file is covered by the two-process test
    below)."""
    from django.db import connection

    if counter_backend == "database" and connection.vendor != "postgresql":
        unavailable("needs PostgreSQL: set DATABASE_URL=postgres://…")
    bucket = f"threads:{time.time_ns()}"
    counts = run_at_once(16, lambda i: throttling.hit(bucket, "1000/hour", now=1_000).count)
    assert not [c for c in counts if isinstance(c, Exception)], counts
    assert sorted(counts) == list(range(1, 17)), counts


def test_a_new_window_starts_from_zero(db, counter_backend):
    bucket = f"windows:{time.time_ns()}"
    assert [throttling.hit(bucket, "2/min", now=t).allowed for t in (60, 61, 62)] == [
        True,
        True,
        False,
    ]
    window = throttling.hit(bucket, "2/min", now=125)
    assert (window.count, window.remaining, window.reset) == (1, 1, 55)


# --- API responses ------------------------------------------------------------------------


def test_every_api_response_says_where_the_key_stands(api, settings):
    settings.API_THROTTLE_RATE = "5/hour"  # an hour: no window ends mid-test
    first = api.get(URL)
    assert first["RateLimit-Limit"] == "5" and first["RateLimit-Remaining"] == "4"
    assert 0 < int(first["RateLimit-Reset"]) <= 3600
    missing = api.get("/api/v1/invoices/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing["RateLimit-Remaining"] == "3"
    bad = api.post("/api/v1/invoices", {"price_amount": "x"}, format="json")
    assert bad.status_code == 400 and bad["RateLimit-Remaining"] == "2"
    api.get(URL), api.get(URL)
    refused = api.get(URL)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert refused["RateLimit-Remaining"] == "0" and int(refused["Retry-After"]) > 0
    unauthenticated = Client().get(URL)
    assert unauthenticated.status_code == 401 and "RateLimit-Limit" in unauthenticated


def test_failed_authentications_are_throttled_per_client_ip(api, settings):
    settings.API_AUTH_FAILURE_RATE = "3/hour"
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert guesser.get(URL, HTTP_AUTHORIZATION="Bearer cg_live_guess.x").status_code == 401
    refused = guesser.get(URL, HTTP_AUTHORIZATION="Bearer cg_live_guess.y")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # Not even a right key is looked up from that address for the rest of the window …
    assert guesser.get(URL, HTTP_AUTHORIZATION=f"Bearer {api.key}").status_code == 429
    # … while everyone else is served.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.get(URL, HTTP_AUTHORIZATION=f"Bearer {api.key}").status_code == 200


# --- the anonymous pages ------------------------------------------------------------------


def test_password_reset_mails_are_limited_per_address_and_per_ip(
    db, settings, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model

    settings.PASSWORD_RESET_RATE_PER_EMAIL = "2/hour"
    settings.PASSWORD_RESET_RATE_PER_IP = "4/hour"
    for email in ("a@shop.example", "b@shop.example", "c@shop.example"):
        get_user_model().objects.create_user(username=email, email=email, password="x" * 12)
    client = Client(REMOTE_ADDR="203.0.113.1")
    for _ in range(3):
        response = client.post("/dashboard/password-reset/", {"email": "a@shop.example"})
        assert response.status_code == 302  # the same answer, whether sent or not
    assert len(mail.outbox) == 2  # per address
    client.post("/dashboard/password-reset/", {"email": "b@shop.example"})  # 4th from the IP
    client.post("/dashboard/password-reset/", {"email": "c@shop.example"})  # 5th: refused
    assert [m.to for m in mail.outbox] == [["a@shop.example"]] * 2 + [["b@shop.example"]]
    Client(REMOTE_ADDR="198.51.100.2").post(
        "/dashboard/password-reset/", {"email": "c@shop.example"}
    )
    assert mail.outbox[-1].to == ["c@shop.example"]


def test_checkout_status_polling_is_limited_per_client(create_invoice, settings):
    settings.CHECKOUT_STATUS_RATE = "3/hour"
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    payer = Client(REMOTE_ADDR="203.0.113.5")
    assert [payer.get(f"/pay/{invoice['id']}/status").status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
    assert Client(REMOTE_ADDR="203.0.113.6").get(f"/pay/{invoice['id']}/status").status_code == 200


def test_the_sandbox_panel_is_limited_per_client(create_invoice, settings):
    settings.SANDBOX_PANEL_RATE = "2/hour"
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    payer = Client(REMOTE_ADDR="203.0.113.8")
    statuses = [
        payer.post(f"/pay/{invoice['id']}/sandbox", {"action": "under"}).status_code
        for _ in range(3)
    ]
    assert statuses[:2] == [302, 302] and statuses[2] == 429


# --- two real web processes ---------------------------------------------------------------


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_one_key_through_two_web_processes_gets_at_most_its_limit(live_gateway, backend):
    """The finding: 1,801 of 2,400 requests passed a 600/min limit with 3 web workers, each
    counting in its own memory. Two gunicorn processes on one SQLite file (and on Redis)
    now share one counter."""
    limit = 120
    settings = {
        "API_THROTTLE_RATE": f"{limit}/min",
        "REDIS_URL": redis_or_skip() if backend == "redis" else None,
    }
    first = live_gateway(**settings)
    second = live_gateway(migrated=False, **settings)  # the same folder: the same database
    key = first.create_merchant("Busy shop")
    for gateway in (first, second):
        gateway.start_web(threads=4)
    for gateway in (first, second):
        gateway.wait_until_up()
    results, lock = [], threading.Lock()

    def client(n: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        base = (first, second)[n % 2].url  # half the clients on each process
        for _ in range(40):
            response = session.get(base + URL, timeout=30)
            window_end = round((time.time() + int(response.headers["RateLimit-Reset"])) / 60)
            with lock:
                results.append((response.status_code, window_end))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = Counter(status for status, _ in results)
    print(f"{backend}: {statuses[200]} of {len(results)} passed a {limit}/min limit")
    assert set(statuses) <= {200, 429}, statuses
    passed_per_window = Counter(window for status, window in results if status == 200)
    assert all(count <= limit for count in passed_per_window.values()), passed_per_window
    assert statuses[200] >= limit and statuses[429] > 0, statuses
