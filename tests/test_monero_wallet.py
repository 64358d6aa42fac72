"""A merchant's Monero wallet: the address and view key are checked together, the view key
is sealed at rest under the SECRET_KEY, and a SECRET_KEY rotation re-seals it."""

from __future__ import annotations

import pytest
from bip_utils import Monero
from django.core.management import CommandError, call_command

from chains.backends import monero
from core.errors import ErrorCode, GatewayError
from merchants.models import SettingsChange, Wallet
from merchants.services import create_merchant, set_monero_wallet

pytestmark = pytest.mark.django_db

WALLET = Monero.FromPrivateSpendKey(bytes.fromhex("01" + "00" * 31))
ADDRESS = str(WALLET.PrimaryAddress())
VIEW_KEY = WALLET.PrivateViewKey().Raw().ToHex()
OTHER_VIEW_KEY = Monero.FromPrivateSpendKey(bytes.fromhex("02" + "00" * 31)).PrivateViewKey()


@pytest.fixture
def merchant():
    return create_merchant(name="Shop")[0]


def test_the_view_key_is_stored_sealed_and_read_back(merchant):
    wallet = set_monero_wallet(merchant=merchant, address=ADDRESS, view_key=VIEW_KEY.upper())
    stored = Wallet.objects.get(pk=wallet.pk)
    assert (stored.family, stored.xpub) == ("monero", ADDRESS)
    assert VIEW_KEY not in stored.view_key_sealed.lower()
    assert stored.view_key() == VIEW_KEY
    change = SettingsChange.objects.get(merchant=merchant, what=SettingsChange.WALLET)
    assert VIEW_KEY not in str(vars(change)).lower()


@pytest.mark.parametrize(
    "address, view_key, code, field",
    [
        (ADDRESS, OTHER_VIEW_KEY.Raw().ToHex(), ErrorCode.VIEW_KEY_MISMATCH, "view_key"),
        (ADDRESS, "12", ErrorCode.INVALID_XPUB, "view_key"),
        (str(WALLET.Subaddress(1)), VIEW_KEY, ErrorCode.INVALID_XPUB, "address"),
    ],
)
def test_keys_that_do_not_belong_together_are_refused_and_nothing_is_written(
    merchant, address, view_key, code, field
):
    with pytest.raises(GatewayError) as refused:
        set_monero_wallet(merchant=merchant, address=address, view_key=view_key)
    assert (refused.value.code, refused.value.param) == (code, field)
    assert not Wallet.objects.filter(merchant=merchant, family="monero").exists()


def test_a_wrong_key_does_not_replace_the_stored_one(merchant):
    set_monero_wallet(merchant=merchant, address=ADDRESS, view_key=VIEW_KEY)
    with pytest.raises(GatewayError):
        set_monero_wallet(merchant=merchant, address=ADDRESS, view_key=OTHER_VIEW_KEY.Raw().ToHex())
    assert Wallet.objects.get(merchant=merchant, family="monero").view_key() == VIEW_KEY


def test_the_same_address_on_another_store_is_refused(merchant):
    set_monero_wallet(merchant=merchant, address=ADDRESS, view_key=VIEW_KEY)
    other = create_merchant(name="Other")[0]
    with pytest.raises(GatewayError) as refused:
        set_monero_wallet(merchant=other, address=ADDRESS, view_key=VIEW_KEY)
    assert (refused.value.code, refused.value.param) == (ErrorCode.XPUB_IN_USE, "address")


def test_a_rotated_secret_key_opens_through_the_fallback_until_resealed(settings, merchant):
    wallet = set_monero_wallet(merchant=merchant, address=ADDRESS, view_key=VIEW_KEY)
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 40, [old]
    assert Wallet.objects.get(pk=wallet.pk).view_key() == VIEW_KEY
    call_command("reseal_view_keys")
    settings.SECRET_KEY_FALLBACKS = []
    assert Wallet.objects.get(pk=wallet.pk).view_key() == VIEW_KEY


def test_resealing_without_the_old_key_fails_and_changes_nothing(settings, merchant):
    wallet = set_monero_wallet(merchant=merchant, address=ADDRESS, view_key=VIEW_KEY)
    sealed = Wallet.objects.get(pk=wallet.pk).view_key_sealed
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 40, []
    with pytest.raises(CommandError, match="SECRET_KEY_FALLBACKS"):
        call_command("reseal_view_keys")
    assert Wallet.objects.get(pk=wallet.pk).view_key_sealed == sealed


def test_the_monero_backend_watches_every_stored_wallet_with_its_view_key(merchant):
    wallet = set_monero_wallet(merchant=merchant, address=ADDRESS, view_key=VIEW_KEY)
    Wallet.objects.filter(pk=wallet.pk).update(next_index=7)
    assert list(monero._source()) == [
        monero.WatchWallet(ADDRESS, VIEW_KEY, 7, Wallet.objects.get(pk=wallet.pk).updated_at)
    ]


# --- the API, the dashboard form, the network and its URI ----------------------------------


@pytest.fixture
def monero_on(settings, tmp_path):
    """monero-regtest switched on (no node is asked: setting a wallet reads none)."""
    path = tmp_path / "chains.toml"
    path.write_text(
        '[networks.monero-regtest]\nrpc_url = "http://127.0.0.1:9"\n'
        'daemon_url = "http://127.0.0.1:9"\n'
    )
    settings.CHAINS_CONFIG = str(path)


