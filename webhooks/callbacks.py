"""Webhook delivery: one Delivery per (event, endpoint), signed in the endpoint's dialect,
with ordering, retries and the attempt log.

An invoice's deliveries to one endpoint form a queue sent in `sequence` order: only the
earliest one still waiting (the head) is sent, and the ones behind it wait while it retries;
each endpoint has its own queue, so one failing endpoint holds back no other. The worker
sending a head holds a lease on it (`Delivery.claimed_until`, longer than an attempt can
last: each is cut at its deadline), so two workers never send the same delivery at once; if
the worker dies mid-send the lease runs out and the minute-ly sweep (`deliver_due`) picks the
queue up again, as it does deliveries whose enqueue was lost between the commit and the
queue. Delivery is at least once: receivers dedupe on the event `id`, which a redelivery
keeps.

Fairness: a worker delivers to an endpoint only while it holds one of the endpoint's few
slots (`CallbackSlot`, `CALLBACKS_PER_MERCHANT` per endpoint; a merchant has at most
webhooks.endpoints.MAX_ENDPOINTS). A task that finds them all taken returns at once. A slot
holder takes a turn — its invoice's queue, then the endpoint's other due queues, within
TURN_SECONDS and TURN_QUEUES — and, if more is due (the queues of tasks refused meanwhile
among it), queues the endpoint's next turn behind everyone else's tasks. So a slow or dead
receiver keeps at most that many workers waiting on it, delays only its own endpoint's
deliveries, and the rest of the workers serve everyone else.
"""

from __future__ import annotations

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
from invoices.representation import TestCallbackEventResponse, iso_time
from merchants import notifications
from webhooks import dialects
from webhooks.endpoints import default_endpoint
from webhooks.models import CallbackSlot, Delivery, DeliveryAttempt, WebhookEndpoint

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
# An endpoint's turn on a worker: this many seconds or invoice queues, whichever comes
# first. Then its next turn is queued behind the tasks of the others, so a busy or slow
# endpoint shares the workers in turns instead of keeping one.
TURN_SECONDS = 15
TURN_QUEUES = 20
SWEEP_BATCH = 1000
SENDING = Lease(until="claimed_until")  # a delivery's: the worker sending it
SLOT = Lease(until="lease_until", owner="holder")  # an endpoint's delivery slot


# --- decisions ------------------------------------------------------------------------------


def signing_secrets(
    current: str, previous: str, rotated_at: datetime | None, now: datetime
) -> list[str]:
    """The secrets a delivery is signed with: the previous one as well for a day after a
    rotation, so a receiver can switch secrets without rejecting a callback."""
    if previous and rotated_at and now - rotated_at < ROTATION_OVERLAP:
        return [current, previous]
    return [current]


def next_attempt_at(
    attempts: int, first_attempt_at: datetime, now: datetime, spread: float
) -> datetime | None:
    """When to try again after `attempts` failed tries, or None once the retry window since
    the first try has passed. `spread` in [-1, 1] picks where in the jitter band to land."""
    if now - first_attempt_at >= RETRY_WINDOW:
        return None
    delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return now + delay * (1 + RETRY_JITTER * spread)


def delivery_state(delivery: Delivery) -> str:
    """delivered, pending (not tried yet), retrying, failed (the retry window ran out), or
    no_endpoint (its endpoint had no URL when its turn came)."""
    if delivery.delivered_at:
        return "delivered"
    if delivery.failed_at:
        return "failed"
    if delivery.next_attempt_at is None:
        return "no_endpoint"
    return "retrying" if delivery.attempts.all() else "pending"


def event_state(deliveries: list[Delivery]) -> str:
    """An event's state over its deliveries: the least advanced of them (no_endpoint when
    no endpoint wanted it)."""
    states = {delivery_state(delivery) for delivery in deliveries} - {"no_endpoint"}
    for state in ("retrying", "pending", "failed", "delivered"):
        if state in states:
            return state
    return "no_endpoint"


def target_url(endpoint: WebhookEndpoint, invoice: Invoice) -> str:
    """Where a delivery goes: an invoice's own callback_url replaces the default endpoint's
    URL for its events (as it replaced the merchant's callback URL before endpoints)."""
    if endpoint.is_default and invoice.callback_url:
        return invoice.callback_url
    return endpoint.url


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    return signing_secrets(
        endpoint.secret, endpoint.previous_secret, endpoint.secret_rotated_at, now
    )


def event_body(event: Event) -> bytes:
    """The body of an event in our dialect."""
    return dialects.cryptogate_body(event)


# --- recording ------------------------------------------------------------------------------


