"""DeliveryAttempt and CallbackSlot move here from merchants: state only. Their tables were
created by merchants' migrations and keep their names (Meta.db_table), so a database that
has them keeps every row; merchants 0008 drops them from merchants' state."""

import django.db.models.deletion
from django.db import migrations, models


def rename_content_types(apps, schema_editor):
    """Keep the permissions granted on the two models: their content types change app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="merchants",
                               model__in=["deliveryattempt", "callbackslot"]).update(
        app_label="webhooks")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("invoices", "0008_idempotency_keys_for_every_mutating_post"),
        ("merchants", "0007_delivery_attempt_request_id"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DeliveryAttempt",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                                   serialize=False, verbose_name="ID")),
                        ("url", models.URLField(max_length=2000)),
                        ("attempted_at", models.DateTimeField()),
                        ("manual", models.BooleanField(default=False)),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("duration_ms", models.PositiveIntegerField()),
                        ("response_body", models.TextField(blank=True)),
                        ("error", models.TextField(blank=True)),
                        ("request_id", models.CharField(blank=True, max_length=100)),
                        ("event", models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="delivery_attempts", to="invoices.event")),
                    ],
                    options={
                        "db_table": "merchants_deliveryattempt",
                        "ordering": ["attempted_at", "id"],
                        "indexes": [models.Index(fields=["event", "attempted_at"],
                                                 name="attempt_per_event")],
                    },
                ),
                migrations.CreateModel(
                    name="CallbackSlot",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                                   serialize=False, verbose_name="ID")),
                        ("index", models.PositiveSmallIntegerField()),
                        ("holder", models.CharField(blank=True, max_length=80)),
                        ("lease_until", models.DateTimeField(blank=True, null=True)),
                        ("merchant", models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE, related_name="+",
                            to="merchants.merchant")),
                    ],
                    options={
                        "db_table": "merchants_callbackslot",
                        "constraints": [models.UniqueConstraint(
                            fields=("merchant", "index"), name="one_callback_slot_per_index")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, migrations.RunPython.noop),
    ]
