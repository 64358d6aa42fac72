"""The test panel of sandbox invoices: what a payer's wallet and the chain would do, followed
by the same scan every real network gets, so the page shows what a real payment shows."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from chains.backends import sandbox
from core.errors import ErrorCode, GatewayError
from invoices import sandbox as sandbox_payments
from invoices.models import Invoice

ACTIONS = ("exact", "under", "over", "confirm")


def available(invoice: Invoice) -> bool:
    """Test invoices only: a live invoice never shows the panel, whatever its quote says."""
    quote = invoice.quote
    return bool(
        settings.SANDBOX
        and not invoice.livemode
        and quote
        and quote.network == sandbox.NETWORK
        and quote.address
    )


@transaction.atomic
def simulate(invoice: Invoice, action: str) -> None:
    """Pay what is still due (exactly, half of it, or 10 % more), or mine enough blocks to
    confirm what is on its way. Payments come from one sender per invoice, as from one
    wallet: two senders would make the invoice `multiple_senders`. One transaction, as the
    API's: a step that fails undoes the payment it followed."""
    if action not in ACTIONS:
        raise GatewayError(ErrorCode.INVALID_ACTION, "action", actions=", ".join(ACTIONS))
    if action == "confirm":
        sandbox_payments.mine_pending(invoice)
        return
    quote = sandbox_payments.sandbox_quote(invoice)
    due = invoice.ledger().remaining or quote.due_amount
    amount = {"exact": due, "under": max(due // 2, 1), "over": due + max(due // 10, 1)}[action]
    sandbox_payments.pay(invoice, amount)
