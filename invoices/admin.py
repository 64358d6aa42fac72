from django.conf import settings
from django.contrib import admin
from django.utils import timezone

from invoices.models import Event, Invoice, Quote, Rate, Refund, Transaction


class TransactionInline(admin.TabularInline):
    model = Transaction
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in Transaction._meta.fields]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "merchant",
        "status",
        "status_context",
        "price_amount",
        "price_currency",
        "created_at",
        "archived",
    ]
    list_filter = ["status", "kind", "archived"]
    search_fields = ["id", "foreign_id", "quotes__address", "transactions__txid"]
    readonly_fields = [f.name for f in Invoice._meta.fields]
    inlines = [TransactionInline]
    show_full_result_count = False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["invoice", "asset", "network", "due_amount", "address"]
    search_fields = ["address", "invoice__id"]


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["id", "invoice", "asset", "network", "amount", "status", "created_at"]
    list_filter = ["status"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "merchant", "invoice", "type", "sequence", "created_at"]
    list_filter = ["type"]


@admin.register(Rate)
class RateAdmin(admin.ModelAdmin):
    """Rate freshness: a rate older than RATE_MAX_AGE_SECONDS is not quoted."""

    list_display = ["base", "quote", "value", "source", "fetched_at", "fresh"]

    @admin.display(boolean=True)
    def fresh(self, rate):
        return (timezone.now() - rate.fetched_at).total_seconds() <= settings.RATE_MAX_AGE_SECONDS
