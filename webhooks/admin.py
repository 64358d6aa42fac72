from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from webhooks.endpoints import keep_creation_flag
from webhooks.models import WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "merchant", "dialect", "enabled", "is_default", "failing_since"]
    list_filter = [("failing_since", admin.EmptyFieldListFilter), "dialect", "enabled"]
    search_fields = ["url", "merchant__name"]
    exclude = ["secret", "previous_secret"]

    # An edit here changes what a merchant's endpoints want, as webhooks.endpoints' do.

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        keep_creation_flag(obj.merchant_id)
        if (moved_from := form.initial.get("merchant")) not in (None, obj.merchant_id):
            keep_creation_flag(moved_from)

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        super().delete_model(request, obj)
        keep_creation_flag(obj.merchant_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        merchants = set(queryset.values_list("merchant_id", flat=True))
        super().delete_queryset(request, queryset)
        for merchant_id in merchants:
            keep_creation_flag(merchant_id)
