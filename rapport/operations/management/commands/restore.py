"""`manage.py restore <backup> --target-url URL`: restore a backup into the given database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.operations.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup (public id, file name or path) into the database at --target-url "
        "(PostgreSQL: its objects are replaced in one transaction; SQLite: the file)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup")
        parser.add_argument(
            "--target-url",
            required=True,
            help="Database URL to restore into (the site's own DATABASE_URL only on purpose).",
        )
        parser.add_argument("--media-dir", help="Also restore the media files into this folder.")
        parser.add_argument(
            "--yes", action="store_true", help="Confirm replacing the site's own database."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = dict(dj_database_url.parse(options["target_url"]))
        live = settings.DATABASES["default"]
        if (
            target.get("NAME") == live.get("NAME")
            and target.get("HOST", "") == live.get("HOST", "")
            and not options["yes"]
        ):
            raise CommandError(
                "The target is the site's own database: stop the site, then add --yes."
            )
        media = Path(options["media_dir"]) if options["media_dir"] else None
        try:
            manifest = restore_backup(reference=options["backup"], target=target, media_root=media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {len(manifest['tables'])} tables"
            + (f" and {manifest['media_files']} media files" if media else "")
            + f" from the backup of {manifest['created_at']}."
        )
