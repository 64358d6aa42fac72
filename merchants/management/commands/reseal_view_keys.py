"""After rotating SECRET_KEY (the old one moved to SECRET_KEY_FALLBACKS), seal the stored
Monero view keys under the new key, so the fallback can be removed (README, Backups)."""

from django.core.management.base import BaseCommand, CommandError

from core.sealed import UnsealError
from merchants.services import reseal_view_keys


class Command(BaseCommand):
    help = "Seal every stored Monero view key again under the current SECRET_KEY."

    def handle(self, **options: object) -> None:
        try:
            count = reseal_view_keys()
        except UnsealError as exc:
            raise CommandError(f"{exc} Put the old key in SECRET_KEY_FALLBACKS.") from exc
        self.stdout.write(f"{count} view key(s) sealed again under the current SECRET_KEY.")
