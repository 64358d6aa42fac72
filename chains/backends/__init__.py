"""Chain backends: one per kind of node, all behind `base.ChainBackend`."""

import threading
from importlib import import_module

from chains.registry import Network

_BACKENDS = {
    "sandbox": "chains.backends.sandbox.SandboxBackend",
    "utxo": "chains.backends.bitcoin_rpc.BitcoinRPCBackend",
    "evm": "chains.backends.evm_rpc.EVMRPCBackend",
    "tron": "chains.backends.tron.TronBackend",
}
_local = threading.local()


class NoBackend(Exception):
    pass


def get_backend(network: Network):
    """The backend that reads `network` (imported lazily: a node library loads only when
    its network is on). One instance per thread and network configuration is kept: it holds
    a keep-alive connection and what it learnt of the mempool, so a poll every few seconds
    fetches only new transactions instead of the whole mempool."""
    path = _BACKENDS.get(network.kind)
    if path is None or not network.enabled:
        raise NoBackend(f"network {network.code!r} has no backend configured")
    backends = _local.__dict__.setdefault("backends", {})
    key = (network, repr(network.options))  # options are left out of Network equality
    if key not in backends:
        module, _, name = path.rpartition(".")
        backends[key] = getattr(import_module(module), name)(network)
    return backends[key]
