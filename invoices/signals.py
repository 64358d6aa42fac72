"""What the domain tells the layers above it, without knowing them."""

from django.dispatch import Signal

# Sent once the transaction that recorded an outbox Event has committed (sender=Event;
# kwargs event_id, invoice_id, type). The webhooks app queues the delivery; if no one is
# listening, or the queue is down, the minute-ly sweep still finds the row.
event_recorded = Signal()
