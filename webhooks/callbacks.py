"""Callback delivery from the event outbox: signing, ordering, retries and the attempt log.

An invoice's events form a queue delivered in `sequence` order: only the earliest event
still waiting (the head) is sent, and the ones behind it wait while it retries. The worker
sending a head holds a lease on it (`Event.claimed_until`, longer than an attempt can last:
each is cut at its deadline), so two workers never send the same event at once; if the
worker dies mid-send the lease runs out and the minute-ly sweep (`deliver_due`) picks the
queue up again, as it does events whose enqueue was lost between the commit and the queue.
Delivery is at least once: receivers dedupe on the event `id`, which a redelivery keeps.

Fairness: a worker delivers a merchant's callbacks only while it holds one of the
merchant's few slots (`CallbackSlot`, `CALLBACKS_PER_MERCHANT`). A task that finds them all
taken returns at once. A slot holder takes a turn — its invoice's queue, then the
merchant's other due queues, within TURN_SECONDS and TURN_QUEUES — and, if more is due
(the queues of tasks refused meanwhile among it), queues the merchant's next turn behind
everyone else's tasks. So a slow or dead receiver keeps at most that many workers waiting
on it, a busy merchant takes turns with the others, and the rest of the workers serve
everyone else. Slots are per merchant rather than per URL: a URL is whatever the merchant
types, and many host names for one slow server would otherwise get many slots.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_q.brokers import get_broker
from django_q.tasks import async_task

from core import egress
from core.errors import ErrorCode, GatewayError
from core.leases import Lease, owner_token
from core.logs import current_request_id, new_request_id
from invoices.models import Event, Invoice
from invoices.representation import CallbackEventResponse, TestCallbackEventResponse, iso_time
from merchants import notifications
from merchants.models import Merchant
from webhooks.models import CallbackSlot, DeliveryAttempt

logger = logging.getLogger(__name__)

USER_AGENT = "CryptoGate-Callbacks/1.0 (self-hosted crypto payment gateway)"
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)  # then every 12 h
RETRY_WINDOW = timedelta(days=3)
RETRY_JITTER = 0.1  # ±10%, so endpoints coming back are not hit by every retry at once
ROTATION_OVERLAP = timedelta(hours=24)
# A merchant's turn on a worker: this many seconds or invoice queues, whichever comes first.
# Then its next turn is queued behind the tasks of the others, so a busy or slow merchant
# shares the workers in turns instead of keeping one.
TURN_SECONDS = 15
TURN_QUEUES = 20
SWEEP_BATCH = 1000
SENDING = Lease(until="claimed_until")  # an event's: the worker sending it
SLOT = Lease(until="lease_until", owner="holder")  # a merchant's delivery slot


# --- decisions ------------------------------------------------------------------------------


def signing_secrets(
    current: str, previous: str, rotated_at: datetime | None, now: datetime
) -> list[str]:
    """The secrets a delivery is signed with: the previous one as well for a day after a
    rotation, so a receiver can switch secrets without rejecting a callback."""
    if previous and rotated_at and now - rotated_at < ROTATION_OVERLAP:
        return [current, previous]
    return [current]


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, one v1 per secret."""
    signed = f"{timestamp}.".encode() + body
    return ",".join(
        [f"t={timestamp}"]
        + [
            "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
            for secret in secrets
        ]
    )


def next_attempt_at(
    attempts: int, first_attempt_at: datetime, now: datetime, spread: float
) -> datetime | None:
    """When to try again after `attempts` failed tries, or None once the retry window since
    the first try has passed. `spread` in [-1, 1] picks where in the jitter band to land."""
    if now - first_attempt_at >= RETRY_WINDOW:
        return None
    delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return now + delay * (1 + RETRY_JITTER * spread)


def delivery_state(event: Event) -> str:
    """delivered, pending (not tried yet), retrying, failed (the retry window ran out), or
    no_endpoint (neither the invoice nor the merchant had a callback URL)."""
    if event.delivered_at:
        return "delivered"
    if event.failed_at:
        return "failed"
    if event.next_attempt_at is None:
        return "no_endpoint"
    return "retrying" if event.delivery_attempts.all() else "pending"


