"""What tenancy tells the layers above it, without knowing them."""

from django.dispatch import Signal

# Sent once a transaction that wrote Notification rows has committed (sender=Notification):
# the webhooks app queues their sending at once, the minute-ly schedule sends them anyway.
notifications_written = Signal()

# Sent once the transaction that created a TeamInvite has committed (sender=TeamInvite,
# invite_id=...): the webhooks app queues the invitation e-mail.
invite_created = Signal()
