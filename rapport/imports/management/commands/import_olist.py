"""manage.py import_olist DIR — see docs/data-import.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.imports.csvfiles import ImportFileError
from rapport.imports.olist import import_olist


class Command(BaseCommand):
    help = (
        "Import the Olist marketplace files in DIR: sellers, customers, categories, products, "
        "orders with lines, payments and reviews. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="the folder holding the Olist .csv.gz files")
        parser.add_argument(
            "--report-dir",
            default=str(Path(settings.VAR_DIR) / "import-reports"),
            help="where the CSVs of reported rows go (default: var/import-reports)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_olist(
                Path(options["directory"]),
                report_dir=Path(options["report_dir"]),
                progress=not options["no_progress"] and options["verbosity"] > 0,
                progress_file=sys.stderr,
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 0:
            for line in report.summary_lines():
                self.stdout.write(line)
