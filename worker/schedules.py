"""The background schedule, kept in django-q2's Schedule table (written after migrate)."""

from django.conf import settings

from invoices.api import idempotency
from worker import tasks

SCHEDULES = {
    # name: (function, every N minutes)
    "scan all networks": (tasks.scan_all, 1),
    "expire and time out invoices": (tasks.sweep, 1),
    "refresh rates": (tasks.refresh_rates, 1),
    "mine a sandbox block": (tasks.sandbox_mine, 1),
    "deliver due callbacks": (tasks.deliver_due_callbacks, 1),
    "send payer e-mails": (tasks.send_payer_emails, 1),
    "send receipts": (tasks.send_receipts, 1),
    "send notification e-mails": (tasks.send_notifications, 1),
    "collect forwarder deposits": (tasks.collect_forwarders, 10),
    "forget idempotency keys older than 24 h": (idempotency.prune, 60),
}


def dotted_path(func) -> str:
    """What django-q2 stores of a function: the path its workers import it by."""
    return f"{func.__module__}.{func.__name__}"


def ensure_schedules(**kwargs) -> None:
    """Rows are matched by name, so a database made before a function moved gets its new
    path on the next migrate."""
    from django_q.models import Schedule

    for name, (func, minutes) in SCHEDULES.items():
        if func is tasks.sandbox_mine and not settings.SANDBOX:
            Schedule.objects.filter(name=name).delete()
            continue
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": dotted_path(func),
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "repeats": -1,
            },
        )
