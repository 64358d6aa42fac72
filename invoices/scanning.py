"""One scan of one network, applied: the scanner's callbacks the domain gives it. Shared by
the worker's tasks, the `scan` command and the sandbox, which scans after it mines."""

from chains import registry, scanner
from chains.backends import get_backend
from invoices import selectors
from invoices.services import reconciliation


def _watched(*, network: str, addresses: set[str]) -> set[str]:
    """Invoice addresses still listening, and refund addresses awaiting their payout."""
    return selectors.watched_addresses(
        network=network, addresses=addresses
    ) | selectors.payout_addresses(network=network, addresses=addresses)


def _apply(*, report: scanner.ScanReport) -> None:
    reconciliation.apply_transfers(report=report)
    reconciliation.match_payouts(report=report)


def scan_network(code: str) -> scanner.ScanReport | None:
    """Scan one network once and apply what it saw: payments and refund payouts."""
    network = registry.network(code)
    return scanner.scan(network, get_backend(network), _watched, _apply)
