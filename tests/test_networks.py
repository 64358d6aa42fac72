"""Networks from configuration and test mode's play money (issue 25).

A network CHAINS_CONFIG defines (here an EVM chain `my-l2` on anvil's chain id, with the
suite's ERC-20 as its USDC) pays end to end through the real scanner; its node is asked its
chain id at startup. Test keys are offered the sandbox and every enabled test network
(regtest, local nodes, public testnets) and live keys only real networks, at creation, at
the payer's currency choice and when a payment is credited. The real networks are checked
against a local JSON-RPC server that gives a mainnet node's recorded identity answers.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from bip_utils import Bip44, Bip44Coins, Bip84, Bip84Coins
from django.core.exceptions import ImproperlyConfigured

from chains import addresses, checks, hd, registry, tron_addresses, uri
from chains.registry import Network
from core.errors import ErrorCode, GatewayError
from invoices.models import Invoice, Transaction
from invoices.services import payer
from merchants.services import set_wallet
from tests.support import serve_in_thread
from tests.test_chain_litecoin import configure_chains
from tests.test_hd import account_xpub, to_tpub
from tests.test_security_test_mode import client_for
from worker.tasks import scan_network

RECORDED = Path(__file__).parent / "recorded" / "networks"
BODY = {"price_amount": "30.00", "price_currency": "USD"}


def offered(client) -> set[str]:
    return {c["network"] for c in client.get("/api/v1/currencies").json()["data"]}


def create(client, **body):
    return client.post("/api/v1/invoices", {**BODY, **body}, format="json")


# --- the built-in table ---------------------------------------------------------------------


def test_every_built_in_token_contract_is_spelled_with_its_checksum(settings):
    settings.CHAINS_CONFIG = ""
    for network in registry.all_networks().values():
        for token in network.tokens:
            if network.kind == "evm":
                assert "0x" + addresses.eip55(token.contract[2:]) == token.contract, token
            elif network.kind == "tron":
                assert tron_addresses.to_base58(token.contract) == token.contract, token


def test_l2s_and_public_testnets_are_built_in_and_off_until_given_an_rpc_url(settings):
    settings.CHAINS_CONFIG = ""
    networks = registry.all_networks()
    expected = {
        "base": (8453, False, {"USDC"}),
        "arbitrum": (42161, False, {"USDC"}),
        "optimism": (10, False, {"USDC"}),
        "avalanche": (43114, False, {"USDC", "USDT"}),
        "sepolia": (11155111, True, {"USDC"}),
        "base-sepolia": (84532, True, {"USDC"}),
        "bitcoin-testnet4": (None, True, set()),
        "bitcoin-signet": (None, True, set()),
        "litecoin-testnet": (None, True, set()),
        "tron-nile": (None, True, {"USDT"}),
    }
    for code, (chain_id, test, tokens) in expected.items():
        network = networks[code]
        assert (network.chain_id, network.test, {t.code for t in network.tokens}) == (
            chain_id,
            test,
            tokens,
        )
        assert not network.enabled
    assert networks["tron-nile"].genesis == (
        "0000000000000000d698d4192c56cb6be724a558448e2684802de4d6cd8690dc"
    )


def test_test_networks_serve_test_invoices_and_real_ones_live_invoices(settings):
    settings.CHAINS_CONFIG = ""
    networks = registry.all_networks()
    for code in ("sandbox", "litecoin-regtest", "ethereum-local", "tron-local", "sepolia"):
        assert registry.serves(networks[code], livemode=False)
        assert not registry.serves(networks[code], livemode=True)
    for code in ("bitcoin", "ethereum", "tron", "base"):
        assert registry.serves(networks[code], livemode=True)
        assert not registry.serves(networks[code], livemode=False)


# --- definitions in CHAINS_CONFIG -------------------------------------------------------------

MY_L2 = """
[networks.my-l2]
kind = "evm"
name = "My L2"
native = "ETH"
chain_id = {chain_id}
rpc_url = "{rpc_url}"
confirmations = 2
block_seconds = 1
explorer_tx = "https://explorer.my-l2.example/tx/{{txid}}"
test = true

