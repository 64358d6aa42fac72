"""Live or test data, as in Stripe: the dashboard shows one at a time, switched per session.
Until a store has a live key it starts in test mode (the demo store, a new integration)."""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dashboard.access import member_required
from merchants.models import LIVE, TEST

SESSION_KEY = "dashboard_mode"


def livemode(request) -> bool:
    chosen = request.session.get(SESSION_KEY)
    if chosen in (LIVE, TEST):
        return chosen == LIVE
    return request.merchant.api_keys.filter(mode=LIVE, revoked=False).exists()


@require_POST
@member_required
def switch(request):
    """Show the other mode's data; back to the page the switch was on."""
    request.session[SESSION_KEY] = TEST if request.POST.get("mode") == TEST else LIVE
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "dashboard:overview"
    return redirect(target)
