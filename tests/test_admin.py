"""Operators use Django's admin: every registered model's list and one detail page load."""

import pytest
from django.contrib import admin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture
def operator(admin_client, admin_user, api, create_invoice):
    """The admin's client, past the second factor the admin asks for."""
    device = TOTPDevice.objects.create(user=admin_user, name="admin", confirmed=True)
    session = admin_client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json")
    return admin_client


def test_every_admin_changelist_and_change_page_loads(operator):
    for model in admin.site._registry:
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/"
        assert operator.get(url).status_code == 200, url
        obj = model.objects.first()
        if obj is not None:
            assert operator.get(f"{url}{obj.pk}/change/").status_code == 200, url


def test_callback_secrets_are_not_shown_to_operators(operator, api):
    page = operator.get(f"/admin/merchants/merchant/{api.merchant.pk}/change/")
    assert api.merchant.callback_secret.encode() not in page.content
