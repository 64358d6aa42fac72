"""Words for the dashboard's codes, and numbers written the reader's way.

One table per kind of code (statuses, contexts, refund and transaction states), translated
with the rest of the dashboard. When `invoices.lifecycle` defines statuses and contexts as
enums with labels, these tables point at them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import formats, numberformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

STATUSES = {
    "new": _("New"),
    "pending": _("Pending"),
    "compliance_review": _("Compliance review"),
    "completed": _("Completed"),
    "unresolved": _("Unresolved"),
    "expired": _("Expired"),
    "cancelled": _("Cancelled"),
    "failed": _("Failed"),
    "declined": _("Declined"),
    "refunded": _("Refunded"),
}
CONTEXTS = {
    "underpaid": _("Underpaid"),
    "overpaid": _("Overpaid"),
    "paid_late": _("Paid late"),
    "multiple_senders": _("Multiple senders"),
    "reverted": _("Reverted"),
}
KINDS = {"open": _("Open: the payer picks the currency, the timer starts then"),
         "timed": _("Timed: the payer picks the currency, the timer starts now"),
         "fixed": _("Fixed: you pick the currency")}
SHORT_KINDS = {"open": _("Open invoice"), "timed": _("Timed invoice"),
               "fixed": _("Fixed invoice")}
TRANSACTION_STATES = {"pending": _("Pending"), "confirmed": _("Confirmed"),
                      "reverted": _("Reverted")}
REFUND_STATES = {"awaiting_claim": _("Awaiting the payer's claim"),
                 "awaiting_payout": _("Awaiting payout"), "paid": _("Paid")}
EVENT_TYPES = {
    "transaction_created": _("Payment seen"),
    "transaction_confirmed": _("Payment confirmed"),
    "transaction_updated": _("Confirmations changed"),
    "transaction_reverted": _("Payment reverted"),
    "status_changed": _("Status changed"),
    "refund_updated": _("Refund updated"),
}
# Network names that are words, not brands.
NETWORK_WORDS = {"sandbox": _("Sandbox (test network)")}


def status(code: str | None) -> str:
    return str(STATUSES.get(code, code or ""))


def context(code: str | None) -> str:
    return str(CONTEXTS.get(code, code or ""))


def network_name(code: str | None, name: str) -> str:
    return str(NETWORK_WORDS.get(code, name))


def confirmations(count: int, required: int) -> str:
    """"2 of 6 confirmations", in the reader's language."""
    return ngettext("%(count)s of %(required)s confirmation",
                    "%(count)s of %(required)s confirmations", required) % {
        "count": count, "required": required}


def amount(text: str | None) -> str:
    """An exact decimal string written with the active language's decimal separator, every
    digit kept: "25.00" is "25,00" in German. Digits are not grouped (an amount stays one
    word, as wallets and exchanges show it). Not for values a payer copies into a wallet:
    those keep the plain form."""
    if text in (None, ""):
        return ""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return str(text)
    places = len(str(text).partition(".")[2])
    return numberformat.format(value, formats.get_format("DECIMAL_SEPARATOR"), places,
                               use_l10n=True)


def money_text(text: str | None, currency: str | None) -> str:
    """"25,00 EUR": an amount and its currency, the currency after, as the checkout does."""
    return f"{amount(text)} {currency}" if text not in (None, "") else ""
