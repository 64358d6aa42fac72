from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InvoicesConfig(AppConfig):
    name = "invoices"

    def ready(self):
        from invoices.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)
