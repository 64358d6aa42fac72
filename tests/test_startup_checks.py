"""Startup checks for every network (chains.checks): a configured network whose backend is
missing, whose RPC URL is malformed, or whose node answers for another chain is refused with
a clear message, shown down in its health (ChainCursor.last_error), never offered to payers
and never scanned. Against the real nodes (anvil, litecoind) and the TRON test node."""

import logging

import pytest
from bip_utils import Bip44, Bip44Coins
from django.core import checks as django_checks
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError

from chains import backends, checks, registry
from chains.models import ChainCursor
from merchants.services import set_wallet
from tests.test_chain_litecoin import configure_chains
from tests.test_hd import account_xpub
from tests.test_tron_backend import tron_config
from worker import tasks

pytestmark = pytest.mark.django_db
MAINNET_GENESIS = "00000000000000001ebf88508a03865c71d452e25f4d51194196a1d22b6653dc"


@pytest.fixture(params=["test"])
def tron_shop(make_merchant, request):
    """A store with a TRON wallet: its test key pays on tron-local; tests of the mainnet
    entry ask for `live` (indirect parametrisation)."""
    api = make_merchant(mode=request.param)
    set_wallet(merchant=api.merchant, family="tron", xpub=account_xpub(Bip44, Bip44Coins.TRON))
    return api


live_tron_shop = pytest.mark.parametrize("tron_shop", ["live"], indirect=True)


def offers_trx(client, network: str) -> bool:
    response = client.post(
        "/api/v1/invoices",
        {
            "price_amount": "10.00",
            "price_currency": "USD",
            "pay_currency": "TRX",
            "network": network,
        },
        format="json",
    )
    if response.status_code == 201:
        return True
    assert response.json()["error"]["code"] == "currency_not_offered", response.json()
    return False


@live_tron_shop
@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("htp://127.0.0.1:8090", "is not an http:// or https:// URL"),
        ("127.0.0.1:8090", "is not an http:// or https:// URL"),
        ("http://", "has no host name"),
        ("http://127.0.0.1:80x90", "is malformed"),
        ("http://node .example:8090", "contains spaces"),
    ],
)
def test_a_malformed_rpc_url_refuses_the_network(settings, tmp_path, tron_shop, url, why):
    configure_chains(settings, tmp_path, f'[networks.tron]\nrpc_url = "{url}"\n')
    network = registry.get_network("tron")
    assert why in checks.configuration_problem(network)
    assert "tron" not in {n.code for n in checks.enabled_networks()}
    assert not offers_trx(tron_shop, "tron")
    [warning] = checks.configuration_check()
    assert warning.id == "chains.W001" and warning.level == django_checks.WARNING
    assert "network 'tron' is refused" in warning.msg and why in warning.msg


def test_credentials_in_a_bad_url_stay_out_of_the_message(settings, tmp_path):
    configure_chains(
        settings, tmp_path, '[networks.litecoin]\nrpc_url = "ftp://user:secret@node:9332/"\n'
    )
    problem = checks.configuration_problem(registry.get_network("litecoin"))
    assert "secret" not in problem and "user:***@node" in problem


def test_a_network_without_a_backend_is_refused(
    settings, tmp_path, tron_shop, tron_node, monkeypatch, caplog
):
    """What the issue found: TRON configured before any backend read it."""
    configure_chains(settings, tmp_path, tron_config(tron_node))
    assert offers_trx(tron_shop, "tron-local")
    monkeypatch.delitem(backends._BACKENDS, "tron")
    problem = checks.configuration_problem(registry.get_network("tron-local"))
    assert problem == "no backend reads 'tron' networks"
    assert not offers_trx(tron_shop, "tron-local")
    with caplog.at_level(logging.ERROR):
        tasks.scan_all()  # the scheduled pass leaves it out: no NoBackend traceback
    assert "NoBackend" not in caplog.text and "tron-local" not in caplog.text


