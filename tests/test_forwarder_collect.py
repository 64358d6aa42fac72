"""Issue 28: collecting forwarder deposits on anvil — one `collect` for many addresses sent
with the gas-only COLLECTOR_KEY, recorded and reconciled; a payment to a deployed forwarder
is forwarded and still credited; a deposit whose payout was changed is refused."""

from __future__ import annotations

import logging

from merchants import collecting
from merchants.models import Collection, ForwarderDeposit
from tests.test_chain_evm import NETWORK
from tests.test_forwarder_mode import fshop, pay  # noqa: F401 (a fixture)

COLLECTOR_KEY = "0x" + "c0" * 32  # a fresh key the test funds with gas money only


def fund_collector(shop) -> str:
    from eth_account import Account

    address = Account.from_key(COLLECTOR_KEY).address
    shop.node.send_eth(address, 10**18)
    return address


def balances(shop, address) -> dict[str, int]:
    node = shop.node
    return {
        "ETH": node.w3.eth.get_balance(address),
        "USDT": node.token.functions.balanceOf(address).call(),
        "USDC": node.nobool.functions.balanceOf(address).call(),
    }


def test_one_collection_of_20_addresses_moves_every_unit_to_the_payout(
    fshop,  # noqa: F811
    settings,
):
    settings.COLLECTOR_KEY = COLLECTOR_KEY
    settings.COLLECT_MIN_BALANCE = {"USDT": "50"}
    collector = fund_collector(fshop)
    invoices = [fshop.invoice(["ETH", "USDT", "USDC"][i % 3]) for i in range(20)]
    for invoice in invoices:
        pay(fshop, invoice)
    fshop.node.mine(2)
    fshop.scan()
    assert {fshop.get(i)["status"] for i in invoices} == {"completed"}
    expected = {"ETH": 0, "USDT": 0, "USDC": 0}
    for invoice in invoices:
        for asset, units in balances(fshop, invoice["address"]).items():
            expected[asset] += units
    assert all(expected.values())
    [plan] = collecting.waiting(merchant=fshop.client.merchant, network=NETWORK).plans
    assert plan.totals == expected and len(plan.balances) == 20 and plan.gas
    collector_tokens_before = balances(fshop, collector)

    [collection] = collecting.collect_automatically()
    fshop.node.mine()
    collecting.collect_automatically()  # reconciles
    collection.refresh_from_db()
    assert collection.status == Collection.CONFIRMED and collection.gas_used > 0
    assert collection.amounts == {asset: str(units) for asset, units in expected.items()}
    assert sorted(collection.addresses) == sorted(i["address"] for i in invoices)
    assert balances(fshop, fshop.payout) == expected
    for invoice in invoices:
        assert balances(fshop, invoice["address"]) == {"ETH": 0, "USDT": 0, "USDC": 0}
    # The collector paid gas and received nothing.
    after = balances(fshop, collector)
    assert after["ETH"] < collector_tokens_before["ETH"]
    assert (after["USDT"], after["USDC"]) == (0, 0)
    assert collecting.waiting(merchant=fshop.client.merchant, network=NETWORK).plans == []


def test_the_rule_waits_for_enough_balance_and_cheap_gas(fshop, settings):  # noqa: F811
    settings.COLLECTOR_KEY = COLLECTOR_KEY
    fund_collector(fshop)
    invoice = fshop.invoice("USDT")
    pay(fshop, invoice)
    settings.COLLECT_MIN_BALANCE = {"USDT": "31"}  # 30 USDT wait: below the minimum
    assert collecting.collect_automatically() == []
    settings.COLLECT_MIN_BALANCE = {"USDT": "30"}
    settings.COLLECT_MAX_GAS_GWEI = "0.000000001"  # gas dearer than allowed
    assert collecting.collect_automatically() == []
    settings.COLLECT_MAX_GAS_GWEI = "1000"
    assert len(collecting.collect_automatically()) == 1


def test_a_payment_to_a_deployed_forwarder_is_forwarded_and_credited(fshop):  # noqa: F811
    invoice = fshop.invoice("ETH")
    deposit = ForwarderDeposit.objects.get(address=invoice["address"])
    factory = fshop.node.factory
    factory.functions.collect(fshop.payout, [deposit.salt], []).transact(
        {"from": fshop.node.accounts[0]}
    )
    assert fshop.node.w3.eth.get_code(invoice["address"]) != b""  # deployed, empty
    payout_before = fshop.node.w3.eth.get_balance(fshop.payout)
    txid = pay(fshop, invoice)
    fshop.node.mine(2)
    fshop.scan()
    done = fshop.get(invoice)
    assert done["status"] == "completed"
    assert [t["txid"] for t in done["transactions"]] == [txid]
    assert fshop.node.w3.eth.get_balance(invoice["address"]) == 0
    assert fshop.node.w3.eth.get_balance(fshop.payout) == payout_before + 10**16


def test_a_deposit_whose_payout_was_changed_is_refused_logged_and_never_collected(
    fshop,  # noqa: F811
    caplog,
):
    invoice = fshop.invoice("USDT")
    pay(fshop, invoice)
    intruder = fshop.node.accounts[8]
    ForwarderDeposit.objects.filter(address=invoice["address"]).update(payout=intruder)
    with caplog.at_level(logging.ERROR, logger="merchants.collecting"):
        found = collecting.waiting(merchant=fshop.client.merchant, network=NETWORK)
    assert [d.address for d in found.refused] == [invoice["address"]]
    assert found.plans == []
    assert invoice["address"] in caplog.text and "refused" in caplog.text


def test_the_collect_page_sets_the_payout_and_shows_refused_deposits(fshop, caplog):  # noqa: F811
    from django.test import Client

    from merchants.models import ForwarderPayout
    from tests.test_dashboard_browser import make_user

    client = Client()
    client.force_login(make_user(fshop.client.merchant, "owner@shop.example"))
    invoice = fshop.invoice("USDT")
    pay(fshop, invoice)
    ForwarderDeposit.objects.filter(address=invoice["address"]).update(
        payout=fshop.node.accounts[8]
    )
    page = client.get("/dashboard/collect/").content.decode()
    assert "Refused" in page and invoice["address"] in page
    assert "it cannot send anyone your money" in page
    # A payout with a wrong EIP-55 mix is refused with the form's message; a good one saved.
    wrong = fshop.payout[:2] + fshop.payout[2:].swapcase()
    answer = client.post(f"/dashboard/collect/{NETWORK}/payout/", {"payout": wrong}, follow=True)
    assert ForwarderPayout.objects.get(merchant=fshop.client.merchant).payout == fshop.payout
    assert "checksum" in answer.content.decode().lower() or "typo" in answer.content.decode()
    other = fshop.node.w3.eth.account.create().address
    client.post(f"/dashboard/collect/{NETWORK}/payout/", {"payout": other.lower()})
    assert ForwarderPayout.objects.get(merchant=fshop.client.merchant).payout == other
    client.post(f"/dashboard/collect/{NETWORK}/payout/", {"payout": ""})
    assert not ForwarderPayout.objects.filter(merchant=fshop.client.merchant).exists()
