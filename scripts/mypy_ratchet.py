"""mypy over the whole tree, held to a ratchet: each top-level package's error count may
only go down (mypy-ratchet.txt). The core packages are held at zero, so their count cannot
be raised by editing the file either.

    python scripts/mypy_ratchet.py           # check: fails if a package has more errors
    python scripts/mypy_ratchet.py --lower   # write the lower counts after fixing some
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATCHET = ROOT / "mypy-ratchet.txt"
# Fully typed: no error is allowed here, whatever the ratchet file says.
ZERO = ("core", "chains", "invoices", "webhooks")
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+: error:")


def count(output: str) -> Counter[str]:
    """Errors per top-level folder of the project, from mypy's output."""
    return Counter(
        match["path"].split("/", 1)[0]
        for line in output.splitlines()
        if (match := ERROR.match(line))
    )


def read(path: Path) -> dict[str, int]:
    """The ratchet: `package count` lines; # starts a comment."""
    counts = {}
    for line in path.read_text().splitlines():
        if fields := line.split("#", 1)[0].split():
            package, number = fields
            counts[package] = int(number)
    return counts


def write(path: Path, counts: dict[str, int]) -> None:
    lines = [
        "# mypy errors allowed per top-level package (scripts/mypy_ratchet.py): only ever lower.",
        *(f"{package} {number}" for package, number in sorted(counts.items())),
    ]
    path.write_text("\n".join(lines) + "\n")


def compare(found: Counter[str], allowed: dict[str, int]) -> tuple[list[str], list[str]]:
    """(what fails, what went down) for mypy's counts against the ratchet."""
    failures = [
        f"{package}: must have no mypy error, the ratchet says {allowed[package]}"
        for package in ZERO
        if allowed.get(package, 0)
    ]
    lowered = []
    for package in sorted(set(found) | set(allowed)):
        now, limit = found.get(package, 0), allowed.get(package, 0)
        if now > limit:
            failures.append(f"{package}: {now} mypy errors, the ratchet allows {limit}")
        elif now < limit:
            lowered.append(f"{package}: {now} mypy errors, the ratchet allows {limit}")
    return failures, lowered


def main(argv: list[str]) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode not in (0, 1):  # 2: mypy itself failed (configuration, crash)
        sys.stdout.write(result.stdout + result.stderr)
        return result.returncode
    found = count(result.stdout)
    allowed = read(RATCHET)
    failures, lowered = compare(found, allowed)
    if "--lower" in argv:
        write(RATCHET, {p: min(found.get(p, 0), n) for p, n in allowed.items() if p not in ZERO})
        print(f"{RATCHET.name} lowered to mypy's counts")
    elif lowered:
        print("Fewer mypy errors than the ratchet allows; lower it (and commit mypy-ratchet.txt):")
        print("  .venv/bin/python scripts/mypy_ratchet.py --lower")
        print("\n".join(f"  {line}" for line in lowered))
    if failures:
        sys.stdout.write(result.stdout)
        print("\n".join(failures))
        return 1
    print(f"mypy: {sum(found.values())} errors, none over the ratchet")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
