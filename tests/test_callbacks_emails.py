"""The payer's refund-claim e-mail: sent from the outbox once, with the claim link, when the
invoice has a payer e-mail."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from invoices.models import Event, Refund
from invoices.representation import refund_payload
from webhooks import emails
from worker import tasks


@pytest.fixture
def paid_invoice(api, create_invoice):
    def make(client=None, amount=None, confirm=True, sender=None, **body):
        client = client or api
        invoice = create_invoice(client, pay_currency="USDT", network="sandbox", **body)
        payment = {
            "confirm": confirm,
            **({"amount": amount} if amount else {}),
            **({"sender": sender} if sender else {}),
        }
        response = client.post(
            f"/api/v1/sandbox/invoices/{invoice['id']}/pay", payment, format="json"
        )
        assert response.status_code == 200, response.json()
        return response.json()

    return make


def claim_url(invoice):
    return refund_payload(Refund.objects.get(invoice_id=invoice["id"]))["claim_url"]


def test_cancelling_an_invoice_that_received_funds_mails_the_claim_link_once(
    transactional_db, api, paid_invoice
):
    invoice = paid_invoice(confirm=False, customer_email="payer@example.com", foreign_id="order-7")
    assert invoice["status"] == "pending"
    assert api.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    [message] = mail.outbox  # sent by the task queued when the cancellation committed
    assert message.to == ["payer@example.com"]
    assert message.subject == "Your refund from Shop"
    assert claim_url(invoice) in message.body
    assert "order order-7" in message.body and "100.00 USDT on" in message.body
    assert "100.000000" not in message.body  # the amount as it reads everywhere else
    [(html, kind)] = message.alternatives  # an HTML alternative, like the team's e-mails
    assert kind == "text/html" and "100.00 USDT on" in html
    assert f'href="{claim_url(invoice)}"' in html and "order order-7" in html
    assert tasks.send_payer_emails() == 0
    assert emails.send_refund_claim_emails(now=timezone.now() + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1
    event = Event.objects.get(invoice_id=invoice["id"], type="refund_updated")
    assert event.email_sent_at is not None


def test_a_refund_the_merchant_chooses_mails_the_claim_link(api, paid_invoice):
    invoice = paid_invoice(amount="130", customer_email="payer@example.com")
    assert (invoice["status"], invoice["status_context"]) == ("unresolved", "overpaid")
    refund = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    ).json()
    assert mail.outbox == []  # the test transaction never commits: nothing was queued…
    assert tasks.send_payer_emails() == 1  # …and the sweep finds it in the outbox
    assert tasks.send_payer_emails() == 0
    [message] = mail.outbox
    assert refund["claim_url"] in message.body and "130.00 USDT" in message.body


def test_a_declined_review_with_funds_mails_the_claim_link(make_merchant, paid_invoice):
    client = make_merchant(deny_list=["sbx1qbadguy"])
    invoice = paid_invoice(client, sender="sbx1qbadguy", customer_email="payer@example.com")
    client.post(f"/api/v1/invoices/{invoice['id']}/review", {"action": "decline"}, format="json")
    client.post(f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json")
    assert tasks.send_payer_emails() == 1
    assert [m.body.count(claim_url(invoice)) for m in mail.outbox] == [1]


def test_no_email_without_a_payer_address_or_once_the_refund_is_claimed(api, paid_invoice):
    silent = paid_invoice(confirm=False)
    api.post(f"/api/v1/invoices/{silent['id']}/cancel")
    claimed = paid_invoice(confirm=False, customer_email="payer@example.com")
    api.post(f"/api/v1/invoices/{claimed['id']}/cancel")
    Refund.objects.filter(invoice_id=claimed["id"]).update(status=Refund.AWAITING_PAYOUT)
    assert tasks.send_payer_emails() == 0
    assert mail.outbox == []


def test_a_failed_send_is_retried_and_a_dead_worker_lease_expires(api, paid_invoice, monkeypatch):
    invoice = paid_invoice(confirm=False, customer_email="payer@example.com")
    api.post(f"/api/v1/invoices/{invoice['id']}/cancel")

    def smtp_down(*args, **kwargs):
        raise ConnectionRefusedError("smtp is down")

    monkeypatch.setattr(emails, "send_mail", smtp_down)
    assert emails.send_refund_claim_emails() == 0
    monkeypatch.undo()
    now = timezone.now()
    event = Event.objects.get(invoice_id=invoice["id"], type="refund_updated")
    Event.objects.filter(pk=event.pk).update(  # a worker took it, then was killed
        email_claimed_until=now + emails.SENDING_LEASE
    )
    assert emails.send_refund_claim_emails(now=now) == 0
    assert emails.send_refund_claim_emails(now=now + emails.SENDING_LEASE) == 1
    assert len(mail.outbox) == 1
