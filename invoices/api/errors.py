"""Every API error in one shape, `representation.ErrorResponse`:
{"error": {"type", "code", "message", "param"}}.

A `GatewayError` is rendered as it is; the framework's own exceptions (authentication,
parsing, validation, throttling, routing) are first said as the `ErrorCode` they mean."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.errors import ErrorCode, GatewayError
from invoices.representation import ApiError, ErrorResponse

_BY_CLASS = [
    (exceptions.ParseError, ErrorCode.MALFORMED_JSON),
    (exceptions.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.NotAuthenticated, ErrorCode.MISSING_API_KEY),
    (exceptions.AuthenticationFailed, ErrorCode.INVALID_API_KEY),
    (exceptions.PermissionDenied, ErrorCode.FORBIDDEN),
    (exceptions.NotFound, ErrorCode.NOT_FOUND),
    (exceptions.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, ErrorCode.NOT_ACCEPTABLE),
    (exceptions.Throttled, ErrorCode.RATE_LIMITED),
]


def error_body(error: GatewayError) -> dict:
    """The API's rendering of any error: the one function from an error to its body."""
    return ErrorResponse.render(
        ApiError(error.code.error_type.value, error.code.value, error.message, error.param)
    )


def _first_validation_error(detail, path=()):
    """The first (field path, ErrorDetail) of DRF's nested validation detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            return _first_validation_error(value, (*path, str(key)))
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], path)
    return ".".join(p for p in path if p != "non_field_errors") or None, detail


def _validation_error(exc: exceptions.ValidationError) -> GatewayError:
    """The first field's error; a code outside the catalogue is said as `invalid` (the
    catalogue lists every field code the API's serializers have: tests/test_errors.py)."""
    param, detail = _first_validation_error(exc.detail)
    code = ErrorCode.lookup(getattr(detail, "code", None)) or ErrorCode.INVALID
    message = f"{param}: {detail}" if param and code != ErrorCode.UNKNOWN_FIELD else str(detail)
    return GatewayError(code, param, message=message)


def exception_handler(exc, context):
    if isinstance(exc, GatewayError):
        return Response(error_body(exc), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.ValidationError):
        return Response(error_body(_validation_error(exc)), status=status.HTTP_400_BAD_REQUEST)
    for cls, code in _BY_CLASS:
        if isinstance(exc, cls):
            headers = {}
            if isinstance(exc, exceptions.Throttled) and exc.wait:
                headers["Retry-After"] = str(int(exc.wait))
            if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
                headers["WWW-Authenticate"] = "Bearer"
            error = GatewayError(code, message=str(exc.detail))
            return Response(error_body(error), status=error.status, headers=headers)
    if isinstance(exc, exceptions.APIException):  # the framework's status, kept
        error = GatewayError(ErrorCode.ERROR, message=str(exc.detail))
        return Response(error_body(error), status=exc.status_code)
    return None


def json_response(error: GatewayError) -> JsonResponse:
    """The error body outside DRF (middleware, Django's 404 and 500 handlers)."""
    return JsonResponse(error_body(error), status=error.status)


def json_not_found(request, exception=None):
    return json_response(GatewayError(ErrorCode.NOT_FOUND))


def json_bad_request(request, exception=None):
    """What Django refuses before the API's parsers run (a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, a multipart body without its boundary), in the API's
    shape instead of Django's HTML page."""
    if isinstance(exception, RequestDataTooBig):
        return json_response(
            GatewayError(ErrorCode.REQUEST_TOO_LARGE, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        )
    return json_response(GatewayError(ErrorCode.MALFORMED_REQUEST))


def json_server_error(request):
    return json_response(GatewayError(ErrorCode.INTERNAL_ERROR))
