"""Every benchmark runs: each script in benchmarks/ at its `--smoke` size (seconds), in a fresh
process with a fresh shell's environment, as its docstring says to run it, on SQLite. A change
that breaks a benchmark fails here, not at the next `make bench`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import unavailable

ROOT = Path(__file__).resolve().parents[1]
# What a shell on a fresh clone has: none of the settings the test run itself set (the
# database, Redis, the secret key, the mail backend); ANVIL if the run was given one.
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONDONTWRITEBYTECODE", "ANVIL", "CI")

# script → (extra environment from its docstring, lines its output must contain)
SMOKE: dict[str, tuple[dict[str, str], list[str]]] = {
    "api.py": ({}, ["create fixed (quote + derived address)", "ratio (CPU time)", "ratio p50"]),
    "callbacks.py": (
        {},
        [
            "delivered/s through `manage.py deliver`",
            "ratio to the floor:",
            "invoice creation:",
            "cancel (one status_changed event)",
        ],
    ),
    "checkout.py": ({}, ["status endpoint: pending", "First load of the pay screen"]),
    "dashboard.py": (
        {},
        ["search: txid", "worst p50", "Overview page", "Invoice list, newest 50", "rows in"],
    ),
    "forwarders.py": ({}, ["forwarder gas/address", "ratio = forwarder gas per address"]),
    "load.py": ({}, ["errors: 0 ;", "lost (no credit): 0", "callbacks B: "]),
    "scan.py": (
        {},
        [
            "ratio 40 / 10",
            "lookup of 40 addresses",
            "Per-address detection",
            "EVM mempool pass, 10 matching",
        ],
    ),
    "scan_tron.py": ({}, ["10 matching:", "ratio 40 / 10"]),
    "startup.py": ({}, ["first quote after"]),
}


def test_every_benchmark_has_a_smoke_run():
    assert sorted(SMOKE) == sorted(path.name for path in (ROOT / "benchmarks").glob("[a-z]*.py"))


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_benchmark_runs(script, processes):
    extra, expected = SMOKE[script]
    env = {key: value for key, value in os.environ.items() if key in KEPT}
    done = subprocess.run(
        [sys.executable, f"benchmarks/{script}", "--smoke"],
        cwd=ROOT,
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if script == "forwarders.py" and "anvil is not installed" in done.stdout:
        unavailable("benchmarks/forwarders.py measured no gas: anvil is not installed")
    for line in expected:
        assert line in done.stdout, done.stdout
    if script == "scan.py" and "anvil is not installed" in done.stdout:
        unavailable("benchmarks/scan.py measured no detection latency: anvil is not installed")
