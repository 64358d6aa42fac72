"""The delivery workers of one process (`manage.py deliver`): `workers` threads running
delivery passes (webhooks.callbacks.deliver_due) while they find work, and waiting for a
wake-up (webhooks.wakeups) after a pass that sent nothing. The main thread waits for the
wake-ups and passes each on to every worker; one that came during a worker's pass sends it
on another pass at once."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

from webhooks import callbacks, wakeups

logger = logging.getLogger(__name__)


class Wakeups:
    """A counter of the wake-ups seen by this process, for the workers to wait on."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.count = 0

    def pulse(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait_after(self, seen: int, timeout: float) -> None:
        """Until a wake-up after the `seen`-th (at once if one came already)."""
        with self._changed:
            self._changed.wait_for(lambda: self.count != seen, timeout)


def _work(stop: threading.Event, woken: Wakeups) -> None:
    """Passes while they deliver; after one that delivers nothing, wait for a wake-up."""
    try:
        while not stop.is_set():
            seen, delivered = woken.count, 0
            try:
                delivered = callbacks.deliver_due(stop=stop)
            except Exception:
                logger.exception("a delivery pass failed; the next one retries")
            finally:
                close_old_connections()  # a database restart must not break the loop
            if not delivered:
                woken.wait_after(seen, wakeups.WAIT_SECONDS)
    finally:
        connection.close()


def run(stop: threading.Event, workers: int) -> None:
    """Deliver until `stop` is set; each worker ends after its attempt in progress."""
    woken = Wakeups()
    threads = [
        threading.Thread(target=_work, args=(stop, woken), name=f"deliver-{i}", daemon=True)
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        while not stop.is_set():
            wakeups.wait(stop)
            woken.pulse()
    finally:
        stop.set()
        woken.pulse()
        for thread in threads:
            thread.join()
