from django.contrib import admin

from chains.models import ChainCursor


@admin.register(ChainCursor)
class ChainCursorAdmin(admin.ModelAdmin):
    """Network health for operators: how far each network is scanned and its last error."""

    list_display = ["network", "height", "node_tip", "lag", "last_scan_at", "last_error"]
    readonly_fields = ["network", "height", "hash", "node_tip", "lease_owner", "lease_until",
                       "last_scan_at", "last_error"]

    @admin.display(description="blocks behind")
    def lag(self, cursor):
        if cursor.height is None or cursor.node_tip is None:
            return None
        return cursor.node_tip - cursor.height
