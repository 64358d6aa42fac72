"""The payment ledger on a real anvil node: reorganisations seen through an endpoint without a
mempool API, money in the wrong asset, and coin forwarded by a contract."""

import pytest
from eth_account import Account

from invoices.models import Event, Invoice, Refund, Transaction
from invoices.services import reconciliation
from tests.test_chain_evm import NETWORK, Shop
from tests.test_chain_evm import shop as evm_shop  # noqa: F401 (fixture)
from tests.test_chain_litecoin import configure_chains, events

# anvil's first prefunded account (its well-known test key): transactions signed once can be
# sent again after a reorganisation, so the same txid comes back.
PAYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


@pytest.fixture
def hosted(anvil, anvil_without_txpool, make_merchant, settings, tmp_path):
    """A shop whose node is reached through an endpoint without txpool_content."""
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.{NETWORK}]
rpc_url = "{anvil_without_txpool}"
confirmations = 2
reorg_depth = 4
""",
    )
    shop = Shop(anvil, make_merchant())
    shop.scan()
    return shop


def signed_payment(shop, invoice) -> bytes:
    w3 = shop.node.w3
    payer = Account.from_key(PAYER_KEY)
    tx = {
        "to": invoice["address"],
        "value": 10**16,
        "gas": 21_000,
        "nonce": w3.eth.get_transaction_count(payer.address),
        "maxFeePerGas": 10 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "chainId": w3.eth.chain_id,
    }
    return Account.sign_transaction(tx, PAYER_KEY).raw_transaction


def statuses(invoice) -> list[tuple[str, str]]:
    return [
        (e.type, e.data["status"])
        for e in Event.objects.filter(invoice_id=invoice["id"]).order_by("sequence")
    ]


def test_a_short_reorg_without_a_mempool_api_does_not_revert_a_payment_that_comes_back(hosted):
    """Case 3: un-mined and re-mined within the reorg depth, the payment was never gone."""
    invoice = hosted.invoice("ETH")
    snapshot = hosted.node.rpc("evm_snapshot")
    raw = signed_payment(hosted, invoice)
    txid = hosted.node.w3.eth.send_raw_transaction(raw).to_0x_hex()
    hosted.node.mine()
    hosted.scan()
    assert hosted.get(invoice)["status"] == "completed"

    assert hosted.node.rpc("evm_revert", snapshot)
    hosted.node.mine(2)  # a longer branch, without the payment (yet)
    hosted.scan()
    unmined = hosted.get(invoice)
    assert unmined["status"] == "completed"
    assert (unmined["transactions"][0]["status"], unmined["transactions"][0]["confirmations"]) == (
        "pending",
        0,
    )
    assert events(invoice)[-1] == "transaction_updated"

    assert hosted.node.w3.eth.send_raw_transaction(raw).to_0x_hex() == txid  # mined again
    hosted.node.mine()
    hosted.scan()
    back = hosted.get(invoice)
    assert back["status"] == "completed"
    assert (back["transactions"][0]["status"], back["transactions"][0]["confirmations"]) == (
        "confirmed",
        2,
    )
    assert "transaction_reverted" not in events(invoice)
    assert events(invoice)[-1] == "transaction_confirmed"


def test_a_reverted_payment_that_returns_completes_the_invoice_again(hosted):
    """Case 3, the long way: gone past the reorg depth it is reverted (unresolved/reverted);
    mined again it is live, and the invoice goes back to completed, with an event each."""
    invoice = hosted.invoice("ETH")
    snapshot = hosted.node.rpc("evm_snapshot")
    raw = signed_payment(hosted, invoice)
    hosted.node.w3.eth.send_raw_transaction(raw)
    hosted.node.mine()
    hosted.scan()
    assert hosted.node.rpc("evm_revert", snapshot)
    hosted.node.mine(2)
    hosted.scan()
    hosted.node.mine(4)  # past the reorg depth of 4 blocks
    hosted.scan()
    gone = hosted.get(invoice)
    assert (gone["status"], gone["status_context"]) == ("unresolved", "reverted")

    hosted.node.w3.eth.send_raw_transaction(raw)
    hosted.scan()
    assert hosted.get(invoice)["status"] == "pending"
    hosted.node.mine()
    hosted.scan()
    assert (hosted.get(invoice)["status"], hosted.get(invoice)["status_context"]) == (
        "completed",
        None,
    )
    assert statuses(invoice)[-6:] == [
        ("transaction_reverted", "unresolved"),
        ("status_changed", "unresolved"),
        ("transaction_updated", "pending"),
        ("status_changed", "pending"),
        ("transaction_confirmed", "completed"),
        ("status_changed", "completed"),
    ]


def test_usdt_sent_to_an_eth_address_is_recorded_as_an_extra_payment(evm_shop):  # noqa: F811
    """Case 7: the merchant learns of it, in its own asset, and can refund it."""
    invoice = evm_shop.invoice("ETH")
    txid = evm_shop.node.send_token(invoice["address"], 1_000_000_000)  # 1,000 USDT
    evm_shop.node.mine()
    evm_shop.scan()
    seen = evm_shop.get(invoice)
    [tx] = seen["transactions"]
    assert (tx["txid"], tx["asset"], tx["amount"], tx["counted"]) == (
        txid,
        "USDT",
        "1000.000000",
        False,
    )
    assert (seen["status"], seen["paid_amount"]) == ("new", "0.000000000000000000")
    assert events(invoice) == ["transaction_created", "transaction_confirmed"]

    Invoice.objects.filter(pk=invoice["id"]).update(
        expires_at=Invoice.objects.get(pk=invoice["id"]).created_at
    )
    reconciliation.sweep()
    held = evm_shop.get(invoice)
    assert (held["status"], held["status_context"]) == ("unresolved", "underpaid")
    refund = evm_shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json"
    ).json()
    assert (refund["asset"], refund["amount"]) == ("USDT", "1000.000000")


def test_eth_sent_to_a_usdt_address_is_an_extra_payment_beside_the_counted_one(evm_shop):  # noqa: F811
    invoice = evm_shop.invoice("USDT")
    evm_shop.pay(invoice)
    evm_shop.node.send_eth(invoice["address"], 10**17)
    evm_shop.node.mine()
    evm_shop.scan()
    done = evm_shop.get(invoice)
    assert (done["status"], done["status_context"], done["paid_amount"]) == (
        "completed",
        "overpaid",
        "30.000000",
    )
    extra = [tx for tx in done["transactions"] if not tx["counted"]]
    assert [(tx["asset"], tx["amount"]) for tx in extra] == [("ETH", "0.100000000000000000")]
    response = evm_shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/resolve",
        {"action": "refund", "refund_amount": "excess"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["asset"], response.json()["amount"]) == (
        "ETH",
        "0.100000000000000000",
    )
    assert evm_shop.get(invoice)["status"] == "completed"
    assert Refund.objects.filter(invoice_id=invoice["id"]).count() == 1


def test_coin_forwarded_by_a_contract_pays_the_invoice(evm_shop):  # noqa: F811
    """Case 8: an internal transaction (a forwarder contract) is a payment like any other."""
    invoice = evm_shop.invoice("ETH")
    node = evm_shop.node
    node.forwarder.functions.forward(invoice["address"]).transact(
        {"from": node.accounts[4], "value": 10**16}
    )
    node.mine()
    evm_shop.scan()
    done = evm_shop.get(invoice)
    assert (done["status"], done["paid_amount"]) == ("completed", "0.010000000000000000")
    [tx] = done["transactions"]
    assert tx["from_addresses"] == [node.forwarder.address]
    assert Transaction.objects.get(invoice_id=invoice["id"]).amount == 10**16
    assert evm_shop.received(invoice) == 10**16
