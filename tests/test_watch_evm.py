"""Issue 23 on a real anvil node: a claimed refund paid from the merchant's wallet (another
account, in the test USDT token and in ETH) becomes paid then confirmed without a click, and
a payout a reorganisation removes returns the refund to claimed."""

from invoices.models import Event, Refund
from invoices.services import payer
from tests.test_chain_evm import shop  # noqa: F401 (fixture)


def claimed_refund(shop, asset="USDT", pays="31") -> Refund:  # noqa: F811
    """A 30 USD invoice in `asset` paid `pays`; its excess refunded and claimed to one of
    anvil's accounts (the payer's wallet)."""
    invoice = shop.invoice(asset)
    shop.pay(invoice, pays)
    shop.node.mine()
    shop.scan()
    offered = shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/resolve",
        {"action": "refund", "refund_amount": "excess"},
        format="json",
    ).json()
    assert offered.get("asset") == asset, offered
    token = offered["claim_url"].rsplit("#", 1)[1]
    shop.node.send_token(shop.node.accounts[5], 10_000_000)  # the merchant's wallet: 10 USDT
    return payer.claim(token=token, address=shop.node.accounts[7])


def statuses(refund) -> list[str]:
    updates = Event.objects.filter(invoice_id=refund.invoice_id, type="refund_updated")
    return [e.data["refunds"][0]["status"] for e in updates.order_by("sequence")]


def test_a_usdt_refund_paid_from_another_account_is_paid_then_confirmed(shop):  # noqa: F811
    refund = claimed_refund(shop)
    assert refund.amount == 1_000_000  # 1 USDT
    merchant_wallet = shop.node.accounts[5]
    txid = shop.node.send_token(refund.address, refund.amount, sender=merchant_wallet)
    shop.scan()  # automined: one block, one confirmation of two
    refund.refresh_from_db()
    assert (refund.status, refund.payout_txid) == (Refund.PAID, txid.lower())
    shop.node.mine()
    shop.scan()
    refund.refresh_from_db()
    assert refund.status == Refund.CONFIRMED
    assert statuses(refund)[-2:] == ["paid", "confirmed"]


def test_an_eth_refund_needs_the_full_amount_in_eth(shop):  # noqa: F811
    refund = claimed_refund(shop, "ETH", "0.011")
    assert refund.amount == 10**15
    shop.node.send_token(refund.address, 10**6, sender=shop.node.accounts[5])  # another asset
    shop.node.send_eth(refund.address, 10**15 - 1, sender=shop.node.accounts[5])  # too little
    shop.node.mine(2)
    shop.scan()
    refund.refresh_from_db()
    assert refund.status == Refund.CLAIMED
    shop.node.send_eth(refund.address, 10**15, sender=shop.node.accounts[5])
    shop.node.mine()
    shop.scan()
    refund.refresh_from_db()
    assert refund.status == Refund.CONFIRMED  # two blocks deep at the first look


def test_a_payout_removed_by_a_reorganisation_returns_the_refund_to_claimed(shop):  # noqa: F811
    refund = claimed_refund(shop)
    snapshot = shop.node.rpc("evm_snapshot")
    shop.node.send_token(refund.address, refund.amount, sender=shop.node.accounts[5])
    shop.scan()
    refund.refresh_from_db()
    assert refund.status == Refund.PAID
    assert shop.node.rpc("evm_revert", snapshot)  # the payout's block goes
    shop.node.mine(3)  # a longer branch without it
    shop.scan()
    refund.refresh_from_db()
    assert (refund.status, refund.payout_txid, refund.paid_at) == (Refund.CLAIMED, "", None)
    assert statuses(refund)[-2:] == ["paid", "claimed"]
