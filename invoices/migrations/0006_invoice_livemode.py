from django.db import migrations, models


def sandbox_invoices_are_test(apps, schema_editor):
    """An invoice whose chosen method is the sandbox was play money all along."""
    Invoice = apps.get_model("invoices", "Invoice")
    Invoice.objects.filter(quote__network="sandbox").update(livemode=False)


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0005_payment_ledger'),
    ]

    operations = [
        migrations.AddField(
            model_name='invoice',
            name='livemode',
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(sandbox_invoices_are_test, migrations.RunPython.noop),
        # Listings are per mode: the newest-first index carries it.
        migrations.RemoveIndex(
            model_name='invoice',
            name='invoice_newest',
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['merchant', '-created_at', '-id', 'livemode'],
                               name='invoice_newest'),
        ),
    ]
