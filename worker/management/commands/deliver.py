"""Deliver callbacks without pause: CALLBACKS_WORKERS threads send each endpoint's due
deliveries in turns, woken when a change records events (webhooks.dispatcher). Run it beside
`qcluster` and `scan`; extra copies, here or on other machines, share the work (each
endpoint's slots and each delivery's lease hold across processes). The worker's minute-ly
pass is the safety net. SIGTERM or SIGINT stops it after the attempts in progress."""

import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from webhooks import dispatcher


class Command(BaseCommand):
    help = "Deliver callbacks with --workers threads until SIGTERM/SIGINT."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.CALLBACKS_WORKERS,
            help="delivery threads (default: CALLBACKS_WORKERS)",
        )

    def handle(self, *args: Any, workers: int, **options: Any) -> None:
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        self.stdout.write(f"delivering callbacks with {workers} workers")
        self.stdout.flush()
        try:
            dispatcher.run(stop, workers)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("stopped")
