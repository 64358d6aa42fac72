"""The store's settings: profile, payments, wallets, callbacks, API keys and the team.
Staff may change the profile and payments; wallets, callbacks, keys and the team redirect
money or data and are for owners (the rule: `dashboard.access.owners_only`)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from chains import hd, registry
from chains.checks import enabled_methods, enabled_networks
from core.errors import GatewayError
from dashboard import errors, present
from dashboard.access import MemberRequest, actor, member_required
from dashboard.forms import (
    ApiKeyForm,
    CallbackForm,
    EndpointForm,
    InviteForm,
    MoneroWalletForm,
    PaymentsForm,
    ProfileForm,
    RoleForm,
    WalletForm,
)
from invoices.representation import DeliveryAttemptResponse
from merchants import invites
from merchants import services as merchant_services
from merchants.models import Merchant, MerchantAPIKey, MerchantUser, SettingsChange, Wallet
from webhooks import callbacks, endpoints
from webhooks.models import WebhookEndpoint

ROLE_NAMES = {MerchantUser.OWNER: gettext_lazy("owner"), MerchantUser.STAFF: gettext_lazy("staff")}
DERIVED_SHOWN = 5


def _saved(request: HttpRequest, what: str, to: str):
    messages.success(request, _("%(what)s saved.") % {"what": what})
    return redirect(to)


def _save_settings(request: MemberRequest, form, what: str, to: str):
    """A valid settings form's changes saved, and the redirect that says so; None otherwise."""
    if request.method != "POST" or not form.is_valid():
        return None
    merchant_services.update_settings(
        merchant=request.merchant, changes=form.changes, actor=actor(request)
    )
    return _saved(request, what, to)


# --- profile and payments -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required
def profile(request: MemberRequest) -> HttpResponseBase:
    merchant = request.merchant
    form = ProfileForm(
        request.POST or None,
        initial={
            "name": merchant.name,
            "logo_url": merchant.logo_url,
            "allowed_return_hosts": merchant.allowed_return_hosts,
            "embed_hosts": merchant.embed_hosts,
        },
    )
    if saved := _save_settings(request, form, _("Store profile"), "dashboard:settings"):
        return saved
    return render(
        request,
        "dashboard/settings/profile.html",
        {"form": form, "section": "settings", "tab": "profile"},
        status=422 if form.errors else 200,
    )


def _methods(merchant: Merchant) -> tuple[list[tuple[str, str]], list[str]]:
    """(every method of the enabled networks as choices, those the wallets can take)."""
    families = set(merchant.wallets.values_list("family", flat=True))
    choices, usable = [], []
    for asset in enabled_methods():
        network = registry.network(asset.network)
        has_wallet = network.family in families
        choices.append(
            (
                asset.method,
                f"{asset.code} on {network.name}"
                + ("" if has_wallet else f" (add a {network.family} wallet first)"),
            )
        )
        if has_wallet:
            usable.append(asset.method)
    return choices, usable


@require_http_methods(["GET", "POST"])
@member_required
def payments(request: MemberRequest) -> HttpResponseBase:
    """Payment methods, confirmations, timers, tolerance, the automatic rules, the deny
    list."""
    merchant = request.merchant
    choices, usable = _methods(merchant)
    networks = enabled_networks()
    initial = {
        "enabled_methods": merchant.enabled_methods or usable,
        "deny_list": merchant.deny_list,
        "payer_email": merchant.payer_email,
        **{
            name: getattr(merchant, name)
            for name in (
                "invoice_ttl_minutes",
                "payment_window_minutes",
                "late_window_minutes",
                "processing_timeout_minutes",
            )
        },
        "slippage_percent": present.percent(merchant.slippage_percent),
        "insurance_percent": present.percent(merchant.insurance_percent),
        "underpayment_tolerance": present.tolerance_lines(merchant.underpayment_tolerance),
        "token_qr": merchant.token_qr,
        **{f"confirmations_{n.code}": merchant.confirmations.get(n.code) for n in networks},
        **{f"rule_{c}": rule for c, rule in merchant.unresolved_rules.items()},
    }
    form = PaymentsForm(
        request.POST or None, initial=initial, merchant=merchant, methods=choices, networks=networks
    )
    if saved := _save_settings(request, form, _("Payment settings"), "dashboard:settings_payments"):
        return saved
    return render(
        request,
        "dashboard/settings/payments.html",
        {"form": form, "section": "settings", "tab": "payments"},
        status=422 if form.errors else 200,
    )


