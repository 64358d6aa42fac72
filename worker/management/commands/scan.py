"""Watch the chains without pause: scan the enabled networks (or the ones named) every few
seconds, so a payment shows as pending within seconds of reaching the node. The django-q2
schedule keeps scanning every minute as a safety net; the two never scan one network at
the same time (the network's lease). SIGTERM or SIGINT stops the loop after the current
pass, so a deploy never cuts a scan in half."""

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from chains import checks, registry
from chains.backends import close_all
from chains.lag import scan_interval
from chains.outages import ScanFailed
from worker import tasks  # scan_network: the entry point the workers use too

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Scan networks in a loop every --interval seconds until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument(
            "--network",
            action="append",
            dest="networks",
            metavar="CODE",
            help="a network to scan (repeatable; default: every enabled one)",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=scan_interval().total_seconds(),
            help="seconds from the start of one pass to the next (default: SCAN_INTERVAL_SECONDS)",
        )

    def handle(self, *args, networks=None, interval, **options):
        configured = [network for network in registry.all_networks().values() if network.enabled]
        for code, reason in sorted(checks.verify(configured).items()):
            self.stderr.write(
                f"network {code} refused: {reason}; it is not scanned nor offered to payers"
            )
        enabled = {network.code for network in checks.enabled_networks()}
        codes = networks or sorted(enabled)
        if unknown := [code for code in codes if code not in enabled]:
            raise CommandError(f"not enabled (or refused) networks: {', '.join(unknown)}")
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        self.stdout.write(f"scanning {', '.join(codes)} every {interval:g} s")
        try:
            while not stop.is_set():
                started = time.monotonic()
                for code in codes:
                    try:
                        tasks.scan_network(code)
                    except ScanFailed:  # logged once a minute by the scanner, backed off
                        continue
                    except Exception:
                        logger.exception("scanning %s failed; retried next pass", code)
                close_old_connections()  # a database restart must not break the loop
                stop.wait(max(0.0, interval - (time.monotonic() - started)))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            close_all()  # idle keep-alive connections would hold a node's shutdown
        self.stdout.write("stopped")
