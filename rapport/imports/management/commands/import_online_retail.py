"""manage.py import_online_retail PATH — see docs/data-import.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.imports.csvfiles import ImportFileError
from rapport.imports.online_retail import import_online_retail


class Command(BaseCommand):
    help = (
        "Import the UCI Online Retail invoice lines (online_retail_2010_2011.csv.gz): products, "
        "derived categories, customers, orders and credit notes. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="online_retail_2010_2011.csv.gz")
        parser.add_argument(
            "--report-dir",
            default=str(Path(settings.VAR_DIR) / "import-reports"),
            help="where the CSV of rejected rows goes (default: var/import-reports)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_online_retail(
                Path(options["path"]),
                report_dir=Path(options["report_dir"]),
                progress=not options["no_progress"] and options["verbosity"] > 0,
                progress_file=sys.stderr,
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 0:
            for line in report.summary_lines():
                self.stdout.write(line)
