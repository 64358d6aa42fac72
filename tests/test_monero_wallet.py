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
