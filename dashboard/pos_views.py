"""The dashboard's point-of-sale terminals: create, name, currency, products, tips, the
secret link (rotated here: the old one then 404s), deactivate; their sales are the invoice
list filtered by terminal. Thin: a form, a service, a page."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.access import MemberRequest, member_required
from dashboard.pos_forms import TerminalForm, initial
from pages import labels
from pages.qr import qr_svg
from pos import services
from pos.models import Terminal


def _terminal(request: MemberRequest, terminal_id: UUID) -> Terminal:
    return get_object_or_404(Terminal, merchant=request.merchant, pk=terminal_id)


def _public_url(terminal: Terminal) -> str:
    return settings.PUBLIC_URL + reverse("pos:terminal", args=[terminal.slug])


@require_GET
@member_required
def terminal_list(request: MemberRequest) -> HttpResponseBase:
    terminals = Terminal.objects.filter(
        merchant=request.merchant, livemode=request.livemode
    ).order_by("-created_at")
    rows = [
        {
            "terminal": terminal,
            "url": _public_url(terminal),
            "qr": qr_svg(
                _public_url(terminal),
                _("QR code of the point of sale %(name)s") % {"name": terminal.name},
            )
            if terminal.active
            else "",
            "sales": f"{reverse('dashboard:invoices')}?pos={terminal.pk}",
            "count": terminal.sales.count(),
            "tips": ", ".join(f"{labels.amount(tip)} %" for tip in terminal.tip_percents),
        }
        for terminal in terminals
    ]
    return render(request, "dashboard/pos_list.html", {"rows": rows, "section": "pos"})


def _form_page(request: HttpRequest, form, terminal=None, status: int = 200):
    return render(
        request,
        "dashboard/pos_form.html",
        {"form": form, "terminal": terminal, "section": "pos"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_required
def terminal_new(request: MemberRequest) -> HttpResponseBase:
    form = TerminalForm(request.POST or None, merchant=request.merchant, livemode=request.livemode)
    if request.method == "POST" and form.is_valid():
        terminal = Terminal(merchant=request.merchant, livemode=request.livemode)
        form.apply(terminal)
        terminal.save()
        messages.success(
            request, _("Point of sale created. Open its link on the counter's tablet.")
        )
        return redirect("dashboard:pos")
    return _form_page(request, form, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@member_required
def terminal_edit(request: MemberRequest, terminal_id: UUID) -> HttpResponseBase:
    terminal = _terminal(request, terminal_id)
    form = TerminalForm(
        request.POST or None,
        merchant=request.merchant,
        livemode=terminal.livemode,
        initial=initial(terminal),
    )
    if request.method == "POST" and form.is_valid():
        form.apply(terminal)
        terminal.save()
        messages.success(request, _("Point of sale saved."))
        return redirect("dashboard:pos")
    return _form_page(request, form, terminal, status=422 if form.errors else 200)


@require_POST
@member_required
def terminal_rotate(request: MemberRequest, terminal_id: UUID) -> HttpResponseBase:
    """A new secret link, for when the old one was seen by someone who should not charge."""
    services.rotate(terminal=_terminal(request, terminal_id))
    messages.success(request, _("New link made: the old one no longer opens the point of sale."))
    return redirect("dashboard:pos")


@require_POST
@member_required
def terminal_toggle(request: MemberRequest, terminal_id: UUID) -> HttpResponseBase:
    terminal = _terminal(request, terminal_id)
    terminal.active = not terminal.active
    terminal.save(update_fields=["active"])
    messages.success(
        request,
        _("Point of sale activated.")
        if terminal.active
        else _("Point of sale deactivated: its link no longer opens."),
    )
    return redirect("dashboard:pos")
