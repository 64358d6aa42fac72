"""The background processes: `qcluster`, `scan` and `deliver` stop cleanly when SIGTERM
reaches their whole process group (systemd's default), a crashed scanner's network is taken
over within 30 seconds, a killed delivery worker's callback is sent by another once its
leases run out, and e-mail subjects are one header line whatever a store is called."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from chains import scanner
from chains.models import ChainCursor
from merchants.models import Merchant
from tests.receiver import Hang
from tests.support import wait_for
from webhooks import emails
from worker import tasks

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("workers")  # one worker migrates `gateway_env` once


@pytest.fixture(scope="module")
def gateway_env(tmp_path_factory, processes):
    """A migrated scratch gateway (SQLite, the sandbox) for processes of their own."""
    folder = tmp_path_factory.mktemp("workers")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "SANDBOX": "1",
        "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
        "REDIS_URL": "",
        "Q_WORKERS": "2",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True, timeout=180
    )
    return env, folder


def start_group(env, folder, *command):
    """`manage.py <command>` as the leader of its own process group, its output in a file."""
    log = folder / f"{command[0]}.log"
    process = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


def wait_for_line(process, log, text, timeout=60):
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"no {text!r} in the output:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)


def terminate_group(process, within):
    """SIGTERM to every process of the group, as systemd sends it; the seconds it took."""
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"still running {within} s after SIGTERM to its process group")
    return time.monotonic() - started


def group_is_gone(pgid) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_qcluster_stops_on_sigterm_to_its_process_group(gateway_env):
    env, folder = gateway_env
    process, log = start_group(env, folder, "qcluster")
    wait_for_line(process, log, "running.")
    time.sleep(1)  # the sentinel waiting in its guard loop, where it used to hang
    assert terminate_group(process, within=15) < 15
    assert process.returncode == 0
    assert "has stopped" in log.read_text(errors="replace")
    assert group_is_gone(process.pid)  # no worker left behind


def test_scan_stops_on_sigterm_to_its_process_group(gateway_env):
    env, folder = gateway_env
    process, log = start_group(env, folder, "scan", "--network", "sandbox", "--interval", "1")
    wait_for_line(process, log, "scanning sandbox")
    time.sleep(1.5)
    assert terminate_group(process, within=10) < 10
    assert process.returncode == 0
    assert "stopped" in log.read_text(errors="replace")
    assert group_is_gone(process.pid)


def test_a_crashed_scanners_network_is_taken_over_within_30_seconds(db, settings):
    dead = scanner._take_lease("sandbox")  # …and its process was killed right then
    assert dead is not None
    assert tasks.scan_network("sandbox") is None  # still leased
    # What the dead scanner left lasts no longer than the lease; a scanner passing every
    # SCAN_INTERVAL_SECONDS finds the network free within 30 s.
    left = ChainCursor.objects.get(network="sandbox").lease_until - timezone.now()
    assert left + timedelta(seconds=settings.SCAN_INTERVAL_SECONDS) <= timedelta(seconds=30)
    ChainCursor.objects.filter(network="sandbox").update(
        lease_until=timezone.now() - timedelta(microseconds=1)
    )  # that moment, 20 s later
    assert tasks.scan_network("sandbox") is not None


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "Your refund from Shop\nBcc: victim@example.com",
            "Your refund from Shop Bcc: victim@example.com",
        ),
        (
            "Your refund from Café \r\n\t Ünïcode\u2028Store\x00",
            "Your refund from Café Ünïcode Store",
        ),
        ("Your refund from " + "x" * 400, "Your refund from " + "x" * 132 + "…"),
    ],
)
def test_subjects_are_one_header_line(text, line):
    assert emails.subject_line(text) == line
    assert len(line) <= emails.SUBJECT_LENGTH


def test_a_store_name_with_a_line_break_does_not_stop_its_refund_emails(api, create_invoice):
    Merchant.objects.filter(pk=api.merchant.pk).update(name="Shop\nBcc: victim@example.com")
    invoice = create_invoice(
        pay_currency="USDT", network="sandbox", customer_email="payer@example.com"
    )
    api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay",
        {"amount": "130", "confirm": True},
        format="json",
    )
    api.post(f"/api/v1/invoices/{invoice['id']}/resolve", {"action": "refund"}, format="json")
    assert tasks.send_payer_emails() == 1
    [message] = mail.outbox
    assert message.subject == "Your refund from Shop Bcc: victim@example.com"
    assert message.to == ["payer@example.com"] and not message.bcc
    assert "\n" not in message.message()["Subject"]
    assert tasks.send_payer_emails() == 0  # sent, not failing again every minute


def test_a_database_made_before_the_worker_package_gets_the_new_task_paths(db):
    """Schedule rows are matched by name: one still naming the old module is repointed on
    the next migrate, and every path the schedule names imports."""
    from django.utils.module_loading import import_string
    from django_q.models import Schedule

    from worker.schedules import ensure_schedules

    Schedule.objects.filter(name="scan all networks").update(func="invoices.tasks.scan_all")
    ensure_schedules()
    assert Schedule.objects.get(name="scan all networks").func == "worker.tasks.scan_all"
    assert all(
        callable(import_string(func)) for func in Schedule.objects.values_list("func", flat=True)
    )


SEED_A_CALLBACK = """
from invoices import rates
from invoices.services import creation, merchant_actions
from merchants.services import create_merchant
from webhooks import endpoints

rates.refresh_rates()
merchant, _ = create_merchant(name="Killed worker's shop", mode="test")
endpoints.set_callback_url(merchant=merchant, url={url!r}, actor="test")
request = creation.InvoiceRequest(price_amount=10_000, price_currency="USD", livemode=False)
invoice = creation.create_invoice(merchant=merchant, request=request, actor="test")
merchant_actions.cancel(invoice_id=invoice["id"], actor="test")
"""

# A lease later: the killed worker's leases on the delivery and the endpoint's slot ran out.
LEASES_RUN_OUT = """
from django.utils import timezone
from webhooks.models import CallbackSlot, Delivery

[delivery] = Delivery.objects.filter(endpoint__url={url!r})
assert delivery.claimed_until > timezone.now() and delivery.delivered_at is None
Delivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now())
CallbackSlot.objects.filter(endpoint=delivery.endpoint).update(lease_until=timezone.now())
"""

DELIVERED = """
from webhooks.models import Delivery

print(list(Delivery.objects.filter(endpoint__url={url!r}).values_list("delivered_at", flat=True)))
"""


def shell(env, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_killed_delivery_workers_callback_is_sent_by_another_after_its_lease(
    gateway_env, receiver
):
    env, folder = gateway_env
    env = {**env, "CALLBACKS_ALLOW_PRIVATE": "1"}
    receiver.answer(Hang(60))  # the first attempt hangs: the worker is killed in it
    shell(env, SEED_A_CALLBACK.format(url=receiver.url))
    first, log = start_group(env, folder, "deliver")
    assert wait_for(lambda: receiver.received, 60), log.read_text(errors="replace")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    shell(env, LEASES_RUN_OUT.format(url=receiver.url))

    second, log = start_group(env, folder, "deliver")
    assert wait_for(lambda: len(receiver.received) == 2, 60), log.read_text(errors="replace")
    assert wait_for(lambda: "None" not in shell(env, DELIVERED.format(url=receiver.url)), 30)
    assert terminate_group(second, within=15) < 15  # SIGTERM to its group stops it
    assert second.returncode == 0 and "stopped" in log.read_text(errors="replace")
    first_body, again = receiver.bodies()
    assert first_body == again  # the same event, id and all: at least once
