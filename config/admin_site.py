"""The operators' admin site: django-otp's, with a login form whose username is bounded."""

from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from dashboard.forms import BoundedUsername


class OperatorLoginForm(BoundedUsername, OTPAdminAuthenticationForm):
    pass


class OperatorAdminSite(OTPAdminSite):
    login_form = OperatorLoginForm
