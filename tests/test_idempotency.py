"""`Idempotency-Key` on every mutating POST: a retry gets the first response (marked
`Idempotent-Replayed: true`) and the action runs once; the same key with another request is
a 409; keys are forgotten after 24 h; concurrent retries run the action once."""

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import get_resolver
from django.utils import timezone

from chains.models import SandboxBlock
from invoices.api import idempotency
from invoices.models import Event, IdempotencyKey, Invoice, Refund, Transaction
from merchants.models import Merchant
from tests.conftest import run_at_once
from tests.support import set_callback_url
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint


@pytest.fixture(autouse=True)
def allow_private(settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True


@dataclass
class Case:
    path: str
    body: dict
    effect: object  # () -> a count the action changes once

    def post(self, client, key, body=None):
        return client.post(
            self.path, self.body if body is None else body, format="json", HTTP_IDEMPOTENCY_KEY=key
        )


def _fixed(create_invoice, **body):
    return create_invoice(pay_currency="USDT", network="sandbox", **body)


def _pay(api, invoice, **body):
    response = api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True, **body}, format="json"
    )
    assert response.status_code == 200, response.json()


def _events(invoice):
    return lambda: Event.objects.filter(invoice_id=invoice["id"]).count()


def create_case(api, create_invoice, receiver):
    return Case(
        "/api/v1/invoices",
        {"price_amount": "10.00", "price_currency": "USD"},
        Invoice.objects.count,
    )


def cancel_case(api, create_invoice, receiver):
    invoice = create_invoice()
    return Case(f"/api/v1/invoices/{invoice['id']}/cancel", {}, _events(invoice))


def cancel_by_foreign_id_case(api, create_invoice, receiver):
    invoice = create_invoice(foreign_id="order-7")
    return Case("/api/v1/invoices/by-foreign-id/order-7/cancel", {}, _events(invoice))


def archive_case(api, create_invoice, receiver):
    invoice = create_invoice()
    return Case(
        f"/api/v1/invoices/{invoice['id']}/archive",
        {},
        lambda: Invoice.objects.filter(archived=True).count(),
    )


def unarchive_case(api, create_invoice, receiver):
    invoice = create_invoice()
    Invoice.objects.filter(pk=invoice["id"]).update(archived=True)
    return Case(
        f"/api/v1/invoices/{invoice['id']}/unarchive",
        {},
        lambda: Invoice.objects.filter(archived=False).count(),
    )


def resolve_case(api, create_invoice, receiver):
    invoice = _fixed(create_invoice)
    _pay(api, invoice, amount="130")
    return Case(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, Refund.objects.count
    )


def refund_case(api, create_invoice, receiver):
    invoice = _fixed(create_invoice)
    _pay(api, invoice)
    return Case(f"/api/v1/invoices/{invoice['id']}/refunds", {"amount": "1"}, Refund.objects.count)


def _a_refund(api, create_invoice):
    invoice = _fixed(create_invoice)
    _pay(api, invoice)
    return api.post(f"/api/v1/invoices/{invoice['id']}/refunds", {}, format="json").json()


def _refund_events():
    return Event.objects.filter(type="refund_updated").count()


def refund_cancel_case(api, create_invoice, receiver):
    refund = _a_refund(api, create_invoice)
    return Case(f"/api/v1/refunds/{refund['id']}/cancel", {}, _refund_events)


def refund_mark_paid_case(api, create_invoice, receiver):
    refund = _a_refund(api, create_invoice)
    return Case(f"/api/v1/refunds/{refund['id']}/mark-paid", {"txid": "ab" * 32}, _refund_events)


def review_case(api, create_invoice, receiver):
    Merchant.objects.filter(pk=api.merchant.pk).update(deny_list=["sbx1qflagged"])
    invoice = _fixed(create_invoice)
    _pay(api, invoice, sender="sbx1qflagged")
    return Case(f"/api/v1/invoices/{invoice['id']}/review", {"action": "approve"}, _events(invoice))


def redeliver_case(api, create_invoice, receiver):
    set_callback_url(api.merchant.pk, receiver.url)
    invoice = create_invoice()
    api.post(f"/api/v1/invoices/{invoice['id']}/cancel")
    event = Event.objects.get(invoice_id=invoice["id"])
    return Case(f"/api/v1/events/{event.id}/redeliver", {}, DeliveryAttempt.objects.count)


def callback_test_case(api, create_invoice, receiver):
    set_callback_url(api.merchant.pk, receiver.url)
    return Case("/api/v1/merchant/test-callback", {}, lambda: len(receiver.received))