def event_body(event: Event) -> bytes:
    return json.dumps(CallbackEventResponse.render(event), separators=(",", ":")).encode()


def callback_url(event: Event) -> str:
    return event.invoice.callback_url or event.merchant.callback_url


def _secrets(merchant: Merchant, now: datetime) -> list[str]:
    return signing_secrets(
        merchant.callback_secret,
        merchant.previous_callback_secret,
        merchant.callback_secret_rotated_at,
        now,
    )


# --- sending --------------------------------------------------------------------------------


def send(url: str, body: bytes, secrets: list[str], now: datetime) -> DeliveryAttempt:
    """POST one signed body through the egress guard; the (unsaved) attempt says what
    happened. Never raises for the receiver's faults: they are the attempt's error."""
    timeout = settings.CALLBACKS_TIMEOUT_SECONDS
    request_id = current_request_id() or new_request_id()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Signature": signature_header(secrets, int(now.timestamp()), body),
        "X-Request-Id": request_id,
    }
    attempt = DeliveryAttempt(url=url, attempted_at=now, request_id=request_id)
    started = time.monotonic()
    try:
        reply = egress.post(url, body, headers, timeout)
    except egress.EgressRefused as exc:
        attempt.error = f"refused: {exc}"
    except requests.Timeout:
        attempt.error = f"timed out: no complete answer within {timeout:g} s"
    except (requests.RequestException, OSError) as exc:
        attempt.error = f"connection failed: {exc}"
    else:
        attempt.status_code = reply.status_code
        attempt.response_body = reply.body_start.decode("utf-8", "replace")
        if 300 <= reply.status_code < 400:
            attempt.error = f"redirect to {reply.location or '(no Location)'} not followed"
    attempt.duration_ms = round((time.monotonic() - started) * 1000)
    logger.info(
        "callback to %s: %s in %d ms (request id %s)",
        urlsplit(url).hostname,
        attempt.status_code or attempt.error,
        attempt.duration_ms,
        request_id,
    )
    return attempt


def lease() -> timedelta:
    """How long a worker may hold an event or a slot: an attempt ends at its deadline
    (CALLBACKS_TIMEOUT_SECONDS from connecting), so twice that plus time for DNS and the
    database is longer than any attempt, and TURN_SECONDS more is longer than any turn."""
    return timedelta(seconds=2 * settings.CALLBACKS_TIMEOUT_SECONDS + 30 + TURN_SECONDS)


def _claim(event: Event, now: datetime, *, scheduled: bool) -> bool:
    """Take the event's sending lease. A scheduled send also checks the event is still due
    as it was read, so a retry another worker has just made is not repeated."""
    events = Event.objects.filter(pk=event.pk)
    if scheduled:
        events = events.filter(next_attempt_at=event.next_attempt_at)
    return SENDING.take(events, now=now, duration=lease())


def take_slot(merchant_id) -> str | None:
    """One of the merchant's delivery slots, under a token of this worker's own, or None
    when all are held (found by one read: a refused task writes nothing). Slots run on the
    real clock: they are about workers, not about the retry schedule. A turn never outlasts
    the lease (TURN_SECONDS, then at most one attempt cut at its deadline), so it is not
    renewed."""
    token = owner_token()
    now, count = timezone.now(), settings.CALLBACKS_PER_MERCHANT
    held = dict(
        CallbackSlot.objects.filter(merchant_id=merchant_id, index__lt=count).values_list(
            "index", "lease_until"
        )
    )
    if len(held) < count:  # the merchant's first delivery, or more slots configured since
        CallbackSlot.objects.bulk_create(
            [
                CallbackSlot(merchant_id=merchant_id, index=index)
                for index in range(count)
                if index not in held
            ],
            ignore_conflicts=True,
        )
    for index in range(count):
        if held.get(index) and held[index] > now:
            continue
        if SLOT.take(
            CallbackSlot.objects.filter(merchant_id=merchant_id, index=index),
            now=now,
            duration=lease(),
            owner=token,
        ):
            return token
    return None


