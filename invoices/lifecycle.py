"""The invoice state machine, as pure functions: every status decision lives here.

- `evaluate`: the status an invoice should have now, from its facts and its `Ledger`;
- `target`: where a merchant's action (cancel, complete, refund all, refund the excess,
  approve, decline) takes an invoice, and what it refunds;
- `automatic_action`: the merchant's rule for an invoice that became unresolved;
- `reconcile`: a transaction's own state (pending, confirmed, reverted, back again) against
  what the chain shows;
- `closed_at`: since when payments no longer count toward an invoice;
- `can_switch_currency`: whether the payer may still pick another payment method;
- `after_refund`, `refund_to_offer`: where a refund takes its invoice, and how much it may
  give back;
- `refund_after_claim`, `refund_seen_paid`, `refund_after_chain`: a refund's own life
  (awaiting the payer's address, claimed, paid, confirmed).

Statuses are defined once, here; the unresolved contexts once, in merchants.rules (the
merchant's automatic rules are keyed by them). Nothing here touches the database, so tests
drive every case directly; `services` loads, calls these and writes what they say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from core.errors import ErrorCode, GatewayError
from invoices.accounting import Ledger, Method, Payment
from invoices.pricing import Fit
from merchants.rules import Context as Context  # re-exported: the invoices' vocabulary


class Status(StrEnum):
    NEW = "new"
    PENDING = "pending"
    COMPLIANCE_REVIEW = "compliance_review"
    COMPLETED = "completed"
    UNRESOLVED = "unresolved"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"
    DECLINED = "declined"
    REFUNDED = "refunded"


class TxStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REVERTED = "reverted"


class RefundStatus(StrEnum):  # in the order a refund goes through them
    AWAITING_CLAIM = "awaiting_claim"
    CLAIMED = "claimed"
    PAID = "paid"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"  # withdrawn by the merchant before it was paid


NEW, PENDING, COMPLIANCE_REVIEW, COMPLETED, UNRESOLVED = (
    Status.NEW,
    Status.PENDING,
    Status.COMPLIANCE_REVIEW,
    Status.COMPLETED,
    Status.UNRESOLVED,
)
EXPIRED, CANCELLED, FAILED, DECLINED, REFUNDED = (
    Status.EXPIRED,
    Status.CANCELLED,
    Status.FAILED,
    Status.DECLINED,
    Status.REFUNDED,
)
UNDERPAID, OVERPAID, PAID_LATE, MULTIPLE_SENDERS, REVERTED = tuple(Context)

# Statuses only a merchant's action leaves; payments arriving later are recorded, not judged.
MERCHANT_OWNED = frozenset({CANCELLED, FAILED, DECLINED, REFUNDED})
FINAL = frozenset({COMPLETED, EXPIRED, CANCELLED, FAILED, DECLINED, REFUNDED, UNRESOLVED})

ACTIONS = {
    "cancel": frozenset({NEW, PENDING}),
    "complete": frozenset({UNRESOLVED, DECLINED}),
    "refund": frozenset({UNRESOLVED, DECLINED}),
    "refund_excess": frozenset({UNRESOLVED}),
    "approve": frozenset({COMPLIANCE_REVIEW}),
    "decline": frozenset({COMPLIANCE_REVIEW}),
    "select_currency": frozenset({NEW}),
}


# On an overpaid completed invoice the merchant still chooses: keep everything, refund
# everything, or refund the excess (PRODUCT.md, Refunding the excess).
OVERPAID_COMPLETED_ACTIONS = frozenset({"complete", "refund", "refund_excess"})


def is_allowed(action: str, status: str, context: str | None = None) -> bool:
    if status == COMPLETED and context == OVERPAID and action in OVERPAID_COMPLETED_ACTIONS:
        return True
    return status in ACTIONS[action]


def check_action(action: str, status: str, context: str | None = None) -> None:
    if not is_allowed(action, status, context):
        raise GatewayError(
            ErrorCode.INVALID_STATE,
            action=action.replace("_", " "),
            status=status,
            allowed=", ".join(sorted(ACTIONS.get(action, ()))) or "no status",
        )


@dataclass(frozen=True)
class Facts:
    """An invoice's own state, as the decisions here and the payer's page read it."""

    status: str
    context: str | None
    expires_at: datetime | None  # None: no timer yet (open invoice, nothing picked)
    late_window: timedelta
    processing_timeout: timedelta
    status_changed_at: datetime
    review_decision: str = ""  # "", "approved", "declined"
    archived: bool = False

    def timer_over(self, now: datetime) -> bool:
        """The payment window has closed (never while there is no timer)."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True)
