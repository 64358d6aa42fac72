"""What the metrics need that no other table keeps: how long payments took to be seen.

A histogram kept in the database (one row per network and bucket, incremented in place), so
the scanner's process writes it and any web process reports it: in-process counters would be
split between gunicorn workers and lost with each restart."""

from django.db import models

# Upper bounds in seconds of the detection-latency buckets (the last one is +Inf).
LATENCY_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class DetectionLatency(models.Model):
    """Payments first recorded `bucket` (an index into LATENCY_BUCKETS; len() for +Inf)
    after the chain says they were paid: their count and their seconds summed."""

    network = models.CharField(max_length=32)
    bucket = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "bucket"],
                                               name="one_latency_row_per_bucket")]
