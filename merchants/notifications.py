"""Who on a merchant's team hears of what, and the `Notification` rows that say so.

Each notification is a row written in the transaction of the change it tells of (an
invoice event, a failing callback endpoint, a settings change, a new API key), one row per
person who chose that kind, so a rolled-back change e-mails no one and a committed one
cannot be lost. Rows say what happened in plain facts — never a secret, an API key or a
claim link. Sending them is the outbox's work (webhooks.notifications), queued once the
rows commit (merchants.signals.notifications_written).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from merchants.models import Merchant, MerchantUser, Notification
from merchants.signals import notifications_written

# What a person can choose to hear about (the profile page's checkboxes).
PREFERENCES = {
    "payment_completed": gettext_lazy("A payment completed"),
    "needs_action": gettext_lazy(
        "An invoice needs action (unresolved, compliance review, declined)"
    ),
    "refund_claimed": gettext_lazy("A payer claimed a refund"),
    "callbacks": gettext_lazy("The callback endpoint is failing, or recovered"),
    "settings_changed": gettext_lazy("Wallet or callback settings changed"),
    "api_key_created": gettext_lazy("A new API key was created"),
}
DEFAULTS = {
    MerchantUser.OWNER: tuple(PREFERENCES),
    MerchantUser.STAFF: ("payment_completed", "needs_action"),
}
# The e-mail kinds, each under the preference that lets it through.
KINDS = {
    "payment_completed": "payment_completed",
    "needs_action": "needs_action",
    "refund_claimed": "refund_claimed",
    "refund_paid": "refund_claimed",  # the same refunds, one step on
    "callbacks_failing": "callbacks",
    "callbacks_recovered": "callbacks",
    "settings_changed": "settings_changed",
    "api_key_created": "api_key_created",
}
PAYMENT_REQUEST = "payment_request"  # to a customer, from the dashboard
REFUND_SENT = "refund_sent"  # to the payer, once the scanner saw their refund paid


# --- decisions ------------------------------------------------------------------------------


def chosen(member: MerchantUser) -> set[str]:
    """The preferences a person gets: their own choice, else their role's defaults."""
    if member.notifications is None:
        return set(DEFAULTS.get(member.role, ()))
    return set(member.notifications) & set(PREFERENCES)


def endpoint(url: str) -> str:
    """A callback URL without its query and credentials (those may hold a token), with its
    port: `:18001` is part of where callbacks go."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}" if parts.scheme else ""


# --- writing rows -----------------------------------------------------------------------------


def queue_sending() -> None:
    transaction.on_commit(lambda: notifications_written.send(sender=Notification), robust=True)


def notify(
    merchant: Merchant | str, kind: str, key: str, context: dict, now: datetime | None = None
) -> int:
    """Write the notification for everyone of the merchant who chose its kind, in the
    caller's transaction; `key` names what happened, so writing it twice e-mails no one
    twice. Returns how many rows were written."""
    now = now or timezone.now()
    merchant_id = getattr(merchant, "pk", merchant)
    members = (
        MerchantUser.objects.filter(merchant_id=merchant_id, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    rows = [
        Notification(
            merchant_id=merchant_id,
            kind=kind,
            key=key,
            to_email=m.user.email,
            language=m.language,
            context=context,
            created_at=now,
            next_attempt_at=now,
        )
        for m in members
        if KINDS[kind] in chosen(m)
    ]
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        queue_sending()
    return len(rows)


def callbacks_failing(merchant: Merchant, url: str, now: datetime) -> None:
    notify(
        merchant,
        "callbacks_failing",
        f"callbacks_failing:{merchant.pk}:{now.isoformat()}",
        {"endpoint": endpoint(url), "at": now.isoformat()},
        now,
    )


def callbacks_recovered(merchant: Merchant, url: str, now: datetime) -> None:
    notify(
        merchant,
        "callbacks_recovered",
        f"callbacks_recovered:{merchant.pk}:{now.isoformat()}",
        {"endpoint": endpoint(url), "at": now.isoformat()},
        now,
    )


def settings_changed(
    merchant: Merchant, what: str, actor: str, detail: str = "", now: datetime | None = None
) -> None:
    """`what`: wallet, callback_url or callback_secret; `detail` a public fact (a wallet's
    family, an endpoint without its query), never the secret itself."""
    now = now or timezone.now()
    notify(
        merchant,
        "settings_changed",
        f"settings:{merchant.pk}:{what}:{now.isoformat()}",
        {"what": what, "detail": detail, "actor": actor, "at": now.isoformat()},
        now,
    )


def api_key_created(
    merchant: Merchant, name: str, prefix: str, actor: str, now: datetime | None = None
) -> None:
    now = now or timezone.now()
    notify(
        merchant,
        "api_key_created",
        f"api_key:{merchant.pk}:{prefix}",
        {"name": name, "prefix": prefix, "actor": actor, "at": now.isoformat()},
        now,
    )
