"""`Idempotency-Key` for every mutating POST, as one decorator on the view method.

The key's row is inserted (unique per merchant and key) *before* the action runs, so of
concurrent retries exactly one runs it; the others wait on the unique index until its
transaction ends, then get a 409 while it is running (a view outside the request's
transaction), or the stored first response once it has finished. A 400 (the request was
refused before anything started) or a 5xx (nothing was changed) releases the key, so a
corrected or later retry may run; every other answer is stored and replayed for 24 h.

On the way of every keyed request, claiming and storing are one plain statement each
(INSERT … ON CONFLICT DO NOTHING RETURNING, UPDATE): no savepoint, no ORM compiling.
"""

import hashlib
import json
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import connection
from django.db.models import Field
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.errors import ErrorCode, GatewayError
from invoices.api.schema import IDEMPOTENCY_KEY
from invoices.models import IdempotencyKey

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
MAX_LENGTH = 255
CLAIM_TRIES = 3


def fingerprint(request) -> str:
    """The request as the key promises it: the key's mode (a test key never replays a live
    answer), method, path and the parsed JSON body (so key order and whitespace do not make
    another request)."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"))
    signed = f"{request.auth.mode} {request.method} {request.path}\n{body}"
    return hashlib.sha256(signed.encode()).hexdigest()


def stores(status: int) -> bool:
    return status < 500 and status != 400


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is not None and not 1 <= len(key.strip()) <= MAX_LENGTH:
        raise ValidationError({HEADER: [f"1 to {MAX_LENGTH} characters"]})
    return key


_TABLE = IdempotencyKey._meta.db_table
_CLAIM = (
    f'INSERT INTO {_TABLE} (merchant_id, "key", request_hash, created_at) '
    'VALUES (%s, %s, %s, %s) ON CONFLICT (merchant_id, "key") DO NOTHING RETURNING id'
)
_STORE = f"UPDATE {_TABLE} SET response_status = %s, response = %s WHERE id = %s"


def _prepared(field: str, value: object) -> Any:
    column = IdempotencyKey._meta.get_field(field)
    assert isinstance(column, Field)  # a column of the table, not a relation's other side
    return column.get_db_prep_value(value, connection)


def _insert(merchant, key: str, request_hash: str) -> int | None:
    """The new row's id, or None when the merchant's key has a row already."""
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM,
            [
                _prepared("merchant", merchant.pk),
                key,
                request_hash,
                _prepared("created_at", timezone.now()),
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _store(claimed: int, response: Response) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _STORE, [response.status_code, _prepared("response", response.data), claimed]
        )


def _claim(merchant, key: str, request_hash: str) -> int | Response:
    """The id of the new row to fill in, or the stored response to replay."""
    for _ in range(CLAIM_TRIES):
        claimed = _insert(merchant, key, request_hash)
        if claimed is not None:
            return claimed
        stored = IdempotencyKey.objects.filter(merchant=merchant, key=key).first()
        if stored is None:
            continue  # released (a 400 or 5xx) between our insert and this read
        if stored.created_at < timezone.now() - TTL:
            stored.delete()  # expired, not pruned yet: the key is free again
            continue
        if stored.request_hash != request_hash:
            raise GatewayError(ErrorCode.IDEMPOTENCY_KEY_REUSED, HEADER)
        if stored.response_status is None:
            break
        return Response(
            stored.response, status=stored.response_status, headers={"Idempotent-Replayed": "true"}
        )
    raise GatewayError(ErrorCode.IDEMPOTENCY_KEY_IN_USE, HEADER)


def _release(claimed: int) -> None:
    IdempotencyKey.objects.filter(pk=claimed).delete()


def idempotent(handler):
    """Make a view's POST honour `Idempotency-Key` (and document the header)."""

    @wraps(handler)
    def wrapped(view, request, *args, **kwargs):
        key = _key(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        claimed = _claim(request.user, key, fingerprint(request))
        if isinstance(claimed, Response):
            return claimed
        try:
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:
                response = view.handle_exception(exc)  # re-raises what it cannot render
        except BaseException:
            _release(claimed)
            raise
        if stores(response.status_code):
            _store(claimed, response)
        else:
            _release(claimed)
        return response

    wrapped.idempotent = True
    return extend_schema(parameters=[IDEMPOTENCY_KEY])(wrapped)


def prune(now=None) -> int:
    """Forget keys older than 24 h (scheduled hourly); returns how many."""
    cutoff = (now or timezone.now()) - TTL
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
