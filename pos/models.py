"""Point-of-sale terminals: a secret page (`/pos/<slug>`) a cashier opens at the counter to
charge payers, and the invoices each terminal made (the only ones it may read)."""

import secrets
import uuid

from django.db import models

from invoices.models import Invoice
from merchants.models import Merchant


def new_slug() -> str:
    """The terminal's secret: whoever holds the link can charge (and nothing else), so it is
    long enough not to be guessed, and rotating it kills the old link."""
    return secrets.token_urlsafe(24)


class Terminal(models.Model):
    """A counter's page: its currency, its short product list (name and price in base units
    of `currency`) and the tips it offers (percent as decimal strings, e.g. "12.5")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="pos_terminals")
    slug = models.CharField(max_length=64, unique=True, default=new_slug)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=16)
    products = models.JSONField(default=list, blank=True)  # [{"name": str, "price": units}]
    tip_percents = models.JSONField(default=list, blank=True)  # ["10", "15"]
    active = models.BooleanField(default=True)
    # Made in the dashboard's test mode: its invoices are test invoices (test networks only).
    livemode = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["merchant", "-created_at"], name="pos_newest")]

    def __str__(self):
        return self.name


class Sale(models.Model):
    """An invoice a terminal made: the terminal reads the status of these and no other."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="sales")
    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="pos_sale")
