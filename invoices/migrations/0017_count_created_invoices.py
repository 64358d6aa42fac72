"""The database counts each invoice it inserts into the overview's daily totals (a trigger,
in the INSERT's own transaction): creation then runs no statement of its own for them."""

from django.db import migrations

POSTGRESQL = """
CREATE FUNCTION invoices_count_created() RETURNS trigger AS $$
BEGIN
    INSERT INTO invoices_dailytotal
        (merchant_id, livemode, basis, day, status, price_currency, count, volume)
    VALUES (NEW.merchant_id, NEW.livemode, 'created', (NEW.created_at AT TIME ZONE 'UTC')::date,
            NEW.status, NEW.price_currency, 1, NEW.price_amount)
    ON CONFLICT (merchant_id, livemode, basis, day, status, price_currency) DO UPDATE
    SET count = invoices_dailytotal.count + 1,
        volume = invoices_dailytotal.volume + excluded.volume;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoices_count_created AFTER INSERT ON invoices_invoice
    FOR EACH ROW EXECUTE FUNCTION invoices_count_created();
"""
# SQLite keeps datetimes as UTC text; units_add is the exact sum of volumes kept as text
# (registered on each connection, invoices.apps).
SQLITE = """
CREATE TRIGGER invoices_count_created AFTER INSERT ON invoices_invoice
BEGIN
    INSERT INTO invoices_dailytotal
        (merchant_id, livemode, basis, day, status, price_currency, count, volume)
    VALUES (NEW.merchant_id, NEW.livemode, 'created', date(NEW.created_at), NEW.status,
            NEW.price_currency, 1, NEW.price_amount)
    ON CONFLICT (merchant_id, livemode, basis, day, status, price_currency) DO UPDATE
    SET count = count + 1, volume = units_add(volume, excluded.volume);
END;
"""
DROP = {
    "postgresql": "DROP TRIGGER invoices_count_created ON invoices_invoice; "
    "DROP FUNCTION invoices_count_created();",
    "sqlite": "DROP TRIGGER invoices_count_created;",
}


def create_trigger(apps, schema_editor):
    sql = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    schema_editor.execute(sql)


def drop_trigger(apps, schema_editor):
    schema_editor.execute(DROP[schema_editor.connection.vendor])


class Migration(migrations.Migration):
    dependencies = [("invoices", "0016_transaction_after_close")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
