"""BTCPay's authorize flow in the dashboard: the application asks, a member approves, a key
with exactly the asked permissions goes back to the application's redirect."""

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.test import Client
from rest_framework.test import APIClient

from greenfield import authorize
from greenfield.models import Grant
from merchants.models import MerchantAPIKey, MerchantUser
from tests.greenfield_contract import check
from tests.test_dashboard import _member, post

PLUGIN = [  # what BTCPay's WooCommerce plugin asks for
    "btcpay.store.canviewinvoices",
    "btcpay.store.cancreateinvoice",
    "btcpay.store.webhooks.canmodifywebhooks",
    "btcpay.store.canviewstoresettings",
    "btcpay.store.canmodifyinvoices",
]


class Query(dict):
    def getlist(self, name):
        value = self.get(name)
        return value if isinstance(value, list) else ([value] if value else [])


def url(permissions=PLUGIN, redirect="https://shop.example/wc-api/btcpay", **extra):
    query = {
        "applicationName": "WooCommerce",
        "applicationIdentifier": "woocommerce",
        "permissions": permissions,
        "redirect": redirect,
        "strict": "true",
        "selectiveStores": "true",
        **extra,
    }
    return "/api-keys/authorize?" + urlencode(query, doseq=True)


@pytest.mark.parametrize(
    ("redirect", "private", "allowed"),
    [
        ("https://shop.example/cb", False, True),
        ("http://shop.example/cb", True, False),
        ("http://127.0.0.1:8080/cb", False, False),
        ("http://127.0.0.1:8080/cb", True, True),
        ("http://[::1]/cb", True, True),
        ("http://localhost/cb", True, True),
        ("https://user:pw@shop.example/cb", False, False),
        ("javascript:alert(1)", True, False),
        ("ftp://shop.example/", True, False),
    ],
)
def test_the_key_goes_only_to_https_or_loopback_when_allowed(redirect, private, allowed):
    assert authorize.redirect_allowed(redirect, private) is allowed


def test_permissions_are_read_as_asked_or_refused():
    asked = authorize.parse(Query(permissions=[*PLUGIN, f"{PLUGIN[0]}:s1"]), "s1", False)
    assert asked.permissions == tuple(PLUGIN)  # in order, once each
    with pytest.raises(authorize.Refused, match="another store"):
        authorize.parse(Query(permissions=[f"{PLUGIN[0]}:s2"]), "s1", False)
    with pytest.raises(authorize.Refused, match="does not grant"):
        authorize.parse(Query(permissions=["btcpay.server.canmodifyserversettings"]), "s1", False)
    with pytest.raises(authorize.Refused, match="no permission"):
        authorize.parse(Query(), "s1", False)
    with pytest.raises(authorize.Refused, match="https"):
        authorize.parse(Query(permissions=PLUGIN, redirect="http://shop.example/"), "s1", False)


def test_staff_may_grant_invoice_permissions_only():
    assert authorize.may_grant(MerchantUser.OWNER, tuple(PLUGIN)) == []
    assert authorize.may_grant(MerchantUser.STAFF, tuple(PLUGIN)) == [
        "btcpay.store.webhooks.canmodifywebhooks",
        "btcpay.store.canviewstoresettings",
    ]
    assert authorize.may_grant(MerchantUser.STAFF, ("btcpay.store.canviewinvoices",)) == []


@pytest.fixture
def owner_browser(api):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_member(api.merchant, "owner@shop.example"))
    return client


def handed_off(response) -> dict:
    html = response.content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)" data-autosubmit>(.*?)</form>', html, re.S
    )
    fields = re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2))
    data: dict = {"action": unescape(form.group(1))}
    for name, value in fields:
        data.setdefault(name, []).append(unescape(value))
    return data


def test_the_owner_approves_and_the_key_holds_exactly_the_asked_permissions(api, owner_browser):
    page = owner_browser.get(url())
    assert page.status_code == 200
    assert b"WooCommerce asks for an API key" in page.content
    assert b"Manage your store&#x27;s webhooks" in page.content
    assert not MerchantAPIKey.objects.filter(greenfield_grant__isnull=False).exists()

    response = post(owner_browser, url())
    assert response.status_code == 200
    assert "form-action 'self' https://shop.example" in response["Content-Security-Policy"]
    sent = handed_off(response)
    store = str(api.merchant.pk)
    assert sent["action"] == "https://shop.example/wc-api/btcpay"
    assert sent["permissions[]"] == [f"{p}:{store}" for p in PLUGIN]
    [key] = sent["apiKey"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {key}")
    current = client.get("/api/v1/api-keys/current").json()
    check("ApiKeyData", current)
    assert sorted(current["permissions"]) == sorted(f"{p}:{store}" for p in PLUGIN)
    assert Grant.objects.get().application == "WooCommerce"


def test_a_key_without_a_permission_is_refused_what_needs_it(api, owner_browser):
    response = post(owner_browser, url(permissions=["btcpay.store.canviewinvoices"]))
    [key] = handed_off(response)["apiKey"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {key}")
    store = f"/api/v1/stores/{api.merchant.pk}"
    assert client.get(f"{store}/invoices").status_code == 200
    refused = client.post(f"{store}/invoices", {"amount": "5", "currency": "USD"}, format="json")
    assert refused.status_code == 403
    check("ProblemDetails", refused.json())
    assert client.get("/api/v1/api-keys/current").json()["permissions"] == [
        f"btcpay.store.canviewinvoices:{api.merchant.pk}"
    ]


def test_staff_cannot_approve_what_it_does_not_hold(api):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_member(api.merchant, "staff@shop.example", MerchantUser.STAFF))
    assert b"owners can grant these permissions" in client.get(url()).content
    response = post(client, url())
    assert response.status_code == 403
    assert not Grant.objects.exists()
    invoices_only = url(permissions=["btcpay.store.canviewinvoices"])
    assert post(client, invoices_only).status_code == 200
    assert Grant.objects.count() == 1


def test_approval_needs_the_csrf_token_and_a_login(api, owner_browser):
    assert owner_browser.post(url()).status_code == 403
    assert not Grant.objects.exists()
    assert Client().get(url()).status_code == 302  # to the login


def test_a_refused_request_says_why_and_creates_nothing(owner_browser):
    response = post(owner_browser, url(redirect="http://shop.example/"))
    assert response.status_code == 400
    assert b"https" in response.content
    assert not Grant.objects.exists()


def test_the_connect_page_names_this_gateways_url(owner_browser, settings):
    page = owner_browser.get("/dashboard/settings/connect/")
    assert page.status_code == 200
    assert settings.PUBLIC_URL.encode() in page.content
    assert b"Lightning" in page.content
