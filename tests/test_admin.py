"""Operators use Django's admin: every registered model's list and one detail page load."""

import pytest
from django.contrib import admin

from tests.support import set_callback_url


@pytest.fixture
def operator(operator_client, api, create_invoice):
    """The admin's client, past the second factor, with an invoice paid on the sandbox."""
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json")
    return operator_client


def test_every_admin_changelist_and_change_page_loads(operator):
    for model in admin.site._registry:
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/"
        assert operator.get(url).status_code == 200, url
        obj = model.objects.first()
        if obj is not None:
            assert operator.get(f"{url}{obj.pk}/change/").status_code == 200, url


def test_callback_secrets_are_not_shown_to_operators(operator, api):
    endpoint = set_callback_url(api.merchant.pk, "https://shop.example/hook")
    page = operator.get(f"/admin/merchants/merchant/{api.merchant.pk}/change/")
    assert endpoint.secret.encode() not in page.content
    page = operator.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200 and b"shop.example" in page.content
    assert endpoint.secret.encode() not in page.content
