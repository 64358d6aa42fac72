"""Real chain nodes for tests: a Litecoin Core regtest node, an anvil EVM node and a Monero
regtest node with its wallet RPC.

A pytest plugin: load it with `pytest_plugins = ["tests.nodes"]` (root conftest or a test
module) and request the session-scoped fixtures `litecoind`, `anvil` and `monerod`. Each node starts
once per session on a free port with its data in a temporary folder, and stops at the end;
tests share them, so they pay fresh addresses and put back what they switch (automine).
`anvil_without_txpool` is an RPC URL in front of the same anvil that has no mempool API,
as most hosted EVM endpoints.
`scripts/install-nodes.sh` installs the binaries. When one is missing the tests that need
it are skipped, except under CI=true where they fail: CI must never pass by skipping.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from chains import registry
from chains.backends.jsonrpc import JSONRPCClient, RPCError
from chains.backends.monero_rpc import MoneroRPC
from chains.registry import Asset, Network
from tests.support import free_port, serve_in_thread, unavailable

REPO = Path(__file__).resolve().parent.parent
LITECOIND = Path(os.environ.get("LITECOIND", "/usr/lib/litecoin/litecoind"))
MONEROD = Path(os.environ.get("MONEROD", "/usr/bin/monerod"))
MONERO_WALLET_RPC = Path(os.environ.get("MONERO_WALLET_RPC", "/usr/bin/monero-wallet-rpc"))
ANVIL_GLOB = "var/node/node_modules/@foundry-rs/anvil-linux-*/bin/anvil"
TOKEN_ARTIFACT = REPO / "contracts" / "TestToken.json"
FORWARDER_ARTIFACT = REPO / "contracts" / "Forwarder.json"
TOKEN_SUPPLY = 10**9 * 10**6  # a billion USDT at 6 decimals, all held by account 0


def _missing(what: str) -> None:
    unavailable(f"{what} is not installed: run scripts/install-nodes.sh")


def _wait_ready(process: subprocess.Popen, log: Path, probe, timeout: float = 30) -> None:
    """Polls `probe` until it answers; a node that exits or never answers fails the run
    with the end of its log."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            probe()
            return
        except Exception as exc:  # connection refused, or "Loading block index…" (-28)
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                pytest.fail(f"{log.parent.name} did not start ({exc}):\n{tail}", pytrace=False)
            time.sleep(0.05)


