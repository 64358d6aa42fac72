"""Live or test data, as in Stripe: the dashboard shows one at a time, switched per session.
Until a store has a live key it starts in test mode (the demo store, a new integration).
The switch is `account_views.switch_mode`."""

from __future__ import annotations

from merchants.models import LIVE, TEST

SESSION_KEY = "dashboard_mode"


def livemode(request) -> bool:
    chosen = request.session.get(SESSION_KEY)
    if chosen in (LIVE, TEST):
        return chosen == LIVE
    return request.merchant.api_keys.filter(mode=LIVE, revoked=False).exists()
