import json

from django.core.management.base import BaseCommand, CommandError

from merchants.services import create_merchant


class Command(BaseCommand):
    help = "Create a merchant and print its id and first API key as one JSON object."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default="")

    def handle(self, name, email, password, **options):
        if bool(email) != bool(password):
            raise CommandError("give both --email and --password for a dashboard login")
        merchant, key = create_merchant(name, email=email, password=password)
        self.stdout.write(json.dumps({"merchant_id": str(merchant.id), "api_key": key}))
