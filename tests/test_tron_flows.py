"""TRON invoices end to end through the test node (tests/tron_node.py): the merchant's TRON
account key derives a `T…` address per invoice, a payer sends TRX or USDT-TRC20 as a TRON
wallet does, and the real scanner and services judge what the node serves — pending once in
a block, completed once 19 blocks deep and solidified."""

import secrets
from decimal import Decimal

import pytest
from bip_utils import Bip39SeedGenerator, Bip44, Bip44Changes, Bip44Coins

from chains import registry
from chains.backends import get_backend
from chains.backends.tron import PENDING_NOT_READ, TronBackend
from chains.models import ChainCursor
from invoices.models import Quote, Transaction
from merchants.services import set_wallet
from tests.support import set_callback_url
from tests.test_chain_litecoin import MNEMONIC, configure_chains, events
from tests.test_tron_backend import FAKE_USDT, ROUTER, USDT, tron_config
from tests.tron_node import Account
from worker.tasks import scan_network

NETWORK = "tron-local"
DEPTH = 19  # TRON's solidification depth, the network's confirmations


class Shop:
    """A merchant with a TRON wallet, a payer, and the chain moves a test makes."""

    def __init__(self, node, client):
        self.node, self.client = node, client
        self.account = secrets.randbelow(2**31)
        seed = Bip39SeedGenerator(MNEMONIC).Generate()
        self.key = Bip44.FromSeed(seed, Bip44Coins.TRON).Purpose().Coin().Account(self.account)
        set_wallet(merchant=client.merchant, family="tron", xpub=self.key.PublicKey().ToExtended())
        self.payer = Account.new()

    def invoice(self, asset="USDT", usd="30.00", **body) -> dict:
        """30 USD is 150 TRX at the static 0.2 USD/TRX, or 30 USDT."""
        response = self.client.post(
            "/api/v1/invoices",
            {
                "price_amount": usd,
                "price_currency": "USD",
                "pay_currency": asset,
                "network": NETWORK,
                **body,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        return response.json()

    def get(self, invoice) -> dict:
        return self.client.get(f"/api/v1/invoices/{invoice['id']}").json()

    def scan(self):
        return scan_network(NETWORK)

    def pay(self, invoice, amount=None, **how) -> str:
        units = int(Decimal(amount or invoice["pay_amount"]) * 10**6)
        if invoice["pay_currency"] == "TRX":
            return self.node.send_trx(self.payer, invoice["address"], units)
        return self.node.send_token(
            self.payer, how.pop("token", USDT), invoice["address"], units, **how
        )

    def wallet_derives(self, invoice) -> str:
        """The address a standard BIP44 TRON wallet (bip-utils' own) derives at the index."""
        index = Quote.objects.get(invoice_id=invoice["id"]).derivation_index
        return self.key.Change(Bip44Changes.CHAIN_EXT).AddressIndex(index).PublicKey().ToAddress()

    def state(self, invoice) -> tuple:
        data = self.get(invoice)
        return data["status"], data["status_context"]


@pytest.fixture
def shop(tron_node, make_merchant, settings, tmp_path):
    configure_chains(settings, tmp_path, tron_config(tron_node))
    tron_node.mine(3)
    shop = Shop(tron_node, make_merchant())
    shop.scan()  # the cursor starts at the tip
    return shop


def confirm(shop, blocks=DEPTH - 1):
    shop.node.mine(blocks)
    shop.scan()


def test_exact_trx_payment_is_pending_in_its_block_then_completed_19_deep(shop):
    invoice = shop.invoice("TRX")
    assert invoice["pay_amount"] == "150.000000" and invoice["address"].startswith("T")
    assert shop.wallet_derives(invoice) == invoice["address"]
    assert invoice["payment_uri"] is None  # TRON wallets share no URI scheme
    txid = shop.pay(invoice)
    shop.scan()
    assert shop.get(invoice)["status"] == "new"  # in the pending pool: not read
    shop.node.mine()
    shop.scan()
    seen = shop.get(invoice)
    assert seen["status"] == "pending"
    [tx] = seen["transactions"]
    assert (tx["txid"], tx["amount"], tx["confirmations"]) == (txid, "150.000000", 1)
    assert tx["from_addresses"] == [shop.payer.address]
    assert Transaction.objects.get(txid=txid).amount == 150_000_000
    confirm(shop, DEPTH - 2)
    assert shop.get(invoice)["transactions"][0]["confirmations"] == DEPTH - 1
    assert shop.get(invoice)["status"] == "pending"
    confirm(shop, 1)
    done = shop.get(invoice)
    assert done["status"] == "completed" and done["paid_amount"] == "150.000000"
    assert events(invoice) == [
        "transaction_created",
        "status_changed",
        "transaction_confirmed",
        "status_changed",
    ]
    assert ChainCursor.objects.get(network=NETWORK).notices == [PENDING_NOT_READ]


def test_exact_usdt_payment_completes(shop):
    invoice = shop.invoice("USDT")
    assert invoice["pay_amount"] == "30.000000"
    txid = shop.pay(invoice)
    shop.node.mine()
    shop.scan()
    assert shop.state(invoice) == ("pending", None)
    confirm(shop)
    done = shop.get(invoice)
    assert done["status"] == "completed"
    assert [t["txid"] for t in done["transactions"]] == [txid]


def test_usdt_by_transfer_from_and_through_another_contract_completes(shop):
    holder = Account.new()
    pulled, routed = shop.invoice("USDT"), shop.invoice("USDT")
    shop.pay(pulled, holder=holder.address)  # the payer spends holder's allowance
    shop.pay(routed, via=ROUTER)  # a contract moves the payer's tokens
    shop.node.mine()
    confirm(shop)
    for invoice, sender in ((pulled, holder), (routed, shop.payer)):
        done = shop.get(invoice)
        assert done["status"] == "completed"
        assert done["transactions"][0]["from_addresses"] == [sender.address]


def test_underpayment_then_top_up_completes(shop):
    invoice = shop.invoice("USDT")
    shop.pay(invoice, "12.5")
    shop.node.mine()
    confirm(shop)
    partial = shop.get(invoice)
    assert (partial["status"], partial["status_context"]) == ("pending", "underpaid")
    assert partial["remaining_amount"] == "17.500000"
    shop.pay(invoice, partial["remaining_amount"])
    shop.node.mine()
    confirm(shop)
    assert shop.get(invoice)["status"] == "completed"


def test_overpayment_is_unresolved_overpaid(shop):
    invoice = shop.invoice("TRX")
    shop.pay(invoice, "200")
    shop.node.mine()
    confirm(shop)
    assert shop.state(invoice) == ("unresolved", "overpaid")


def test_a_failed_call_and_a_look_alike_usdt_never_credit(shop):
    invoice = shop.invoice("USDT")
    shop.pay(invoice, result="REVERT")
    shop.pay(invoice, token=FAKE_USDT)  # a contract of its own calling itself USDT
    shop.node.mine()
    confirm(shop)
    assert shop.get(invoice)["status"] == "new"
    assert not Transaction.objects.filter(invoice_id=invoice["id"]).exists()


def test_a_payment_among_200_unrelated_transactions(shop):
    invoice = shop.invoice("USDT")
    shop.node.fill(100, token=USDT)
    txid = shop.pay(invoice)
    shop.node.fill(100, token=USDT)
    shop.node.mine()
    shop.scan()
    assert len(shop.node.blocks[-1]["transactions"]) == 201
    assert [t["txid"] for t in shop.get(invoice)["transactions"]] == [txid]


def test_a_reorganisation_that_drops_the_payment_reverts_it(shop):
    invoice = shop.invoice("USDT")
    txid = shop.pay(invoice)
    shop.node.mine(3)
    shop.scan()
    assert shop.get(invoice)["status"] == "pending"
    shop.node.reorg(3, drop={txid})  # a longer branch without it, nor in the pending pool
    shop.scan()
    after = shop.get(invoice)
    assert (after["status"], after["transactions"][0]["status"]) == ("new", "reverted")
    confirm(shop)
    assert shop.get(invoice)["status"] == "new"


def test_a_reorganisation_that_mines_the_payment_again_confirms_it_on_the_new_branch(shop):
    invoice = shop.invoice("TRX")
    txid = shop.pay(invoice)
    shop.node.mine(5)
    shop.scan()
    before = shop.get(invoice)["transactions"][0]
    assert before["confirmations"] == 5
    orphaned = Transaction.objects.get(txid=txid).block_hash
    shop.node.reorg(5)  # the same transaction, in the first block of a longer branch
    shop.scan()
    [tx] = shop.get(invoice)["transactions"]
    assert tx["txid"] == txid and tx["status"] == "pending"
    assert tx["block_height"] == before["block_height"] and tx["confirmations"] == 6
    assert (
        Transaction.objects.get(txid=txid).block_hash
        == shop.node.blocks[tx["block_height"]]["blockID"]
        != orphaned
    )
    confirm(shop, DEPTH - 6)
    assert shop.get(invoice)["status"] == "completed"


def test_a_reorganisation_after_completion_makes_it_unresolved_reverted(shop):
    invoice = shop.invoice("USDT")
    txid = shop.pay(invoice)
    shop.node.mine()
    confirm(shop)
    assert shop.get(invoice)["status"] == "completed"
    shop.node.reorg(DEPTH, drop={txid})  # deeper than solidification: a broken network
    shop.scan()
    assert shop.state(invoice) == ("unresolved", "reverted")


def test_completed_only_once_the_block_is_solidified(shop):
    invoice = shop.invoice("USDT")
    shop.pay(invoice)
    shop.node.mine()
    paid_at = shop.node.height
    shop.node.solidified = paid_at - 1  # the super representatives stop confirming
    confirm(shop, 40)
    seen = shop.get(invoice)
    assert seen["status"] == "pending"  # 41 blocks on top, but not solidified
    assert seen["transactions"][0]["confirmations"] == 41  # the depth under the head
    shop.node.solidified = paid_at
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"


def test_fee_estimates_for_include_fee(shop):
    backend = get_backend(registry.get_network(NETWORK))
    assert isinstance(backend, TronBackend)
    trx, usdt = registry.get_network(NETWORK).assets
    assert (backend.fee_estimate_for(trx), backend.fee_estimate_for(usdt)) == (
        1_370_000,
        13_345_000,
    )


def test_callbacks_follow_the_payment(transactional_db, shop, receiver, settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True
    set_callback_url(shop.client.merchant.pk, receiver.url)
    invoice = shop.invoice("USDT")
    shop.pay(invoice)
    shop.node.mine()
    shop.scan()
    confirm(shop)
    bodies = receiver.bodies()
    assert [(b["event"], b["data"]["status"]) for b in bodies] == [
        ("transaction_created", "pending"),
        ("status_changed", "pending"),
        ("transaction_confirmed", "completed"),
        ("status_changed", "completed"),
    ]
    assert bodies[0]["data"]["transactions"][0]["from_addresses"] == [shop.payer.address]


def test_include_fee_adds_the_energy_of_a_token_transfer_in_usdt(shop):
    """13.345 TRX of energy and bandwidth at 0.2 USD/TRX (5 TRX per USDT) is 2.669 USDT."""
    usdt = shop.invoice("USDT", include_fee=True)
    assert (usdt["pay_amount"], usdt["fee_amount"]) == ("32.669000", "2.669000")
    trx = shop.invoice("TRX", include_fee=True)  # 1.37 TRX: bandwidth and the activation
    assert (trx["pay_amount"], trx["fee_amount"]) == ("151.370000", "1.370000")


def test_without_a_pending_list_a_dropped_payment_is_reverted_after_reorg_depth(shop):
    shop.node.pending_list = False  # a provider that does not serve the pending pool
    invoice = shop.invoice("USDT")
    txid = shop.pay(invoice)
    shop.node.mine(2)
    shop.scan()
    shop.node.reorg(2, drop={txid})
    shop.scan()
    assert shop.get(invoice)["transactions"][0]["status"] == "pending"  # may come back
    shop.node.mine(registry.get_network(NETWORK).reorg_depth)
    shop.scan()
    assert shop.get(invoice)["transactions"][0]["status"] == "reverted"
