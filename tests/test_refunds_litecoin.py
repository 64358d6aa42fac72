"""Refunds on a real Litecoin Core regtest node (issue 23): a completed LTC invoice refunded
in part, then in full, a third refund refused; the payer claims, the merchant pays from
their own wallet and records the payout, and the scan sees it paid."""

from invoices.models import Refund
from invoices.services import merchant_actions, payer
from tests.test_chain_litecoin import shop  # noqa: F401 (fixture)


def refund(shop, invoice, **body):  # noqa: F811
    return shop.client.post(f"/api/v1/invoices/{invoice['id']}/refunds", body, format="json")


def test_a_completed_ltc_invoice_refunded_in_part_then_in_full(shop):  # noqa: F811
    invoice = shop.invoice("40.00")  # 0.5 LTC at 80 USD/LTC
    shop.pay(invoice, sender=shop.sender())
    shop.mine(2)
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"

    # 10 USD at the locked 80 USD/LTC: 0.125 LTC
    part = refund(shop, invoice, price_amount="10.00", reason="one of four returned")
    assert part.status_code == 201, part.json()
    assert (part.json()["amount"], part.json()["asset"]) == ("0.12500000", "LTC")
    after = shop.get(invoice)
    assert (after["status"], after["refunded_amount"]) == ("completed", "0.12500000")

    rest = refund(shop, invoice)
    assert rest.status_code == 201, rest.json()
    assert rest.json()["amount"] == "0.37500000"
    assert shop.get(invoice)["status"] == "refunded"

    third = refund(shop, invoice, amount="0.00000001")
    assert third.status_code == 409
    assert third.json()["error"]["code"] == "nothing_to_refund"

    # The payer claims the first refund; the merchant pays it from their own wallet.
    first = Refund.objects.get(pk=part.json()["id"])
    address = shop.node.new_address()
    claimed = payer.claim(token=first.claim_token, address=address)
    assert claimed.status == Refund.CLAIMED
    txid = shop.rpc("sendtoaddress", address, "0.125")
    merchant_actions.record_payout(
        invoice_id=invoice["id"], txid=txid, actor="user:owner", refund_id=first.pk
    )
    shop.mine(1)
    shop.scan()
    paid = Refund.objects.get(pk=first.pk)
    assert (paid.status, paid.payout_txid) == (Refund.PAID, txid)
