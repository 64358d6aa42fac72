"""Merchant use cases: onboarding, wallets, callback secrets."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from chains import hd
from merchants.models import Merchant, MerchantAPIKey, MerchantUser, Wallet, new_callback_secret


def create_api_key(merchant: Merchant, name: str = "default") -> str:
    """Returns the key in clear: this is the only time it exists outside the hash."""
    _, key = MerchantAPIKey.objects.create_key(name=name, merchant=merchant)
    return key


@transaction.atomic
def create_merchant(name: str, email: str = "", password: str = "") -> tuple[Merchant, str]:
    """A merchant with one API key, a sandbox wallet when the sandbox is on, and an owner
    login when e-mail and password are given."""
    merchant = Merchant.objects.create(name=name)
    if settings.SANDBOX:
        Wallet.objects.create(merchant=merchant, family="sandbox", xpub=hd.new_sandbox_xpub())
    if email:
        user = get_user_model().objects.create_user(username=email, email=email,
                                                    password=password or None)
        MerchantUser.objects.create(user=user, merchant=merchant, role=MerchantUser.OWNER)
    return merchant, create_api_key(merchant)


def set_wallet(merchant: Merchant, family: str, xpub: str) -> Wallet:
    """Validate and store the account key; the index counter survives a replacement."""
    xpub = hd.validate_xpub(family, xpub)
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().filter(merchant=merchant,
                                                           family=family).first()
        if wallet is None:
            return Wallet.objects.create(merchant=merchant, family=family, xpub=xpub)
        wallet.xpub = xpub
        wallet.save(update_fields=["xpub", "updated_at"])
        return wallet


def rotate_callback_secret(merchant: Merchant) -> str:
    """A new secret; the old one still signs alongside it for a while (see callbacks)."""
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        merchant.previous_callback_secret = merchant.callback_secret
        merchant.callback_secret = new_callback_secret()
        merchant.callback_secret_rotated_at = timezone.now()
        merchant.save(update_fields=["previous_callback_secret", "callback_secret",
                                     "callback_secret_rotated_at"])
    return merchant.callback_secret
