"""Issue 28: invoices in forwarder collection mode on anvil. Each address is the CREATE2
deposit address for (payout, the invoice's index), with no code until collected; detection
and accounting are the EVM backend's as in the HD mode."""

from __future__ import annotations

import pytest

from chains import forwarders
from core.errors import GatewayError
from invoices.models import Quote
from merchants.models import ForwarderDeposit
from merchants.services import set_forwarder_payout
from tests.test_chain_evm import NETWORK, Shop
from tests.test_chain_litecoin import configure_chains
from tests.test_forwarders import with_forwarders


@pytest.fixture
def fshop(anvil, make_merchant, settings, tmp_path):
    """A live merchant in forwarder mode on ethereum-local, paid in ETH, USDT (returns a
    bool) and USDC (the no-bool token), with a fresh payout address."""
    node = with_forwarders(anvil)
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.{NETWORK}]
rpc_url = "{node.rpc_url}"
confirmations = 2
forwarder_factory = "{node.factory.address}"

[[networks.{NETWORK}.tokens]]
symbol = "USDT"
contract = "{node.token_address}"
decimals = 6

[[networks.{NETWORK}.tokens]]
symbol = "USDC"
contract = "{node.nobool.address}"
decimals = 6
""",
    )
    shop = Shop(node, make_merchant())
    shop.payout = node.w3.eth.account.create().address
    set_forwarder_payout(merchant=shop.client.merchant, network=NETWORK, payout=shop.payout)
    shop.scan()
    return shop


def pay(shop, invoice) -> str:
    """Pays the amount due in the invoice's asset from account 0; returns the tx hash."""
    units = int(invoice["pay_amount"].replace(".", ""))
    if invoice["pay_currency"] == "ETH":
        return shop.node.send_eth(invoice["address"], units)
    token = shop.node.token if invoice["pay_currency"] == "USDT" else shop.node.nobool
    tx = token.functions.transfer(invoice["address"], units)
    return tx.transact({"from": shop.node.accounts[0]}).to_0x_hex()


@pytest.mark.parametrize("asset", ["ETH", "USDT", "USDC"])
def test_forwarder_mode_invoice_is_paid_to_its_create2_address(fshop, asset):
    invoice = fshop.invoice(asset)
    index = Quote.objects.get(invoice_id=invoice["id"]).derivation_index
    factory = fshop.node.factory
    assert invoice["address"] == forwarders.deposit_address(factory.address, fshop.payout, index)
    assert invoice["address"] == factory.functions.depositAddress(fshop.payout, index).call()
    assert fshop.node.w3.eth.get_code(invoice["address"]) == b""  # nothing deployed
    deposit = ForwarderDeposit.objects.get(address=invoice["address"])
    assert (deposit.payout, deposit.salt) == (fshop.payout, index)
    pay(fshop, invoice)
    fshop.node.mine(2)
    fshop.scan()
    assert fshop.get(invoice)["status"] == "completed"


def test_the_payout_is_checked_like_any_evm_address(fshop):
    merchant = fshop.client.merchant
    mixed = fshop.payout[:2] + fshop.payout[2:].swapcase()  # a wrong EIP-55 mix
    if mixed[2:] in (mixed[2:].lower(), mixed[2:].upper()):
        mixed = fshop.payout[:-1] + ("a" if fshop.payout[-1] != "a" else "b")
    with pytest.raises(GatewayError):
        set_forwarder_payout(merchant=merchant, network=NETWORK, payout=mixed)
    with pytest.raises(GatewayError):  # not an EVM network with a factory
        set_forwarder_payout(merchant=merchant, network="litecoin-regtest", payout=fshop.payout)


def test_back_to_hd_mode_derives_from_the_xpub(fshop):
    set_forwarder_payout(merchant=fshop.client.merchant, network=NETWORK, payout="")
    invoice = fshop.invoice("ETH")
    assert invoice["address"] == fshop.wallet_derives(invoice)
