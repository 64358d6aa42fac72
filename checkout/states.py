"""Pure decisions of the payer's page: which screen an invoice state shows and what the
return URL is told (amounts read as pages.amounts says). No database, no request: tests drive
every case."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from invoices import lifecycle as lc

# Screens, one template each (templates/checkout/screens/<screen>.html).
CHOOSE = "choose"  # pick a coin and network
PAY = "pay"  # address, amount, QR, countdown
SEEN = "seen"  # a payment is on its way: confirmations n/m
UNDERPAID = "underpaid"  # pay the remainder, while the timer runs
REVIEW = "review"  # compliance review holds the funds
COMPLETED = "completed"  # the receipt
OVERPAID, PAID_LATE, SHORT, SENDERS, REVERTED, UNRESOLVED = (
    "overpaid",
    "paid_late",
    "short",
    "senders",
    "reverted",
    "unresolved",
)  # by context
EXPIRED, EXPIRED_FUNDS = "expired", "expired_funds"  # nothing received / received late
CANCELLED, FAILED, DECLINED, REFUNDED, CLOSED = (
    "cancelled",
    "failed",
    "declined",
    "refunded",
    "closed",
)  # closed: archived while new
AFTER_CLOSE = "after_close"  # money arrived after the invoice ended: the merchant can refund it

# Keyed by the enums, looked up by the stored strings (a StrEnum is equal to its value).
_UNRESOLVED: dict[str | None, str] = {
    lc.OVERPAID: OVERPAID,
    lc.PAID_LATE: PAID_LATE,
    lc.UNDERPAID: SHORT,
    lc.MULTIPLE_SENDERS: SENDERS,
    lc.REVERTED: REVERTED,
}
_MERCHANT_OWNED: dict[str, str] = {
    lc.CANCELLED: CANCELLED,
    lc.FAILED: FAILED,
    lc.DECLINED: DECLINED,
    lc.REFUNDED: REFUNDED,
}
_FAILED_STATUSES = frozenset({lc.EXPIRED, lc.CANCELLED, lc.FAILED, lc.DECLINED, lc.REFUNDED})


def screen(
    status: str,
    context: str | None,
    *,
    archived: bool,
    chosen: bool,
    received: int,
    remaining: int,
    timer_over: bool,
    after_close: bool = False,
) -> str:
    """The screen for an invoice's state. `timer_over`: the countdown reached zero but the
    sweeper has not expired the invoice yet — the payer must not pay into it any more.
    `after_close`: money reached an invoice that had ended (`Ledger.after_close`); the payer
    is told it arrived too late and that the merchant can refund it."""
    if after_close:
        return AFTER_CLOSE
    if status == lc.NEW:
        if archived:
            return CLOSED
        if timer_over:
            return EXPIRED
        return PAY if chosen else CHOOSE
    if status == lc.PENDING:
        # A top-up already on its way leaves nothing to ask for: show its confirmations.
        return UNDERPAID if context == lc.UNDERPAID and remaining > 0 else SEEN
    if status == lc.COMPLIANCE_REVIEW:
        return REVIEW
    if status == lc.COMPLETED:
        return COMPLETED
    if status == lc.UNRESOLVED:
        return _UNRESOLVED.get(context, UNRESOLVED)
    if status == lc.EXPIRED:
        return EXPIRED_FUNDS if received else EXPIRED
    return _MERCHANT_OWNED[status]


def is_final(status: str, archived: bool) -> bool:
    """The payer has nothing more to do here: polling stops and the page sends them back."""
    return status in lc.FINAL or (archived and status == lc.NEW)


def payment_status(status: str, archived: bool) -> str | None:
    """The `paymentStatus` the return URL gets (PRODUCT.md): SUCCESS for completed, FAILED
    for the failed endings (an archived open invoice among them), none for unresolved — the
    merchant decides — or while the invoice is still open."""
    if status == lc.COMPLETED:
        return "SUCCESS"
    if status in _FAILED_STATUSES or (archived and status == lc.NEW):
        return "FAILED"
    return None


def return_url(url: str, status: str | None) -> str:
    """The merchant's return URL with `paymentStatus` set (replacing one already there)."""
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paymentStatus"
    ]
    if status:
        query.append(("paymentStatus", status))
    return urlunsplit(parts._replace(query=urlencode(query)))


def confirmations(waiting: list[tuple[int, int]]) -> tuple[int, int] | None:
    """(seen, required) of the least advanced of the transactions still waiting, given as
    (confirmations, required) pairs."""
    if not waiting:
        return None
    seen, required = min(waiting, key=lambda pair: pair[0] / max(pair[1], 1))
    return min(seen, required), required


def clock(seconds: int) -> str:
    """A countdown as the page shows it before its script takes over: 14:05, 1:02:03."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def email_question(setting: str, has_email: bool, screen: str, at_counter: bool) -> str:
    """Whether the page asks the payer for an e-mail: "" (no), "optional" or "required" (the
    payment is shown once it is given). Only while choosing or paying, only when the invoice
    has none, and never on a point of sale's counter screen, where the cashier holds it."""
    if setting not in ("optional", "required") or has_email or at_counter:
        return ""
    return setting if screen in (CHOOSE, PAY) else ""
