"""The ledger: what counts, what is extra, what remains — and properties over any payments."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from invoices import accounting
from invoices.accounting import Payment
from invoices.pricing import Fit

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DUE = 50_000_000
LTC = ("LTC", "litecoin")
ETH = ("ETH", "ethereum")
USDT = ("USDT", "ethereum")


def pay(amount, method=LTC, asset=None, live=True, confirmed=True, senders=("a",), minute=0):
    return Payment(
        asset=asset or method[0],
        network=method[1],
        method_asset=method[0],
        amount=amount,
        paid_at=T0 + timedelta(minutes=minute),
        seen_at=T0 + timedelta(minutes=minute),
        senders=senders,
        live=live,
        confirmed=confirmed,
    )


def book(payments, method=LTC, due=DUE, **kw):
    return accounting.account(
        method, due, Decimal("0.5"), payments, account_network=method[1] != "litecoin", **kw
    )


def test_underpaid_then_the_remainder_from_a_new_address_is_paid_in_full_by_one_payer():
    ledger = book([pay(20_000_000, senders=("ltc1-a",)), pay(30_000_000, senders=("ltc1-b",))])
    assert (ledger.paid, ledger.remaining, ledger.excess, ledger.fit, ledger.payers) == (
        DUE,
        0,
        0,
        Fit.EXACT,
        1,
    )


def test_a_reverted_payment_counts_for_nothing():
    ledger = book([pay(DUE, live=False)])
    assert (ledger.paid, ledger.remaining, ledger.fit, len(ledger.reverted)) == (0, DUE, None, 1)


def test_paid_twice_leaves_an_excess():
    ledger = book([pay(DUE), pay(DUE, minute=5)])
    assert (ledger.paid, ledger.excess, ledger.refundable_excess, ledger.fit) == (
        2 * DUE,
        DUE,
        DUE,
        Fit.OVER,
    )
    assert ledger.refund_surplus() == {LTC: DUE}


def test_a_refund_of_the_excess_is_deducted_from_what_is_judged_not_from_what_was_paid():
    ledger = book([pay(DUE), pay(DUE, minute=5)], refunded={LTC: DUE})
    assert (ledger.paid, ledger.excess, ledger.refundable_excess, ledger.fit) == (
        2 * DUE,
        DUE,
        0,
        Fit.EXACT,
    )


def test_wrong_asset_to_an_address_is_extra_in_its_own_asset():
    """Case 7: 1,000 USDT to the ETH address, or ETH to the USDT address."""
    usdt_to_eth = pay(1_000_000_000, method=ETH, asset="USDT")
    eth_to_usdt = pay(10**17, method=USDT, asset="ETH")
    ledger = book([pay(10**18, method=ETH), usdt_to_eth, eth_to_usdt], method=ETH, due=10**18)
    assert ledger.paid == 10**18
    assert ledger.extra == (usdt_to_eth, eth_to_usdt)
    assert ledger.refundable_extra == {USDT: 1_000_000_000, ETH: 10**17}
    assert ledger.refund_surplus() == {USDT: 1_000_000_000, ETH: 10**17}
    assert not ledger.is_counted(usdt_to_eth) and not ledger.is_counted(eth_to_usdt)


def test_nothing_chosen_counts_nothing():
    ledger = accounting.account(None, None, Decimal("0.5"), [pay(DUE)])
    assert (ledger.paid, ledger.remaining, len(ledger.extra)) == (0, 0, 1)


def test_account_payers_are_told_apart_by_their_accounts():
    assert (
        accounting.count_payers(
            [pay(1, senders=("x",)), pay(1, senders=("y",))], account_network=True
        )
        == 2
    )
    assert (
        accounting.count_payers(
            [pay(1, senders=("x", "y")), pay(1, senders=("y",)), pay(1, senders=("x",))],
            account_network=True,
        )
        == 1
    )
    assert (
        accounting.count_payers(
            [pay(1, senders=("x",)), pay(1, senders=("y",))], account_network=False
        )
        == 1
    )


def test_the_first_payment_to_a_switched_away_method_makes_it_the_chosen_one():
    assert accounting.switched_method(ETH, False, LTC, "LTC") == LTC
    assert accounting.switched_method(ETH, True, LTC, "LTC") == ETH  # something was paid
    assert accounting.switched_method(ETH, False, USDT, "ETH") == ETH  # wrong asset: extra


methods = st.sampled_from([LTC, ETH, USDT])
payments = st.lists(
    st.builds(
        pay,
        amount=st.integers(1, 3 * DUE),
        method=methods,
        asset=st.none() | st.sampled_from(["LTC", "ETH", "USDT"]),
        live=st.booleans(),
        confirmed=st.booleans(),
        senders=st.sampled_from([("a",), ("b",)]),
        minute=st.integers(0, 100),
    ),
    max_size=6,
)


@given(payments=payments, method=methods)
def test_paid_amount_never_mixes_assets(payments, method):
    ledger = book(payments, method=method)
    assert all(p.asset == method[0] and p.network == method[1] for p in ledger.counted)
    assert ledger.paid == sum(
        p.amount for p in payments if p.live and p.asset_key == method and p.method == method
    )


def test_payments_seen_after_the_invoice_closed_are_extra_and_refundable():
    before, after = pay(DUE, minute=1), pay(DUE, minute=3)
    ledger = book([before, after], closed_at=T0 + timedelta(minutes=2))
    assert ledger.counted == (before,) and ledger.after_close == (after,) == ledger.extra
    assert ledger.paid == DUE and ledger.refund_all({}) == {LTC: 2 * DUE}
    assert ledger.is_counted(before) and not ledger.is_counted(after)


@given(
    payments=payments,
    method=methods,
    closed=st.none() | st.integers(0, 60).map(lambda m: T0 + timedelta(minutes=m)),
)
def test_counted_and_extra_are_exactly_the_live_payments(payments, method, closed):
    ledger = book(payments, method=method, closed_at=closed)
    live = [p for p in payments if p.live]
    assert sorted(map(id, ledger.counted + ledger.extra)) == sorted(map(id, live))
    assert not set(map(id, ledger.counted)) & set(map(id, ledger.extra))
    assert ledger.paid + ledger.remaining - ledger.excess == DUE


ORDER = {Fit.UNDER: 0, Fit.EXACT: 1, Fit.OVER: 2}


@given(a=st.integers(1, 4 * DUE), b=st.integers(1, 4 * DUE), method=methods)
def test_the_fit_is_monotonic_in_the_amount(a, b, method):
    low, high = sorted((a, b))
    fit_low = book([pay(low, method=method)], method=method).fit
    fit_high = book([pay(high, method=method)], method=method).fit
    assert ORDER[fit_low] <= ORDER[fit_high]


def test_totals_count_and_add_up_per_unit_never_across_units():
    rows = [(("USD",), 1000), (("EUR",), 500), (("USD",), 250)]
    assert accounting.totals(rows) == {
        ("USD",): accounting.Total(number=2, units=1250),
        ("EUR",): accounting.Total(number=1, units=500),
    }
    assert accounting.totals([]) == {}


@given(rows=st.lists(st.tuples(st.sampled_from([LTC, ETH, USDT]), st.integers(0, 10**30))))
def test_totals_are_exact_and_lose_nothing(rows):
    found = accounting.totals(rows)
    assert sum(total.number for total in found.values()) == len(rows)
    for key, total in found.items():
        assert total.units == sum(units for k, units in rows if k == key)


@given(
    rows=st.lists(
        st.tuples(
            st.tuples(st.sampled_from(["USD", "EUR"]), st.integers(1, 3)), st.integers(0, 10**9)
        )
    )
)
def test_regrouping_daily_totals_equals_totalling_the_amounts_per_currency(rows):
    daily = accounting.totals(rows)  # per (currency, day)
    per_currency = accounting.regroup((currency, total) for (currency, _), total in daily.items())
    assert per_currency == accounting.totals((currency, units) for (currency, _), units in rows)


def test_a_shortfall_within_the_absolute_tolerance_completes_and_is_shown():
    short = DUE - 1_000_000  # 2 % short: beyond the 0.5 % slippage
    within = book([pay(short)], tolerance=1_000_000)
    assert (within.fit, within.confirmed_fit, within.shortfall) == (Fit.EXACT, Fit.EXACT, 1_000_000)
    beyond = book([pay(short)], tolerance=999_999)
    assert (beyond.fit, beyond.shortfall) == (Fit.UNDER, 0)
    assert book([pay(DUE)], tolerance=1_000_000).shortfall == 0
    assert book([pay(DUE - 1)]).shortfall == 1  # within the slippage: shown too
