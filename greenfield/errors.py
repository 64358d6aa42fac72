"""Errors in Greenfield's shape, on this layer only: a field's error is 422 with
`[{path, message}]` (ValidationProblemDetails), anything else `{code, message}`
(ProblemDetails) with its status. The API's handler (invoices.api.errors) first says what
the framework's exceptions mean; this renders its verdict the Greenfield way."""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.response import Response

from core.errors import GatewayError
from greenfield import shapes
from invoices.api import errors as api_errors

UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_ENTITY


def _flatten(detail, path=()) -> list[tuple[str, str]]:
    if isinstance(detail, dict):
        return [pair for k, v in detail.items() for pair in _flatten(v, (*path, str(k)))]
    if isinstance(detail, list):
        return [pair for item in detail for pair in _flatten(item, path)]
    return [(".".join(p for p in path if p != "non_field_errors"), str(detail))]


def field_error(path: str, message: str) -> Response:
    return Response(shapes.validation_problems([(path, message)]), status=UNPROCESSABLE)


def exception_handler(exc, context):
    if isinstance(exc, exceptions.ValidationError):
        return Response(shapes.validation_problems(_flatten(exc.detail)), status=UNPROCESSABLE)
    if isinstance(exc, GatewayError) and exc.param and exc.status in (400, UNPROCESSABLE):
        return field_error(exc.param, str(exc.message))
    response = api_errors.exception_handler(exc, context)
    if response is None:
        return None
    error = response.data["error"]
    headers = {k: v for k, v in response.items() if k in ("Retry-After", "WWW-Authenticate")}
    return Response(
        shapes.problem(error["code"], error["message"]),
        status=response.status_code,
        headers=headers,
    )
