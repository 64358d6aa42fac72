"""`manage.py demo`: the demo merchant, the same one every run, with the same API key (kept in
the key file) and an open invoice to try the checkout with; prints where everything is."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from invoices.models import Invoice, Kind, Status
from invoices.representation import invoice_payload
from invoices.services.creation import InvoiceRequest, create_invoice
from merchants.models import MODE_MARKERS, SCOPE_ADMIN, TEST, Merchant, MerchantAPIKey, MerchantUser
from merchants.services import create_api_key, create_merchant

DEMO_NAME = "Demo Store"
DEMO_KEY_NAME = "demo"
CHECKOUT_FOREIGN_ID = "demo-checkout"


def _reusable_key(merchant: Merchant, key_file: Path) -> str | None:
    """The key saved by an earlier run, if it is still this merchant's and valid."""
    if not key_file.exists():
        return None
    key = key_file.read_text().strip()
    prefix = key.partition(".")[0]
    for marker in MODE_MARKERS.values():
        prefix = prefix.removeprefix(marker)
    stored = MerchantAPIKey.objects.filter(merchant=merchant, revoked=False, prefix=prefix).first()
    return key if stored is not None and stored.is_valid(key) else None


def _issue_key(merchant: Merchant) -> str:
    """A new demo key; the earlier demo keys, whose clear text is lost, stop working."""
    MerchantAPIKey.objects.filter(merchant=merchant, name=DEMO_KEY_NAME).update(revoked=True)
    return create_api_key(merchant=merchant, name=DEMO_KEY_NAME, mode=TEST, scope=SCOPE_ADMIN)


def _checkout_invoice(merchant: Merchant) -> Invoice:
    """An open invoice the payer side can be tried with: the one of an earlier run while it
    waits for its payer, else a new one."""
    invoice = (
        Invoice.objects.filter(
            merchant=merchant,
            foreign_id__startswith=CHECKOUT_FOREIGN_ID,
            status=Status.NEW,
            selected_at__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )
    if invoice is not None:
        return invoice
    number = Invoice.objects.filter(
        merchant=merchant, foreign_id__startswith=CHECKOUT_FOREIGN_ID
    ).count()
    payload = create_invoice(
        merchant=merchant,
        request=InvoiceRequest(
            price_amount=2500,
            price_currency="USD",
            kind=Kind.OPEN,
            foreign_id=f"{CHECKOUT_FOREIGN_ID}-{number + 1}",
            description="Demo checkout",
            livemode=False,
        ),
        actor="system",
    )
    return Invoice.objects.get(pk=payload["id"])


def _login(merchant: Merchant, password: str) -> str:
    owner = merchant.users.select_related("user").filter(role=MerchantUser.OWNER).first()
    if owner is None:
        return "(no dashboard user)"
    if owner.user.check_password(password):
        return f"log in as {owner.user.email} / {password}"
    return f"log in as {owner.user.email} (password changed since the first run)"


class Command(BaseCommand):
    help = "Seed (or reuse) the demo merchant on the sandbox network and print its URLs."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="demo@example.com")
        parser.add_argument("--password", default="demo-password-123")
        parser.add_argument(
            "--key-file",
            default=str(settings.BASE_DIR / "var" / "demo-api-key"),
            help="where the API key is kept between runs",
        )

    def handle(self, email, password, key_file, **options):
        if not settings.SANDBOX:
            raise CommandError("the demo needs the sandbox network: set SANDBOX=1")
        key_file = Path(key_file)
        merchant = Merchant.objects.filter(name=DEMO_NAME).order_by("created_at").first()
        if merchant is None:
            merchant, _ = create_merchant(name=DEMO_NAME, email=email, password=password, mode=TEST)
            merchant.allowed_return_hosts = ["localhost", "127.0.0.1", "example.com"]
            merchant.save(update_fields=["allowed_return_hosts"])
            MerchantAPIKey.objects.filter(merchant=merchant).delete()  # the demo key instead
        key = _reusable_key(merchant, key_file) or _issue_key(merchant)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key + "\n")
        base = settings.PUBLIC_URL
        checkout = invoice_payload(_checkout_invoice(merchant))["payment_url"]
        self.stdout.write(f"""
Demo merchant ready: {merchant.name} ({merchant.id}), in test mode (sandbox play money)
  API key:     {key}   (also in {key_file})
  API:         {base}/api/v1/
  API docs:    {base}/api/docs/
  Checkout:    {checkout}
  Dashboard:   {base}/dashboard/   {_login(merchant, password)}

Try it:
  export KEY=$(cat {key_file})
  curl -s -X POST {base}/api/v1/invoices -H "Authorization: Bearer $KEY" \\
       -H "Content-Type: application/json" \\
       -d '{{"price_amount": "25.00", "price_currency": "USD",
            "pay_currency": "USDT", "network": "sandbox"}}'
""")