# --- wallets ------------------------------------------------------------------------------------


def _families(merchant: Merchant) -> list[str]:
    """The wallet families of the enabled networks, and any the merchant already has."""
    families = {network.family for network in enabled_networks()}
    families |= set(merchant.wallets.values_list("family", flat=True))
    return sorted(
        family for family in families if hd.is_family(family) or family == merchant_services.MONERO
    )


def _changes(merchant: Merchant, *what: str, shown: int = 20):
    """The latest recorded changes of these kinds (who changed wallets or callbacks)."""
    return list(merchant.settings_changes.filter(what__in=what)[:shown])


def _family_networks(family: str) -> str:
    return ", ".join(n.name for n in registry.all_networks().values() if n.family == family)


@require_http_methods(["GET"])
@member_required
def wallets(request: MemberRequest) -> HttpResponseBase:
    merchant = request.merchant
    existing = {wallet.family: wallet for wallet in merchant.wallets.all()}
    rows = []
    for family in _families(merchant):
        wallet = existing.get(family)
        rows.append(
            {
                "family": family,
                "networks": _family_networks(family),
                "wallet": wallet,
                "addresses": merchant_services.wallet_addresses(wallet, 0, DERIVED_SHOWN)
                if wallet
                else [],
            }
        )
    return render(
        request,
        "dashboard/settings/wallets.html",
        {
            "rows": rows,
            "section": "settings",
            "tab": "wallets",
            "changes": _changes(merchant, SettingsChange.WALLET),
        },
    )


@require_http_methods(["GET", "POST"])
@member_required
def wallet(request: MemberRequest, family: str) -> HttpResponseBase:
    """Paste an xpub, see it validated with its first addresses, then confirm: replacing
    a wallet keeps its index counter, so no address is ever handed out twice."""
    merchant = request.merchant
    if family not in _families(merchant):
        raise Http404
    current = Wallet.objects.filter(merchant=merchant, family=family).first()
    if family == merchant_services.MONERO:
        return _monero_wallet(request, current)
    form = WalletForm(request.POST or None, family=family, merchant=merchant)
    preview = None
    if request.method == "POST" and form.is_valid():
        xpub = form.cleaned_data["xpub"]
        if request.POST.get("step") == "save":
            merchant_services.set_wallet(
                merchant=merchant, family=family, xpub=xpub, actor=actor(request)
            )
            return _saved(
                request,
                _("The %(family)s wallet") % {"family": family},
                "dashboard:settings_wallets",
            )
        preview = {"xpub": xpub, "addresses": hd.derive_addresses(family, xpub, 0, DERIVED_SHOWN)}
    return render(
        request,
        "dashboard/settings/wallet.html",
        {
            "form": form,
            "family": family,
            "networks": _family_networks(family),
            "current": current,
            "preview": preview,
            "section": "settings",
            "tab": "wallets",
        },
        status=422 if form.errors else 200,
    )


def _monero_wallet(request: MemberRequest, current: Wallet | None) -> HttpResponseBase:
    """The primary address and private view key, saved at once when they belong together:
    that check is the proof a pasted xpub's preview gives (the view key is never shown)."""
    form = MoneroWalletForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merchant_services.set_monero_wallet(
                merchant=request.merchant,
                address=form.cleaned_data["address"],
                view_key=form.cleaned_data["view_key"],
                actor=actor(request),
            )
        except GatewayError as exc:
            form.add_error(exc.param if exc.param in form.fields else None, exc.message)
        else:
            return _saved(request, _("The Monero wallet"), "dashboard:settings_wallets")
    return render(
        request,
        "dashboard/settings/monero_wallet.html",
        {
            "form": form,
            "networks": _family_networks(merchant_services.MONERO),
            "current": current,
            "section": "settings",
            "tab": "wallets",
        },
        status=422 if form.errors else 200,
    )


# --- callbacks ----------------------------------------------------------------------------------

RECENT_DELIVERIES = 20


def _endpoint(request: MemberRequest, endpoint_id: UUID) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, merchant=request.merchant, pk=endpoint_id)


