"""The payer's side of a payment link: its page, the confirmation that makes the invoice,
and its picture. Thin: load, ask `links.services`, render or go to the checkout."""

from __future__ import annotations

import secrets

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import ErrorCode, GatewayError
from invoices import money
from links import services
from links.models import PaymentLink
from pages import labels
from pages.i18n import localized
from pages.security import embed_sources, protect


def _visit(request, link: PaymentLink, renew: bool = False) -> str:
    """This payer session's token for the link: the same across reloads, so the invoice
    its confirmation made is found again instead of made twice; renewed once that invoice
    is over, for the next purchase."""
    visits = request.session.setdefault("link_visits", {})
    if renew or str(link.pk) not in visits:
        visits[str(link.pk)] = secrets.token_urlsafe(16)
        request.session.modified = True
    return visits[str(link.pk)]


def _page(request, link: PaymentLink, *, error="", amount="", email="", param="", status=200):
    decimals = money.price_decimals(link.price_currency) or 0

    def shown(units):
        return labels.amount(money.format_units(units, decimals)) if units is not None else ""

    reason = services.unavailable_reason(link=link, now=timezone.now())
    response = render(
        request,
        "links/link.html",
        {
            "link": link,
            "merchant": link.merchant,
            "reason": reason,
            "error": error if param != "email" else "",
            "email_error": error if param == "email" else "",
            "amount": amount,
            "email": email,
            "price": shown(link.price_amount),
            "minimum": shown(link.amount_min),
            "maximum": shown(link.amount_max),
            "step": f"{10**-decimals:f}" if decimals else "1",
        },
        status=410 if reason and status == 200 else status,
    )
    response.frame_ancestors = embed_sources(link.merchant.embed_hosts)
    return response


@never_cache
@protect
@localized
@require_http_methods(["GET", "POST"])
def link_page(request, slug):
    """GET shows the link; POST (the payer's confirmation) makes this visit's invoice, or
    finds the one it already made, and goes to the checkout."""
    link = get_object_or_404(PaymentLink.objects.select_related("merchant"), slug=slug)
    if request.method == "GET":
        return _page(request, link)
    amount, email = request.POST.get("amount", ""), request.POST.get("email", "")
    try:
        try:
            payload, _created = services.open_invoice(
                link_id=link.pk, amount=amount, email=email, visit=_visit(request, link)
            )
        except GatewayError as exc:
            if exc.code != ErrorCode.VISIT_OVER:
                raise
            payload, _created = services.open_invoice(
                link_id=link.pk, amount=amount, email=email, visit=_visit(request, link, renew=True)
            )
    except GatewayError as exc:
        if exc.code == ErrorCode.LINK_UNAVAILABLE:
            return _page(request, link, status=410)
        return _page(
            request,
            link,
            error=exc.message,
            amount=amount,
            email=email,
            param=exc.param or "",
            status=422,
        )
    return redirect("checkout:pay", invoice_id=payload["id"])


@require_GET
def link_image(request, slug):
    """The link's picture, as the type its bytes proved at upload, never sniffed again."""
    link = get_object_or_404(PaymentLink, slug=slug)
    if not link.image:
        raise Http404
    response = HttpResponse(bytes(link.image), content_type=link.image_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300"
    return response
