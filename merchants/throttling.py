"""Rate limits that hold across every web process: an atomic counter per fixed window, in
Redis when `REDIS_URL` is set (INCR), else in the database (one upsert per hit). Django's
DatabaseCache is not used because its `incr` is a read then a write, which lets concurrent
requests through; the local-memory cache counts per process."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.throttling import BaseThrottle

from core.proxy import client_ip as forwarded_client_ip

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class Window:
    limit: int
    count: int
    reset: int  # seconds until the window ends

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/min" → (600, 60)."""
    number, _, period = rate.partition("/")
    return int(number), PERIODS[period.strip().lower()]


def _count_in_redis(key: str, period: int) -> int:
    cache.add(key, 0, timeout=period + 5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout=period + 5)
        return cache.incr(key)


_UPSERT = (
    "INSERT INTO merchants_ratelimitcounter (bucket, window_start, count) VALUES (%s, %s, 1) "
    "ON CONFLICT (bucket, window_start) DO UPDATE "
    "SET count = merchants_ratelimitcounter.count + 1 RETURNING count"
)


def _count_in_database(bucket: str, start: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [bucket, start])
        count = cursor.fetchone()[0]
        if count == 1:  # a new window: the bucket's older ones are done with
            cursor.execute(
                "DELETE FROM merchants_ratelimitcounter WHERE bucket = %s AND window_start < %s",
                [bucket, start],
            )
    return count


def hit(bucket: str, rate: str, now: float | None = None) -> Window:
    """Count one hit against `bucket` and say whether it is within `rate`."""
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    start = int(now // period) * period
    reset = max(int(start + period - now + 0.999), 1)
    bucket = bucket[:150]
    if settings.REDIS_URL:
        count = _count_in_redis(f"rl:{bucket}:{start}", period)
    else:
        count = _count_in_database(bucket, start)
    return Window(limit, count, reset)


def peek(bucket: str, rate: str) -> Window:
    """The bucket's current window without counting (for limits counted only on failure)."""
    limit, period = parse_rate(rate)
    now = time.time()
    start = int(now // period) * period
    reset = max(int(start + period - now + 0.999), 1)
    bucket = bucket[:150]
    if settings.REDIS_URL:
        count = cache.get(f"rl:{bucket}:{start}") or 0
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count FROM merchants_ratelimitcounter "
                "WHERE bucket = %s AND window_start = %s",
                [bucket, start],
            )
            row = cursor.fetchone()
        count = row[0] if row else 0
    return Window(limit, count, reset)


def client_ip(request) -> str:
    """The address the request came from, by the one rule logins use too
    (`core.proxy.client_ip`: a forwarded header only behind TRUSTED_PROXY_COUNT proxies, so
    a client cannot pick its own bucket)."""
    return forwarded_client_ip(getattr(request, "_request", request)) or "unknown"


def remember(request, window: Window) -> None:
    """Keep the window on the Django request; the middleware turns it into headers."""
    django_request = getattr(request, "_request", request)
    django_request.rate_limit_window = window


def headers(window: Window) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(window.limit),
        "RateLimit-Remaining": str(window.remaining),
        "RateLimit-Reset": str(window.reset),
    }


class ApiKeyRateThrottle(BaseThrottle):
    """Requests per API key (`API_THROTTLE_RATE`), so one integration cannot starve the
    others; every response says where the key stands."""

    def allow_request(self, request, view):
        if request.auth is None:
            return True  # refused by authentication; failed attempts have their own limit
        self.window = hit(f"key:{request.auth.pk}", settings.API_THROTTLE_RATE)
        remember(request, self.window)
        return self.window.allowed

    def wait(self):
        return self.window.reset
