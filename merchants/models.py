"""Tenants and their people: merchants, their settings, users, API keys and wallets."""

import secrets
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.crypto import KeyGenerator, concatenate
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from core import sealed
from merchants.rules import UNRESOLVED_CONTEXTS, UNRESOLVED_RULES

UNRESOLVED_ACTIONS = UNRESOLVED_RULES


def new_callback_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def default_unresolved_rules() -> dict:
    return {context: "review" for context in UNRESOLVED_CONTEXTS}


PERCENT: dict[str, Any] = {
    "max_digits": 7,
    "decimal_places": 4,
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
}


class PayerEmail(models.TextChoices):
    """Whether payers are asked for an e-mail (for the receipt and a refund link): the
    store's setting for its checkout, a payment link's for its page."""

    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


class TokenQR(models.TextChoices):
    """What a token payment's QR code holds: a payment URI (EIP-681 `ethereum:` on EVM
    networks) or the plain address, the amount shown beside it. Some wallets read the
    token contract of an EIP-681 URI as the recipient, and payers lost funds that way."""

    URI = "uri"
    ADDRESS = "address"


class Merchant(models.Model):
    """A store: its settings drive every invoice it creates."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    logo_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Its callback URL and secret are its default webhook endpoint's (webhooks.models).

    allowed_return_hosts = models.JSONField(default=list, blank=True)
    embed_hosts = models.JSONField(default=list, blank=True)
    # "ASSET:network" keys; empty means every enabled method the merchant has a wallet for.
    enabled_methods = models.JSONField(default=list, blank=True)
    # {network code: confirmations}, never below the network's safe minimum.
    confirmations = models.JSONField(default=dict, blank=True)

    invoice_ttl_minutes = models.PositiveIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(60 * 24 * 30)]
    )
    payment_window_minutes = models.PositiveIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(60 * 24 * 30)]
    )
    late_window_minutes = models.PositiveIntegerField(
        default=24 * 60, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    processing_timeout_minutes = models.PositiveIntegerField(
        default=24 * 60, validators=[MinValueValidator(1), MaxValueValidator(60 * 24 * 30)]
    )
    slippage_percent = models.DecimalField(default=Decimal("0.5"), **PERCENT)
    # {price currency: base units}: the shortfall an invoice priced in that currency
    # accepts as paid (e.g. {"USD": 100}, 1.00 USD: an exchange's withdrawal fee); an
    # invoice copies its currency's at creation (invoices.models.Invoice).
    underpayment_tolerance = models.JSONField(default=dict, blank=True)
    token_qr = models.CharField(max_length=8, choices=TokenQR.choices, default=TokenQR.URI)
    insurance_percent = models.DecimalField(default=Decimal("0"), **PERCENT)
    unresolved_rules = models.JSONField(default=default_unresolved_rules, blank=True)
    deny_list = models.JSONField(default=list, blank=True)
    # Whether the checkout asks a payer who gave no e-mail yet for one (receipt, refund link).
    payer_email = models.CharField(max_length=8, choices=PayerEmail.choices, default=PayerEmail.OFF)
    # Whether creating an invoice records its created event: one of the merchant's enabled
    # webhook endpoints wants to hear of it (Greenfield's InvoiceCreated). Kept by the
    # webhooks app whenever an endpoint changes, so creation reads it off this row.
    records_invoice_creation = models.BooleanField(default=False, editable=False)

    def __str__(self):
        return self.name


class MerchantUser(models.Model):
    """A dashboard login and the merchant it belongs to."""

    OWNER, STAFF = "owner", "staff"
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_user"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="users")
    role = models.CharField(
        max_length=10, choices=[(OWNER, _("Owner")), (STAFF, _("Staff"))], default=OWNER
    )
    # The dashboard's language; blank: the browser's.
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES)
    # The notification kinds this person is e-mailed (merchants.notifications); null: the
    # role's defaults, so a person who never chose follows them.
    notifications = models.JSONField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} @ {self.merchant}"


LIVE, TEST = "live", "test"
SCOPE_INVOICES, SCOPE_ADMIN = "invoices", "admin"
MODE_MARKERS = {LIVE: "cg_live_", TEST: "cg_test_"}


class MerchantAPIKeyManager(BaseAPIKeyManager):
    """Keys read `cg_<mode>_<prefix>.<secret>`: the mode shows in the key itself, and the
    hash covers the marker, so a live key cannot be passed off as a test key."""

    def assign_key(self, obj) -> str:
        """Also used by the admin's "add key" (django-rest-framework-api-key calls it)."""
        prefix, secret = get_random_string(8), get_random_string(32)
        key = MODE_MARKERS[obj.mode] + concatenate(prefix, secret)
        obj.prefix, obj.hashed_key = prefix, KeyGenerator().hash(key)
        obj.id = concatenate(prefix, obj.hashed_key)
        return key


