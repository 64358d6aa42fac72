"""Every API error in one shape, `representation.ErrorResponse`."""

from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from chains.hd import InvalidXpub
from invoices.lifecycle import TransitionNotAllowed
from invoices.representation import ApiError, ErrorResponse
from invoices.services.errors import ServiceError
from merchants.auth import InsufficientScope

_BY_CLASS = [
    (exceptions.ParseError, "invalid_request", "malformed_json"),
    (exceptions.UnsupportedMediaType, "invalid_request", "unsupported_media_type"),
    (exceptions.NotAuthenticated, "authentication_error", "missing_api_key"),
    (exceptions.AuthenticationFailed, "authentication_error", "invalid_api_key"),
    (InsufficientScope, "permission_error", "insufficient_scope"),
    (exceptions.PermissionDenied, "permission_error", "forbidden"),
    (exceptions.NotFound, "invalid_request", "not_found"),
    (exceptions.MethodNotAllowed, "invalid_request", "method_not_allowed"),
    (exceptions.NotAcceptable, "invalid_request", "not_acceptable"),
    (exceptions.Throttled, "rate_limit_error", "rate_limited"),
]


def error_body(type_: str, code: str, message: str, param: str | None = None) -> dict:
    return ErrorResponse.render(ApiError(type_, code, message, param))


def _first_validation_error(detail, path=()):
    """The first (field path, ErrorDetail) of DRF's nested validation detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            return _first_validation_error(value, (*path, str(key)))
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], path)
    return ".".join(p for p in path if p != "non_field_errors") or None, detail


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.type, exc.code, exc.message, exc.param), status=exc.status)
    if isinstance(exc, TransitionNotAllowed):
        return Response(
            error_body("invalid_request", "invalid_state", str(exc)),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, InvalidXpub):
        return Response(
            error_body("invalid_request", "invalid_xpub", str(exc), "xpub"),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.ValidationError):
        param, detail = _first_validation_error(exc.detail)
        code = getattr(detail, "code", None) or "invalid"
        message = f"{param}: {detail}" if param and code != "unknown_field" else str(detail)
        return Response(
            error_body("invalid_request", code, message, param), status=status.HTTP_400_BAD_REQUEST
        )
    for cls, type_, code in _BY_CLASS:
        if isinstance(exc, cls):
            headers = {}
            if isinstance(exc, exceptions.Throttled) and exc.wait:
                headers["Retry-After"] = str(int(exc.wait))
            if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
                headers["WWW-Authenticate"] = "Bearer"
                exc.status_code = status.HTTP_401_UNAUTHORIZED
            return Response(
                error_body(type_, code, str(exc.detail)), status=exc.status_code, headers=headers
            )
    if isinstance(exc, exceptions.APIException):
        return Response(error_body("api_error", "error", str(exc.detail)), status=exc.status_code)
    return None


def json_not_found(request, exception=None):
    return JsonResponse(error_body("invalid_request", "not_found", "no such resource"), status=404)


def json_server_error(request):
    return JsonResponse(
        error_body(
            "api_error", "internal_error", "something went wrong on our side; nothing was changed"
        ),
        status=500,
    )