def _release_slot(token: str) -> None:
    SLOT.release(CallbackSlot.objects.all(), owner=token)


def _mark_delivered(event: Event, now: datetime) -> None:
    SENDING.release(
        Event.objects.filter(pk=event.pk),
        delivered_at=event.delivered_at or now,
        next_attempt_at=None,
    )
    if event.merchant.callback_failing_since:
        with transaction.atomic():
            if Merchant.objects.filter(
                pk=event.merchant_id, callback_failing_since__isnull=False
            ).update(callback_failing_since=None):
                notifications.callbacks_recovered(event.merchant, callback_url(event), now)


def _schedule_retry(event: Event, now: datetime) -> None:
    """After a failed scheduled try: the next one, or give up and flag the endpoint."""
    tries = event.delivery_attempts.filter(manual=False).aggregate(
        count=Count("id"), first=Min("attempted_at")
    )
    retry_at = next_attempt_at(tries["count"], tries["first"], now, random.uniform(-1, 1))
    if retry_at is not None:
        SENDING.release(Event.objects.filter(pk=event.pk), next_attempt_at=retry_at)
        return
    with transaction.atomic():
        SENDING.release(Event.objects.filter(pk=event.pk), next_attempt_at=None, failed_at=now)
        if Merchant.objects.filter(
            pk=event.merchant_id, callback_failing_since__isnull=True
        ).update(callback_failing_since=now):
            notifications.callbacks_failing(event.merchant, callback_url(event), now)
    logger.warning(
        "callback event %s given up after %d attempts; merchant %s flagged",
        event.pk,
        tries["count"],
        event.merchant_id,
    )


def _deliver_queue(invoice_id, now: datetime | None, started: float) -> int:
    """Send an invoice's due events in sequence order, stopping at the first one not
    delivered: it waits for its retry, and the events behind it wait with it. Returns how
    many were delivered."""
    delivered = 0
    queue = (
        Event.objects.filter(invoice_id=invoice_id, next_attempt_at__isnull=False)
        .select_related("invoice", "merchant")
        .order_by("sequence")
    )
    for event in queue:
        at = now or timezone.now()
        if (
            event.next_attempt_at > at
            or time.monotonic() - started > TURN_SECONDS
            or not _claim(event, at, scheduled=True)
        ):
            break
        url = callback_url(event)
        if not url:  # nothing to send to; the events behind it need not wait
            SENDING.release(Event.objects.filter(pk=event.pk), next_attempt_at=None)
            continue
        attempt = send(url, event_body(event), _secrets(event.merchant, at), at)
        attempt.event = event
        attempt.save()
        if not attempt.succeeded:
            logger.info(
                "callback event %s attempt failed (status %s)", event.pk, attempt.status_code
            )
            _schedule_retry(event, at)
            break
        _mark_delivered(event, at)
        delivered += 1
    return delivered


def deliver_invoice_events(invoice_id, now: datetime | None = None) -> int:
    """One turn of the invoice's merchant, if one of its slots is free: the invoice's due
    events, then the merchant's other due queues; then its next turn is queued if more is
    due. Without a free slot it returns at once: the holder's turn, or the next one, takes
    this queue. Returns how many events were delivered. `now` is the clock of the retry
    schedule (tests drive it)."""
    # Most tasks find their events already sent by an earlier turn: one query says so.
    merchant_id = (
        Event.objects.filter(invoice_id=invoice_id, next_attempt_at__lte=now or timezone.now())
        .values_list("merchant_id", flat=True)
        .first()
    )
    slot = take_slot(merchant_id) if merchant_id is not None else None
    if slot is None:
        return 0
    started, delivered = time.monotonic(), 0
    try:
        others = queues_due(now or timezone.now(), merchant_id)[:TURN_QUEUES]
        for queued in [invoice_id] + [i for i in others if i != invoice_id]:
            if time.monotonic() - started > TURN_SECONDS:
                break
            delivered += _deliver_queue(queued, now, started)
    finally:
        _release_slot(slot)
    if following := queues_due(now or timezone.now(), merchant_id)[:1]:
        async_task(deliver_invoice_events, following[0])
    return delivered


