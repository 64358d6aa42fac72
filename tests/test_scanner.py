"""Scanner semantics: required confirmations, reorganisations a payment survives, the
network's lease, racing scanners, and the `scan` watcher loop."""

import json
import os
import signal
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from chains import scanner
from chains.backends import get_backend
from chains.backends.base import Transfer
from chains.models import ChainCursor
from chains.registry import get_network
from chains.scanner import ScanReport
from invoices import selectors
from invoices.models import Event, Invoice, Quote, Transaction
from invoices.services import reconciliation
from merchants.models import Merchant
from tests.conftest import run_at_once
from tests.test_backend_bitcoin import counting
from tests.test_chain_litecoin import NETWORK, events, shop  # noqa: F401 (a fixture)
from worker import tasks

BTC = 10**8


# --- required confirmations --------------------------------------------------------------


def test_the_registry_default_applies_without_tiers_or_override():
    assert get_network("litecoin").required_confirmations(10**12) == 6
    assert get_network("ethereum").required_confirmations(1) == 12


@pytest.mark.parametrize(
    ("amount", "needed"),
    [(1, 1), (BTC, 1), (BTC + 1, 3), (10 * BTC, 3), (10 * BTC + 1, 6), (10**6 * BTC, 6)],
)
def test_bitcoin_amount_tiers(amount, needed):
    assert get_network("bitcoin").required_confirmations(amount) == needed


def test_the_merchant_override_replaces_tiers_but_never_goes_below_the_safe_minimum():
    assert get_network("bitcoin").required_confirmations(50 * BTC, override=2) == 2
    assert get_network("bitcoin").required_confirmations(1, override=9) == 9
    assert get_network("litecoin").required_confirmations(1, override=1) == 2
    assert get_network("ethereum").required_confirmations(1, override=0) == 3


def test_the_operator_configures_confirmations(settings, tmp_path):
    path = tmp_path / "chains.toml"
    path.write_text('[networks.litecoin]\nrpc_url = "http://node"\nconfirmations = 4\n')
    settings.CHAINS_CONFIG = str(path)
    assert get_network("litecoin").required_confirmations(1) == 4


