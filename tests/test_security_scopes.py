"""Key scopes (API.md): an `invoices` key cannot move the money; changes of wallets and
callbacks are recorded with their actor and e-mailed to the owners."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from chains import hd
from merchants.models import MerchantUser, SettingsChange, Wallet
from merchants.services import create_api_key
from webhooks.models import WebhookEndpoint

OWNER = "owner@shop.example"


@pytest.fixture
def shop(make_merchant):
    client = make_merchant("Shop")  # its first key is the operator's admin key
    for email, role in ((OWNER, MerchantUser.OWNER), ("staff@shop.example", MerchantUser.STAFF)):
        user = get_user_model().objects.create_user(
            username=email, email=email, password="pw-123456789"
        )
        MerchantUser.objects.create(user=user, merchant=client.merchant, role=role)
    return client


@pytest.fixture
def integration(shop):
    """An ordinary integration key: the one a shop's backend holds."""
    client = APIClient()
    key = create_api_key(merchant=shop.merchant, name="backend", mode="test", scope="invoices")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.prefix = key.removeprefix("cg_test_").partition(".")[0]
    return client


def assert_scope_refused(response):
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert response.json()["error"]["type"] == "permission_error"


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("put", "/api/v1/wallets/sandbox", {"xpub": "placeholder"}),
        ("get", "/api/v1/wallets", None),
        ("patch", "/api/v1/merchant", {"callback_url": "https://attacker.example/hook"}),
        ("get", "/api/v1/merchant", None),
        ("post", "/api/v1/merchant/rotate-secret", None),
        ("post", "/api/v1/merchant/test-callback", None),
        ("get", "/api/v1/webhook-endpoints", None),
        ("post", "/api/v1/webhook-endpoints", {"url": "https://attacker.example/hook"}),
    ],
)
def test_an_invoices_key_cannot_touch_settings_wallets_or_secrets(
    integration, shop, method, path, body
):
    before = list(WebhookEndpoint.objects.values_list("url", "secret"))
    xpub = Wallet.objects.get(merchant=shop.merchant, family="sandbox").xpub
    body = {"xpub": hd.new_sandbox_xpub()} if body and "xpub" in body else body
    assert_scope_refused(getattr(integration, method)(path, body, format="json"))
    assert list(WebhookEndpoint.objects.values_list("url", "secret")) == before
    assert Wallet.objects.get(merchant=shop.merchant, family="sandbox").xpub == xpub
    assert not SettingsChange.objects.exists()


def test_an_invoices_key_does_the_invoice_work(integration):
    invoice = integration.post(
        "/api/v1/invoices",
        {
            "price_amount": "10.00",
            "price_currency": "USD",
            "pay_currency": "USDT",
            "network": "sandbox",
        },
        format="json",
    )
    assert invoice.status_code == 201
    invoice_id = invoice.json()["id"]
    for path in (
        "/api/v1/invoices",
        f"/api/v1/invoices/{invoice_id}",
        "/api/v1/currencies",
        "/api/v1/events",
        "/api/v1/rates?base=BTC&quote=USD",
    ):
        assert integration.get(path).status_code == 200, path
    assert integration.post(f"/api/v1/invoices/{invoice_id}/cancel").status_code == 200
    event = integration.get("/api/v1/events").json()["data"][0]
    redelivered = integration.post(f"/api/v1/events/{event['id']}/redeliver")
    assert redelivered.json()["error"]["code"] == "no_callback_url"  # allowed, nowhere to go


