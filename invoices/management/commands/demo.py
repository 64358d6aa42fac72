from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from invoices import rates
from merchants.models import SCOPE_ADMIN, TEST, Merchant
from merchants.services import create_api_key, create_merchant

DEMO_NAME = "Demo Store"


class Command(BaseCommand):
    help = "Seed a demo merchant on the sandbox network and print its API key and URLs."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="demo@example.com")
        parser.add_argument("--password", default="demo-password-123")
        parser.add_argument("--key-file", default="",
                            help="also write the API key to this file (for scripts)")

    def handle(self, email, password, key_file, **options):
        if not settings.SANDBOX:
            raise CommandError("the demo needs the sandbox network: set SANDBOX=1")
        rates.refresh_rates()
        merchant = Merchant.objects.filter(name=DEMO_NAME).first()
        if merchant is None:
            merchant, key = create_merchant(DEMO_NAME, email=email, password=password,
                                            mode=TEST)
            merchant.allowed_return_hosts = ["localhost", "127.0.0.1", "example.com"]
            merchant.save(update_fields=["allowed_return_hosts"])
        else:
            key = create_api_key(merchant, name="demo", mode=TEST, scope=SCOPE_ADMIN)
        if key_file:
            with open(key_file, "w") as fh:
                fh.write(key + "\n")
        base = settings.PUBLIC_URL
        self.stdout.write(f"""
Demo merchant ready: {merchant.name} ({merchant.id}), in test mode (sandbox play money)
  API key:     {key}
  API:         {base}/api/v1/
  API docs:    {base}/api/docs/
  Admin:       {base}/admin/
  Dashboard login: {email} / {password}

Try it:
  export KEY={key}
  curl -s -X POST {base}/api/v1/invoices -H "Authorization: Bearer $KEY" \\
       -H "Content-Type: application/json" \\
       -d '{{"price_amount": "25.00", "price_currency": "USD",
            "pay_currency": "USDT", "network": "sandbox"}}'
""")
