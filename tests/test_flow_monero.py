"""The invoice lifecycle in Monero on a real `monerod --regtest`, watched through the
gateway's own `monero-wallet-rpc` with the merchant's address and private view key only.

The merchant's wallet is made once per module in the payer's wallet RPC (a wallet open costs
seconds); each test gives it through the API as a new merchant would, and starts at a fresh
range of subaddresses, so no test sees another's payments. The real scanner and services
judge every payment; the payer's wallet RPC sends real transactions.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time

import pytest

from chains import checks
from chains.backends import get_backend
from chains.monero_keys import subaddress
from chains.registry import get_network
from invoices.models import Event, Transaction
from merchants.models import Wallet
from tests.test_chain_litecoin import configure_chains, events
from worker.tasks import scan_network

NETWORK = "monero-regtest"
PICONERO = 10**12
DUE = 10**11  # 16 USD at the static 160 USD/XMR: 0.1 XMR
_first_indexes = itertools.count(0, 20)  # each test's subaddresses: 20 of its own


@pytest.fixture(scope="module")
def keys(monerod):
    """The merchant's wallet (its spend key stays in the payer's wallet RPC, never here)."""
    address, view_key = monerod.new_wallet("flow-shop")
    monerod.use_payer()
    return address, view_key


class Shop:
    """A merchant with a Monero wallet set through the API, and the chain moves a test makes."""

    def __init__(self, node, client, keys):
        self.node, self.client = node, client
        self.address, self.view_key = keys
        self.answers: list[str] = []  # every API answer's body, for the key's absence
        answer = self.put_wallet(self.view_key)
        assert answer.status_code == 200, answer.json()
        # A fresh range of subaddresses (the module shares one wallet; each test rolls back).
        Wallet.objects.filter(merchant=client.merchant, family="monero").update(
            next_index=next(_first_indexes)
        )

    def put_wallet(self, view_key: str):
        response = self.client.put(
            "/api/v1/wallets/monero",
            {"address": self.address, "view_key": view_key},
            format="json",
        )
        self.answers.append(response.content.decode())
        return response

    def invoice(self, usd="16.00", **body) -> dict:
        response = self.client.post(
            "/api/v1/invoices",
            {
                "price_amount": usd,
                "price_currency": "USD",
                "pay_currency": "XMR",
                "network": NETWORK,
                "description": "Order 7 & co",
                **body,
            },
            format="json",
        )
        self.answers.append(response.content.decode())
        assert response.status_code == 201, response.json()
        return response.json()

    def get(self, invoice) -> dict:
        response = self.client.get(f"/api/v1/invoices/{invoice['id']}")
        self.answers.append(response.content.decode())
        return response.json()

    def scan(self):
        return scan_network(NETWORK)

    def mine(self, blocks=1) -> int:
        return self.node.mine(blocks)

    def pay(self, invoice, piconero: int = DUE, **options) -> str:
        self.node.use_payer()
        sent = self.node.wallet.call(
            "transfer",
            destinations=[{"amount": piconero, "address": invoice["address"]}],
            **options,
        )
        self.in_pool(sent["tx_hash"])
        return sent["tx_hash"]

    def bury(self, txid: str, depth: int = 10) -> None:
        """Mines until the transaction is `depth` blocks deep: a block at a time until one
        holds it (monerod can leave a transaction just relayed out of the next template),
        then the rest."""
        for _ in range(5):
            self.mine(1)
            [tx] = self.node.daemon.other("get_transactions", txs_hashes=[txid])["txs"]
            if not tx["in_pool"]:
                self.mine(depth - 1 - (self.node.height() - 1 - tx["block_height"]))
                return
        raise AssertionError(f"{txid} was never mined")

    def in_pool(self, txid: str) -> None:
        """Waits until monerod's pool holds the transaction, so the next block mined carries
        it (on a busy machine the relay can trail the wallet's answer)."""
        deadline = time.monotonic() + 30
        while txid not in (
            self.node.daemon.other("get_transaction_pool_hashes").get("tx_hashes") or ()
        ):
            assert time.monotonic() < deadline, f"{txid} never reached the pool"
            time.sleep(0.1)


@pytest.fixture
def shop(monerod, keys, make_merchant, settings, tmp_path):
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.{NETWORK}]
rpc_url = "{monerod.watch_url}"
daemon_url = "{monerod.daemon_url}"
""",
    )
    shop = Shop(monerod, make_merchant(), keys)
    shop.scan()  # the cursor starts at the tip: what follows is what the test does
    return shop


def test_exact_payment_to_the_subaddress_is_pending_from_the_pool_then_completed(shop):
    invoice = shop.invoice()
    index = Wallet.objects.get(merchant=shop.client.merchant, family="monero").next_index
    assert invoice["address"].startswith("8")
    assert invoice["address"] == subaddress(shop.address, shop.view_key, index)
    assert invoice["pay_amount"] == "0.100000000000"
    assert invoice["payment_uri"] == (
        f"monero:{invoice['address']}?tx_amount=0.1&tx_description=Order%207%20%26%20co"
    )

    txid = shop.pay(invoice)
    sent = time.monotonic()
    shop.scan()
    latency = time.monotonic() - sent
    seen = shop.get(invoice)
    assert seen["status"] == "pending"
    [tx] = seen["transactions"]
    assert (tx["txid"], tx["amount"], tx["confirmations"], tx["block_height"]) == (
        txid,
        "0.100000000000",
        0,
        None,
    )
    assert tx["required_confirmations"] == 10 and tx["from_addresses"] == []
    assert Transaction.objects.get(txid=txid).amount == DUE

    shop.bury(txid, 9)
    shop.scan()
    nine = shop.get(invoice)
    assert nine["status"] == "pending" and nine["transactions"][0]["confirmations"] == 9
    shop.mine(1)
    shop.scan()
    done = shop.get(invoice)
    assert (done["status"], done["paid_amount"]) == ("completed", "0.100000000000")
    assert done["transactions"][0]["status"] == "confirmed"
    assert events(invoice) == [
        "transaction_created",
        "status_changed",
        "transaction_confirmed",
        "status_changed",
    ]
    print(f"\nMonero detection latency (transfer sent → pending after one scan): {latency:.2f} s")


def test_underpayment_then_the_remainder_completes(shop):
    invoice = shop.invoice()
    shop.bury(shop.pay(invoice, DUE * 4 // 10))
    shop.scan()
    partial = shop.get(invoice)
    assert (partial["status"], partial["status_context"]) == ("pending", "underpaid")
    assert partial["remaining_amount"] == "0.060000000000"
    assert partial["payment_uri"].startswith(f"monero:{invoice['address']}?tx_amount=0.06&")
    shop.bury(shop.pay(invoice, DUE * 6 // 10))
    shop.scan()
    done = shop.get(invoice)
    assert (done["status"], done["paid_amount"]) == ("completed", "0.100000000000")
    assert len(done["transactions"]) == 2


def test_overpayment_is_unresolved_overpaid(shop):
    invoice = shop.invoice()
    shop.bury(shop.pay(invoice, DUE * 13 // 10))
    shop.scan()
    over = shop.get(invoice)
    assert (over["status"], over["status_context"]) == ("unresolved", "overpaid")
    assert over["paid_amount"] == "0.130000000000"


def test_two_invoices_never_see_each_others_payments(shop):
    first, second = shop.invoice(), shop.invoice()
    assert first["address"] != second["address"]
    txid = shop.pay(first)
    shop.scan()
    shop.bury(txid)
    shop.scan()
    assert shop.get(first)["status"] == "completed"
    other = shop.get(second)
    assert (other["status"], other["transactions"]) == ("new", [])


def test_a_payment_to_a_cancelled_invoice_is_recorded(shop):
    invoice = shop.invoice()
    assert shop.client.post(f"/api/v1/invoices/{invoice['id']}/cancel").status_code == 200
    txid = shop.pay(invoice)
    shop.scan()
    after = shop.get(invoice)
    assert after["status"] == "cancelled" and after["paid_amount"] == "0.000000000000"
    assert [(tx["txid"], tx["counted"]) for tx in after["transactions"]] == [(txid, False)]
    assert Event.objects.filter(invoice_id=invoice["id"], type="transaction_created").exists()
    shop.mine(1)  # the payment leaves the pool for the tests after


def test_a_payment_dropped_from_the_pool_is_reverted(shop):
    invoice = shop.invoice()
    txid = shop.pay(invoice)
    shop.scan()
    assert shop.get(invoice)["status"] == "pending"
    assert shop.node.daemon.call("flush_txpool", txids=[txid]) is not None
    shop.scan()
    gone = shop.get(invoice)  # as a pending payment whose block was replaced
    assert gone["status"] == "new" and gone["transactions"][0]["status"] == "reverted"
    assert gone["paid_amount"] == "0.000000000000"
    assert "transaction_reverted" in events(invoice)


def test_a_payment_locked_beyond_the_standard_unlock_is_refused(shop, caplog):
    invoice = shop.invoice()
    locked_until = shop.node.height() + 100
    txid = shop.pay(invoice, unlock_time=locked_until)
    with caplog.at_level(logging.WARNING, logger="chains.backends.monero"):
        shop.scan()
        shop.scan()  # read again from the pool
        shop.mine(12)
        shop.scan()
    refused = shop.get(invoice)
    assert (refused["status"], refused["transactions"]) == ("new", [])
    said = [r for r in caplog.records if txid in r.getMessage()]
    assert len(said) == 1 and "unlock_time" in said[0].getMessage()  # once, not every pass


def test_a_wrong_view_key_is_refused_and_the_stored_one_kept(shop, keys, monerod):
    other_address, other_view_key = monerod.new_wallet("flow-other")
    monerod.use_payer()
    refused = shop.put_wallet(other_view_key)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["param"]) == ("view_key_mismatch", "view_key")
    assert error["message"] == "This private view key does not belong to this address."
    assert set(refused.json()) == {"error"}
    wallet = Wallet.objects.get(merchant=shop.client.merchant, family="monero")
    assert wallet.view_key() == shop.view_key and other_address != shop.address


def test_the_view_key_is_in_no_log_line_nor_answer_of_a_full_flow(shop, caplog, monerod):
    with caplog.at_level(logging.DEBUG):
        shop.put_wallet(shop.view_key)
        wallets = shop.client.get("/api/v1/wallets")
        shop.answers.append(wallets.content.decode())
        [wallet] = [w for w in wallets.json()["data"] if w["family"] == "monero"]
        assert wallet["xpub"] == shop.address and "view_key" not in wallet
        invoice = shop.invoice()
        txid = shop.pay(invoice)
        shop.scan()
        shop.bury(txid)
        shop.scan()
        assert shop.get(invoice)["status"] == "completed"
        shop.answers.append(shop.client.get(f"/pay/{invoice['id']}").content.decode())
    key = shop.view_key.lower()
    assert caplog.records
    assert not [r for r in caplog.records if key in r.getMessage().lower()]
    assert not [answer for answer in shop.answers if key in answer.lower()]
    payloads = Event.objects.filter(invoice_id=invoice["id"]).values_list("data", flat=True)
    assert key not in str(list(payloads)).lower()
    # Nor in the log of the gateway's wallet RPC, which was given it (generate_from_keys).
    for log in monerod.datadir.glob("gateway*.log"):
        assert key not in log.read_text(errors="replace").lower()


def test_the_startup_check_reads_the_daemons_nettype(shop, monerod):
    assert checks.problem(get_network(NETWORK)) is None
    mainnet = get_network("monero")
    assert mainnet is not None and not mainnet.enabled  # not configured here
    wrong = dataclasses.replace(
        mainnet, rpc_url=monerod.watch_url, options={"daemon_url": monerod.daemon_url}
    )
    assert "'fakechain', not 'mainnet'" in (checks.node_problem(wrong, get_backend(wrong)) or "")
    no_daemon = dataclasses.replace(mainnet, rpc_url=monerod.watch_url, options={})
    assert "daemon_url" in (checks.configuration_problem(no_daemon) or "")
