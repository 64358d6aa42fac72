"""Where the money or the callbacks go changed: record who did it, and tell the owners.

`record_change` writes the audit row in the caller's transaction; once that commits, the
owners' e-mail is queued by id (no secret in the task table). `send_change_email` is the one
place that decides who hears about a change."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from merchants.models import Merchant, MerchantUser, SettingsChange

WHAT_LABELS = {SettingsChange.WALLET: "payout wallet", SettingsChange.CALLBACK_URL:
               "callback URL", SettingsChange.CALLBACK_SECRET: "callback signing secret"}


def short_xpub(xpub: str) -> str:
    return f"{xpub[:8]}…{xpub[-6:]}" if len(xpub) > 16 else xpub


def safe_url(url: str) -> str:
    """The URL without credentials, query or fragment (they may hold tokens)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"[:300]


def record_change(merchant: Merchant, actor: str, what: str, *, detail: str = "",
                  old: str = "", new: str = "") -> SettingsChange:
    change = SettingsChange.objects.create(
        merchant=merchant, actor=actor[:200], what=what, detail=detail[:50],
        old_value=old[:300], new_value=new[:300], created_at=timezone.now())
    transaction.on_commit(lambda: _queue(change.pk), robust=True)
    return change


def _queue(change_id: int) -> None:
    from django_q.tasks import async_task

    async_task("merchants.notify.send_change_email", change_id)


def change_email(change: SettingsChange) -> tuple[str, str]:
    what = WHAT_LABELS[change.what] + (f" ({change.detail})" if change.detail else "")
    subject = f"{change.merchant.name}: the {what} was changed".replace("\n", " ")[:150]
    lines = [f"The {what} of {change.merchant.name} was changed by {change.actor} at "
             f"{change.created_at:%Y-%m-%d %H:%M} UTC."]
    if change.old_value or change.new_value:
        lines += [f"Before: {change.old_value or '(none)'}", f"After:  {change.new_value}"]
    lines.append("If this was not you or your team, revoke your API keys and check your "
                 "settings in the dashboard now.")
    return subject, "\n\n".join(lines)


def owner_addresses(merchant: Merchant) -> list[str]:
    return sorted({member.user.email for member in
                   merchant.users.filter(role=MerchantUser.OWNER).select_related("user")
                   if member.user.email})


def send_change_email(change_id: int) -> int:
    """E-mail the owners about one change; returns how many were sent."""
    change = SettingsChange.objects.select_related("merchant").filter(pk=change_id).first()
    if change is None:
        return 0
    recipients = owner_addresses(change.merchant)
    if not recipients:
        return 0
    subject, body = change_email(change)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
