"""No secret in logs or tables. A full flow runs over real HTTP against a live server that
writes runserver's access log — create an invoice, pay it, overpay, refund, the payer claims
the refund, a password reset, a team invitation — while every log record, everything
printed and django-q2's task table are captured; then each secret the flow created is
looked for in all of them.

Reset and invitation links carry a one-time token in their path, as Django's reset links
do: the access log records it in the requests that open and spend the link. Those tokens
must be dead once used (checked); everywhere else, and the refund code everywhere, they
must never appear. The refund code stays valid after the claim (the payer follows the
payout with it), so it never travels in a URL at all."""

import logging
import re

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import testcases
from django_q.models import OrmQ, Task

from chains import hd
from merchants.models import Merchant, MerchantUser
from tests.receiver import Receiver
from tests.support import default_endpoint, set_callback_url
from worker.tasks import deliver_due_callbacks

PASSWORD = "a long enough passphrase"
NEW_PASSWORD = "another long passphrase"


class Captured(logging.Handler):
    """Every record of every logger, formatted as a log file would hold it."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.access: list[str] = []

    def emit(self, record):
        line = f"{record.name} {record.levelname} {record.getMessage()}"
        if record.exc_info:
            line += " " + logging.Formatter().formatException(record.exc_info)
        self.lines.append(line)
        if record.name == "django.server":
            self.access.append(record.getMessage())


@pytest.fixture
def captured(monkeypatch):
    """Capture every record of every logger, with the root at DEBUG as LOG_LEVEL=DEBUG sets
    it (loggers with a level of their own keep it, as they would); the live server logs
    its requests as runserver does."""
    monkeypatch.setattr(
        testcases.QuietWSGIRequestHandler, "log_message", WSGIRequestHandler.log_message
    )
    handler = Captured()
    root = logging.getLogger()
    level = root.level
    loggers = [root] + [
        logging.getLogger(name)
        for name in list(logging.Logger.manager.loggerDict)
        if not logging.getLogger(name).propagate
    ]
    for logger in loggers:
        logger.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    root.setLevel(level)


class Browser(requests.Session):
    """A visitor with cookies, posting forms with the CSRF token their page set."""

    def __init__(self, base):
        super().__init__()
        self.base = base

    def page(self, path, **kwargs):
        response = self.get(self.base + path, **kwargs)
        assert response.status_code < 500, response.text
        return response

    def form(self, path, data):
        token = self.cookies.get("csrftoken") or self.page(path).cookies["csrftoken"]
        response = self.post(
            self.base + path,
            {**data, "csrfmiddlewaretoken": token},
            headers={"Referer": self.base + path},
            allow_redirects=False,
        )
        assert response.status_code < 500, response.text
        return response


def last_link(pattern):
    return re.search(pattern, mail.outbox[-1].body)[0]


def test_a_full_flow_leaves_no_secret_in_logs_or_tables(
    transactional_db, live_server, captured, capfd, make_merchant, settings
):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    settings.PUBLIC_URL = live_server.url
    base = live_server.url
    receiver = Receiver()
    try:
        client = make_merchant()
        set_callback_url(client.merchant.pk, receiver.url)
        merchant = Merchant.objects.get(pk=client.merchant.pk)
        owner = get_user_model().objects.create_user(
            "owner@shop.example", "owner@shop.example", PASSWORD
        )
        MerchantUser.objects.create(user=owner, merchant=merchant, role=MerchantUser.OWNER)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {client.key}"

        # The merchant's backend: an invoice, paid too much, refunded.
        invoice = api.post(
            f"{base}/api/v1/invoices",
            json={
                "price_amount": "100.00",
                "price_currency": "USD",
                "pay_currency": "USDT",
                "network": "sandbox",
                "customer_email": "payer@example.com",
            },
        ).json()
        paid = api.post(
            f"{base}/api/v1/sandbox/invoices/{invoice['id']}/pay",
            json={"amount": "130", "confirm": True},
        ).json()
        assert (paid["status"], paid["status_context"]) == ("unresolved", "overpaid")
        refund = api.post(
            f"{base}/api/v1/invoices/{invoice['id']}/resolve", json={"action": "refund"}
        ).json()
        assert deliver_due_callbacks() >= 4
        assert len(receiver.received) >= 4  # signed callbacks went out
        claim_url = refund["claim_url"]
        code = claim_url.split("#", 1)[1]
        assert claim_url in mail.outbox[-1].body  # the payer's e-mail

        # The payer opens the link: the browser asks for /refund/ (nothing after #), and
        # the page's script posts the code, as does the form without a script.
        payer = Browser(base)
        assert payer.page("/refund/").status_code == 200
        opened = payer.form("/refund/", {"token": code})
        assert "Claim your refund" in opened.text
        address = hd.derive_address("sandbox", hd.new_sandbox_xpub(), 4)
        claimed = payer.form(
            "/refund/", {"token": code, "step": "claim", "address": address, "confirm": "on"}
        )
        assert "Refund address received" in claimed.text

        # A password reset, used.
        visitor = Browser(base)
        assert (
            visitor.form("/dashboard/password-reset/", {"email": "owner@shop.example"}).status_code
            == 302
        )
        reset_link = last_link(r"https?://\S+/dashboard/password-reset/\S+/")
        reset_token = reset_link.rstrip("/").rsplit("/", 1)[1]
        choose = visitor.page(reset_link[len(base) :])
        assert choose.status_code == 200 and "new_password1" in choose.text
        set_path = choose.url[len(base) :]
        assert (
            visitor.form(
                set_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
            ).status_code
            == 302
        )
        assert "new_password1" not in Browser(base).page(reset_link[len(base) :]).text  # dead

        # An invitation, accepted.
        boss = Browser(base)
        assert (
            boss.form(
                "/dashboard/login/", {"username": "owner@shop.example", "password": NEW_PASSWORD}
            ).status_code
            == 302
        )
        assert (
            boss.form(
                "/dashboard/settings/team/", {"email": "new@shop.example", "role": "staff"}
            ).status_code
            == 201
        )
        invite_link = last_link(r"https?://\S+/dashboard/invite/\S+/")
        invite_token = invite_link.rstrip("/").rsplit("/", 1)[1]
        newcomer = Browser(base)
        assert (
            newcomer.form(
                invite_link[len(base) :], {"password1": PASSWORD, "password2": PASSWORD}
            ).status_code
            == 302
        )
        assert Browser(base).page(invite_link[len(base) :]).status_code == 404  # dead
    finally:
        receiver.close()

    printed = capfd.readouterr()
    # This test's own HTTP client (requests, through urllib3) logs its requests too.
    host = base.split("://", 1)[1]
    captured.lines = [
        line for line in captured.lines if not (line.startswith("urllib3.") and host in line)
    ]
    tasks = [f"{t.func} {t.args!r} {t.kwargs!r} {t.result!r}" for t in Task.objects.all()]
    queued = [repr(q.payload) for q in OrmQ.objects.all()]
    assert {t.split(" ", 1)[0] for t in tasks} >= {
        "webhooks.emails.send_password_reset",
        "webhooks.emails.send_invite",
        "webhooks.emails.send_refund_claim_emails",
    }
    assert any("POST /api/v1/invoices" in line for line in captured.access)
    assert any(line.startswith('"POST /refund/ ') for line in captured.access)

    secrets = {
        "API key": client.key,
        "callback secret": default_endpoint(merchant.pk).secret,
        "refund code": code,
        "reset token": reset_token,
        "invite token": invite_token,
    }
    places = {
        "log records": captured.lines,
        "stdout": [printed.out],
        "stderr": [printed.err],
        "task table": tasks,
        "queued tasks": queued,
    }
    for secret_name, secret in secrets.items():
        for place, texts in places.items():
            found = [text for text in texts if secret in text]
            if place == "log records" and secret_name in ("reset token", "invite token"):
                # The requests that opened and spent the link (and the dead link opened
                # again): their access-log lines, Django's "Not Found" of the dead link,
                # and django-axes noting the path of the login that accepting one is.
                found = [
                    text
                    for text in found
                    if not re.match(r'django\.server \w+ "(GET|POST) /dashboard/', text)
                    and not text.startswith("django.request WARNING Not Found: /dashboard/")
                    and not (text.startswith("axes.") and "path_info" in text)
                ]
            assert found == [], f"the {secret_name} is in the {place}: {found[:3]}"
