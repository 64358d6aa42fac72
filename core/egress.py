"""The egress guard: callbacks go only to public addresses, and to the very address checked.

A merchant controls its callback URL, so without a guard the gateway could be made to POST
into its own network (a database admin on 10.x, the cloud metadata service on
169.254.169.254). The host is resolved once, every address it resolves to is checked, and
the connection goes to the checked address: there is no second DNS lookup for a rebinding
DNS server to answer differently. Redirects are never followed, since each hop would need
the same check.

How the connection is pinned while keeping TLS right: `PinnedAddressAdapter` is a
requests `HTTPAdapter` that asks urllib3 for a connection pool to the checked IP address
instead of the URL's host, and sets urllib3's `server_hostname` to the host name, so TLS
sends the host name as SNI and verifies the certificate against it. The `Host` header
carries the host name too. The session ignores proxy environment variables, which would
otherwise make their own lookup.

The timeout is a wall-clock deadline for the whole attempt, connection to last byte: socket
timeouts bound each read, so a receiver dripping a byte a second would never trip them. A
`Deadline` timer shuts the attempt's sockets down when the time is up, which ends any read
in progress, and the attempt is then a timeout whatever was read.

A `Connection` carries many attempts to one origin (scheme, host, port) over one kept-alive
connection: the name is resolved and checked once, when it opens, and every request and
every reconnection of its life goes to that address. Each attempt has its own deadline,
which watches the socket the attempt uses (the kept-alive one, or a new one). A reply is
read to its end (up to DRAINED_BYTES) so the connection can carry the next request; a
longer one, or a cut attempt, closes it.
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

RESPONSE_KEPT_BYTES = 1024
# Read past the kept kilobyte so a kept-alive connection can carry the next request; a
# longer answer closes the connection instead.
DRAINED_BYTES = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# WHATWG URL rules: a host whose last label is a number is an IPv4 address, whatever its form.
NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+", re.IGNORECASE)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class EgressRefused(Exception):
    """The callback URL or an address it resolves to is not one the gateway may call."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII (IDNA) host name, or an IP address without brackets
    port: int
    explicit_port: bool

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host


@dataclass(frozen=True)
class Reply:
    status_code: int
    location: str
    body_start: bytes  # the first KB, kept for the delivery log


def refusal_reason(address: Address) -> str | None:
    """Why a callback may not go to this address, or None for a public one. IPv6 addresses
    that route to an embedded IPv4 address (6to4, NAT64) are judged by that address."""
    if address.version == 6 and address.ipv4_mapped:
        return "an IPv4-mapped IPv6 address"
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address in SHARED_ADDRESS_SPACE, "a shared (carrier-grade NAT) address"),
        (address.version == 6 and address in UNIQUE_LOCAL, "a unique-local address"),
        (address.version == 6 and address.is_site_local, "a site-local address"),
        (address.is_private, "a private address"),
        (not address.is_global, "a reserved address"),
    )
    for refused, reason in checks:
        if refused:
            return reason
    if address.version == 6:
        embedded = address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None
        )
        if embedded and (inner := refusal_reason(embedded)):
            return f"{inner} (embedded in {address})"
    return None


def parse_target(url: str) -> Target:
    """The scheme, host and port of a callback URL, refusing what is not plainly an
    http(s) URL with a host: an IPv4 address written in decimal, octal, hex or short form
    is read differently by different parsers, so only the dotted-quad form is accepted."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EgressRefused(f"not a valid URL ({exc})") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise EgressRefused("the callback URL must be http or https")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise EgressRefused("the callback URL has no host")
    if "%" in host:
        raise EgressRefused("an IPv6 zone index is not allowed in a callback URL")
    if ":" not in host and NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise EgressRefused(
                f"{host} is not an IPv4 address in dotted-quad form "
                "(decimal, octal, hex and short forms are refused)"
            ) from None
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise EgressRefused(f"{host!r} is not a valid host name") from None
    return Target(parts.scheme, host, port or DEFAULT_PORTS[parts.scheme], port is not None)


def check_callback_url(url: str) -> None:
    """Whether the guard would deliver to this URL, asked when it is saved (the API, the
    dashboard): the same parsing and address checks as at delivery, so a URL is refused
    with its reason when it is stored rather than at its first callback. A name that does
    not resolve yet passes (its DNS may come later); delivery checks it again."""
    target = parse_target(url)
    try:
        resolve(target, settings.CALLBACKS_ALLOW_PRIVATE)
    except ConnectionError:
        pass


def resolve(target: Target, allow_private: bool) -> str:
    """Resolve the host once and return the address to connect to. Every address the name
    resolves to must be public: a name mixing public and private addresses is refused."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ConnectionError(f"{target.host} does not resolve ({exc})") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not allow_private:
        for address in addresses:
            if reason := refusal_reason(address):
                raise EgressRefused(
                    f"{target.host} resolves to {address}, {reason}; "
                    "callbacks only go to public addresses"
                )
    return str(addresses[0])


