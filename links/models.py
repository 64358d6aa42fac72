"""Payment links: a merchant's reusable page (`/l/<slug>`) where each payer who confirms gets
a fresh invoice, made by the same service as the API's."""

import secrets
import uuid

from django.db import models

from chains.fields import UnitsField
from invoices.models import Invoice
from merchants.models import Merchant, PayerEmail

SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read aloud, typed from paper


def new_slug() -> str:
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(10))


class PaymentLink(models.Model):
    """What a payer sees and may pay: a fixed price, or an amount they choose between a
    minimum and a maximum. Amounts are base units of `price_currency`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="links")
    slug = models.CharField(max_length=32, unique=True, default=new_slug)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # A small picture served from the database (no media storage to run); PNG, JPEG,
    # WebP or GIF only, by its bytes — never SVG, which could carry script.
    image = models.BinaryField(null=True, blank=True, editable=True)
    image_type = models.CharField(max_length=20, blank=True)
    price_currency = models.CharField(max_length=16)
    price_amount = UnitsField(null=True, blank=True)  # null: the payer chooses
    amount_min = UnitsField(null=True, blank=True)
    amount_max = UnitsField(null=True, blank=True)
    methods = models.JSONField(default=list, blank=True)  # "ASSET:network"; empty: all offered
    quantity_limit = models.PositiveIntegerField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    payer_email = models.CharField(max_length=8, choices=PayerEmail.choices, default=PayerEmail.OFF)
    active = models.BooleanField(default=True)
    # Made in the dashboard's test mode: its invoices are test invoices (test networks only).
    livemode = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["merchant", "-created_at"], name="link_newest")]

    def __str__(self):
        return self.name


class LinkInvoice(models.Model):
    """An invoice a payment link made: the link's list, volume and quantity count these."""

    link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="made")
    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="link_made")
