"""Who may open what. Every dashboard view runs as one member of one merchant: the decorator
finds the member, and views read only through `request.merchant`, so another merchant's
object is simply not found (404)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import user_has_device

from dashboard.mode import livemode
from merchants.models import Merchant, MerchantUser
from pages.i18n import localized
from pages.security import protect


class MemberRequest(HttpRequest):
    """A request `member_required` let through (typing only): it sets these three."""

    member: MerchantUser
    merchant: Merchant
    livemode: bool


def actor(request) -> str:
    """How the timeline names what a dashboard user did."""
    return f"user:{request.user.email or request.user.get_username()}"


def page(view):
    """Every dashboard response: never cached (the pages hold a store's data), under the
    payer pages' strict Content-Security-Policy, which also forbids framing, and in the
    browser's language (a member's own choice overrides it, see member_required)."""
    return never_cache(protect(localized(view)))


# The settings pages staff may open: the store's profile and its payment settings. Every
# other page under settings/ redirects money or data (wallets, the callback URL and secret,
# API keys, the team) and is for owners only, a page added there later included.
STAFF_SETTINGS = frozenset({"dashboard:settings", "dashboard:settings_payments"})
# Pages outside settings/ that redirect money too: the payout address deposits forward to.
OWNER_PAGES = frozenset({"dashboard:collect_payout"})


def owners_only(request) -> bool:
    """Whether the page asked for is for the store's owners: the one rule, applied by
    member_required to every dashboard page."""
    view_name = request.resolver_match.view_name
    return view_name in OWNER_PAGES or (
        request.path_info.startswith(reverse("dashboard:settings"))
        and view_name not in STAFF_SETTINGS
    )


def member_required(view):
    """Logged in, past the second factor when the user set one up, a member of a merchant,
    and in the owner role on the pages `owners_only` names. Sets request.member and
    request.merchant."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_verified() and user_has_device(user):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('dashboard:verify')}?{query}")
        member = MerchantUser.objects.select_related("merchant").filter(user=user).first()
        if member is None:
            return render(
                request,
                "dashboard/forbidden.html",
                {"reason": _("This login belongs to no store.")},
                status=403,
            )
        request.member, request.merchant = member, member.merchant
        request.livemode = livemode(request)
        language = member.language or request.LANGUAGE_CODE
        with translation.override(language):
            request.LANGUAGE_CODE = language
            if owners_only(request) and member.role != MerchantUser.OWNER:
                return render(
                    request,
                    "dashboard/forbidden.html",
                    {"reason": _("Only the store's owners can open this page.")},
                    status=403,
                )
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = language
        return response

    return page(wrapped)
