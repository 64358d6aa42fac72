"""Pages for merchants without a developer: an invoice made by hand (and its link to share),
payment links, and each person's e-mail and language choices. Thin: a form, a service, a
page; invoices are created by `invoices.services.creation.create_invoice`, as over the API."""

from __future__ import annotations

from datetime import UTC
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import GatewayError
from dashboard import errors, present
from dashboard.access import MemberRequest, actor, member_required
from dashboard.selling_forms import (
    InvoiceCreateForm,
    PaymentLinkForm,
    PreferencesForm,
    SendLinkForm,
)
from invoices import money
from invoices.models import Invoice, Status
from invoices.services.creation import create_invoice
from links import selectors as link_selectors
from links.models import PaymentLink
from merchants import notifications
from merchants import services as merchant_services
from pages import labels
from pages.qr import qr_svg
from webhooks.notifications import request_payment

FORM_FIELDS = {"pay_currency": "pay_method", "network": "pay_method"}  # service param → field


# --- an invoice by hand -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required
def new_invoice(request: MemberRequest) -> HttpResponseBase:
    form = InvoiceCreateForm(
        request.POST or None, merchant=request.merchant, livemode=request.livemode
    )
    if request.method == "POST" and form.is_valid():
        try:
            payload = create_invoice(
                merchant=request.merchant, request=form.request, actor=actor(request)
            )
        except GatewayError as exc:
            errors.add_to_form(form, exc, FORM_FIELDS)
        else:
            return redirect("dashboard:invoice_share", invoice_id=payload["id"])
    return render(
        request,
        "dashboard/new_invoice.html",
        {"form": form, "section": "invoices"},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_required
def invoice_share(request: MemberRequest, invoice_id: UUID) -> HttpResponseBase:
    """The invoice's payment link to copy, scan or e-mail to the customer."""
    invoice = get_object_or_404(Invoice, merchant=request.merchant, pk=invoice_id)
    form = SendLinkForm(request.POST or None, initial={"email": invoice.customer_email})
    if request.method == "POST" and form.is_valid():
        request_payment(invoice, form.cleaned_data["email"], translation.get_language())
        messages.success(
            request,
            _("The payment link is on its way to %(email)s.")
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("dashboard:invoice_share", invoice_id=invoice.pk)
    url = f"{settings.PUBLIC_URL}/pay/{invoice.pk}"
    decimals = money.price_decimals(invoice.price_currency) or 0
    return render(
        request,
        "dashboard/invoice_share.html",
        {
            "invoice": invoice,
            "url": url,
            "form": form,
            "section": "invoices",
            "price": labels.money_text(
                money.format_units(invoice.price_amount, decimals), invoice.price_currency
            ),
            "tone": present.TONES[invoice.status],
            "open": invoice.status == Status.NEW,
            "qr": qr_svg(url, _("QR code of the payment link %(url)s") % {"url": url}),
        },
        status=422 if form.errors else 200,
    )


# --- payment links ------------------------------------------------------------------------------


def _link(request: MemberRequest, link_id: UUID) -> PaymentLink:
    return get_object_or_404(PaymentLink, merchant=request.merchant, pk=link_id)


def _state(link: PaymentLink, now) -> tuple[str, str]:
    """(label, tone) of a link in the list."""
    if not link.active:
        return _("Deactivated"), "muted"
    if link.ends_at and now >= link.ends_at:
        return _("Ended"), "muted"
    if link.quantity_limit is not None and link_selectors.held(link=link) >= link.quantity_limit:
        return _("Sold out"), "warning"
    return _("Active"), "success"


def _price_label(link: PaymentLink) -> str:
    decimals = money.price_decimals(link.price_currency) or 0

    def text(units):
        return labels.amount(money.format_units(units, decimals))

    if link.price_amount is not None:
        return f"{text(link.price_amount)} {link.price_currency}"
    low = text(link.amount_min) if link.amount_min is not None else ""
    high = text(link.amount_max) if link.amount_max is not None else ""
    if low and high:
        return _("%(low)s to %(high)s %(currency)s, payer's choice") % {
            "low": low,
            "high": high,
            "currency": link.price_currency,
        }
    return _("Payer's choice, %(currency)s") % {"currency": link.price_currency}


def _public_url(link: PaymentLink) -> str:
    return settings.PUBLIC_URL + reverse("links:link", args=[link.slug])


@require_GET
@member_required
def link_list(request: MemberRequest) -> HttpResponseBase:
    now = timezone.now()
    links = PaymentLink.objects.filter(
        merchant=request.merchant, livemode=request.livemode
    ).order_by("-created_at")
    rows = []
    for link in links:
        label, tone = _state(link, now)
        rows.append(
            {
                "link": link,
                "state": label,
                "tone": tone,
                "price": _price_label(link),
                "url": _public_url(link),
            }
        )
    return render(request, "dashboard/links.html", {"rows": rows, "section": "links"})


def _link_form_page(request: HttpRequest, form, link=None, status: int = 200):
    return render(
        request,
        "dashboard/link_form.html",
        {"form": form, "link": link, "section": "links"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_required
def link_new(request: MemberRequest) -> HttpResponseBase:
    form = PaymentLinkForm(
        request.POST or None,
        request.FILES or None,
        merchant=request.merchant,
        livemode=request.livemode,
    )
    if request.method == "POST" and form.is_valid():
        link = PaymentLink(merchant=request.merchant, livemode=request.livemode)
        form.apply(link)
        link.save()
        messages.success(request, _("Payment link created. Share its address or QR code."))
        return redirect("dashboard:link", link_id=link.pk)
    return _link_form_page(request, form, status=422 if form.errors else 200)


def _initial(link: PaymentLink) -> dict:
    decimals = money.price_decimals(link.price_currency) or 0

    def text(units):
        return money.format_units(units, decimals) if units is not None else ""

    return {
        "name": link.name,
        "description": link.description,
        "price_currency": link.price_currency,
        "pricing": PaymentLinkForm.FIXED
        if link.price_amount is not None
        else PaymentLinkForm.CHOOSE,
        "price_amount": text(link.price_amount),
        "amount_min": text(link.amount_min),
        "amount_max": text(link.amount_max),
        "methods": link.methods,
        "quantity_limit": link.quantity_limit,
        "ends_at": link.ends_at.astimezone(UTC).replace(tzinfo=None) if link.ends_at else None,
        "payer_email": link.payer_email,
    }


@require_http_methods(["GET", "POST"])
@member_required
def link_edit(request: MemberRequest, link_id: UUID) -> HttpResponseBase:
    link = _link(request, link_id)
    form = PaymentLinkForm(
        request.POST or None,
        request.FILES or None,
        merchant=request.merchant,
        livemode=link.livemode,
        initial=_initial(link),
    )
    if request.method == "POST" and form.is_valid():
        form.apply(link)
        link.save()
        messages.success(request, _("Payment link saved."))
        return redirect("dashboard:link", link_id=link.pk)
    return _link_form_page(request, form, link, status=422 if form.errors else 200)


@require_GET
@member_required
def link_detail(request: MemberRequest, link_id: UUID) -> HttpResponseBase:
    link = _link(request, link_id)
    now = timezone.now()
    label, tone = _state(link, now)
    invoices = link_selectors.link_invoices(link=link).order_by("-created_at")
    decimals = money.price_decimals(link.price_currency) or 0
    url = _public_url(link)
    rows = [
        {
            "invoice": invoice,
            "status": labels.status(invoice.status),
            "context": labels.context(invoice.status_context),
            "tone": present.TONES[invoice.status],
            "price": labels.money_text(
                money.format_units(invoice.price_amount, decimals), invoice.price_currency
            ),
        }
        for invoice in invoices[:100]
    ]
    completed = invoices.filter(status=Status.COMPLETED).count()
    return render(
        request,
        "dashboard/link.html",
        {
            "link": link,
            "state": label,
            "tone": tone,
            "price": _price_label(link),
            "url": url,
            "qr": qr_svg(url, _("QR code of the payment link %(url)s") % {"url": url}),
            "rows": rows,
            "count": invoices.count(),
            "completed": completed,
            "volume": labels.money_text(
                money.format_units(link_selectors.completed_volume(link=link), decimals),
                link.price_currency,
            ),
            "held": link_selectors.held(link=link),
            "section": "links",
        },
    )


@require_POST
@member_required
def link_toggle(request: MemberRequest, link_id: UUID) -> HttpResponseBase:
    """Deactivate (or activate again): a deactivated link's page says so and sells nothing."""
    link = _link(request, link_id)
    link.active = not link.active
    link.save(update_fields=["active"])
    messages.success(
        request,
        _("Payment link activated.")
        if link.active
        else _("Payment link deactivated: its page no longer takes payments."),
    )
    return redirect("dashboard:link", link_id=link.pk)


# --- a person's choices -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required
def preferences(request: MemberRequest) -> HttpResponseBase:
    member = request.member
    form = PreferencesForm(
        request.POST or None,
        initial={
            "language": member.language,
            "notifications": sorted(notifications.chosen(member)),
        },
    )
    if request.method == "POST" and form.is_valid():
        merchant_services.set_preferences(
            member=member,
            language=form.cleaned_data["language"],
            notifications=form.cleaned_data["notifications"],
        )
        with translation.override(member.language or request.LANGUAGE_CODE):
            messages.success(request, _("Your choices are saved."))
        return redirect("dashboard:preferences")
    return render(
        request,
        "dashboard/preferences.html",
        {"form": form, "section": "account"},
        status=422 if form.errors else 200,
    )
