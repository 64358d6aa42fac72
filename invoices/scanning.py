"""One scan of one network, applied: the scanner's callbacks the domain gives it. Shared by
the worker's tasks, the `scan` command and the sandbox, which scans after it mines."""

from chains import registry, scanner
from chains.backends import get_backend
from invoices import refunds, services


def _watched(network: str, addresses: set[str]) -> set[str]:
    """Invoice addresses still listening, and refund addresses awaiting their payout."""
    return (services.watched_addresses(network, addresses)
            | refunds.payout_addresses(network, addresses))


def _apply(report: scanner.ScanReport) -> None:
    services.apply_transfers(report)
    refunds.match_payouts(report.network, report.transfers)


def scan_network(code: str):
    """Scan one network once and apply what it saw: payments and refund payouts."""
    network = registry.get_network(code)
    return scanner.scan(network, get_backend(network), _watched, _apply)
