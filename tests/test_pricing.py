"""Pricing: exact integers, never under-charging, monotonic classification."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import GatewayError
from invoices import money, pricing
from invoices.pricing import Fit

rates = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("1000000"), places=6)
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)


def test_product_example_75_usd_with_5_percent_insurance_is_78_75_usdt():
    due = pricing.due_amount(7500, 2, Decimal("1.00"), 6, Decimal("5"))
    assert money.format_units(due, 6) == "78.750000"


def test_rounds_up_to_the_pay_asset_decimals():
    # 100 USD at 60000 USD/BTC = 0.001666666… BTC -> 166667 satoshi, not 166666
    assert pricing.due_amount(10000, 2, Decimal(60000), 8) == 166667


def test_network_fee_is_added_in_pay_asset_units():
    assert pricing.due_amount(10000, 2, Decimal(1), 6, fee_units=1_500_000) == 101_500_000


def test_fee_conversion_rounds_up():
    # 21000 gwei-ish fee of 0.000441 ETH at 3000 USDT/ETH -> rate ETH per USDT = 1/3000
    fee_usdt = pricing.convert_up(441_000_000_000_000, 18, Decimal(1) / Decimal(3000), 6)
    assert fee_usdt >= 1_323_000  # 1.323 USDT, never less


@given(
    price=st.integers(min_value=1, max_value=10**15),
    rate=rates,
    insurance=percents,
    pay_decimals=st.sampled_from([0, 2, 6, 8, 18]),
    fee=st.integers(0, 10**9),
)
def test_due_never_undercharges_and_is_the_smallest_such_integer(
    price, rate, insurance, pay_decimals, fee
):
    due = pricing.due_amount(price, 2, rate, pay_decimals, insurance, fee)
    assert isinstance(due, int)
    exact = (
        Fraction(price, 100) * (1 + Fraction(insurance) / 100) / Fraction(rate) * 10**pay_decimals
        + fee
    )
    assert due >= exact
    assert due - 1 < exact


@given(
    due=st.integers(min_value=1, max_value=10**20),
    slippage=percents,
    a=st.integers(min_value=0, max_value=10**21),
    b=st.integers(min_value=0, max_value=10**21),
)
def test_classification_is_monotonic_in_the_amount_received(due, slippage, a, b):
    order = {Fit.UNDER: 0, Fit.EXACT: 1, Fit.OVER: 2}
    low, high = sorted((a, b))
    assert (
        order[pricing.classify(low, due, slippage)] <= order[pricing.classify(high, due, slippage)]
    )


@given(due=st.integers(min_value=1, max_value=10**20), slippage=percents)
def test_the_exact_amount_is_always_exact(due, slippage):
    assert pricing.classify(due, due, slippage) == Fit.EXACT


@given(units=st.integers(min_value=1, max_value=10**30), exponent=st.integers(0, 10))
def test_rounding_to_a_step_rounds_up_to_the_nearest_multiple(units, exponent):
    step = 10**exponent
    rounded = pricing.round_up_to_step(units, step)
    assert rounded % step == 0 and units <= rounded < units + step


def test_slippage_bounds_are_inclusive():
    assert pricing.classify(995, 1000, Decimal("0.5")) == Fit.EXACT
    assert pricing.classify(994, 1000, Decimal("0.5")) == Fit.UNDER
    assert pricing.classify(1005, 1000, Decimal("0.5")) == Fit.EXACT
    assert pricing.classify(1006, 1000, Decimal("0.5")) == Fit.OVER
    assert pricing.classify(999, 1000, Decimal(0)) == Fit.UNDER


@pytest.mark.parametrize(
    "bad",
    [
        {"price_units": 0},
        {"price_units": -5},
        {"insurance_percent": Decimal(101)},
        {"insurance_percent": Decimal(-1)},
    ],
)
def test_due_refuses_impossible_inputs(bad):
    args = {
        "price_units": 100,
        "price_decimals": 2,
        "rate": Decimal(1),
        "pay_decimals": 6,
        "insurance_percent": Decimal(0),
        **bad,
    }
    with pytest.raises(ValueError):
        pricing.due_amount(**args)


def test_remaining_is_never_negative():
    assert pricing.remaining(120, 100) == 0
    assert pricing.remaining(40, 100) == 60


class TestMoney:
    @pytest.mark.parametrize(
        "text,decimals,units",
        [
            ("100", 2, 10000),
            ("0.01", 2, 1),
            ("1.5", 8, 150_000_000),
            ("007", 0, 7),
            ("123456789.123456789012345678", 18, 123456789123456789012345678),
        ],
    )
    def test_to_units(self, text, decimals, units):
        assert money.to_units(text, decimals) == units

    @pytest.mark.parametrize(
        "text,code",
        [
            ("0", "invalid_amount"),
            ("-1", "invalid_amount"),
            ("abc", "invalid_amount"),
            ("1e3", "invalid_amount"),
            ("NaN", "invalid_amount"),
            ("Infinity", "invalid_amount"),
            ("0.001", "too_precise"),
            ("1" + "0" * 70, "amount_too_large"),
        ],
    )
    def test_to_units_refuses(self, text, code):
        with pytest.raises(GatewayError) as error:
            money.to_units(text, 2)
        assert error.value.code == code

    @given(whole=st.integers(0, 10**15 - 1), fraction=st.integers(0), decimals=st.integers(0, 18))
    def test_format_and_parse_round_trip(self, whole, fraction, decimals):
        units = whole * 10**decimals + fraction % 10**decimals
        text = money.format_units(units, decimals)
        if units:
            assert money.to_units(text, decimals) == units
        assert Fraction(text) == Fraction(units, 10**decimals)

    def test_price_decimals(self, settings):
        assert money.price_decimals("USD") == 2
        assert money.price_decimals("JPY") == 0
        assert money.price_decimals("USDT") == 6  # 6 on Ethereum/Tron, 18 on BSC: the fewest
        assert money.price_decimals("XYZ") is None


@given(
    price=st.integers(min_value=1, max_value=10**12),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10**6), places=4),
    decimals=st.sampled_from([0, 6, 8, 18]),
)
def test_a_refunded_value_never_buys_more_than_it_is_worth(price, rate, decimals):
    """Rounded down, one base unit short at most: the payer never gets more than the value
    refunded (money out rounds for the merchant, as money owed rounds up)."""
    units = pricing.convert_down(price, 2, rate, decimals)
    worth = Fraction(units, 10**decimals) * Fraction(rate)
    assert worth <= Fraction(price, 100) < Fraction(units + 1, 10**decimals) * Fraction(rate)
    assert units <= pricing.convert_up(price, 2, rate, decimals) <= units + 1


@given(
    price=st.integers(min_value=1, max_value=10**12),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10**6), places=4),
    decimals=st.sampled_from([6, 8, 18]),
)
def test_a_refund_asked_as_a_price_value_reads_that_value_back(price, rate, decimals):
    """The value shown for a refund is its worth to the nearest cent, so a refund of
    `price_amount` shows that price_amount whenever one base unit is worth under half a cent."""
    units = pricing.convert_down(price, 2, rate, decimals)
    shown = pricing.price_value(units, decimals, rate, 2)
    exact = Fraction(units, 10**decimals) * Fraction(rate) * 100
    assert abs(shown - exact) <= Fraction(1, 2)
    if Fraction(rate) * 100 / 10**decimals < Fraction(1, 2):
        assert shown == price


def test_a_price_value_rounds_half_up():
    assert pricing.price_value(5, 0, Decimal("0.001"), 2) == 1  # 0.005 → 0.01
    assert pricing.price_value(4, 0, Decimal("0.001"), 2) == 0


# Absolute underpayment tolerance (issue 25): a price-currency amount, converted at the
# invoice's rate into the paid asset, rounded down so no more shortfall is ever accepted.


def _usd_tolerance(dollars_cents: int, rate: Decimal, decimals: int) -> int:
    return pricing.tolerance_units(dollars_cents, 2, rate, decimals)


@pytest.mark.parametrize(
    ("rate", "decimals"), [(Decimal("1"), 6), (Decimal("0.998"), 6), (Decimal("64302.5"), 8)]
)
def test_a_one_dollar_tolerance_completes_24_10_of_25_00_usd_but_not_23_90(rate, decimals):
    due = pricing.due_amount(2500, 2, rate, decimals)
    allowance = _usd_tolerance(100, rate, decimals)
    paid_24_10 = pricing.convert_up(2410, 2, rate, decimals)
    paid_23_90 = pricing.convert_up(2390, 2, rate, decimals)
    assert pricing.classify(paid_24_10, due, Decimal("0.5"), allowance) == Fit.EXACT
    assert pricing.classify(paid_23_90, due, Decimal("0.5"), allowance) == Fit.UNDER
    # without it, the 0.5 % slippage alone refuses 24.10
    assert pricing.classify(paid_24_10, due, Decimal("0.5")) == Fit.UNDER


def test_a_tolerance_is_rounded_down_into_the_paid_asset():
    """1.00 USD at 3 USD per unit of a 0-decimal asset is a third of a unit: nothing."""
    assert pricing.tolerance_units(100, 2, Decimal("3"), 0) == 0
    assert pricing.tolerance_units(100, 2, Decimal("3"), 2) == 33
    assert pricing.tolerance_units(0, 2, Decimal("3"), 18) == 0


@given(
    price=st.integers(min_value=1, max_value=10**9),
    rate=rates,
    decimals=st.sampled_from([0, 2, 6, 8, 18]),
    tolerance=st.integers(min_value=0, max_value=10**6),
    short=st.fractions(min_value=0, max_value=2),
    slippage=percents,
)
def test_completion_iff_the_shortfall_is_within_the_larger_allowance(
    price, rate, decimals, tolerance, short, slippage
):
    """Not underpaid exactly when the shortfall, valued at the rate without rounding, is at
    most the absolute tolerance, or within the percentage (whichever allows more)."""
    due = pricing.due_amount(price, 2, rate, decimals)
    received = max(due - int(short * due), 0)
    allowance = pricing.tolerance_units(tolerance, 2, rate, decimals)
    fit = pricing.classify(received, due, slippage, allowance)
    shortfall = due - received
    within_absolute = Fraction(shortfall, 10**decimals) * Fraction(rate) <= Fraction(tolerance, 100)
    within_percent = shortfall <= due * Fraction(slippage) / 100
    assert (fit != Fit.UNDER) == (within_absolute or within_percent)
    if slippage == 0:
        assert (fit != Fit.UNDER) == within_absolute
