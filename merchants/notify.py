"""Where the money or the callbacks go changed: record who did it, and tell the team.

`record_change` writes the audit row in the caller's transaction and the team's
notification beside it (merchants.notifications: each person's choice, sent by the worker
with retries). Summaries are safe to show: a secret is recorded as rotated, never in clear."""

from __future__ import annotations

from django.utils import timezone

from merchants import notifications
from merchants.models import Merchant, SettingsChange


def short_xpub(xpub: str) -> str:
    return f"{xpub[:8]}…{xpub[-6:]}" if len(xpub) > 16 else xpub


def safe_url(url: str) -> str:
    """The URL without credentials, query or fragment (they may hold tokens)."""
    return notifications.endpoint(url)[:300]


def record_change(
    merchant: Merchant, actor: str, what: str, *, detail: str = "", old: str = "", new: str = ""
) -> SettingsChange:
    change = SettingsChange.objects.create(
        merchant=merchant,
        actor=actor[:200],
        what=what,
        detail=detail[:50],
        old_value=old[:300],
        new_value=new[:300],
        created_at=timezone.now(),
    )
    summary = " → ".join(part for part in (old, new) if part)
    notifications.settings_changed(
        merchant, what, actor, f"{detail}: {summary}" if detail else summary, now=change.created_at
    )
    return change
