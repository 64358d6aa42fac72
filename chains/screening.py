"""Sender screening: a sanctions list shipped with the gateway plus each merchant's deny
list. Comparison ignores case, since EVM addresses differ only in checksum capitals."""

from functools import lru_cache
from pathlib import Path

SANCTIONS_FILE = Path(__file__).parent / "data" / "sanctioned_addresses.txt"


@lru_cache(maxsize=1)
def sanctioned_addresses() -> frozenset[str]:
    """The bundled snapshot: one address a line, `#` starts a comment."""
    if not SANCTIONS_FILE.exists():
        return frozenset()
    lines = SANCTIONS_FILE.read_text().splitlines()
    return frozenset(line.split("#")[0].strip().lower() for line in lines
                     if line.split("#")[0].strip())


def is_flagged(senders, deny_list) -> bool:
    denied = {address.strip().lower() for address in deny_list}
    return any(s.lower() in denied or s.lower() in sanctioned_addresses() for s in senders)
