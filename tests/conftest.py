import subprocess

import pytest
from django.test.testcases import QuietWSGIRequestHandler
from rest_framework.test import APIClient

from chains.backends import close_all
from invoices import rates
from merchants.services import create_merchant
from tests import markers
from tests.support import unavailable

pytest_plugins = [
    "tests.nodes",
    "tests.browser",
    "tests.receiver",
    "tests.tron_node",
    "tests.live",
]

# The live server writes a response's headers and its body apart; with Nagle's algorithm the
# body waits for the client's delayed ACK of the headers, 40 ms a request (a real server,
# like gunicorn, sends at once).
QuietWSGIRequestHandler.disable_nagle_algorithm = True


def pytest_collection_modifyitems(items):
    """Mark every test `unit`, `node` or `browser` by the fixtures it uses (tests/markers.py)."""
    for item in items:
        for kind in markers.kinds(
            markers.fixture_modules(item),
            set(getattr(item, "fixturenames", ())),
            item.get_closest_marker("django_db") is not None,
        ):
            item.add_marker(kind)


def _no_process(*args, **kwargs):
    raise AssertionError(
        "a unit test starts no process: ask for the `processes` fixture (tests/live.py)"
    )


@pytest.fixture(autouse=True)
def _unit_tests_start_no_process(request, monkeypatch):
    """What keeps `unit` true: its database access is refused by pytest-django, a process
    is refused here."""
    if request.node.get_closest_marker("unit"):
        monkeypatch.setattr(subprocess, "Popen", _no_process)


@pytest.fixture(autouse=True)
def _fresh_backends():
    """Backends are cached per thread: each test starts with new ones (nothing learnt of a
    mempool by an earlier test) and leaves no keep-alive connection to a node open."""
    yield
    close_all()


@pytest.fixture
def make_merchant(db):
    """A merchant with a sandbox wallet and an API client authenticated with its admin key
    (test mode: the sandbox and the test networks, regtest and local nodes included;
    `mode="live"` for real networks)."""

    def make(name="Shop", mode="test", **settings):
        rates.refresh_rates()
        merchant, key = create_merchant(name=name, mode=mode)
        merchant.allowed_return_hosts = ["shop.example"]
        for field, value in settings.items():
            setattr(merchant, field, value)
        merchant.save()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        client.merchant, client.key = merchant, key
        return client

    return make


@pytest.fixture
def api(make_merchant):
    return make_merchant()


@pytest.fixture
def create_invoice(api):
    def create(client=None, **body):
        body = {"price_amount": "100.00", "price_currency": "USD", **body}
        response = (client or api).post("/api/v1/invoices", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return create


@pytest.fixture
def postgres(transactional_db):
    """Concurrency tests need a database with real row locks. CI runs on PostgreSQL, where
    these must run; elsewhere (SQLite) they are skipped with the reason."""

    from django.db import connection

    if connection.vendor != "postgresql":
        unavailable("needs PostgreSQL: set DATABASE_URL=postgres://…")


def run_at_once(count, work):
    """Run `work(i)` in `count` threads released together; returns results or exceptions."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(count)
    results = [None] * count

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # returned to the test, which asserts on it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def operator_client(admin_client, admin_user):
    """The admin's client, past the second factor the admin asks for (django-otp)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin_user, name="admin", confirmed=True)
    session = admin_client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return admin_client
