"""Keyset pagination, newest first, on (created_at, id): each page is one indexed range
read however deep the listing goes, and rows inserted meanwhile never shift a page."""

import base64
from datetime import UTC, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework.exceptions import ValidationError

PAGE_SIZE, MAX_PAGE_SIZE = 50, 100


def _encode(row) -> str:
    raw = f"{row.created_at.isoformat()}|{row.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


MAX_BIGINT = 2**63 - 1


def in_range(moment: datetime) -> datetime:
    """The moment in UTC, or ValueError when it has no UTC form a database can store (an
    aware time at the edge of year 1 or 9999 overflows on conversion)."""
    if moment.tzinfo is None:
        raise ValueError("no timezone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


def _decode(cursor: str, pk_field):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk = raw.split("|")
        pk = pk_field.to_python(pk)
        if isinstance(pk, int) and not 0 < pk <= MAX_BIGINT:
            raise ValueError("id out of range")
        return in_range(datetime.fromisoformat(created)), pk
    except (ValueError, DjangoValidationError):
        raise ValidationError({"cursor": ["this cursor is not one the API gave"]}) from None


def keyset_page(queryset, params) -> tuple[list, bool, str | None]:
    """(rows, has_more, next_cursor) for the `cursor` and `limit` query parameters."""
    queryset = queryset.order_by("-created_at", "-pk")
    if cursor := params.get("cursor"):
        created, pk = _decode(cursor, queryset.model._meta.pk)
        queryset = queryset.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    try:
        limit = min(max(int(params.get("limit", PAGE_SIZE)), 1), MAX_PAGE_SIZE)
    except ValueError:
        raise ValidationError({"limit": [f"a number from 1 to {MAX_PAGE_SIZE}"]}) from None
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, more, _encode(rows[-1]) if more else None
