import json

from django.core.management.base import BaseCommand, CommandError

from merchants.models import LIVE, SCOPE_ADMIN, SCOPE_INVOICES, TEST
from merchants.services import create_merchant


class Command(BaseCommand):
    help = "Create a merchant and print its id and first API key as one JSON object."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default="")
        parser.add_argument(
            "--mode",
            choices=[LIVE, TEST],
            default=LIVE,
            help="live (real payments) or test (play money: the sandbox and test networks)",
        )
        parser.add_argument(
            "--scope",
            choices=[SCOPE_ADMIN, SCOPE_INVOICES],
            default=SCOPE_ADMIN,
            help="what the key may do (default: admin)",
        )

    def handle(self, name, email, password, mode, scope, **options):
        if bool(email) != bool(password):
            raise CommandError("give both --email and --password for a dashboard login")
        merchant, key = create_merchant(
            name=name, email=email, password=password, mode=mode, scope=scope
        )
        self.stdout.write(json.dumps({"merchant_id": str(merchant.id), "api_key": key}))
