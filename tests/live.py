"""A gateway started as an operator starts it: a fresh database, `migrate`, then real server
processes (gunicorn, `manage.py scan`) on a free port. Used by the tests that need the whole
thing running (through the `live_gateway` fixture, a pytest plugin registered in
tests/conftest.py) and by benchmarks/startup.py."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class LiveGateway:
    """`env` adds to (or, with None, removes from) production-like settings on a SQLite file
    of its own in `folder`."""

    def __init__(self, folder: Path, **env: str | None):
        self.folder, self.port = folder, free_port()
        self.database = folder / "gateway.sqlite3"
        self.url = f"http://127.0.0.1:{self.port}"
        base = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST", "REDIS_"))
        }
        base.update(
            {
                "DATABASE_URL": f"sqlite:///{self.database}",
                "SECRET_KEY": "live-test-secret-key-0123456789-abcdefghijklmnop",
                "DEBUG": "0",
                "SANDBOX": "1",
                "PUBLIC_URL": self.url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
            }
        )
        for key, value in env.items():
            if value is None:
                base.pop(key, None)
            else:
                base[key] = value
        self.env = base
        self.processes: dict[str, subprocess.Popen] = {}

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def create_merchant(self, name: str = "Live shop") -> str:
        """A merchant (with its sandbox wallet) and a test-mode key, whose invoices are paid
        on the sandbox; returns the key."""
        return json.loads(self.manage("create_merchant", name, "--mode", "test"))["api_key"]

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "ab")  # the process keeps it open
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def start_web(self, threads: int = 1) -> None:
        self._spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--workers",
                "1",
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
        )

    def start_scanner(self) -> None:
        self._spawn("scan", [str(BIN / "python"), "manage.py", "scan"])

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        process.wait(timeout=30)

    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def request(
        self, method: str, path: str, body: dict | None = None, key: str | None = None
    ) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def wait_until_up(self, timeout: float = 30) -> None:
        """Until the web server accepts connections (nothing else is waited for)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline or self.processes["web"].poll() is not None:
                    raise RuntimeError((self.folder / "web.log").read_text()) from None
                time.sleep(0.02)


@pytest.fixture(scope="session")
def processes():
    """Asked for by a test that starts processes of its own (manage.py, the worker): it is no
    unit test (tests/markers.py), and a unit test that starts one fails (tests/conftest.py)."""


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite file as `manage.py migrate` leaves it, made once per test process: each live
    gateway starts on a copy (migrating costs seconds of CPU, a copy milliseconds)."""
    template = LiveGateway(tmp_path_factory.mktemp("migrated"))
    template.manage("migrate", "--noinput")
    return template.database


@pytest.fixture
def live_gateway(tmp_path, migrated_sqlite):
    """Makes gateways (LiveGateway's settings; in the test's folder unless given one), each
    on a copy of the migrated database unless `migrated=False` (a folder that already holds
    its database); every process they started is stopped when the test ends."""
    made: list[LiveGateway] = []

    def make(folder: Path | None = None, *, migrated: bool = True, **env: str | None):
        gateway = LiveGateway(folder or tmp_path, **env)
        gateway.folder.mkdir(parents=True, exist_ok=True)
        if migrated:
            shutil.copy(migrated_sqlite, gateway.database)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        gateway.close()
