"""Startup checks: is each configured network one the gateway can really watch?

A network is refused when no backend reads its kind, when its RPC URL is malformed, or when
its node answers for another chain (EVM: `eth_chainId` against the registry's chain id;
Bitcoin Core: `getblockchaininfo.chain` against the network's main/test/testnet4/signet/
regtest, then its genesis block when the registry knows it; TRON: the genesis block id;
Monero: monerod's `get_info.nettype`, its height logged, and the wallet RPC answering).
Networks defined in CHAINS_CONFIG are checked the same way. A refused network is never
offered to payers nor scanned (`enabled_networks` below leaves it out), and its health
(ChainCursor.last_error, shown in the admin) says why.

The configuration problems need no node: they are found wherever the registry is read, and
Django's system checks print them at every start. The node's identity is asked once per
start of `manage.py scan`, which records the verdict for every process to read (and by
`manage.py check --deploy`). A node that does not answer is not refused: that is an outage
the scanner reports and retries, not a misconfiguration.
"""

from __future__ import annotations

import logging
from importlib import import_module
from urllib.parse import urlsplit

from django.core import checks as django_checks

from chains import backends, forwarders, hd, registry
from chains.models import ChainCursor
from chains.registry import Asset, Network

logger = logging.getLogger(__name__)

REFUSED = "refused at startup: "  # ChainCursor.last_error of a refused network starts so
# What monerod's `get_info.nettype` calls a Monero network's chain (default "mainnet");
# `--regtest` runs a "fakechain".
MONERO_NETTYPES = {"monero-regtest": "fakechain"}
PUBLIC_TRON_GENESIS = {
    "00000000000000001ebf88508a03865c71d452e25f4d51194196a1d22b6653dc": "TRON mainnet",
    "0000000000000000d698d4192c56cb6be724a558448e2684802de4d6cd8690dc": "the Nile testnet",
    "0000000000000000de1aa88295e1fcf982742f773e0419c5a9c134c994a9059e": "the Shasta testnet",
}


def configuration_problem(network: Network) -> str | None:
    """What is wrong with the network's configuration alone, or None."""
    path = backends._BACKENDS.get(network.kind)
    if path is None:
        return f"no backend reads {network.kind!r} networks"
    try:
        import_module(path.rpartition(".")[0])
    except ImportError as exc:
        return f"its backend cannot be loaded: {exc}"
    urls = [("rpc_url", network.rpc_url)]
    if network.options.get("jsonrpc_url"):
        urls.append(("jsonrpc_url", network.options["jsonrpc_url"]))
    if network.kind == "monero":  # rpc_url is the wallet RPC; the chain is read from monerod
        if not network.options.get("daemon_url"):
            return "daemon_url (monerod's RPC) is missing beside rpc_url (monero-wallet-rpc)"
        urls.append(("daemon_url", str(network.options["daemon_url"])))
    for name, url in urls:
        if problem := _url_problem(url):
            return f"{name} {_redacted(url)!r} {problem}"
    if unknown := [f for f in network.xpub_formats if f not in hd.KEY_FORMATS]:
        return f"xpub_formats {unknown!r} are not key formats ({', '.join(hd.KEY_FORMATS)})"
    if network.forwarder_factory:
        if network.kind != "evm":
            return "forwarder_factory is for EVM networks only"
        try:
            forwarders.to_checksum_address(network.forwarder_factory)
        except ValueError:
            return f"forwarder_factory {network.forwarder_factory!r} is not an EVM address"
    return None


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        return f"is malformed ({exc})"
    if parts.scheme not in ("http", "https"):
        return "is not an http:// or https:// URL"
    if not parts.hostname or any(c.isspace() for c in url):
        return "has no host name" if not parts.hostname else "contains spaces"
    return None


