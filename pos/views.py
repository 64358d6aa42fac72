"""The counter's page and the two requests it makes: charge (create an invoice) and the
status of a sale it made. Thin: load the terminal by its secret link, ask `pos.services`,
render. Nothing here reads another invoice, refunds or changes a setting."""

from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.errors import ErrorCode, GatewayError
from invoices import money
from merchants import throttling
from pages import labels
from pages.i18n import localized
from pages.security import protect
from pos import sale, services


def frames_checkout(view):
    """The counter shows the checkout in a frame of its own origin: allow that one source
    (the rest of the policy is `protect`'s)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] += "; frame-src 'self'"
        return response

    return wrapped


def _limited(bucket: str, rate: str) -> JsonResponse | None:
    """A 429 once `bucket` is over `rate`: a leaked link cannot flood the store with
    invoices, nor a script poll sales, faster than a counter would."""
    window = throttling.hit(bucket, rate)
    if window.allowed:
        return None
    response = _error(GatewayError(ErrorCode.RATE_LIMITED))
    response["Retry-After"] = str(window.reset)
    return response


def _error(exc: GatewayError) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": exc.code, "message": exc.message, "param": exc.param}},
        status=exc.status,
    )


@never_cache
@frames_checkout
@protect
@localized
@require_GET
def terminal_page(request, slug):
    try:
        terminal = services.terminal_for(slug)
    except GatewayError:
        raise Http404 from None
    decimals = money.price_decimals(terminal.currency) or 0
    products = [
        {
            "name": product["name"],
            "price": labels.amount(money.format_units(product["price"], decimals)),
            "units": product["price"],
        }
        for product in terminal.products
    ]
    return render(
        request,
        "pos/terminal.html",
        {
            "terminal": terminal,
            "merchant": terminal.merchant,
            "decimals": decimals,
            "separator": formats.get_format("DECIMAL_SEPARATOR"),
            "products": products,
            "tips": [(percent, labels.amount(percent)) for percent in terminal.tip_percents],
            "charge_url": reverse("pos:charge", args=[slug]),
        },
    )


@never_cache
@localized
@require_POST
def charge(request, slug):
    """JSON in ({"key", "amount" | "items", "tip"}), the invoice's checkout out."""
    if limited := _limited(f"pos-charge:{slug}", settings.POS_CHARGE_RATE):
        return limited
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _error(GatewayError(ErrorCode.MALFORMED_JSON))
    try:
        payload, created = services.charge(
            slug=slug,
            press=body.get("key"),
            amount=body.get("amount"),
            items=body.get("items"),
            tip=body.get("tip"),
        )
    except GatewayError as exc:
        return _error(exc)
    return JsonResponse(
        {
            "id": payload["id"],
            "price": f"{payload['price_amount']} {payload['price_currency']}",
            "checkout_url": reverse("checkout:pay", args=[payload["id"]]),
            "status_url": reverse("pos:sale", args=[slug, payload["id"]]),
        },
        status=201 if created else 200,
    )


@never_cache
@require_GET
def sale_status(request, slug, invoice_id):
    """The counter's poll: only for an invoice this terminal made (else 404)."""
    client = throttling.client_ip(request)
    if limited := _limited(f"pos-status:{client}", settings.CHECKOUT_STATUS_RATE):
        return limited
    try:
        invoice = services.sale_invoice(slug=slug, invoice_id=invoice_id)
    except GatewayError as exc:
        return _error(exc)
    return JsonResponse({"state": sale.counter_state(invoice.status, invoice.status_context)})