class Decision:
    status: str
    context: str | None


def evaluate(facts: Facts, ledger: Ledger, now: datetime) -> Decision:
    """The status an invoice should have now."""
    current = Decision(facts.status, facts.context)
    if facts.status in MERCHANT_OWNED:
        return current
    approved = facts.review_decision == "approved"
    if not approved and any(p.flagged for p in (*ledger.counted, *ledger.extra)):
        return Decision(COMPLIANCE_REVIEW, None)
    if facts.status == COMPLIANCE_REVIEW and not approved:
        return current
    verdict = _by_payments(facts, ledger, now)
    if facts.status == COMPLETED:
        return _after_completion(facts, ledger, verdict)
    if current == Decision(UNRESOLVED, REVERTED) and verdict.status in (NEW, EXPIRED):
        return current  # what left the chain has not come back
    return verdict


def _after_completion(facts: Facts, ledger: Ledger, verdict: Decision) -> Decision:
    """Completion stands (the merchant's order is paid) unless money it counted left the
    chain and what is left no longer pays; a payment arriving afterwards that leaves
    something to refund marks it `overpaid`."""
    if verdict.status != COMPLETED and ledger.reverted and not _pays(ledger):
        return Decision(UNRESOLVED, REVERTED)
    arrived_later = any(
        p.seen_at > facts.status_changed_at and p.confirmed
        for p in (*ledger.counted, *ledger.extra)
    )
    if arrived_later and ledger.has_refundable_surplus:
        return Decision(COMPLETED, OVERPAID)
    return Decision(COMPLETED, facts.context)


def _pays(ledger: Ledger) -> bool:
    return ledger.fit in (Fit.EXACT, Fit.OVER)


def _by_payments(facts: Facts, ledger: Ledger, now: datetime) -> Decision:
    """What the live payments say, whatever the invoice showed before."""
    expired = facts.timer_over(now)
    if not ledger.counted:
        paid_elsewhere = any(p.confirmed for p in ledger.extra if p not in ledger.after_close)
        if expired and ledger.refundable_extra and paid_elsewhere:  # paid, but not what was
            return Decision(UNRESOLVED, UNDERPAID)  # asked: the merchant keeps it or refunds it
        return Decision(EXPIRED if expired else NEW, None)
    if ledger.payers > 1:
        return Decision(UNRESOLVED, MULTIPLE_SENDERS)

    def late(payment: Payment) -> bool:
        return facts.expires_at is not None and payment.paid_at > facts.expires_at

    unconfirmed = [p for p in ledger.counted if not p.confirmed]
    if unconfirmed:
        if any(now - p.paid_at >= facts.processing_timeout for p in unconfirmed):
            return Decision(FAILED, None)
        if facts.status in (EXPIRED, UNRESOLVED) and any(late(p) for p in unconfirmed):
            return Decision(facts.status, facts.context)  # judged once it confirms
        underpaid = ledger.confirmed_paid and ledger.confirmed_fit == Fit.UNDER
        return Decision(PENDING, UNDERPAID if underpaid else None)

    if any(late(p) for p in ledger.counted):
        return Decision(UNRESOLVED, PAID_LATE)
    if ledger.fit == Fit.EXACT:
        return Decision(COMPLETED, OVERPAID if ledger.refundable_extra else None)
    if ledger.fit == Fit.OVER:
        return Decision(UNRESOLVED, OVERPAID)
    return Decision(UNRESOLVED if expired else PENDING, UNDERPAID)


# --- the merchant's actions -----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    status: str
    context: str | None
    refunds: Mapping[Method, int]  # what to offer back, per (asset, network)


