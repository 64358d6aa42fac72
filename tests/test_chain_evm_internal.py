"""Issue 9, case 8: 0.5 ETH forwarded to an invoice's address by a contract (an internal
transfer) pays the invoice, through the real scanner and services on anvil."""

from decimal import Decimal

from chains.backends.evm_rpc import INTERNAL_INDEX
from invoices.models import Transaction
from tests.test_chain_evm import shop  # noqa: F401 (a fixture)


def test_coin_forwarded_by_a_contract_pays_the_invoice(shop):  # noqa: F811
    invoice = shop.invoice("ETH", usd="1500.00")  # 0.5 ETH at 3000 USD/ETH
    wei = int(Decimal(invoice["pay_amount"]) * 10**18)
    assert wei == 5 * 10**17
    forwarder = shop.node.forwarder
    tx_hash = (
        forwarder.functions.forward(invoice["address"])
        .transact({"from": shop.node.accounts[0], "value": wei})
        .to_0x_hex()
    )
    shop.node.mine()  # 2 confirmations
    shop.scan()
    after = shop.get(invoice)
    assert after["status"] == "completed"
    [tx] = after["transactions"]
    assert tx["txid"] == tx_hash
    stored = Transaction.objects.get(txid=tx_hash)
    assert (stored.output_index, stored.amount) == (INTERNAL_INDEX + 1, wei)
    assert stored.from_addresses == [forwarder.address]
