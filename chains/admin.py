from django.contrib import admin

from chains.models import ChainCursor


@admin.register(ChainCursor)
class ChainCursorAdmin(admin.ModelAdmin):
    """Network health for operators: how far each network is scanned, its last error (an
    outage: since when, how many failed scans in a row, the next attempt), and what its node
    cannot show (the capability notices of the last scan)."""

    list_display = [
        "network",
        "height",
        "node_tip",
        "lag",
        "last_scan_at",
        "last_error",
        "node_notices",
    ]
    readonly_fields = [
        "network",
        "height",
        "hash",
        "node_tip",
        "final_height",
        "lease_owner",
        "lease_until",
        "last_scan_at",
        "last_error",
        "failures",
        "failing_since",
        "retry_at",
        "node_notices",
    ]
    exclude = ["notices", "failure_logged_at"]

    @admin.display(description="blocks behind")
    def lag(self, cursor):
        if cursor.height is None or cursor.node_tip is None:
            return None
        return cursor.node_tip - cursor.height

    @admin.display(description="node cannot show")
    def node_notices(self, cursor):
        return "; ".join(cursor.notices) or "-"
