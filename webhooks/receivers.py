"""How the outbox hears of new rows: the domain's and tenancy's signals, connected in
WebhooksConfig.ready. Each queues the sending with a real function reference; a lost
enqueue only waits for the minute-ly schedule, which finds every due row anyway."""

from django.db.models.signals import post_save
from django_q import tasks as queue  # looked up at each call: tests hold the tasks

from invoices.models import Event
from invoices.signals import event_recorded
from merchants.models import Notification, TeamInvite
from merchants.signals import invite_created, notifications_written
from webhooks import callbacks, emails, notifications, receipts


def queue_delivery(sender, invoice_id, **kwargs) -> None:
    """Deliver the invoice's due callbacks, in order."""
    queue.async_task(callbacks.deliver_invoice_events, invoice_id)


def queue_payer_email(sender, invoice_id, type, **kwargs) -> None:
    """A refund's change may owe the payer their refund-claim e-mail, a completion their
    receipt."""
    if type == "refund_updated":
        queue.async_task(emails.send_refund_claim_emails, invoice_id)
    elif type == "status_changed":  # a completion owes the payer their receipt
        queue.async_task(receipts.send_receipts, invoice_id)


def queue_notifications(sender, **kwargs) -> None:
    queue.async_task(notifications.send_due)


def queue_invite(sender, invite_id, **kwargs) -> None:
    queue.async_task(emails.send_invite, invite_id)


def write_event_notifications(sender, instance, created, raw=False, **kwargs) -> None:
    """An outbox event may tell the team something: the notification is written in the
    event's own transaction."""
    if created and not raw:
        notifications.on_event(instance)


def connect() -> None:
    event_recorded.connect(queue_delivery, sender=Event, dispatch_uid="webhooks.delivery")
    event_recorded.connect(queue_payer_email, sender=Event, dispatch_uid="webhooks.payer_email")
    notifications_written.connect(
        queue_notifications, sender=Notification, dispatch_uid="webhooks.notifications"
    )
    invite_created.connect(queue_invite, sender=TeamInvite, dispatch_uid="webhooks.invite")
    post_save.connect(
        write_event_notifications, sender=Event, dispatch_uid="webhooks.event_notifications"
    )