def rotate_secret_case(api, create_invoice, receiver):
    set_callback_url(api.merchant.pk, receiver.url)
    return Case(
        "/api/v1/merchant/rotate-secret",
        {},
        lambda: WebhookEndpoint.objects.exclude(previous_secret="").count(),
    )


def create_endpoint_case(api, create_invoice, receiver):
    return Case(
        "/api/v1/webhook-endpoints",
        {"url": "https://shop.example/hooks"},
        WebhookEndpoint.objects.count,
    )


def rotate_endpoint_secret_case(api, create_invoice, receiver):
    endpoint = set_callback_url(api.merchant.pk, receiver.url)
    return Case(
        f"/api/v1/webhook-endpoints/{endpoint.pk}/rotate-secret",
        {},
        lambda: WebhookEndpoint.objects.exclude(previous_secret="").count(),
    )


def redeliver_delivery_case(api, create_invoice, receiver):
    endpoint = set_callback_url(api.merchant.pk, receiver.url)
    invoice = create_invoice()
    api.post(f"/api/v1/invoices/{invoice['id']}/cancel")
    delivery = Delivery.objects.get(invoice_id=invoice["id"])
    return Case(
        f"/api/v1/webhook-endpoints/{endpoint.pk}/deliveries/{delivery.pk}/redeliver",
        {},
        DeliveryAttempt.objects.count,
    )


def sandbox_pay_case(api, create_invoice, receiver):
    invoice = _fixed(create_invoice)
    return Case(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay",
        {"confirm": False},
        Transaction.objects.count,
    )


def sandbox_mine_case(api, create_invoice, receiver):
    return Case("/api/v1/sandbox/mine", {"blocks": 2}, SandboxBlock.objects.count)


CASES = [
    create_case,
    cancel_case,
    cancel_by_foreign_id_case,
    archive_case,
    unarchive_case,
    resolve_case,
    refund_case,
    refund_cancel_case,
    refund_mark_paid_case,
    review_case,
    redeliver_case,
    callback_test_case,
    rotate_secret_case,
    create_endpoint_case,
    rotate_endpoint_secret_case,
    redeliver_delivery_case,
    sandbox_pay_case,
    sandbox_mine_case,
]


@pytest.fixture(params=CASES, ids=lambda case: case.__name__.removesuffix("_case"))
def case(request, api, create_invoice, receiver):
    return request.param(api, create_invoice, receiver)


def test_a_retry_gets_the_first_response_and_the_action_runs_once(api, case):
    before = case.effect()
    first = case.post(api, "retry-me")
    assert 200 <= first.status_code < 300, first.json()
    assert "Idempotent-Replayed" not in first
    done = case.effect()
    assert done != before
    again = case.post(api, "retry-me")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert case.effect() == done


def test_the_same_key_with_another_body_is_a_409(api, case):
    case.post(api, "mine")
    response = case.post(api, "mine", body={**case.body, "unexpected": "field"})
    assert response.status_code == 409, response.json()
    assert response.json()["error"] == {
        "type": "invalid_request",
        "code": "idempotency_key_reused",
        "param": "Idempotency-Key",
        "message": "this Idempotency-Key was used with a different request",
    }


def test_every_mutating_post_takes_the_key():
    """No POST route escapes the one mechanism."""
    views = {
        pattern.callback.view_class
        for pattern in _api_patterns()
        if hasattr(pattern.callback.view_class, "post")
    }
    assert views and all(getattr(view.post, "idempotent", False) for view in views), [
        view.__name__ for view in views if not getattr(view.post, "idempotent", False)
    ]
    assert len(views) == len(CASES)


def _api_patterns():
    """Our API's routes; the Greenfield layer's, at the same base, speak BTCPay's contract,
    which has no Idempotency-Key (its clients never send one)."""
    for top in get_resolver().url_patterns:
        if str(top.pattern) == "api/v1/" and top.urlconf_module.__name__ != "greenfield.urls":
            yield from top.url_patterns