def _redacted(url: str) -> str:
    """The URL without its credentials: messages end up in logs and the admin."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def node_problem(network: Network, backend) -> str | None:
    """Does the node answer for this network's chain? None when it does (or is unreachable:
    the scanner reports outages)."""
    try:
        if network.kind == "evm":
            chain_id = int(backend.rpc.call("eth_chainId"), 16)
            if chain_id != network.chain_id:
                return (
                    f"the node answers for chain id {chain_id}, not {network.chain_id} "
                    f"({network.name})"
                )
            if network.forwarder_factory:
                return forwarder_problem(network, backend)
        elif network.kind == "utxo":
            chain = backend.rpc.call("getblockchaininfo")["chain"]
            if chain != network.utxo_chain:
                return (
                    f"the node runs the {chain!r} chain, not {network.utxo_chain!r} "
                    f"({network.name})"
                )
            if network.genesis:
                genesis = backend.rpc.call("getblockhash", 0)
                if genesis != network.genesis:
                    return (
                        f"the node's genesis block is {genesis}, not {network.name}'s "
                        f"{network.genesis}"
                    )
        elif network.kind == "monero":
            info = backend.daemon.call("get_info")
            expected = MONERO_NETTYPES.get(network.code, "mainnet")
            if info["nettype"] != expected:
                return f"the daemon runs {info['nettype']!r}, not {expected!r} ({network.name})"
            backend.wallet.call("get_version")  # the wallet RPC answers too
            logger.info("%s: monerod at height %s", network.code, info["height"])
        elif network.kind == "tron":
            genesis = backend.genesis_id()
            if network.genesis and genesis != network.genesis:
                owner = PUBLIC_TRON_GENESIS.get(genesis, "another chain")
                return (
                    f"the node's genesis block is {genesis or 'missing'} ({owner}), not "
                    f"{network.name}'s {network.genesis}"
                )
            if not network.genesis and genesis in PUBLIC_TRON_GENESIS:
                return (
                    f"the node answers for {PUBLIC_TRON_GENESIS[genesis]}, not a local "
                    f"network (give `genesis` in CHAINS_CONFIG)"
                )
    except Exception as exc:  # any transport or shape error: the node is down, not wrong
        logger.warning("%s: the node could not be checked: %s", network.code, exc)
    return None


def forwarder_problem(network: Network, backend) -> str | None:
    """Is the code at the configured `forwarder_factory` (and at its implementation) our
    ForwarderFactory? Forwarder mode must never hand out addresses another contract
    controls."""
    factory = network.forwarder_factory
    implementation = forwarders.implementation_address(factory)

    def code(address: str) -> bytes:
        return bytes.fromhex(backend.rpc.call("eth_getCode", address, "latest")[2:])

    reason = forwarders.factory_code_problem(factory, code(factory), code(implementation))
    return f"forwarder_factory: {reason}" if reason else None


def problem(network: Network) -> str | None:
    return configuration_problem(network) or node_problem(network, backends.get_backend(network))


def verify(networks: list[Network]) -> dict[str, str]:
    """Check each network and record the verdict: refused ones get their reason in
    ChainCursor.last_error; a network that passes again loses an earlier refusal. Returns
    {code: reason} of the refused."""
    refused = {}
    for network in networks:
        if network.kind == "sandbox":
            continue
        reason = problem(network)
        cursor, _ = ChainCursor.objects.get_or_create(network=network.code)
        if reason:
            refused[network.code] = reason
            logger.error("network %s refused: %s", network.code, reason)
            cursor.last_error = REFUSED + reason
            cursor.save(update_fields=["last_error"])
        elif cursor.last_error.startswith(REFUSED):
            cursor.last_error = ""
            cursor.save(update_fields=["last_error"])
    return refused


def refused_networks(networks: list[Network]) -> set[str]:
    """Codes of these networks refused by their configuration or by the last verify()."""
    refused = {n.code for n in networks if n.kind != "sandbox" and configuration_problem(n)}
    others = [n.code for n in networks if n.kind != "sandbox" and n.code not in refused]
    if others:
        refused |= set(
            ChainCursor.objects.filter(
                network__in=others, last_error__startswith=REFUSED
            ).values_list("network", flat=True)
        )
    return refused


def enabled_networks() -> list[Network]:
    """Networks switched on and not refused by these checks: a refused network is neither
    offered to payers nor scanned."""
    networks = [network for network in registry.all_networks().values() if network.enabled]
    refused = refused_networks(networks)
    return [network for network in networks if network.code not in refused]


def enabled_methods() -> list[Asset]:
    return [asset for network in enabled_networks() for asset in network.assets]


def _configured() -> list[Network]:
    return [
        network
        for network in registry.all_networks().values()
        if network.enabled and network.kind != "sandbox"
    ]


def configuration_check(app_configs=None, **kwargs) -> list[django_checks.CheckMessage]:
    """Django system check: each misconfigured network, said at every start. A warning,
    not an error: the gateway runs on with its other networks."""
    return [
        django_checks.Warning(
            f"network {network.code!r} is refused: {reason}; it is not "
            "offered to payers nor scanned",
            hint="Fix its entry in CHAINS_CONFIG.",
            id="chains.W001",
        )
        for network in _configured()
        if (reason := configuration_problem(network))
    ]


def node_check(app_configs=None, **kwargs) -> list[django_checks.CheckMessage]:
    """`manage.py check --deploy`: ask each configured node which chain it is on."""
    return [
        django_checks.Error(
            f"network {network.code!r}: {reason}",
            hint="Point its rpc_url at a node of that network.",
            id="chains.E001",
        )
        for network in _configured()
        if not configuration_problem(network)
        and (reason := node_problem(network, backends.get_backend(network)))
    ]