def target(action: str, facts: Facts, ledger: Ledger, refunded: Mapping[Method, int]) -> Target:
    """Where a merchant action takes the invoice. `refunded`: refunds already offered."""
    check_action(action, facts.status, facts.context)
    if action == "complete":
        return Target(COMPLETED, None, {})
    if action == "refund_excess":
        surplus = ledger.refund_surplus()
        if not surplus:
            raise GatewayError(ErrorCode.NOTHING_TO_REFUND)
        return Target(COMPLETED, None, surplus)
    refunds = ledger.refund_all(refunded)
    if action == "cancel":
        return Target(CANCELLED, None, refunds)
    if action == "decline":
        return Target(DECLINED, None, refunds)
    if action == "refund":
        return Target(REFUNDED, None, refunds)
    raise ValueError(f"{action} has no target: it is decided by evaluate")


def automatic_action(decision: Decision, rules: Mapping[str, str]) -> str | None:
    """The merchant's automatic rule for an invoice that just became unresolved: None to
    leave it for review, else the action to take ("complete" or "refund")."""
    if decision.status != UNRESOLVED:
        return None
    rule = rules.get(decision.context or "", "review")
    return rule if rule in ("complete", "refund") else None


# --- a transaction against the chain --------------------------------------------------------


@dataclass(frozen=True)
class TxFacts:
    status: str
    block_height: int | None
    block_hash: str | None
    required_confirmations: int
    unmined_at: int | None = None  # the scanned height when it lost its block


@dataclass(frozen=True)
class ChainView:
    """What one scan says of one transaction."""

    tip: int  # the height scanned up to
    seen_block: tuple[int, str] | None = None  # (height, hash) of the block carrying it
    # The node's tip, where confirmations are counted (None: `tip`); during a catch-up it
    # is above `tip`.
    head: int | None = None
    # The highest block the node calls final (TRON's solidified block) when a transaction
    # must be under it as well as deep enough; None: depth alone decides.
    final_height: int | None = None
    seen_in_mempool: bool = False
    # Blocks above this were orphaned by a reorganisation (None: no reorganisation).
    rollback_above: int | None = None
    # Whether absence from the mempool is evidence: the scan reached the tip and the node has
    # a mempool API.
    mempool_known: bool = False
    reorg_depth: int = 6  # blocks an unmined transaction gets to reappear without a mempool


@dataclass(frozen=True)
class TxChange:
    status: str
    block_height: int | None
    block_hash: str | None
    unmined_at: int | None
    event: str | None  # "transaction_confirmed" | "transaction_reverted" | "transaction_updated"


def confirmations(block_height: int | None, tip: int | None) -> int:
    if block_height is None or tip is None:
        return 0
    return max(tip - block_height + 1, 0)


def settled(
    block_height: int | None, head: int, required: int, final_height: int | None = None
) -> bool:
    """Whether a transaction in a block counts as confirmed: `required` deep under the
    node's head and, where the node names a final block, at or under it."""
    return (
        block_height is not None
        and confirmations(block_height, head) >= required
        and (final_height is None or block_height <= final_height)
    )


def reconcile(tx: TxFacts, view: ChainView) -> TxChange:
    """A known transaction's next state. Reverted only on the node's evidence: its block left
    the best chain and it is in neither the new chain nor the mempool (or, on a node without
    a mempool API, it has not reappeared within the network's reorganisation depth). A
    reverted transaction that reappears is live again; losing confirmations is an update."""
    height, block_hash, unmined_at = tx.block_height, tx.block_hash, tx.unmined_at
    lost_block = (
        view.rollback_above is not None
        and height is not None
        and height > view.rollback_above
        and (view.seen_block is None or view.seen_block[1] != block_hash)
    )
    if lost_block:
        height = block_hash = None
        unmined_at = view.tip
    if view.seen_block is not None:
        height, block_hash = view.seen_block
        unmined_at = None
    seen = view.seen_block is not None or view.seen_in_mempool

    status = tx.status
    if status == TxStatus.REVERTED:
        if not seen:
            return TxChange(status, tx.block_height, tx.block_hash, tx.unmined_at, None)
        status = TxStatus.PENDING
        came_back = True
    else:
        came_back = False
        if height is None and not seen and _gone(unmined_at, view):
            return TxChange(TxStatus.REVERTED, None, None, unmined_at, "transaction_reverted")

    head = view.tip if view.head is None else max(view.head, view.tip)
    deep = settled(height, head, tx.required_confirmations, view.final_height)
    event = "transaction_updated" if came_back else None
    if deep and status == TxStatus.PENDING:
        status, event = TxStatus.CONFIRMED, "transaction_confirmed"
    elif not deep and status == TxStatus.CONFIRMED:
        status, event = TxStatus.PENDING, "transaction_updated"  # confirmations lost
    elif lost_block and event is None:
        event = "transaction_updated"
    return TxChange(status, height, block_hash, unmined_at, event)


