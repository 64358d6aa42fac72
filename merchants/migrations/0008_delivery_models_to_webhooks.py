"""DeliveryAttempt and CallbackSlot now belong to the webhooks app (its 0001 takes them into
its state): dropped from merchants' state only, their tables stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("merchants", "0007_delivery_attempt_request_id"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DeliveryAttempt"),
                migrations.DeleteModel(name="CallbackSlot"),
            ],
            database_operations=[],
        ),
    ]