def test_tiers_weigh_the_whole_amount_due_so_slices_cannot_lower_the_bar():
    bitcoin = get_network("bitcoin")
    invoice = Invoice(merchant=Merchant(confirmations={}))
    quote = Quote(due_amount=5 * BTC)
    assert reconciliation._required_confirmations(invoice, bitcoin, quote, BTC // 2) == 3
    assert reconciliation._required_confirmations(invoice, bitcoin, quote, 20 * BTC) == 6
    invoice.merchant.confirmations = {"bitcoin": 1}
    assert reconciliation._required_confirmations(invoice, bitcoin, quote, BTC // 2) == 1


# --- what the chain says, applied ----------------------------------------------------------


def test_a_payment_that_survives_a_reorganisation_moves_to_its_new_block(shop):  # noqa: F811
    invoice = shop.invoice()
    txid = shop.pay(invoice)
    block = shop.mine()[0]
    shop.mine()
    shop.scan()
    assert shop.get(invoice)["status"] == "completed"

    shop.rpc("invalidateblock", block)  # the payment goes back to the mempool
    shop.scan()
    [tx] = shop.get(invoice)["transactions"]
    assert (tx["status"], tx["block_height"]) == ("pending", None)
    assert shop.get(invoice)["status"] == "completed"  # completion stands while it may return

    shop.node.mine(3, shop.node.new_address())  # a new branch (other coinbases) carries it
    shop.scan()
    moved = Transaction.objects.get(txid=txid)
    assert moved.status == Transaction.CONFIRMED
    assert moved.block_hash != block
    assert moved.block_hash == shop.rpc("getblockhash", moved.block_height)  # the best chain
    assert shop.get(invoice)["status"] == "completed"
    assert "transaction_reverted" not in events(invoice)


def test_a_report_with_a_rollback_applied_twice_changes_nothing_the_second_time(
    api, create_invoice
):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    paid = Transfer(
        network="sandbox",
        txid="ab" * 32,
        index=0,
        to_address=invoice["address"],
        asset="USDT",
        amount=100_000_000,
        from_addresses=("sbx1qpayer",),
        block_height=5,
        block_hash="old",
    )
    reconciliation.apply_transfers(report=ScanReport("sandbox", tip_height=6, transfers=[paid]))
    assert Invoice.objects.get(pk=invoice["id"]).status == "completed"

    moved = ScanReport(
        "sandbox",
        tip_height=6,
        rollback_above=4,
        transfers=[Transfer(**{**paid.__dict__, "block_hash": "new"})],
    )
    reconciliation.apply_transfers(report=moved)
    count = Event.objects.count()
    reconciliation.apply_transfers(report=moved)
    assert Event.objects.count() == count
    assert Transaction.objects.get().block_hash == "new"

    gone = ScanReport("sandbox", tip_height=6, rollback_above=4, mempool_txids=set())
    reconciliation.apply_transfers(report=gone)
    reconciliation.apply_transfers(report=gone)
    reverted = Invoice.objects.get(pk=invoice["id"])
    assert (reverted.status, reverted.status_context) == ("unresolved", "reverted")
    assert Event.objects.filter(type="transaction_reverted").count() == 1


def test_watched_addresses_are_looked_up_in_batches(api, create_invoice, monkeypatch):
    monkeypatch.setattr(selectors, "WATCH_LOOKUP_BATCH", 2)
    addresses = {
        create_invoice(pay_currency="USDT", network="sandbox")["address"] for _ in range(5)
    }
    assert (
        selectors.watched_addresses(network="sandbox", addresses=addresses | {"sbx1qnobody"})
        == addresses
    )


def issue_addresses(merchant, count: int) -> list[str]:
    """`count` issued sandbox addresses, written in bulk (a table of a few thousand quotes)."""
    now = timezone.now()
    invoices = Invoice.objects.bulk_create(
        Invoice(
            merchant=merchant,
            livemode=False,
            price_amount=100,
            price_currency="USD",
            insurance_percent=0,
            slippage_percent=0,
            payment_window_minutes=15,
            late_window_minutes=0,
            processing_timeout_minutes=60,
            created_at=now,
            status_changed_at=now,
        )
        for _ in range(count)
    )
    quotes = Quote.objects.bulk_create(
        Quote(
            invoice=invoice,
            asset="USDT",
            network="sandbox",
            rate="1",
            rate_source="static",
            rate_fetched_at=now,
            due_amount=100,
            address=f"sbx1qissued{number:08d}",
            created_at=now,
        )
        for number, invoice in enumerate(invoices)
    )
    return [str(quote.address) for quote in quotes]


def scanned_tables(plan) -> list[tuple[str, str]]:
    """(node type, table) of every node of a PostgreSQL JSON plan that reads a table."""
    found = [(plan["Node Type"], plan["Relation Name"])] if "Relation Name" in plan else []
    for child in plan.get("Plans", []):
        found += scanned_tables(child)
    return found


@pytest.mark.parametrize("batch", [100, 5000])
def test_watched_lookup_uses_the_address_index(api, batch):
    """Issue 24: a block's few thousand addresses are looked up through the quotes' index,
    never by reading the whole table (PostgreSQL's planner scanned it for an IN list of a
    few thousand at 100,000 quotes)."""
    issued = issue_addresses(api.merchant, 1000)  # the smallest table the issue names
    hits = min(batch // 2, len(issued))
    wanted = issued[:hits] + [f"sbx1qnobody{n:08d}" for n in range(batch - hits)]
    assert selectors.watched_addresses(network="sandbox", addresses=set(wanted)) == set(
        issued[:hits]
    )
    sql, params = selectors.watched_lookup("sandbox", wanted)
    table = Quote._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            reads = {node for node, name in scanned_tables(plan) if name == table}
            assert reads and reads <= {"Index Scan", "Index Only Scan"}, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            steps = [row[-1] for row in cursor.fetchall() if table in row[-1]]
            assert steps and all(step.startswith("SEARCH") and "INDEX" in step for step in steps)


def test_every_address_ever_issued_is_watched(api, create_invoice):
    """Issue 23 (replaces "only invoices still listening are watched"): archived, expired
    long ago, cancelled — every issued address is watched, nothing else is."""
    archived, expired, late, cancelled = (
        create_invoice(pay_currency="USDT", network="sandbox") for _ in range(4)
    )
    api.post(f"/api/v1/invoices/{cancelled['id']}/cancel")
    api.post(f"/api/v1/invoices/{archived['id']}/archive")
    for invoice, minutes in ((expired, 24 * 60 + 16), (late, 16)):
        Invoice.objects.filter(pk=invoice["id"]).update(
            status="expired", expires_at=timezone.now() - timedelta(minutes=minutes)
        )
    issued = {i["address"] for i in (archived, expired, late, cancelled)}
    assert (
        selectors.watched_addresses(network="sandbox", addresses=issued | {"sbx1qnobody"}) == issued
    )


def test_a_backend_is_kept_per_thread_so_mempool_polls_fetch_only_newcomers(litecoind, monkeypatch):
    import dataclasses
    import threading

    network = litecoind.network
    backend = get_backend(network)
    assert get_backend(dataclasses.replace(network)) is backend  # an equal configuration
    assert get_backend(dataclasses.replace(network, rpc_url=network.rpc_url + "x")) is not backend
    other = []
    thread = threading.Thread(target=lambda: other.append(get_backend(network)))
    thread.start()
    thread.join()
    assert other[0] is not backend  # a requests session is not shared across threads

    payee = litecoind.new_address()
    txid = litecoind.rpc("sendtoaddress", payee, "0.01")
    assert txid in {t.txid for t in backend.mempool(lambda addresses: {payee}).transfers}
    methods = counting(backend, monkeypatch)
    assert txid in {t.txid for t in get_backend(network).mempool(lambda a: {payee}).transfers}
    assert methods == ["getrawmempool"]  # decoded, senders and first-seen time all kept
    litecoind.mine()


def test_close_all_closes_every_thread_s_backends_and_starts_afresh(litecoind):
    import threading

    from chains.backends import close_all

    network = litecoind.network
    mine, other = get_backend(network), []
    thread = threading.Thread(target=lambda: other.append(get_backend(network)))
    thread.start()
    thread.join()
    mine.tip()
    assert mine.rpc.session.adapters["http://"].poolmanager.pools  # a kept-alive connection
    close_all()
    for backend in (mine, other[0]):
        assert not backend.rpc.session.adapters["http://"].poolmanager.pools
    assert get_backend(network) is not mine


# --- the lease ------------------------------------------------------------------------------


def test_the_lease_lets_one_scan_in_at_a_time_and_expires(db):
    held = scanner._take_lease(NETWORK)
    assert held is not None and scanner._take_lease(NETWORK) is None
    scanner._release(held)
    again = scanner._take_lease(NETWORK)
    assert again is not None and again.lease_owner != held.lease_owner
    ChainCursor.objects.update(lease_until=timezone.now() - timedelta(seconds=1))  # crashed
    assert scanner._take_lease(NETWORK) is not None


def steal_lease(*_args):
    ChainCursor.objects.filter(network=NETWORK).update(
        lease_owner="another-worker", lease_until=timezone.now() + timedelta(minutes=1)
    )


def scan_with(watched=selectors.watched_addresses, sink=reconciliation.apply_transfers):
    network = get_network(NETWORK)
    return scanner.scan(network, get_backend(network), watched, sink)


def test_a_scan_whose_lease_was_taken_over_applies_nothing(shop):  # noqa: F811
    shop.pay(shop.invoice())
    cursor = ChainCursor.objects.get(network=NETWORK)

    def watched_then_lose_the_lease(network, addresses):
        steal_lease()
        return selectors.watched_addresses(network=network, addresses=addresses)

    assert scan_with(watched=watched_then_lose_the_lease) is None
    assert not Transaction.objects.exists()
    assert ChainCursor.objects.get(network=NETWORK).height == cursor.height


def test_a_scan_that_loses_its_lease_while_applying_leaves_the_cursor(shop):  # noqa: F811
    invoice = shop.invoice()
    shop.pay(invoice)
    shop.mine()
    height = ChainCursor.objects.get(network=NETWORK).height

    def apply_then_lose_the_lease(report):
        reconciliation.apply_transfers(report=report)
        steal_lease()

    assert scan_with(sink=apply_then_lose_the_lease) is None
    assert ChainCursor.objects.get(network=NETWORK).height == height  # read again next time
    ChainCursor.objects.update(lease_owner="", lease_until=None)
    assert shop.scan().tip_height == height + 1
    assert Transaction.objects.count() == 1 and events(invoice).count("transaction_created") == 1


def test_a_payment_mined_between_the_mempool_and_the_blocks_is_credited_once(shop):  # noqa: F811
    """The mempool is read before the tip, so a payment mined in between is in both: the
    scan reports it once, from its block."""
    invoice = shop.invoice()
    txid = shop.pay(invoice)
    calls = []

    def watched_then_mine(network, addresses):
        if not calls:  # the mempool's lookup: the node has listed the payment already
            shop.mine()
        calls.append(addresses)
        return selectors.watched_addresses(network=network, addresses=addresses)

    report = scan_with(watched=watched_then_mine)
    assert [t.txid for t in report.transfers] == [txid]
    assert report.transfers[0].block_height is not None
    tx = Transaction.objects.get(txid=txid)
    assert tx.block_height == report.transfers[0].block_height
    assert events(invoice).count("transaction_created") == 1


# --- racing scanners (PostgreSQL: real row locks) ------------------------------------------


def test_one_scanner_per_network_at_a_time(postgres, shop, monkeypatch):  # noqa: F811
    shop.pay(shop.invoice())
    apply = reconciliation.apply_transfers

    def slow_apply(report):  # the holder is still at work when the others arrive
        import time

        time.sleep(1)
        apply(report=report)

    monkeypatch.setattr(reconciliation, "apply_transfers", slow_apply)
    results = run_at_once(6, lambda i: tasks.scan_network(NETWORK))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert len([r for r in results if r is not None]) == 1
    assert Transaction.objects.count() == 1


def test_a_transfer_is_credited_once_when_scanners_race(postgres, shop, monkeypatch):  # noqa: F811
    invoices = [shop.invoice() for _ in range(3)]
    for invoice in invoices:
        shop.pay(invoice)
    shop.mine(2)
    # Every lease expires at once and every check of it passes: six scanners read the
    # same blocks and apply them together, the worst a stalled worker could cause.
    monkeypatch.setattr(scanner, "LEASE", timedelta(seconds=-1))
    monkeypatch.setattr(scanner, "_renew", lambda cursor: True)
    applied, apply = [], reconciliation.apply_transfers
    monkeypatch.setattr(
        reconciliation,
        "apply_transfers",
        lambda report: (applied.append(report), apply(report=report)),
    )

    results = run_at_once(6, lambda i: tasks.scan_network(NETWORK))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert len(applied) == 6 and all(len(r.transfers) == 3 for r in applied)
    assert Transaction.objects.count() == 3
    for invoice in invoices:
        assert events(invoice).count("transaction_created") == 1
        assert Invoice.objects.get(pk=invoice["id"]).status == "completed"
        assert (
            Event.objects.filter(
                invoice_id=invoice["id"], type="status_changed", data__status="completed"
            ).count()
            == 1
        )


# --- the watcher loop -----------------------------------------------------------------------


def test_scan_command_scans_every_interval_until_sigterm(
    transactional_db,
    shop,  # noqa: F811
    monkeypatch,
):
    invoice = shop.invoice()
    shop.pay(invoice)
    passes, scan_network = [], tasks.scan_network
    before = signal.getsignal(signal.SIGTERM)

    def scan_and_stop_after_three(code):
        passes.append(code)
        if len(passes) == 3:
            os.kill(os.getpid(), signal.SIGTERM)  # as a deploy or `docker stop` would
        return scan_network(code)

    monkeypatch.setattr(tasks, "scan_network", scan_and_stop_after_three)
    out = StringIO()
    call_command("scan", "--network", NETWORK, "--interval", "0.05", stdout=out)
    assert passes == [NETWORK] * 3
    assert shop.get(invoice)["status"] == "pending"
    assert out.getvalue().splitlines()[-1] == "stopped"
    assert signal.getsignal(signal.SIGTERM) is before


def test_scan_command_refuses_a_network_that_is_not_enabled(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="litecoin"):
        call_command("scan", "--network", "litecoin", "--interval", "1")