def _gone(unmined_at: int | None, view: ChainView) -> bool:
    if view.mempool_known:
        return True
    return unmined_at is not None and view.tip - unmined_at >= view.reorg_depth


# --- watching and switching ---------------------------------------------------------------


def closed_at(facts: Facts) -> datetime | None:
    """Since when a payment no longer counts toward the invoice: once a merchant's action
    (or the processing timeout) ended it, once an expired invoice's late window is over, and
    for as long as an invoice archived while open stays archived (it was open: nothing it
    counted came before). Every address ever issued stays watched, so money arriving
    afterwards is still recorded and refundable (`accounting.account` makes it extra), but
    it pays nothing. None while payments still count."""
    if facts.status in MERCHANT_OWNED or (facts.archived and facts.status == NEW):
        return facts.status_changed_at
    if facts.status == EXPIRED and facts.expires_at is not None:
        return facts.expires_at + (timedelta(0) if facts.archived else facts.late_window)
    return None


def can_switch_currency(
    status: str,
    kind: str,
    has_transactions: bool,
    archived: bool,
    expires_at: datetime | None,
    now: datetime,
) -> ErrorCode | None:
    """None when the payer may pick (another) payment method now, else why not (the error
    code the API and the checkout both explain)."""
    if status != NEW:
        return ErrorCode.INVOICE_NOT_NEW
    if archived:
        return ErrorCode.INVOICE_ARCHIVED
    if expires_at is not None and now >= expires_at:
        return ErrorCode.INVOICE_EXPIRED
    if has_transactions:
        return ErrorCode.PAYMENT_SEEN
    if kind == "fixed":
        return ErrorCode.CURRENCY_FIXED
    return None


# --- a refund -------------------------------------------------------------------------------


def refund_after_claim(status: str) -> RefundStatus | None:
    """A refund's status once the payer names its address, or None when it cannot be
    claimed: the address is given once, so whoever holds the link later cannot redirect
    the money."""
    return RefundStatus.CLAIMED if status == RefundStatus.AWAITING_CLAIM else None


def refund_seen_paid(
    status: str, amount: int, seen_amount: int, recorded: bool = False
) -> RefundStatus | None:
    """A claimed refund once a mined transaction paying `seen_amount` of its asset to its
    address is seen (from any sender: the merchant's wallet): paid when it pays at least the
    amount, or when it is the payout the merchant recorded (`recorded`: an exchange's
    withdrawal may arrive less its fee). Anything else changes nothing (None)."""
    if status == RefundStatus.CLAIMED and (seen_amount >= amount or recorded):
        return RefundStatus.PAID
    return None


def refund_after_chain(status: str, payout: TxChange) -> RefundStatus:
    """A paid refund as its payout transaction fares on the chain (`reconcile`): confirmed
    at the network's confirmations, paid again when it loses them, claimed again (the payer
    is still owed, at the address already given) when it left the chain."""
    if status not in (RefundStatus.PAID, RefundStatus.CONFIRMED):
        return RefundStatus(status)
    if payout.status == TxStatus.REVERTED:
        return RefundStatus.CLAIMED
    return RefundStatus.CONFIRMED if payout.status == TxStatus.CONFIRMED else RefundStatus.PAID


