"""Test mode (PRODUCT.md): live and test keys, test invoices on test networks only (here the
sandbox), live invoices never on it, whatever a payer tampers with; livemode on invoices and
callbacks; the dashboard shows live and test data apart. tests/test_networks.py has the
other test networks (regtest, local nodes, public testnets) and the real ones."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_api_key.crypto import KeyGenerator, concatenate

from chains.models import SandboxTransfer
from core.errors import ErrorCode, GatewayError
from invoices.models import Event, Invoice
from invoices.services import payer
from merchants.models import MerchantAPIKey, MerchantUser
from merchants.services import create_api_key, set_wallet
from webhooks import callbacks

BIP84_ZPUB = (
    "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868"
    "RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"
)
BODY = {"price_amount": "250.00", "price_currency": "USD"}


@pytest.fixture
def real_network(settings, tmp_path):
    """Bitcoin switched on beside the sandbox (SANDBOX=1 in the tests), as in the attack.
    No node is contacted: making quotes needs only the rate table."""
    path = tmp_path / "chains.toml"
    path.write_text('[networks.bitcoin]\nrpc_url = "http://127.0.0.1:9"\n')
    settings.CHAINS_CONFIG = str(path)


def client_for(merchant, mode, scope="admin"):
    client = APIClient()
    key = create_api_key(merchant=merchant, name="k", mode=mode, scope=scope)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def live(make_merchant, real_network):
    """A merchant with a sandbox wallet (the sandbox is on) and a bitcoin wallet, seen
    through a live key."""
    client = make_merchant("Real shop", mode="live")
    set_wallet(merchant=client.merchant, family="bitcoin", xpub=BIP84_ZPUB)
    return client


def networks(client, invoice_id) -> set[str]:
    return set(Invoice.objects.get(pk=invoice_id).quotes.values_list("network", flat=True))


def test_keys_show_their_mode(live):
    assert live.key.startswith("cg_live_")
    test_key = create_api_key(merchant=live.merchant, name="t", mode="test")
    assert test_key.startswith("cg_test_")


def test_live_invoices_never_offer_the_sandbox(live):
    assert {c["network"] for c in live.get("/api/v1/currencies").json()["data"]} == {"bitcoin"}
    invoice = live.post("/api/v1/invoices", BODY, format="json").json()
    assert invoice["livemode"] is True
    assert networks(live, invoice["id"]) == {"bitcoin"}
    refused = live.post(
        "/api/v1/invoices", {**BODY, "pay_currency": "USDT", "network": "sandbox"}, format="json"
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "currency_not_offered"


def test_test_invoices_offer_only_the_sandbox(live):
    test = client_for(live.merchant, "test")
    assert {c["network"] for c in test.get("/api/v1/currencies").json()["data"]} == {"sandbox"}
    invoice = test.post("/api/v1/invoices", BODY, format="json").json()
    assert invoice["livemode"] is False
    assert networks(test, invoice["id"]) == {"sandbox"}
    refused = test.post(
        "/api/v1/invoices", {**BODY, "pay_currency": "BTC", "network": "bitcoin"}, format="json"
    )
    assert refused.json()["error"]["code"] == "currency_not_offered"


def test_each_key_sees_the_invoices_of_its_own_mode(live):
    test = client_for(live.merchant, "test")
    live_invoice = live.post("/api/v1/invoices", BODY, format="json").json()
    test_invoice = test.post("/api/v1/invoices", BODY, format="json").json()
    assert [i["id"] for i in live.get("/api/v1/invoices").json()["data"]] == [live_invoice["id"]]
    assert [i["id"] for i in test.get("/api/v1/invoices").json()["data"]] == [test_invoice["id"]]
    assert test.get(f"/api/v1/invoices/{live_invoice['id']}").status_code == 404


def test_a_payer_cannot_pick_the_sandbox_on_a_live_invoice(live, client):
    """The attack: "USDT on Sandbox" posted to a real invoice's checkout."""
    invoice = live.post("/api/v1/invoices", {**BODY, "kind": "open"}, format="json").json()
    page = client.get(f"/pay/{invoice['id']}").content.decode()
    assert "USDT:sandbox" not in page and "BTC:bitcoin" in page
    response = client.post(f"/pay/{invoice['id']}", {"method": "USDT:sandbox"})
    assert response.status_code in (409, 422)
    assert Invoice.objects.get(pk=invoice["id"]).quote_id is None
    with pytest.raises(GatewayError) as refused:
        payer.select_currency(invoice_id=invoice["id"], asset_code="USDT", network_code="sandbox")
    assert refused.value.code == ErrorCode.CURRENCY_NOT_OFFERED


