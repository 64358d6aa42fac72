"""A node outage, quietly: what a failing scan records on its network's cursor, what it logs,
and how long the network waits before it is scanned again.

While a node is down the scan loop would fail every few seconds. Instead:
- one log line per network per minute: the first failure of an outage with its traceback
  when it is not a transport error (a node that answers what the backend cannot read is a
  bug to see), every other one as one line with the error's class and a short message
  whose URLs lose their credentials and query strings;
- a backoff: the network is skipped until `retry_at`, twice as long after each failure in
  a row, at most a minute, so a node that comes back is read again within a minute;
- the merchant's dashboard (chains.lag) says since when its node cannot be read, in their
  language and without the error's text (a host, a port, an RPC password).
The first successful scan ends the outage with one line.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from chains.lag import scan_interval

logger = logging.getLogger(__name__)

LOG_EVERY = timedelta(minutes=1)
MAX_BACKOFF = timedelta(minutes=1)
SHORT_MESSAGE = 200  # characters of the error's message kept in a log line
# scheme://user:password@host → scheme://***@host; ?api_key=… → ?***
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s'\"]+@")
_QUERY = re.compile(r"\?[^\s'\")]*")


class ScanFailed(Exception):
    """A scan failed; its failure is recorded on the cursor and logged (the cause is
    chained): callers need not log it again."""


def backoff(failures: int, interval: timedelta) -> timedelta:
    """How long a network whose scan failed `failures` times in a row waits: two scan
    intervals after the first failure, doubling, at most MAX_BACKOFF."""
    return min(interval * 2 ** min(failures, 16), MAX_BACKOFF)


def describe(exc: BaseException) -> str:
    """The error's class and the start of its message, without credentials in URLs."""
    message = _QUERY.sub("?***", _CREDENTIALS.sub("***@", str(exc)))
    if len(message) > SHORT_MESSAGE:
        message = message[: SHORT_MESSAGE - 1] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def failed(
    network: str,
    exc: BaseException,
    failures: int,
    failing_since: datetime | None,
    logged_at: datetime | None,
    now: datetime,
) -> dict[str, object]:
    """Log a failed scan (at most once per LOG_EVERY) and return the cursor's new fields."""
    failures += 1
    wait = backoff(failures, scan_interval())
    fields: dict[str, object] = {
        "last_error": describe(exc),
        "failures": failures,
        "failing_since": failing_since or now,
        "retry_at": now + wait,
    }
    if logged_at is None or now - logged_at >= LOG_EVERY:
        transport = isinstance(exc, OSError)  # requests' errors are OSErrors too
        logger.warning(
            "%s: scan failed %s time(s) since %s, retried in %s s: %s",
            network,
            failures,
            (failing_since or now).isoformat(timespec="seconds"),
            int(wait.total_seconds()),
            fields["last_error"],
            exc_info=exc if failures == 1 and not transport else None,
        )
        fields["failure_logged_at"] = now
    return fields


def recovered(
    network: str, failures: int, failing_since: datetime | None, now: datetime
) -> dict[str, object]:
    """A scan succeeded: the outage, if any, is over (one line says so)."""
    if failures:
        logger.warning(
            "%s: scanning again after %s failed scan(s) since %s", network, failures, failing_since
        )
    return {"failures": 0, "failing_since": None, "retry_at": None, "failure_logged_at": None}
