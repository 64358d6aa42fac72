"""A merchant's webhook endpoints: creating, changing, rotating and deleting them, and the
default endpoint that stands for the merchant's single callback URL and secret of the API's
first version (`PATCH /merchant callback_url`, `POST /merchant/rotate-secret`).

Every change is recorded with its actor and the team is told (merchants.notify), in the same
transaction as the change."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ErrorCode, GatewayError
from merchants import notify
from merchants.models import Merchant, SettingsChange, new_callback_secret
from webhooks import dialects
from webhooks.models import ALL_EVENTS, WebhookEndpoint

# A merchant's endpoints each get CALLBACKS_PER_MERCHANT delivery slots: the cap bounds the
# workers one merchant's receivers can keep waiting.
MAX_ENDPOINTS = 10
NEEDS_URL = _("an endpoint needs a URL")


def default_endpoint(merchant_id, *, create: bool = False) -> WebhookEndpoint | None:
    """The merchant's default endpoint, made (without a URL, with a new secret) when `create`
    and it has none yet: a merchant that never set a callback URL has none."""
    if not create:
        return WebhookEndpoint.objects.filter(merchant_id=merchant_id, is_default=True).first()
    endpoint, _ = WebhookEndpoint.objects.get_or_create(
        merchant_id=merchant_id, is_default=True, defaults={"url": ""}
    )
    return endpoint


def callback_url(merchant: Merchant) -> str:
    """The merchant's callback URL: its default endpoint's, or blank."""
    endpoint = default_endpoint(merchant.pk)
    return endpoint.url if endpoint else ""


def failing_endpoints_since(merchant: Merchant):
    """Since when the earliest of the merchant's enabled endpoints has been failing, or
    None."""
    return (
        WebhookEndpoint.objects.filter(merchant=merchant, enabled=True, failing_since__isnull=False)
        .order_by("failing_since")
        .values_list("failing_since", flat=True)
        .first()
    )


def checked_events(dialect_name: str, events: list[str]) -> list[str]:
    """The event filter as stored: ["*"], or the dialect's types it names, each once."""
    dialect = dialects.get(dialect_name)
    if dialect is None:
        raise GatewayError(ErrorCode.DIALECT_UNAVAILABLE, "dialect", dialect=dialect_name)
    if not events:
        raise GatewayError(ErrorCode.INVALID_EVENTS, "events")
    if ALL_EVENTS in events:
        return [ALL_EVENTS]
    unknown = sorted(set(events) - set(dialect.event_types))
    if unknown:
        raise GatewayError(
            ErrorCode.INVALID_EVENTS,
            "events",
            message=_("unknown event %(event)s; one of %(types)s or *"),
            event=unknown[0],
            types=", ".join(dialect.event_types),
        )
    return list(dict.fromkeys(events))


def keep_creation_flag(merchant_id: UUID) -> None:
    """Merchant.records_invoice_creation from the merchant's endpoints as they now are: true
    while an enabled one wants to hear of invoices' making. Called after every change of
    its endpoints, in that change's transaction with the merchant row locked, so of two
    concurrent changes the later one reads the earlier one's endpoints."""
    wanted = any(
        (dialect := dialects.get(name)) is not None and dialects.wants_creation(dialect, events)
        for name, events in WebhookEndpoint.objects.filter(
            merchant_id=merchant_id, enabled=True
        ).values_list("dialect", "events")
    )
    Merchant.objects.filter(pk=merchant_id).update(records_invoice_creation=wanted)


def _lock_merchant(merchant_id: UUID) -> None:
    Merchant.objects.select_for_update().get(pk=merchant_id)


def _record(endpoint: WebhookEndpoint, actor: str, what: str, old: str = "", new: str = ""):
    notify.record_change(
        endpoint.merchant, actor, what, detail=str(endpoint.pk)[:8], old=old, new=new
    )


