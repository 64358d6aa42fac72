from django.contrib import admin

from pos.models import Terminal


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "currency", "active", "livemode", "created_at"]
    list_filter = ["active", "livemode"]
    search_fields = ["name"]
    exclude = ["slug"]  # the secret is rotated from the dashboard, never shown here
