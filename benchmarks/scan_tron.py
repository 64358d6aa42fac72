"""TRON scanning: requests per block, and what a block costs as watched addresses grow.

The node is the test suite's TRON node (tests/tron_node.py): real signed TRX and TRC-20
transactions in java-tron's JSON shapes, served over local HTTP, so the real backend, its
two APIs, the JSON decoding and the matching are measured. A block holds 2,000
transactions: 1,000 TRX transfers and 1,000 USDT transfers between unrelated accounts, of
which 0, 1 or 10 pay watched invoice addresses.

1. Requests the backend makes to read one such block (`blocks(h, h, watched)`), and those
   of a whole scan pass around it (the tip with its solidified check, the pending pool, the
   cursor's hash check). Target: the same for 0, 1 and 10 matches.
2. ms per block (fetch + parse + match against the database), median of 7, with 100 and
   100,000 watched addresses (open invoices with TRON quotes). Target: 100,000 / 100 <= 1.5.

Run: python benchmarks/scan_tron.py [--smoke]   (DATABASE_URL=postgres://… to measure on
PostgreSQL; --smoke: blocks of 20 transactions, 10 and 40 watched addresses)
"""

import os
import statistics
import tempfile
import time
from pathlib import Path

from _setup import ROOT, boot, size, watch

TXS, RUNS = size(2_000, 20), size(7, 1)
FEW, MANY = size(100, 10), size(100_000, 40)  # watched addresses in part 2


def start_node():
    """The TRON node, and CHAINS_CONFIG pointing tron-local at it with its USDT (set before
    Django boots: settings read it once)."""
    import sys

    sys.path.insert(0, str(ROOT))
    from chains import tron_addresses
    from tests.tron_node import TronNode

    node = TronNode()
    server = node.serve()
    usdt = tron_addresses.to_base58("41" + "a1" * 20)
    config = Path(tempfile.mkdtemp(prefix="bench-tron-")) / "chains.toml"
    config.write_text(
        f'[networks.tron-local]\nrpc_url = "{server.url}"\n'
        f'genesis = "{node.genesis_id}"\n'
        f'[[networks.tron-local.tokens]]\nsymbol = "USDT"\n'
        f'contract = "{usdt}"\ndecimals = 6\n'
    )
    os.environ["CHAINS_CONFIG"] = str(config)
    return node, server, usdt


node, server, USDT = start_node()
boot()

from django.db import connection  # noqa: E402

from chains import tron_addresses  # noqa: E402
from chains.backends.tron import TronBackend  # noqa: E402
from chains.registry import get_network  # noqa: E402
from invoices import selectors  # noqa: E402
from merchants.services import create_merchant  # noqa: E402
from tests.tron_node import Account  # noqa: E402

NETWORK = "tron-local"
# The watched invoices' quote: 100 USDT at par.
QUOTED = {"asset": "USDT", "network": NETWORK, "rate": "1", "due_amount": 100_000_000}


def random_address() -> str:
    return tron_addresses.to_base58(os.urandom(20).hex())


def mine_block(payees: list[str]) -> int:
    """A block of TXS transactions, `payees` paid first (half TRX, half USDT); its height."""
    payer = Account.new()
    for i, payee in enumerate(payees):
        if i % 2:
            node.send_token(payer, USDT, payee, 1_000_000)
        else:
            node.send_trx(payer, payee, 1_000_000)
    node.fill(TXS - len(payees), token=USDT)
    node.mine()
    node.mine(18)  # solidified: the tip is the head
    return node.height - 18


def lookup(addresses: set[str]) -> set[str]:
    return selectors.watched_addresses(network=NETWORK, addresses=addresses)


def timed(addresses: set[str]) -> set[str]:
    """The lookup, its time kept in `timed.ms`."""
    started = time.perf_counter()
    found = lookup(addresses)
    timed.ms = (time.perf_counter() - started) * 1000
    return found


def requests_per_block(backend: TronBackend, watched: list[str]) -> None:
    print(f"Requests per block: {TXS:,} transactions (half TRX, half USDT transfers)")
    for matches in (0, 1, 10):
        height = mine_block(watched[:matches])
        node.requests.clear()
        [block] = backend.blocks(height, height, lookup)
        assert len(block.transfers) == matches
        read = sum(node.requests.values())
        node.requests.clear()
        backend.mempool(lookup)
        backend.tip()
        backend.block_hash(height - 1)
        around = sum(node.requests.values())
        print(
            f"  {matches:>2} matching: {read} requests for the block, {around} more per "
            f"scan pass (pending pool, head, solidified head, cursor hash)"
        )


def scan_cost(backend: TronBackend, merchant, watched: list[str]) -> None:
    height = mine_block(watched[:10])
    size = len(str(node.blocks[height])) / 1e6
    print(
        f"Scan cost: one block of {TXS:,} transactions (~{size:.1f} MB of block JSON), "
        f"10 transfers to watched addresses, database: {connection.vendor}"
    )
    medians, have = {}, FEW  # the first FEW are watched already
    for count in (FEW, MANY):
        watch(merchant, watched[have:count], **QUOTED)
        have = count
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        backend.blocks(height, height, lookup)  # warm up
        runs, matching = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            [block] = backend.blocks(height, height, timed)
            runs.append((time.perf_counter() - started) * 1000)
            matching.append(timed.ms)
            assert len(block.transfers) == 10
        medians[count] = statistics.median(runs)
        print(
            f"  {count:>7,} watched: {medians[count]:7.1f} ms per block "
            f"(of which the watched lookup {statistics.median(matching):5.1f} ms)"
        )
    print(f"  ratio {MANY:,} / {FEW:,}: {medians[MANY] / medians[FEW]:.2f} (target <= 1.5)")


def main():
    try:
        backend = TronBackend(get_network(NETWORK))
        merchant, _ = create_merchant(name="bench tron")
        watched = [random_address() for _ in range(MANY)]
        watch(merchant, watched[:FEW], **QUOTED)
        requests_per_block(backend, watched[:10])
        scan_cost(backend, merchant, watched)
    finally:
        server.close()


if __name__ == "__main__":
    main()
