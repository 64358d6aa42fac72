"""Request guards shared by the API, the checkout and the dashboard."""

from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import Resolver404, resolve

from core.errors import ErrorCode, GatewayError
from invoices.api.errors import json_not_found, json_response
from merchants import throttling

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _has_nul(request) -> bool:
    if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
        return True
    if any("\x00" in str(v) for k, v in request.META.items() if k.startswith("HTTP_")):
        return True
    if request.method not in SAFE_METHODS and request.content_type in FORM_TYPES:
        return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.POST.lists())
    return False


def reject_nul(get_response):
    """A NUL byte never reaches the database (PostgreSQL refuses it in text, with a 500): in
    the path it names nothing (404, the payer pages' not-found page); in the query, headers
    or form fields it is a 400."""

    def middleware(request):
        if "\x00" in request.path:
            if _is_api(request):
                return json_not_found(request)
            return render(request, "checkout/not_found.html", {"message": ""}, status=404)
        if _has_nul(request):
            error = GatewayError(ErrorCode.INVALID_TEXT)
            if _is_api(request):
                return json_response(error)
            return HttpResponseBadRequest(error.message)
        return get_response(request)

    return middleware


def _wants_transaction(request) -> bool:
    """API writes, except views that say `atomic_request = False` (those that wait on a
    remote server, which must not hold a transaction open)."""
    if not _is_api(request) or request.method in SAFE_METHODS:
        return False
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    return getattr(getattr(view, "cls", None), "atomic_request", True)


def atomic_api_writes(get_response):
    """Every API request that may change something runs in one transaction, rolled back
    when it ends in a server error: so the 500 body's "nothing was changed" is true (a
    payment credited before a later step failed is undone with it)."""

    def middleware(request):
        if not _wants_transaction(request):
            return get_response(request)
        with transaction.atomic():
            response = get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response

    return middleware


def rate_limit_headers(get_response):
    """`RateLimit-Limit`, `-Remaining` and `-Reset` on API responses, from the window the
    request was counted in (the key's, or the client's failed-authentication window)."""

    def middleware(request):
        response = get_response(request)
        window = getattr(request, "rate_limit_window", None)
        if window is not None and _is_api(request):
            for name, value in throttling.headers(window).items():
                response.headers.setdefault(name, value)
        return response

    return middleware
