"""Words for the dashboard's codes, and numbers written the reader's way.

One table per kind of code (statuses, contexts, refund and transaction states), translated
with the rest of the dashboard. When `invoices.lifecycle` defines statuses and contexts as
enums with labels, these tables point at them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import formats, numberformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

STATUSES = {
    "new": pgettext_lazy("invoice status", "New"),
    "pending": pgettext_lazy("invoice status", "Pending"),
    "compliance_review": pgettext_lazy("invoice status", "Compliance review"),
    "completed": pgettext_lazy("invoice status", "Completed"),
    "unresolved": pgettext_lazy("invoice status", "Unresolved"),
    "expired": pgettext_lazy("invoice status", "Expired"),
    "cancelled": pgettext_lazy("invoice status", "Cancelled"),
    "failed": pgettext_lazy("invoice status", "Failed"),
    "declined": pgettext_lazy("invoice status", "Declined"),
    "refunded": pgettext_lazy("invoice status", "Refunded"),
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
SHORT_KINDS = {"open": pgettext_lazy("invoice kind", "Open"),
               "timed": pgettext_lazy("invoice kind", "Timed"),
               "fixed": pgettext_lazy("invoice kind", "Fixed")}
TRANSACTION_STATES = {"pending": pgettext_lazy("transaction", "Pending"),
                      "confirmed": pgettext_lazy("transaction", "Confirmed"),
                      "reverted": pgettext_lazy("transaction", "Reverted")}
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
    """An exact decimal string written with the active language's separators, every digit
    kept: "1234.50" is "1,234.50" in English and "1.234,50" in German. Not for values a
    payer copies into a wallet: those keep the plain form."""
    if text in (None, ""):
        return ""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return str(text)
    places = len(str(text).partition(".")[2])
    return numberformat.format(value, formats.get_format("DECIMAL_SEPARATOR"), places,
                               formats.get_format("NUMBER_GROUPING"),
                               formats.get_format("THOUSAND_SEPARATOR"), force_grouping=True)


def money_text(text: str | None, currency: str | None) -> str:
    """"25,00 EUR": an amount and its currency, the currency after, as the checkout does."""
    return f"{amount(text)} {currency}" if text not in (None, "") else ""