class Litecoind:
    """A regtest node with a wallet holding mature coins (101 blocks mined to it)."""

    def __init__(self, datadir: Path):
        port = free_port()
        self.rpc_url = f"http://u:p@127.0.0.1:{port}/"
        self.log = datadir / "stdout.log"
        # A small keypool: the wallet is created in 0.2 s instead of 3.
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    str(LITECOIND),
                    "-regtest",
                    f"-datadir={datadir}",
                    "-rpcuser=u",
                    "-rpcpassword=p",
                    f"-rpcport={port}",
                    "-rpcbind=127.0.0.1",
                    "-rpcallowip=127.0.0.1",
                    "-listen=0",
                    "-fallbackfee=0.0001",
                    "-txindex=1",
                    "-keypool=10",
                    "-printtoconsole=0",
                    # Idle keep-alive connections would hold `stop` for the default 30 s.
                    "-rpcservertimeout=1",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.client = JSONRPCClient(self.rpc_url)

    def setup(self) -> None:
        _wait_ready(self.process, self.log, lambda: self.rpc("getblockchaininfo"))
        self.rpc("createwallet", "test")
        self.mining_address = self.new_address()
        self.mine(101)

    @property
    def network(self) -> Network:
        return dataclasses.replace(registry.network("litecoin-regtest"), rpc_url=self.rpc_url)

    def rpc(self, method: str, *params):
        """Amounts in answers are Decimal; pass amounts as strings ("0.1")."""
        return self.client.call(method, *params)

    def mine(self, n: int = 1, address: str | None = None) -> list[str]:
        return self.rpc("generatetoaddress", n, address or self.mining_address)

    def new_address(self) -> str:
        return self.rpc("getnewaddress")

    def stop(self) -> None:
        try:
            self.rpc("stop")
            self.client.close()  # no idle keep-alive connection of ours holds the stop
            self.process.wait(timeout=20)
        except (RPCError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


class Anvil:
    """An automining anvil with the test ERC-20 (USDT, 6 decimals) and the Forwarder (moves
    coin with contract code: internal transfers) deployed by account 0. Block history is
    kept for 512 blocks, which reorganisations (anvil_reorg, evm_revert) need."""

    def __init__(self, binary: Path, datadir: Path):
        from web3 import Web3  # a test dependency only

        port = free_port()
        self.rpc_url = f"http://127.0.0.1:{port}"
        self.log = datadir / "stdout.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(binary), "--host", "127.0.0.1", "--port", str(port), "--prune-history", "512"],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=datadir,
            )
        self.client = JSONRPCClient(self.rpc_url)
        self.w3 = Web3(Web3.HTTPProvider(self.rpc_url))

    def setup(self) -> None:
        _wait_ready(self.process, self.log, lambda: self.rpc("eth_chainId"))
        self.accounts = self.w3.eth.accounts
        self.token = self.deploy(TOKEN_ARTIFACT, "Tether USD", "USDT", 6, TOKEN_SUPPLY)
        self.token_address = self.token.address
        self.forwarder = self.deploy(FORWARDER_ARTIFACT)

    def deploy(self, artifact_path: Path, *args):
        """A committed contract artifact deployed by account 0, as a web3 contract."""
        artifact = json.loads(artifact_path.read_text())
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        tx = factory.constructor(*args).transact({"from": self.accounts[0]})
        address = self.w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
        return self.w3.eth.contract(address=address, abi=artifact["abi"])

    @property
    def network(self) -> Network:
        usdt = Asset("USDT", "ethereum-local", 6, self.token_address)
        return dataclasses.replace(
            registry.network("ethereum-local"), rpc_url=self.rpc_url, tokens=(usdt,)
        )

    def rpc(self, method: str, *params):
        return self.client.call(method, *params)

    def send_eth(self, to: str, wei: int, *, sender: str | None = None, **tx) -> str:
        """Sends from an unlocked account (default 0); returns the tx hash as 0x-hex. Extra
        keyword arguments go into the transaction (gas=… skips estimation, so a failing
        transaction is mined rather than refused)."""
        tx_hash = self.w3.eth.send_transaction(
            {"from": sender or self.accounts[0], "to": to, "value": wei, **tx}
        )
        return tx_hash.to_0x_hex()

    def send_token(self, to: str, units: int, *, sender: str | None = None, **tx) -> str:
        tx_hash = self.token.functions.transfer(to, units).transact(
            {"from": sender or self.accounts[0], **tx}
        )
        return tx_hash.to_0x_hex()

    def mine(self, n: int = 1) -> None:
        self.rpc("anvil_mine", hex(n))

    def set_automine(self, enabled: bool) -> None:
        self.rpc("evm_setAutomine", enabled)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Monerod:
    """`monerod --regtest` (offline, difficulty 1: `generateblocks` mines at once) and two
    `monero-wallet-rpc`s in front of it: the payer's (`wallet`, holding the wallet "payer"
    with mature coinbase coins: 80 blocks mined to it, coinbase unlocks after 60) and the
    gateway's (`watch_url`, where the backend opens view-only wallets), as an operator runs
    one. A wallet RPC holds one wallet open at a time; `use_payer()` reopens "payer" after a
    test opened another there. Regtest uses mainnet address prefixes."""

    MATURE_BLOCKS = 80

    def __init__(self, datadir: Path):
        self.datadir = datadir
        rpc_port, p2p_port, zmq_port = (free_port() for _ in range(3))
        self.daemon_url = f"http://127.0.0.1:{rpc_port}"
        self.log = datadir / "monerod.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    str(MONEROD),
                    "--regtest",
                    "--offline",
                    "--fixed-difficulty=1",
                    f"--data-dir={datadir / 'chain'}",
                    "--rpc-bind-ip=127.0.0.1",
                    f"--rpc-bind-port={rpc_port}",
                    "--p2p-bind-ip=127.0.0.1",
                    f"--p2p-bind-port={p2p_port}",
                    f"--zmq-rpc-bind-port={zmq_port}",
                    "--no-igd",
                    "--non-interactive",
                    f"--log-file={datadir / 'monerod-file.log'}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        # Mining 80 blocks takes 18 s on an idle machine, more on a busy one.
        self.daemon = MoneroRPC(self.daemon_url, timeout=180)
        self.wallet_url, self.wallet_process, self.wallet_log = self._wallet_rpc("payer")
        self.watch_url, self.watch_process, self.watch_log = self._wallet_rpc("gateway")
        self.wallet = MoneroRPC(self.wallet_url, timeout=180)

    def _wallet_rpc(self, name: str) -> tuple[str, subprocess.Popen, Path]:
        port, wallet_dir, log = free_port(), self.datadir / name, self.datadir / f"{name}.log"
        wallet_dir.mkdir()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(MONERO_WALLET_RPC),
                    f"--daemon-address={self.daemon_url.removeprefix('http://')}",
                    "--trusted-daemon",
                    "--rpc-bind-ip=127.0.0.1",
                    f"--rpc-bind-port={port}",
                    "--disable-rpc-login",
                    f"--wallet-dir={wallet_dir}",
                    "--non-interactive",
                    f"--log-file={self.datadir / f'{name}-file.log'}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return f"http://127.0.0.1:{port}", process, log

    def setup(self) -> None:
        # monerod binds its RPC after loading its database: 8 s idle, over 30 s on a busy machine.
        _wait_ready(self.process, self.log, lambda: self.daemon.call("get_info"), timeout=120)
        watch = MoneroRPC(self.watch_url)
        _wait_ready(
            self.wallet_process,
            self.wallet_log,
            lambda: self.wallet.call("get_version"),
            timeout=120,
        )
        _wait_ready(self.watch_process, self.watch_log, lambda: watch.call("get_version"), 120)
        watch.close()
        self.wallet.call("create_wallet", filename="payer", language="English")
        self.address = self.wallet.call("get_address", account_index=0)["address"]
        self.mine(self.MATURE_BLOCKS)

    @property
    def network(self) -> Network:
        """monero-regtest read through the gateway's wallet RPC."""
        return dataclasses.replace(
            registry.network("monero-regtest"),
            rpc_url=self.watch_url,
            options={"daemon_url": self.daemon_url},
        )

    def new_wallet(self, name: str) -> tuple[str, str]:
        """A new wallet in the payer's RPC (left open there): its address and view key."""
        self.wallet.call("create_wallet", filename=name, language="English")
        address = self.wallet.call("get_address", account_index=0)["address"]
        return address, self.wallet.call("query_key", key_type="view_key")["key"]

    def use_payer(self) -> None:
        """Makes "payer" the payer RPC's open wallet (after a test opened another)."""
        if self.wallet.call("get_address", account_index=0)["address"] != self.address:
            self.wallet.call("open_wallet", filename="payer")
        self.wallet.call("refresh")

    def mine(self, n: int = 1) -> int:
        """Mines `n` blocks to the payer's wallet; returns the height of the last one."""
        return self.daemon.call("generateblocks", amount_of_blocks=n, wallet_address=self.address)[
            "height"
        ]

    def height(self) -> int:
        return self.daemon.call("get_info")["height"]

    def pay(self, address: str, piconero: int) -> str:
        """Sends from "payer" (opened first) to `address`; returns the txid. The transaction
        waits in the pool until `mine`."""
        self.use_payer()
        sent = self.wallet.call("transfer", destinations=[{"amount": piconero, "address": address}])
        return sent["tx_hash"]

    def stop(self) -> None:
        """The wallet RPCs save and stop on `stop_wallet`; monerod stops on SIGTERM."""
        for url in (self.wallet_url, self.watch_url):
            rpc = MoneroRPC(url, timeout=20)
            with contextlib.suppress(RPCError, OSError, ValueError):
                rpc.call("stop_wallet")
            rpc.close()
        self.wallet.close()
        self.daemon.close()
        self.process.terminate()
        for process in (self.wallet_process, self.watch_process, self.process):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def litecoind(tmp_path_factory):
    if not os.access(LITECOIND, os.X_OK):
        _missing(f"litecoind ({LITECOIND})")
    node = Litecoind(tmp_path_factory.mktemp("litecoind"))
    try:
        node.setup()
        yield node
    finally:
        node.stop()


