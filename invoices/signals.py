"""What the domain tells the layers above it, without knowing them."""

from django.dispatch import Signal

# Sent by record_event inside the transaction that records an outbox Event (sender=Event;
# kwargs `event`, the saved row). Receivers write their own rows in that transaction (the
# webhooks app: a Delivery per endpoint, the team's notifications), so a change and what it
# owes commit or roll back together; a receiver that queues work does so on commit. If the
# queue is down, the minute-ly sweep still finds the rows.
event_recorded = Signal()
