"""The payer's receipt e-mail: sent once when an invoice completes and the payer gave an
e-mail, as text and HTML, with what was paid, at what rate, in which transaction; never for
an invoice without an e-mail or not completed; retried when the mail server fails."""

from __future__ import annotations

import pytest
from django.core import mail

from invoices.models import Event
from tests.test_callbacks_emails import paid_invoice  # noqa: F401 (a fixture)
from webhooks import receipts
from worker import tasks


def test_a_completed_invoice_mails_its_receipt_once(api, paid_invoice):  # noqa: F811
    invoice = paid_invoice(
        customer_email="payer@example.com", description="2 × Espresso", price_amount="12.34"
    )
    assert invoice["status"] == "completed"
    assert mail.outbox == []  # the test transaction never commits: the sweep sends it
    assert tasks.send_receipts() == 1
    assert tasks.send_receipts() == 0
    [message] = mail.outbox
    assert message.to == ["payer@example.com"]
    assert message.subject == "Your receipt from Shop"
    txid = invoice["transactions"][0]["txid"]
    for text in (
        "Order: 2 × Espresso",
        "Price: 12.34 USD",
        f"Paid: {invoice['paid_amount']} USDT on Sandbox",
        f"Rate: 1 USDT = {invoice['rate']} USD",
        f"Transaction: {txid}",
        f"/pay/{invoice['id']}",
    ):
        assert text in message.body, text
    [(html, kind)] = message.alternatives
    assert kind == "text/html" and txid in html and "12.34 USD" in html
    event = Event.objects.get(
        invoice_id=invoice["id"], type="status_changed", email_sent_at__isnull=False
    )
    assert event.data["status"] == "completed"


def test_no_receipt_without_an_email_or_before_completion(api, paid_invoice):  # noqa: F811
    paid_invoice()
    paid_invoice(customer_email="payer@example.com", amount="10")  # underpaid
    # Last: mining for another invoice would confirm it.
    paid_invoice(customer_email="payer@example.com", confirm=False)  # pending
    assert tasks.send_receipts() == 0
    assert mail.outbox == []


def test_a_failed_receipt_is_sent_by_the_next_sweep(api, paid_invoice, monkeypatch):  # noqa: F811
    paid_invoice(customer_email="payer@example.com")

    def refuse(self):
        raise OSError("the mail server is down")

    with monkeypatch.context() as patched:
        patched.setattr(receipts.EmailMultiAlternatives, "send", refuse)
        assert tasks.send_receipts() == 0
    assert tasks.send_receipts() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_receipt_is_sent_when_the_completion_commits(api, paid_invoice):  # noqa: F811
    paid_invoice(customer_email="payer@example.com")
    assert [message.subject for message in mail.outbox] == ["Your receipt from Shop"]
