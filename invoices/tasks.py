"""django-q2 entry points: thin wrappers over the scanner and the services."""

import logging

from django.conf import settings

from chains import registry, scanner
from chains.backends import get_backend, sandbox
from invoices import rates, selectors
from invoices.services import reconciliation
from merchants import callbacks, emails, notifications

logger = logging.getLogger(__name__)


def _watched(*, network: str, addresses: set[str]) -> set[str]:
    """Invoice addresses still listening, and refund addresses awaiting their payout."""
    return (selectors.watched_addresses(network=network, addresses=addresses)
            | selectors.payout_addresses(network=network, addresses=addresses))


def _apply(*, report: scanner.ScanReport) -> None:
    reconciliation.apply_transfers(report=report)
    reconciliation.match_payouts(network=report.network, transfers=report.transfers)


def scan_network(code: str):
    """Scan one network once and apply what it saw: payments and refund payouts."""
    network = registry.get_network(code)
    return scanner.scan(network, get_backend(network), _watched, _apply)


def scan_all() -> None:
    """Scan every enabled network; one failing node does not stop the others."""
    for network in registry.enabled_networks():
        try:
            scan_network(network.code)
        except Exception:
            logger.exception("scanning %s failed; it is retried on the next run", network.code)


def sweep() -> int:
    return reconciliation.sweep()


def refresh_rates() -> dict:
    return rates.refresh_rates()


def sandbox_mine() -> None:
    """The sandbox's block clock: a block a minute, like a slow real chain."""
    if settings.SANDBOX:
        sandbox.mine(1)
        scan_network(sandbox.NETWORK)


def deliver_callbacks(invoice_id) -> int:
    """Deliver an invoice's due callback events, in order."""
    return callbacks.deliver_invoice_events(invoice_id)


def deliver_due_callbacks() -> int:
    return callbacks.deliver_due()


def send_payer_emails(invoice_id=None) -> int:
    """Send the refund-claim e-mails due (of one invoice, or all of them)."""
    return emails.send_refund_claim_emails(invoice_id)


def send_notifications() -> int:
    """Send the team's notification e-mails that are due (new ones and retries)."""
    return notifications.send_due()