@live_tron_shop
def test_a_tron_node_of_another_chain_is_refused_then_accepted_once_fixed(
    settings, tmp_path, tron_shop, tron_node
):
    # The mainnet entry pointed at a node whose genesis is not mainnet's.
    configure_chains(settings, tmp_path, f'[networks.tron]\nrpc_url = "{tron_node.url}"\n')
    assert offers_trx(tron_shop, "tron")
    refused = checks.verify(checks.enabled_networks())
    assert refused["tron"] == (
        f"the node's genesis block is {tron_node.genesis_id} (another "
        f"chain), not Tron (TRC-20)'s {MAINNET_GENESIS}"
    )
    cursor = ChainCursor.objects.get(network="tron")
    assert cursor.last_error == checks.REFUSED + refused["tron"]  # the network's health
    assert not offers_trx(tron_shop, "tron")
    assert "tron" not in {n.code for n in checks.enabled_networks()}  # nor scanned

    tron_node.blocks[0]["blockID"] = MAINNET_GENESIS  # now it is a mainnet node
    assert checks.verify([registry.get_network("tron")]) == {}
    assert ChainCursor.objects.get(network="tron").last_error == ""
    assert offers_trx(tron_shop, "tron")


def test_a_local_tron_network_refuses_a_public_chain(settings, tmp_path, tron_node):
    configure_chains(settings, tmp_path, f'[networks.tron-local]\nrpc_url = "{tron_node.url}"\n')
    network = registry.get_network("tron-local")
    assert checks.verify([network]) == {}  # no genesis configured: any private chain
    tron_node.blocks[0]["blockID"] = MAINNET_GENESIS
    assert "answers for TRON mainnet, not a local network" in checks.verify([network])["tron-local"]


def test_an_unreachable_node_is_an_outage_not_a_refusal(settings, tmp_path, tron_node):
    configure_chains(settings, tmp_path, tron_config(tron_node))
    tron_node.fail_next["/wallet/getblock"] = 503
    assert checks.verify([registry.get_network("tron-local")]) == {}


def test_an_evm_node_of_another_chain_is_refused(settings, tmp_path, anvil):
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.ethereum]
rpc_url = "{anvil.rpc_url}"
[networks.ethereum-local]
rpc_url = "{anvil.rpc_url}"
""",
    )
    refused = checks.verify(checks.enabled_networks())
    assert refused == {"ethereum": "the node answers for chain id 31337, not 1 (Ethereum (ERC-20))"}
    assert {n.code for n in checks.enabled_networks()} == {"ethereum-local", "sandbox"}


def test_a_bitcoin_core_node_on_another_chain_is_refused(settings, tmp_path, litecoind):
    configure_chains(
        settings,
        tmp_path,
        f"""
[networks.litecoin]
rpc_url = "{litecoind.rpc_url}"
[networks.litecoin-regtest]
rpc_url = "{litecoind.rpc_url}"
""",
    )
    refused = checks.verify(checks.enabled_networks())
    assert refused == {"litecoin": "the node runs the 'regtest' chain, not 'main' (Litecoin)"}


def test_check_deploy_asks_the_nodes(settings, tmp_path, tron_node):
    configure_chains(settings, tmp_path, f'[networks.tron]\nrpc_url = "{tron_node.url}"\n')
    with pytest.raises(SystemCheckError, match="chains.E001"):
        call_command("check", "--deploy", "--tag", "chains")


def test_the_scan_command_refuses_a_broken_network_at_start(settings, tmp_path, tron_node, capsys):
    configure_chains(settings, tmp_path, f'[networks.tron]\nrpc_url = "{tron_node.url}"\n')
    with pytest.raises(CommandError, match="not enabled \\(or refused\\) networks: tron"):
        call_command("scan", "--network", "tron")
    assert "network tron refused: the node's genesis block is" in capsys.readouterr().err
