from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Delivery from the outbox: webhook endpoints, a delivery per event and endpoint with
    its attempts, the e-mails the outbox sends and the events API. The domain only records
    events (invoices.signals.event_recorded); this app writes their deliveries and the
    team's notifications in the same transaction and queues the sending."""

    name = "webhooks"

    def ready(self) -> None:
        from webhooks import receivers

        receivers.connect()
