"""A small JSON-RPC 2.0 client over HTTP, shared by the node backends.

Responses are parsed with `parse_float=Decimal` so that coin amounts sent as JSON numbers
(Bitcoin Core's "value": 0.1) are never rounded through a float. `batch()` sends many calls
in one HTTP request (a JSON array body), which both Bitcoin Core and EVM nodes accept: a
block's worth of lookups costs one round trip instead of one per call. Credentials may be
part of the URL (http://user:password@host:port/); requests turns them into basic auth.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import requests


class RPCError(Exception):
    """The node answered with a JSON-RPC error object."""

    def __init__(self, method: str, code: int | None, message: str):
        super().__init__(f"{method}: {message} (code {code})")
        self.method = method
        self.code = code
        self.message = message


Call = tuple[str, Sequence[Any]]  # (method, params)


class JSONRPCClient:
    """Transport errors (connection refused, timeouts, HTTP errors without a JSON-RPC body)
    surface as `requests.RequestException`; errors the node reports as `RPCError`."""

    def __init__(self, url: str, *, timeout: float = 30, max_batch: int = 500):
        self.url = url
        self.timeout = timeout
        self.max_batch = max_batch  # providers cap batch sizes; bigger batches are split
        self.session = requests.Session()  # keep-alive: one TCP connection for all calls

    def close(self) -> None:
        self.session.close()

    def call(self, method: str, *params: Any) -> Any:
        (result,) = self.batch([(method, params)])
        return result

    def batch(self, calls: Iterable[Call], *, errors: bool = False) -> list[Any]:
        """Results in the order of `calls`. The first error raises, unless `errors` is true:
        then an error's place holds its `RPCError` for the caller to inspect."""
        calls = list(calls)
        results: list[Any] = []
        for start in range(0, len(calls), self.max_batch):
            results += self._post(calls[start : start + self.max_batch])
        if not errors:
            for result in results:
                if isinstance(result, RPCError):
                    raise result
        return results

    def _post(self, calls: list[Call]) -> list[Any]:
        body: list[dict[str, Any]] = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": list(params)}
            for i, (method, params) in enumerate(calls)
        ]
        try:
            response = self.session.post(self.url, json=body, timeout=self.timeout)
        except requests.ConnectionError:
            # Nodes close idle keep-alive connections (Bitcoin Core after -rpcservertimeout):
            # a request sent in that instant meets a closed connection and gets no answer.
            # It is sent once more, on a new connection; the backends only read.
            response = self.session.post(self.url, json=body, timeout=self.timeout)
        try:
            replies = json.loads(response.content, parse_float=Decimal)
        except ValueError:
            response.raise_for_status()
            raise
        if isinstance(replies, dict):  # the whole batch was refused (bad auth, too large…)
            response.raise_for_status()
            raise _error("batch", replies.get("error"))
        by_id = {reply.get("id"): reply for reply in replies}  # replies may come in any order
        results = []
        for i, (method, _params) in enumerate(calls):
            reply = by_id.get(i)
            if reply is None:
                raise RPCError(method, None, "no reply in the batch response")
            error = reply.get("error")
            results.append(_error(method, error) if error else reply.get("result"))
        return results


def _error(method: str, error: Any) -> RPCError:
    if isinstance(error, dict):
        return RPCError(method, error.get("code"), str(error.get("message", error)))
    return RPCError(method, None, str(error))
