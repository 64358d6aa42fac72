"""Signing in and out, the second factor, password reset and change, joining a team, the
session's live/test switch.

Failed logins are throttled by django-axes (settings: AXES_*); the second factor is a TOTP
app, optional, set up from the account page. Mail goes through the task queue."""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_q.tasks import async_task

from core.errors import GatewayError
from dashboard import errors, mode
from dashboard.access import MemberRequest, member_required, page
from dashboard.forms import BoundedUsername, NewPasswordForm, Styled, TokenForm
from merchants import services as merchant_services
from merchants import throttling
from merchants.models import LIVE, TEST
from pages.qr import qr_svg
from webhooks import emails


class EmailAuthenticationForm(BoundedUsername, Styled, AuthenticationForm):
    """Logins are e-mail addresses (see merchants.services.create_merchant)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("This e-mail and password do not match a login."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("E-mail")
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "inputmode": "email"})


class StyledPasswordChangeForm(Styled, PasswordChangeForm):
    pass


class StyledSetPasswordForm(Styled, SetPasswordForm):
    pass


class QueuedPasswordResetForm(Styled, PasswordResetForm):
    """Django's reset form, its mail written and sent by the worker (the task gets the
    user's id, never the link: task arguments are kept in the task table), and limited per
    address and per client IP (`PASSWORD_RESET_RATE_PER_*`) so it cannot be used to flood an
    inbox. Beyond a limit nothing is sent, and the page says the same as always (it never
    tells whether an address has an account)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = gettext_lazy("E-mail")

    def save(self, *args, request=None, **kwargs):
        by_ip = throttling.hit(
            f"reset-ip:{throttling.client_ip(request)}", settings.PASSWORD_RESET_RATE_PER_IP
        )
        by_address = throttling.hit(
            f"reset-email:{self.cleaned_data['email'].lower()}",
            settings.PASSWORD_RESET_RATE_PER_EMAIL,
        )
        if by_ip.allowed and by_address.allowed:
            super().save(*args, request=request, **kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        async_task(emails.send_password_reset, context["user"].pk)


def _auth_view(view_class, **options):
    return page(view_class.as_view(**options))


# Links in mails use PUBLIC_URL, never the request's Host header, which a client chooses.
EMAIL_CONTEXT = {"public_url": settings.PUBLIC_URL}
login_view = _auth_view(
    auth_views.LoginView,
    template_name="registration/login.html",
    authentication_form=EmailAuthenticationForm,
    redirect_authenticated_user=True,
)
logout_view = _auth_view(auth_views.LogoutView)
password_reset = _auth_view(
    auth_views.PasswordResetView,
    form_class=QueuedPasswordResetForm,
    template_name="registration/password_reset_form.html",
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
    extra_email_context=EMAIL_CONTEXT,
    success_url=reverse_lazy("dashboard:password_reset_done"),
)
password_reset_done = _auth_view(
    auth_views.PasswordResetDoneView, template_name="registration/password_reset_done.html"
)
password_reset_confirm = _auth_view(
    auth_views.PasswordResetConfirmView,
    template_name="registration/password_reset_confirm.html",
    form_class=StyledSetPasswordForm,
    success_url=reverse_lazy("dashboard:password_reset_complete"),
)
password_reset_complete = _auth_view(
    auth_views.PasswordResetCompleteView, template_name="registration/password_reset_complete.html"
)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("dashboard:overview")


@require_POST
@member_required
def switch_mode(request: MemberRequest) -> HttpResponseBase:
    """Show the other mode's data (dashboard.mode); back to the page the switch was on."""
    request.session[mode.SESSION_KEY] = TEST if request.POST.get("mode") == TEST else LIVE
    return redirect(_next(request))


@page
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):  # request.user.is_verified comes from django-otp's middleware
    """The second step of a login, for users with an authenticator app."""
    device = merchant_services.confirmed_device(user=request.user)
    if device is None or request.user.is_verified():
        return redirect(_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merchant_services.check_code(device=device, token=form.cleaned_data["otp_token"])
        except GatewayError as exc:
            errors.add_to_form(form, exc)
        else:
            otp_login(request, device)
            return redirect(_next(request))
    return render(
        request,
        "registration/verify.html",
        {"form": form, "next": _next(request)},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_required
def account(request: MemberRequest) -> HttpResponseBase:
    """Password change and the second factor's state."""
    form = StyledPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        update_session_auth_hash(request, form.save())
        messages.success(request, _("Password changed."))
        return redirect("dashboard:account")
    return render(
        request,
        "dashboard/account.html",
        {
            "form": form,
            "section": "account",
            "two_factor": merchant_services.confirmed_device(user=request.user) is not None,
        },
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_required
def two_factor(request: MemberRequest) -> HttpResponseBase:
    """Set up an authenticator app (scan, then prove it with a code) or switch it off (with
    a code, so a session left open cannot)."""
    device = merchant_services.two_factor_device(user=request.user)
    confirmed = device.confirmed
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["otp_token"]
        try:
            if confirmed:
                merchant_services.disable_two_factor(user=request.user, token=token)
            else:
                merchant_services.enable_two_factor(device=device, token=token)
        except GatewayError as exc:
            errors.add_to_form(form, exc)
        else:
            if confirmed:
                messages.success(request, _("Two-factor sign-in is off."))
            else:
                otp_login(request, device)
                messages.success(
                    request, _("Two-factor sign-in is on: logins now ask for a code from your app.")
                )
            return redirect("dashboard:account")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "dashboard/two_factor.html",
        {
            "form": form,
            "confirmed": confirmed,
            "section": "account",
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr": None
            if confirmed
            else qr_svg(device.config_url, _("QR code for your authenticator app")),
        },
        status=422 if form.errors else 200,
    )


@page
@require_http_methods(["GET", "POST"])
def accept_invite(request: HttpRequest, token: str) -> HttpResponseBase:
    """Whoever holds an invitation link chooses a password and joins with its role."""
    invite = merchant_services.open_invite(token=token)
    if invite is None:
        return render(
            request,
            "dashboard/forbidden.html",
            {
                "reason": _(
                    "This invitation link is not valid: it was used, cancelled or is "
                    "older than 7 days. Ask the store's owner for a new one."
                ),
                "title": _("Invitation not found"),
            },
            status=404,
        )
    form = NewPasswordForm(request.POST or None, email=invite.email)
    try:
        merchant_services.check_can_join(invite=invite)
    except GatewayError as exc:
        taken = True
        errors.add_to_form(form, exc)
    else:
        taken = False
    if not taken and request.method == "POST" and form.is_valid():
        try:
            user = merchant_services.accept_invite(
                invite=invite, password=form.cleaned_data["password1"]
            )
        except GatewayError as exc:
            errors.add_to_form(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to %(store)s.") % {"store": invite.merchant.name})
            return redirect("dashboard:overview")
    return render(
        request,
        "registration/accept_invite.html",
        {"invite": invite, "form": form},
        status=409 if taken else 422 if form.errors else 200,
    )
