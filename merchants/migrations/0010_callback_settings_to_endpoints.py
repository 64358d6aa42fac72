"""The callback URL, secrets and failing flag are the default webhook endpoint's now
(webhooks 0002 copied them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0009_merchant_payer_email"),
        ("webhooks", "0002_endpoints_and_deliveries"),
    ]

    operations = [
        migrations.RemoveField(model_name="merchant", name="callback_failing_since"),
        migrations.RemoveField(model_name="merchant", name="callback_secret"),
        migrations.RemoveField(model_name="merchant", name="callback_secret_rotated_at"),
        migrations.RemoveField(model_name="merchant", name="callback_url"),
        migrations.RemoveField(model_name="merchant", name="previous_callback_secret"),
    ]
