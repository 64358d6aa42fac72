"""A JSON-RPC client for Monero's two RPC servers: monerod and monero-wallet-rpc.

Both answer JSON-RPC 2.0 at `/json_rpc` with named parameters (a JSON object), and neither
takes batches, so this is not the shared `JSONRPCClient` (positional parameters, batches).
Amounts are integers in piconero, which JSON carries exactly. `calls` counts the requests
sent, which is how the scanner's cost per pass is measured.
"""

from __future__ import annotations

from typing import Any

import requests

from chains.backends.jsonrpc import RPCError


class MoneroRPC:
    """Transport errors surface as `requests.RequestException`; errors the server reports
    (a wrong key, a wallet already open…) as `RPCError` with Monero's code."""

    def __init__(self, url: str, *, timeout: float = 30) -> None:
        self.base = url.rstrip("/")
        self.url = self.base + "/json_rpc"
        self.timeout = timeout
        self.session = requests.Session()  # keep-alive: one TCP connection for all calls
        self.calls = 0

    def close(self) -> None:
        self.session.close()

    def call(self, method: str, **params: Any) -> Any:
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": "0", "method": method, "params": params}
        self.calls += 1
        response = self.session.post(self.url, json=body, timeout=self.timeout)
        try:
            reply = response.json()
        except ValueError:
            response.raise_for_status()
            raise
        error = reply.get("error")
        if error:
            raise RPCError(method, error.get("code"), str(error.get("message", error)))
        return reply.get("result")

    def other(self, path: str, **params: Any) -> Any:
        """monerod's calls outside JSON-RPC (`get_transaction_pool_hashes`): a JSON body
        posted to /<path>."""
        self.calls += 1
        response = self.session.post(f"{self.base}/{path}", json=params, timeout=self.timeout)
        response.raise_for_status()
        return response.json()
