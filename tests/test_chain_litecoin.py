"""The invoice lifecycle on a real Litecoin Core regtest node.

Addresses come from a merchant's BIP84 account key (a test mnemonic), payments are made by
the node's wallet, and the real scanner and services judge them — the flows of
test_flows.py, on a real chain. Every test uses a fresh account of the mnemonic, so the
addresses it watches were never paid by another test of the session.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
from bip_utils import Bip39SeedGenerator, Bip84, Bip84Coins
from django.utils import timezone

from chains import scanner, screening
from chains.backends import get_backend
from chains.registry import get_network
from invoices import selectors
from invoices.models import Event, Invoice, Quote, Transaction
from invoices.services import reconciliation
from merchants.services import set_wallet
from tests.support import set_callback_url
from webhooks import callbacks
from worker.tasks import scan_network

MNEMONIC = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
    "abandon about"
)  # the BIP39 test vector: never holds real coins
NETWORK = "litecoin-regtest"
FEE = Decimal("0.0001")  # what the test's hand-made transactions pay


def configure_chains(settings, tmp_path, toml: str) -> None:
    """Switch networks on for one test, as an operator does: a CHAINS_CONFIG file."""
    path = tmp_path / "chains.toml"
    path.write_text(toml)
    settings.CHAINS_CONFIG = str(path)


def events(invoice) -> list[str]:
    return list(
        Event.objects.filter(invoice_id=invoice["id"])
        .order_by("sequence")
        .values_list("type", flat=True)
    )


class Shop:
    """A merchant with a Litecoin regtest wallet, and the chain moves a test makes."""

    def __init__(self, node, client):
        self.node, self.client = node, client
        seed = Bip39SeedGenerator(MNEMONIC).Generate()
        account = (
            Bip84.FromSeed(seed, Bip84Coins.LITECOIN_TESTNET)
            .Purpose()
            .Coin()
            .Account(secrets.randbelow(2**31))
        )
        self.wallet = set_wallet(
            merchant=client.merchant, family=NETWORK, xpub=account.PublicKey().ToExtended()
        )

    def rpc(self, method, *params):
        return self.node.rpc(method, *params)

    def invoice(self, usd="8.00", **body) -> dict:
        """A fixed LTC invoice: 8 USD at the static 80 USD/LTC is 0.1 LTC."""
        response = self.client.post(
            "/api/v1/invoices",
            {
                "price_amount": usd,
                "price_currency": "USD",
                "pay_currency": "LTC",
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

    def mine(self, blocks=1) -> list[str]:
        return self.node.mine(blocks)

    def sender(self, coins="1") -> str:
        """A fresh address of the node's wallet holding one confirmed coin of `coins` LTC:
        one payer, whose every payment spends from (and returns change to) that address."""
        address = self.node.new_address()
        self.rpc("sendtoaddress", address, coins)
        self.mine()
        return address

    def signed(self, sender: str, pays: dict[str, str]) -> str:
        """A transaction spending all of `sender`'s coins: `pays` {address: LTC}, the rest
        back to `sender` less the fee. Signed, not sent."""
        coins = self.rpc("listunspent", 0, 9_999_999, [sender])
        change = sum(c["amount"] for c in coins) - sum(map(Decimal, pays.values())) - FEE
        raw = self.rpc(
            "createrawtransaction",
            [{"txid": c["txid"], "vout": c["vout"]} for c in coins],
            {**pays, sender: str(change)},
        )
        return self.rpc("signrawtransactionwithwallet", raw)["hex"]

    def pay(self, invoice, amount=None, sender=None) -> str:
        """Pay the invoice's address (the amount due unless told); returns the txid."""
        amount = amount or invoice["pay_amount"]
        if sender is None:
            return self.rpc("sendtoaddress", invoice["address"], amount)
        return self.rpc("sendrawtransaction", self.signed(sender, {invoice["address"]: amount}))

    def received(self, invoice) -> int:
        """Litoshi the node's UTXO set holds at the invoice's address (confirmed only)."""
        total = self.rpc("scantxoutset", "start", [f"addr({invoice['address']})"])["total_amount"]
        return int(total * 10**8)

    def node_derives(self, invoice) -> str:
        """The address the node itself derives from the merchant's key at the invoice's
        index: the merchant's own wallet would see the payment."""
        index = Quote.objects.get(invoice_id=invoice["id"]).derivation_index
        descriptor = self.rpc("getdescriptorinfo", f"wpkh({self.wallet.xpub}/0/*)")["descriptor"]
        return self.rpc("deriveaddresses", descriptor, [index, index])[0]

    def replace_in_new_branch(self, block_hash: str, replacement_hex: str, blocks: int) -> None:
        """A reorganisation: `block_hash` and its descendants leave the chain, and a branch
        of `blocks` blocks whose first carries `replacement_hex` takes its place, so the
        transactions it conflicts with are gone from chain and mempool alike."""
        self.rpc("invalidateblock", block_hash)
        self.rpc("generateblock", self.node.mining_address, [replacement_hex])
        self.mine(blocks - 1)


