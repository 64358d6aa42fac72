"""Merchant use cases: onboarding, wallets, callback secrets."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from chains import hd
from merchants import notifications
from merchants.models import Merchant, MerchantAPIKey, MerchantUser, Wallet, new_callback_secret


def create_api_key(merchant: Merchant, name: str = "default", actor: str = "system") -> str:
    """Returns the key in clear: this is the only time it exists outside the hash. The
    team hears of it (its label and prefix, never the key)."""
    with transaction.atomic():
        api_key, key = MerchantAPIKey.objects.create_key(name=name, merchant=merchant)
        notifications.api_key_created(merchant, name, api_key.prefix, actor)
    return key


@transaction.atomic
def create_merchant(name: str, email: str = "", password: str = "") -> tuple[Merchant, str]:
    """A merchant with one API key, a sandbox wallet when the sandbox is on, and an owner
    login when e-mail and password are given."""
    merchant = Merchant.objects.create(name=name)
    if settings.SANDBOX:
        Wallet.objects.create(merchant=merchant, family="sandbox", xpub=hd.new_sandbox_xpub())
    key = create_api_key(merchant)  # before the owner exists: no e-mail for the first key
    if email:
        user = get_user_model().objects.create_user(username=email, email=email,
                                                    password=password or None)
        MerchantUser.objects.create(user=user, merchant=merchant, role=MerchantUser.OWNER)
    return merchant, key


def set_wallet(merchant: Merchant, family: str, xpub: str, actor: str = "api") -> Wallet:
    """Validate and store the account key; the index counter survives a replacement. The
    owners hear of it: a swapped xpub would send the next payments elsewhere."""
    xpub = hd.validate_xpub(family, xpub)
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().filter(merchant=merchant,
                                                           family=family).first()
        if wallet is not None and wallet.xpub == xpub:
            return wallet
        notifications.settings_changed(merchant, "wallet", actor,
                                       f"{family}: {xpub[:12]}…{xpub[-6:]}")
        if wallet is None:
            return Wallet.objects.create(merchant=merchant, family=family, xpub=xpub)
        wallet.xpub = xpub
        wallet.save(update_fields=["xpub", "updated_at"])
        return wallet


def callback_url_changed(merchant: Merchant, before: str, actor: str) -> None:
    """Tell the team the callback URL moved (called after a settings save)."""
    if merchant.callback_url != before:
        notifications.settings_changed(merchant, "callback_url", actor,
                                       notifications.endpoint(merchant.callback_url) or "—")


def rotate_callback_secret(merchant: Merchant, actor: str = "api") -> str:
    """A new secret; the old one still signs alongside it for a while (see callbacks)."""
    with transaction.atomic():
        notifications.settings_changed(merchant, "callback_secret", actor)
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        merchant.previous_callback_secret = merchant.callback_secret
        merchant.callback_secret = new_callback_secret()
        merchant.callback_secret_rotated_at = timezone.now()
        merchant.save(update_fields=["previous_callback_secret", "callback_secret",
                                     "callback_secret_rotated_at"])
    return merchant.callback_secret