@pytest.fixture
def live_on_sandbox(live):
    """A live invoice that somehow carries a sandbox address (made before test mode
    existed, or tampered with in the database): play money must still not settle it."""
    test = client_for(live.merchant, "test")
    invoice = test.post(
        "/api/v1/invoices", {**BODY, "pay_currency": "USDT", "network": "sandbox"}, format="json"
    ).json()
    Invoice.objects.filter(pk=invoice["id"]).update(livemode=True)
    return invoice


def test_sandbox_payments_never_reach_a_live_invoice(live, live_on_sandbox, client):
    invoice_id = live_on_sandbox["id"]
    api = live.post(f"/api/v1/sandbox/invoices/{invoice_id}/pay", {"confirm": True}, format="json")
    assert api.status_code == 403 and api.json()["error"]["code"] == "test_key_required"
    page = client.get(f"/pay/{invoice_id}").content.decode()
    assert "Sandbox test panel" not in page and "test-banner" not in page
    panel = client.post(f"/pay/{invoice_id}/sandbox", {"action": "exact"})
    assert panel.status_code == 409
    assert not SandboxTransfer.objects.exists()
    assert Invoice.objects.get(pk=invoice_id).status == "new"


def test_checkout_shows_a_test_banner_on_test_invoices_only(live, client):
    test = client_for(live.merchant, "test")
    test_invoice = test.post("/api/v1/invoices", BODY, format="json").json()
    live_invoice = live.post("/api/v1/invoices", BODY, format="json").json()
    assert 'class="test-banner"' in client.get(f"/pay/{test_invoice['id']}").content.decode()
    assert "test-banner" not in client.get(f"/pay/{live_invoice['id']}").content.decode()


def test_callback_bodies_carry_livemode(live):
    test = client_for(live.merchant, "test")
    for client, expected in ((live, True), (test, False)):
        invoice = client.post("/api/v1/invoices", BODY, format="json").json()
        client.post(f"/api/v1/invoices/{invoice['id']}/cancel")
        event = Event.objects.select_related("invoice").get(invoice_id=invoice["id"])
        body = json.loads(callbacks.event_body(event))
        assert body["livemode"] is expected and body["data"]["livemode"] is expected


def test_a_test_key_cannot_pass_for_a_live_one(live):
    test_key = create_api_key(merchant=live.merchant, name="t", mode="test")
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Bearer cg_live_" + test_key.removeprefix("cg_test_"))
    assert forged.get("/api/v1/invoices").status_code == 401


def test_a_key_made_before_modes_still_works_as_live(live):
    key, prefix, hashed = KeyGenerator().generate()
    MerchantAPIKey.objects.create(
        id=concatenate(prefix, hashed),
        prefix=prefix,
        hashed_key=hashed,
        merchant=live.merchant,
        name="old",
    )
    old = APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert old.post("/api/v1/invoices", BODY, format="json").json()["livemode"] is True