def create_deliveries(event: Event) -> list:
    """A Delivery, due now, for each enabled endpoint of the event's merchant whose dialect
    and event filter want the event and which has somewhere to send it; written in the
    event's transaction, and again before a redelivery for endpoints added since (those it
    has are kept). Returns the endpoint ids."""
    invoice = event.invoice
    if invoice.callback_url:  # the invoice's URL is sent through the default endpoint
        default_endpoint(event.merchant_id, create=True)
    rows = []
    for endpoint in WebhookEndpoint.objects.filter(merchant_id=event.merchant_id, enabled=True):
        dialect = dialects.get(endpoint.dialect)
        if (
            dialect is not None
            and dialects.wants(dialect, endpoint.events, event)
            and target_url(endpoint, invoice)
        ):
            rows.append(
                Delivery(
                    event=event,
                    endpoint=endpoint,
                    invoice=invoice,
                    sequence=event.sequence,
                    created_at=event.created_at,
                    next_attempt_at=event.created_at,
                )
            )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)  # a redelivery's: some exist
    return [row.endpoint_id for row in rows]


def repeat_delivery(delivery: Delivery, now: datetime) -> Delivery:
    """A new delivery of a delivery's event to its endpoint, due now, naming the first one
    it repeats: Greenfield's redelivery (BTCPay's WebhookSender.Redeliver makes a new
    delivery of the same request; ours, `redeliver`, sends the same delivery again)."""
    return Delivery.objects.create(
        event=delivery.event,
        endpoint=delivery.endpoint,
        invoice=delivery.invoice,
        sequence=delivery.sequence,
        redelivery_of_id=delivery.redelivery_of_id or delivery.pk,
        created_at=now,
        next_attempt_at=now,
    )


# --- sending --------------------------------------------------------------------------------


def send(url: str, body: bytes, signature: dict[str, str], now: datetime) -> DeliveryAttempt:
    """POST one signed body (`signature`: the dialect's headers) through the egress guard;
    the (unsaved) attempt says what happened. Never raises for the receiver's faults: they
    are the attempt's error."""
    timeout = settings.CALLBACKS_TIMEOUT_SECONDS
    request_id = current_request_id() or new_request_id()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signature,
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


def send_delivery(delivery: Delivery, url: str, now: datetime, *, manual: bool) -> DeliveryAttempt:
    """Sign the event in the endpoint's dialect, send it, and log the attempt."""
    endpoint, event = delivery.endpoint, delivery.event
    dialect = dialects.get(endpoint.dialect)
    assert dialect is not None, f"no {endpoint.dialect} dialect registered"
    body = dialect.body(delivery)
    attempt = send(url, body, dialect.sign(_secrets(endpoint, now), now, body), now)
    attempt.event, attempt.delivery, attempt.manual = event, delivery, manual
    attempt.save()
    return attempt


def lease() -> timedelta:
    """How long a worker may hold a delivery or a slot: an attempt ends at its deadline
    (CALLBACKS_TIMEOUT_SECONDS from connecting), so twice that plus time for DNS and the
    database is longer than any attempt, and TURN_SECONDS more is longer than any turn."""
    return timedelta(seconds=2 * settings.CALLBACKS_TIMEOUT_SECONDS + 30 + TURN_SECONDS)


def _claim(delivery: Delivery, now: datetime, *, scheduled: bool) -> bool:
    """Take the delivery's sending lease. A scheduled send also checks it is still due as
    it was read, so a retry another worker has just made is not repeated."""
    rows = Delivery.objects.filter(pk=delivery.pk)
    if scheduled:
        rows = rows.filter(next_attempt_at=delivery.next_attempt_at)
    return SENDING.take(rows, now=now, duration=lease())


def take_slot(endpoint_id) -> str | None:
    """One of the endpoint's delivery slots, under a token of this worker's own, or None
    when all are held (found by one read: a refused task writes nothing). Slots run on the
    real clock: they are about workers, not about the retry schedule. A turn never outlasts
    the lease (TURN_SECONDS, then at most one attempt cut at its deadline), so it is not
    renewed."""
    token = owner_token()
    now, count = timezone.now(), settings.CALLBACKS_PER_MERCHANT
    held = dict(
        CallbackSlot.objects.filter(endpoint_id=endpoint_id, index__lt=count).values_list(
            "index", "lease_until"
        )
    )
    if len(held) < count:  # the endpoint's first delivery, or more slots configured since
        CallbackSlot.objects.bulk_create(
            [
                CallbackSlot(endpoint_id=endpoint_id, index=index)
                for index in range(count)
                if index not in held
            ],
            ignore_conflicts=True,
        )
    for index in range(count):
        if (until := held.get(index)) and until > now:
            continue
        if SLOT.take(
            CallbackSlot.objects.filter(endpoint_id=endpoint_id, index=index),
            now=now,
            duration=lease(),
            owner=token,
        ):
            return token
    return None


