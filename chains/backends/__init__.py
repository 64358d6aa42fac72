"""Chain backends: one per kind of node, all behind `base.ChainBackend`."""

from importlib import import_module

from chains.registry import Network

_BACKENDS = {
    "sandbox": "chains.backends.sandbox.SandboxBackend",
    "utxo": "chains.backends.bitcoin_rpc.BitcoinRPCBackend",
    "evm": "chains.backends.evm_rpc.EVMRPCBackend",
}


class NoBackend(Exception):
    pass


def get_backend(network: Network):
    """The backend that reads `network` (imported lazily: a node library loads only when
    its network is on)."""
    path = _BACKENDS.get(network.kind)
    if path is None or not network.enabled:
        raise NoBackend(f"network {network.code!r} has no backend configured")
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)(network)
