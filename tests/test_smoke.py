def test_sandbox_payment_completes_invoice(api, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    assert invoice["status"] == "new"
    assert invoice["pay_amount"] == "100.000000"
    assert invoice["address"].startswith("sbx1q")
    paid = api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json"
    ).json()
    assert paid["status"] == "completed", paid