class Deadline:
    """Shuts down the sockets it watches `seconds` after it starts, unless stopped first.
    It keeps their file descriptors (TLS wraps the raw socket into another object around
    the same descriptor), and `stop()` comes before the session closes them, so it never
    touches a descriptor the system has handed to someone else. The process's one
    watchdog thread keeps the time (a thread started per attempt cost more than a local
    attempt itself)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._done = False
        self._fds: list[int] = []
        self._lock = threading.Lock()

    def __enter__(self) -> Deadline:
        _watchdog.add(time.monotonic() + self.seconds, self)
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._done = True
            self._fds.clear()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._fds.append(sock.fileno())
            if self.expired:
                _shutdown(sock.fileno())

    def _cut(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for fd in self._fds:
                _shutdown(fd)


class _Watchdog:
    """Calls each deadline's cut at its time, from one daemon thread per process (started
    on first use, and again in a forked child, which has none)."""

    def __init__(self) -> None:
        self._pid = 0
        self._changed = threading.Condition()
        self._due: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()

    def add(self, at: float, deadline: Deadline) -> None:
        with self._changed:
            if self._pid != os.getpid():
                self._pid, self._due = os.getpid(), []
                threading.Thread(target=self._run, name="egress-deadlines", daemon=True).start()
            heapq.heappush(self._due, (at, next(self._order), deadline))
            if self._due[0][2] is deadline:  # the thread waits for a later one: tell it
                self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, _, deadline = heapq.heappop(self._due)
            deadline._cut()  # outside the watchdog's lock: it takes the deadline's own


_watchdog = _Watchdog()


def _shutdown(fd: int) -> None:
    """shutdown(2) on a descriptor some other object owns: a blocked recv returns at once.
    The attempt may have closed it a moment before (its reply failed as the deadline came):
    then there is nothing left to cut."""
    try:
        probe = socket.socket(fileno=fd)
    except OSError:
        return  # closed already (EBADF)
    try:
        probe.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the peer
    finally:
        probe.detach()


class PinnedAddressAdapter(HTTPAdapter):
    """Connects to an address checked beforehand instead of resolving the URL's host;
    TLS still uses the host name for SNI and certificate verification. The socket of every
    request is watched by the deadline of the attempt making it (`deadline`, set per
    attempt): a new socket as it opens, a kept-alive one as a request is written to it."""

    def __init__(self, address: str, deadline: Deadline | None = None):
        self.address = address
        self.deadline = deadline
        super().__init__(max_retries=0)

    def _watch(self, sock: socket.socket | None) -> None:
        if sock is not None and self.deadline is not None:
            self.deadline.watch(sock)

    def get_connection_with_tls_context(self, *args, **kwargs):
        pool = super().get_connection_with_tls_context(*args, **kwargs)
        adapter, opened = self, pool.ConnectionCls
        if getattr(opened, "watched_by", None) is adapter:
            return pool

        class Watched(opened):
            watched_by = adapter

            def _new_conn(self):
                sock = super()._new_conn()
                adapter._watch(sock)
                return sock

            def request(self, *args, **kwargs):
                adapter._watch(self.sock)  # a kept-alive connection's socket
                return super().request(*args, **kwargs)

        pool.ConnectionCls = Watched
        return pool

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = host_params["host"]
        host_params["host"] = self.address
        return host_params, pool_kwargs


class DeadlineExceeded(requests.Timeout):
    """The attempt was still going when its deadline came: a timeout, whatever was read."""


class Connection:
    """Attempts to one origin of callback URLs over one kept-alive connection, to the
    address the guard checked when it opened (raises EgressRefused, or ConnectionError when
    the host does not resolve). Used by one thread at a time; close it when done."""

    def __init__(self, url: str):
        self.target = parse_target(url)
        self.address = resolve(self.target, settings.CALLBACKS_ALLOW_PRIVATE)
        self.adapter = PinnedAddressAdapter(self.address)
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.mount(f"{self.target.scheme}://", self.adapter)

    def serves(self, url: str) -> bool:
        """Whether a URL goes to this connection's origin."""
        target = parse_target(url)
        return (target.scheme, target.host, target.port) == (
            self.target.scheme,
            self.target.host,
            self.target.port,
        )

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
        """POST to a URL of this origin, all of it (connection to the first KB of the
        answer) within `timeout` seconds. Raises a requests exception (a Timeout past the
        deadline) when the receiver cannot be reached or does not answer in time."""
        if not self.serves(url):
            raise ValueError(f"{url} is not on this connection's origin")
        # The deadline stops before any socket it watched is closed by the next attempt.
        with Deadline(timeout) as deadline:
            self.adapter.deadline = deadline
            try:
                reply = self._post(url, body, headers, timeout)
            except (requests.RequestException, OSError):
                if deadline.expired:
                    raise DeadlineExceeded(f"the attempt took longer than {timeout:g} s") from None
                raise
            finally:
                self.adapter.deadline = None
            if deadline.expired:  # cut in the body: what was read may be a truncated answer
                raise DeadlineExceeded(f"the attempt took longer than {timeout:g} s")
            return reply

    def _post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
        with self.session.post(
            url,
            data=body,
            headers={**headers, "Host": self.target.host_header},
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            try:
                body_start = response.raw.read(RESPONSE_KEPT_BYTES, decode_content=False)
            except urllib3.exceptions.HTTPError:
                body_start = b""  # the status is the answer; the body is for the log
            try:
                response.raw.read(DRAINED_BYTES, decode_content=False)  # frees the connection
            except urllib3.exceptions.HTTPError:
                pass  # a broken rest of an answer closes the connection, as a long one does
            return Reply(response.status_code, response.headers.get("Location", ""), body_start)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
    """One POST to a callback URL through the guard, on a connection of its own (see
    Connection.post). Raises EgressRefused; ConnectionError when the host does not resolve;
    a requests exception (a Timeout past the deadline) when the receiver cannot be reached
    or does not answer in time."""
    with Connection(url) as connection:
        return connection.post(url, body, headers, timeout)
