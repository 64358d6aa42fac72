"""The egress guard: which addresses and URLs are refused, one DNS lookup whose answer is the
address connected to, and TLS that still verifies the host name when connecting to an IP."""

import ipaddress
import shutil
import socket
import ssl
import subprocess
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from core import egress
from tests.support import serve_in_thread, unavailable


@pytest.mark.parametrize(
    "address, reason",
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("100.127.255.254", "a shared (carrier-grade NAT) address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("240.0.0.1", "a private address"),
        ("255.255.255.255", "a private address"),
        ("192.0.2.10", "a private address"),
        ("::1", "a loopback address"),
        ("::", "an unspecified address"),
        ("fe80::1", "a link-local address"),
        ("fd12:3456::1", "a unique-local address"),
        ("fec0::1", "a site-local address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:127.0.0.1", "an IPv4-mapped IPv6 address"),
        ("::ffff:8.8.8.8", "an IPv4-mapped IPv6 address"),
        ("2002:7f00:1::", "a loopback address (embedded in 2002:7f00:1::)"),
        ("64:ff9b::a00:1", "a private address (embedded in 64:ff9b::a00:1)"),
        ("2001:db8::1", "a private address"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a private address"),  # Teredo
    ],
)
def test_non_public_addresses_are_refused(address, reason):
    assert egress.refusal_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "93.184.215.14",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2002:808:808::",
        "64:ff9b::808:808",
    ],
)
def test_public_addresses_pass(address):
    assert egress.refusal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url, error",
    [
        ("ftp://hooks.example/", "must be http or https"),
        ("file:///etc/passwd", "must be http or https"),
        ("http:///hook", "has no host"),
        ("http://2130706433/", "not an IPv4 address in dotted-quad form"),
        ("http://0177.0.0.1/", "not an IPv4 address in dotted-quad form"),
        ("http://0x7f000001/", "not an IPv4 address in dotted-quad form"),
        ("http://127.1/", "not an IPv4 address in dotted-quad form"),
        ("http://1.2.3.04/", "not an IPv4 address in dotted-quad form"),
        ("http://[fe80::1%25eth0]/", "zone index"),
        ("http://hooks..example/", "not a valid host name"),
        ("http://hooks.example:99999/", "not a valid URL"),
    ],
)
def test_urls_that_are_not_plain_http_with_a_host_are_refused(url, error):
    with pytest.raises(egress.EgressRefused, match=error):
        egress.parse_target(url)


@pytest.mark.parametrize(
    "url, host, port, header",
    [
        ("https://Hooks.Example/cb?x=1", "hooks.example", 443, "hooks.example"),
        ("http://hooks.example:8080/cb", "hooks.example", 8080, "hooks.example:8080"),
        ("https://[2606:4700::1111]/cb", "2606:4700::1111", 443, "[2606:4700::1111]"),
        ("https://8.8.8.8:8443/", "8.8.8.8", 8443, "8.8.8.8:8443"),
        ("https://bücher.example/", "xn--bcher-kva.example", 443, "xn--bcher-kva.example"),
        ("http://user:pw@hooks.example./", "hooks.example", 80, "hooks.example"),
    ],
)
def test_plain_urls_are_accepted(url, host, port, header):
    target = egress.parse_target(url)
    assert (target.host, target.port, target.host_header) == (host, port, header)


def test_the_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(
    settings, monkeypatch, receiver
):
    """A rebinding DNS server answers 127.0.0.1 first, then an address nobody listens on:
    the request must reach the receiver, with the name in its Host header."""
    settings.CALLBACKS_ALLOW_PRIVATE = True
    real_getaddrinfo, lookups = socket.getaddrinfo, []

    def rebinding_dns(host, port, *args, **kwargs):
        if host != "callbacks.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        answer = "127.0.0.1" if len(lookups) == 1 else "10.255.255.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    reply = egress.post(
        f"http://callbacks.test:{receiver.port}/hook",
        b"{}",
        {"Content-Type": "application/json"},
        timeout=2,
    )
    assert reply.status_code == 200 and reply.body_start == b"ok"
    assert lookups == ["callbacks.test"]
    assert receiver.received[0].headers["Host"] == f"callbacks.test:{receiver.port}"


def test_the_guard_is_off_only_when_the_operator_allows_private_targets(settings, receiver):
    url = f"http://127.0.0.1:{receiver.port}/hook"
    settings.CALLBACKS_ALLOW_PRIVATE = False
    with pytest.raises(egress.EgressRefused, match="a loopback address"):
        egress.post(url, b"{}", {}, timeout=2)
    settings.CALLBACKS_ALLOW_PRIVATE = True
    assert egress.post(url, b"{}", {}, timeout=2).status_code == 200


def test_a_response_body_is_kept_to_its_first_kilobyte(settings):
    settings.CALLBACKS_ALLOW_PRIVATE = True

    class Chatty(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000)

        def log_message(self, *args):
            pass

    with serving(HTTPServer(("127.0.0.1", 0), Chatty)) as port:
        reply = egress.post(f"http://127.0.0.1:{port}/", b"{}", {}, timeout=2)
    assert reply.body_start == b"x" * 1024


class serving:
    def __init__(self, server):
        self.server = server

    def __enter__(self):
        serve_in_thread(self.server)
        return self.server.server_address[1]

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for callbacks.test (made with the openssl command)."""
    if not shutil.which("openssl"):
        unavailable("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=callbacks.test",
            "-addext",
            "subjectAltName=DNS:callbacks.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_to_the_pinned_address_sends_and_verifies_the_host_name(certificate):
    cert, key = certificate
    server_names = []

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    server = HTTPServer(("127.0.0.1", 0), Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server) as port, requests.Session() as session:
        session.mount("https://", egress.PinnedAddressAdapter("127.0.0.1", egress.Deadline(10)))
        response = session.get(f"https://callbacks.test:{port}/", verify=str(cert), timeout=5)
        assert (response.status_code, response.text) == (200, "hello")
        assert server_names == ["callbacks.test"]
        with pytest.raises(requests.exceptions.SSLError, match="not valid for 'other.test'"):
            session.get(f"https://other.test:{port}/", verify=str(cert), timeout=5)
        assert server_names[-1] == "other.test"


def test_cutting_a_descriptor_the_attempt_has_closed_already_does_nothing():
    """The deadline's timer may fire just after a failed reply closed the socket: it used
    to raise EBADF in the timer thread."""
    sock = socket.socket()
    fd = sock.fileno()
    sock.close()
    egress._shutdown(fd)
