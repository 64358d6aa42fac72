"""Tenant isolation: every dashboard URL that names an object, opened by another merchant's
owner with this merchant's object ids, is a 404 — and changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, reverse
from django.utils import timezone

from dashboard import urls
from invoices.models import Event, Invoice, Refund
from links.models import PaymentLink
from merchants.models import MerchantAPIKey, MerchantUser, TeamInvite
from pos.models import Terminal
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint

# URL arguments that are not a merchant's objects: links from e-mails, checked by token, and
# a wallet family or network the page acts on for the member's own store.
NOT_SCOPED = {"accept_invite", "password_reset_confirm", "settings_wallet", "collect_payout"}


def _user(merchant, email):
    user = get_user_model().objects.create_user(username=email, email=email, password="x")
    return MerchantUser.objects.create(user=user, merchant=merchant, role=MerchantUser.OWNER)


@pytest.fixture
def victim(make_merchant):
    """Another store with one of everything: an invoice with events and a refund, an API
    key, an invitation, a team member, a payment link and a point of sale."""
    client = make_merchant("Victim")
    invoice = client.post(
        "/api/v1/invoices",
        {
            "price_amount": "10.00",
            "price_currency": "USD",
            "pay_currency": "USDT",
            "network": "sandbox",
        },
        format="json",
    ).json()
    client.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json")
    Invoice.objects.filter(pk=invoice["id"]).update(status="unresolved", status_context="overpaid")
    refund = client.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    )
    assert refund.status_code == 200, refund.json()
    member = _user(client.merchant, "someone@victim.example")
    now = timezone.now()
    invite = TeamInvite.objects.create(
        merchant=client.merchant,
        email="new@victim.example",
        role="staff",
        token_hash="0" * 64,
        created_at=now,
        expires_at=now + timezone.timedelta(days=1),
    )
    link = PaymentLink.objects.create(
        merchant=client.merchant, name="Theirs", price_currency="USD", price_amount=100
    )
    endpoint = WebhookEndpoint.objects.create(
        merchant=client.merchant, url="https://victim.example/hook"
    )
    event = Event.objects.filter(invoice_id=invoice["id"]).first()
    delivery = Delivery.objects.create(
        event=event, endpoint=endpoint, invoice_id=invoice["id"], sequence=1, created_at=now
    )
    terminal = Terminal.objects.create(merchant=client.merchant, name="Theirs", currency="USD")
    return {
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "invoice_id": invoice["id"],
        "refund_id": refund.json()["id"],
        "link_id": link.pk,
        "terminal_id": terminal.pk,
        "event_id": Event.objects.filter(invoice_id=invoice["id"]).first().pk,
        "prefix": MerchantAPIKey.objects.get(merchant=client.merchant).prefix,
        "invite_id": invite.pk,
        "member_id": member.pk,
        "action": "complete",
    }


@pytest.fixture
def intruder(make_merchant, client):
    member = _user(make_merchant("Intruder").merchant, "owner@intruder.example")
    client.force_login(member.user)
    return client


def _patterns():
    return [p for p in urls.urlpatterns if isinstance(p, URLPattern)]


def test_every_object_url_of_another_merchant_is_404(victim, intruder):
    checked = []
    for pattern in _patterns():
        arguments = list(pattern.pattern.converters)
        if not arguments or pattern.name in NOT_SCOPED:
            continue
        unknown = set(arguments) - set(victim)
        assert not unknown, f"{pattern.name}: add an object of another merchant for {unknown}"
        actions = (
            ("complete", "refund", "approve", "decline", "cancel", "archive", "unarchive")
            if "action" in arguments
            else (None,)
        )
        for action in actions:
            kwargs = {name: victim[name] for name in arguments}
            if action:
                kwargs["action"] = action
            url = reverse(f"dashboard:{pattern.name}", kwargs=kwargs)
            answers = {
                method: getattr(intruder, method)(url).status_code for method in ("get", "post")
            }
            assert set(answers.values()) <= {404, 405}, (url, answers)
            assert 404 in answers.values(), (url, answers)
            checked.append(url)
    assert len(checked) >= 14

    invoice = Invoice.objects.get(pk=victim["invoice_id"])
    assert (invoice.status, invoice.archived) == ("refunded", False)
    assert not Refund.objects.filter(invoice=invoice, payout_txid__gt="").exists()
    assert not MerchantAPIKey.objects.get(prefix=victim["prefix"]).revoked
    assert MerchantUser.objects.filter(pk=victim["member_id"], role="owner").exists()
    endpoint = WebhookEndpoint.objects.get(pk=victim["endpoint_id"])
    assert endpoint.enabled and endpoint.url == "https://victim.example/hook"
    assert endpoint.previous_secret == "" and not DeliveryAttempt.objects.exists()
    assert TeamInvite.objects.filter(pk=victim["invite_id"]).exists()
    terminal = Terminal.objects.get(pk=victim["terminal_id"])
    assert terminal.active and terminal.name == "Theirs"


def test_lists_search_and_export_show_only_the_own_store(victim, intruder):
    invoice_id = victim["invoice_id"]
    for query in ({}, {"q": invoice_id}, {"status": "refunded", "archived": "all"}):
        page = intruder.get("/dashboard/invoices/", query)
        assert page.status_code == 200
        assert f"/dashboard/invoices/{invoice_id}/".encode() not in page.content
    assert (
        b'class="invoice-row"'
        not in intruder.get("/dashboard/invoices/", {"q": invoice_id}).content
    )
    export = intruder.get("/dashboard/invoices/export.csv", {"archived": "all"})
    assert invoice_id.encode() not in b"".join(export.streaming_content)
    for url in ("/dashboard/", "/dashboard/settings/api-keys/", "/dashboard/settings/team/"):
        page = intruder.get(url)
        assert page.status_code == 200
        for secret in (victim["prefix"], "someone@victim.example", "new@victim.example"):
            assert secret.encode() not in page.content, (url, secret)
