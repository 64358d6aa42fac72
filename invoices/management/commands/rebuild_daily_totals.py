"""`manage.py rebuild_daily_totals`: count every invoice again into the overview's daily
totals (after invoices were written another way than the write path, e.g. restored or
bulk-loaded). Safe while the gateway runs: status writers wait for it."""

from typing import Any

from django.core.management.base import BaseCommand

from invoices.services.rollups import rebuild


class Command(BaseCommand):
    help = "Rebuild the dashboard overview's daily totals from the invoices."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{rebuild()} daily totals written")
