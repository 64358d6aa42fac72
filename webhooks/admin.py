from django.contrib import admin

from webhooks.models import WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "merchant", "dialect", "enabled", "is_default", "failing_since"]
    list_filter = [("failing_since", admin.EmptyFieldListFilter), "dialect", "enabled"]
    search_fields = ["url", "merchant__name"]
    exclude = ["secret", "previous_secret"]