def test_an_admin_key_changes_the_wallet_recorded_and_mailed(
    shop, django_capture_on_commit_callbacks
):
    old = Wallet.objects.get(merchant=shop.merchant, family="sandbox").xpub
    new = hd.new_sandbox_xpub()
    with django_capture_on_commit_callbacks(execute=True):
        response = shop.put("/api/v1/wallets/sandbox", {"xpub": new}, format="json")
    assert response.status_code == 200
    change = SettingsChange.objects.get()
    prefix = shop.key.removeprefix("cg_test_").partition(".")[0]
    assert (change.what, change.detail, change.actor) == ("wallet", "sandbox", f"api_key:{prefix}")
    assert change.old_value == f"{old[:8]}…{old[-6:]}" and change.new_value.endswith(new[-6:])
    [message] = mail.outbox
    assert message.to == [OWNER]  # owners only, not staff
    assert "A wallet was changed" in message.subject and "sandbox" in message.body
    assert f"api_key:{prefix}" in message.body


def test_callback_url_and_secret_changes_are_recorded_without_secrets(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        shop.patch(
            "/api/v1/merchant",
            {"callback_url": "https://u:pw@hooks.example/in?t=s3"},
            format="json",
        )
        secret = shop.post("/api/v1/merchant/rotate-secret").json()["callback_secret"]
        shop.patch("/api/v1/merchant", {"invoice_ttl_minutes": 30}, format="json")  # no record
    url_change, secret_change = SettingsChange.objects.order_by("id")
    assert (url_change.what, url_change.old_value, url_change.new_value) == (
        "callback_url",
        "",
        "https://hooks.example/in",
    )
    assert (secret_change.what, secret_change.new_value) == ("callback_secret", "rotated")
    assert len(mail.outbox) == 2
    for text in [m.body + m.subject for m in mail.outbox] + [
        f"{c.old_value} {c.new_value}" for c in SettingsChange.objects.all()
    ]:
        assert secret not in text and "pw" not in text and "s3" not in text


def test_the_change_log_and_the_owners_email_keep_a_callback_urls_port(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        shop.patch(
            "/api/v1/merchant",
            {"callback_url": "https://u:pw@hooks.example:18001/hook?t=s3"},
            format="json",
        )
    change = SettingsChange.objects.get()
    assert change.new_value == "https://hooks.example:18001/hook"
    (message,) = mail.outbox
    assert "https://hooks.example:18001/hook" in message.body


def test_a_refused_wallet_records_nothing(shop):
    response = shop.put("/api/v1/wallets/sandbox", {"xpub": "not-a-key"}, format="json")
    assert response.status_code == 400
    assert not SettingsChange.objects.exists()


def test_dashboard_changes_are_recorded_with_the_user_and_shown(
    shop, django_capture_on_commit_callbacks
):
    browser = Client()
    browser.force_login(get_user_model().objects.get(email=OWNER))
    new = hd.new_sandbox_xpub()
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/dashboard/settings/wallets/sandbox/", {"xpub": new, "step": "save"})
        browser.post("/dashboard/settings/callbacks/", {"callback_url": "https://h.example/cb"})
        browser.post("/dashboard/settings/callbacks/rotate/")
    assert list(SettingsChange.objects.order_by("id").values_list("what", "actor")) == [
        ("wallet", f"user:{OWNER}"),
        ("callback_url", f"user:{OWNER}"),
        ("callback_secret", f"user:{OWNER}"),
    ]
    assert len(mail.outbox) == 3
    wallets = browser.get("/dashboard/settings/wallets/").content.decode()
    assert "Recent changes" in wallets and new[-6:] in wallets
    callbacks_page = browser.get("/dashboard/settings/callbacks/").content.decode()
    assert "https://h.example/cb" in callbacks_page and "Callback secret" in callbacks_page


def test_dashboard_makes_keys_with_a_scope_and_mode(shop):
    browser = Client()
    browser.force_login(get_user_model().objects.get(email=OWNER))
    page = browser.post(
        "/dashboard/settings/api-keys/", {"name": "ci", "mode": "test", "scope": "invoices"}
    )
    assert page.status_code == 201
    key = shop.merchant.api_keys.get(name="ci")
    assert (key.mode, key.scope) == ("test", "invoices")
    refused = browser.post(
        "/dashboard/settings/api-keys/", {"name": "x", "mode": "live", "scope": "root"}
    )
    assert refused.status_code == 422
