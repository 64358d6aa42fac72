"""Pure pricing: what a payer owes, and how what they sent compares to it.

All arithmetic is on exact fractions of integers; the only rounding is the final one, and
it goes up, so the merchant never receives less than the price.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


class Fit(StrEnum):
    EXACT = "exact"  # within ± slippage of what is due, or short by at most the tolerance
    UNDER = "under"
    OVER = "over"


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def _converted(units: int, from_decimals: int, rate: Decimal, to_decimals: int) -> Fraction:
    if rate <= 0:
        raise ValueError("a rate must be positive")
    value: Fraction = Fraction(units, 10**from_decimals) / Fraction(rate) * 10**to_decimals
    return value


def convert_up(units: int, from_decimals: int, rate: Decimal, to_decimals: int) -> int:
    """Convert `units` of an asset priced at `rate` (units of it per one target unit, e.g.
    60000 USD per BTC) into target base units, rounded up."""
    return _ceil(_converted(units, from_decimals, rate, to_decimals))


def convert_down(units: int, from_decimals: int, rate: Decimal, to_decimals: int) -> int:
    """As `convert_up`, rounded down: what a refund of a price value sends back, so the
    payer never gets more than that value's worth (money leaving the merchant rounds in the
    merchant's favour, as money owed to the merchant is rounded up)."""
    value = _converted(units, from_decimals, rate, to_decimals)
    return value.numerator // value.denominator


def price_value(units: int, decimals: int, rate: Decimal, price_decimals: int) -> int:
    """What `units` of an asset priced at `rate` (price currency per one whole asset) are
    worth in price base units, to the nearest (half up): the value a refund is shown at,
    so a refund asked as a price value reads that value back."""
    if rate <= 0:
        raise ValueError("a rate must be positive")
    value: Fraction = Fraction(units, 10**decimals) * Fraction(rate) * 10**price_decimals
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def due_amount(
    price_units: int,
    price_decimals: int,
    rate: Decimal,
    pay_decimals: int,
    insurance_percent: Decimal = Decimal(0),
    fee_units: int = 0,
) -> int:
    """price × (1 + insurance) converted at `rate` into the pay asset, rounded up, plus the
    network fee already expressed in pay asset units."""
    if price_units <= 0:
        raise ValueError("a price must be positive")
    if not Decimal(0) <= insurance_percent <= Decimal(100):
        raise ValueError("insurance_percent must be within 0 and 100")
    insured = Fraction(price_units, 10**price_decimals) * (1 + Fraction(insurance_percent) / 100)
    return _ceil(insured / Fraction(rate) * 10**pay_decimals) + fee_units


def round_up_to_step(units: int, step: int) -> int:
    """The smallest multiple of `step` that is at least `units`: a payer can type an amount
    of 8 decimals, not 18, and rounding up keeps the merchant whole."""
    return -(-units // step) * step


def tolerance_units(tolerance: int, price_decimals: int, rate: Decimal, pay_decimals: int) -> int:
    """An absolute underpayment tolerance (base units of the price currency, e.g. 100 for
    1.00 USD) in base units of the paid asset at the invoice's `rate`, rounded down: the
    shortfall accepted is never worth more than the tolerance."""
    return convert_down(tolerance, price_decimals, rate, pay_decimals) if tolerance else 0


def classify(received: int, due: int, slippage_percent: Decimal, tolerance_units: int = 0) -> Fit:
    """Compare a received total with what is due, allowing ± slippage_percent, and below it
    a shortfall of up to `tolerance_units` (the absolute tolerance, `tolerance_units()`).

    The two allowances combine as the larger one: a payment is underpaid only when it is
    short by more than both. BTCPay Server has the percentage alone (`paymentTolerance`),
    SatSale a fixed amount alone (`allowable_underpay`): taking whichever allows more keeps
    each one meaning what it means there, so setting an absolute tolerance never makes a
    payment the percentage accepted underpaid."""
    tolerance = Fraction(slippage_percent) / 100
    if received < due * (1 - tolerance) and due - received > tolerance_units:
        return Fit.UNDER
    if received > due * (1 + tolerance):
        return Fit.OVER
    return Fit.EXACT


def remaining(received: int, due: int) -> int:
    """What is still to pay; never negative."""
    return max(due - received, 0)


def percent_up(units: int, percent: Decimal) -> int:
    """`percent` % of `units`, rounded up (a tip, a surcharge): exact, never a float."""
    if percent < 0:
        raise ValueError("a percentage cannot be negative")
    return _ceil(Fraction(units) * Fraction(percent) / 100)
