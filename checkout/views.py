"""The payer's pages: the hosted checkout, its status endpoint, the return redirect, the
sandbox test panel and the refund claim. Thin: load, call a service, render what `present`
builds (the screen decisions are `states`')."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checkout import present, sandbox, states
from checkout.errors import SELECT_ERRORS, select_error
from checkout.forms import MethodForm, RefundClaimForm
from core.errors import ErrorCode, GatewayError
from invoices.models import Invoice, Kind, Refund, Status
from invoices.services import creation, payer, reconciliation
from merchants import throttling
from pages.i18n import localized
from pages.security import embed_sources, image_origin, protect


def _load(invoice_id: str) -> Invoice | None:
    """The invoice as it is now: one whose timer ran out is expired first, so the page and
    its poll show it on time (not at the next minute's sweep)."""
    try:
        pk = uuid.UUID(invoice_id)
    except ValueError:
        return None
    found = Invoice.objects.select_related("merchant", "quote").prefetch_related("transactions")
    invoice = found.filter(pk=pk).first()
    if invoice is not None and reconciliation.expire_if_due(invoice):
        return found.get(pk=pk)
    return invoice


def _not_found(request, message=""):
    return render(request, "checkout/not_found.html", {"message": message}, status=404)


def _return_allowed(invoice: Invoice) -> bool:
    if not invoice.return_url:
        return False
    try:
        creation.check_return_url(merchant=invoice.merchant, url=invoice.return_url)
    except GatewayError:
        return False
    return True


def _page(request, invoice: Invoice, *, change=False, error="", status=200):
    context = present.page(
        invoice,
        timezone.now(),
        change=change,
        error=error,
        return_allowed=_return_allowed(invoice),
    )
    context["counter"] = _at_counter(invoice)
    context["email_question"] = states.email_question(
        invoice.merchant.payer_email,
        bool(invoice.customer_email),
        context["screen"],
        context["counter"],
    )
    response = _render(request, "checkout/pay.html", context, status)
    response.frame_ancestors = embed_sources(invoice.merchant.embed_hosts)
    if context["counter"]:
        response.frame_ancestors.append("'self'")
    return response


def _at_counter(invoice: Invoice) -> bool:
    """Made by a point of sale (`pos.models.Sale`, found through its reverse relation, not an
    import): shown full screen in the counter's own frame, with a QR code large enough to
    scan across the counter."""
    return hasattr(invoice, "pos_sale")


def _render(request, template: str, context: dict, status: int):
    """A page with the merchant's header: the logo is shown only from an https origin, which
    the policy then allows for images (and nothing else from it)."""
    origin = image_origin(context["merchant"].logo_url)
    context["logo"] = context["merchant"].logo_url if origin else ""
    response = render(request, template, context, status=status)
    response.image_sources = [origin] if origin else []
    return response


@never_cache
@protect
@localized
@require_http_methods(["GET", "POST"])
def pay(request, invoice_id):
    """The checkout. GET renders the invoice's current state; POST is the currency choice."""
    invoice = _load(invoice_id)
    if invoice is None:
        return _not_found(request)
    if request.method == "GET":
        return _page(request, invoice, change=request.GET.get("change") == "1")
    if invoice.kind == Kind.FIXED:
        return _page(request, invoice, error=SELECT_ERRORS[ErrorCode.CURRENCY_FIXED], status=409)
    methods = [method["value"] for method in present.methods(invoice, timezone.now())]
    form = MethodForm(request.POST, methods=methods)
    if not form.is_valid():
        return _page(request, invoice, error=form.errors["method"][0], status=422)
    code, network = form.cleaned_data["method"].split(":", 1)
    try:
        payer.select_currency(
            invoice_id=invoice.pk, asset_code=code, network_code=network, actor="payer"
        )
    except GatewayError as exc:
        invoice = _load(invoice_id)
        message = select_error(
            exc,
            payment_seen=bool(invoice.transactions.all()),
            expired=invoice.status == Status.EXPIRED,
        )
        return _page(request, invoice, error=message, status=409)
    return redirect("checkout:pay", invoice_id=invoice.pk)


@never_cache
@protect
@localized
@require_POST
def give_email(request, invoice_id):
    """The payer's e-mail, when the store asks for one (for the receipt and a refund link)."""
    invoice = _load(invoice_id)
    if invoice is None:
        return _not_found(request)
    try:
        payer.give_email(invoice_id=invoice.pk, email=request.POST.get("email", ""))
    except GatewayError as exc:  # a form's refusal is a 422 page; a conflict stays a 409
        return _page(
            request, invoice, error=exc.message, status=422 if exc.status == 400 else exc.status
        )
    return redirect("checkout:pay", invoice_id=invoice.pk)


@never_cache
@localized
@require_GET
def status(request, invoice_id):
    """What the page's poller needs, small enough to ask for every few seconds."""
    window = throttling.hit(
        f"checkout-status:{throttling.client_ip(request)}", settings.CHECKOUT_STATUS_RATE
    )
    if not window.allowed:
        return JsonResponse(
            {"error": "rate_limited"}, status=429, headers={"Retry-After": str(window.reset)}
        )
    invoice = _load(invoice_id)
    if invoice is None:
        return JsonResponse({"error": "not_found"}, status=404)
    facts = present.page_state(invoice, timezone.now())
    return JsonResponse(
        present.status(invoice, facts, return_allowed=facts.final and _return_allowed(invoice))
    )


@never_cache
@protect
@localized
@require_GET
def return_to_merchant(request, invoice_id):
    """Back to the merchant, with `paymentStatus` once the invoice has ended. The URL is
    checked against the merchant's allowed hosts now, not only when the invoice was made."""
    invoice = _load(invoice_id)
    if invoice is None or not _return_allowed(invoice):
        return _not_found(request, _("This shop has no return address."))
    final = states.is_final(invoice.status, invoice.archived)
    payment_status = states.payment_status(invoice.status, invoice.archived) if final else None
    return HttpResponseRedirect(states.return_url(invoice.return_url, payment_status))


@never_cache
@protect
@localized
@require_POST
def sandbox_action(request, invoice_id):
    """The sandbox test panel's buttons (sandbox invoices only: no real coins move)."""
    invoice = _load(invoice_id)
    if invoice is None:
        return _not_found(request)
    window = throttling.hit(
        f"sandbox-panel:{throttling.client_ip(request)}", settings.SANDBOX_PANEL_RATE
    )
    if not window.allowed:
        response = _page(
            request, invoice, error=_("Too many test payments; wait a minute."), status=429
        )
        response.headers["Retry-After"] = str(window.reset)
        return response
    try:
        sandbox.simulate(invoice, request.POST.get("action", ""))
    except GatewayError as exc:
        return _page(request, invoice, error=exc.message, status=409)
    return redirect("checkout:pay", invoice_id=invoice.pk)


# A refund code as `new_claim_token` makes it (URL-safe base64); nothing else is looked up.
REFUND_CODE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@never_cache
@protect
@localized
@require_http_methods(["GET", "POST"])
def refund(request):
    """The refund claim. Whoever holds the code can claim the refund, so the code never
    travels in a URL, where access logs, proxies and analytics would keep it: the link is
    `/refund/#<code>`, a browser sends nothing after `#` to any server, and this page's
    script posts the code. Without a script the page asks for the code, which the e-mail
    gives on a line of its own. The page is always answered to a POST, never redirected to
    a URL holding the code; once an address is given it is shown, locked."""
    token = request.POST.get("token", "").strip() if request.method == "POST" else ""
    if not token:
        return render(request, "checkout/refund_code.html", {})
    found = (
        Refund.objects.select_related("invoice__merchant").filter(claim_token=token).first()
        if REFUND_CODE.fullmatch(token)
        else None
    )
    if found is None:
        return render(
            request,
            "checkout/refund_code.html",
            {
                "error": _(
                    "This refund code is not valid. Check the link or the code in your e-mail."
                )
            },
            status=404,
        )
    claiming = request.POST.get("step") == "claim"
    form = RefundClaimForm(request.POST if claiming else None)
    code = 200
    if claiming and found.status == Refund.AWAITING_CLAIM:
        if form.is_valid():
            try:
                found = payer.claim(token=token, address=form.cleaned_data["address"])
            except GatewayError as exc:
                form.add_error("address" if exc.param == "address" else None, exc.message)
        code = 422 if form.errors else 200
    return _render(request, "checkout/refund.html", present.refund(found, form, token), code)


@require_GET
def refund_link(request, token):
    """A link of the old form, `/refund/<code>`, e-mailed before codes moved behind `#`:
    sent on to the page with the code where no server sees it again."""
    return HttpResponseRedirect(f"{reverse('checkout:refund')}#{quote(token, safe='')}")
