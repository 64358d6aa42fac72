"""The merchant's automatic rules for unresolved invoices: for each reason an invoice can be
unresolved, what to do with it. Pure: the invoice lifecycle decides with these (and imports
them from here), the merchant's settings are keyed by them."""

from __future__ import annotations

from enum import StrEnum


class Context(StrEnum):
    """Why an invoice is unresolved (its status_context)."""

    UNDERPAID = "underpaid"
    OVERPAID = "overpaid"
    PAID_LATE = "paid_late"
    MULTIPLE_SENDERS = "multiple_senders"
    REVERTED = "reverted"


UNRESOLVED_CONTEXTS = tuple(c.value for c in Context)
UNRESOLVED_RULES = ("review", "complete", "refund")
