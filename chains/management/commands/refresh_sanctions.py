"""Rewrite the shipped sanctions list (chains/data/sanctioned_addresses.txt) from OFAC's SDN
list: the advanced XML, the classic XML or the CSV, from a file or a URL. Running workers
read the new file on their next screening."""

import tempfile
from pathlib import Path

import requests
from django.core.management.base import BaseCommand, CommandError

from chains import screening

OFAC_URL = (
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML"
)


class Command(BaseCommand):
    help = "Refresh the bundled OFAC SDN digital currency address list."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--file", type=Path, help="a downloaded sdn_advanced.xml, sdn.xml or sdn.csv"
        )
        source.add_argument(
            "--url", nargs="?", const=OFAC_URL, help=f"download it (default: {OFAC_URL})"
        )

    def handle(self, *args, file=None, url=None, **options):
        if file:
            with file.open("rb") as fh:
                listings, published = screening.parse_sdn(fh)
            source = str(file)
        else:  # the advanced file is large: streamed to disk, then parsed
            with tempfile.TemporaryFile() as fh:
                with requests.get(url, stream=True, timeout=120) as response:
                    response.raise_for_status()
                    for chunk in response.iter_content(1 << 20):
                        fh.write(chunk)
                fh.seek(0)
                listings, published = screening.parse_sdn(fh)
            source = url
        if not listings:  # a wrong file must not empty the list
            raise CommandError(f"no digital currency addresses found in {source}")
        # Written aside, then renamed: a worker screening meanwhile reads the old or the new
        # list, never half of one.
        written = screening.SANCTIONS_FILE.with_suffix(".new")
        written.write_text(screening.snapshot_text(listings, source, published))
        written.replace(screening.SANCTIONS_FILE)
        count = len({listing.address for listing in listings})
        self.stdout.write(
            f"{count} addresses from {source} (published "
            f"{published or 'unknown'}) written to {screening.SANCTIONS_FILE}"
        )