def create_endpoint(
    *,
    merchant: Merchant,
    url: str,
    actor: str,
    events: list[str] | None = None,
    dialect: str = WebhookEndpoint.Dialect.CRYPTOGATE,
    enabled: bool = True,
) -> WebhookEndpoint:
    """A new endpoint with a new secret (url already checked by the caller, as
    invoices.merchant_settings.callback_url does)."""
    if not url:
        raise GatewayError(ErrorCode.INVALID_URL, "url", message=NEEDS_URL)
    events = checked_events(dialect, [ALL_EVENTS] if events is None else events)
    with transaction.atomic():
        _lock_merchant(merchant.pk)  # the count below holds
        if WebhookEndpoint.objects.filter(merchant=merchant).count() >= MAX_ENDPOINTS:
            raise GatewayError(ErrorCode.TOO_MANY_ENDPOINTS, max=MAX_ENDPOINTS)
        endpoint = WebhookEndpoint.objects.create(
            merchant=merchant, url=url, events=events, dialect=dialect, enabled=enabled
        )
        keep_creation_flag(merchant.pk)
        _record(endpoint, actor, SettingsChange.CALLBACK_URL, new=notify.safe_url(url))
    return endpoint


def update_endpoint(*, endpoint: WebhookEndpoint, changes: dict, actor: str) -> WebhookEndpoint:
    """Change some of url, events, enabled (checked by the caller); only those are saved:
    the worker sets failing_since meanwhile."""
    if "events" in changes:
        changes["events"] = checked_events(endpoint.dialect, changes["events"])
    if not endpoint.is_default and changes.get("url") == "":
        raise GatewayError(ErrorCode.INVALID_URL, "url", message=NEEDS_URL)
    with transaction.atomic():
        if "url" in changes and changes["url"] != endpoint.url:
            _record(
                endpoint,
                actor,
                SettingsChange.CALLBACK_URL,
                old=notify.safe_url(endpoint.url),
                new=notify.safe_url(changes["url"]),
            )
        refilters = "events" in changes or "enabled" in changes
        if refilters:
            _lock_merchant(endpoint.merchant_id)
        for name, value in changes.items():
            setattr(endpoint, name, value)
        endpoint.save(update_fields=list(changes))
        if refilters:
            keep_creation_flag(endpoint.merchant_id)
    return endpoint


def set_callback_url(*, merchant: Merchant, url: str, actor: str) -> WebhookEndpoint | None:
    """`PATCH /merchant callback_url`: the default endpoint's URL, the endpoint made if the
    merchant has none yet (a blank URL then makes nothing)."""
    endpoint = default_endpoint(merchant.pk, create=bool(url))
    if endpoint is None:
        return None
    return update_endpoint(endpoint=endpoint, changes={"url": url}, actor=actor)


def rotate_secret(*, endpoint: WebhookEndpoint, actor: str) -> str:
    """A new secret; the old one still signs alongside it for a while (see callbacks)."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        _record(endpoint, actor, SettingsChange.CALLBACK_SECRET, new="rotated")
        endpoint.previous_secret = endpoint.secret
        endpoint.secret = new_callback_secret()
        endpoint.secret_rotated_at = timezone.now()
        endpoint.save(update_fields=["previous_secret", "secret", "secret_rotated_at"])
    return endpoint.secret


def rotate_callback_secret(*, merchant: Merchant, actor: str) -> str:
    """`POST /merchant/rotate-secret`: the default endpoint's secret."""
    endpoint = default_endpoint(merchant.pk, create=True)
    assert endpoint is not None
    return rotate_secret(endpoint=endpoint, actor=actor)


def delete_endpoint(*, endpoint: WebhookEndpoint, actor: str) -> None:
    """Gone with its deliveries (the events and their attempt log stay). The default
    endpoint stays: its secret signs invoices' own callback URLs; clear its URL instead."""
    if endpoint.is_default:
        raise GatewayError(ErrorCode.DEFAULT_ENDPOINT)
    with transaction.atomic():
        _lock_merchant(endpoint.merchant_id)
        _record(endpoint, actor, SettingsChange.CALLBACK_URL, old=notify.safe_url(endpoint.url))
        endpoint.delete()
        keep_creation_flag(endpoint.merchant_id)