[[networks.my-l2.tokens]]
symbol = "USDC"
contract = "{token}"
decimals = 6
"""


def test_a_defined_network_has_everything_the_registry_knows(settings, tmp_path):
    configure_chains(
        settings,
        tmp_path,
        MY_L2.format(chain_id=31337, rpc_url="http://127.0.0.1:9", token="0x" + "ab" * 20),
    )
    network = registry.network("my-l2")
    assert (network.kind, network.family, network.name, network.chain_id) == (
        "evm",
        "evm",
        "My L2",
        31337,
    )
    assert (network.native, network.native_decimals, network.confirmations) == ("ETH", 18, 2)
    assert network.test and network.enabled and network.uri_scheme == "ethereum"
    assert network.tx_url("0x1") == "https://explorer.my-l2.example/tx/0x1"
    assert network.asset("USDC") == registry.Asset("USDC", "my-l2", 6, "0x" + "ab" * 20)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[networks.my-l2]\nrpc_url = "http://n:1"\n',
            "unknown network 'my-l2'; to define one, give its `kind`",
        ),
        (
            '[networks.my-l2]\nkind = "cosmos"\nname = "X"\nnative = "ATOM"\n',
            "`kind` 'cosmos' is not one the gateway reads (evm, utxo, tron)",
        ),
        (
            '[networks.my-l2]\nkind = "evm"\nname = "X"\nnative = "ETH"\n',
            "[networks.my-l2]: a network of kind 'evm' needs `chain_id`",
        ),
        (
            '[networks.my-l2]\nkind = "evm"\nname = "X"\nnative = "ETH"\nchain_id = "8453"\n',
            "`chain_id` must be a whole number from 1 to",
        ),
        (
            '[networks.my-l2]\nkind = "evm"\nname = "X"\nnative = "ETH"\nchain_id = 5\n'
            'test = "yes"\n',
            "`test` must be true or false, not 'yes'",
        ),
        (
            '[networks.My_L2]\nkind = "evm"\nname = "X"\nnative = "ETH"\nchain_id = 5\n',
            "a network's code is lowercase letters, digits and dashes",
        ),
        (
            '[networks.base]\nchain_id = 1\nrpc_url = "http://n:1"\n',
            "'base' is a built-in network; chain_id cannot be changed",
        ),
        (
            '[networks.my-l2]\nkind = "evm"\nname = "X"\nnative = "ETH"\nchain_id = 5\n'
            'explorer_tx = "https://x.example/tx/"\n',
            "`explorer_tx` 'https://x.example/tx/' must be an https:// URL with {txid}",
        ),
        (
            '[networks.my-l2]\nkind = "evm"\nname = "X"\nnative = "ETH"\nchain_id = 5\n'
            '[[networks.my-l2.tokens]]\nsymbol = "USDC"\ncontract = "0x12"\ndecimals = 6\n',
            "token USDC: '0x12' is not an EVM address",
        ),
        (
            '[networks.doge]\nkind = "utxo"\nname = "Doge"\nnative = "DOGE"\nhrp = "dg"\n'
            '[[networks.doge.tokens]]\nsymbol = "X"\ncontract = "x"\ndecimals = 1\n',
            "utxo networks have no tokens",
        ),
        (
            '[networks.my-tron]\nkind = "tron"\nname = "T"\nnative = "TRX"\ngenesis = "00"\n',
            "`genesis` '00' is not a block id (64 hexadecimal digits)",
        ),
    ],
)
def test_a_bad_definition_is_refused_with_what_is_wrong(settings, tmp_path, toml, message):
    configure_chains(settings, tmp_path, toml)
    with pytest.raises(ImproperlyConfigured) as refused:
        registry.all_networks()
    assert message in str(refused.value)


def test_a_utxo_network_with_unknown_key_formats_is_refused(settings, tmp_path):
    configure_chains(
        settings,
        tmp_path,
        '[networks.doge]\nkind = "utxo"\nname = "Doge"\nnative = "DOGE"\nhrp = "dg"\n'
        'xpub_formats = ["dgub"]\nrpc_url = "http://127.0.0.1:9"\n',
    )
    assert checks.configuration_problem(registry.network("doge")).startswith(
        "xpub_formats ['dgub'] are not key formats (xpub, "
    )
    assert not hd.is_family("nosuch")


def test_a_utxo_network_defined_in_config_derives_and_checks_its_addresses(settings, tmp_path):
    """A UTXO chain of its own (here a made-up testnet with the hrp `tdg`): its wallets take
    testnet keys, its invoices' addresses carry its prefix, and refund addresses of another
    network are refused by name."""
    configure_chains(
        settings,
        tmp_path,
        '[networks.doge-test]\nkind = "utxo"\nname = "Dogecoin testnet"\nnative = "DOGE"\n'
        'hrp = "tdg"\naddress_versions = [0x71, 0xc4]\nchain = "test"\ntest = true\n',
    )
    network = registry.network("doge-test")
    assert (network.family, network.utxo_chain, network.xpub_formats) == (
        "doge-test",
        "test",
        ("tpub", "vpub"),
    )
    key = account_xpub(Bip84, Bip84Coins.BITCOIN_TESTNET)  # a vpub
    stored = hd.validate_xpub("doge-test", key)
    assert stored.startswith("tpub") and hd.is_family("doge-test")
    address = hd.derive_address("doge-test", stored, 0)
    assert address.startswith("tdg1q")
    assert uri.payment_uri(network, network.assets[0], address, 10**8) == ""  # no uri_scheme
    assert addresses.validate_address(network, address) == address
    bitcoin_testnet = hd.derive_address("bitcoin-testnet", key, 0)
    with pytest.raises(addresses.InvalidAddress, match="is for a test network"):
        addresses.validate_address(network, bitcoin_testnet)
    with pytest.raises(GatewayError) as refused:  # a mainnet zpub
        hd.validate_xpub("doge-test", account_xpub(Bip84, Bip84Coins.BITCOIN))
    assert refused.value.code == ErrorCode.INVALID_XPUB


def test_testnet_wallets_are_set_like_any_other(settings, make_merchant):
    """vpub/tpub for Bitcoin testnet4 and signet (tb1 addresses), testnet keys for Litecoin
    testnet (tltc1), the EVM and TRON xpubs for Sepolia and Nile."""
    settings.CHAINS_CONFIG = ""
    shop = make_merchant()
    bitcoin = set_wallet(
        merchant=shop.merchant,
        family="bitcoin-testnet",
        xpub=account_xpub(Bip84, Bip84Coins.BITCOIN_TESTNET),
    )
    assert bitcoin.xpub.startswith("vpub")
    first = hd.derive_address("bitcoin-testnet", bitcoin.xpub, 0)
    assert first.startswith("tb1q")
    for code in ("bitcoin-testnet4", "bitcoin-signet"):
        assert registry.network(code).family == "bitcoin-testnet"
        assert addresses.validate_address(registry.network(code), first) == first
    litecoin = set_wallet(
        merchant=shop.merchant,
        family="litecoin-testnet",
        xpub=to_tpub(account_xpub(Bip84, Bip84Coins.LITECOIN_TESTNET)),
    )
    assert hd.derive_address("litecoin-testnet", litecoin.xpub, 0).startswith("tltc1q")
    with pytest.raises(GatewayError) as refused:  # a mainnet key for a testnet
        set_wallet(
            merchant=shop.merchant,
            family="bitcoin-testnet",
            xpub=account_xpub(Bip84, Bip84Coins.BITCOIN),
        )
    assert refused.value.code == ErrorCode.INVALID_XPUB
    assert registry.network("sepolia").family == "evm"
    assert registry.network("tron-nile").family == "tron"


# --- a defined network on anvil ---------------------------------------------------------------


def evm_shop(make_merchant, mode: str = "test"):
    shop = make_merchant(mode=mode)
    set_wallet(
        merchant=shop.merchant,
        family="evm",
        xpub=account_xpub(Bip44, Bip44Coins.ETHEREUM),
    )
    return shop


def test_a_network_defined_only_in_config_pays_end_to_end_on_anvil(
    settings, tmp_path, anvil, make_merchant
):
    configure_chains(
        settings,
        tmp_path,
        MY_L2.format(chain_id=31337, rpc_url=anvil.rpc_url, token=anvil.token_address),
    )
    assert checks.verify(checks.enabled_networks()) == {}  # the node answers for chain 31337
    shop = evm_shop(make_merchant)
    shop.merchant.wallets.filter(family="evm").update(next_index=anvil.w3.eth.block_number)
    scan_network("my-l2")  # the cursor starts at the tip
    assert "my-l2" in offered(shop)
    invoice = create(shop, pay_currency="USDC", network="my-l2").json()
    assert (invoice["pay_currency"], invoice["network"], invoice["pay_amount"]) == (
        "USDC",
        "my-l2",
        "30.000000",
    )
    txid = anvil.send_token(invoice["address"], 30 * 10**6)
    scan_network("my-l2")
    seen = shop.get(f"/api/v1/invoices/{invoice['id']}").json()
    assert seen["status"] == "pending"
    assert seen["transactions"][0]["txid"] == txid
    assert seen["transactions"][0]["confirmations"] == 1
    anvil.mine()
    scan_network("my-l2")
    done = shop.get(f"/api/v1/invoices/{invoice['id']}").json()
    assert done["status"] == "completed" and done["paid_amount"] == "30.000000"
    assert Transaction.objects.get(txid=txid).network == "my-l2"


def test_a_defined_network_whose_node_has_another_chain_id_is_refused_at_startup(
    settings, tmp_path, anvil, make_merchant
):
    configure_chains(
        settings,
        tmp_path,
        MY_L2.format(chain_id=8453, rpc_url=anvil.rpc_url, token=anvil.token_address),
    )
    shop = evm_shop(make_merchant)
    assert checks.verify(checks.enabled_networks()) == {
        "my-l2": "the node answers for chain id 31337, not 8453 (My L2)"
    }
    assert "my-l2" not in offered(shop)
    assert "my-l2" not in {n.code for n in checks.enabled_networks()}  # nor scanned


# --- test mode: play money on test networks ---------------------------------------------------


@pytest.fixture
def local_networks(settings, tmp_path, anvil, litecoind):
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.ethereum-local]
rpc_url = "{anvil.rpc_url}"
confirmations = 2

[networks.litecoin-regtest]
rpc_url = "{litecoind.rpc_url}"
confirmations = 1
""",
    )
    assert checks.verify(checks.enabled_networks()) == {}


