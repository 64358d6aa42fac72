import pytest
from rest_framework.test import APIClient

from invoices import rates
from merchants.services import create_merchant


@pytest.fixture
def make_merchant(db):
    """A merchant with a sandbox wallet and an API client authenticated with its key."""

    def make(name="Shop", **settings):
        rates.refresh_rates()
        merchant, key = create_merchant(name)
        merchant.allowed_return_hosts = ["shop.example"]
        for field, value in settings.items():
            setattr(merchant, field, value)
        merchant.save()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        client.merchant, client.key = merchant, key
        return client

    return make


@pytest.fixture
def api(make_merchant):
    return make_merchant()


@pytest.fixture
def create_invoice(api):
    def create(client=None, **body):
        body = {"price_amount": "100.00", "price_currency": "USD", **body}
        response = (client or api).post("/api/v1/invoices", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return create
