"""The merchant's webhook endpoints, the delivery of each event to each endpoint, every
delivery attempt, and the slots that bound how many deliveries an endpoint has in flight.
DeliveryAttempt and CallbackSlot were created by the merchants app and keep its tables."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from invoices.models import Event, Invoice
from merchants.models import Merchant, new_callback_secret

ALL_EVENTS = "*"


def all_events() -> list[str]:
    return [ALL_EVENTS]


class WebhookEndpoint(models.Model):
    """Where a merchant's events are POSTed, signed with the endpoint's own secret, in one
    dialect (webhooks.dialects). The merchant's *default* endpoint is the one its old single
    callback URL became: `PATCH /merchant callback_url` edits its URL (blank: no URL), the
    merchant's rotate-secret rotates its secret, and an invoice's own `callback_url` replaces
    its URL for that invoice's events (signed with its secret), as the merchant's callback URL
    was replaced before endpoints existed."""

    class Dialect(models.TextChoices):
        CRYPTOGATE = "cryptogate"  # ours: X-Signature, our event types and bodies
        GREENFIELD = "greenfield"  # BTCPay Server's: BTCPay-Sig, its event types and bodies

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000, blank=True)  # blank only on the default endpoint
    secret = models.CharField(max_length=100, default=new_callback_secret)
    previous_secret = models.CharField(max_length=100, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    # The dialect's event types it wants, or ["*"] for all of them.
    events = models.JSONField(default=all_events)
    dialect = models.CharField(max_length=16, choices=Dialect.choices, default=Dialect.CRYPTOGATE)
    is_default = models.BooleanField(default=False)
    # Set when a delivery ran out of retries, cleared by the next success.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_default", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(is_default=True), name="one_default_endpoint"
            )
        ]

    def __str__(self) -> str:
        return self.url or "(no URL)"


class Delivery(models.Model):
    """One event owed to one endpoint, and where its delivery stands. An invoice's deliveries
    to an endpoint form a queue sent in `sequence` order (webhooks.callbacks).
    `next_attempt_at` is set while it waits to be sent and cleared once it is delivered,
    given up (`failed_at`) or finds no URL; `claimed_until` is the lease of the worker
    sending it. `invoice` and `sequence` are the event's, copied so a queue is one index.
    An event has one delivery per endpoint, and one more for each Greenfield redelivery
    (`redelivery_of`: the first delivery, as BTCPay makes a new delivery to redeliver)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="redeliveries"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sequence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"],
                condition=Q(redelivery_of__isnull=True),
                name="one_delivery_per_endpoint",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=Q(next_attempt_at__isnull=False),
            ),
            # One endpoint's due queues (webhooks.callbacks: a slot holder's turn).
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                name="delivery_due_endpoint",
                condition=Q(next_attempt_at__isnull=False),
            ),
            models.Index(fields=["invoice", "endpoint", "sequence"], name="delivery_queue"),
            models.Index(fields=["endpoint", "-created_at", "-id"], name="delivery_newest"),
        ]


class DeliveryAttempt(models.Model):
    """One try at delivering an event to an endpoint, and what came back."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="delivery_attempts")
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="attempts"
    )
    url = models.URLField(max_length=2000)
    attempted_at = models.DateTimeField()
    manual = models.BooleanField(default=False)  # a redelivery the merchant asked for
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    response_body = models.TextField(blank=True)  # the first KB
    error = models.TextField(blank=True)
    # Sent as X-Request-Id and in the gateway's log lines: the API request that made the
    # attempt (a redelivery), or one of its own for a worker's delivery.
    request_id = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "merchants_deliveryattempt"  # the table it had in merchants: rows kept
        ordering = ["attempted_at", "id"]
        indexes = [models.Index(fields=["event", "attempted_at"], name="attempt_per_event")]

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class CallbackSlot(models.Model):
    """One of the few deliveries an endpoint may have in flight at once (webhooks.callbacks):
    held by a worker under a lease, so a slow or dead receiver keeps at most that many
    workers, and the others serve everyone else."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    index = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "merchants_callbackslot"  # the table it had in merchants: rows kept
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "index"], name="one_callback_slot_per_endpoint_index"
            )
        ]
