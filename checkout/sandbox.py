"""The test panel of sandbox invoices: what a payer's wallet and the chain would do, followed
by the same scan every real network gets, so the page shows what a real payment shows."""

from __future__ import annotations

from django.conf import settings

from chains.backends import sandbox
from invoices import sandbox as sandbox_payments
from invoices.models import Invoice
from invoices.services import ServiceError

ACTIONS = ("exact", "under", "over", "confirm")


def available(invoice: Invoice) -> bool:
    quote = invoice.quote
    return bool(settings.SANDBOX and quote and quote.network == sandbox.NETWORK and quote.address)


def simulate(invoice: Invoice, action: str) -> None:
    """Pay what is still due (exactly, half of it, or 10 % more), or mine enough blocks to
    confirm what is on its way. Payments come from one sender per invoice, as from one
    wallet: two senders would make the invoice `multiple_senders`."""
    if action not in ACTIONS:
        raise ServiceError("invalid_action", f"action must be one of {', '.join(ACTIONS)}")
    if action == "confirm":
        sandbox_payments.mine_pending(invoice)
        return
    quote = sandbox_payments.sandbox_quote(invoice)
    due = invoice.ledger().remaining or quote.due_amount
    amount = {"exact": due, "under": max(due // 2, 1), "over": due + max(due // 10, 1)}[action]
    sandbox_payments.pay(invoice, amount)
