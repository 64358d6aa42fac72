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


def test_an_operators_edit_of_an_endpoint_keeps_whether_creation_is_recorded(operator, api):
    """Creating an invoice records its created event while an endpoint wants it: an edit
    or a delete in the admin keeps Merchant.records_invoice_creation as the API does."""
    from merchants.models import Merchant
    from webhooks.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        merchant=api.merchant, url="https://shop.example/gf", dialect="greenfield", events=["*"]
    )
    made = endpoint.created_at
    url = f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"
    form = {
        "merchant": api.merchant.pk,
        "url": endpoint.url,
        "enabled": "on",
        "events": '["InvoiceCreated"]',
        "dialect": "greenfield",
        "created_at_0": made.strftime("%Y-%m-%d"),
        "created_at_1": made.strftime("%H:%M:%S"),
    }

    def recorded() -> bool:
        return Merchant.objects.get(pk=api.merchant.pk).records_invoice_creation

    assert operator.post(url, form).status_code == 302
    assert recorded()
    assert operator.post(url, {**form, "events": '["InvoiceSettled"]'}).status_code == 302
    assert not recorded()
    assert operator.post(url, form).status_code == 302
    delete = f"/admin/webhooks/webhookendpoint/{endpoint.pk}/delete/"
    assert operator.post(delete, {"post": "yes"}).status_code == 302
    assert not recorded()
