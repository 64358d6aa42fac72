"""BTCPay's browser flow for plugins, in the dashboard: the authorize page (an application
asks for a key; a member approves; the key is POSTed back to the application, as BTCPay
does) and the "Connect your shop" page. The decisions are greenfield.authorize's."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from dashboard.access import actor, member_required
from greenfield import authorize
from greenfield import services as greenfield_services
from pages.security import form_origin


@require_http_methods(["GET", "POST"])
@member_required
def authorize_key(request):
    """GET shows who asks for what; POST (the member's approval, CSRF-checked) creates the
    key and hands it to the application's redirect."""
    store_id = str(request.merchant.pk)
    try:
        asked = authorize.parse(request.GET, store_id, settings.CALLBACKS_ALLOW_PRIVATE)
    except authorize.Refused as refused:
        return render(
            request, "dashboard/greenfield/refused.html", {"reason": str(refused)}, status=400
        )
    not_held = authorize.may_grant(request.member.role, asked.permissions)
    context = {
        "asked": asked,
        "labels": [(p, authorize.PERMISSION_LABELS[p]) for p in asked.permissions],
        "not_held": not_held,
        "store_id": store_id,
    }
    if request.method == "GET" or not_held:
        status = 403 if not_held and request.method == "POST" else 200
        return render(request, "dashboard/greenfield/authorize.html", context, status=status)
    key = greenfield_services.grant_key(
        merchant=request.merchant, request=asked, livemode=request.livemode, actor=actor(request)
    )
    response = render(
        request,
        "dashboard/greenfield/handoff.html",
        {**context, "key": key, "granted": [f"{p}:{store_id}" for p in asked.permissions]},
    )
    if asked.redirect:
        response.form_targets = [form_origin(asked.redirect)]
    return response


@member_required
def connect(request):
    return render(
        request,
        "dashboard/greenfield/connect.html",
        {"gateway_url": settings.PUBLIC_URL, "section": "settings"},
    )
