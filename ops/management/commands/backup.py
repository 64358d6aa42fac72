"""`manage.py backup FILE`: a consistent copy of the SQLite database while the gateway keeps
running (SQLite's online backup API: pages are copied under a read transaction, so writes
made meanwhile are either wholly in the copy or not at all). PostgreSQL is backed up with
its own tools (the README's procedure)."""

import os
import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Write a consistent copy of the SQLite database to FILE (safe while running)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the copy to write; replaced atomically if it exists")

    def handle(self, file, **options):
        if connection.vendor != "sqlite":
            raise CommandError(
                f"the database is {connection.vendor}: back it up with its own "
                "tools (see the README, 'Backups')"
            )
        target = Path(file).resolve()
        if target == Path(connection.settings_dict["NAME"]).resolve():
            raise CommandError("the copy cannot replace the database itself")
        partial = target.with_name(f".{target.name}.partial")
        partial.unlink(missing_ok=True)
        connection.ensure_connection()
        copy = sqlite3.connect(partial)
        try:
            connection.connection.backup(copy)
            # The copy is a standalone file: no WAL beside it, checked before it counts.
            copy.execute("PRAGMA journal_mode=DELETE")
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
        finally:
            copy.close()
        if verdict != "ok":
            partial.unlink(missing_ok=True)
            raise CommandError(f"the copy failed its integrity check: {verdict}")
        os.replace(partial, target)
        self.stdout.write(f"backed up to {target} ({target.stat().st_size:,} bytes)")