@pytest.fixture
def both_keys(make_merchant, local_networks):
    """One store with wallets for the local networks, seen through a test and a live key."""
    test = evm_shop(make_merchant)
    set_wallet(
        merchant=test.merchant,
        family="litecoin-regtest",
        xpub=to_tpub(account_xpub(Bip84, Bip84Coins.LITECOIN_TESTNET)),
    )
    return test, client_for(test.merchant, "live")


def test_a_test_key_is_offered_the_sandbox_and_the_local_test_networks(both_keys, anvil):
    test, _ = both_keys
    assert offered(test) == {"sandbox", "litecoin-regtest", "ethereum-local"}
    invoice = create(test).json()
    assert invoice["livemode"] is False
    assert set(Invoice.objects.get(pk=invoice["id"]).quotes.values_list("network", flat=True)) >= {
        "litecoin-regtest",
        "ethereum-local",
    }
    test.merchant.wallets.filter(family="evm").update(next_index=anvil.w3.eth.block_number)
    scan_network("ethereum-local")
    paid = create(test, pay_currency="ETH", network="ethereum-local").json()
    anvil.send_eth(paid["address"], 10**16)  # 30 USD at 3000 USD/ETH
    anvil.mine()
    scan_network("ethereum-local")
    assert test.get(f"/api/v1/invoices/{paid['id']}").json()["status"] == "completed"


