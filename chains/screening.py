"""Sender screening: a sanctions list shipped with the gateway plus each merchant's deny
list. Comparison ignores case, since EVM addresses differ only in checksum capitals.

The shipped list is OFAC's SDN list reduced to its digital currency addresses
(`data/sanctioned_addresses.txt`). `parse_sdn` reads the three forms OFAC publishes it in —
the advanced XML (sdn_advanced.xml), the classic XML (sdn.xml) and CSV (sdn.csv, whose
remarks column carries the addresses) — and `snapshot_text` writes the file;
`manage.py refresh_sanctions` does both.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, cast
from xml.etree import ElementTree

SANCTIONS_FILE = Path(__file__).parent / "data" / "sanctioned_addresses.txt"
ADDRESS_TYPE = re.compile(r"Digital Currency Address - (\w+)")
IN_REMARKS = re.compile(r"Digital Currency Address - (\w+)[\s:]+(\w+)")
# Addresses are 25+ characters of letters and digits; OFAC sometimes lists several in one
# field, or a note ("See OFAC website for updated address") instead of one.
ADDRESS = re.compile(r"[A-Za-z0-9]{25,}")


def sanctioned_addresses() -> frozenset[str]:
    """The shipped list, lower-cased. Read again whenever the file changes, so workers pick
    up a refresh without a restart."""
    try:
        stat = SANCTIONS_FILE.stat()
    except FileNotFoundError:
        return frozenset()
    return _read(SANCTIONS_FILE, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1)
def _read(path: Path, modified: int, size: int) -> frozenset[str]:
    """One address a line; `#` starts a comment."""
    entries = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return frozenset(entry.lower() for entry in entries if entry)


def is_flagged(senders, deny_list) -> bool:
    denied = {address.strip().lower() for address in deny_list}
    return any(s.lower() in denied or s.lower() in sanctioned_addresses() for s in senders)


@dataclass(frozen=True, order=True)
class Listing:
    currency: str  # OFAC's code: XBT, ETH, LTC, USDT, TRX…
    address: str
    name: str = ""  # the sanctioned party, as listed


RECORDS = {"FeatureType", "Profile", "sdnEntry", "DateOfIssue", "Publish_Date"}


def parse_sdn(source: BinaryIO) -> tuple[list[Listing], str]:
    """The digital currency addresses of an SDN publication, and its publication date
    ("" when the format does not carry one). The XML is streamed and every element outside
    the records read here is dropped as soon as it ends: the advanced file is large."""
    # Any binary file object can then be peeked at (the stubs want a raw one: any will do).
    reader = io.BufferedReader(cast(io.RawIOBase, source))
    if not reader.peek(512).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _from_csv(io.TextIOWrapper(reader, encoding="utf-8-sig")), ""
    listings: list[Listing] = []
    published = ""
    address_types: dict[str, str] = {}  # advanced XML: FeatureTypeID -> currency
    inside = 0  # how many records enclose the current element
    for event, element in ElementTree.iterparse(reader, events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            inside += tag in RECORDS
            continue
        if tag in RECORDS:
            inside -= 1
        if tag == "FeatureType" and (match := ADDRESS_TYPE.fullmatch(element.text or "")):
            address_types[element.get("ID")] = match.group(1)
        elif tag == "Profile":
            listings += _from_profile(element, address_types)
        elif tag == "sdnEntry":
            listings += _from_entry(element)
        elif tag == "DateOfIssue" and not published:
            parts = {_local(child.tag): int(child.text) for child in element}
            published = f"{parts['Year']:04}-{parts['Month']:02}-{parts['Day']:02}"
        elif tag == "Publish_Date" and not published:  # MM/DD/YYYY
            month, day, year = (element.text or "").strip().split("/")
            published = f"{year}-{month}-{day}"
        if not inside:
            element.clear()
    return listings, published


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _texts(element, tag: str) -> list[str]:
    return [
        child.text.strip()
        for child in element.iter()
        if _local(child.tag) == tag and child.text and child.text.strip()
    ]


def _from_profile(profile, address_types: dict[str, str]) -> list[Listing]:
    """sdn_advanced.xml: a party's primary name and its address features."""
    name = ""
    for alias in profile.iter():
        if _local(alias.tag) == "Alias" and alias.get("Primary") == "true":
            names = [n for n in alias if _local(n.tag) == "DocumentedName"]
            name = " ".join(_texts(names[0], "NamePartValue")) if names else ""
            break
    return [
        Listing(address_types[feature.get("FeatureTypeID")], address, name)
        for feature in profile.iter()
        if _local(feature.tag) == "Feature" and feature.get("FeatureTypeID") in address_types
        for detail in _texts(feature, "VersionDetail")
        for address in ADDRESS.findall(detail)
    ]


def _from_entry(entry) -> list[Listing]:
    """sdn.xml: an entry's name and its idList rows of type 'Digital Currency Address'."""
    first, last = (" ".join(_texts(entry, tag)[:1]) for tag in ("firstName", "lastName"))
    name = f"{last} {first}".strip()
    listings = []
    for row in entry.iter():
        if _local(row.tag) != "id":
            continue
        fields = {_local(child.tag): (child.text or "").strip() for child in row}
        if match := ADDRESS_TYPE.fullmatch(fields.get("idType", "")):
            listings += [
                Listing(match.group(1), address, name)
                for address in ADDRESS.findall(fields.get("idNumber", ""))
            ]
    return listings


def _from_csv(text) -> list[Listing]:
    """sdn.csv (name in the 2nd of 12 columns, addresses in the remarks) or its overflow
    file sdn_comments.csv (no name)."""
    return [
        Listing(currency, address, row[1] if len(row) >= 12 else "")
        for row in csv.reader(text)
        for currency, address in IN_REMARKS.findall(" ".join(row))
        if ADDRESS.fullmatch(address)
    ]


def snapshot_text(listings: list[Listing], source: str, published: str) -> str:
    """The shipped file: a header naming the source list and its date, then one address a
    line, sorted, with the currencies it is listed under and the listed name as a comment."""
    by_address: dict[str, list[Listing]] = {}
    for listing in sorted(listings):
        by_address.setdefault(listing.address, []).append(listing)
    lines = [
        "# OFAC Specially Designated Nationals (SDN) list: its digital currency addresses",
        "# (the 'Digital Currency Address - <currency>' identifiers).",
        f"# Source: {source}",
        f"# Published: {published or 'unknown'}",
        f"# {len(by_address)} addresses. Regenerate: python manage.py refresh_sanctions --url",
        "",
    ]
    for address, same in sorted(by_address.items(), key=lambda item: (item[1][0], item[0])):
        currencies = ",".join(dict.fromkeys(listing.currency for listing in same))
        lines.append(f"{address}  # {currencies} {same[0].name}".rstrip())
    return "\n".join(lines) + "\n"