def test_one_key_on_two_endpoints_is_a_409(api, create_invoice):
    invoice = create_invoice()
    assert (
        api.post(f"/api/v1/invoices/{invoice['id']}/archive", HTTP_IDEMPOTENCY_KEY="k").status_code
        == 200
    )
    response = api.post(f"/api/v1/invoices/{invoice['id']}/cancel", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409
    assert Invoice.objects.get(pk=invoice["id"]).status == "new"


def test_key_order_and_spacing_of_the_body_do_not_make_another_request(api):
    body = {"price_amount": "10.00", "price_currency": "USD"}
    first = api.post(
        "/api/v1/invoices",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    reordered = json.dumps(dict(reversed(body.items())), indent=2)
    again = api.post(
        "/api/v1/invoices", reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()


def test_a_refusal_is_replayed_too(api, create_invoice):
    """A 409 from the invoice's state is the answer to that request: a retry gets it again,
    even after the state changed."""
    invoice = create_invoice()
    Invoice.objects.filter(pk=invoice["id"]).update(status="completed")
    first = api.post(f"/api/v1/invoices/{invoice['id']}/cancel", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 409
    Invoice.objects.filter(pk=invoice["id"]).update(status="new")
    again = api.post(f"/api/v1/invoices/{invoice['id']}/cancel", HTTP_IDEMPOTENCY_KEY="k")
    assert (again.status_code, again["Idempotent-Replayed"]) == (409, "true")
    assert Invoice.objects.get(pk=invoice["id"]).status == "new"


def test_an_invalid_request_releases_the_key_for_the_corrected_one(api):
    bad = api.post(
        "/api/v1/invoices",
        {"price_amount": "-1", "price_currency": "USD"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert bad.status_code == 400
    good = api.post(
        "/api/v1/invoices",
        {"price_amount": "1", "price_currency": "USD"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert good.status_code == 201 and "Idempotent-Replayed" not in good


def test_a_server_error_releases_the_key(api, monkeypatch):
    from invoices.services import creation

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(creation, "create_invoice", broken)
    api.raise_request_exception = False
    body = {"price_amount": "1", "price_currency": "USD"}
    assert (
        api.post("/api/v1/invoices", body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code
        == 500
    )
    assert not IdempotencyKey.objects.exists()
    monkeypatch.undo()
    assert (
        api.post("/api/v1/invoices", body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code
        == 201
    )


@pytest.mark.parametrize("key", ["", " ", "x" * 256])
def test_a_malformed_key_is_a_400(api, key):
    response = api.post(
        "/api/v1/invoices",
        {"price_amount": "1", "price_currency": "USD"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "Idempotency-Key"
    assert not Invoice.objects.exists()


def test_a_key_still_running_is_a_409_not_a_second_run(api):
    body = {"price_amount": "1", "price_currency": "USD"}
    api.post("/api/v1/invoices", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    IdempotencyKey.objects.update(response_status=None, response=None)  # as while it runs
    response = api.post("/api/v1/invoices", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert Invoice.objects.count() == 1


def test_keys_are_forgotten_after_24_hours(api):
    body = {"price_amount": "1", "price_currency": "USD"}
    api.post("/api/v1/invoices", body, format="json", HTTP_IDEMPOTENCY_KEY="old")
    api.post("/api/v1/invoices", body, format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    assert idempotency.prune() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    again = api.post("/api/v1/invoices", body, format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Invoice.objects.count() == 3


def test_an_expired_key_not_yet_pruned_is_free_again(api):
    body = {"price_amount": "1", "price_currency": "USD"}
    api.post("/api/v1/invoices", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = api.post(
        "/api/v1/invoices", {**body, "price_amount": "2"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert again.status_code == 201 and Invoice.objects.count() == 2


def test_pruning_is_scheduled(db):
    from django_q.models import Schedule

    from worker.schedules import ensure_schedules

    ensure_schedules()
    schedule = Schedule.objects.get(func="invoices.api.idempotency.prune")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 60)


# --- concurrency (PostgreSQL: real row locks and a real unique index) ---------------------


def _concurrent(client_key, path, body, threads=6):
    from rest_framework.test import APIClient

    def post(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {client_key}")
        response = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
        return response.status_code, json.loads(response.content)

    results = run_at_once(threads, post)
    assert [r for r in results if isinstance(r, Exception)] == []
    return results


def test_concurrent_retries_pay_a_sandbox_invoice_once(postgres, api, create_invoice):
    invoice = _fixed(create_invoice)
    results = _concurrent(
        api.key, f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}
    )
    assert Transaction.objects.count() == 1
    paid = [body for code, body in results if code == 200]
    busy = [body["error"]["code"] for code, body in results if code == 409]
    assert paid and all(body == paid[0] for body in paid)
    assert set(busy) <= {"idempotency_key_in_use"} and len(paid) + len(busy) == 6
    assert IdempotencyKey.objects.get().response_status == 200


def test_concurrent_retries_refund_once(postgres, api, create_invoice):
    invoice = _fixed(create_invoice)
    _pay(api, invoice, amount="130")
    results = _concurrent(
        api.key, f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}
    )
    assert Refund.objects.count() == 1
    refunds = [body for code, body in results if code == 200]
    assert refunds and all(body == refunds[0] for body in refunds)
    assert all(code in (200, 409) for code, _ in results)
