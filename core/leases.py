"""Row leases: a worker takes a row's lease before working on it, so two workers never work
on it at once, and a worker that dies only delays the row until its lease runs out.

A lease is a column holding its expiry (null or past: free) and, where the holder must be
told apart — it renews and releases its own lease, and learns when another took it over —
a column holding the holder's token. Each step is one conditional UPDATE, so of two racing
workers exactly one wins on any database, and no transaction is held open meanwhile.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

_M = TypeVar("_M", bound=Model)


def owner_token() -> str:
    """A holder's token, its own even among the threads of one process; the host and the
    process id say whose it is when one reads the table."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Lease:
    """The lease columns of a table: `until` the expiry, `owner` the holder's token (None
    when holders need not be told apart: whoever holds the row releases it)."""

    until: str
    owner: str | None = None

    def free(self, now: datetime) -> Q:
        """Rows no one holds at `now`: never leased, released, or the lease ran out."""
        return Q(**{f"{self.until}__isnull": True}) | Q(**{f"{self.until}__lte": now})

    def take(
        self, rows: QuerySet[_M], *, now: datetime, duration: timedelta, owner: str = ""
    ) -> bool:
        """Lease the one row `rows` selects until `now + duration`, if no one holds it."""
        changes: dict[str, object] = {self.until: now + duration}
        if self.owner is not None:
            if not owner:
                raise ValueError(f"a lease on {self.owner} is taken under an owner token")
            changes[self.owner] = owner
        return rows.filter(self.free(now)).update(**changes) == 1

    def held(self, rows: QuerySet[_M], owner: str) -> QuerySet[_M]:
        """The rows of `rows` that `owner` holds (whether or not the lease ran out: it is
        still theirs until another takes it)."""
        if self.owner is None:
            raise TypeError("this lease has no owner column")
        return rows.filter(**{self.owner: owner})

    def renew(self, rows: QuerySet[_M], *, owner: str, now: datetime, duration: timedelta) -> bool:
        """Extend `owner`'s lease to `now + duration`; False when another holder took it."""
        return self.held(rows, owner).update(**{self.until: now + duration}) > 0

    def release(self, rows: QuerySet[_M], *, owner: str | None = None, **changes: object) -> int:
        """Free the rows (only `owner`'s, when given), writing `changes` in the same UPDATE.
        Returns how many were released."""
        if owner is not None:
            rows = self.held(rows, owner)
        cleared: dict[str, object] = {self.until: None}
        if self.owner is not None:
            cleared[self.owner] = ""
        return rows.update(**cleared, **changes)
