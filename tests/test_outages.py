"""A node outage is quiet (issue 25): one log line per failing network per minute, no
traceback spam, a backoff that grows, and a dashboard notice in the merchant's language
without the node's host, port or credentials. The clock is the test's (`scan(now=…)`)."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from chains import outages, registry, scanner
from chains.backends import close_all, get_backend
from chains.models import ChainCursor
from dashboard import queries
from invoices import selectors
from invoices.services import reconciliation
from tests.test_chain_litecoin import configure_chains
from tests.test_tron_backend import tron_config
from tests.test_tron_flows import NETWORK, Shop
from tests.tron_node import TronNode
from worker import tasks

SECRET = "s3cret-rpc-password"
NOTICE = {
    "en": "its node cannot be read for 3 minutes; it is retried automatically",
    "de": "der Node ist seit 3 Minuten nicht lesbar; es wird automatisch erneut versucht",
    "es": "su nodo no se puede leer desde hace 3 minutos; se reintenta automáticamente",
    "fr": "son nœud ne peut pas être lu depuis 3 minutes ; nouvelle tentative automatique",
}


@pytest.fixture
def stopped(make_merchant, settings, tmp_path):
    """A merchant on tron-local, whose node (reached with credentials in its URL) was
    scanned once and then stopped."""
    node = TronNode()
    server = node.serve()
    node.url = server.url.replace("http://", f"http://gateway:{SECRET}@")
    configure_chains(settings, tmp_path, tron_config(node, 'api_key = "k-123"'))
    node.mine(3)
    shop = Shop(node, make_merchant())
    shop.scan()
    server.close()
    close_all()  # the stopped node's keep-alive connections are gone with it
    return shop


def scan(now):
    network = registry.get_network(NETWORK)
    return scanner.scan(
        network,
        get_backend(network),
        selectors.watched_addresses,
        reconciliation.apply_transfers,
        now=now,
    )


def notice(merchant, now) -> list[str]:
    """The dashboard's error notices about the stopped network (a test-mode dashboard also
    tells of the sandbox, which no test here scans)."""
    name = registry.network(NETWORK).name
    return [
        item["text"]
        for item in queries.needs_action(merchant, now, False)
        if item["tone"] == "error" and name in item["text"]
    ]


def test_a_stopped_node_logs_once_a_minute_backs_off_and_tells_the_merchant(
    stopped, caplog, settings
):
    caplog.set_level(logging.DEBUG)
    start = timezone.now()
    waits = []
    for step in range(0, 181, 2):  # three minutes of the scan loop's 2 s passes
        now = start + timedelta(seconds=step)
        try:
            assert scan(now) is None  # skipped: the backoff runs
        except outages.ScanFailed:
            waits.append(ChainCursor.objects.get(network=NETWORK).retry_at - now)
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert 3 <= len(lines) <= 4  # one a minute, over three minutes
    assert all(r.exc_info is None for r in lines)  # a refused connection: no traceback
    assert all(r.name == "chains.outages" and NETWORK in r.getMessage() for r in lines)
    assert "ConnectionError" in lines[0].getMessage()
    assert all(SECRET not in r.getMessage() and "k-123" not in r.getMessage() for r in lines)

    interval = timedelta(seconds=settings.SCAN_INTERVAL_SECONDS)
    assert waits[0] == 2 * interval and waits == sorted(waits)  # the backoff grows…
    assert waits[-1] == outages.MAX_BACKOFF  # …to a minute at most
    assert len(waits) < 12  # not every 2 s

    cursor = ChainCursor.objects.get(network=NETWORK)
    assert cursor.failing_since == start and SECRET not in cursor.last_error
    host = stopped.node.url.split("@")[1]  # 127.0.0.1:port
    end = start + timedelta(seconds=180)
    for language, text in NOTICE.items():
        with translation.override(language):
            [shown] = notice(stopped.client.merchant, end)
        assert text in shown
        assert host.split(":")[0] not in shown and host.split(":")[1] not in shown
        assert SECRET not in shown and "gateway" not in shown


def test_the_outage_ends_with_the_first_good_scan(stopped, caplog):
    caplog.set_level(logging.WARNING)
    start = timezone.now()
    with pytest.raises(outages.ScanFailed):
        scan(start)
    server = stopped.node.serve(int(stopped.node.url.rsplit(":", 1)[1]))  # the node is back
    try:
        assert scan(start + timedelta(seconds=1)) is None  # the backoff still runs
        assert scan(start + timedelta(seconds=5)) is not None
    finally:
        server.close()
    cursor = ChainCursor.objects.get(network=NETWORK)
    assert (cursor.failures, cursor.failing_since, cursor.retry_at) == (0, None, None)
    assert cursor.last_error == ""
    assert "scanning again after 1 failed scan" in caplog.records[-1].getMessage()
    assert notice(stopped.client.merchant, start + timedelta(seconds=6)) == []


def test_the_scan_loop_swallows_a_logged_failure(stopped, caplog):
    caplog.set_level(logging.WARNING)
    tasks.scan_all()
    tasks.scan_all()  # in the backoff: not even tried
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in lines] == ["chains.outages"]


@pytest.mark.unit
def test_describe_drops_credentials_and_query_strings():
    exc = ConnectionError(
        f"HTTPConnectionPool(host='10.0.0.5', port=8332): Max retries exceeded with url: "
        f"http://rpc:{SECRET}@10.0.0.5:8332/wallet/getblock?apikey={SECRET} (refused)"
    )
    text = outages.describe(exc)
    assert text.startswith("ConnectionError: ") and SECRET not in text
    assert "http://***@10.0.0.5" in text and "?***" in text
    assert len(outages.describe(ValueError("x" * 5000))) < 250


@pytest.mark.unit
def test_the_backoff_doubles_up_to_a_minute():
    interval = timedelta(seconds=2)
    assert [outages.backoff(n, interval).total_seconds() for n in range(1, 8)] == [
        4,
        8,
        16,
        32,
        60,
        60,
        60,
    ]


def test_a_bug_s_first_failure_keeps_its_traceback_then_one_line_a_minute(caplog, settings):
    """Not a transport error (the node answered what the backend cannot read): the first
    failure of the outage is logged with its traceback, to be fixed; the next ones not."""
    caplog.set_level(logging.WARNING, logger="chains.outages")
    start = timezone.now()
    try:
        raise KeyError("blockID")
    except KeyError as exc:
        first = outages.failed(NETWORK, exc, 0, None, None, start)
        again = outages.failed(NETWORK, exc, 1, start, start, start + timedelta(seconds=30))
        later = outages.failed(NETWORK, exc, 2, start, start, start + timedelta(seconds=61))
    assert [r.exc_info is not None for r in caplog.records] == [True, False]
    assert "failure_logged_at" not in again and later["failure_logged_at"] == start + timedelta(
        seconds=61
    )
    assert first["failing_since"] == later["failing_since"] == start
    assert first["last_error"] == "KeyError: 'blockID'"