def test_the_api_takes_the_address_and_view_key_and_answers_with_the_address_only(api):
    response = api.put(
        "/api/v1/wallets/monero", {"address": ADDRESS, "view_key": VIEW_KEY}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["family"] == "monero" and body["xpub"] == ADDRESS
    assert body["first_addresses"] == [str(WALLET.Subaddress(i)) for i in range(1, 6)]
    assert VIEW_KEY not in response.content.decode().lower()
    listed = api.get("/api/v1/wallets").content.decode().lower()
    assert ADDRESS.lower() in listed and VIEW_KEY not in listed


@pytest.mark.parametrize(
    "body, status, code, param",
    [
        (
            {"address": ADDRESS, "view_key": OTHER_VIEW_KEY.Raw().ToHex()},
            422,
            "view_key_mismatch",
            "view_key",
        ),
        ({"address": ADDRESS, "view_key": "zz"}, 400, "invalid_xpub", "view_key"),
        ({"address": ADDRESS}, 400, "required", "view_key"),
        ({"xpub": ADDRESS}, 400, "unknown_field", "xpub"),
    ],
)
def test_the_api_refuses_keys_in_the_one_error_shape(api, body, status, code, param):
    response = api.put("/api/v1/wallets/monero", body, format="json")
    assert response.status_code == status
    assert set(response.json()) == {"error"}
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param) and error["message"]
    assert not Wallet.objects.filter(merchant=api.merchant, family="monero").exists()


def test_invoices_take_the_next_subaddresses_and_never_the_primary_address(
    make_merchant, monero_on
):
    api = make_merchant()  # test mode: monero-regtest is a test network
    api.put("/api/v1/wallets/monero", {"address": ADDRESS, "view_key": VIEW_KEY}, format="json")
    made = [
        api.post(
            "/api/v1/invoices",
            {
                "price_amount": "16.00",
                "price_currency": "USD",
                "pay_currency": "XMR",
                "network": "monero-regtest",
            },
            format="json",
        ).json()
        for _ in range(2)
    ]
    assert "address" in made[0], made[0]
    assert [invoice["address"] for invoice in made] == [
        str(WALLET.Subaddress(1)),
        str(WALLET.Subaddress(2)),
    ]
    assert Wallet.objects.get(merchant=api.merchant, family="monero").next_index == 2
    page = api.get(f"/pay/{made[0]['id']}").content.decode()
    assert made[0]["address"] in page and 'id="subaddress-note"' in page
    assert f'href="monero:{made[0]["address"]}?tx_amount=0.1"' in page
    german = api.get(f"/pay/{made[0]['id']}", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Subadresse" in german


def test_the_dashboard_form_saves_keys_that_belong_together(api, monero_on, client):
    from django.contrib.auth import get_user_model

    from merchants.models import MerchantUser
    from tests.test_dashboard import post

    user = get_user_model().objects.create_user("o@shop.example", "o@shop.example", "pw-12345678")
    MerchantUser.objects.create(user=user, merchant=api.merchant, role=MerchantUser.OWNER)
    client.force_login(user)
    url = "/dashboard/settings/wallets/monero/"
    assert b"Private view key" in client.get(url).content
    wrong = post(client, url, {"address": ADDRESS, "view_key": OTHER_VIEW_KEY.Raw().ToHex()})
    assert wrong.status_code == 422
    assert b"does not belong to this address" in wrong.content
    assert OTHER_VIEW_KEY.Raw().ToHex().encode() not in wrong.content  # not echoed back
    assert post(client, url, {"address": ADDRESS, "view_key": VIEW_KEY}).status_code == 302
    page = client.get("/dashboard/settings/wallets/").content.decode()
    assert ADDRESS in page and str(WALLET.Subaddress(1)) in page and VIEW_KEY not in page.lower()
    assert Wallet.objects.get(merchant=api.merchant, family="monero").view_key() == VIEW_KEY


@pytest.mark.unit
def test_the_monero_networks_and_their_uri():
    from chains import registry
    from chains.uri import payment_uri

    for code, test in (("monero", False), ("monero-regtest", True)):
        network = registry.network(code)
        assert (network.kind, network.family, network.native, network.native_decimals) == (
            "monero",
            "monero",
            "XMR",
            12,
        )
        assert network.confirmations == 10 and network.test is test
        assert not network.account_based  # no sender is ever known
    mainnet = registry.network("monero")
    assert mainnet.min_confirmations == 2 and mainnet.required_confirmations(1, 1) == 2
    assert mainnet.required_confirmations(1, 20) == 20
    address = str(WALLET.Subaddress(1))
    assert payment_uri(mainnet, mainnet.assets[0], address, 1_500_000_000_001, "Tea & cake") == (
        f"monero:{address}?tx_amount=1.500000000001&tx_description=Tea%20%26%20cake"
    )
    assert payment_uri(mainnet, mainnet.assets[0], address, 10**12) == (
        f"monero:{address}?tx_amount=1"
    )


@pytest.mark.unit
def test_a_new_watch_wallet_restores_from_when_the_wallet_was_set():
    from datetime import UTC, datetime, timedelta

    from chains import registry

    network = registry.network("monero")  # 2-minute blocks
    set_at = datetime.now(UTC) - timedelta(days=3)
    assert monero.restore_height(3_000_000, set_at, network) == 3_000_000 - 3 * 720 - 720
    assert monero.restore_height(3_000_000, None, network) == 3_000_000 - 720
    assert monero.restore_height(100, set_at, network) == 0