class MerchantAPIKey(AbstractAPIKey):
    """A merchant's API key: only its SHA-512 hash and its visible prefix are stored.

    `mode` decides whether its invoices are real (live) or play money (test); `scope`
    decides what it may do: `invoices` (the invoice API) or `admin` (also settings,
    wallets and callback secrets, which move money)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="api_keys")
    last_used_at = models.DateTimeField(null=True, blank=True)
    mode = models.CharField(max_length=4, choices=[(LIVE, "Live"), (TEST, "Test")], default=LIVE)
    scope = models.CharField(
        max_length=10,
        choices=[(SCOPE_INVOICES, "Invoices"), (SCOPE_ADMIN, "Admin")],
        default=SCOPE_INVOICES,
    )

    objects = MerchantAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"

    @property
    def livemode(self) -> bool:
        return self.mode == LIVE

    @property
    def display_prefix(self) -> str:
        return MODE_MARKERS[self.mode] + self.prefix


class Wallet(models.Model):
    """A merchant's account xpub for one family, and the next unused derivation index.

    Replacing the xpub keeps the counter, so no index is handed out twice and invoices keep
    the addresses they were given. A Monero wallet holds the primary address in `xpub` and
    the private view key sealed under the SECRET_KEY (core.sealed) in `view_key_sealed`:
    read it with `view_key()`, never from the column."""

    VIEW_KEY_PURPOSE = b"monero-view-key"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="wallets")
    family = models.CharField(max_length=32)
    xpub = models.CharField(max_length=200)
    view_key_sealed = models.TextField(blank=True, default="")
    next_index = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "family"], name="one_wallet_per_family")
        ]

    def __str__(self):
        return f"{self.merchant} {self.family}"

    def seal_view_key(self, view_key: str) -> None:
        """Stores `view_key` sealed under the current SECRET_KEY (the caller saves)."""
        self.view_key_sealed = sealed.seal(view_key, settings.SECRET_KEY, self.VIEW_KEY_PURPOSE)

    def view_key(self) -> str:
        """The private view key, opened with the SECRET_KEY or one of its fallbacks."""
        return self._unseal()[0]

    def reseal(self) -> bool:
        """Seals the view key again under the current SECRET_KEY when a fallback opened it;
        true when it did (the caller saves)."""
        view_key, index = self._unseal()
        if index:
            self.seal_view_key(view_key)
        return bool(index)

    def _unseal(self) -> tuple[str, int]:
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return sealed.unseal(self.view_key_sealed, keys, self.VIEW_KEY_PURPOSE)


class TeamInvite(models.Model):
    """An owner's invitation to join the merchant's team. Only the SHA-256 of the link's
    token is stored, so a database leak cannot be turned into a login."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField()
    role = models.CharField(
        max_length=10, choices=[(MerchantUser.OWNER, _("Owner")), (MerchantUser.STAFF, _("Staff"))]
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.email} → {self.merchant}"


