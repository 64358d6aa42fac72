"""What a process pays at startup: bip_utils (about half a second: its package imports every
coin it knows) is imported only where a key is parsed or an address derived or checked."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The web server's URLconf (every view), the worker's tasks and both long-running commands.
STARTUP = """
import sys
import django
django.setup()
import config.urls, worker.tasks, worker.management.commands.qcluster
import worker.management.commands.scan
print(",".join(sorted(name for name in sys.modules if name.split(".")[0] == "bip_utils")))
"""


def test_starting_a_web_or_worker_process_does_not_import_bip_utils(processes):
    done = subprocess.run(
        [sys.executable, "-c", STARTUP],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
