"""The invoice lifecycle on a real anvil node, in native ETH and in the test USDT token.

Addresses come from a merchant's BIP44 account key (the test mnemonic), checked against
eth_account's own HD derivation; payments are made by anvil's unlocked accounts, and the
real scanner and services judge them. The node automines (a block per transaction) unless
a test pauses it to see the mempool.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
from bip_utils import Bip39SeedGenerator, Bip44, Bip44Coins
from django.utils import timezone
from eth_account import Account

from chains import scanner
from chains.backends import get_backend
from chains.registry import get_network
from invoices import selectors
from invoices.models import Invoice, Quote, Transaction
from invoices.services import reconciliation
from merchants.services import set_wallet
from tests.test_chain_litecoin import MNEMONIC, configure_chains, events
from worker.tasks import scan_network

NETWORK = "ethereum-local"
DECIMALS = {"ETH": 18, "USDT": 6}


class Shop:
    """A merchant with an EVM wallet, and the chain moves a test makes."""

    def __init__(self, node, client):
        self.node, self.client = node, client
        self.account = secrets.randbelow(2**31)
        seed = Bip39SeedGenerator(MNEMONIC).Generate()
        key = Bip44.FromSeed(seed, Bip44Coins.ETHEREUM).Purpose().Coin().Account(self.account)
        set_wallet(merchant=client.merchant, family="evm", xpub=key.PublicKey().ToExtended())

    def invoice(self, asset="ETH", usd="30.00", **body) -> dict:
        """A fixed invoice: 30 USD is 0.01 ETH at the static 3000 USD/ETH, or 30 USDT."""
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

    def pay(self, invoice, amount=None, sender=None) -> str:
        """Pay the invoice's address in its currency (the amount due unless told, as a
        decimal string); returns the tx hash."""
        asset = invoice["pay_currency"]
        units = int(Decimal(amount or invoice["pay_amount"]) * 10 ** DECIMALS[asset])
        send = self.node.send_eth if asset == "ETH" else self.node.send_token
        return send(invoice["address"], units, sender=sender)

    def received(self, invoice) -> int:
        """Base units the node says the invoice's address holds."""
        address = invoice["address"]
        if invoice["pay_currency"] == "ETH":
            return self.node.w3.eth.get_balance(address)
        return self.node.token.functions.balanceOf(address).call()

    def wallet_derives(self, invoice) -> str:
        """The address a standard HD wallet (eth_account) derives at the invoice's index."""
        index = Quote.objects.get(invoice_id=invoice["id"]).derivation_index
        Account.enable_unaudited_hdwallet_features()
        return Account.from_mnemonic(
            MNEMONIC, account_path=f"m/44'/60'/{self.account}'/0/{index}"
        ).address


@pytest.fixture
def shop(anvil, make_merchant, settings, tmp_path):
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.{NETWORK}]
rpc_url = "{anvil.rpc_url}"
confirmations = 2

