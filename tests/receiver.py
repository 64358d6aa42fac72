"""A real HTTP server on 127.0.0.1 that records the callbacks it receives and answers as the
test tells it: a status code, a redirect, hanging past the sender's timeout, or dripping a
200 answer a byte at a time (each byte arrives well within any socket timeout)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support import serve_in_thread


def verify_signature(
    header: str, body: bytes, secret: str, now: float | None = None, tolerance: int = 300
) -> bool:
    """What a merchant's receiver does, in plain Python (deliberately not the gateway's code):
    recompute HMAC-SHA256(secret, "<t>.<body>"), accept any v1 that matches, and reject a
    timestamp more than five minutes away."""
    fields = [item.split("=", 1) for item in header.split(",")]
    timestamp = int(dict(fields)["t"])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return any(key == "v1" and hmac.compare_digest(expected, value) for key, value in fields)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass(frozen=True)
class Redirect:
    location: str
    status: int = 302


@dataclass(frozen=True)
class Hang:
    seconds: float


@dataclass(frozen=True)
class Drip:
    """A complete 200 answer, sent one byte every `interval` seconds (with `body_only`, the
    status line and headers at once, then the body a byte at a time)."""

    interval: float = 1.0
    body_only: bool = False


class Receiver:
    """Answers 200 unless told otherwise: `answer(500, 500, Redirect("/x"), Hang(2))`
    queues replies for the next requests, in order; `always(500)` (or `always(Drip())`)
    changes the default. `arrived` holds each request's arrival time (monotonic)."""

    def __init__(self):
        self.received: list[Received] = []
        self.arrived: list[float] = []
        self._replies: deque = deque()
        self._default = 200
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # answer at once, as a real server would

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.arrived.append(time.monotonic())
                receiver.received.append(Received(self.path, dict(self.headers), body))
                reply = receiver._replies.popleft() if receiver._replies else receiver._default
                if isinstance(reply, Drip):
                    self._drip(reply)
                    return
                if isinstance(reply, Hang):
                    receiver._released.wait(reply.seconds)
                    reply = 200
                self.send_response(reply.status if isinstance(reply, Redirect) else reply)
                if isinstance(reply, Redirect):
                    self.send_header("Location", reply.location)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                try:
                    self.wfile.write(b"ok" if reply == 200 else b"not this time")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting

            def _drip(self, drip):
                head = (
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    b"Content-Length: 2\r\nConnection: close\r\n\r\n"
                )
                chunks = [head[at : at + 1] for at in range(len(head))] + [b"o", b"k"]
                if drip.body_only:
                    chunks = [head, b"o", b"k"]
                self.close_connection = True
                for chunk in chunks:
                    if chunk is not head and receiver._released.wait(drip.interval):
                        return
                    try:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        return  # the sender cut the attempt

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        serve_in_thread(self.server)

    def answer(self, *replies) -> None:
        self._replies.extend(replies)

    def always(self, status: int) -> None:
        self._default = status

    def bodies(self) -> list[dict]:
        return [request.json() for request in self.received]

    def close(self) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def second_receiver():
    """Another receiver, for a second endpoint."""
    server = Receiver()
    yield server
    server.close()
