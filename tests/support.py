"""Helpers shared by the test plugins: tools that must not silently skip in CI, and what each
pytest-xdist worker has to itself (ports, a Redis database)."""

import itertools
import os
import random
import socket
import threading
from socketserver import BaseServer
from urllib.parse import urlsplit, urlunsplit

import pytest

# Ports handed out to the test's servers and nodes: below Linux's ephemeral range (32768+),
# where the kernel picks outgoing connections' ports and `bind(0)`'s, so no other socket
# takes one between the check and the server binding it; each xdist worker has a block.
PORTS_FROM, PORTS_PER_WORKER = 20_000, 1_000
# How often a served test server looks for `shutdown()`: socketserver's default 0.5 s was
# paid at every test's teardown.
SERVE_POLL_SECONDS = 0.01


def unavailable(reason: str):
    """A tool a test needs is missing: skip on a developer's machine, fail in CI, where the
    test command installs every tool and a skip would hide a broken install."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI must run this test)", pytrace=False)
    pytest.skip(reason)


def worker_index() -> int:
    """0, 1, … for pytest-xdist's workers gw0, gw1, …; 0 without xdist."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


# From a random place in the block: another run at the same time (another checkout) most
# likely starts elsewhere.
_next_port = itertools.count(random.randrange(PORTS_PER_WORKER))
_port_lock = threading.Lock()


def free_port() -> int:
    """A port free on 127.0.0.1 now, from this worker's block (never one another worker of
    the same run is given); one that is taken is passed over."""
    first = PORTS_FROM + worker_index() * PORTS_PER_WORKER
    for _ in range(PORTS_PER_WORKER):
        with _port_lock:
            port = first + next(_next_port) % PORTS_PER_WORKER
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {first}–{first + PORTS_PER_WORKER - 1}")


def serve_in_thread(server: BaseServer) -> threading.Thread:
    """Serve in a daemon thread that notices `server.shutdown()` within SERVE_POLL_SECONDS."""
    thread = threading.Thread(target=server.serve_forever, args=(SERVE_POLL_SECONDS,), daemon=True)
    thread.start()
    return thread


def redis_test_url() -> str:
    """REDIS_TEST_URL (default database 15), one database lower for each xdist worker, so
    workers running at once never share one."""
    url = urlsplit(os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15"))
    database = int(url.path.strip("/") or 0) - worker_index()
    if database < 0:
        raise RuntimeError(
            f"REDIS_TEST_URL's database leaves none for xdist worker "
            f"{worker_index()}: use a higher one"
        )
    return urlunsplit(url._replace(path=f"/{database}"))


def set_callback_url(merchant_id, url: str):
    """The merchant's callback URL (its default webhook endpoint's), as the old column was
    set by tests: the endpoint is made if the merchant has none."""
    from webhooks.models import WebhookEndpoint

    endpoint, _ = WebhookEndpoint.objects.update_or_create(
        merchant_id=merchant_id, is_default=True, defaults={"url": url}
    )
    return endpoint


def default_endpoint(merchant_id):
    from webhooks.models import WebhookEndpoint

    return WebhookEndpoint.objects.get(merchant_id=merchant_id, is_default=True)


def delivery_of(event):
    """The event's one delivery (tests with a single endpoint)."""
    from webhooks.models import Delivery

    return Delivery.objects.select_related("endpoint").get(event=event)


class DeliveryWorkers:
    """`manage.py deliver`'s worker threads (webhooks.dispatcher.run) in the test's process,
    from entering the block until its end (each ends after its turn in progress)."""

    def __init__(self, count: int):
        from webhooks import dispatcher

        self.stop = threading.Event()
        self.thread = threading.Thread(target=dispatcher.run, args=(self.stop, count))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "a delivery worker did not stop"


def wait_for(condition, timeout: float) -> bool:
    """Whether `condition()` came true within `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
