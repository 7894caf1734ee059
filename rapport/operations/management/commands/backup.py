"""`manage.py backup`: an encrypted backup of the database and media, then retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.operations import crypto
from rapport.operations.backups import BackupError, create_backup, prune_backups


class Command(BaseCommand):
    help = "Back up the database and media (encrypted with RAPPORT_BACKUP_KEY), then prune."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--new-key", action="store_true", help="Print a new key and stop.")
        parser.add_argument("--no-prune", action="store_true", help="Keep every backup.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(crypto.new_key())
            return
        try:
            backup = create_backup()
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{backup.file_name}: {backup.size_bytes} bytes in {backup.duration_seconds:.1f} s, "
            f"{len(backup.tables)} tables, {backup.media_files} media files, "
            f"sha256 {backup.sha256}"
        )
        if not options["no_prune"]:
            for pruned in prune_backups():
                self.stdout.write(f"pruned {pruned.file_name}")