def queues_due(now: datetime, merchant_id=None) -> list:
    """Invoices (of one merchant, or all) whose head event is due and not being sent."""
    waiting_ahead = Event.objects.filter(
        invoice=OuterRef("invoice"),
        sequence__lt=OuterRef("sequence"),
        next_attempt_at__isnull=False,
    )
    due = Event.objects.filter(next_attempt_at__lte=now)
    if merchant_id is not None:
        due = due.filter(merchant_id=merchant_id)
    return list(
        due.filter(SENDING.free(now))
        .exclude(Exists(waiting_ahead))
        .order_by("next_attempt_at")
        .values_list("invoice_id", flat=True)[:SWEEP_BATCH]
    )


def deliver_due(now: datetime | None = None) -> int:
    """Queue deliveries for the invoices whose next event is due: the clock of retries, and
    the safety net for enqueues lost between a commit and the queue. Returns how many. A
    merchant gets no more tasks than it has slots: each slot holder delivers the merchant's
    other due queues too. While the workers are behind it adds nothing (a queued task may
    already be waiting for a due invoice): what is due now is still due at the next sweep."""
    if get_broker().queue_size() >= SWEEP_BATCH:
        return 0
    due = queues_due(now or timezone.now())
    merchants = dict(Invoice.objects.filter(pk__in=due).values_list("pk", "merchant_id"))
    per_merchant: dict = {}
    for invoice_id in due:  # oldest first
        per_merchant.setdefault(merchants[invoice_id], []).append(invoice_id)
    queued = [
        invoice_id
        for invoice_ids in per_merchant.values()
        for invoice_id in invoice_ids[: settings.CALLBACKS_PER_MERCHANT]
    ]
    for invoice_id in queued:
        async_task(deliver_invoice_events, invoice_id)
    return len(queued)


# --- the merchant's controls ----------------------------------------------------------------


def redeliver(event: Event, now: datetime | None = None) -> DeliveryAttempt:
    """Send an event again now, with the same id, whatever its state; logged as a manual
    attempt. A failure leaves the event's schedule as it was."""
    now = now or timezone.now()
    url = callback_url(event)
    if not url:
        raise GatewayError(ErrorCode.NO_CALLBACK_URL, "callback_url")
    if not _claim(event, now, scheduled=False):
        raise GatewayError(ErrorCode.DELIVERY_IN_PROGRESS)
    attempt = send(url, event_body(event), _secrets(event.merchant, now), now)
    attempt.event, attempt.manual = event, True
    attempt.save()
    if attempt.succeeded:
        _mark_delivered(event, now)
        if event.next_attempt_at is not None:  # events behind it may go now
            async_task(deliver_invoice_events, event.invoice_id)
    else:
        SENDING.release(Event.objects.filter(pk=event.pk))
    return attempt


def send_test_event(merchant: Merchant, now: datetime | None = None) -> DeliveryAttempt:
    """A signed `test` event to the merchant's callback URL; the attempt is returned, not
    stored (it belongs to no invoice)."""
    now = now or timezone.now()
    if not merchant.callback_url:
        raise GatewayError(
            ErrorCode.NO_CALLBACK_URL,
            "callback_url",
            message=gettext_lazy("set the merchant's callback_url first"),
        )
    test_event = TestCallbackEventResponse.render(
        id=str(uuid.uuid4()), event="test", created_at=iso_time(now), sequence=0, data={}
    )
    body = json.dumps(test_event, separators=(",", ":")).encode()
    return send(merchant.callback_url, body, _secrets(merchant, now), now)
