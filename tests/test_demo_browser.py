"""`make demo` from a fresh clone tells the truth: the brand-new merchant's overview shows
no alert, also after the scanner's lag limit has passed several times over."""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from chains.lag import OVERDUE_INTERVALS
from tests.browser import DESKTOP, screenshot
from tests.live import ROOT, free_port
from tests.support import unavailable

# Half the default: the lag limit (five intervals) is passed twice over in 11 s instead of
# 21, and a scan of the demo's sandbox still takes a small part of an interval.
DEMO_SCAN_INTERVAL_SECONDS = 1


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def demo(tmp_path, processes):
    """`make demo` in a clone of this commit (the clone shares this virtualenv, so setup
    finds everything installed), its scanner every DEMO_SCAN_INTERVAL_SECONDS; yields (base
    URL, the banner it printed, the clone)."""
    if shutil.which("git") is None or shutil.which("make") is None or not (ROOT / ".git").exists():
        unavailable("the demo test needs git, make and a git checkout to clone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            (
                "DJANGO_",
                "DATABASE_",
                "PYTEST",
                "REDIS_",
                "SECRET_KEY",
                "DEBUG",
                "SANDBOX",
                "PUBLIC_URL",
            )
        )
    }
    log = open(tmp_path / "demo.log", "wb")  # the process keeps it open
    process = subprocess.Popen(
        ["make", "demo"],
        cwd=clone,
        env={**env, "PORT": str(port), "SCAN_INTERVAL_SECONDS": str(DEMO_SCAN_INTERVAL_SECONDS)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_as_from_a_terminal,
    )
    deadline = time.monotonic() + 120
    while not _listening(port):
        assert process.poll() is None and time.monotonic() < deadline, (
            tmp_path / "demo.log"
        ).read_text()
        time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}", (tmp_path / "demo.log").read_text(), clone
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the worker stops its children
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`make demo` did not stop on Ctrl-C:\n{_still_running(process.pid)}")
        finally:
            time.sleep(1)
            with contextlib.suppress(ProcessLookupError):  # whatever did not stop
                os.killpg(process.pid, signal.SIGKILL)


def _as_from_a_terminal() -> None:
    """In the child before exec: Ctrl-C and Ctrl-\\ as a terminal delivers them. A suite
    started in the background (`make test &`) ignores both, exec keeps what is ignored, and
    the demo's runserver would never see the test's Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def _still_running(group: int) -> str:
    """Each process of the group with the signals it ignores (SigIgn, a bit mask)."""
    listed = subprocess.run(
        ["ps", "-o", "pid=,args=", "-g", str(group)], capture_output=True, text=True
    ).stdout
    lines = []
    for line in listed.splitlines():
        pid = line.split()[0]
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            ignored = next(row for row in status.splitlines() if row.startswith("SigIgn"))
            lines.append(f"{line.strip()}  {ignored}")
    return "\n".join(lines)


def test_make_demo_shows_no_alert_on_the_new_merchants_overview(demo, browser):
    base, banner, _ = demo
    assert "/admin/" not in banner
    login = re.search(r"log in as (\S+) / (\S+)", banner)
    assert login, banner
    assert re.search(rf"Checkout: +{base}/pay/[0-9a-f-]{{36}}", banner), banner
    context = browser.new_context(viewport=DESKTOP, base_url=base, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto("/dashboard/login/")
        page.fill("input[name=username]", login.group(1))
        page.fill("input[name=password]", login.group(2))
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/dashboard/")
        # Past the lag limit twice over: a scanner that only ran once a minute would show.
        time.sleep(2 * OVERDUE_INTERVALS * DEMO_SCAN_INTERVAL_SECONDS + 1)
        page.reload()
        assert page.get_by_text("Nothing needs you right now.").is_visible()
        assert "may show late" not in page.content()
        screenshot(page, "demo-overview")
    finally:
        context.close()


def test_the_demo_calls_back_to_this_machine(demo, receiver):
    """The demo is for trying things locally: a receiver on 127.0.0.1 is saved and called
    (outside the demo the same URL is refused when saved)."""
    base, banner, clone = demo
    assert "setuptools" not in banner, banner
    key = (clone / "var" / "demo-api-key").read_text().strip()
    headers = {"Authorization": f"Bearer {key}"}
    saved = requests.patch(
        f"{base}/api/v1/merchant", json={"callback_url": receiver.url}, headers=headers
    )
    assert saved.status_code == 200, saved.text
    result = requests.post(f"{base}/api/v1/merchant/test-callback", headers=headers).json()
    assert (result["succeeded"], result["status_code"]) == (True, 200), result
    assert receiver.received[0].json()["event"] == "test"


def test_installing_the_gateway_prints_no_warning_block(tmp_path, processes):
    """`make demo` on a fresh clone installs the gateway (scripts/setup.sh): setuptools'
    editable install must not print its "Please be careful with folders" block."""
    venv = tmp_path / "venv"
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    installed = subprocess.run(  # with the pip scripts/setup.sh installs
        [ROOT / ".venv" / "bin" / "pip", "--python", venv / "bin" / "python", "install"]
        + ["--quiet", "--no-deps", "-e", str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    assert "Warning" not in installed.stdout + installed.stderr
