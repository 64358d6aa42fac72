"""Refunds as a resource (issue 23): any invoice holding live received money gives it back,
in full or in part, through `POST /invoices/{id}/refunds`; never more than was received per
asset; listed and read per merchant."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from chains.backends import sandbox
from chains.models import ChainCursor
from core.errors import GatewayError
from invoices import lifecycle
from invoices.models import Event, Invoice, Quote, Refund
from invoices.sandbox import mine_pending
from invoices.services import merchant_actions, refunds
from tests.conftest import run_at_once
from worker.tasks import scan_network


@pytest.fixture
def paid_invoice(api, create_invoice):
    """A completed sandbox invoice: 100 USDT paid, confirmed, for 100 USD."""

    def make(client=None, amount=None, **body):
        client = client or api
        invoice = create_invoice(client, pay_currency="USDT", network="sandbox", **body)
        pay = {"confirm": True} if amount is None else {"confirm": True, "amount": amount}
        response = client.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", pay, format="json")
        assert response.status_code == 200, response.json()
        return response.json()

    return make


def refund(client, invoice, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/invoices/{invoice['id']}/refunds", body, format="json", **headers)


def get(client, invoice):
    return client.get(f"/api/v1/invoices/{invoice['id']}").json()


def test_a_partial_then_a_full_refund_of_a_completed_invoice(api, paid_invoice):
    invoice = paid_invoice()
    assert invoice["status"] == "completed"
    first = refund(api, invoice, amount="30", reason="one item returned")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["amount"], body["asset"], body["network"]) == ("30.000000", "USDT", "sandbox")
    assert (body["status"], body["reason"]) == ("awaiting_claim", "one item returned")
    after = get(api, invoice)
    assert (after["status"], after["refunded_amount"]) == ("completed", "30.000000")

    rest = refund(api, invoice)  # everything still refundable
    assert rest.status_code == 201, rest.json()
    assert rest.json()["amount"] == "70.000000"
    after = get(api, invoice)
    assert (after["status"], after["refunded_amount"]) == ("refunded", "100.000000")
    types = list(
        Event.objects.filter(invoice_id=invoice["id"])
        .order_by("sequence")
        .values_list("type", flat=True)
    )
    assert types[-3:] == ["refund_updated", "status_changed", "refund_updated"]

    third = refund(api, invoice, amount="1")
    assert third.status_code == 409
    assert third.json()["error"]["code"] == "nothing_to_refund"


def test_more_than_received_is_refused_and_nothing_is_written(api, paid_invoice):
    invoice = paid_invoice()
    response = refund(api, invoice, amount="100.000001")
    assert response.status_code == 409, response.json()
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("refund_too_large", "amount")
    assert "100.000000 USDT" in error["message"]
    assert not Refund.objects.filter(invoice_id=invoice["id"]).exists()


def test_a_price_value_is_refunded_at_the_locked_rate_rounded_down(api, paid_invoice):
    invoice = paid_invoice()
    Invoice.objects.get(pk=invoice["id"]).quote.__class__.objects.filter(
        invoice_id=invoice["id"]
    ).update(rate="3")  # 3 USD per USDT: 10 USD is 3.333333… USDT
    response = refund(api, invoice, price_amount="10.00")
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "3.333333"  # never more than 10 USD's worth


def test_a_refund_has_the_shape_of_api_md(api, paid_invoice):
    invoice = paid_invoice()
    Invoice.objects.get(pk=invoice["id"]).quote.__class__.objects.filter(
        invoice_id=invoice["id"]
    ).update(rate="3")
    body = refund(api, invoice, price_amount="10.00", reason="broken").json()
    assert list(body) == [
        "id", "invoice", "asset", "network", "amount", "price_amount", "status", "claim_url",
        "address", "txid", "confirmations", "reason", "created_at", "paid_at",
    ]  # fmt: skip
    assert (body["invoice"], body["asset"], body["amount"]) == (invoice["id"], "USDT", "3.333333")
    assert body["price_amount"] == "10.00"  # 3.333333 × 3 = 9.999999, to the cent
    assert (body["txid"], body["confirmations"], body["paid_at"]) == (None, 0, None)
    assert get(api, invoice)["refunds"] == [body]
    Refund.objects.filter(pk=body["id"]).update(payout_txid="ab" * 32)
    assert api.get(f"/api/v1/refunds/{body['id']}").json()["txid"] == "ab" * 32
    # a payout seen two blocks below the sandbox's scanned height: three confirmations
    height = ChainCursor.objects.get(network="sandbox").height
    Refund.objects.filter(pk=body["id"]).update(status=Refund.PAID, payout_block_height=height - 2)
    assert api.get(f"/api/v1/refunds/{body['id']}").json()["confirmations"] == 3
    listed = api.get("/api/v1/refunds").json()["data"][0]
    assert listed["confirmations"] == get(api, invoice)["refunds"][0]["confirmations"] == 3


@pytest.mark.parametrize(
    "body, code, param",
    [
        ({"amount": "0"}, "invalid_amount", "amount"),
        ({"amount": "1.0000001"}, "too_precise", "amount"),
        ({"amount": 1.5}, "float", "amount"),
        ({"amount": "1", "price_amount": "1"}, "invalid", "price_amount"),
        ({"asset": "BTC", "network": "sandbox"}, "nothing_to_refund", None),
        ({"amount": "1", "colour": "red"}, "unknown_field", "colour"),
    ],
)
def test_bad_refund_requests_are_clear_errors(api, paid_invoice, body, code, param):
    invoice = paid_invoice()
    response = refund(api, invoice, **body)
    assert 400 <= response.status_code < 500, response.json()
    error = response.json()["error"]
    assert (error["code"], error.get("param")) == (code, param)
    assert not Refund.objects.filter(invoice_id=invoice["id"]).exists()


def test_an_invoice_still_being_paid_is_not_refunded(api, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": False}, format="json")
    response = refund(api, invoice)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"


def test_money_paid_to_a_cancelled_invoice_is_refunded(api, create_invoice):
    """Issue 23, case 2: cancelled first, paid afterwards (the QR was still on screen)."""
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    assert api.post(f"/api/v1/invoices/{invoice['id']}/cancel").json()["status"] == "cancelled"
    paid = api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json"
    ).json()
    assert paid["status"] == "cancelled" and paid["transactions"]
    response = refund(api, invoice)
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "100.000000"
    assert get(api, invoice)["status"] == "cancelled"  # the lifecycle keeps an ended invoice


def test_an_unresolved_overpayment_is_completed_once_its_excess_went_back(api, paid_invoice):
    invoice = paid_invoice(amount="150")
    assert invoice["status"] == "unresolved"
    assert refund(api, invoice, amount="20").status_code == 201
    after = get(api, invoice)
    assert (after["status"], after["status_context"]) == ("unresolved", "overpaid")
    assert refund(api, invoice, amount="30").status_code == 201  # the whole excess back
    assert get(api, invoice)["status"] == "completed"


def test_resolve_still_refunds_everything_of_an_unresolved_invoice(api, paid_invoice):
    invoice = paid_invoice(amount="150")
    assert refund(api, invoice, amount="20").status_code == 201
    resolved = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    )
    assert resolved.status_code == 200, resolved.json()
    assert get(api, invoice)["status"] == "refunded"
    assert sum(r.amount for r in Refund.objects.filter(invoice_id=invoice["id"])) == 150_000_000


def test_idempotency_key_makes_one_refund(api, paid_invoice):
    invoice = paid_invoice()
    first = refund(api, invoice, key="refund-1", amount="10")
    again = refund(api, invoice, key="refund-1", amount="10")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Refund.objects.filter(invoice_id=invoice["id"]).count() == 1


def test_listing_filters_pages_and_isolation(api, make_merchant, paid_invoice):
    one, two = paid_invoice(), paid_invoice()
    made = [refund(api, one, amount="10").json() for _ in range(3)]
    other = refund(api, two, amount="5").json()
    Refund.objects.filter(pk=made[0]["id"]).update(status=Refund.CLAIMED)

    listed = api.get("/api/v1/refunds").json()
    assert [r["id"] for r in listed["data"]] == [other["id"], *[r["id"] for r in made[::-1]]]
    by_invoice = api.get("/api/v1/refunds", {"invoice": one["id"]}).json()["data"]
    assert {r["id"] for r in by_invoice} == {r["id"] for r in made}
    claimed = api.get("/api/v1/refunds", {"status": "claimed"}).json()["data"]
    assert [r["id"] for r in claimed] == [made[0]["id"]]

    page = api.get("/api/v1/refunds", {"limit": 3}).json()
    assert page["has_more"] is True and len(page["data"]) == 3
    rest = api.get("/api/v1/refunds", {"limit": 3, "cursor": page["next_cursor"]}).json()
    assert [r["id"] for r in rest["data"]] == [made[0]["id"]] and rest["has_more"] is False

    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert api.get("/api/v1/refunds", {"created_after": later}).json()["data"] == []
    assert len(api.get("/api/v1/refunds", {"created_before": later}).json()["data"]) == 4
    for bad in ({"status": "lost"}, {"invoice": "x"}, {"invoice": ""}, {"created_after": "y"}):
        assert api.get("/api/v1/refunds", bad).status_code == 400

    assert api.get(f"/api/v1/refunds/{other['id']}").json() == other
    stranger = make_merchant(name="Other shop")
    assert stranger.get(f"/api/v1/refunds/{other['id']}").status_code == 404
    assert stranger.get("/api/v1/refunds").json()["data"] == []
    assert refund(stranger, one).status_code == 404


def test_the_service_is_the_one_entry_point(api, paid_invoice):
    invoice = paid_invoice()
    made = refunds.create_refund(invoice_id=invoice["id"], amount="1.5", actor="greenfield")
    assert (made.amount, made.asset, made.status) == (1_500_000, "USDT", Refund.AWAITING_CLAIM)


def test_manual_mark_paid_still_records_the_payout(api, paid_invoice):
    invoice = paid_invoice()
    made = refunds.create_refund(invoice_id=invoice["id"], actor="test")
    Refund.objects.filter(pk=made.pk).update(status=Refund.CLAIMED, address="sbx1payer")
    recorded = merchant_actions.record_payout(
        invoice_id=invoice["id"], txid="ab" * 32, actor="test", refund_id=made.pk
    )
    assert recorded.payout_txid == "ab" * 32
    scan_network("sandbox")  # nothing mined to that address: still claimed
    assert Refund.objects.get(pk=made.pk).status == Refund.CLAIMED


def test_ten_parallel_refunds_never_exceed_what_was_received(postgres, api, paid_invoice):
    invoice = paid_invoice()
    results = run_at_once(
        10,
        lambda i: refunds.create_refund(invoice_id=invoice["id"], amount="30", actor="test"),
    )
    made = [r for r in results if isinstance(r, Refund)]
    assert len(made) == 3  # 3 × 30 of 100
    assert all(getattr(r, "code", None) == "refund_too_large" for r in results if r not in made)
    total = sum(r.amount for r in Refund.objects.filter(invoice_id=invoice["id"]))
    assert total == 90_000_000


def mark_paid(client, made, txid, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    url = f"/api/v1/refunds/{made['id']}/mark-paid"
    return client.post(url, {"txid": txid}, format="json", **headers)


def cancel(client, made, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/refunds/{made['id']}/cancel", format="json", **headers)


def refund_events(invoice):
    return Event.objects.filter(invoice_id=invoice["id"], type="refund_updated").count()


def test_mark_paid_pays_a_refund_at_once_with_its_txid(api, paid_invoice):
    invoice = paid_invoice()
    made = refund(api, invoice, amount="10").json()
    before = refund_events(invoice)
    bad = mark_paid(api, made, "nope")
    assert (bad.status_code, bad.json()["error"]["param"]) == (422, "txid")
    answer = mark_paid(api, made, "AB" * 32, key="pay-1")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["status"], body["txid"]) == ("paid", "ab" * 32) and body["paid_at"]
    assert mark_paid(api, made, "AB" * 32, key="pay-1").json() == body  # replayed
    assert refund_events(invoice) == before + 1
    again = mark_paid(api, made, "cd" * 32)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "refund_not_payable")
    assert cancel(api, made).json()["error"]["code"] == "refund_not_cancellable"
    assert get(api, invoice)["refunds"][0]["status"] == "paid"


def test_a_cancelled_refund_is_refundable_again(api, paid_invoice):
    invoice = paid_invoice()
    full = refund(api, invoice).json()
    assert get(api, invoice)["status"] == "refunded"
    answer = cancel(api, full, key="cancel-1")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "cancelled"
    assert cancel(api, full, key="cancel-1").json() == answer.json()  # replayed
    after = get(api, invoice)
    assert (after["status"], after["refunded_amount"]) == ("completed", "0.000000")
    types = Event.objects.filter(invoice_id=invoice["id"]).order_by("sequence")
    assert list(types.values_list("type", flat=True))[-2:] == ["status_changed", "refund_updated"]
    again = cancel(api, full)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "refund_not_cancellable")
    assert mark_paid(api, full, "ab" * 32).json()["error"]["code"] == "refund_not_payable"
    assert refund(api, invoice).json()["amount"] == "100.000000"  # all of it again


def test_another_merchants_refund_is_not_found(api, make_merchant, paid_invoice):
    made = refund(api, paid_invoice(), amount="10").json()
    stranger = make_merchant(name="Other shop")
    assert cancel(stranger, made).status_code == 404
    assert mark_paid(stranger, made, "ab" * 32).status_code == 404
    assert Refund.objects.get(pk=made["id"]).status == Refund.AWAITING_CLAIM


@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("refund"), st.integers(min_value=1, max_value=120)),
            st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=7)),
        ),
        max_size=10,
    )
)
def test_cancelled_refunds_no_longer_count_against_what_is_refundable(steps):
    """Whatever refunds are offered and cancelled, in whatever order: what is refundable is
    what was received less the refunds not cancelled, never negative."""
    received, method = 100, ("USDT", "sandbox")
    invoice, made = Invoice(), []
    for step, value in steps:
        refundable = {method: received - invoice.refunded(made).get(method, 0)}
        if step == "refund":
            try:
                units = lifecycle.refund_to_offer("completed", refundable, method, value)
            except GatewayError:
                assert value > refundable[method]
                continue
            made.append(Refund(asset=method[0], network=method[1], amount=units))
        elif made:
            chosen = made[value % len(made)]
            chosen.status = lifecycle.refund_after_cancel(chosen.status) or chosen.status
        live = sum(r.amount for r in made if r.status != Refund.CANCELLED)
        assert invoice.refunded(made).get(method, 0) == live <= received


def test_resolve_refunds_every_asset_with_one_status_change(api, create_invoice, monkeypatch):
    """resolve's refund goes through the refund service: one refund per asset, counted
    together, and the status decided once (never an intermediate one between two assets)."""
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    usdt = Quote.objects.get(invoice_id=invoice["id"])
    sandbox.broadcast(usdt.address, "USDT", usdt.due_amount * 3 // 2, "sbx1qpayer")
    sandbox.broadcast(usdt.address, "ETH", 10**17, "sbx1qpayer")
    scan_network("sandbox")
    mine_pending(Invoice.objects.get(pk=invoice["id"]))
    assert get(api, invoice)["status"] == "unresolved"
    offered = []
    real = refunds.refund_locked
    monkeypatch.setattr(
        refunds, "refund_locked", lambda *a, **kw: offered.append(a[1]) or real(*a, **kw)
    )
    first = Event.objects.filter(invoice_id=invoice["id"]).count()
    resolved = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    )
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["asset"] == "USDT"  # the chosen asset's refund answers
    assert offered == [{("ETH", "sandbox"): None, ("USDT", "sandbox"): None}]
    data = get(api, invoice)
    assert data["status"] == "refunded"
    assert sorted((r["asset"], r["amount"]) for r in data["refunds"]) == [
        ("ETH", "0.100000000000000000"),
        ("USDT", "150.000000"),
    ]
    types = Event.objects.filter(invoice_id=invoice["id"]).order_by("sequence")[first:]
    assert [e.type for e in types] == ["status_changed", "refund_updated", "refund_updated"]


def test_a_refund_marked_paid_stays_paid_through_scans(api, paid_invoice):
    """A payout the gateway cannot see is never taken for one that left the chain."""
    invoice = paid_invoice()
    made = refund(api, invoice, amount="10").json()
    assert mark_paid(api, made, "ab" * 32).status_code == 200
    for _ in range(3):
        api.post("/api/v1/sandbox/mine", {"blocks": 3}, format="json")
        scan_network("sandbox")
    kept = Refund.objects.get(pk=made["id"])
    assert (kept.status, kept.payout_txid) == (Refund.PAID, "ab" * 32)