@pytest.fixture
def fresh_litecoind(tmp_path, processes):
    """A Litecoin regtest node of the test's own, for a test that mines hundreds of blocks:
    regtest activates MWEB at block 432, past which `generatetoaddress` fails, so the
    session's node has about 330 blocks for all its tests."""
    if not os.access(LITECOIND, os.X_OK):
        _missing(f"litecoind ({LITECOIND})")
    datadir = tmp_path / "litecoind"
    datadir.mkdir()
    node = Litecoind(datadir)
    try:
        node.setup()
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def anvil(tmp_path_factory):
    binary = os.environ.get("ANVIL") or next(iter(sorted(REPO.glob(ANVIL_GLOB))), None)
    if not binary or not os.access(binary, os.X_OK):
        _missing(f"anvil ({binary or REPO / ANVIL_GLOB})")
    node = Anvil(Path(binary), tmp_path_factory.mktemp("anvil"))
    try:
        node.setup()
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def monerod(tmp_path_factory):
    for binary in (MONEROD, MONERO_WALLET_RPC):
        if not os.access(binary, os.X_OK):
            _missing(f"{binary.name} ({binary})")
    node = Monerod(tmp_path_factory.mktemp("monerod"))
    try:
        node.setup()
        yield node
    finally:
        node.stop()


