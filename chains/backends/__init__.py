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
_lock = threading.Lock()
_open: list = []  # every cached backend of every thread, for close_all()
_generation = 0  # bumped by close_all(): each thread's cache of an older one is dropped


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
    if getattr(_local, "generation", None) != _generation:
        _local.backends, _local.generation = {}, _generation
    key = (network, repr(network.options))  # options are left out of Network equality
    if key not in _local.backends:
        module, _, name = path.rpartition(".")
        backend = getattr(import_module(module), name)(network)
        with _lock:
            _open.append(backend)
        _local.backends[key] = backend
    return _local.backends[key]


def close_all() -> None:
    """Close every cached backend of every thread (process end, between tests); the next
    get_backend() in any thread makes a new one."""
    global _generation
    with _lock:
        backends = list(_open)
        _open.clear()
        _generation += 1
    for backend in backends:
        backend.close()