def _release_slot(token: str) -> None:
    SLOT.release(CallbackSlot.objects.all(), owner=token)


def _mark_delivered(delivery: Delivery, url: str, now: datetime) -> None:
    SENDING.release(
        Delivery.objects.filter(pk=delivery.pk),
        delivered_at=delivery.delivered_at or now,
        next_attempt_at=None,
    )
    endpoint = delivery.endpoint
    if endpoint.failing_since:
        with transaction.atomic():
            if WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
                failing_since=None
            ):
                notifications.callbacks_recovered(endpoint.merchant, url, now)


def _schedule_retry(delivery: Delivery, url: str, now: datetime) -> None:
    """After a failed scheduled try: the next one, or give up and flag the endpoint."""
    tries = delivery.attempts.filter(manual=False).aggregate(
        count=Count("id"), first=Min("attempted_at")
    )
    retry_at = next_attempt_at(tries["count"], tries["first"], now, random.uniform(-1, 1))
    rows = Delivery.objects.filter(pk=delivery.pk)
    if retry_at is not None:
        SENDING.release(rows, next_attempt_at=retry_at)
        return
    endpoint = delivery.endpoint
    with transaction.atomic():
        SENDING.release(rows, next_attempt_at=None, failed_at=now)
        if WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
            failing_since=now
        ):
            notifications.callbacks_failing(endpoint.merchant, url, now)
    logger.warning(
        "callback event %s to endpoint %s given up after %d attempts; endpoint flagged",
        delivery.event_id,
        endpoint.pk,
        tries["count"],
    )


def _queue(invoice_id, endpoint_id):
    """An invoice's deliveries to an endpoint still to send, in sequence order."""
    return (
        Delivery.objects.filter(
            invoice_id=invoice_id, endpoint_id=endpoint_id, next_attempt_at__isnull=False
        )
        .select_related("event__invoice", "endpoint__merchant", "invoice")
        .order_by("sequence")
    )


def _deliver_queue(invoice_id, endpoint_id, now: datetime | None, started: float) -> int:
    """Send an invoice's due deliveries to an endpoint in sequence order, stopping at the
    first one not delivered: it waits for its retry, and the ones behind it wait with it.
    Returns how many were delivered."""
    delivered = 0
    for delivery in _queue(invoice_id, endpoint_id):
        at = now or timezone.now()
        if (
            (delivery.next_attempt_at is not None and delivery.next_attempt_at > at)
            or not delivery.endpoint.enabled
            or time.monotonic() - started > TURN_SECONDS
            or not _claim(delivery, at, scheduled=True)
        ):
            break
        url = target_url(delivery.endpoint, delivery.invoice)
        if not url:  # nothing to send to; the deliveries behind it need not wait
            SENDING.release(Delivery.objects.filter(pk=delivery.pk), next_attempt_at=None)
            continue
        attempt = send_delivery(delivery, url, at, manual=False)
        if not attempt.succeeded:
            logger.info(
                "callback event %s attempt failed (status %s)",
                delivery.event_id,
                attempt.status_code,
            )
            _schedule_retry(delivery, url, at)
            break
        _mark_delivered(delivery, url, at)
        delivered += 1
    return delivered


def _turn(invoice_id, endpoint_id, now: datetime | None) -> int:
    """One turn of an endpoint, if one of its slots is free: the invoice's due deliveries
    to it, then the endpoint's other due queues; then its next turn is queued if more is
    due. Without a free slot it returns at once: the holder's turn, or the next one, takes
    this queue."""
    slot = take_slot(endpoint_id)
    if slot is None:
        return 0
    started, delivered = time.monotonic(), 0
    try:
        others = [i for i, _ in queues_due(now or timezone.now(), endpoint_id)[:TURN_QUEUES]]
        for queued in [invoice_id] + [i for i in others if i != invoice_id]:
            if time.monotonic() - started > TURN_SECONDS:
                break
            delivered += _deliver_queue(queued, endpoint_id, now, started)
    finally:
        _release_slot(slot)
    if following := queues_due(now or timezone.now(), endpoint_id)[:1]:
        async_task(deliver_invoice_events, *following[0])
    return delivered


def deliver_invoice_events(invoice_id, endpoint_id=None, now: datetime | None = None) -> int:
    """A turn of the endpoint (or of each endpoint with due deliveries of the invoice) that
    starts with the invoice's queue. Returns how many deliveries were made. `now` is the
    clock of the retry schedule (tests drive it)."""
    if endpoint_id is not None:
        endpoint_ids = [endpoint_id]
    else:  # most tasks find everything already sent by an earlier turn: one query says so
        endpoint_ids = list(
            Delivery.objects.filter(
                invoice_id=invoice_id, next_attempt_at__lte=now or timezone.now()
            )
            .order_by("endpoint_id")
            .values_list("endpoint_id", flat=True)
            .distinct()
        )
    return sum(_turn(invoice_id, endpoint, now) for endpoint in endpoint_ids)


