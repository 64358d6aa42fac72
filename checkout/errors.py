"""The payer's pages' rendering of a `GatewayError`: the payer reads the checkout's own
words for the refusals a payer meets, never the reason written for the merchant (a missing
wallet, a rate source down)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.errors import ErrorCode, GatewayError

SELECT_ERRORS = {
    ErrorCode.INVOICE_EXPIRED: gettext_lazy("This invoice has expired."),
    ErrorCode.INVOICE_ARCHIVED: gettext_lazy("This invoice no longer accepts payments."),
    ErrorCode.PAYMENT_SEEN: gettext_lazy(
        "A payment was already seen, so the currency can no longer change."
    ),
    ErrorCode.CURRENCY_FIXED: gettext_lazy("The currency of this invoice cannot change."),
    ErrorCode.INVALID_STATE: gettext_lazy("This invoice no longer accepts a currency choice."),
}
CANNOT_CHOOSE = gettext_lazy("This currency cannot be chosen right now. Please choose another.")


def select_error(error: GatewayError, payment_seen: bool, expired: bool = False) -> str:
    """Why the payer's choice of a currency was refused. `payment_seen`: the invoice has a
    transaction, `expired`: its timer ran out (it was expired as the page loaded it) —
    which is why its state no longer allows a choice."""
    if error.code == ErrorCode.INVALID_STATE and payment_seen:
        return str(SELECT_ERRORS[ErrorCode.PAYMENT_SEEN])
    if error.code == ErrorCode.INVALID_STATE and expired:
        return str(SELECT_ERRORS[ErrorCode.INVOICE_EXPIRED])
    return str(SELECT_ERRORS.get(error.code, CANNOT_CHOOSE))
