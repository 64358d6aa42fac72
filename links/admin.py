from django.contrib import admin

from links.models import PaymentLink


@admin.register(PaymentLink)
class PaymentLinkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "merchant", "price_currency", "active", "ends_at", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "slug"]
    exclude = ["image"]
