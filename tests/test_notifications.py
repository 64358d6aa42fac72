"""The team's notification e-mails: each once per event, to the people who chose its kind
(owners: everything by default; staff: payments and invoices needing action), retried when
the mail server fails, plain text and HTML, and never carrying a secret."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from chains.backends.base import Transfer
from chains.scanner import ScanReport
from invoices.models import Invoice, Refund
from invoices.services import merchant_actions, payer, reconciliation
from merchants import services as merchant_services
from merchants.models import MerchantUser, Notification
from merchants.notifications import chosen
from tests.support import delivery_of, set_callback_url
from tests.test_links import member_client
from webhooks import callbacks, endpoints, notifications


@pytest.fixture
def team(api):
    """An owner and a staff member who never chose (role defaults)."""
    member_client(api.merchant, "owner@shop.example")
    member_client(api.merchant, "staff@shop.example", MerchantUser.STAFF)
    return api


def pay(api, invoice_id, **body):
    response = api.post(
        f"/api/v1/sandbox/invoices/{invoice_id}/pay", {"confirm": True, **body}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def sent(kind=None, now=None):
    notifications.send_due(now)
    return [m for m in mail.outbox if kind is None or kind in m.subject]


def recipients(messages):
    return sorted(address for message in messages for address in message.to)


def test_a_completed_payment_is_mailed_once_to_owner_and_staff(team, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox", foreign_id="order-9")
    pay(team, invoice["id"])
    messages = sent()
    assert recipients(messages) == ["owner@shop.example", "staff@shop.example"]
    message = messages[0]
    assert message.subject == "[Shop] Payment completed: order-9"
    assert "100.00 USD" in message.body and "100.00 USDT" in message.body
    assert f"/dashboard/invoices/{invoice['id']}/" in message.body
    html = message.alternatives[0]
    assert html[1] == "text/html" and "order-9" in html[0]
    # Nothing is sent twice: not by another sweep, not by the event being handled again.
    event = Invoice.objects.get(pk=invoice["id"]).events.order_by("sequence").last()
    notifications.on_event(event)
    assert len(sent()) == 2


def test_nothing_for_a_person_who_turned_it_off(team, create_invoice):
    MerchantUser.objects.filter(user__email="staff@shop.example").update(notifications=[])
    MerchantUser.objects.filter(user__email="owner@shop.example").update(
        notifications=["needs_action"]
    )
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    pay(team, invoice["id"])
    assert sent() == []
    overpaid = create_invoice(pay_currency="USDT", network="sandbox", foreign_id="big")
    pay(team, overpaid["id"], amount="150")
    [message] = sent()
    assert message.to == ["owner@shop.example"]
    assert message.subject == "[Shop] Invoice needs action: big"
    assert "Unresolved · Overpaid" in message.body


def test_the_preferences_page_stores_each_persons_choice(team):
    staff = member_client(team.merchant, "new@shop.example", MerchantUser.STAFF)
    page = staff.get("/dashboard/account/preferences/").content.decode()
    assert 'value="payment_completed" id="id_notifications_0" checked' in page
    assert 'value="refund_claimed" id="id_notifications_2" checked' not in page
    response = staff.post(
        "/dashboard/account/preferences/", {"language": "de", "notifications": ["refund_claimed"]}
    )
    assert response.status_code == 302
    member = MerchantUser.objects.get(user__email="new@shop.example")
    assert (member.language, chosen(member)) == ("de", {"refund_claimed"})


def test_a_refund_claim_tells_the_team_where_and_how_much_to_pay(team, create_invoice):
    MerchantUser.objects.filter(user__email="staff@shop.example").update(
        notifications=["refund_claimed"]
    )
    invoice = create_invoice(pay_currency="USDT", network="sandbox", foreign_id="r-1")
    pay(team, invoice["id"], confirm=False)
    merchant_actions.cancel(invoice_id=invoice["id"], actor="user:owner@shop.example")
    refund = Refund.objects.get(invoice_id=invoice["id"])
    address = _sandbox_address(team)
    mail.outbox.clear()
    payer.claim(token=refund.claim_token, address=address)
    messages = sent("Refund claimed")
    assert recipients(messages) == ["owner@shop.example", "staff@shop.example"]
    assert address in messages[0].body and "100.00 USDT" in messages[0].body
    assert refund.claim_token not in messages[0].body  # the claim link is the payer's alone


def test_a_refund_seen_paid_on_chain_tells_the_team_and_the_payer(team, create_invoice):
    MerchantUser.objects.filter(user__email="staff@shop.example").update(
        notifications=["refund_claimed"]
    )
    invoice = create_invoice(
        pay_currency="USDT", network="sandbox", foreign_id="r-2", customer_email="payer@x.example"
    )
    pay(team, invoice["id"], confirm=False)
    merchant_actions.cancel(invoice_id=invoice["id"], actor="user:owner@shop.example")
    refund = payer.claim(
        token=Refund.objects.get(invoice_id=invoice["id"]).claim_token,
        address=_sandbox_address(team),
    )
    sent()
    mail.outbox.clear()
    payout = Transfer(
        "sandbox", "ab" * 32, 0, refund.address, "USDT", refund.amount, (), 9, "cd" * 32
    )
    report = ScanReport(network="sandbox", tip_height=9, transfers=[payout])
    assert reconciliation.match_payouts(report=report) == 1
    team_mail = sent("Refund paid")
    assert recipients(team_mail) == ["owner@shop.example", "staff@shop.example"]
    assert "ab" * 32 in team_mail[0].body and refund.address in team_mail[0].body
    [to_payer] = sent("Your refund from Shop was sent")
    assert to_payer.to == ["payer@x.example"] and "ab" * 32 in to_payer.body
    assert "member of" not in to_payer.body  # not the team's footer
    assert reconciliation.match_payouts(report=report) == 0
    mail.outbox.clear()
    assert sent() == []  # told once


def _sandbox_address(api) -> str:
    from chains import hd

    wallet = api.merchant.wallets.get(family="sandbox")
    return hd.derive_address("sandbox", wallet.xpub, 999)


def test_settings_and_keys_are_told_to_owners_without_the_secret(team):
    owner = member_client(team.merchant, "second-owner@shop.example")
    secret = endpoints.rotate_callback_secret(
        merchant=team.merchant, actor="user:owner@shop.example"
    )
    response = owner.post("/dashboard/settings/api-keys/", {"name": "shop backend"})
    assert response.status_code == 201
    key = response.context["created_key"]["key"]
    messages = sent()
    subjects = {m.subject for m in messages}
    assert subjects == {
        "[Shop] Settings changed: The callback secret was rotated",
        "[Shop] New API key: shop backend",
    }
    assert "staff@shop.example" not in recipients(messages)  # staff default: payments only
    for message in messages:
        text = message.body + message.alternatives[0][0]
        assert secret not in text and key not in text and team.key not in text
    [key_mail] = [
        m for m in messages if "API key" in m.subject and m.to == ["second-owner@shop.example"]
    ]
    assert key.split(".")[0] in key_mail.body  # the public prefix, to recognise it


def test_a_changed_wallet_or_callback_url_is_told(team):
    from chains import hd

    merchant_services.set_wallet(
        merchant=team.merchant, family="sandbox", xpub=hd.new_sandbox_xpub(), actor="api"
    )
    response = team.patch(
        "/api/v1/merchant", {"callback_url": "https://hooks.example/cb?token=s3cr3t"}, format="json"
    )
    assert response.status_code == 200
    messages = sent("Settings changed")
    assert len(messages) == 2  # one owner, two changes
    bodies = " ".join(m.body for m in messages)
    assert "https://hooks.example/cb" in bodies and "s3cr3t" not in bodies


def test_a_failing_endpoint_and_its_recovery_are_told_once_each(
    settings, team, create_invoice, receiver
):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    set_callback_url(team.merchant.pk, receiver.url)
    invoice = create_invoice()
    team.post(f"/api/v1/invoices/{invoice['id']}/cancel")
    receiver.always(500)
    clock = timezone.now()
    event = delivery_of(Invoice.objects.get(pk=invoice["id"]).events.get())
    while event.next_attempt_at is not None:
        callbacks.deliver_due(clock)
        event.refresh_from_db()
        clock = event.next_attempt_at or clock
    [failing] = sent("failing", clock)
    assert failing.to == ["owner@shop.example"]
    assert f"http://127.0.0.1:{receiver.port}/hook" in failing.body  # with its port
    receiver.always(200)
    callbacks.redeliver(event, now=clock + timedelta(hours=1))
    assert [m.subject for m in sent("delivered again", clock + timedelta(hours=1))] == [
        "[Shop] Callbacks are delivered again"
    ]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_failing_mail_server_loses_nothing(settings, team, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    pay(team, invoice["id"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        _closed_port(),
        2,
    )
    now = timezone.now()
    assert notifications.send_due(now) == 0  # the server is down
    rows = list(Notification.objects.all())
    assert len(rows) == 2 and all(row.attempts == 1 and row.sent_at is None for row in rows)
    assert all(row.next_attempt_at == now + timedelta(minutes=1) for row in rows)
    assert "Connection refused" in rows[0].last_error
    assert notifications.send_due(now) == 0  # not due again yet
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # it is back
    assert notifications.send_due(now + timedelta(minutes=1)) == 2
    assert notifications.send_due(now + timedelta(hours=1)) == 0
    assert recipients(mail.outbox) == ["owner@shop.example", "staff@shop.example"]


def test_retries_back_off_and_stop_after_three_days():
    start = timezone.now()
    assert notifications.retry_at(1, start, start) == start + timedelta(minutes=1)
    assert notifications.retry_at(9, start, start) == start + timedelta(hours=6)
    assert notifications.retry_at(3, start, start + timedelta(days=3)) is None


def test_a_person_reads_their_e_mails_in_their_language(team, create_invoice):
    MerchantUser.objects.filter(user__email="staff@shop.example").update(language="de")
    invoice = create_invoice(
        pay_currency="USDT", network="sandbox", price_amount="25.00", price_currency="EUR"
    )
    pay(team, invoice["id"])
    [german] = [m for m in sent() if m.to == ["staff@shop.example"]]
    assert german.subject.startswith("[Shop] Zahlung abgeschlossen")
    assert "25,00 EUR" in german.body


def test_which_invoice_events_make_which_notification():
    new = {"status": "new", "status_context": None, "refunds": []}
    done = {**new, "status": "completed"}
    assert notifications.invoice_kinds("status_changed", new, done) == ["payment_completed"]
    overpaid = {**done, "status_context": "overpaid"}
    assert notifications.invoice_kinds("status_changed", done, overpaid) == []
    archived = {**done, "archived": True}
    assert notifications.invoice_kinds("status_changed", done, archived) == []
    review = {**new, "status": "compliance_review"}
    assert notifications.invoice_kinds("status_changed", new, review) == ["needs_action"]
    offered = {**new, "refunds": [{"id": "r", "status": "awaiting_claim"}]}
    claimed = {**new, "refunds": [{"id": "r", "status": "claimed"}]}
    assert notifications.invoice_kinds("refund_updated", offered, claimed) == ["refund_claimed"]
    assert notifications.invoice_kinds("refund_updated", claimed, claimed) == []
