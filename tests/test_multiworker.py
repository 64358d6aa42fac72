"""Two real django-q2 clusters (`manage.py qcluster`, two workers each) on the Redis broker
and PostgreSQL, scanning one Litecoin regtest network from many queued tasks while blocks
arrive: every transfer is credited once.

Runs where the suite runs on PostgreSQL (CI); Redis comes from REDIS_TEST_URL (default
redis://127.0.0.1:6379/15). The clusters use the test database and a queue of their own.
"""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django_q.models import Task

from invoices.models import Event, Invoice, Transaction
from tests.support import redis_test_url, unavailable
from tests.test_chain_litecoin import NETWORK, shop  # noqa: F401 (a fixture)

REPO = Path(__file__).resolve().parent.parent
REDIS_URL = redis_test_url()
SCAN = "worker.tasks.scan_network"


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        unavailable(f"needs Redis at {REDIS_URL} (REDIS_TEST_URL): {exc}")
    return REDIS_URL


def database_url() -> str:
    """The test database (not the configured one) as a URL for the subprocesses."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{db['HOST'] or ''}{port}/{quote(db['NAME'])}"


class Clusters:
    """`qcluster` processes and a way to queue tasks for them, all with one environment."""

    def __init__(self, tmp_path: Path, redis_url: str, chains_config: str):
        self.name = f"multiworker-{secrets.token_hex(4)}"  # a queue no one else reads
        (tmp_path / "multiworker_settings.py").write_text(
            "from config.settings import *  # noqa: F403\n"
            f"Q_CLUSTER = {{**Q_CLUSTER, 'name': {self.name!r}, 'workers': 2}}  # noqa: F405\n"
        )
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "multiworker_settings",
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "CHAINS_CONFIG": chains_config,
            "SANDBOX": "0",
            "DEBUG": "0",
            "DB_CONN_MAX_AGE": "0",
        }
        self.log = tmp_path / "clusters.log"
        self.processes = []
        self.redis_url = redis_url

    def start(self, count: int) -> None:
        with self.log.open("ab") as log:
            self.processes += [
                subprocess.Popen(
                    [sys.executable, "manage.py", "qcluster"],
                    cwd=REPO,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                for _ in range(count)
            ]

    def enqueue(self, count: int) -> None:
        code = (
            f"from django_q.tasks import async_task\n"
            f"for _ in range({count}): async_task({SCAN!r}, {NETWORK!r})"
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=REPO,
            env=self.env,
            check=True,
            timeout=60,
            capture_output=True,
        )

    def wait_for(self, tasks: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while Task.objects.filter(func=SCAN).count() < tasks:
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                pytest.fail(
                    f"{Task.objects.filter(func=SCAN).count()} of {tasks} tasks ran:\n"
                    + self.log.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.2)

    def stop(self) -> None:
        import redis

        for process in self.processes:
            process.terminate()  # django-q2 finishes its tasks and exits
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        client = redis.Redis.from_url(self.redis_url)
        for key in client.scan_iter(f"*{self.name}*"):
            client.delete(key)


def test_two_clusters_scanning_one_network_credit_every_transfer_once(
    postgres,
    redis_url,
    shop,  # noqa: F811 (a fixture)
    settings,
    tmp_path,
):
    invoices = [shop.invoice() for _ in range(8)]
    clusters = Clusters(tmp_path, redis_url, settings.CHAINS_CONFIG)
    clusters.start(2)
    try:
        for invoice in invoices[:4]:
            shop.pay(invoice)
        clusters.enqueue(20)
        shop.mine()
        for invoice in invoices[4:]:
            shop.pay(invoice)
        clusters.enqueue(20)
        shop.mine(2)
        clusters.enqueue(20)
        clusters.wait_for(60)
    finally:
        clusters.stop()

    failed = Task.objects.filter(func=SCAN, success=False)
    assert not failed.exists(), [task.result for task in failed]
    assert Transaction.objects.count() == 8
    for invoice in invoices:
        assert Invoice.objects.get(pk=invoice["id"]).status == "completed"
        types = list(
            Event.objects.filter(invoice_id=invoice["id"])
            .order_by("sequence")
            .values_list("type", flat=True)
        )
        # Seen in the mempool or first in a block, depending on when a worker got to it.
        assert types.count("transaction_created") == types.count("transaction_confirmed") == 1
        assert types[-1] == "status_changed"
