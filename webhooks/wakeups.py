"""Waking the delivery workers: a change that records events wakes them once it commits, so
a callback leaves within moments of its change, and no task is queued per event.

With Redis (`REDIS_URL`) a wake-up is one push to a short list, on one connection per
process (redis-py's pool, shared by its threads), and a waiting worker process blocks on the
list. Without Redis nothing is sent: the workers look for due deliveries every
POLL_SECONDS, one indexed query. Either way a lost wake-up only waits for the next look,
and the workers look at least every POLL_SECONDS: retries fall due by the clock, not by a
wake-up."""

from __future__ import annotations

import logging
import threading
from functools import cache

import redis
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # without Redis: how often an idle worker process looks
WAIT_SECONDS = 5.0  # with Redis: the longest an idle worker process waits for a wake-up
KEPT = 8  # wake-ups kept while no worker takes them: one is enough to wake a pass


def key() -> str:
    """The list of wake-ups, per gateway (django-q2's cluster name names its queue too)."""
    return f"{settings.Q_CLUSTER['name']}:callbacks:wake"


def client() -> redis.Redis | None:
    """This process's Redis client (None without REDIS_URL)."""
    return _client_of(settings.REDIS_URL) if settings.REDIS_URL else None


@cache
def _client_of(url: str) -> redis.Redis:
    """Made once per URL, its connections pooled and shared by every thread."""
    return redis.Redis.from_url(url, health_check_interval=30)


def notify() -> None:
    """Wake the delivery workers (after a commit: `transaction.on_commit(notify)`). A
    failure is logged, never raised: the workers' next look finds the deliveries anyway."""
    redis_client = client()
    if redis_client is None:
        return
    try:
        pipe = redis_client.pipeline(transaction=False)
        pipe.lpush(key(), 1)
        pipe.ltrim(key(), 0, KEPT - 1)
        pipe.execute()
    except redis.RedisError as exc:
        logger.warning("could not wake the delivery workers (%s); they find it shortly", exc)


def notify_on_commit() -> None:
    """Wake the workers once the current transaction commits (at once outside one): one
    wake-up per transaction, however many events it records."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is notify for _, func, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(notify, robust=True)


def wait(stop: threading.Event) -> None:
    """Until a wake-up comes, or the time of the next look, or `stop` is set."""
    redis_client = client()
    if redis_client is None:
        stop.wait(POLL_SECONDS)
        return
    try:
        if redis_client.blpop([key()], timeout=WAIT_SECONDS):
            redis_client.delete(key())  # the others queued meanwhile: this pass serves them
    except redis.RedisError as exc:
        logger.warning("waiting for wake-ups failed (%s); looking every %g s", exc, POLL_SECONDS)
        stop.wait(POLL_SECONDS)