def test_a_live_key_is_offered_no_test_network_and_its_invoice_refuses_them(both_keys):
    _, live = both_keys
    assert offered(live) == set()
    for asset, network in (("LTC", "litecoin-regtest"), ("ETH", "ethereum-local")):
        refused = create(live, pay_currency=asset, network=network)
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "currency_not_offered"


def test_a_payment_on_a_test_network_never_reaches_a_live_invoice(both_keys, anvil):
    """The scanner's crediting path asks the same rule: a live invoice that somehow carries
    a local-node address (tampered with in the database) takes no play money."""
    test, _ = both_keys
    test.merchant.wallets.filter(family="evm").update(next_index=anvil.w3.eth.block_number + 50)
    scan_network("ethereum-local")
    invoice = create(test, pay_currency="ETH", network="ethereum-local").json()
    Invoice.objects.filter(pk=invoice["id"]).update(livemode=True)
    anvil.send_eth(invoice["address"], 10**16)
    anvil.mine(2)
    scan_network("ethereum-local")
    assert not Transaction.objects.filter(invoice_id=invoice["id"]).exists()
    assert Invoice.objects.get(pk=invoice["id"]).status == "new"


# --- live mode: real money on real networks ---------------------------------------------------


class _RecordedNode(BaseHTTPRequestHandler):
    """A JSON-RPC node that answers identity questions as a mainnet node did (recorded
    answers in tests/recorded/networks/); any other method is an error."""

    answers: dict = {}

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        requests = request if isinstance(request, list) else [request]
        replies = []
        for call in requests:
            method = call["method"]
            key = f"{method}:{json.dumps(call.get('params', []))}"
            answer = self.answers.get(key, self.answers.get(method))
            reply = {"jsonrpc": "2.0", "id": call.get("id")}
            if answer is None:
                reply["error"] = {"code": -32601, "message": f"{method} not recorded"}
            else:
                reply["result"] = answer
            replies.append(reply)
        body = json.dumps(replies if isinstance(request, list) else replies[0]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def mainnet_nodes():
    """Two local servers with a mainnet node's recorded identity: Ethereum's and Bitcoin
    Core's."""
    servers = []
    for name in ("ethereum_mainnet.json", "bitcoin_mainnet.json"):
        handler = type(
            "Node", (_RecordedNode,), {"answers": json.loads((RECORDED / name).read_text())}
        )
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        serve_in_thread(server)
        servers.append(server)
    yield [f"http://u:p@127.0.0.1:{s.server_address[1]}/" for s in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def real_networks(settings, tmp_path, mainnet_nodes, anvil, make_merchant):
    """Ethereum and Bitcoin on (their nodes answer for mainnet) beside ethereum-local."""
    ethereum, bitcoin = mainnet_nodes
    configure_chains(
        settings,
        tmp_path,
        f'[networks.ethereum]\nrpc_url = "{ethereum}"\n'
        f'[networks.bitcoin]\nrpc_url = "{bitcoin}"\n'
        f'[networks.ethereum-local]\nrpc_url = "{anvil.rpc_url}"\n',
    )
    test = evm_shop(make_merchant)
    set_wallet(
        merchant=test.merchant, family="bitcoin", xpub=account_xpub(Bip84, Bip84Coins.BITCOIN)
    )
    return test, client_for(test.merchant, "live")


def test_mainnet_nodes_pass_the_startup_checks(real_networks):
    assert checks.verify(checks.enabled_networks()) == {}
    assert {"ethereum", "bitcoin"} <= {n.code for n in checks.enabled_networks()}


def test_a_live_key_is_offered_the_real_networks_and_a_test_key_is_not(real_networks):
    test, live = real_networks
    assert checks.verify(checks.enabled_networks()) == {}
    assert offered(live) == {"ethereum", "bitcoin"}
    assert offered(test) == {"sandbox", "ethereum-local"}
    for asset, network in (("BTC", "bitcoin"), ("USDT", "ethereum")):
        refused = create(test, pay_currency=asset, network=network)
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "currency_not_offered"
    assert create(live, pay_currency="USDT", network="ethereum").status_code == 201
    for asset, network in (("USDT", "sandbox"), ("ETH", "ethereum-local")):
        refused = create(live, pay_currency=asset, network=network)
        assert refused.json()["error"]["code"] == "currency_not_offered"


def test_a_payer_cannot_pick_a_network_of_the_other_mode(real_networks):
    test, live = real_networks
    for client, asset, network in (
        (live, "ETH", "ethereum-local"),
        (live, "USDT", "sandbox"),
        (test, "USDT", "ethereum"),
        (test, "BTC", "bitcoin"),
    ):
        invoice = create(client, kind="open").json()
        with pytest.raises(GatewayError) as refused:
            payer.select_currency(invoice_id=invoice["id"], asset_code=asset, network_code=network)
        assert refused.value.code == ErrorCode.CURRENCY_NOT_OFFERED


def test_a_utxo_node_of_another_chain_or_genesis_is_refused(settings, tmp_path, mainnet_nodes, db):
    """A Bitcoin mainnet node behind the signet entry answers another chain; behind the
    Litecoin entry it answers "main" too, but its genesis block is Bitcoin's."""
    bitcoin = mainnet_nodes[1]
    configure_chains(
        settings,
        tmp_path,
        f'[networks.bitcoin-signet]\nrpc_url = "{bitcoin}"\n'
        f'[networks.litecoin]\nrpc_url = "{bitcoin}"\n',
    )
    refused = checks.verify([registry.network("bitcoin-signet"), registry.network("litecoin")])
    assert refused == {
        "bitcoin-signet": "the node runs the 'main' chain, not 'signet' (Bitcoin signet)",
        "litecoin": (
            f"the node's genesis block is {registry.network('bitcoin').genesis}, not "
            f"Litecoin's {registry.network('litecoin').genesis}"
        ),
    }


def test_a_real_network_is_refused_when_its_node_is_another_chain(settings, tmp_path, anvil, db):
    """`ethereum` pointed at anvil (31337), `bitcoin` at litecoind would be the same."""
    configure_chains(settings, tmp_path, f'[networks.ethereum]\nrpc_url = "{anvil.rpc_url}"\n')
    network: Network = registry.network("ethereum")
    assert checks.verify([network]) == {
        "ethereum": "the node answers for chain id 31337, not 1 (Ethereum (ERC-20))"
    }


# --- the checkout of a testnet invoice ---------------------------------------------------------


def test_the_checkout_of_a_testnet_invoice_names_its_network(
    settings, tmp_path, api, page, live_server
):
    """A test invoice paid in USDC on Sepolia: the TEST banner names the network, at desktop
    and phone sizes (var/screenshots/testnet-sepolia-*.png with SCREENSHOTS=1)."""
    from tests.browser import PHONE, decode_qr, screenshot

    configure_chains(settings, tmp_path, '[networks.sepolia]\nrpc_url = "http://127.0.0.1:9"\n')
    set_wallet(merchant=api.merchant, family="evm", xpub=account_xpub(Bip44, Bip44Coins.ETHEREUM))
    invoice = create(api, pay_currency="USDC", network="sepolia", description="Test order").json()
    assert invoice["livemode"] is False
    page.goto(f"{live_server.url}/pay/{invoice['id']}")
    banner = page.locator(".test-banner")
    assert "Test invoice on Ethereum Sepolia (testnet)" in banner.inner_text()
    assert page.problems == []
    usdc = registry.network("sepolia").asset("USDC").contract
    assert decode_qr(page.locator("svg.qr").screenshot()) == (
        f"ethereum:{usdc}@11155111/transfer?address={invoice['address']}&uint256=30000000"
    )
    screenshot(page, "testnet-sepolia")
    page.set_viewport_size(PHONE)
    assert banner.is_visible() and page.locator("svg.qr").is_visible()
