from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class WorkerConfig(AppConfig):
    """django-q2's entry points, the schedule and the worker's commands (`qcluster`, which
    wraps django-q2's, and `scan`)."""

    name = "worker"

    def ready(self) -> None:
        from worker.schedules import ensure_schedules

        # After django-q2's own tables are migrated (this app has no models, so Django sends
        # it no post_migrate of its own).
        post_migrate.connect(
            ensure_schedules,
            sender=apps.get_app_config("django_q"),
            dispatch_uid="worker.ensure_schedules",
        )
