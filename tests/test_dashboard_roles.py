"""Who may open which settings page: every URL under /dashboard/settings/, read from the
URLconf (a page added there is in the matrix without anyone listing it), for each role:
the store's owner, its staff, another store's owner, the operator (a superuser with no
store) and a visitor who is not logged in. Staff may open the profile and payment settings
only: wallets, callbacks, API keys and the team redirect money or data."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dashboard import urls
from merchants.models import TEST, ForwarderPayout, MerchantAPIKey, MerchantUser, TeamInvite
from merchants.services import create_merchant
from webhooks import endpoints
from webhooks.models import Delivery

# Written out here, not read from dashboard.access, so that a change there shows up here.
STAFF_MAY_OPEN = {"settings", "settings_payments"}
SETTINGS_URLS = sorted(
    pattern.name
    for pattern in urls.urlpatterns
    if isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("settings/")
)
ROLES = ["owner", "staff", "other_store", "operator", "anonymous"]
TARGET = "Target Shop 7Q"


def _login(email: str, merchant=None, role=MerchantUser.OWNER, **extra):
    user = get_user_model().objects.create_user(
        username=email, email=email, password="a long passphrase", **extra
    )
    if merchant is not None:
        MerchantUser.objects.create(user=user, merchant=merchant, role=role)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def store(db):
    merchant, key = create_merchant(name=TARGET, mode=TEST)  # a test key pays on the sandbox
    staff = _login("staff@target.example", merchant, MerchantUser.STAFF)
    now = timezone.now()
    invite = TeamInvite.objects.create(
        merchant=merchant,
        email="new@target.example",
        role="staff",
        token_hash="1" * 64,
        created_at=now,
        expires_at=now + timezone.timedelta(days=1),
    )
    endpoint = endpoints.create_endpoint(
        merchant=merchant, url="https://target.example/hook", actor="test"
    )
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {key}")
    invoice = api.post(
        "/api/v1/invoices",
        {
            "price_amount": "10.00",
            "price_currency": "USD",
            "pay_currency": "USDT",
            "network": "sandbox",
        },
        format="json",
    ).json()
    api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json")
    delivery = Delivery.objects.filter(endpoint=endpoint, invoice_id=invoice["id"]).first()
    other, _ = create_merchant(name="Other Shop")
    clients = {
        "owner": _login("owner@target.example", merchant),
        "staff": staff,
        "other_store": _login("owner@other.example", other),
        "operator": _login("operator@gateway.example", is_staff=True, is_superuser=True),
        "anonymous": Client(),
    }
    arguments = {
        "family": "sandbox",
        "prefix": MerchantAPIKey.objects.get(merchant=merchant).prefix,
        "invite_id": invite.pk,
        "member_id": MerchantUser.objects.get(user__email="staff@target.example").pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
    }
    return merchant, clients, arguments


def _url(name: str, arguments: dict) -> str:
    pattern = next(p for p in urls.urlpatterns if getattr(p, "name", None) == name)
    return reverse(
        f"dashboard:{name}", kwargs={k: arguments[k] for k in pattern.pattern.converters}
    )


def test_the_matrix_covers_every_settings_page():
    assert len(SETTINGS_URLS) >= 13 and STAFF_MAY_OPEN < set(SETTINGS_URLS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", SETTINGS_URLS)
def test_settings_page_by_role(store, name, role):
    merchant, clients, arguments = store
    url = _url(name, arguments)
    method = "post" if Client().get(url).status_code == 405 else "get"
    response = getattr(clients[role], method)(url)
    content = response.content.decode()
    if role == "anonymous":
        assert response.status_code == 302 and "/dashboard/login/" in response["Location"]
    elif role == "operator":
        assert response.status_code == 403 and "belongs to no store" in content
    elif role == "other_store":  # their own store's page, or not found: never this store's
        assert response.status_code in (200, 302, 404, 422), response.status_code
        assert TARGET not in content
    elif role == "staff" and name not in STAFF_MAY_OPEN:
        assert response.status_code == 403, response.status_code
        assert "Only the store&#x27;s owners can open this page." in content
    else:  # past the rule: the page, a redirect, or a form's errors (an empty POST)
        assert response.status_code in (200, 302, 422), response.status_code
        assert "owners can open this page" not in content


def test_staff_cannot_change_the_callback_url(store):
    merchant, clients, _ = store
    response = clients["staff"].post(
        reverse("dashboard:settings_callbacks"), {"callback_url": "https://attacker.example/"}
    )
    assert response.status_code == 403
    merchant.refresh_from_db()
    assert endpoints.callback_url(merchant) == ""
    assert not merchant.settings_changes.filter(new_value__contains="attacker").exists()


def test_staff_see_only_the_tabs_they_may_open(store):
    _, clients, _ = store
    page = clients["staff"].get(reverse("dashboard:settings")).content.decode()
    plain = [
        p.name for p in urls.urlpatterns if p.name in SETTINGS_URLS and not p.pattern.converters
    ]
    shown = {name for name in plain if f'href="{reverse(f"dashboard:{name}")}"' in page}
    assert shown == STAFF_MAY_OPEN


def test_staff_cannot_set_the_payout_deposits_forward_to(store):
    merchant, clients, _ = store
    url = reverse("dashboard:collect_payout", kwargs={"network": "ethereum-local"})
    payout = "0x" + "ab" * 20
    response = clients["staff"].post(url, {"payout": payout})
    assert response.status_code == 403
    assert not ForwarderPayout.objects.filter(merchant=merchant).exists()
    assert clients["owner"].post(url, {"payout": payout}).status_code == 302
