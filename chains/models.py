"""What the gateway remembers of each chain: scan cursors and recent block hashes, and the
sandbox network's own ledger."""

from django.db import models

from chains.fields import UnitsField


class ChainCursor(models.Model):
    """How far a network has been scanned. The lease lets one scanner at a time work on a
    network across all worker processes without holding a database transaction open."""

    network = models.CharField(max_length=32, primary_key=True)
    height = models.BigIntegerField(null=True)
    hash = models.CharField(max_length=128, blank=True)
    node_tip = models.BigIntegerField(null=True)  # the node's tip at the last scan
    # The highest block the node called final at the last scan, where it says (TRON's
    # solidified block, when payments wait for it): None when depth alone decides.
    final_height = models.BigIntegerField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True)
    last_scan_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)
    # A node outage (chains.scanner): failed scans in a row, since when, when the next
    # attempt is due (the backoff) and when the failure was last logged (once a minute).
    failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    failure_logged_at = models.DateTimeField(null=True, blank=True)
    # What the node cannot show (no tracing: internal transfers unseen; no mempool API…), as
    # its backend said at the last successful scan: shown in the admin and the dashboard.
    notices = models.JSONField(default=list, blank=True)


class ScannedBlock(models.Model):
    """Hashes of recently scanned blocks, to find the fork point of a reorganisation."""

    network = models.CharField(max_length=32)
    height = models.BigIntegerField()
    hash = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "height"], name="one_scanned_block_per_height"
            )
        ]


class SandboxBlock(models.Model):
    height = models.BigIntegerField(primary_key=True)
    hash = models.CharField(max_length=64, unique=True)
    parent_hash = models.CharField(max_length=64)
    mined_at = models.DateTimeField()


class SandboxTransfer(models.Model):
    """A sandbox payment: in the mempool until a block is mined over it."""

    txid = models.CharField(max_length=64)
    index = models.PositiveIntegerField(default=0)
    to_address = models.CharField(max_length=128, db_index=True)
    asset = models.CharField(max_length=16)
    amount = UnitsField()
    sender = models.CharField(max_length=128)
    block = models.ForeignKey(
        SandboxBlock, null=True, on_delete=models.CASCADE, related_name="transfers"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["txid", "index"], name="one_sandbox_output")]
