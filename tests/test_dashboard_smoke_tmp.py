import pytest
from merchants.services import create_merchant
from invoices import rates

@pytest.mark.django_db
def test_pages(client, create_invoice, api):
    from merchants.models import MerchantUser
    from django.contrib.auth import get_user_model
    u = get_user_model().objects.create_user("o@x.test", "o@x.test", "pw-long-enough-1")
    MerchantUser.objects.create(user=u, merchant=api.merchant, role="owner")
    inv = create_invoice(pay_currency="USDT", network="sandbox", customer_email="c@x.test")
    client.force_login(u)
    for url in ["/dashboard/", "/dashboard/invoices/", f"/dashboard/invoices/{inv['id']}/", "/dashboard/invoices/export.csv",
                f"/dashboard/invoices/{inv['id']}/cancel/", "/dashboard/settings/", "/dashboard/settings/payments/",
                "/dashboard/settings/wallets/", "/dashboard/settings/wallets/sandbox/", "/dashboard/settings/callbacks/",
                "/dashboard/settings/api-keys/", "/dashboard/settings/team/", "/dashboard/account/", "/dashboard/account/two-factor/",
                "/dashboard/invoices/?q=abc&status=new&cursor=zzz"]:
        r = client.get(url)
        print(url, r.status_code)
        assert r.status_code == 200, (url, r.content[:3000])
