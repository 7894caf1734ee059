"""`manage.py restore_drill`: restore the latest backup into a scratch database and compare
every table's row count and checksum; exit status 1 on any difference."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.operations.backups import BackupError, drill_backup


class Command(BaseCommand):
    help = "Restore the latest (or the given) backup into a scratch database and verify it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = drill_backup(reference=options["backup"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            json.dumps(
                {
                    "ok": result.ok,
                    "tables": result.tables,
                    "rows": result.rows,
                    "seconds": round(result.seconds, 2),
                    "mismatches": result.mismatches,
                }
            )
        )
        if not result.ok:
            raise CommandError("The restored copy differs from the backup's checksums.")
