"""The state machine, driven directly: every transition, every forbidden action."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices import lifecycle as lc
from invoices.lifecycle import Decision, Facts, Payment

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
DUE = 1_000_000


def facts(**changes) -> Facts:
    base = Facts(status=lc.NEW, context=None, due=DUE, slippage_percent=Decimal("0.5"),
                 expires_at=T0 + 15 * MIN, late_window=timedelta(hours=24),
                 processing_timeout=timedelta(hours=24), status_changed_at=T0)
    return replace(base, **changes)


def pay(amount=DUE, at=T0 + MIN, confirmed=True, senders=("alice",), **kw) -> Payment:
    return Payment(amount=amount, senders=senders, detected_at=at, confirmed=confirmed, **kw)


def ev(f, payments, now=T0 + 2 * MIN):
    return lc.evaluate(f, payments, now)


class TestWithoutPayments:
    def test_new_stays_new_before_expiry(self):
        assert ev(facts(), []) == Decision(lc.NEW, None)

    def test_new_expires_at_the_deadline(self):
        assert ev(facts(), [], now=T0 + 15 * MIN) == Decision(lc.EXPIRED, None)

    def test_open_invoice_without_choice_never_expires(self):
        assert ev(facts(expires_at=None, due=None), [], now=T0 + 1000 * MIN).status == lc.NEW

    def test_pending_whose_payment_reverted_goes_back_to_new(self):
        reverted = pay(confirmed=False, reverted_at=T0 + 2 * MIN)
        assert ev(facts(status=lc.PENDING), [reverted]) == Decision(lc.NEW, None)

    def test_pending_whose_payment_reverted_after_expiry_expires(self):
        reverted = pay(confirmed=False, reverted_at=T0 + 2 * MIN)
        assert ev(facts(status=lc.PENDING), [reverted], now=T0 + 20 * MIN).status == lc.EXPIRED


class TestPayments:
    def test_unconfirmed_payment_is_pending(self):
        assert ev(facts(), [pay(confirmed=False)]) == Decision(lc.PENDING, None)

    def test_confirmed_exact_payment_completes(self):
        assert ev(facts(status=lc.PENDING), [pay()]) == Decision(lc.COMPLETED, None)

    def test_within_slippage_completes(self):
        assert ev(facts(), [pay(DUE - DUE // 200)]).status == lc.COMPLETED

    def test_confirmed_underpayment_before_expiry_is_pending_underpaid(self):
        assert ev(facts(), [pay(DUE // 2)]) == Decision(lc.PENDING, lc.UNDERPAID)

    def test_underpayment_becomes_unresolved_at_expiry(self):
        assert (ev(facts(status=lc.PENDING, context=lc.UNDERPAID), [pay(DUE // 2)],
                   now=T0 + 15 * MIN) == Decision(lc.UNRESOLVED, lc.UNDERPAID))

    def test_top_up_is_summed(self):
        payments = [pay(DUE // 2), pay(DUE - DUE // 2, at=T0 + 3 * MIN)]
        assert ev(facts(), payments, now=T0 + 4 * MIN).status == lc.COMPLETED

    def test_unconfirmed_top_up_keeps_underpaid_context_while_pending(self):
        payments = [pay(DUE // 2), pay(DUE // 2, confirmed=False)]
        assert ev(facts(), payments) == Decision(lc.PENDING, lc.UNDERPAID)

    def test_overpayment_is_unresolved_overpaid(self):
        assert ev(facts(), [pay(DUE * 2)]) == Decision(lc.UNRESOLVED, lc.OVERPAID)

    def test_two_senders_are_unresolved(self):
        payments = [pay(DUE // 2, senders=("alice",)), pay(DUE // 2, senders=("bob",))]
        assert ev(facts(), payments) == Decision(lc.UNRESOLVED, lc.MULTIPLE_SENDERS)

    def test_one_transaction_spending_from_several_addresses_is_one_sender(self):
        payments = [pay(DUE // 2, senders=("a1", "a2")), pay(DUE // 2, senders=("a2",))]
        assert ev(facts(), payments).status == lc.COMPLETED

    def test_payment_after_expiry_is_paid_late_once_confirmed(self):
        late = pay(at=T0 + 20 * MIN)
        assert ev(facts(status=lc.EXPIRED), [replace(late, confirmed=False)],
                  now=T0 + 21 * MIN) == Decision(lc.EXPIRED, None)
        assert (ev(facts(status=lc.EXPIRED), [late], now=T0 + 22 * MIN)
                == Decision(lc.UNRESOLVED, lc.PAID_LATE))

    def test_payment_seen_before_expiry_confirming_after_it_completes(self):
        assert ev(facts(status=lc.PENDING), [pay(at=T0 + 14 * MIN)],
                  now=T0 + 40 * MIN).status == lc.COMPLETED

    def test_unconfirmed_past_processing_timeout_fails(self):
        stuck = pay(confirmed=False)
        assert ev(facts(status=lc.PENDING), [stuck], now=T0 + MIN + timedelta(hours=24)
                  ) == Decision(lc.FAILED, None)

    def test_flagged_sender_goes_to_compliance_review(self):
        assert ev(facts(), [pay(flagged=True)]) == Decision(lc.COMPLIANCE_REVIEW, None)

    def test_compliance_review_holds_until_approved(self):
        f = facts(status=lc.COMPLIANCE_REVIEW)
        assert ev(f, [pay(flagged=True)]).status == lc.COMPLIANCE_REVIEW
        approved = replace(f, review_decision="approved")
        assert ev(approved, [pay(flagged=True)]).status == lc.COMPLETED


class TestAfterCompletion:
    def test_revert_after_completion_is_unresolved_reverted(self):
        f = facts(status=lc.COMPLETED, status_changed_at=T0 + 5 * MIN)
        gone = pay(reverted_at=T0 + 6 * MIN)
        assert ev(f, [gone], now=T0 + 7 * MIN) == Decision(lc.UNRESOLVED, lc.REVERTED)

    def test_revert_older_than_a_merchant_completion_does_not_reopen(self):
        f = facts(status=lc.COMPLETED, status_changed_at=T0 + 10 * MIN)
        assert ev(f, [pay(reverted_at=T0 + 6 * MIN)], now=T0 + 11 * MIN).status == lc.COMPLETED

    def test_extra_payment_after_completion_keeps_completed(self):
        f = facts(status=lc.COMPLETED)
        assert ev(f, [pay(), pay(senders=("alice",))]).status == lc.COMPLETED

    def test_unresolved_reverted_waits_for_the_merchant(self):
        f = facts(status=lc.UNRESOLVED, context=lc.REVERTED)
        assert ev(f, [pay(reverted_at=T0)]) == Decision(lc.UNRESOLVED, lc.REVERTED)


@pytest.mark.parametrize("status", sorted(lc.MERCHANT_OWNED))
def test_merchant_owned_statuses_are_not_changed_by_payments(status):
    assert ev(facts(status=status), [pay(DUE * 3)]) == Decision(status, None)


ALL_STATUSES = [lc.NEW, lc.PENDING, lc.COMPLIANCE_REVIEW, lc.COMPLETED, lc.UNRESOLVED,
                lc.EXPIRED, lc.CANCELLED, lc.FAILED, lc.DECLINED, lc.REFUNDED]


@pytest.mark.parametrize("action", sorted(lc.ACTIONS))
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_actions_are_allowed_exactly_from_their_statuses(action, status):
    if status in lc.ACTIONS[action]:
        lc.check_action(action, status)
    else:
        with pytest.raises(lc.TransitionNotAllowed, match=f"that is {status}"):
            lc.check_action(action, status)


def test_cancel_is_allowed_from_new_and_pending_only():
    assert lc.ACTIONS["cancel"] == {lc.NEW, lc.PENDING}
    assert lc.ACTIONS["complete"] == lc.ACTIONS["refund"] == {lc.UNRESOLVED, lc.DECLINED}


payment_lists = st.lists(st.builds(
    Payment, amount=st.integers(1, 3 * DUE), senders=st.sampled_from([("alice",), ("bob",)]),
    detected_at=st.integers(0, 60).map(lambda m: T0 + m * MIN), confirmed=st.booleans(),
    reverted_at=st.none() | st.just(T0 + 30 * MIN), flagged=st.booleans()), max_size=4)


CONTEXTS = [lc.UNDERPAID, lc.OVERPAID, lc.PAID_LATE, lc.MULTIPLE_SENDERS, lc.REVERTED]
STATES = ([(status, None) for status in ALL_STATUSES if status != lc.UNRESOLVED]
          + [(lc.PENDING, lc.UNDERPAID)] + [(lc.UNRESOLVED, c) for c in CONTEXTS])


@given(state=st.sampled_from(STATES), payments=payment_lists, minutes=st.integers(0, 3000))
def test_evaluate_always_lands_on_a_known_status_with_a_matching_context(state, payments,
                                                                        minutes):
    status, context = state
    decision = ev(facts(status=status, context=context), payments, now=T0 + minutes * MIN)
    assert decision.status in ALL_STATUSES
    if decision.status == lc.UNRESOLVED:
        assert decision.context in CONTEXTS
    elif decision.status == lc.PENDING:
        assert decision.context in (None, lc.UNDERPAID)
    else:
        assert decision.context is None


@given(payments=payment_lists, minutes=st.integers(0, 3000))
def test_evaluate_is_a_fixed_point(payments, minutes):
    """Applying the decision and evaluating again changes nothing (no flapping)."""
    now = T0 + minutes * MIN
    first = ev(facts(), payments, now=now)
    again = ev(facts(status=first.status, context=first.context, status_changed_at=now),
               payments, now=now)
    assert again == first
