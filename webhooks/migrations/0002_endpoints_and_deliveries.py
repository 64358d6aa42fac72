"""Webhook endpoints, and delivery state moved off the domain's Event into a Delivery per
(event, endpoint).

The merchant's single callback URL and secret(s) become its default `gateway` endpoint (kept
for every merchant that had a callback URL, an invoice with its own callback_url, or an event
with any delivery state, so no secret a receiver verifies with is lost). Every event that was
waiting, tried, delivered or given up gets a Delivery to that endpoint carrying its state,
and its attempts are linked to it. Callback slots are leases, not data: the table is made
again, per endpoint. invoices 0009 and merchants 0009 then drop the old columns."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q, Subquery

import merchants.models
import webhooks.models

BATCH = 2000


def endpoints_and_deliveries(apps, schema_editor):
    Merchant = apps.get_model("merchants", "Merchant")
    Invoice = apps.get_model("invoices", "Invoice")
    Event = apps.get_model("invoices", "Event")
    Endpoint = apps.get_model("webhooks", "WebhookEndpoint")
    Delivery = apps.get_model("webhooks", "Delivery")
    Attempt = apps.get_model("webhooks", "DeliveryAttempt")

    tried = Attempt.objects.filter(event=OuterRef("pk"))
    owed = Event.objects.filter(
        Q(next_attempt_at__isnull=False)
        | Q(delivered_at__isnull=False)
        | Q(failed_at__isnull=False)
        | Exists(tried)
    )
    needing = (
        set(Merchant.objects.exclude(callback_url="").values_list("pk", flat=True))
        | set(Invoice.objects.exclude(callback_url="").values_list("merchant_id", flat=True))
        | set(owed.values_list("merchant_id", flat=True))
    )
    endpoints = {}
    for merchant in Merchant.objects.filter(pk__in=needing).iterator():
        endpoints[merchant.pk] = Endpoint.objects.create(
            merchant=merchant,
            url=merchant.callback_url,
            secret=merchant.callback_secret,
            previous_secret=merchant.previous_callback_secret,
            secret_rotated_at=merchant.callback_secret_rotated_at,
            failing_since=merchant.callback_failing_since,
            is_default=True,
            dialect="cryptogate",
            events=["*"],
            enabled=True,
            created_at=merchant.created_at,
        ).pk
    batch = []
    for event in owed.order_by().iterator(chunk_size=BATCH):
        batch.append(
            Delivery(
                event_id=event.pk,
                endpoint_id=endpoints[event.merchant_id],
                invoice_id=event.invoice_id,
                sequence=event.sequence,
                created_at=event.created_at,
                next_attempt_at=event.next_attempt_at,
                claimed_until=event.claimed_until,
                delivered_at=event.delivered_at,
                failed_at=event.failed_at,
            )
        )
        if len(batch) >= BATCH:
            Delivery.objects.bulk_create(batch)
            batch = []
    Delivery.objects.bulk_create(batch)
    Attempt.objects.update(
        delivery=Subquery(Delivery.objects.filter(event=OuterRef("event")).values("pk")[:1])
    )


def back_to_columns(apps, schema_editor):
    """Undone: the default endpoint back into the merchant's columns, its deliveries into
    the events' (other endpoints have no place there)."""
    Merchant = apps.get_model("merchants", "Merchant")
    Event = apps.get_model("invoices", "Event")
    Endpoint = apps.get_model("webhooks", "WebhookEndpoint")
    Delivery = apps.get_model("webhooks", "Delivery")
    for endpoint in Endpoint.objects.filter(is_default=True).iterator():
        Merchant.objects.filter(pk=endpoint.merchant_id).update(
            callback_url=endpoint.url,
            callback_secret=endpoint.secret,
            previous_callback_secret=endpoint.previous_secret,
            callback_secret_rotated_at=endpoint.secret_rotated_at,
            callback_failing_since=endpoint.failing_since,
        )
    # Re-adding the column gave every merchant the same default secret: one each.
    for merchant in Merchant.objects.exclude(
        pk__in=Endpoint.objects.filter(is_default=True).values("merchant_id")
    ).iterator():
        Merchant.objects.filter(pk=merchant.pk).update(
            callback_secret=merchants.models.new_callback_secret()
        )
    for delivery in Delivery.objects.filter(endpoint__is_default=True).iterator():
        Event.objects.filter(pk=delivery.event_id).update(
            next_attempt_at=delivery.next_attempt_at,
            claimed_until=delivery.claimed_until,
            delivered_at=delivery.delivered_at,
            failed_at=delivery.failed_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0008_idempotency_keys_for_every_mutating_post"),
        ("merchants", "0008_delivery_models_to_webhooks"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("url", models.URLField(blank=True, max_length=2000)),
                (
                    "secret",
                    models.CharField(default=merchants.models.new_callback_secret, max_length=100),
                ),
                ("previous_secret", models.CharField(blank=True, max_length=100)),
                ("secret_rotated_at", models.DateTimeField(blank=True, null=True)),
                ("enabled", models.BooleanField(default=True)),
                ("events", models.JSONField(default=webhooks.models.all_events)),
                (
                    "dialect",
                    models.CharField(
                        choices=[("cryptogate", "Cryptogate"), ("greenfield", "Greenfield")],
                        default="cryptogate",
                        max_length=16,
                    ),
                ),
                ("is_default", models.BooleanField(default=False)),
                ("failing_since", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "merchant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="webhook_endpoints",
                        to="merchants.merchant",
                    ),
                ),
            ],
            options={
                "ordering": ["-is_default", "created_at", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_default", True)),
                        fields=("merchant",),
                        name="one_default_endpoint",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Delivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sequence", models.PositiveIntegerField()),
                ("created_at", models.DateTimeField()),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("claimed_until", models.DateTimeField(blank=True, null=True)),
                ("delivered_at", models.DateTimeField(blank=True, null=True)),
                ("failed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="webhooks.webhookendpoint",
                    ),
                ),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="invoices.event",
                    ),
                ),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="invoices.invoice",
                    ),
                ),
            ],
            options={
                "ordering": ["sequence", "id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("next_attempt_at__isnull", False)),
                        fields=["next_attempt_at"],
                        name="delivery_due",
                    ),
                    models.Index(
                        condition=models.Q(("next_attempt_at__isnull", False)),
                        fields=["endpoint", "next_attempt_at"],
                        name="delivery_due_endpoint",
                    ),
                    models.Index(
                        fields=["invoice", "endpoint", "sequence"], name="delivery_queue"
                    ),
                    models.Index(
                        fields=["endpoint", "-created_at", "-id"], name="delivery_newest"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("event", "endpoint"), name="one_delivery_per_endpoint"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="deliveryattempt",
            name="delivery",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attempts",
                to="webhooks.delivery",
            ),
        ),
        migrations.DeleteModel(name="CallbackSlot"),
        migrations.CreateModel(
            name="CallbackSlot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("index", models.PositiveSmallIntegerField()),
                ("holder", models.CharField(blank=True, max_length=80)),
                ("lease_until", models.DateTimeField(blank=True, null=True)),
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="webhooks.webhookendpoint",
                    ),
                ),
            ],
            options={
                "db_table": "merchants_callbackslot",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("endpoint", "index"), name="one_callback_slot_per_endpoint_index"
                    )
                ],
            },
        ),
        migrations.RunPython(endpoints_and_deliveries, back_to_columns, elidable=False),
    ]
