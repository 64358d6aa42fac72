"""The payment ledger through the sandbox network (the same scanner and services as every
chain): a payer who switches method and pays both addresses, and how the checkout, the
dashboard and the callbacks show an extra payment."""

import re

from django.test import Client

from chains import hd
from chains.backends import sandbox
from invoices.models import Event, Invoice, Quote, Refund
from invoices.sandbox import mine_pending
from invoices.services import payer
from tests.test_dashboard import browser, owner  # noqa: F401 (fixtures)
from worker.tasks import scan_network


def test_paying_both_addresses_after_a_switch_never_adds_eth_to_btc(api, create_invoice, browser):  # noqa: F811
    """Case 4: BTC picked, ETH picked, both paid. BTC (paid first, to the address switched
    away from) is the chosen method; the ETH is an extra payment in its own asset."""
    invoice = create_invoice()
    btc = payer.select_currency(
        invoice_id=invoice["id"], asset_code="BTC", network_code="sandbox"
    ).quote
    eth = payer.select_currency(
        invoice_id=invoice["id"], asset_code="ETH", network_code="sandbox"
    ).quote
    sandbox.broadcast(btc.address, "BTC", btc.due_amount, "sbx1qpayer")
    scan_network("sandbox")
    sandbox.broadcast(eth.address, "ETH", eth.due_amount, "sbx1qpayer")
    scan_network("sandbox")
    mine_pending(Invoice.objects.get(pk=invoice["id"]))

    data = api.get(f"/api/v1/invoices/{invoice['id']}").json()
    assert (data["pay_currency"], data["status"], data["status_context"]) == (
        "BTC",
        "completed",
        "overpaid",
    )
    assert data["paid_amount"] == f"{btc.due_amount / 10**8:.8f}"
    assert data["excess_amount"] == "0.00000000"
    counted = {tx["asset"]: tx["counted"] for tx in data["transactions"]}
    assert counted == {"BTC": True, "ETH": False}
    eth_tx = next(tx for tx in data["transactions"] if tx["asset"] == "ETH")
    assert int(eth_tx["amount"].replace(".", "")) == eth.due_amount  # in wei, 18 decimals
    assert ("transaction_created", False) in {
        (e.type, e.data["transactions"][-1]["counted"])
        for e in Event.objects.filter(invoice_id=invoice["id"], type="transaction_created")
    }

    page = Client().get(f"/pay/{invoice['id']}").content.decode()
    assert "not counted toward this invoice" in page
    dashboard = browser.get(f"/dashboard/invoices/{invoice['id']}/").content.decode()
    assert "extra payment · not counted · refundable" in dashboard

    refund = api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve",
        {"action": "refund", "refund_amount": "excess"},
        format="json",
    ).json()
    assert (refund["asset"], refund["network"]) == ("ETH", "sandbox")
    assert Quote.objects.get(pk=eth.pk).invoice_id == btc.invoice_id


def test_refunding_an_excess_and_an_extra_payment_makes_one_refund_per_asset(
    api,
    create_invoice,
    browser,  # noqa: F811
):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    usdt = Quote.objects.get(invoice_id=invoice["id"])
    sandbox.broadcast(usdt.address, "USDT", usdt.due_amount * 3 // 2, "sbx1qpayer")
    sandbox.broadcast(usdt.address, "ETH", 10**17, "sbx1qpayer")  # coin to the token address
    scan_network("sandbox")
    mine_pending(Invoice.objects.get(pk=invoice["id"]))
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["status_context"] == "overpaid"
    api.post(
        f"/api/v1/invoices/{invoice['id']}/resolve",
        {"action": "refund", "refund_amount": "excess"},
        format="json",
    )
    data = api.get(f"/api/v1/invoices/{invoice['id']}").json()
    assert data["status"] == "completed"
    assert sorted((r["asset"], r["amount"]) for r in data["refunds"]) == [
        ("ETH", "0.100000000000000000"),
        ("USDT", "50.000000"),
    ]

    eth = Refund.objects.get(invoice_id=invoice["id"], asset="ETH")
    payer.claim(
        token=eth.claim_token, address=hd.derive_address("sandbox", hd.new_sandbox_xpub(), 0)
    )
    page = browser.get(f"/dashboard/invoices/{invoice['id']}/").content.decode()
    assert page.count('aria-labelledby="refund-title-') == 2
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    browser.post(
        f"/dashboard/invoices/{invoice['id']}/payout/",
        {"csrfmiddlewaretoken": token, "refund": str(eth.pk), "payout_txid": "ab" * 32},
    )
    assert Refund.objects.get(pk=eth.pk).payout_txid == "ab" * 32
    assert Refund.objects.get(invoice_id=invoice["id"], asset="USDT").payout_txid == ""