class _Refusing(BaseHTTPRequestHandler):
    """Forwards JSON-RPC to `upstream`, but answers the `refused` methods as a node without
    them does: a "method not found" error, in single calls and in batches alike."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a real endpoint
    upstream = ""
    refused: frozenset[str] = frozenset()
    _sessions = threading.local()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        calls = body if isinstance(body, list) else [body]
        passed = [call for call in calls if call.get("method") not in self.refused]
        session = self._sessions.__dict__.setdefault("session", requests.Session())
        replies = {}
        if passed:
            answer = session.post(self.upstream, json=passed, timeout=30).json()
            replies = {reply.get("id"): reply for reply in answer}
        out = [
            replies.get(call.get("id"))
            or {
                "jsonrpc": "2.0",
                "id": call.get("id"),
                "error": {
                    "code": -32601,
                    "message": f"the method {call.get('method')} does not exist/is not available",
                },
            }
            for call in calls
        ]
        text = json.dumps(out if isinstance(body, list) else out[0]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def refusing_proxy(upstream: str, methods: set[str]):
    """The URL of a local HTTP JSON-RPC proxy to `upstream` without these `methods`, as
    hosted endpoints lack txpool_content or tracing."""
    handler = type("Refusing", (_Refusing,), {"upstream": upstream, "refused": frozenset(methods)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def anvil_without_txpool(anvil):
    """The RPC URL of a proxy to `anvil` that has no `txpool_content` (no mempool API), like
    most hosted EVM endpoints: use it as the network's rpc_url, e.g.
    dataclasses.replace(anvil.network, rpc_url=anvil_without_txpool)."""
    with refusing_proxy(anvil.rpc_url, {"txpool_content"}) as url:
        yield url
