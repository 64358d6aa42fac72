from typing import Any

from django.apps import AppConfig
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created


def _sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """SQLite's exact sum of volumes stored as text, for the daily totals' UPSERT."""
    if connection.vendor == "sqlite":
        from invoices.services.rollups import units_add

        connection.connection.create_function("units_add", 2, units_add, deterministic=True)


class InvoicesConfig(AppConfig):
    name = "invoices"

    def ready(self) -> None:
        connection_created.connect(_sqlite_functions)