def _callbacks_page(request: MemberRequest, form, test=None, add_form=None, status: int = 200):
    merchant = request.merchant
    return render(
        request,
        "dashboard/settings/callbacks.html",
        {
            "form": form,
            "add_form": add_form or EndpointForm(),
            "test": test,
            "endpoints": list(merchant.webhook_endpoints.all()),
            "max_endpoints": endpoints.MAX_ENDPOINTS,
            "failing_since": endpoints.failing_endpoints_since(merchant),
            "section": "settings",
            "tab": "callbacks",
            "changes": _changes(
                merchant, SettingsChange.CALLBACK_URL, SettingsChange.CALLBACK_SECRET
            ),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_required
def callbacks_settings(request: MemberRequest) -> HttpResponseBase:
    """The webhook endpoints; the form on top edits the default one's URL (the merchant's
    callback URL, as `PATCH /merchant callback_url` does)."""
    form = CallbackForm(
        request.POST or None, initial={"callback_url": endpoints.callback_url(request.merchant)}
    )
    if request.method == "POST" and form.is_valid():
        endpoints.set_callback_url(
            merchant=request.merchant, url=form.cleaned_data["callback_url"], actor=actor(request)
        )
        return _saved(request, _("Callback URL"), "dashboard:settings_callbacks")
    return _callbacks_page(request, form, status=422 if form.errors else 200)


@require_POST
@member_required
def endpoint_add(request: MemberRequest) -> HttpResponseBase:
    add_form = EndpointForm(request.POST)
    if add_form.is_valid():
        try:
            endpoints.create_endpoint(
                merchant=request.merchant, actor=actor(request), **add_form.changes
            )
        except GatewayError as exc:
            errors.add_to_form(add_form, exc)
        else:
            return _saved(request, _("The endpoint"), "dashboard:settings_callbacks")
    form = CallbackForm(initial={"callback_url": endpoints.callback_url(request.merchant)})
    return _callbacks_page(request, form, add_form=add_form, status=422)


@require_http_methods(["GET", "POST"])
@member_required
def endpoint_detail(request: MemberRequest, endpoint_id: UUID) -> HttpResponseBase:
    """One endpoint: its settings, and its recent deliveries with their attempts."""
    endpoint = _endpoint(request, endpoint_id)
    initial = {
        "url": endpoint.url,
        "events": [] if "*" in endpoint.events else endpoint.events,
        "enabled": endpoint.enabled,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            endpoints.update_endpoint(endpoint=endpoint, changes=form.changes, actor=actor(request))
        except GatewayError as exc:
            errors.add_to_form(form, exc)
        else:
            return _saved(request, _("The endpoint"), "dashboard:settings_callbacks")
    deliveries = (
        endpoint.deliveries.select_related("event")
        .prefetch_related("attempts")
        .order_by("-created_at", "-id")[:RECENT_DELIVERIES]
    )
    return render(
        request,
        "dashboard/settings/endpoint.html",
        {
            "endpoint": endpoint,
            "form": form,
            "deliveries": [
                {
                    "delivery": d,
                    "state": (state := callbacks.delivery_state(d)),
                    "label": present.DELIVERY_LABELS[state],
                    "attempts": d.attempts.all(),
                }
                for d in deliveries
            ],
            "section": "settings",
            "tab": "callbacks",
        },
        status=422 if form.errors else 200,
    )


@require_POST
@member_required
def endpoint_toggle(request: MemberRequest, endpoint_id: UUID) -> HttpResponseBase:
    endpoint = _endpoint(request, endpoint_id)
    endpoints.update_endpoint(
        endpoint=endpoint, changes={"enabled": not endpoint.enabled}, actor=actor(request)
    )
    return _saved(request, _("The endpoint"), "dashboard:settings_callbacks")


@require_http_methods(["GET", "POST"])
@member_required
def endpoint_delete(request: MemberRequest, endpoint_id: UUID) -> HttpResponseBase:
    endpoint = _endpoint(request, endpoint_id)
    if request.method == "POST":
        try:
            endpoints.delete_endpoint(endpoint=endpoint, actor=actor(request))
        except GatewayError as exc:
            messages.error(request, errors.sentence(exc))
        else:
            messages.success(request, _("Endpoint deleted."))
        return redirect("dashboard:settings_callbacks")
    return render(
        request,
        "dashboard/confirm.html",
        {
            "title": _("Delete the endpoint %(url)s") % {"url": endpoint.url},
            "explanation": _(
                "It is sent nothing more, and its deliveries are forgotten; the events "
                "stay in the invoices' timelines."
            ),
            "button": _("Delete the endpoint"),
            "section": "settings",
            "back": reverse("dashboard:settings_callbacks"),
        },
    )


@require_POST
@member_required
def endpoint_redeliver(
    request: MemberRequest, endpoint_id: UUID, delivery_id: int
) -> HttpResponseBase:
    """Send one delivery again now, with the same event id."""
    endpoint = _endpoint(request, endpoint_id)
    delivery = get_object_or_404(
        endpoint.deliveries.select_related("event__invoice", "endpoint__merchant", "invoice"),
        pk=delivery_id,
    )
    try:
        attempt = callbacks.redeliver(delivery)
    except GatewayError as exc:
        messages.error(request, errors.sentence(exc))
    else:
        result = f"HTTP {attempt.status_code}" if attempt.status_code else attempt.error
        (messages.success if attempt.succeeded else messages.error)(
            request,
            _("Redelivered: %(result)s in %(ms)s ms.")
            % {"result": result, "ms": attempt.duration_ms},
        )
    return redirect("dashboard:settings_endpoint", endpoint_id=endpoint.pk)


@require_POST
@member_required
def callback_test(request: MemberRequest, endpoint_id: UUID | None = None) -> HttpResponseBase:
    """Send a signed `test` event now (to the default endpoint, or the one named) and show
    what it answered."""
    endpoint = (
        _endpoint(request, endpoint_id)
        if endpoint_id
        else endpoints.default_endpoint(request.merchant.pk)
    )
    form = CallbackForm(initial={"callback_url": endpoints.callback_url(request.merchant)})
    try:
        test = DeliveryAttemptResponse.render(callbacks.send_test_event(endpoint))
        test["endpoint"] = endpoint.url
    except GatewayError as exc:
        test = {"succeeded": False, "error": errors.message(exc)}
    return _callbacks_page(request, form, test=test)


@require_http_methods(["GET", "POST"])
@member_required
def rotate_secret(request: MemberRequest, endpoint_id: UUID | None = None) -> HttpResponseBase:
    """A new signing secret (of the default endpoint, or the one named); the old one keeps
    signing alongside it for a day."""
    endpoint = _endpoint(request, endpoint_id) if endpoint_id else None
    if request.method == "POST":
        if endpoint:
            endpoints.rotate_secret(endpoint=endpoint, actor=actor(request))
        else:
            endpoints.rotate_callback_secret(merchant=request.merchant, actor=actor(request))
        messages.success(
            request,
            _(
                "New secret made. Callbacks are signed with both the new "
                "and the old secret for the next 24 hours."
            ),
        )
        return redirect("dashboard:settings_callbacks")
    return render(
        request,
        "dashboard/confirm.html",
        {
            "title": _("Rotate the callback secret"),
            "explanation": _(
                "A new secret signs every callback from now on. For 24 hours the old "
                "one signs as well, so your receiver can switch without rejecting "
                "callbacks."
            ),
            "button": _("Rotate the secret"),
            "section": "settings",
            "back": reverse("dashboard:settings_callbacks"),
        },
    )


# --- API keys -----------------------------------------------------------------------------------


def _keys_page(request: MemberRequest, form, created_key=None, status: int = 200):
    keys = MerchantAPIKey.objects.filter(merchant=request.merchant).order_by("-created")
    return render(
        request,
        "dashboard/settings/api_keys.html",
        {
            "form": form,
            "keys": keys,
            "created_key": created_key,
            "section": "settings",
            "tab": "api_keys",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_required
def api_keys(request: MemberRequest) -> HttpResponseBase:
    """Keys are shown once, in the response that creates them; only their hash is kept."""
    form = ApiKeyForm(request.POST or None, livemode=request.livemode)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = merchant_services.create_api_key(
            merchant=request.merchant,
            name=data["name"],
            mode=data["mode"],
            scope=data["scope"],
            actor=actor(request),
        )
        return _keys_page(
            request,
            ApiKeyForm(livemode=request.livemode),
            created_key={"key": key, **data},
            status=201,
        )
    return _keys_page(request, form, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@member_required
def revoke_key(request: MemberRequest, prefix: str) -> HttpResponseBase:
    key = get_object_or_404(MerchantAPIKey, merchant=request.merchant, prefix=prefix, revoked=False)
    if request.method == "POST":
        try:
            merchant_services.revoke_api_key(merchant=request.merchant, prefix=key.prefix)
        except GatewayError as exc:  # revoked meanwhile
            raise Http404 from exc
        messages.success(
            request,
            _("API key %(name)s (%(prefix)s) revoked.")
            % {"name": key.name, "prefix": key.display_prefix},
        )
        return redirect("dashboard:settings_api_keys")
    return render(
        request,
        "dashboard/confirm.html",
        {
            "title": _("Revoke the API key %(name)s") % {"name": key.name},
            "explanation": _(
                "Requests with the key %(prefix)s… are refused from now on. This "
                "cannot be undone; make a new key if you need one."
            )
            % {"prefix": key.display_prefix},
            "button": _("Revoke the key"),
            "danger": True,
            "section": "settings",
            "back": reverse("dashboard:settings_api_keys"),
        },
    )


# --- team ---------------------------------------------------------------------------------------


def _team_page(request: MemberRequest, form, invite_link=None, status: int = 200):
    merchant = request.merchant
    return render(
        request,
        "dashboard/settings/team.html",
        {
            "form": form,
            "invite_link": invite_link,
            "section": "settings",
            "tab": "team",
            "members": merchant.users.select_related("user").order_by("user__email"),
            "invites": merchant.invites.filter(
                accepted_at__isnull=True, expires_at__gt=timezone.now()
            ).order_by("email"),
            "role_form": RoleForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_required
def team(request: MemberRequest) -> HttpResponseBase:
    """Invite by e-mail: the link is sent and shown once; whoever opens it sets a password
    and joins with the chosen role."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invite = merchant_services.invite_member(
                merchant=request.merchant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except GatewayError as exc:
            errors.add_to_form(form, exc)
        else:
            return _team_page(
                request,
                InviteForm(),
                status=201,
                invite_link={"email": invite.email, "url": invites.invite_link(invite)},
            )
    return _team_page(request, form, status=422 if form.errors else 200)


@require_POST
@member_required
def cancel_invite(request: MemberRequest, invite_id: int) -> HttpResponseBase:
    try:
        invite = merchant_services.cancel_invite(merchant=request.merchant, invite_id=invite_id)
    except GatewayError as exc:
        raise Http404 from exc
    messages.success(
        request, _("The invitation of %(email)s is cancelled.") % {"email": invite.email}
    )
    return redirect("dashboard:settings_team")


@require_POST
@member_required
def change_role(request: MemberRequest, member_id: int) -> HttpResponseBase:
    form = RoleForm(request.POST)
    try:
        member = merchant_services.change_role(
            merchant=request.merchant,
            member_id=member_id,
            role=form.cleaned_data["role"] if form.is_valid() else "",
        )
    except GatewayError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, errors.message(exc))
    else:
        messages.success(
            request,
            _("%(email)s is now %(role)s.")
            % {"email": member.user.email, "role": ROLE_NAMES[member.role]},
        )
    return redirect("dashboard:settings_team")


@require_http_methods(["GET", "POST"])
@member_required
def remove_member(request: MemberRequest, member_id: int) -> HttpResponseBase:
    member = get_object_or_404(
        MerchantUser.objects.select_related("user"), merchant=request.merchant, pk=member_id
    )
    if request.method == "POST":
        try:
            merchant_services.remove_member(
                merchant=request.merchant, member_id=member.pk, removed_by=request.user
            )
        except GatewayError as exc:
            if exc.status == 404:
                raise Http404 from exc
            messages.error(request, errors.message(exc))
        else:
            messages.success(request, _("%(email)s was removed.") % {"email": member.user.email})
        return redirect("dashboard:settings_team")
    return render(
        request,
        "dashboard/confirm.html",
        {
            "title": _("Remove %(email)s") % {"email": member.user.email},
            "explanation": _(
                "Their login is deleted and they can no longer open the dashboard. "
                "What they did stays in the invoices' timelines."
            ),
            "button": _("Remove"),
            "danger": True,
            "section": "settings",
            "back": reverse("dashboard:settings_team"),
        },
    )
