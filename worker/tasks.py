"""django-q2 entry points: thin wrappers over the scanner and the services, named by the
schedule (worker.schedules). `scan_network` is one too (the `scan` command's, and any
queued scan); the outbox queues its own functions (webhooks.receivers)."""

import logging

from django.conf import settings

from chains.backends import sandbox
from chains.checks import enabled_networks
from chains.outages import ScanFailed
from invoices import rates
from invoices.scanning import scan_network
from invoices.services import reconciliation
from merchants import collecting
from webhooks import callbacks, emails, notifications, receipts

logger = logging.getLogger(__name__)


def scan_all() -> None:
    """Scan every enabled network; one failing node does not stop the others (the scanner
    has logged its failure, once a minute: chains.outages)."""
    for network in enabled_networks():
        try:
            scan_network(network.code)
        except ScanFailed:
            continue
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


def deliver_due_callbacks() -> int:
    return callbacks.deliver_due()


def send_payer_emails(invoice_id=None) -> int:
    """Send the refund-claim e-mails due (of one invoice, or all of them)."""
    return emails.send_refund_claim_emails(invoice_id)


def send_receipts(invoice_id=None) -> int:
    """Send the payers' receipts due (of one invoice, or all of them)."""
    return receipts.send_receipts(invoice_id)


def send_notifications() -> int:
    """Send the team's notification e-mails that are due (new ones and retries)."""
    return notifications.send_due()


def collect_forwarders() -> int:
    """Send the forwarder collections the rules allow (with COLLECTOR_KEY) and reconcile
    the sent ones (issue 28)."""
    return len(collecting.collect_automatically())
