"""Chain backends: one per kind of node, all behind `base.ChainBackend`."""

import atexit
import multiprocessing
import multiprocessing.util
import os
import threading
from importlib import import_module

from chains.registry import Network

_BACKENDS = {
    "sandbox": "chains.backends.sandbox.SandboxBackend",
    "utxo": "chains.backends.bitcoin_rpc.BitcoinRPCBackend",
    "evm": "chains.backends.evm_rpc.EVMRPCBackend",
    "tron": "chains.backends.tron.TronBackend",
    "monero": "chains.backends.monero.MoneroBackend",
}
_local = threading.local()
_lock = threading.Lock()
_open: list = []  # every cached backend of every thread, for close_all()
_generation = 0  # bumped by close_all(): each thread's cache of an older one is dropped
_closes_at_exit: int | None = None  # the process whose end closes them (a fork inherits it)


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
            _close_at_exit()
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


def _close_at_exit() -> None:
    """Close this process's backends when it ends (idle keep-alive connections would hold
    a node's shutdown): by atexit in a main process (gunicorn's workers, `manage.py`
    commands), by multiprocessing's finalizers in its children (django-q2's workers), which
    leave through os._exit and so skip atexit."""
    global _closes_at_exit
    if _closes_at_exit == os.getpid():
        return
    _closes_at_exit = os.getpid()
    if multiprocessing.parent_process() is None:
        atexit.register(close_all)
    else:
        multiprocessing.util.Finalize(None, close_all, exitpriority=10)