def queues_due(now: datetime, endpoint_id=None) -> list[tuple]:
    """(invoice, endpoint) queues (of one endpoint, or all) whose head is due and not being
    sent, to an enabled endpoint; oldest first."""
    waiting_ahead = Delivery.objects.filter(
        invoice=OuterRef("invoice"),
        endpoint=OuterRef("endpoint"),
        sequence__lt=OuterRef("sequence"),
        next_attempt_at__isnull=False,
    )
    due = Delivery.objects.filter(next_attempt_at__lte=now, endpoint__enabled=True)
    if endpoint_id is not None:
        due = due.filter(endpoint_id=endpoint_id)
    return list(
        due.filter(SENDING.free(now))
        .exclude(Exists(waiting_ahead))
        .order_by("next_attempt_at")
        .values_list("invoice_id", "endpoint_id")[:SWEEP_BATCH]
    )


def deliver_due(now: datetime | None = None) -> int:
    """Queue deliveries for the queues whose head is due: the clock of retries, and the
    safety net for enqueues lost between a commit and the queue. Returns how many. An
    endpoint gets no more tasks than it has slots: each slot holder delivers the endpoint's
    other due queues too. While the workers are behind it adds nothing (a queued task may
    already be waiting for a due queue): what is due now is still due at the next sweep."""
    if get_broker().queue_size() >= SWEEP_BATCH:
        return 0
    per_endpoint: dict = {}
    for invoice_id, endpoint_id in queues_due(now or timezone.now()):  # oldest first
        per_endpoint.setdefault(endpoint_id, []).append(invoice_id)
    queued = [
        (invoice_id, endpoint_id)
        for endpoint_id, invoice_ids in per_endpoint.items()
        for invoice_id in invoice_ids[: settings.CALLBACKS_PER_MERCHANT]
    ]
    for invoice_id, endpoint_id in queued:
        async_task(deliver_invoice_events, invoice_id, endpoint_id)
    return len(queued)


# --- the merchant's controls ----------------------------------------------------------------


def redeliver(delivery: Delivery, now: datetime | None = None) -> DeliveryAttempt:
    """Send a delivery again now, with the same event id, whatever its state; logged as a
    manual attempt. A failure leaves its schedule as it was."""
    now = now or timezone.now()
    url = target_url(delivery.endpoint, delivery.invoice)
    if not url:
        raise GatewayError(
            ErrorCode.NO_CALLBACK_URL,
            "callback_url",
            message=gettext_lazy("this endpoint has no URL"),
        )
    if not _claim(delivery, now, scheduled=False):
        raise GatewayError(ErrorCode.DELIVERY_IN_PROGRESS)
    attempt = send_delivery(delivery, url, now, manual=True)
    if attempt.succeeded:
        _mark_delivered(delivery, url, now)
        if delivery.next_attempt_at is not None:  # deliveries behind it may go now
            async_task(deliver_invoice_events, delivery.invoice_id, delivery.endpoint_id)
    else:
        SENDING.release(Delivery.objects.filter(pk=delivery.pk))
    return attempt


def redeliver_event(event: Event, now: datetime | None = None) -> list[DeliveryAttempt]:
    """Send an event again to every endpoint that wants it and has a URL (one added since
    the event gets its delivery now: any event can be redelivered)."""
    create_deliveries(event)
    deliveries = [
        delivery
        for delivery in event.deliveries.filter(redelivery_of=None).select_related(
            "event__invoice", "endpoint__merchant", "invoice"
        )
        if target_url(delivery.endpoint, delivery.invoice)
    ]
    if not deliveries:
        raise GatewayError(ErrorCode.NO_CALLBACK_URL, "callback_url")
    return [redeliver(delivery, now) for delivery in deliveries]


def send_test_event(endpoint: WebhookEndpoint | None, now: datetime | None = None):
    """A signed `test` event to an endpoint (in our dialect); the attempt is returned, not
    stored (it belongs to no invoice)."""
    now = now or timezone.now()
    if endpoint is None or not endpoint.url:
        raise GatewayError(
            ErrorCode.NO_CALLBACK_URL,
            "callback_url",
            message=gettext_lazy("set the merchant's callback_url first"),
        )
    test_event = TestCallbackEventResponse.render(
        id=str(uuid.uuid4()), event="test", created_at=iso_time(now), sequence=0, data={}
    )
    body = json.dumps(test_event, separators=(",", ":")).encode()
    return send(
        endpoint.url, body, dialects.cryptogate_sign(_secrets(endpoint, now), now, body), now
    )
