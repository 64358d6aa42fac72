"""The invoice state machine, as pure functions.

`evaluate` derives an invoice's status from its facts, the payments observed and the time;
the services write what it decides. `check_action` says which merchant actions a status
allows. Nothing here touches the database, so tests can drive every case directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from invoices.pricing import Fit, classify

NEW, PENDING, COMPLIANCE_REVIEW, COMPLETED, UNRESOLVED = (
    "new", "pending", "compliance_review", "completed", "unresolved")
EXPIRED, CANCELLED, FAILED, DECLINED, REFUNDED = (
    "expired", "cancelled", "failed", "declined", "refunded")
UNDERPAID, OVERPAID, PAID_LATE, MULTIPLE_SENDERS, REVERTED = (
    "underpaid", "overpaid", "paid_late", "multiple_senders", "reverted")

# Statuses only a merchant's action leaves; payments arriving later are recorded, not judged.
MERCHANT_OWNED = frozenset({CANCELLED, FAILED, DECLINED, REFUNDED})
FINAL = frozenset({COMPLETED, EXPIRED, CANCELLED, FAILED, DECLINED, REFUNDED, UNRESOLVED})

ACTIONS = {
    "cancel": frozenset({NEW, PENDING}),
    "complete": frozenset({UNRESOLVED, DECLINED}),
    "refund": frozenset({UNRESOLVED, DECLINED}),
    "approve": frozenset({COMPLIANCE_REVIEW}),
    "decline": frozenset({COMPLIANCE_REVIEW}),
    "select_currency": frozenset({NEW}),
}


class TransitionNotAllowed(Exception):
    def __init__(self, action: str, status: str):
        allowed = ", ".join(sorted(ACTIONS.get(action, ()))) or "no status"
        super().__init__(f"cannot {action.replace('_', ' ')} an invoice that is {status}; "
                         f"allowed from: {allowed}")
        self.action, self.status = action, status


def check_action(action: str, status: str) -> None:
    if status not in ACTIONS[action]:
        raise TransitionNotAllowed(action, status)


@dataclass(frozen=True)
class Payment:
    amount: int
    senders: tuple[str, ...]
    detected_at: datetime
    confirmed: bool = False
    reverted_at: datetime | None = None
    flagged: bool = False


@dataclass(frozen=True)
class Facts:
    status: str
    context: str | None
    due: int | None  # None until a payment method is chosen
    slippage_percent: Decimal
    expires_at: datetime | None  # None: no timer yet (open invoice, nothing picked)
    late_window: timedelta
    processing_timeout: timedelta
    status_changed_at: datetime
    review_decision: str = ""  # "", "approved"


@dataclass(frozen=True)
class Decision:
    status: str
    context: str | None

    @property
    def final(self) -> bool:
        return self.status in FINAL


def evaluate(facts: Facts, payments: list[Payment], now: datetime) -> Decision:
    """The status an invoice should have now."""
    current = Decision(facts.status, facts.context)
    if facts.status in MERCHANT_OWNED:
        return current
    live = [p for p in payments if p.reverted_at is None]

    if facts.status == COMPLETED:
        # Completion stands unless money it counted left the chain afterwards.
        if any(p.reverted_at and p.reverted_at >= facts.status_changed_at for p in payments):
            return Decision(UNRESOLVED, REVERTED)
        return current
    if facts.status == UNRESOLVED and facts.context == REVERTED:
        return current

    if any(p.flagged for p in live) and facts.review_decision != "approved":
        return Decision(COMPLIANCE_REVIEW, None)
    if facts.status == COMPLIANCE_REVIEW and facts.review_decision != "approved":
        return current

    expired = facts.expires_at is not None and now >= facts.expires_at
    if not live:
        return Decision(EXPIRED if expired else NEW, None)

    if has_several_senders(live):
        return Decision(UNRESOLVED, MULTIPLE_SENDERS)

    unconfirmed = [p for p in live if not p.confirmed]
    if unconfirmed:
        if any(now - p.detected_at >= facts.processing_timeout for p in unconfirmed):
            return Decision(FAILED, None)
        if facts.status in (EXPIRED, UNRESOLVED):
            return current  # judged once the late payment confirms
        confirmed_total = sum(p.amount for p in live if p.confirmed)
        underpaid = confirmed_total and classify(confirmed_total, facts.due, facts.slippage_percent)
        return Decision(PENDING, UNDERPAID if underpaid == Fit.UNDER else None)

    if facts.expires_at is not None and any(p.detected_at > facts.expires_at for p in live):
        return Decision(UNRESOLVED, PAID_LATE)
    fit = classify(sum(p.amount for p in live), facts.due, facts.slippage_percent)
    if fit == Fit.EXACT:
        return Decision(COMPLETED, None)
    if fit == Fit.OVER:
        return Decision(UNRESOLVED, OVERPAID)
    return Decision(UNRESOLVED if expired else PENDING, UNDERPAID)


def has_several_senders(payments: list[Payment]) -> bool:
    """Two payments whose known senders share no address come from two parties. (One
    transaction spending from several addresses of one wallet is still one party.)"""
    known = [set(p.senders) for p in payments if p.senders]
    return any(a.isdisjoint(b) for i, a in enumerate(known) for b in known[i + 1:])


def watch_until(facts: Facts) -> datetime | None:
    """Until when payments to the invoice's address are looked for."""
    if facts.expires_at is None:
        return None
    return facts.expires_at + facts.late_window
