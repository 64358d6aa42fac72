"""Words for the dashboard's codes, and numbers written the reader's way.

One table per kind of code, keyed by the lifecycle's enums (`invoices.lifecycle`: Status,
Context, TxStatus), translated with the rest of the dashboard; a test checks every member
has its words in each language.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils import dateformat, formats, numberformat, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from invoices.lifecycle import Context, Status, TxStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Keyed by the enums, looked up by stored strings or None (a StrEnum equals its value).
STATUSES: dict[str | None, StrOrPromise] = {
    Status.NEW: _("New"),
    Status.PENDING: _("Pending"),
    Status.COMPLIANCE_REVIEW: _("Compliance review"),
    Status.COMPLETED: _("Completed"),
    Status.UNRESOLVED: _("Unresolved"),
    Status.EXPIRED: _("Expired"),
    Status.CANCELLED: _("Cancelled"),
    Status.FAILED: _("Failed"),
    Status.DECLINED: _("Declined"),
    Status.REFUNDED: _("Refunded"),
}
CONTEXTS: dict[str | None, StrOrPromise] = {
    Context.UNDERPAID: _("Underpaid"),
    Context.OVERPAID: _("Overpaid"),
    Context.PAID_LATE: _("Paid late"),
    Context.MULTIPLE_SENDERS: _("Multiple senders"),
    Context.REVERTED: _("Reverted"),
}
KINDS = {
    "open": _("Open: the payer picks the currency, the timer starts then"),
    "timed": _("Timed: the payer picks the currency, the timer starts now"),
    "fixed": _("Fixed: you pick the currency"),
}
SHORT_KINDS = {"open": _("Open invoice"), "timed": _("Timed invoice"), "fixed": _("Fixed invoice")}
TRANSACTION_STATES = {
    TxStatus.PENDING: _("Pending"),
    TxStatus.CONFIRMED: _("Confirmed"),
    TxStatus.REVERTED: _("Reverted"),
}
REFUND_STATES = {
    "awaiting_claim": _("Awaiting the payer's claim"),
    "claimed": _("Awaiting payout"),
    "paid": _("Paid"),
    "confirmed": _("Confirmed"),
    "cancelled": _("Cancelled"),
}
EVENT_TYPES = {
    "transaction_created": _("Payment seen"),
    "transaction_confirmed": _("Payment confirmed"),
    "transaction_updated": _("Confirmations changed"),
    "transaction_reverted": _("Payment reverted"),
    "status_changed": _("Status changed"),
    "refund_updated": _("Refund updated"),
}
# Network names that are words, not brands.
NETWORK_WORDS: dict[str | None, StrOrPromise] = {"sandbox": _("Sandbox (test network)")}


def status(code: str | None) -> str:
    return str(STATUSES.get(code, code or ""))


def context(code: str | None) -> str:
    return str(CONTEXTS.get(code, code or ""))


def network_name(code: str | None, name: str) -> str:
    return str(NETWORK_WORDS.get(code, name))


def confirmations(count: int, required: int) -> str:
    """ "2 of 6 confirmations", in the reader's language; once the count has reached what
    is required, the count alone ("5 confirmations", not "5 of 2")."""
    if required and count >= required:
        return ngettext("%(count)s confirmation", "%(count)s confirmations", count) % {
            "count": count
        }
    return ngettext(
        "%(count)s of %(required)s confirmation",
        "%(count)s of %(required)s confirmations",
        required,
    ) % {"count": count, "required": required}


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
    return numberformat.format(
        value, formats.get_format("DECIMAL_SEPARATOR"), places, use_l10n=True
    )


def money_text(text: str | None, currency: str | None) -> str:
    """ "25,00 EUR": an amount and its currency, the currency after, as the checkout does."""
    return f"{amount(text)} {currency}" if text not in (None, "") else ""


def datetime_text(value, seconds: bool = False) -> str:
    """A moment as the reader writes dates, on a 24-hour clock (times are UTC, as the pages
    say): "01.12.2026 20:35" in German, "01/12/2026 20:35" in French and Spanish; English
    keeps the unambiguous "2026-12-01 20:35" of an international dashboard."""
    if value is None:
        return ""
    time = "H:i:s" if seconds else "H:i"
    day = (
        "Y-m-d"
        if (get_language() or "en").startswith("en")
        else formats.get_format("SHORT_DATE_FORMAT")
    )
    return dateformat.format(timezone.localtime(value), f"{day} {time}")
