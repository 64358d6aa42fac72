"""The background schedule, kept in django-q2's Schedule table (created after migrate)."""

from django.conf import settings

SCHEDULES = {
    # name: (function, every N minutes)
    "scan all networks": ("invoices.tasks.scan_all", 1),
    "expire and time out invoices": ("invoices.tasks.sweep", 1),
    "refresh rates": ("invoices.tasks.refresh_rates", 1),
    "mine a sandbox block": ("invoices.tasks.sandbox_mine", 1),
    "deliver due callbacks": ("invoices.tasks.deliver_due_callbacks", 1),
    "send payer e-mails": ("invoices.tasks.send_payer_emails", 1),
    "send notification e-mails": ("invoices.tasks.send_notifications", 1),
    "forget idempotency keys older than 24 h": ("invoices.api.idempotency.prune", 60),
}


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    for name, (func, minutes) in SCHEDULES.items():
        if func.endswith("sandbox_mine") and not settings.SANDBOX:
            Schedule.objects.filter(name=name).delete()
            continue
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": Schedule.MINUTES,
                                 "minutes": minutes, "repeats": -1})
