"""The CSV export accountants read: a header naming each amount's unit; what was paid, in
the pay asset and in the price currency at the locked rate; the network fee, the excess,
refunds and extra payments, all from the accounting ledger."""

from __future__ import annotations

import csv
import io

from chains.backends import sandbox
from dashboard import present
from invoices.models import Invoice, Quote, Refund
from invoices.sandbox import mine_pending
from invoices.services import merchant_actions, refunds
from tests.test_dashboard import browser, owner  # noqa: F401 (fixtures)
from worker.tasks import scan_network


def export(client) -> list[dict]:
    response = client.get("/dashboard/invoices/export.csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_header_names_the_unit_of_every_amount(browser, create_invoice):  # noqa: F811
    create_invoice()
    response = browser.get("/dashboard/invoices/export.csv")
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert header.startswith("id,foreign_id,created_at [UTC],status,")
    for column in (
        "price_amount [price_currency]",
        "paid_amount [pay_currency]",
        "paid_value [price_currency, at the locked rate]",
        "network_fee_included [pay_currency]",
        "excess_amount [pay_currency]",
        "refund_requested [pay_currency, awaiting the payer's claim]",
        "refund_claimed [pay_currency, address given, to pay out]",
        "refund_paid [pay_currency, paid or confirmed]",
        "extra_payments [amount asset network txid; …]",
    ):
        assert column in header


def test_an_overpaid_invoice_with_an_extra_payment_and_its_refunds(api, browser, create_invoice):  # noqa: F811
    invoice = create_invoice(
        price_amount="100.00",
        price_currency="EUR",
        pay_currency="USDT",
        network="sandbox",
        foreign_id="A-7",
    )
    usdt = Quote.objects.get(invoice_id=invoice["id"])
    assert (usdt.rate, usdt.due_amount) == ("0.92", 108_695_653)  # EUR per USDT, locked
    sandbox.broadcast(usdt.address, "USDT", 150_000_000, "sbx1qpayer")
    sandbox.broadcast(usdt.address, "ETH", 10**17, "sbx1qpayer")  # coin to the token address
    scan_network("sandbox")
    mine_pending(Invoice.objects.get(pk=invoice["id"]))
    merchant_actions.resolve(
        invoice_id=invoice["id"], action="refund", actor="user:owner", refund_amount="excess"
    )

    [row] = export(browser)
    eth_txid = next(
        tx.txid
        for tx in Invoice.objects.get(pk=invoice["id"]).transactions.all()
        if tx.asset == "ETH"
    )
    assert row["foreign_id"] == "A-7"
    assert row["status"] == "completed"  # the excess refunded: the order stays paid
    assert row["price_amount [price_currency]"] == "100.00"
    assert row["rate [price_currency per pay_currency]"] == "0.92"
    assert row["pay_amount [pay_currency]"] == "108.695653"
    assert row["network_fee_included [pay_currency]"] == "0.000000"
    assert row["paid_amount [pay_currency]"] == "150.000000"  # the ETH is not added
    assert row["paid_value [price_currency, at the locked rate]"] == "138.00"
    assert row["remaining_amount [pay_currency]"] == "0.000000"
    assert row["excess_amount [pay_currency]"] == "41.304347"
    # offered, not yet claimed: requested, not refunded (issue 23)
    assert row["refund_requested [pay_currency, awaiting the payer's claim]"] == "41.304347"
    assert row["refund_claimed [pay_currency, address given, to pay out]"] == "0.000000"
    assert row["refund_paid [pay_currency, paid or confirmed]"] == "0.000000"
    refunds = row["refunds [amount asset network status; …]"].split("; ")
    assert sorted(refunds) == [
        "0.100000000000000000 ETH sandbox awaiting_claim",
        "41.304347 USDT sandbox awaiting_claim",
    ]
    assert row["extra_payments [amount asset network txid; …]"] == (
        f"0.100000000000000000 ETH sandbox {eth_txid}"
    )


def test_an_unpaid_invoice_has_empty_derived_amounts(browser, create_invoice):  # noqa: F811
    create_invoice(price_amount="12.50")
    [row] = export(browser)
    assert row["pay_currency"] == ""
    for column in (
        "paid_value [price_currency, at the locked rate]",
        "refund_requested [pay_currency, awaiting the payer's claim]",
        "refund_paid [pay_currency, paid or confirmed]",
        "extra_payments [amount asset network txid; …]",
    ):
        assert row[column] == ""


def test_paid_value_rounds_half_up_to_the_price_decimals():
    assert present.paid_value("10.000001", "0.92", "1.00") == "9.20"
    assert present.paid_value("0.00500000", "60000", "100") == "300"
    assert present.paid_value("1.5", "0.005", "1.00") == "0.01"  # 0.0075 → 0.01
    assert present.paid_value(None, "1", "1.00") == ""


def test_the_refund_columns_separate_requested_claimed_and_paid(api, browser, create_invoice):  # noqa: F811
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    paid = api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"confirm": True}, format="json"
    )
    assert paid.json()["status"] == "completed"
    for amount, status in (("10", "awaiting_claim"), ("20", "claimed"), ("30", "paid")):
        made = refunds.create_refund(invoice_id=invoice["id"], amount=amount, actor="test")
        Refund.objects.filter(pk=made.pk).update(status=status)
    [row] = export(browser)
    assert row["refund_requested [pay_currency, awaiting the payer's claim]"] == "10.000000"
    assert row["refund_claimed [pay_currency, address given, to pay out]"] == "20.000000"
    assert row["refund_paid [pay_currency, paid or confirmed]"] == "30.000000"
