"""Merchant use cases: onboarding, wallets, callback secrets."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from chains import hd
from merchants import notifications, notify
from merchants.models import (
    LIVE,
    SCOPE_ADMIN,
    SCOPE_INVOICES,
    Merchant,
    MerchantAPIKey,
    MerchantUser,
    SettingsChange,
    Wallet,
    new_callback_secret,
)


def create_api_key(merchant: Merchant, name: str = "default", mode: str = LIVE,
                   scope: str = SCOPE_INVOICES, actor: str = "system") -> str:
    """Returns the key in clear: this is the only time it exists outside the hash. The
    team hears of it (its label and prefix, never the key)."""
    with transaction.atomic():
        api_key, key = MerchantAPIKey.objects.create_key(name=name, merchant=merchant,
                                                         mode=mode, scope=scope)
        notifications.api_key_created(merchant, name, api_key.display_prefix, actor)
    return key


@transaction.atomic
def create_merchant(name: str, email: str = "", password: str = "", mode: str = LIVE,
                    scope: str = SCOPE_ADMIN) -> tuple[Merchant, str]:
    """A merchant with one API key (the operator's: `admin` unless told otherwise), a
    sandbox wallet when the sandbox is on, and an owner login when e-mail and password are
    given."""
    merchant = Merchant.objects.create(name=name)
    if settings.SANDBOX:
        Wallet.objects.create(merchant=merchant, family="sandbox", xpub=hd.new_sandbox_xpub())
    # Before the owner exists: no e-mail for the first key.
    key = create_api_key(merchant, mode=mode, scope=scope)
    if email:
        user = get_user_model().objects.create_user(username=email, email=email,
                                                    password=password or None)
        MerchantUser.objects.create(user=user, merchant=merchant, role=MerchantUser.OWNER)
    return merchant, key


def set_wallet(merchant: Merchant, family: str, xpub: str, actor: str = "operator") -> Wallet:
    """Validate and store the account key; the index counter survives a replacement. A
    change is recorded with its actor and the team is told (it moves the money)."""
    xpub = hd.validate_xpub(family, xpub)
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().filter(merchant=merchant,
                                                           family=family).first()
        old = wallet.xpub if wallet else ""
        if wallet is None:
            wallet = Wallet.objects.create(merchant=merchant, family=family, xpub=xpub)
        elif old != xpub:
            wallet.xpub = xpub
            wallet.save(update_fields=["xpub", "updated_at"])
        if old != xpub:
            notify.record_change(merchant, actor, SettingsChange.WALLET, detail=family,
                                 old=notify.short_xpub(old), new=notify.short_xpub(xpub))
        return wallet


def record_callback_url_change(merchant: Merchant, url: str, actor: str) -> None:
    """Record a change of the default callback URL, in the caller's transaction (which
    saves it)."""
    if url != merchant.callback_url:
        notify.record_change(merchant, actor, SettingsChange.CALLBACK_URL,
                             old=notify.safe_url(merchant.callback_url),
                             new=notify.safe_url(url))


def rotate_callback_secret(merchant: Merchant, actor: str = "operator") -> str:
    """A new secret; the old one still signs alongside it for a while (see callbacks)."""
    with transaction.atomic():
        notify.record_change(merchant, actor, SettingsChange.CALLBACK_SECRET, new="rotated")
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        merchant.previous_callback_secret = merchant.callback_secret
        merchant.callback_secret = new_callback_secret()
        merchant.callback_secret_rotated_at = timezone.now()
        merchant.save(update_fields=["previous_callback_secret", "callback_secret",
                                     "callback_secret_rotated_at"])
    return merchant.callback_secret
