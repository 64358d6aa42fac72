"""Delivery state leaves the outbox: webhooks 0002 copied it into a Delivery per endpoint."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0010_refund_payout_on_chain"),
        ("webhooks", "0002_endpoints_and_deliveries"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="event", name="event_to_deliver"),
        migrations.RemoveIndex(model_name="event", name="event_to_deliver_merchant"),
        migrations.RemoveField(model_name="event", name="claimed_until"),
        migrations.RemoveField(model_name="event", name="delivered_at"),
        migrations.RemoveField(model_name="event", name="failed_at"),
        migrations.RemoveField(model_name="event", name="next_attempt_at"),
    ]