@pytest.mark.django_db(transaction=True)
def test_existing_keys_become_live_admin_and_sandbox_invoices_test():
    executor = MigrationExecutor(connection)
    executor.migrate([("merchants", "0003_teaminvite"), ("invoices", "0004_dashboard_chart_index")])
    apps = executor.loader.project_state(
        [("merchants", "0003_teaminvite"), ("invoices", "0004_dashboard_chart_index")]
    ).apps
    merchant = apps.get_model("merchants", "Merchant").objects.create(name="Old")
    apps.get_model("merchants", "MerchantAPIKey").objects.create(
        id="abcdefgh.x", prefix="abcdefgh", hashed_key="x", name="old", merchant=merchant
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    key = MerchantAPIKey.objects.get(prefix="abcdefgh")
    assert (key.mode, key.scope) == ("live", "admin")
    assert MerchantAPIKey._meta.get_field("scope").default == "invoices"  # new keys


# --- the dashboard ------------------------------------------------------------------------


@pytest.fixture
def dashboard(live):
    user = get_user_model().objects.create_user(
        username="o@shop.example", email="o@shop.example", password="pw-123456789"
    )
    MerchantUser.objects.create(user=user, merchant=live.merchant, role=MerchantUser.OWNER)
    browser = Client()
    browser.force_login(user)
    return browser


def test_dashboard_shows_live_and_test_data_apart(live, dashboard):
    test = client_for(live.merchant, "test")
    live_invoice = live.post(
        "/api/v1/invoices", {**BODY, "foreign_id": "real-1"}, format="json"
    ).json()
    test_invoice = test.post(
        "/api/v1/invoices", {**BODY, "foreign_id": "play-1"}, format="json"
    ).json()
    page = dashboard.get("/dashboard/invoices/").content.decode()
    assert live_invoice["id"] in page and test_invoice["id"] not in page
    assert "test-strip" not in page and 'aria-checked="false"' in page
    switched = dashboard.post("/dashboard/mode/", {"mode": "test", "next": "/dashboard/invoices/"})
    assert switched.status_code == 302 and switched["Location"] == "/dashboard/invoices/"
    page = dashboard.get("/dashboard/invoices/").content.decode()
    assert test_invoice["id"] in page and live_invoice["id"] not in page
    assert "test-strip" in page and 'aria-checked="true"' in page
    export = b"".join(dashboard.get("/dashboard/invoices/export.csv").streaming_content)
    assert b"play-1" in export and b"real-1" not in export
    overview = dashboard.get("/dashboard/").content.decode()
    assert "Test data" in overview
    dashboard.post("/dashboard/mode/", {"mode": "live", "next": "https://evil.example/"})
    export = b"".join(dashboard.get("/dashboard/invoices/export.csv").streaming_content)
    assert b"real-1" in export and b"play-1" not in export


def test_a_store_without_live_keys_starts_in_test_mode(make_merchant):
    demo = make_merchant("Demo")  # test key only, like the demo store
    user = get_user_model().objects.create_user(username="d@x.example", email="d@x.example")
    MerchantUser.objects.create(user=user, merchant=demo.merchant, role=MerchantUser.OWNER)
    browser = Client()
    browser.force_login(user)
    assert "test-strip" in browser.get("/dashboard/").content.decode()


def test_demo_merchant_is_in_test_mode(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("demo", stdout=out)
    key = next(
        line.split()[2]
        for line in out.getvalue().splitlines()
        if line.strip().startswith("API key:")
    )
    assert key.startswith("cg_test_")


def test_a_test_key_added_in_the_admin_works_as_a_test_key(operator_client, make_merchant):
    shop = make_merchant("Admin-made")
    response = operator_client.post(
        "/admin/merchants/merchantapikey/add/",
        {"name": "ops", "merchant": shop.merchant.pk, "mode": "test", "scope": "invoices"},
        follow=True,
    )
    words = " ".join(str(m) for m in response.context["messages"]).split()
    key = next(word.rstrip(".") for word in words if word.startswith("cg_"))
    assert key.startswith("cg_test_")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.post("/api/v1/invoices", BODY, format="json").json()["livemode"] is False


def test_an_idempotency_key_never_replays_across_modes(live):
    test = client_for(live.merchant, "test")
    first = live.post("/api/v1/invoices", BODY, format="json", HTTP_IDEMPOTENCY_KEY="order-9")
    again = test.post("/api/v1/invoices", BODY, format="json", HTTP_IDEMPOTENCY_KEY="order-9")
    assert first.status_code == 201 and again.status_code == 409
    assert again.json()["error"]["code"] == "idempotency_key_reused"
