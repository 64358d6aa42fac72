"""Give an operator (a staff user) the authenticator-app device the admin asks for: the
admin is django-otp's OTPAdminSite, which lets in only users verified with a confirmed
device. Prints the otpauth:// link and its QR code for the app, once."""

import io

import qrcode
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "admin"


class Command(BaseCommand):
    help = "Create (or with --replace, renew) the admin TOTP device of a staff user."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--replace", action="store_true", help="delete the user's existing admin device first"
        )

    def handle(self, username, replace, **options):
        user = get_user_model().objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"no staff user {username!r} (createsuperuser makes one)")
        devices = TOTPDevice.objects.filter(user=user, name=DEVICE_NAME)
        if devices.exists():
            if not replace:
                raise CommandError(f"{username} has an admin device; --replace renews it")
            devices.delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        code = qrcode.QRCode(border=1)
        code.add_data(device.config_url)
        picture = io.StringIO()
        code.print_ascii(out=picture, invert=True)
        self.stdout.write(
            f"Scan this with an authenticator app (or enter the link), then sign in to "
            f"/admin/ with the password and the app's 6-digit code:\n\n{picture.getvalue()}\n"
            f"{device.config_url}\n\nShown once: keep it only in the app."
        )