[[networks.{NETWORK}.tokens]]
symbol = "USDT"
contract = "{anvil.token_address}"
decimals = 6
""",
    )
    shop = Shop(anvil, make_merchant())
    shop.scan()  # the cursor starts at the tip
    return shop


@pytest.fixture
def paused(anvil):
    """Blocks only when the test mines them: transactions wait in the mempool."""
    anvil.set_automine(False)
    yield
    anvil.mine()
    anvil.set_automine(True)


def test_exact_eth_payment_is_pending_from_the_mempool_then_completed(shop, paused):
    invoice = shop.invoice("ETH")
    assert invoice["pay_amount"] == "0.010000000000000000"
    assert shop.wallet_derives(invoice) == invoice["address"]
    txid = shop.pay(invoice)
    shop.scan()
    seen = shop.get(invoice)
    assert seen["status"] == "pending"
    [tx] = seen["transactions"]
    assert (tx["txid"], tx["confirmations"], tx["block_height"]) == (txid, 0, None)
    assert tx["from_addresses"] == [shop.node.accounts[0]]
    assert Transaction.objects.get(txid=txid).amount == 10**16

    shop.node.mine()
    shop.scan()
    assert shop.get(invoice)["transactions"][0]["confirmations"] == 1
    assert shop.get(invoice)["status"] == "pending"
    shop.node.mine()
    shop.scan()
    done = shop.get(invoice)
    assert done["status"] == "completed" and done["paid_amount"] == "0.010000000000000000"
    assert shop.received(invoice) == 10**16
    assert events(invoice) == [
        "transaction_created",
        "status_changed",
        "transaction_confirmed",
        "status_changed",
    ]


def test_exact_usdt_payment_is_pending_when_mined_then_completed(shop):
    invoice = shop.invoice("USDT")
    assert invoice["pay_amount"] == "30.000000"
    txid = shop.pay(invoice)
    shop.scan()
    seen = shop.get(invoice)
    assert seen["status"] == "pending"  # token transfers are seen in their block
    [tx] = seen["transactions"]
    assert (tx["txid"], tx["amount"], tx["confirmations"]) == (txid, "30.000000", 1)
    assert Transaction.objects.get(txid=txid).amount == 30_000_000
    shop.node.mine()
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"
    assert shop.received(invoice) == 30_000_000


def test_underpayment_then_top_up_completes(shop):
    invoice = shop.invoice("USDT")
    shop.pay(invoice, "12.5")
    shop.node.mine()
    shop.scan()
    partial = shop.get(invoice)
    assert (partial["status"], partial["status_context"]) == ("pending", "underpaid")
    assert partial["remaining_amount"] == "17.500000"
    shop.pay(invoice, partial["remaining_amount"])
    shop.node.mine()
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"
    assert shop.received(invoice) == 30_000_000


def test_overpayment_is_unresolved_overpaid(shop):
    invoice = shop.invoice("ETH")
    shop.pay(invoice, "0.015")
    shop.node.mine()
    shop.scan()
    over = shop.get(invoice)
    assert (over["status"], over["status_context"]) == ("unresolved", "overpaid")
    assert shop.received(invoice) == 15 * 10**15


def test_payment_after_expiry_within_the_late_window_is_paid_late(shop):
    invoice = shop.invoice("USDT")
    Invoice.objects.filter(pk=invoice["id"]).update(
        expires_at=timezone.now() - timedelta(minutes=5)
    )
    reconciliation.sweep()
    shop.pay(invoice)
    shop.node.mine()
    shop.scan()
    late = shop.get(invoice)
    assert (late["status"], late["status_context"]) == ("unresolved", "paid_late")


def test_payments_from_two_senders_are_unresolved(shop):
    invoice = shop.invoice("ETH")
    shop.pay(invoice, "0.005", sender=shop.node.accounts[1])
    shop.pay(invoice, "0.005", sender=shop.node.accounts[2])
    shop.node.mine()
    shop.scan()
    both = shop.get(invoice)
    assert (both["status"], both["status_context"]) == ("unresolved", "multiple_senders")


def test_payment_unconfirmed_past_the_processing_timeout_fails(shop, paused):
    invoice = shop.invoice("ETH")
    shop.pay(invoice)
    shop.scan()
    assert shop.get(invoice)["status"] == "pending"
    long_ago = timezone.now() - timedelta(hours=24, minutes=1)
    Transaction.objects.filter(invoice_id=invoice["id"]).update(
        paid_at=long_ago, detected_at=long_ago
    )
    reconciliation.sweep()
    assert shop.get(invoice)["status"] == "failed"


def test_reorganisation_removing_a_completed_payment_makes_it_unresolved_reverted(shop):
    invoice = shop.invoice("USDT")
    snapshot = shop.node.rpc("evm_snapshot")
    shop.pay(invoice)
    shop.node.mine()
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"

    assert shop.node.rpc("evm_revert", snapshot)  # the blocks and their transactions go
    shop.node.mine(3)  # a longer branch without the payment
    shop.scan()
    after = shop.get(invoice)
    assert (after["status"], after["status_context"]) == ("unresolved", "reverted")
    assert after["transactions"][0]["status"] == "reverted"
    assert shop.received(invoice) == 0
    assert events(invoice)[-2:] == ["transaction_reverted", "status_changed"]


def test_reorganisation_to_a_branch_of_equal_length_returns_a_pending_invoice_to_new(shop):
    invoice = shop.invoice("ETH")
    snapshot = shop.node.rpc("evm_snapshot")
    shop.pay(invoice)
    shop.scan()
    assert shop.get(invoice)["status"] == "pending"
    height = shop.node.w3.eth.block_number

    assert shop.node.rpc("evm_revert", snapshot)
    shop.node.mine()
    assert shop.node.w3.eth.block_number == height
    shop.scan()
    after = shop.get(invoice)
    assert after["status"] == "new" and after["transactions"][0]["status"] == "reverted"


def test_scanner_stopped_for_50_blocks_catches_up_in_bounded_batches(shop):
    invoices = [shop.invoice("USDT"), shop.invoice("ETH"), shop.invoice("USDT")]
    for invoice in invoices:
        shop.pay(invoice)
        shop.node.mine(16)  # with the payment's own block: 51 blocks
    network = get_network(NETWORK)

    reports = [
        scanner.scan(
            network,
            get_backend(network),
            selectors.watched_addresses,
            reconciliation.apply_transfers,
            max_blocks=20,
        )
        for _ in range(3)
    ]
    assert [r.mempool_txids is None for r in reports] == [True, True, False]
    assert reports[-1].tip_height == shop.node.w3.eth.block_number
    for invoice in invoices:
        assert shop.get(invoice)["status"] == "completed"
    assert Transaction.objects.count() == 3


@pytest.fixture
def denied(shop):
    """Account 3 is on the merchant's deny list (written in lower case)."""
    shop.client.merchant.deny_list = [shop.node.accounts[3].lower()]
    shop.client.merchant.save()
    return shop.node.accounts[3]


def test_deny_listed_sender_is_held_for_review_then_approved(shop, denied):
    invoice = shop.invoice("ETH")
    shop.pay(invoice, sender=denied)
    shop.node.mine()
    shop.scan()
    assert shop.get(invoice)["status"] == "compliance_review"
    response = shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/review", {"action": "approve"}, format="json"
    )
    assert response.json()["status"] == "completed"


def test_deny_listed_sender_declined(shop, denied):
    invoice = shop.invoice("ETH")
    shop.pay(invoice, sender=denied)
    shop.scan()
    response = shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/review", {"action": "decline"}, format="json"
    )
    assert response.json()["status"] == "declined"
