from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Delivery from the outbox: callbacks, their attempts, the e-mails the outbox sends and
    the events API. The domain only records events (invoices.signals.event_recorded); this
    app queues their delivery."""

    name = "webhooks"

    def ready(self) -> None:
        from webhooks import receivers

        receivers.connect()