class Notification(models.Model):
    """One e-mail to one person, in the outbox: written in the transaction of the change it
    tells of, sent by the worker with retries (merchants.notifications). `context` is what
    the e-mail says, never a secret; `key` names what happened, so each person hears of it
    once."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    to_email = models.EmailField()
    language = models.CharField(max_length=8, blank=True)
    context = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # cleared once sent
    claimed_until = models.DateTimeField(null=True, blank=True)  # the sending worker's lease
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "to_email"], name="one_notification_per_recipient"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due",
                condition=models.Q(next_attempt_at__isnull=False),
            )
        ]


class SettingsChange(models.Model):
    """Who changed where the money or the callbacks go, and from what to what. Summaries
    are safe to show: a secret is recorded as rotated, never in clear."""

    WALLET, CALLBACK_URL, CALLBACK_SECRET = "wallet", "callback_url", "callback_secret"
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="settings_changes"
    )
    actor = models.CharField(max_length=200)
    what = models.CharField(
        max_length=20,
        choices=[
            (WALLET, "Wallet"),
            (CALLBACK_URL, "Callback URL"),
            (CALLBACK_SECRET, "Callback secret"),
        ],
    )
    detail = models.CharField(max_length=50, blank=True)  # e.g. the wallet family
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="settings_change_newest")]

    def __str__(self):
        return f"{self.merchant}: {self.what} by {self.actor}"


class RateLimitCounter(models.Model):
    """One fixed window of one rate limit, counted in the database when there is no Redis
    (the local-memory cache is per process, so it cannot hold a limit across workers)."""

    bucket = models.CharField(max_length=200)
    window_start = models.BigIntegerField()  # unix seconds
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "window_start"], name="one_counter_per_window"
            )
        ]


class ForwarderPayout(models.Model):
    """Forwarder collection mode on one EVM network (issue 28): invoices there get CREATE2
    deposit addresses that can only ever pay `payout`. No row: the HD mode (an address
    derived from the merchant's xpub). The index, the CREATE2 salt, still comes from the
    family's Wallet counter, so no salt is handed out twice."""

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="forwarder_payouts"
    )
    network = models.CharField(max_length=32)
    payout = models.CharField(max_length=42)  # EIP-55
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "network"], name="one_forwarder_payout_per_network"
            )
        ]

    def __str__(self):
        return f"{self.merchant} {self.network} → {self.payout}"


class ForwarderDeposit(models.Model):
    """A deposit address handed out in forwarder mode, with what it was computed from. The
    collector recomputes the address from (factory, payout, salt) before every collection:
    a row whose payout was changed afterwards no longer matches and is refused."""

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="forwarder_deposits"
    )
    network = models.CharField(max_length=32)
    address = models.CharField(max_length=42)
    factory = models.CharField(max_length=42)
    payout = models.CharField(max_length=42)
    salt = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "address"], name="one_forwarder_deposit_per_address"
            )
        ]

    def __str__(self):
        return f"{self.network} {self.address}"


class Collection(models.Model):
    """One `collect` transaction (issue 28): what it swept from which deposit addresses to
    which payout, who sent it, and what the chain says of it once reconciled."""

    SENT, CONFIRMED, FAILED = "sent", "confirmed", "failed"
    COLLECTOR, WALLET = "collector", "wallet"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="collections")
    network = models.CharField(max_length=32)
    txid = models.CharField(max_length=66, unique=True)
    payout = models.CharField(max_length=42)
    addresses = models.JSONField(default=list)
    amounts = models.JSONField(default=dict)  # {asset code: base units as a string}
    sent_by = models.CharField(max_length=16)  # collector | wallet
    gas_estimate = models.PositiveBigIntegerField(null=True)
    gas_used = models.PositiveBigIntegerField(null=True)
    status = models.CharField(max_length=16, default=SENT)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.network} {self.txid}"
