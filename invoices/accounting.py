"""What an invoice's transactions add up to, as pure functions: the one place that sums money.

From the invoice's chosen payment method (asset + network), the amount due, the tolerance and
its transactions, `account` says which payments count, how much was paid, what remains, what
was paid beyond the amount due, which payments are *extra* (another method or another asset:
recorded, refundable in their own asset, never added to `paid`), when each was paid and by how
many payers. The lifecycle, the API, the checkout, the dashboard, the callbacks and the refund
amounts all read a `Ledger`. `totals` and `regroup` add up everything else that is summed
(refunds per asset, the price volumes of the dashboard and the payment links, through
`invoices.selectors.price_totals`, whose SQL aggregate on PostgreSQL follows the same rule):
nothing else adds amounts up (PRODUCT.md, Payment accounting).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple, TypeVar

from invoices.pricing import Fit, classify, remaining

Method = tuple[str, str]  # (asset code, network code)
Unit = TypeVar("Unit", bound=Hashable)


class Total(NamedTuple):
    number: int  # how many amounts
    units: int  # what they add up to


def totals(rows: Iterable[tuple[Unit, int]]) -> dict[Unit, Total]:
    """How many amounts there are and what they add up to, per key; the key names the unit
    (an asset on its network, a price currency, with whatever else groups them), so amounts
    of different units are never added together. Exact: integers of base units. (Two plain
    dicts: a SQLite dashboard streams every invoice's row through here.)"""
    numbers: dict[Unit, int] = {}
    units: dict[Unit, int] = {}
    for key, amount in rows:
        numbers[key] = numbers.get(key, 0) + 1
        units[key] = units.get(key, 0) + amount
    return {key: Total(numbers[key], units[key]) for key in units}


def regroup(rows: Iterable[tuple[Unit, Total]]) -> dict[Unit, Total]:
    """Totals added up under coarser keys (a chart's days into its currency's total); the
    new key must still name the unit."""
    found: dict[Unit, Total] = {}
    for key, (number, units) in rows:
        before = found.get(key, Total(0, 0))
        found[key] = Total(before.number + number, before.units + units)
    return found


@dataclass(frozen=True)
class Payment:
    """One transfer into one of the invoice's addresses."""

    asset: str  # what was sent
    network: str
    method_asset: str  # the asset of the payment method whose address it reached
    amount: int  # base units of `asset`
    paid_at: datetime  # mempool first-seen or block time: when the payer paid
    seen_at: datetime  # when the gateway recorded it
    senders: tuple[str, ...] = ()
    live: bool = True  # not reverted
    confirmed: bool = False
    flagged: bool = False

    @property
    def method(self) -> Method:
        return (self.method_asset, self.network)

    @property
    def asset_key(self) -> Method:
        return (self.asset, self.network)


@dataclass(frozen=True)
class Ledger:
    method: Method | None  # the chosen payment method; None until the payer picks one
    due: int | None
    counted: tuple[Payment, ...]  # live payments in the chosen method and asset
    extra: tuple[Payment, ...]  # live payments elsewhere (another method or asset)
    reverted: tuple[Payment, ...]  # payments that left the chain, wherever they went
    paid: int  # sum of `counted`, in the chosen asset
    confirmed_paid: int
    remaining: int  # what the payer still owes (0 once paid in full or more)
    excess: int  # paid beyond the amount due, in the chosen asset
    fit: Fit | None  # of what counts, net of refunds of the excess; None: nothing counts
    confirmed_fit: Fit | None
    refundable_excess: int  # confirmed excess not refunded yet, in the chosen asset
    # What the payer is short by although the payment counts as paid (within the slippage
    # or the absolute tolerance), in the chosen asset: shown, never asked for.
    shortfall: int = 0
    # Confirmed extra payments not refunded yet, per (asset, network), in their own units.
    refundable_extra: Mapping[Method, int] = field(default_factory=dict)
    payers: int = 0  # distinct payers of what counts (see `count_payers`)
    closed_at: datetime | None = None  # payments seen after it count toward nothing

    def is_counted(self, payment: Payment) -> bool:
        """In the chosen method and asset, before the invoice closed: what counts toward the
        invoice when live."""
        return _counts(payment, self.method) and not _after(payment, self.closed_at)

    @property
    def after_close(self) -> tuple[Payment, ...]:
        """Live money that reached the invoice after it closed: recorded, refundable, and
        something the merchant must look at."""
        return tuple(p for p in self.extra if _after(p, self.closed_at))

    @property
    def has_refundable_surplus(self) -> bool:
        return self.refundable_excess > 0 or bool(self.refundable_extra)

    def refund_all(self, refunded: Mapping[Method, int]) -> dict[Method, int]:
        """Everything live not refunded yet, per (asset, network): a full refund."""
        owed = totals((p.asset_key, p.amount) for p in (*self.counted, *self.extra))
        return {
            key: total.units - refunded.get(key, 0)
            for key, total in owed.items()
            if total.units - refunded.get(key, 0) > 0
        }

    def refund_surplus(self) -> dict[Method, int]:
        """What a refund of the excess sends back: the excess in the chosen asset and every
        extra payment in its own asset."""
        surplus = dict(self.refundable_extra)
        if self.refundable_excess > 0 and self.method:
            surplus[self.method] = surplus.get(self.method, 0) + self.refundable_excess
        return surplus


def _after(payment: Payment, closed_at: datetime | None) -> bool:
    return closed_at is not None and payment.seen_at > closed_at


def _counts(payment: Payment, method: Method | None) -> bool:
    return method is not None and payment.method == method and payment.asset == method[0]


def count_payers(payments: Iterable[Payment], *, account_network: bool) -> int:
    """How many parties paid. On account networks (EVM, TRON) the sending account is the
    payer: payments whose known senders share no address come from different payers (one
    transaction spending from several addresses of one wallet is still one). On UTXO networks
    wallets pay from fresh addresses and change, so a sender address identifies nobody: all
    payments there are one payer's."""
    known = [set(p.senders) for p in payments if p.senders]
    if not known:
        return 0
    if not account_network:
        return 1
    groups: list[set[str]] = []
    for senders in known:
        overlapping = [g for g in groups if not g.isdisjoint(senders)]
        merged = set(senders).union(*overlapping)
        groups = [g for g in groups if all(g is not o for o in overlapping)] + [merged]
    return len(groups)


def account(
    method: Method | None,
    due: int | None,
    slippage_percent: Decimal,
    payments: Iterable[Payment],
    *,
    account_network: bool = True,
    refunded: Mapping[Method, int] | None = None,
    closed_at: datetime | None = None,
    tolerance: int = 0,
) -> Ledger:
    """The ledger of one invoice. `tolerance`: the absolute underpayment tolerance in base
    units of the chosen asset (`pricing.tolerance_units`). `refunded`: what refunds of the
    excess already send back, per (asset, network); they lower what is left to judge, never
    what was paid.
    `closed_at` (`lifecycle.closed_at`): payments seen after it are extra, whatever their
    method, since the invoice they reached had ended."""
    refunded = refunded or {}
    payments = tuple(payments)
    live = [p for p in payments if p.live]
    counts = [_counts(p, method) and not _after(p, closed_at) for p in live]
    counted = tuple(p for p, yes in zip(live, counts, strict=True) if yes)
    extra = tuple(p for p, yes in zip(live, counts, strict=True) if not yes)
    paid = sum(p.amount for p in counted)
    confirmed_paid = sum(p.amount for p in counted if p.confirmed)
    confirmed_extra = {
        key: total.units
        for key, total in totals((p.asset_key, p.amount) for p in extra if p.confirmed).items()
    }
    # Refunds in the chosen asset go to extra payments in it first (coin sent to a token
    # address of the same network), the rest to the excess of what counts.
    extra_in_chosen = confirmed_extra.get(method, 0) if method else 0
    refunded_chosen = refunded.get(method, 0) if method else 0
    refunded_counted = max(refunded_chosen - extra_in_chosen, 0)
    fit = confirmed_fit = None
    if due and counted:
        fit = classify(paid - refunded_counted, due, slippage_percent, tolerance)
        confirmed_fit = classify(
            confirmed_paid - refunded_counted, due, slippage_percent, tolerance
        )
    refundable_extra = {
        key: amount - refunded.get(key, 0)
        for key, amount in confirmed_extra.items()
        if amount - refunded.get(key, 0) > 0
    }
    left = remaining(paid, due) if due is not None else 0
    return Ledger(
        method=method,
        due=due,
        counted=counted,
        extra=extra,
        reverted=tuple(p for p in payments if not p.live),
        paid=paid,
        confirmed_paid=confirmed_paid,
        remaining=left,
        excess=max(paid - due, 0) if due else 0,
        fit=fit,
        confirmed_fit=confirmed_fit,
        refundable_excess=max(confirmed_paid - refunded_counted - due, 0) if due else 0,
        shortfall=left if fit == Fit.EXACT else 0,
        refundable_extra=refundable_extra,
        payers=count_payers(counted, account_network=account_network),
        closed_at=closed_at,
    )


def switched_method(
    current: Method | None, has_payments: bool, payment_method: Method, payment_asset: str
) -> Method | None:
    """The chosen method after this payment arrives: a payment to the address of a method the
    payer switched away from, when nothing was paid yet, makes that method the chosen one.
    Once something was paid, anything elsewhere is an extra payment."""
    if not has_payments and payment_method != current and payment_asset == payment_method[0]:
        return payment_method
    return current
