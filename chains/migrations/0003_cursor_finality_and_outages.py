from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chains", "0002_cursor_capability_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="chaincursor",
            name="final_height",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="chaincursor",
            name="failures",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="chaincursor",
            name="failing_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="chaincursor",
            name="retry_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="chaincursor",
            name="failure_logged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
