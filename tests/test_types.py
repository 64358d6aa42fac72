"""The type ratchet (scripts/mypy_ratchet.py) and the typed lookups that replaced
Optional results where the value is known to exist."""

import importlib.util
import json
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from chains import registry, scanner
from chains.backends.base import Transfer
from chains.scanner import ScanReport
from core.errors import ErrorCode
from invoices import money

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mypy_ratchet.py"
_spec = importlib.util.spec_from_file_location("mypy_ratchet", SCRIPT)
assert _spec and _spec.loader
ratchet = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ratchet)

OUTPUT = """\
dashboard/views.py:12: error: Item "None" of "Network | None" has no attribute "name"  [union-attr]
dashboard/views.py:12: note: a note is not an error
dashboard/queries.py:3: error: Need type annotation for "x"  [var-annotated]
tests/test_x.py:1: error: Name "y" is not defined  [name-defined]
Found 3 errors in 3 files (checked 270 source files)
"""


def test_mypy_errors_are_counted_per_top_level_package() -> None:
    assert ratchet.count(OUTPUT) == Counter({"dashboard": 2, "tests": 1})


def test_a_package_over_its_ratchet_fails_and_one_under_it_is_reported() -> None:
    failures, lowered = ratchet.compare(
        Counter({"dashboard": 3, "tests": 1}), {"dashboard": 2, "tests": 5}
    )
    assert failures == ["dashboard: 3 mypy errors, the ratchet allows 2"]
    assert lowered == ["tests: 1 mypy errors, the ratchet allows 5"]


def test_a_package_missing_from_the_ratchet_allows_no_error() -> None:
    failures, _ = ratchet.compare(Counter({"greenfield": 1}), {})
    assert failures == ["greenfield: 1 mypy errors, the ratchet allows 0"]


def test_the_core_packages_cannot_be_given_errors_in_the_ratchet_file() -> None:
    failures, _ = ratchet.compare(Counter({"invoices": 2}), {"invoices": 2})
    assert failures == ["invoices: must have no mypy error, the ratchet says 2"]


def test_the_ratchet_file_reads_back_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "ratchet.txt"
    ratchet.write(path, {"tests": 4, "dashboard": 7})
    assert ratchet.read(path) == {"dashboard": 7, "tests": 4}
    assert path.read_text().splitlines()[1:] == ["dashboard 7", "tests 4"]


def test_network_returns_a_known_network_and_raises_for_an_unknown_code() -> None:
    assert registry.network("bitcoin") is registry.get_network("bitcoin")
    with pytest.raises(KeyError):
        registry.network("no-such-chain")
    assert registry.get_network("no-such-chain") is None


def test_error_code_lookup_finds_a_code_of_the_catalogue_only() -> None:
    assert ErrorCode.lookup("required") is ErrorCode.REQUIRED
    assert ErrorCode.lookup("no_such_code") is None
    assert ErrorCode.lookup(None) is None


def test_stored_price_decimals_raises_for_a_currency_no_longer_known() -> None:
    assert money.stored_price_decimals("EUR") == 2
    with pytest.raises(ValueError):
        money.stored_price_decimals("NOSUCHCOIN")


def test_every_file_excused_from_annotations_still_needs_the_excuse(processes: None) -> None:
    """The per-file ANN ignores only shrink: a listed product file with no finding left
    must leave the list (ruff already fails on an unlisted file with one)."""
    root = SCRIPT.parent.parent
    ignores = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["ruff"]["lint"][
        "per-file-ignores"
    ]
    listed = sorted(path for path, rules in ignores.items() if "ANN" in rules and "*" not in path)
    found = subprocess.run(
        [
            str(Path(sys.executable).parent / "ruff"),
            "check",
            "--select",
            "ANN",
            "--ignore",
            "ANN401",
        ]
        + ["--config", "lint.per-file-ignores = {}", "--output-format", "json", *listed],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    needing = {str(Path(item["filename"]).relative_to(root)) for item in json.loads(found.stdout)}
    assert [path for path in listed if path not in needing] == []


class _Chain:
    """The one thing a rewind asks of a backend: a height's hash."""

    def block_hash(self, height: int) -> str:
        return f"hash-{height}"


@pytest.mark.django_db
def test_a_rewind_drops_what_was_read_above_the_fork_and_keeps_the_mempool() -> None:
    """block_height is None for a mempool transfer: comparing it with the fork raised."""

    def transfer(txid: str, height: int | None) -> Transfer:
        return Transfer("sandbox", txid, 0, "addr", "TEST", 1, block_height=height)

    report = ScanReport(
        "sandbox", 10, [transfer("low", 3), transfer("high", 9), transfer("pool", None)]
    )
    fork, fork_hash = scanner._rewind(_Chain(), report, below=8)  # type: ignore[arg-type]
    assert (fork, fork_hash) == (7, "hash-7")  # nothing stored below 8: just under it
    assert [t.txid for t in report.transfers] == ["low", "pool"]
    assert report.rollback_above == 7