@pytest.fixture
def shop(litecoind, make_merchant, settings, tmp_path):
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.{NETWORK}]
rpc_url = "{litecoind.rpc_url}"
confirmations = 2
""",
    )
    shop = Shop(litecoind, make_merchant())
    shop.scan()  # the cursor starts at the tip: what follows is what the test does
    return shop


def test_exact_payment_is_pending_from_the_mempool_then_completed(shop):
    invoice = shop.invoice()
    assert invoice["address"].startswith("rltc1") and invoice["pay_amount"] == "0.10000000"
    assert shop.node_derives(invoice) == invoice["address"]

    txid = shop.pay(invoice)
    shop.scan()
    seen = shop.get(invoice)
    assert seen["status"] == "pending"
    [tx] = seen["transactions"]
    assert (tx["txid"], tx["amount"], tx["confirmations"], tx["block_height"]) == (
        txid,
        "0.10000000",
        0,
        None,
    )
    assert tx["required_confirmations"] == 2 and tx["from_addresses"]
    assert Transaction.objects.get(txid=txid).amount == 10_000_000

    shop.mine()
    shop.scan()
    assert shop.get(invoice)["status"] == "pending"
    assert shop.get(invoice)["transactions"][0]["confirmations"] == 1
    shop.mine()
    shop.scan()
    done = shop.get(invoice)
    assert done["status"] == "completed" and done["paid_amount"] == "0.10000000"
    assert done["transactions"][0]["status"] == "confirmed"
    assert shop.received(invoice) == 10_000_000
    assert events(invoice) == [
        "transaction_created",
        "status_changed",
        "transaction_confirmed",
        "status_changed",
    ]


def test_merchant_override_raises_the_confirmations_needed(shop):
    shop.client.merchant.confirmations = {NETWORK: 3}
    shop.client.merchant.save()
    invoice = shop.invoice()
    shop.pay(invoice)
    shop.mine(2)
    shop.scan()
    assert shop.get(invoice)["transactions"][0]["required_confirmations"] == 3
    assert shop.get(invoice)["status"] == "pending"
    shop.mine()
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"


def test_underpayment_then_top_up_from_the_same_payer_completes(shop):
    invoice, payer = shop.invoice(), shop.sender()
    shop.pay(invoice, "0.04", sender=payer)
    shop.mine(2)
    shop.scan()
    partial = shop.get(invoice)
    assert (partial["status"], partial["status_context"]) == ("pending", "underpaid")
    assert partial["remaining_amount"] == "0.06000000"
    shop.pay(invoice, partial["remaining_amount"], sender=payer)
    shop.mine(2)
    shop.scan()
    done = shop.get(invoice)
    assert (done["status"], done["paid_amount"]) == ("completed", "0.10000000")
    assert shop.received(invoice) == 10_000_000


def test_overpayment_is_unresolved_overpaid(shop):
    invoice = shop.invoice()
    shop.pay(invoice, "0.13")
    shop.mine(2)
    shop.scan()
    over = shop.get(invoice)
    assert (over["status"], over["status_context"]) == ("unresolved", "overpaid")
    assert over["paid_amount"] == "0.13000000" and shop.received(invoice) == 13_000_000


def test_payment_after_expiry_within_the_late_window_is_paid_late(shop):
    invoice = shop.invoice()
    Invoice.objects.filter(pk=invoice["id"]).update(
        expires_at=timezone.now() - timedelta(minutes=5)
    )
    reconciliation.sweep()
    assert shop.get(invoice)["status"] == "expired"
    shop.pay(invoice)
    shop.scan()
    assert shop.get(invoice)["status"] == "expired"  # judged once confirmed
    shop.mine(2)
    shop.scan()
    late = shop.get(invoice)
    assert (late["status"], late["status_context"]) == ("unresolved", "paid_late")


def test_payments_from_two_addresses_are_one_payer_on_a_utxo_chain(shop):
    """Wallets spend from fresh addresses: senders identify nobody (PRODUCT.md)."""
    invoice = shop.invoice()
    shop.pay(invoice, "0.05", sender=shop.sender())
    shop.pay(invoice, "0.05", sender=shop.sender())
    shop.mine(2)
    shop.scan()
    both = shop.get(invoice)
    assert (both["status"], both["status_context"]) == ("completed", None)
    assert len({tuple(tx["from_addresses"]) for tx in both["transactions"]}) == 2


def test_payment_unconfirmed_past_the_processing_timeout_fails(shop):
    invoice = shop.invoice()
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
    invoice, payer = shop.invoice(), shop.sender()
    # The payer signs a double spend of the same coin first, to mine it in a longer branch.
    double_spend = shop.signed(payer, {})
    txid = shop.pay(invoice, sender=payer)
    block = shop.mine()[0]
    shop.mine()
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"
    assert shop.received(invoice) == 10_000_000

    shop.replace_in_new_branch(block, double_spend, blocks=3)
    assert txid not in shop.rpc("getrawmempool")
    shop.scan()
    after = shop.get(invoice)
    assert (after["status"], after["status_context"]) == ("unresolved", "reverted")
    assert after["transactions"][0]["status"] == "reverted"
    assert after["transactions"][0]["block_height"] is None
    assert after["paid_amount"] == "0.00000000" and shop.received(invoice) == 0
    assert events(invoice)[-2:] == ["transaction_reverted", "status_changed"]


def test_reorganisation_to_a_branch_of_equal_length_returns_a_pending_invoice_to_new(shop):
    invoice, payer = shop.invoice(), shop.sender()
    double_spend = shop.signed(payer, {})
    shop.pay(invoice, sender=payer)
    block = shop.mine()[0]
    shop.scan()
    assert shop.get(invoice)["status"] == "pending"
    tip = shop.rpc("getblockcount")

    shop.replace_in_new_branch(block, double_spend, blocks=1)
    assert shop.rpc("getblockcount") == tip  # no new height: only the hash tells
    shop.scan()
    after = shop.get(invoice)
    assert after["status"] == "new"
    assert after["transactions"][0]["status"] == "reverted"
    assert "transaction_reverted" in events(invoice)


def test_fee_bumped_replacement_reverts_the_original_and_credits_the_replacement(shop):
    invoice = shop.invoice()
    original = shop.rpc(
        "sendtoaddress", invoice["address"], invoice["pay_amount"], "", "", False, True
    )  # replaceable (BIP125)
    shop.scan()
    assert shop.get(invoice)["status"] == "pending"
    # Litecoin Core runs with -mempoolreplacement=0 by default: its mempool refuses the
    # replacement bumpfee builds, so a miner takes it directly, as one with a full-RBF
    # policy would. The original is then gone from chain and mempool.
    replacement = shop.rpc("bumpfee", original)["txid"]
    shop.rpc(
        "generateblock", shop.node.mining_address, [shop.rpc("gettransaction", replacement)["hex"]]
    )
    shop.scan()
    txs = {tx["txid"]: tx for tx in shop.get(invoice)["transactions"]}
    assert txs[original]["status"] == "reverted"
    assert (txs[replacement]["status"], txs[replacement]["amount"]) == ("pending", "0.10000000")
    assert shop.get(invoice)["status"] == "pending"
    assert events(invoice) == [
        "transaction_created",
        "status_changed",
        "transaction_reverted",
        "transaction_created",
    ]
    shop.mine()
    shop.scan()
    done = shop.get(invoice)
    assert (done["status"], done["paid_amount"]) == ("completed", "0.10000000")
    assert shop.received(invoice) == 10_000_000


def test_scanner_stopped_for_50_blocks_catches_up_in_bounded_batches(shop):
    invoices = [shop.invoice() for _ in range(4)]
    shop.pay(invoices[0])
    shop.scan()  # seen in the mempool, then the scanner stops
    shop.mine(5)
    for invoice in invoices[1:]:
        shop.pay(invoice)
        shop.mine(15)
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
    assert reports[2].tip_height == shop.rpc("getblockcount")
    assert reports[1].tip_height - reports[0].tip_height == 20
    for invoice in invoices:
        done = shop.get(invoice)
        assert done["status"] == "completed" and done["paid_amount"] == "0.10000000"
        assert shop.received(invoice) == 10_000_000
    assert Transaction.objects.count() == 4


@pytest.fixture
def sanctioned_payer(shop, monkeypatch):
    payer = shop.sender()
    monkeypatch.setattr(screening, "sanctioned_addresses", lambda: frozenset({payer.lower()}))
    return payer


def test_sanctioned_payer_is_held_for_review_then_approved(shop, sanctioned_payer):
    invoice = shop.invoice()
    shop.pay(invoice, sender=sanctioned_payer)
    shop.mine(2)
    shop.scan()
    held = shop.get(invoice)
    assert held["status"] == "compliance_review" and held["transactions"][0]["flagged"]
    response = shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/review", {"action": "approve"}, format="json"
    )
    assert response.json()["status"] == "completed"


def test_sanctioned_payer_declined_is_offered_a_refund(shop, sanctioned_payer):
    invoice = shop.invoice()
    shop.pay(invoice, sender=sanctioned_payer)
    shop.scan()
    assert shop.get(invoice)["status"] == "compliance_review"
    response = shop.client.post(
        f"/api/v1/invoices/{invoice['id']}/review", {"action": "decline"}, format="json"
    )
    assert response.json()["status"] == "declined"
    shop.mine(2)
    shop.scan()
    assert shop.get(invoice)["status"] == "declined"  # confirmations change nothing now


def test_catch_up_callbacks_count_confirmations_at_the_node_s_tip(
    transactional_db, fresh_litecoind, make_merchant, receiver, settings, tmp_path
):
    """300 blocks mined while the scanner is stopped: the catch-up reads 100 blocks a scan,
    and every callback says how deep the payment is on the node, not under the scan."""
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.{NETWORK}]
rpc_url = "{fresh_litecoind.rpc_url}"
confirmations = 2
""",
    )
    shop = Shop(fresh_litecoind, make_merchant())
    shop.scan()
    settings.CALLBACKS_ALLOW_PRIVATE = True
    set_callback_url(shop.client.merchant.pk, receiver.url)
    invoice = shop.invoice()
    txid = shop.pay(invoice)
    shop.mine(300)
    height = shop.rpc("gettransaction", txid)["blockheight"]
    depth = shop.rpc("getblockcount") - height + 1
    assert depth == 300
    shop.scan()  # the first of three catch-up scans
    callbacks.deliver_invoice_events(invoice["id"])
    bodies = receiver.bodies()
    assert [b["event"] for b in bodies] == [
        "transaction_created",
        "transaction_confirmed",
        "status_changed",
    ]
    assert [b["data"]["transactions"][0]["confirmations"] for b in bodies] == [depth] * 3
    assert shop.get(invoice)["transactions"][0]["confirmations"] == depth
