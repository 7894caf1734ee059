"""manage.py import_olist DIR [--purchased-from YYYY-MM-DD] — see docs/data-import.md."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rapport.imports.command import ImportCommand
from rapport.imports.olist import import_olist
from rapport.imports.report import ImportReport


class Command(ImportCommand):
    help = (
        "Import the Olist marketplace files in DIR: sellers, customers, categories, products, "
        "orders with lines, payments and reviews. Safe to run again."
    )
    source_help = "the folder holding the Olist .csv.gz files"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--purchased-from",
            default=None,
            help="only orders purchased on or after this day (YYYY-MM-DD); default: all",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        raw = options.get("purchased_from")
        try:
            self._from = datetime.date.fromisoformat(raw) if raw else None
        except ValueError as exc:
            raise CommandError(f"--purchased-from must be YYYY-MM-DD, not {raw!r}") from exc
        super().handle(*args, **options)

    def run_import(self, source: Path, **kwargs: Any) -> ImportReport:
        return import_olist(source, purchased_from=self._from, **kwargs)
