"""The test panel of sandbox invoices: what a payer's wallet and the chain would do, followed
by the same scan every real network gets, so the page shows what a real payment shows."""

from __future__ import annotations

from django.conf import settings

from chains.backends import sandbox
from invoices.models import Invoice, Transaction
from invoices.representation import paid_units
from invoices.services import Conflict, ServiceError
from invoices.tasks import scan_network

ACTIONS = ("exact", "under", "over", "confirm")


def available(invoice: Invoice) -> bool:
    quote = invoice.quote
    return bool(settings.SANDBOX and quote and quote.network == sandbox.NETWORK and quote.address)


def simulate(invoice: Invoice, action: str) -> None:
    """Pay what is still due (exactly, half of it, or 10 % more), or mine enough blocks to
    confirm what is on its way. Payments come from one sender per invoice, as from one
    wallet: two senders would make the invoice `multiple_senders`."""
    if not available(invoice):
        raise Conflict("not_a_sandbox_invoice", "the invoice has no sandbox payment address")
    if action not in ACTIONS:
        raise ServiceError("invalid_action", f"action must be one of {', '.join(ACTIONS)}")
    if action == "confirm":
        pending = invoice.transactions.filter(status=Transaction.PENDING)
        sandbox.mine(max((tx.required_confirmations for tx in pending), default=1))
    else:
        quote = invoice.quote
        due = max(quote.due_amount - paid_units(invoice.transactions.all()), 0) or quote.due_amount
        amount = {"exact": due, "under": max(due // 2, 1), "over": due + max(due // 10, 1)}[action]
        sandbox.broadcast(quote.address, quote.asset, amount, sandbox.payer_address(invoice.pk))
    scan_network(sandbox.NETWORK)
