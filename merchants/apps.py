from django.apps import AppConfig
from django.db.models.signals import post_save


def _event_written(sender, instance, created, raw=False, **kwargs):
    """An outbox event may tell the team something (merchants.notifications): the
    notification is written in the event's own transaction."""
    if created and not raw:
        from merchants import notifications

        notifications.on_event(instance)


class MerchantsConfig(AppConfig):
    name = "merchants"

    def ready(self):
        post_save.connect(_event_written, sender="invoices.Event",
                          dispatch_uid="merchants.notifications")
