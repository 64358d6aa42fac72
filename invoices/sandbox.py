"""Simulated payments on the sandbox network, for the API and the checkout's test panel.

A payment is broadcast into the sandbox mempool and scanned like any real chain (so it is
first seen unconfirmed); confirming mines the blocks the payment needs and scans again.
"""

from __future__ import annotations

from django.conf import settings

from chains import registry
from chains.backends import sandbox
from core.errors import ErrorCode, GatewayError
from invoices.models import Invoice, Transaction
from invoices.scanning import scan_network


def sandbox_quote(invoice: Invoice):
    """The invoice's sandbox payment method, or a GatewayError saying why there is none."""
    quote = invoice.quote
    if not settings.SANDBOX:
        raise GatewayError(ErrorCode.SANDBOX_OFF)
    if not registry.serves(registry.network(sandbox.NETWORK), invoice.livemode):
        # play money never settles a real invoice
        raise GatewayError(ErrorCode.LIVE_INVOICE)
    if quote is None or quote.network != sandbox.NETWORK or not quote.address:
        raise GatewayError(ErrorCode.NOT_A_SANDBOX_INVOICE)
    return quote


def pay(
    invoice: Invoice, amount: int | None = None, sender: str | None = None, confirm: bool = False
) -> None:
    """Send `amount` (default: the amount due) from one stable payer per invoice, as one
    wallet would; `confirm` also mines it to its required confirmations."""
    quote = sandbox_quote(invoice)
    sandbox.broadcast(
        quote.address,
        quote.asset,
        amount or quote.due_amount,
        sender or sandbox.payer_address(invoice.pk),
    )
    scan_network(sandbox.NETWORK)
    if confirm:
        mine_pending(invoice)


def mine_pending(invoice: Invoice) -> None:
    """Mine as many blocks as the invoice's unconfirmed payments still need, then scan."""
    sandbox_quote(invoice)
    pending = Transaction.objects.filter(invoice=invoice, status=Transaction.PENDING)
    network = registry.network(sandbox.NETWORK)
    sandbox.mine(
        max((tx.required_confirmations for tx in pending), default=network.min_confirmations)
    )
    scan_network(sandbox.NETWORK)
