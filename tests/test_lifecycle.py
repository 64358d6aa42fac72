"""The state machine, driven directly: every transition, every forbidden action, every
transaction state, when payments stop counting, switching."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ErrorCode, GatewayError
from invoices import accounting
from invoices import lifecycle as lc
from invoices.accounting import Payment
from invoices.lifecycle import ChainView, Decision, Facts, TxFacts

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
DUE = 1_000_000
BTC = ("BTC", "bitcoin")
ETH = ("ETH", "ethereum")


def facts(**changes) -> Facts:
    base = Facts(
        status=lc.NEW,
        context=None,
        expires_at=T0 + 15 * MIN,
        late_window=timedelta(hours=24),
        processing_timeout=timedelta(hours=24),
        status_changed_at=T0,
    )
    return replace(base, **changes)


def pay(
    amount=DUE,
    at=T0 + MIN,
    confirmed=True,
    senders=("alice",),
    method=ETH,
    asset=None,
    seen=None,
    **kw,
) -> Payment:
    return Payment(
        asset=asset or method[0],
        network=method[1],
        method_asset=method[0],
        amount=amount,
        paid_at=at,
        seen_at=seen or at,
        senders=senders,
        confirmed=confirmed,
        **kw,
    )


def ledger(payments, method=ETH, due=DUE, refunded=None, account_network=None):
    if account_network is None:
        account_network = method is None or method[1] != "bitcoin"
    return accounting.account(
        method, due, Decimal("0.5"), payments, account_network=account_network, refunded=refunded
    )


def ev(f, payments, now=T0 + 2 * MIN, **kw):
    return lc.evaluate(f, ledger(payments, **kw), now)


class TestWithoutPayments:
    def test_new_stays_new_before_expiry(self):
        assert ev(facts(), []) == Decision(lc.NEW, None)

    def test_new_expires_at_the_deadline(self):
        assert ev(facts(), [], now=T0 + 15 * MIN) == Decision(lc.EXPIRED, None)

    def test_open_invoice_without_choice_never_expires(self):
        assert (
            lc.evaluate(
                facts(expires_at=None), ledger([], method=None, due=None), T0 + 1000 * MIN
            ).status
            == lc.NEW
        )

    def test_pending_whose_payment_reverted_goes_back_to_new(self):
        reverted = pay(confirmed=False, live=False)
        assert ev(facts(status=lc.PENDING), [reverted]) == Decision(lc.NEW, None)

    def test_pending_whose_payment_reverted_after_expiry_expires(self):
        reverted = pay(confirmed=False, live=False)
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
        assert ev(
            facts(status=lc.PENDING, context=lc.UNDERPAID), [pay(DUE // 2)], now=T0 + 15 * MIN
        ) == Decision(lc.UNRESOLVED, lc.UNDERPAID)

    def test_top_up_is_summed(self):
        payments = [pay(DUE // 2), pay(DUE - DUE // 2, at=T0 + 3 * MIN)]
        assert ev(facts(), payments, now=T0 + 4 * MIN).status == lc.COMPLETED

    def test_unconfirmed_top_up_keeps_underpaid_context_while_pending(self):
        payments = [pay(DUE // 2), pay(DUE // 2, confirmed=False)]
        assert ev(facts(), payments) == Decision(lc.PENDING, lc.UNDERPAID)

    def test_overpayment_is_unresolved_overpaid(self):
        assert ev(facts(), [pay(DUE * 2)]) == Decision(lc.UNRESOLVED, lc.OVERPAID)

    def test_two_accounts_are_multiple_senders(self):
        payments = [pay(DUE // 2, senders=("alice",)), pay(DUE // 2, senders=("bob",))]
        assert ev(facts(), payments) == Decision(lc.UNRESOLVED, lc.MULTIPLE_SENDERS)

    def test_one_transaction_spending_from_several_addresses_is_one_sender(self):
        payments = [pay(DUE // 2, senders=("a1", "a2")), pay(DUE // 2, senders=("a2",))]
        assert ev(facts(), payments).status == lc.COMPLETED

    def test_a_utxo_wallet_paying_the_remainder_from_a_new_address_completes(self):
        """Case 1: wallets spend from fresh addresses; a sender address identifies nobody."""
        payments = [
            pay(DUE // 5 * 2, senders=("ltc1-first",), method=BTC),
            pay(DUE - DUE // 5 * 2, senders=("ltc1-change",), method=BTC),
        ]
        assert ev(facts(), payments, method=BTC).status == lc.COMPLETED

    def test_payment_after_expiry_is_paid_late_once_confirmed(self):
        late = pay(at=T0 + 20 * MIN)
        assert ev(
            facts(status=lc.EXPIRED), [replace(late, confirmed=False)], now=T0 + 21 * MIN
        ) == Decision(lc.EXPIRED, None)
        assert ev(facts(status=lc.EXPIRED), [late], now=T0 + 22 * MIN) == Decision(
            lc.UNRESOLVED, lc.PAID_LATE
        )

    def test_payment_seen_before_expiry_confirming_after_it_completes(self):
        assert (
            ev(facts(status=lc.PENDING), [pay(at=T0 + 14 * MIN)], now=T0 + 40 * MIN).status
            == lc.COMPLETED
        )

    def test_on_time_payment_recorded_after_an_outage_completes_an_expired_invoice(self):
        """Case 2: judged by when it was paid (its block's time), not when it was seen."""
        on_time = pay(at=T0 + 10 * MIN, seen=T0 + 200 * MIN)
        assert ev(facts(status=lc.EXPIRED), [on_time], now=T0 + 200 * MIN).status == lc.COMPLETED
        unconfirmed = replace(on_time, confirmed=False)
        assert ev(facts(status=lc.EXPIRED), [unconfirmed], now=T0 + 200 * MIN).status == lc.PENDING

    def test_unconfirmed_past_processing_timeout_fails(self):
        stuck = pay(confirmed=False)
        assert ev(
            facts(status=lc.PENDING), [stuck], now=T0 + MIN + timedelta(hours=24)
        ) == Decision(lc.FAILED, None)

    def test_flagged_sender_goes_to_compliance_review(self):
        assert ev(facts(), [pay(flagged=True)]) == Decision(lc.COMPLIANCE_REVIEW, None)

    def test_compliance_review_holds_until_approved(self):
        f = facts(status=lc.COMPLIANCE_REVIEW)
        assert ev(f, [pay(flagged=True)]).status == lc.COMPLIANCE_REVIEW
        approved = replace(f, review_decision="approved")
        assert ev(approved, [pay(flagged=True)]).status == lc.COMPLETED

    def test_a_payment_in_another_method_never_adds_to_what_was_paid(self):
        """Case 4: BTC counted, ETH to the switched-away address is an extra payment."""
        payments = [pay(DUE // 2, method=BTC), pay(DUE, method=ETH, senders=("bob",))]
        book = ledger(payments, method=BTC)
        assert (book.paid, [p.asset for p in book.extra]) == (DUE // 2, ["ETH"])
        assert lc.evaluate(facts(), book, T0 + 2 * MIN) == Decision(lc.PENDING, lc.UNDERPAID)

    def test_only_an_extra_payment_at_expiry_is_for_the_merchant_to_resolve(self):
        extra = [pay(1_000, asset="USDT")]
        assert ev(facts(), extra) == Decision(lc.NEW, None)
        assert ev(facts(), extra, now=T0 + 15 * MIN) == Decision(lc.UNRESOLVED, lc.UNDERPAID)

    def test_an_exact_payment_with_an_extra_one_completes_with_something_to_refund(self):
        payments = [pay(), pay(1_000, asset="USDT", senders=("alice",))]
        assert ev(facts(), payments) == Decision(lc.COMPLETED, lc.OVERPAID)


class TestAfterCompletion:
    completed = facts(status=lc.COMPLETED, status_changed_at=T0 + 5 * MIN)

    def test_revert_after_completion_is_unresolved_reverted(self):
        gone = pay(live=False)
        assert ev(self.completed, [gone], now=T0 + 7 * MIN) == Decision(lc.UNRESOLVED, lc.REVERTED)

    def test_a_replacement_that_still_pays_keeps_completed(self):
        payments = [pay(live=False), pay()]
        assert ev(self.completed, payments, now=T0 + 7 * MIN).status == lc.COMPLETED

    def test_losing_confirmations_without_a_revert_keeps_completed(self):
        assert ev(self.completed, [pay(confirmed=False)]) == Decision(lc.COMPLETED, None)

    def test_paying_again_after_completion_is_completed_overpaid(self):
        """Case 5: the order stays paid; the excess is there to refund."""
        again = pay(senders=("alice",), at=T0 + 10 * MIN)
        assert ev(self.completed, [pay(), again], now=T0 + 11 * MIN) == Decision(
            lc.COMPLETED, lc.OVERPAID
        )
        assert ledger([pay(), again]).excess == DUE

    def test_an_unconfirmed_second_payment_changes_nothing_yet(self):
        again = pay(senders=("alice",), at=T0 + 10 * MIN, confirmed=False)
        assert ev(self.completed, [pay(), again]) == Decision(lc.COMPLETED, None)

    def test_refunded_excess_leaves_it_completed(self):
        payments = [pay(), pay(at=T0 + 10 * MIN)]
        f = facts(status=lc.COMPLETED, status_changed_at=T0 + 12 * MIN)
        assert ev(f, payments, refunded={ETH: DUE}) == Decision(lc.COMPLETED, None)

    def test_a_reverted_invoice_comes_back_with_its_transaction(self):
        """Case 3: reverts are reversible."""
        f = facts(status=lc.UNRESOLVED, context=lc.REVERTED)
        assert ev(f, [pay(live=False)]) == Decision(lc.UNRESOLVED, lc.REVERTED)
        assert ev(f, [pay(confirmed=False)]) == Decision(lc.PENDING, None)
        assert ev(f, [pay()]) == Decision(lc.COMPLETED, None)


@pytest.mark.parametrize("status", sorted(lc.MERCHANT_OWNED))
def test_merchant_owned_statuses_are_not_changed_by_payments(status):
    assert ev(facts(status=status), [pay(DUE * 3)]) == Decision(status, None)


ALL_STATUSES = list(lc.Status)


@pytest.mark.parametrize("action", sorted(lc.ACTIONS))
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_actions_are_allowed_exactly_from_their_statuses(action, status):
    if status in lc.ACTIONS[action]:
        lc.check_action(action, status)
    else:
        with pytest.raises(GatewayError, match=f"that is {status}") as refused:
            lc.check_action(action, status)
        assert refused.value.code == ErrorCode.INVALID_STATE


def test_cancel_is_allowed_from_new_and_pending_only():
    assert lc.ACTIONS["cancel"] == {lc.NEW, lc.PENDING}
    assert lc.ACTIONS["complete"] == lc.ACTIONS["refund"] == {lc.UNRESOLVED, lc.DECLINED}


def test_an_overpaid_completed_invoice_can_be_kept_refunded_or_its_excess_refunded():
    for action in ("complete", "refund", "refund_excess"):
        assert lc.is_allowed(action, lc.COMPLETED, lc.OVERPAID)
        assert not lc.is_allowed(action, lc.COMPLETED, None)


class TestTargets:
    over = [pay(DUE + DUE // 2)]

    def test_refunding_the_excess_completes_and_refunds_only_the_excess(self):
        """Case 6: the merchant kept the price."""
        target = lc.target(
            "refund_excess", facts(status=lc.UNRESOLVED, context=lc.OVERPAID), ledger(self.over), {}
        )
        assert target == lc.Target(lc.COMPLETED, None, {ETH: DUE // 2})

    def test_refunding_everything_refunds_each_asset_in_its_own(self):
        payments = [*self.over, pay(7, asset="USDT")]
        target = lc.target(
            "refund", facts(status=lc.UNRESOLVED, context=lc.OVERPAID), ledger(payments), {}
        )
        assert target.refunds == {ETH: DUE + DUE // 2, ("USDT", "ethereum"): 7}
        assert target.status == lc.REFUNDED

    def test_refunding_the_excess_includes_extra_payments(self):
        payments = [pay(), pay(7, asset="USDT")]
        target = lc.target(
            "refund_excess", facts(status=lc.COMPLETED, context=lc.OVERPAID), ledger(payments), {}
        )
        assert target.refunds == {("USDT", "ethereum"): 7}

    def test_nothing_to_refund_is_refused(self):
        with pytest.raises(GatewayError) as refused:
            lc.target(
                "refund_excess",
                facts(status=lc.UNRESOLVED, context=lc.UNDERPAID),
                ledger([pay(DUE // 2)]),
                {},
            )
        assert refused.value.code == ErrorCode.NOTHING_TO_REFUND

    def test_cancel_offers_back_what_arrived(self):
        target = lc.target("cancel", facts(status=lc.PENDING), ledger([pay(confirmed=False)]), {})
        assert target == lc.Target(lc.CANCELLED, None, {ETH: DUE})

    def test_a_full_refund_leaves_out_what_was_already_offered(self):
        target = lc.target("refund", facts(status=lc.DECLINED), ledger([pay()]), {ETH: DUE})
        assert target.refunds == {}

    @pytest.mark.parametrize(
        "rule,action", [("review", None), ("complete", "complete"), ("refund", "refund")]
    )
    def test_automatic_rules(self, rule, action):
        decision = Decision(lc.UNRESOLVED, lc.OVERPAID)
        assert lc.automatic_action(decision, {"overpaid": rule}) == action
        assert lc.automatic_action(Decision(lc.COMPLETED, lc.OVERPAID), {"overpaid": rule}) is None


class TestTransactions:
    def tx(self, **kw):
        base = TxFacts(
            status="pending", block_height=None, block_hash=None, required_confirmations=2
        )
        return replace(base, **kw)

    def test_mined_deep_enough_confirms(self):
        change = lc.reconcile(self.tx(), ChainView(tip=11, seen_block=(10, "b10")))
        assert (change.status, change.block_height, change.event) == (
            "confirmed",
            10,
            "transaction_confirmed",
        )

    def test_gone_from_block_and_mempool_is_reverted_when_the_node_shows_its_mempool(self):
        tx = self.tx(status="confirmed", block_height=10, block_hash="b10")
        change = lc.reconcile(tx, ChainView(tip=12, rollback_above=9, mempool_known=True))
        assert (change.status, change.event) == ("reverted", "transaction_reverted")

    def test_without_a_mempool_api_an_unmined_transaction_gets_the_reorg_depth(self):
        tx = self.tx(status="confirmed", block_height=10, block_hash="b10")
        change = lc.reconcile(tx, ChainView(tip=10, rollback_above=9, reorg_depth=3))
        assert (change.status, change.unmined_at, change.event) == (
            "pending",
            10,
            "transaction_updated",
        )
        waiting = self.tx(unmined_at=10)
        assert lc.reconcile(waiting, ChainView(tip=12, reorg_depth=3)).status == "pending"
        assert lc.reconcile(waiting, ChainView(tip=13, reorg_depth=3)).status == "reverted"

    def test_re_mined_within_the_grace_confirms_again(self):
        waiting = self.tx(unmined_at=10)
        change = lc.reconcile(waiting, ChainView(tip=12, seen_block=(11, "b11x"), reorg_depth=3))
        assert (change.status, change.block_height, change.unmined_at) == ("confirmed", 11, None)

    def test_a_reverted_transaction_that_reappears_is_live_again(self):
        gone = self.tx(status="reverted")
        back = lc.reconcile(gone, ChainView(tip=20, seen_in_mempool=True))
        assert (back.status, back.event) == ("pending", "transaction_updated")
        assert lc.reconcile(gone, ChainView(tip=20)).event is None

    def test_losing_its_block_to_a_reorg_is_an_update(self):
        tx = self.tx(status="confirmed", block_height=10, block_hash="b10")
        change = lc.reconcile(
            tx, ChainView(tip=10, rollback_above=9, seen_in_mempool=True, mempool_known=True)
        )
        assert (change.status, change.block_height, change.event) == (
            "pending",
            None,
            "transaction_updated",
        )

    def test_a_mempool_transaction_is_judged_only_when_the_mempool_is_known(self):
        assert lc.reconcile(self.tx(), ChainView(tip=5)).status == "pending"
        assert lc.reconcile(self.tx(), ChainView(tip=5, mempool_known=True)).status == "reverted"


class TestWatchingAndSwitching:
    def test_payments_stop_counting_when_the_invoice_closes(self):
        late = timedelta(hours=24)
        for status in ("new", "pending", "completed", "unresolved", "compliance_review"):
            assert lc.closed_at(facts(status=status)) is None
        for status in ("cancelled", "failed", "declined", "refunded"):
            assert lc.closed_at(facts(status=status, status_changed_at=T0 + MIN)) == T0 + MIN
        assert lc.closed_at(facts(status="expired", late_window=late)) == T0 + 15 * MIN + late
        assert lc.closed_at(facts(status="expired", expires_at=None)) is None
        assert lc.closed_at(facts(archived=True)) == T0  # archived while open
        assert lc.closed_at(facts(status="expired", archived=True)) == T0 + 15 * MIN

    def test_money_after_a_cancellation_is_recorded_but_changes_nothing(self):
        cancelled = facts(status=lc.CANCELLED, status_changed_at=T0 + 5 * MIN)
        book = accounting.account(
            ETH, DUE, Decimal("0.5"), [pay(at=T0 + 6 * MIN)], closed_at=lc.closed_at(cancelled)
        )
        assert (book.counted, book.paid) == ((), 0)
        assert book.after_close == book.extra and book.refund_all({}) == {ETH: DUE}
        assert not book.is_counted(pay(at=T0 + 6 * MIN)) and book.is_counted(pay(at=T0))
        assert lc.evaluate(cancelled, book, T0 + 7 * MIN) == Decision(lc.CANCELLED, None)

    def test_a_payment_after_the_late_window_leaves_an_expired_invoice_expired(self):
        expired = facts(status=lc.EXPIRED, late_window=MIN)
        after = T0 + 18 * MIN  # three late windows after expiry
        book = accounting.account(
            ETH, DUE, Decimal("0.5"), [pay(at=after)], closed_at=lc.closed_at(expired)
        )
        assert book.after_close and not book.counted
        assert lc.evaluate(expired, book, after + MIN) == Decision(lc.EXPIRED, None)
        within = accounting.account(
            ETH, DUE, Decimal("0.5"), [pay(at=T0 + 16 * MIN)], closed_at=lc.closed_at(expired)
        )
        assert lc.evaluate(expired, within, T0 + 17 * MIN) == Decision(lc.UNRESOLVED, lc.PAID_LATE)

    def test_switching_currency(self):
        ok = {
            "status": "new",
            "kind": "timed",
            "has_transactions": False,
            "archived": False,
            "expires_at": T0 + MIN,
            "now": T0,
        }
        assert lc.can_switch_currency(**ok) is None
        assert lc.can_switch_currency(**{**ok, "kind": "open"}) is None
        for change, reason in [
            ({"kind": "fixed"}, "currency_fixed"),
            ({"has_transactions": True}, "payment_seen"),
            ({"now": T0 + MIN}, "invoice_expired"),
            ({"archived": True}, "invoice_archived"),
            ({"status": "pending"}, "invoice_not_new"),
        ]:
            assert lc.can_switch_currency(**{**ok, **change}) == reason


payment_lists = st.lists(
    st.builds(
        pay,
        amount=st.integers(1, 3 * DUE),
        senders=st.sampled_from([("alice",), ("bob",)]),
        at=st.integers(0, 60).map(lambda m: T0 + m * MIN),
        confirmed=st.booleans(),
        live=st.booleans(),
        flagged=st.booleans(),
        method=st.sampled_from([ETH, BTC]),
    ),
    max_size=4,
)

CONTEXTS = list(lc.Context)
STATES = (
    [(status, None) for status in ALL_STATUSES if status != lc.UNRESOLVED]
    + [(lc.PENDING, lc.UNDERPAID), (lc.COMPLETED, lc.OVERPAID)]
    + [(lc.UNRESOLVED, c) for c in CONTEXTS]
)


@given(state=st.sampled_from(STATES), payments=payment_lists, minutes=st.integers(0, 3000))
def test_evaluate_always_lands_on_a_known_status_with_a_matching_context(state, payments, minutes):
    status, context = state
    decision = ev(facts(status=status, context=context), payments, now=T0 + minutes * MIN)
    assert decision.status in ALL_STATUSES
    if decision.status == lc.UNRESOLVED:
        assert decision.context in CONTEXTS
    elif decision.status == lc.PENDING:
        assert decision.context in (None, lc.UNDERPAID)
    elif decision.status == lc.COMPLETED:
        assert decision.context in (None, lc.OVERPAID)
    else:
        assert decision.context is None


@given(payments=payment_lists, minutes=st.integers(0, 3000))
def test_evaluate_is_a_fixed_point(payments, minutes):
    """Applying the decision and evaluating again changes nothing (no flapping)."""
    now = T0 + minutes * MIN
    first = ev(facts(), payments, now=now)
    again = ev(
        facts(status=first.status, context=first.context, status_changed_at=now), payments, now=now
    )
    assert again == first


# --- refunds --------------------------------------------------------------------------------

REFUND_STATUSES = list(lc.RefundStatus)


def test_a_refund_is_claimed_once():
    assert lc.refund_after_claim(lc.RefundStatus.AWAITING_CLAIM) == "claimed"
    assert lc.refund_after_claim(lc.RefundStatus.CLAIMED) is None  # address locked
    assert lc.refund_after_claim(lc.RefundStatus.PAID) is None


def test_a_claimed_refund_is_paid_by_enough_from_anyone_or_by_the_recorded_payout():
    """Issue 23: any transaction paying at least the amount (the merchant's wallet); the
    payout the merchant recorded whatever it paid (an exchange takes its fee)."""
    claimed = lc.RefundStatus.CLAIMED
    assert lc.refund_seen_paid(claimed, 100, 100) == "paid"
    assert lc.refund_seen_paid(claimed, 100, 250) == "paid"
    assert lc.refund_seen_paid(claimed, 100, 99) is None
    assert lc.refund_seen_paid(claimed, 100, 99, recorded=True) == "paid"
    assert lc.refund_seen_paid(lc.RefundStatus.AWAITING_CLAIM, 100, 100) is None  # no address
    assert lc.refund_seen_paid(lc.RefundStatus.PAID, 100, 100) is None


def test_a_paid_refund_follows_its_payout_on_the_chain():
    def chain(status):
        return lc.TxChange(status, None, None, None, None)

    paid, confirmed = lc.RefundStatus.PAID, lc.RefundStatus.CONFIRMED
    assert lc.refund_after_chain(paid, chain(lc.TxStatus.PENDING)) == "paid"
    assert lc.refund_after_chain(paid, chain(lc.TxStatus.CONFIRMED)) == "confirmed"
    assert lc.refund_after_chain(confirmed, chain(lc.TxStatus.PENDING)) == "paid"  # reorg
    assert lc.refund_after_chain(paid, chain(lc.TxStatus.REVERTED)) == "claimed"
    assert lc.refund_after_chain(confirmed, chain(lc.TxStatus.REVERTED)) == "claimed"
    claimed = lc.RefundStatus.CLAIMED
    assert lc.refund_after_chain(claimed, chain(lc.TxStatus.CONFIRMED)) == claimed


@given(
    steps=st.lists(
        st.one_of(
            st.just(("claim",)),
            st.tuples(st.just("payout"), st.integers(0, 200), st.booleans()),
        ),
        max_size=8,
    )
)
def test_a_refund_only_moves_forward_and_is_paid_only_after_its_claim(steps):
    status, claimed = lc.RefundStatus.AWAITING_CLAIM, False
    for step in steps:
        if step[0] == "claim":
            after = lc.refund_after_claim(status)
        else:
            after = lc.refund_seen_paid(status, 100, step[1], step[2])
        if after is None:
            continue
        assert REFUND_STATUSES.index(after) == REFUND_STATUSES.index(status) + 1
        claimed |= step[0] == "claim"
        assert after != lc.RefundStatus.PAID or (claimed and (step[1] >= 100 or step[2]))
        status = after


USDT = ("USDT", "tron")


def after(status, payments, refunded, context=None):
    f = facts(status=status, context=context)
    return lc.after_refund(f, ledger(payments, refunded=refunded), refunded, T0 + 2 * MIN)


class TestRefundingWhatAnInvoiceHolds:
    def test_a_full_refund_of_a_completed_invoice_refunds_it_a_partial_keeps_it(self):
        paid = [pay(DUE)]
        assert after(lc.COMPLETED, paid, {ETH: DUE}) == Decision(lc.REFUNDED, None)
        assert after(lc.COMPLETED, paid, {ETH: DUE - 1}) == Decision(lc.COMPLETED, None)
        # something left in another asset (an extra payment): not all given back yet
        extra = [*paid, pay(5, method=USDT)]
        assert after(lc.COMPLETED, extra, {ETH: DUE}) == Decision(lc.COMPLETED, None)

    def test_an_overpayment_is_completed_once_its_excess_went_back(self):
        over = [pay(2 * DUE)]
        part = after(lc.UNRESOLVED, over, {ETH: DUE // 2}, lc.OVERPAID)
        assert part == Decision(lc.UNRESOLVED, lc.OVERPAID)
        assert after(lc.UNRESOLVED, over, {ETH: DUE}, lc.OVERPAID) == Decision(lc.COMPLETED, None)
        assert after(lc.UNRESOLVED, over, {ETH: 2 * DUE}, lc.OVERPAID).status == lc.REFUNDED

    @pytest.mark.parametrize("status", [lc.CANCELLED, lc.EXPIRED, lc.FAILED, lc.DECLINED])
    def test_an_ended_invoice_keeps_its_status(self, status):
        assert after(status, [pay(DUE)], {ETH: DUE}) == Decision(status, None)
        assert after(status, [pay(DUE)], {ETH: 1}) == Decision(status, None)

    @pytest.mark.parametrize("status", [lc.NEW, lc.PENDING, lc.COMPLIANCE_REVIEW])
    def test_an_invoice_still_being_paid_or_reviewed_is_not_refunded(self, status):
        with pytest.raises(GatewayError) as refused:
            lc.refund_to_offer(status, {ETH: 10}, ETH, None)
        assert refused.value.code == ErrorCode.INVALID_STATE

    def test_the_offer_is_what_is_asked_or_everything_left(self):
        assert lc.refund_to_offer(lc.COMPLETED, {ETH: 10}, ETH, None) == 10
        assert lc.refund_to_offer(lc.COMPLETED, {ETH: 10}, ETH, 4) == 4
        for refundable, code in (({ETH: 10}, ErrorCode.REFUND_TOO_LARGE), ({}, None)):
            with pytest.raises(GatewayError) as refused:
                lc.refund_to_offer(lc.COMPLETED, refundable, ETH, 11)
            assert refused.value.code == (code or ErrorCode.NOTHING_TO_REFUND)


@given(
    received=st.dictionaries(
        st.sampled_from([ETH, USDT]), st.integers(min_value=1, max_value=10**12), min_size=1
    ),
    asks=st.lists(
        st.tuples(
            st.sampled_from([ETH, USDT]),
            st.one_of(st.none(), st.integers(min_value=1, max_value=10**12)),
        ),
        max_size=8,
    ),
)
def test_refunds_never_give_back_more_than_was_received_per_asset(received, asks):
    """Whatever the merchant asks, in whatever order: each asset's refunds add up to at most
    what it received, and a completed invoice is refunded exactly when nothing is left."""
    payments = [pay(amount, method=method) for method, amount in received.items()]
    status, refunded = lc.COMPLETED, {}
    for method, asked in asks:
        refundable = ledger(payments).refund_all(refunded)
        try:
            units = lc.refund_to_offer(status, refundable, method, asked)
        except GatewayError as refusal:
            assert refusal.code in (ErrorCode.REFUND_TOO_LARGE, ErrorCode.NOTHING_TO_REFUND)
            continue
        refunded[method] = refunded.get(method, 0) + units
        status = after(status, payments, refunded).status
        assert all(refunded[key] <= received.get(key, 0) for key in refunded)
    assert (status == lc.REFUNDED) == (refunded == received)


RS = lc.RefundStatus


@pytest.mark.parametrize(
    "status, marked, cancelled",
    [
        (RS.AWAITING_CLAIM, RS.PAID, RS.CANCELLED),  # paid by a way agreed elsewhere
        (RS.CLAIMED, RS.PAID, RS.CANCELLED),
        (RS.PAID, None, None),  # money sent is not taken back by a click
        (RS.CONFIRMED, None, None),
        (RS.CANCELLED, None, None),
    ],
)
def test_a_refund_is_marked_paid_or_cancelled_only_before_it_is_paid(status, marked, cancelled):
    assert lc.refund_marked_paid(status) == marked
    assert lc.refund_after_cancel(status) == cancelled
    assert lc.refund_counts(status) is (status != RS.CANCELLED)


def cancelled(status, payments, refunded, review_decision=""):
    f = facts(status=status, review_decision=review_decision)
    standing = ledger(payments, refunded=refunded)
    return lc.after_refund_cancelled(f, standing, ledger(payments), refunded, T0 + 2 * MIN)


class TestCancellingARefund:
    def test_a_refunded_invoice_holding_money_again_is_judged_on_its_payments(self):
        assert cancelled(lc.REFUNDED, [pay(DUE)], {}) == Decision(lc.COMPLETED, None)
        part = cancelled(lc.REFUNDED, [pay(DUE)], {ETH: DUE // 2})  # a partial refund stands
        assert part == Decision(lc.COMPLETED, None)
        over = cancelled(lc.REFUNDED, [pay(2 * DUE)], {ETH: DUE // 2})
        assert over == Decision(lc.UNRESOLVED, lc.OVERPAID)
        excess_back = cancelled(lc.REFUNDED, [pay(2 * DUE)], {ETH: DUE})
        assert excess_back == Decision(lc.COMPLETED, None)
        assert cancelled(lc.REFUNDED, [pay(DUE)], {}, "declined") == Decision(lc.DECLINED, None)

    def test_a_refunded_invoice_with_nothing_left_stays_refunded(self):
        assert cancelled(lc.REFUNDED, [pay(DUE)], {ETH: DUE}) == Decision(lc.REFUNDED, None)

    @pytest.mark.parametrize("status", [lc.COMPLETED, lc.CANCELLED, lc.EXPIRED, lc.UNRESOLVED])
    def test_any_other_invoice_keeps_its_status(self, status):
        assert cancelled(status, [pay(DUE)], {}) == Decision(status, None)
