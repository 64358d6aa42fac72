from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin

from merchants.models import (
    Merchant,
    MerchantAPIKey,
    MerchantUser,
    Notification,
    SettingsChange,
    TeamInvite,
    Wallet,
)


class WalletInline(admin.TabularInline):
    model = Wallet
    extra = 0


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "created_at"]
    search_fields = ["name", "id"]
    inlines = [WalletInline]


@admin.register(MerchantAPIKey)
class MerchantAPIKeyAdmin(APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "merchant", "mode", "scope", "last_used_at"]
    list_filter = [*APIKeyModelAdmin.list_filter, "mode", "scope"]


@admin.register(MerchantUser)
class MerchantUserAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant", "role", "language"]


@admin.register(TeamInvite)
class TeamInviteAdmin(admin.ModelAdmin):
    list_display = ["email", "merchant", "role", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_hash"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The team's e-mail outbox: what waits, what failed and why (a mail server outage)."""

    list_display = [
        "kind",
        "to_email",
        "merchant",
        "created_at",
        "attempts",
        "sent_at",
        "next_attempt_at",
    ]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to_email", "key"]
    readonly_fields = [field.name for field in Notification._meta.fields]


@admin.register(SettingsChange)
class SettingsChangeAdmin(admin.ModelAdmin):
    """The audit trail of wallet and callback changes: read-only, like any record."""

    list_display = ["created_at", "merchant", "what", "detail", "actor", "old_value", "new_value"]
    list_filter = ["what"]
    search_fields = ["merchant__name", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
