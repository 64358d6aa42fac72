"""The admin with a second factor: operators sign in with a password and a TOTP code."""

from django.contrib.admin.apps import AdminConfig


class OTPAdminConfig(AdminConfig):
    """django-otp's admin site as the default `admin.site`: only a user verified with a
    confirmed device (`manage.py operator_totp USER` makes one) may open it."""

    default_site = "config.admin_site.OperatorAdminSite"
