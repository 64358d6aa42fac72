"""Forwarder collection (issue 28): gas per collected address when one `collect` call of
the committed ForwarderFactory sweeps 1, 20 and 100 deposit addresses holding 10 USDT each
(the test ERC-20), against the HD baseline: per address, one transaction funding it with
the coin for the fee, then its token transfer to the merchant's wallet. Measured on anvil
(automine, `--prune-history 512`) from the receipts' gasUsed; the ratio is forwarder gas
per address over HD gas per address (below 1: cheaper). A second collection of the same,
already deployed, addresses is shown too (no deployment: the steady state).

Run: python benchmarks/forwarders.py [--smoke]   (needs anvil: scripts/install-nodes.sh;
--smoke: 1 and 3 addresses)
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

from _setup import ROOT, size

ANVIL = os.environ.get("ANVIL") or next(
    iter(sorted(ROOT.glob("var/node/node_modules/@foundry-rs/anvil-linux-*/bin/anvil"))), None
)
SIZES = size((1, 20, 100), (1, 3))
UNITS = 10 * 10**6  # 10 USDT at 6 decimals


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    if not ANVIL:
        print("anvil is not installed: run scripts/install-nodes.sh")
        return
    sys.path.insert(0, str(ROOT))
    from web3 import Web3

    from chains import forwarders

    port, folder = free_port(), tempfile.mkdtemp(prefix="bench-forwarders-")
    node = subprocess.Popen(
        [ANVIL, "--host", "127.0.0.1", "--port", str(port), "--prune-history", "512"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        deadline = time.monotonic() + 30
        while not w3.is_connected():
            if time.monotonic() > deadline:
                raise SystemExit("anvil did not start")
            time.sleep(0.05)
        run(w3, forwarders)
    finally:
        node.terminate()
        node.wait()


def run(w3, forwarders) -> None:
    operator = w3.eth.accounts[0]

    def deploy(name, *args):
        artifact = json.loads((ROOT / "contracts" / f"{name}.json").read_text())
        contract = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        tx = contract.constructor(*args).transact({"from": operator})
        address = w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
        return w3.eth.contract(address=address, abi=artifact["abi"])

    def gas(tx_hash) -> int:
        return w3.eth.wait_for_transaction_receipt(tx_hash)["gasUsed"]

    token = deploy("TestToken", "Tether USD", "USDT", 6, 10**18)
    factory = deploy("ForwarderFactory")
    salt = 0
    print(
        f"{'addresses':>9}  {'forwarder gas/address':>21}  {'deployed again':>14}  "
        f"{'HD gas/address':>14}  ratio"
    )
    for count in SIZES:
        payout = w3.eth.account.create().address
        salts = list(range(salt, salt + count))
        salt += count
        deposits = [forwarders.deposit_address(factory.address, payout, s) for s in salts]
        for address in deposits:
            token.functions.transfer(address, UNITS).transact({"from": operator})
        first = gas(
            factory.functions.collect(payout, salts, [token.address]).transact(
                {"from": operator, "gas": 30_000_000}
            )
        )
        assert token.functions.balanceOf(payout).call() == UNITS * count
        for address in deposits:
            token.functions.transfer(address, UNITS).transact({"from": operator})
        again = gas(
            factory.functions.collect(payout, salts, [token.address]).transact(
                {"from": operator, "gas": 30_000_000}
            )
        )
        # The HD baseline: an address of the merchant's key holds the token; the merchant
        # funds it with the fee's coin, then it sends the token on.
        hd = 0
        for _ in range(count):
            key = w3.eth.account.create()
            gas(token.functions.transfer(key.address, UNITS).transact({"from": operator}))
            price = w3.eth.gas_price
            transfer = token.functions.transfer(payout, UNITS)
            limit = transfer.estimate_gas({"from": key.address})
            call = transfer.build_transaction(
                {
                    "from": key.address,
                    "nonce": 0,
                    "gas": limit,
                    "gasPrice": price,
                    "chainId": w3.eth.chain_id,
                }
            )
            hd += gas(
                w3.eth.send_transaction(
                    {"from": operator, "to": key.address, "value": call["gas"] * price}
                )
            )
            signed = key.sign_transaction(call)
            hd += gas(w3.eth.send_raw_transaction(signed.raw_transaction))
        per, per_again, per_hd = first / count, again / count, hd / count
        print(
            f"{count:>9}  {per:>21,.0f}  {per_again:>14,.0f}  {per_hd:>14,.0f}  "
            f"{per / per_hd:.2f} (deployed: {per_again / per_hd:.2f})"
        )
    print("ratio = forwarder gas per address / HD gas per address (fund + transfer)")


if __name__ == "__main__":
    main()
