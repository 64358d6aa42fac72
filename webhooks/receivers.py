"""How the webhooks app hears of new rows: the domain's and tenancy's signals, connected in
WebhooksConfig.ready. `event_recorded` arrives inside the transaction that records the event:
what its receivers write (deliveries, the team's notifications) commits with it, and what
they queue or wake waits for the commit, with a real function reference. Deliveries queue no
task: the commit wakes the delivery workers (webhooks.wakeups). A lost enqueue or wake-up
only waits for the workers' next look or the minute-ly schedule, which find every due row
anyway."""

from functools import cache

from django.db import transaction
from django_q import tasks as queue  # looked up at each call: tests hold the tasks
from django_q.brokers import Broker, get_broker

from invoices.models import Event
from invoices.signals import event_recorded
from merchants.models import Notification, TeamInvite
from merchants.signals import invite_created, notifications_written
from webhooks import callbacks, emails, notifications, receipts, wakeups


@cache
def _broker() -> Broker:
    """This process's one broker (django-q2 opens a connection to it per task otherwise)."""
    return get_broker()


def _enqueue(*args) -> None:
    """Queue a task on this process's broker."""
    queue.async_task(*args, broker=_broker())


def _on_commit(*args) -> None:
    """Queue a task once the transaction commits; a failing queue cannot fail a change that
    has committed (the sweeps find the rows)."""
    transaction.on_commit(lambda: _enqueue(*args), robust=True)


def write_deliveries(sender, event, **kwargs) -> None:
    """A Delivery per endpoint that wants the event (one INSERT); the delivery workers are
    woken once it commits."""
    if callbacks.create_deliveries(event):
        wakeups.notify_on_commit()


def write_notifications(sender, event, **kwargs) -> None:
    """The notifications the event makes for the merchant's team."""
    notifications.on_event(event)


def queue_payer_email(sender, event, **kwargs) -> None:
    """A refund's change may owe the payer their refund-claim e-mail, a completion their
    receipt; each queued once it commits."""
    if event.type == "refund_updated":
        _on_commit(emails.send_refund_claim_emails, event.invoice_id)
    elif event.type == "status_changed" and event.data.get("status") == "completed":
        _on_commit(receipts.send_receipts, event.invoice_id)


def queue_notifications(sender, **kwargs) -> None:
    _enqueue(notifications.send_due)


def queue_invite(sender, invite_id, **kwargs) -> None:
    _enqueue(emails.send_invite, invite_id)


def connect() -> None:
    event_recorded.connect(write_deliveries, sender=Event, dispatch_uid="webhooks.delivery")
    event_recorded.connect(
        write_notifications, sender=Event, dispatch_uid="webhooks.event_notifications"
    )
    event_recorded.connect(queue_payer_email, sender=Event, dispatch_uid="webhooks.payer_email")
    notifications_written.connect(
        queue_notifications, sender=Notification, dispatch_uid="webhooks.notifications"
    )
    invite_created.connect(queue_invite, sender=TeamInvite, dispatch_uid="webhooks.invite")