def refund_marked_paid(status: str) -> RefundStatus | None:
    """A refund the merchant says they paid with a transaction the gateway cannot see (an
    exchange's withdrawal): paid at once, whether or not the payer gave an address here
    (they may have given it elsewhere); None once paid or cancelled."""
    if status in (RefundStatus.AWAITING_CLAIM, RefundStatus.CLAIMED):
        return RefundStatus.PAID
    return None


def refund_after_cancel(status: str) -> RefundStatus | None:
    """A refund the merchant withdraws: only before it is paid (money sent cannot be
    taken back by a click); None otherwise."""
    if status in (RefundStatus.AWAITING_CLAIM, RefundStatus.CLAIMED):
        return RefundStatus.CANCELLED
    return None


def refund_counts(status: str) -> bool:
    """Whether a refund gives money back, i.e. counts against what is refundable: every
    refund but a cancelled one."""
    return status != RefundStatus.CANCELLED


# --- refunding what an invoice holds --------------------------------------------------------

# A refund of money received may be made whatever became of the invoice, once its payments
# are settled: not while it is still being paid or reviewed.
REFUNDABLE = frozenset({COMPLETED, UNRESOLVED, EXPIRED, CANCELLED, FAILED, DECLINED, REFUNDED})


def check_refundable(status: str) -> None:
    """Refuse a refund of an invoice still being paid or reviewed."""
    if status not in REFUNDABLE:
        raise GatewayError(
            ErrorCode.INVALID_STATE,
            action="refund",
            status=status,
            allowed=", ".join(sorted(REFUNDABLE)),
        )


def refund_to_offer(
    status: str,
    refundable: Mapping[Method, int],
    method: Method,
    asked: int | None,
    show: Callable[[int], str] = str,
) -> int:
    """How much of `method` (asset, network) a refund gives back: `asked`, or everything
    still refundable when None; never more than was received and not refunded yet. `show`
    writes an amount of `method` for the refusal."""
    check_refundable(status)
    left = refundable.get(method, 0)
    if left <= 0:
        raise GatewayError(
            ErrorCode.NOTHING_TO_REFUND,
            message=_("nothing received in %(asset)s on %(network)s is left to refund"),
            asset=method[0],
            network=method[1],
        )
    if asked is not None and asked > left:
        raise GatewayError(ErrorCode.REFUND_TOO_LARGE, "amount", left=show(left), asset=method[0])
    return left if asked is None else asked


def after_refund(
    facts: Facts, ledger: Ledger, refunded: Mapping[Method, int], now: datetime
) -> Decision:
    """Where a refund takes its invoice (`ledger` and `refunded` include it): a completed or
    unresolved invoice with nothing left to refund becomes `refunded`; an unresolved one with
    something left is judged again on what it keeps (an overpayment whose excess went back is
    completed, as by `refund_excess`); a partial refund keeps a completed invoice completed
    (with `refunded_amount`), and any refund leaves an ended invoice (cancelled, expired,
    failed, declined) as it was."""
    if facts.status in (COMPLETED, UNRESOLVED) and not ledger.refund_all(refunded):
        return Decision(REFUNDED, None)
    if facts.status == UNRESOLVED:
        return evaluate(facts, ledger, now)
    return Decision(facts.status, facts.context)


def after_refund_cancelled(
    facts: Facts, ledger: Ledger, paid: Ledger, refunded: Mapping[Method, int], now: datetime
) -> Decision:
    """Where cancelling a refund takes its invoice (`ledger` and `refunded`: with the refunds
    still standing; `paid`: the payments alone). A `refunded` invoice that holds money again
    is judged again on its payments, as an unresolved one is: paid is completed again (the
    refunds left are partial refunds of a completed payment), an overpayment is completed
    once its excess went back, declined in review is declined again; any other invoice
    stays as it is (a completed one with a smaller `refunded_amount`)."""
    if facts.status != REFUNDED or not ledger.refund_all(refunded):
        return Decision(facts.status, facts.context)
    if facts.review_decision == "declined":
        return Decision(DECLINED, None)
    verdict = _by_payments(replace(facts, status=UNRESOLVED, context=None), paid, now)
    if verdict == Decision(UNRESOLVED, OVERPAID) and ledger.fit == Fit.EXACT:
        return Decision(COMPLETED, None)
    return verdict
