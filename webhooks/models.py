"""The callback log: every delivery attempt, and the slots that bound how many deliveries a
merchant has in flight. Both tables were created by the merchants app and keep its names."""

from django.db import models

from invoices.models import Event
from merchants.models import Merchant


class DeliveryAttempt(models.Model):
    """One try at delivering an event to a callback URL, and what came back."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="delivery_attempts")
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
    """One of the few callback deliveries a merchant may have in flight at once
    (webhooks.callbacks): held by a worker under a lease, so a slow or dead receiver keeps
    at most that many workers, and the others serve everyone else."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    index = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "merchants_callbackslot"  # the table it had in merchants: rows kept
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "index"], name="one_callback_slot_per_index"
            )
        ]
